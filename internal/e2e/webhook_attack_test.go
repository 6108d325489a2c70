package e2e

import (
	"bufio"
	"bytes"
	"encoding/json"
	"fmt"
	"io"
	"net"
	"net/http"
	neturl "net/url"
	"runtime"
	"strings"
	"sync"
	"testing"
	"time"
)

// TestWebhookAttacks sends hostile payloads through the real server and
// checks that each is refused with a 4xx JSON error naming the problem,
// quickly, without the server's heap growing, and with nothing stored.
// The server runs in this process, so the test's runtime.MemStats are the
// server's.
func TestWebhookAttacks(t *testing.T) {
	// Not parallel: it reads this process's heap, which other tests would grow.
	s := startServer(t) // default limits: 10 MiB bodies, depth 64, 100-digit numbers
	whCreate(s, whRecipe("orders", "json", nil), true)
	whCreate(s, whRecipe("xml-orders", "xml", nil), true)
	base := s.webhookBase()
	hook := func(event string) string { return base + "/" + event }

	// Billion laughs: ten levels of ten references each, 10^9 "lol"s once
	// expanded.
	var laughs strings.Builder
	laughs.WriteString("<?xml version=\"1.0\"?>\n<!DOCTYPE lolz [\n <!ENTITY lol \"lol\">\n")
	for i := 1; i <= 9; i++ {
		fmt.Fprintf(&laughs, " <!ENTITY lol%d \"%s\">\n", i, strings.Repeat(fmt.Sprintf("&lol%s;", suffix(i-1)), 10))
	}
	laughs.WriteString("]>\n<lolz>&lol9;</lolz>")

	// Quadratic blowup: one 50 000-byte entity referenced 50 000 times,
	// 2.5 GB once expanded, from a body of about 300 KB.
	quadratic := "<?xml version=\"1.0\"?>\n<!DOCTYPE kaboom [<!ENTITY a \"" + strings.Repeat("a", 50000) + "\">]>\n<kaboom>" +
		strings.Repeat("&a;", 50000) + "</kaboom>"

	xxe := "<?xml version=\"1.0\"?>\n<!DOCTYPE foo [<!ENTITY xxe SYSTEM \"file:///etc/passwd\">]>\n<foo>&xxe;</foo>"

	const deep = 100000
	deepJSON := strings.Repeat("[", deep) + strings.Repeat("]", deep)
	deepXML := strings.Repeat("<a>", deep) + strings.Repeat("</a>", deep)

	// 50 MiB of valid JSON: one long string.
	big := make([]byte, 50<<20)
	for i := range big {
		big[i] = 'x'
	}
	big[0], big[1], big[len(big)-2], big[len(big)-1] = '[', '"', '"', ']'

	badUTF8 := "{\"name\": \"J\xf6rg\"}" // Latin-1 ö, not UTF-8
	longNumber := `{"amount": ` + strings.Repeat("9", 400) + `}`

	cases := []struct {
		name    string
		url     string
		ct      string
		body    []byte
		chunked bool
		status  int
		code    string
		msg     []string
		// limit is the longest the request may take, from sending to the
		// answer's headers.
		limit time.Duration
	}{
		{name: "billion laughs", url: hook("xml-orders"), ct: "application/xml", body: []byte(laughs.String()),
			status: 400, code: "invalid_payload", msg: []string{"xml", "DOCTYPE is not allowed", "line 2, column 1"}},
		{name: "quadratic blowup", url: hook("xml-orders"), ct: "application/xml", body: []byte(quadratic),
			status: 400, code: "invalid_payload", msg: []string{"xml", "DOCTYPE is not allowed", "line 2, column 1"}},
		{name: "external entity (XXE)", url: hook("xml-orders"), ct: "application/xml", body: []byte(xxe),
			status: 400, code: "invalid_payload", msg: []string{"xml", "DOCTYPE is not allowed", "line 2, column 1"}},
		{name: "100000-deep JSON arrays", url: hook("orders"), ct: "application/json", body: []byte(deepJSON),
			status: 400, code: "invalid_payload", msg: []string{"json", "nesting deeper than 64 levels", "line 1, column 65"}},
		{name: "100000-deep XML elements", url: hook("xml-orders"), ct: "application/xml", body: []byte(deepXML),
			status: 400, code: "invalid_payload", msg: []string{"xml", "nesting deeper than 64 levels", "line 1, column 193"}},
		// With a Content-Length the server refuses from the header alone,
		// before reading any of the body, so the usual second applies.
		{name: "50 MiB body with Content-Length", url: hook("orders"), ct: "application/json", body: big,
			status: 413, code: "body_too_large", msg: []string{"10485760-byte limit"}},
		// Chunked, the server cannot know the size until it has read 10 MiB,
		// and the clock includes uploading them: net/http's client offers no
		// way to start it when the upload ends, so this one case gets 3 s
		// against a slow, shared CI machine (it takes ~30 ms on loopback).
		{name: "50 MiB body chunked", url: hook("orders"), ct: "application/json", body: big, chunked: true,
			status: 413, code: "body_too_large", msg: []string{"10485760-byte limit"}, limit: 3 * time.Second},
		{name: "invalid UTF-8 in a JSON string", url: hook("orders"), ct: "application/json", body: []byte(badUTF8),
			status: 400, code: "invalid_payload", msg: []string{"json", "invalid UTF-8", "line 1, column 12"}},
		{name: "JSON number with 400 digits", url: hook("orders"), ct: "application/json", body: []byte(longNumber),
			status: 400, code: "invalid_payload", msg: []string{"json", "number longer than 100 digits", "line 1, column 12"}},
	}

	const maxGrowth = 64 << 20
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			limit := c.limit
			if limit == 0 {
				limit = time.Second
			}
			before := heapInuse()
			stop, peak := watchHeap()
			start := time.Now()
			resp, raw := attackSend(t, c.url, c.ct, c.body, c.chunked)
			took := time.Since(start)
			stop()
			after := heapInuse()

			if resp.StatusCode != c.status {
				t.Fatalf("status = %d, want %d: %.300s", resp.StatusCode, c.status, raw)
			}
			e := whDecodeError(t, resp.Header, raw)
			t.Logf("%d %s in %v, heap %d → %d MiB (peak %d MiB): %.200s", resp.StatusCode, e.Code, took,
				before>>20, after>>20, *peak>>20, e.Message)
			if e.Code != c.code {
				t.Errorf("error code = %q, want %q", e.Code, c.code)
			}
			for _, m := range c.msg {
				if !strings.Contains(e.Message, m) {
					t.Errorf("error message %q does not mention %q", e.Message, m)
				}
			}
			if took > limit {
				t.Errorf("answered in %v, want under %v", took, limit)
			}
			if after > before && after-before > maxGrowth {
				t.Errorf("heap in use grew by %d MiB (from %d to %d), want under %d MiB",
					(after-before)>>20, before>>20, after>>20, maxGrowth>>20)
			}
			if *peak > before && *peak-before > maxGrowth {
				t.Errorf("heap in use peaked %d MiB above where it started, want under %d MiB",
					(*peak-before)>>20, maxGrowth>>20)
			}
			whAssertNothingStored(t, s)
		})
	}
	runtime.KeepAlive(big)

	// The server is still well: a normal webhook is accepted and runs.
	resp := whSend(t, whRequest{method: "POST", url: hook("orders"), contentType: "application/json", body: `{"order": {"id": 9007199254740993}}`})
	if resp.status != 200 {
		t.Fatalf("normal webhook after the attacks answered %d: %s", resp.status, resp.body)
	}
	var acc struct {
		JobID string `json:"job_id"`
	}
	fatalIf(t, json.Unmarshal(resp.body, &acc), "decode %s", resp.body)
	if j := s.waitJob(acc.JobID); j.Status != "succeeded" {
		t.Errorf("job after the attacks: %s (%s)", j.Status, deref(j.Error))
	}
	if n := whDBCount(t, s, "events"); n != 1 {
		t.Errorf("database holds %d events, want 1", n)
	}
}

// suffix names the billion-laughs entity of level i ("" for the base one).
func suffix(i int) string {
	if i == 0 {
		return ""
	}
	return fmt.Sprint(i)
}

// attackSend posts body and returns the answer with its body read. With
// chunked, the length is hidden so the request goes out chunked.
//
// A request whose declared length is over a megabyte is written by hand on
// a raw connection, body and all, like an attacker that ignores the early
// answer: the server refuses it from the Content-Length without reading
// the body and closes the connection, and net/http's client reports the
// failed write of the rest of the body instead of the answer it got.
func attackSend(t *testing.T, url, ct string, body []byte, chunked bool) (*http.Response, []byte) {
	t.Helper()
	if !chunked && len(body) > 1<<20 {
		return rawSend(t, url, ct, body)
	}
	var rd io.Reader = bytes.NewReader(body)
	if chunked {
		rd = io.MultiReader(rd)
	}
	req, err := http.NewRequest("POST", url, rd)
	fatalIf(t, err, "build request")
	if chunked {
		req.ContentLength = -1
	}
	req.Header.Set("Content-Type", ct)
	// A fresh transport per request: the server closes connections whose
	// body it did not read, so none is worth keeping.
	tr := &http.Transport{DisableKeepAlives: true}
	defer tr.CloseIdleConnections()
	resp, err := (&http.Client{Transport: tr, Timeout: 30 * time.Second}).Do(req)
	fatalIf(t, err, "POST %s", url)
	defer resp.Body.Close()
	raw, _ := io.ReadAll(resp.Body)
	return resp, raw
}

// heapInuse returns runtime.MemStats.HeapInuse after a collection.
func heapInuse() uint64 {
	runtime.GC()
	var m runtime.MemStats
	runtime.ReadMemStats(&m)
	return m.HeapInuse
}

// watchHeap samples HeapInuse every few milliseconds until stop is called,
// keeping the highest value seen in *peak (valid after stop returns).
func watchHeap() (stop func(), peak *uint64) {
	peak = new(uint64)
	done := make(chan struct{})
	var wg sync.WaitGroup
	wg.Add(1)
	go func() {
		defer wg.Done()
		tick := time.NewTicker(5 * time.Millisecond)
		defer tick.Stop()
		var m runtime.MemStats
		for {
			runtime.ReadMemStats(&m)
			if m.HeapInuse > *peak {
				*peak = m.HeapInuse
			}
			select {
			case <-done:
				return
			case <-tick.C:
			}
		}
	}()
	return func() { close(done); wg.Wait() }, peak
}

// rawSend writes a POST with a Content-Length and the whole body on its own
// connection while reading the answer, so the answer is seen even when the
// server stops reading and the rest of the upload fails.
func rawSend(t *testing.T, rawURL, ct string, body []byte) (*http.Response, []byte) {
	t.Helper()
	u, err := neturl.Parse(rawURL)
	fatalIf(t, err, "parse %s", rawURL)
	conn, err := net.Dial("tcp", u.Host)
	fatalIf(t, err, "dial %s", u.Host)
	defer conn.Close()
	head := fmt.Sprintf("POST %s HTTP/1.1\r\nHost: %s\r\nContent-Type: %s\r\nContent-Length: %d\r\n\r\n", u.RequestURI(), u.Host, ct, len(body))
	wrote := make(chan error, 1)
	go func() {
		// net.Buffers, not append: a copy of the body would count as
		// server heap in the caller's measurements.
		bufs := net.Buffers{[]byte(head), body}
		_, err := bufs.WriteTo(conn)
		wrote <- err // an error is expected once the server closes
	}()
	resp, err := http.ReadResponse(bufio.NewReader(conn), nil)
	fatalIf(t, err, "read the answer to POST %s", rawURL)
	defer resp.Body.Close()
	raw, _ := io.ReadAll(resp.Body)
	conn.Close()
	<-wrote
	return resp, raw
}

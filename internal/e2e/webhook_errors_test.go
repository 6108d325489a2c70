package e2e

import (
	"bufio"
	"bytes"
	"crypto/hmac"
	"crypto/rand"
	"crypto/sha256"
	"encoding/base64"
	"encoding/hex"
	"encoding/json"
	"io"
	"net/http"
	"strconv"
	"strings"
	"testing"
	"time"

	_ "modernc.org/sqlite" // read the server's database file directly

	"github.com/patchbay/patchbay/internal/config"
)

// Secrets of the verify schemes used below.
const (
	whHMACSecret   = "hmac-Secret-0123456789"
	whBasicUser    = "hooker"
	whBasicPass    = "basic-Pass-9876"
	whHeaderName   = "X-Hook-Token"
	whHeaderSecret = "header-Token-5555"
)

// whStdKey is the standard-webhooks key; the recipe's secret is
// "whsec_" + base64(key), as the spec says.
var whStdKey = []byte("standard-webhooks-key-32-bytes!!")

func whStdSecret() string { return "whsec_" + base64.StdEncoding.EncodeToString(whStdKey) }

// whStdSign signs like a Standard Webhooks sender: "v1," +
// base64(HMAC-SHA256(key, id + "." + timestamp + "." + body)).
func whStdSign(id, ts, body string) string {
	mac := hmac.New(sha256.New, whStdKey)
	mac.Write([]byte(id + "." + ts + "." + body))
	return "v1," + base64.StdEncoding.EncodeToString(mac.Sum(nil))
}

func whHMAC(body string) []byte {
	mac := hmac.New(sha256.New, []byte(whHMACSecret))
	mac.Write([]byte(body))
	return mac.Sum(nil)
}

// whRecipe is a webhook recipe without steps: what is under test is intake.
func whRecipe(event, payloadType string, verify map[string]any) map[string]any {
	trig := map[string]any{"type": "webhook", "event": event, "payload_type": payloadType}
	if verify != nil {
		trig["verify"] = verify
	}
	return map[string]any{"name": "webhook " + event, "trigger": trig, "steps": []any{}}
}

// whCreate creates a recipe and, if start, starts it.
func whCreate(s *server, doc map[string]any, start bool) string {
	s.t.Helper()
	if start {
		return s.startRecipe(doc)
	}
	return s.createRecipe(doc)
}

// whStandardRecipes creates, on s, one recipe per payload type and verify
// scheme, all started, plus one stopped recipe.
func whStandardRecipes(s *server) {
	s.t.Helper()
	whCreate(s, whRecipe("orders", "json", nil), true)
	whCreate(s, whRecipe("xml-orders", "xml", nil), true)
	whCreate(s, whRecipe("form-orders", "form", nil), true)
	whCreate(s, whRecipe("query-orders", "query", nil), true)
	whCreate(s, whRecipe("hmac", "json", map[string]any{"scheme": "hmac-sha256", "secret": whHMACSecret, "header": "X-Signature"}), true)
	whCreate(s, whRecipe("stdhooks", "json", map[string]any{"scheme": "standard-webhooks", "secret": whStdSecret()}), true)
	whCreate(s, whRecipe("basic", "json", map[string]any{"scheme": "basic", "username": whBasicUser, "password": whBasicPass}), true)
	whCreate(s, whRecipe("header", "json", map[string]any{"scheme": "header", "header": whHeaderName, "secret": whHeaderSecret}), true)
	whCreate(s, whRecipe("stopped", "json", nil), false)
}

// whRequest is one request to a webhook URL.
type whRequest struct {
	method      string
	url         string
	contentType string
	body        string
	header      map[string]string
	basic       []string // user, password
	chunked     bool     // send without Content-Length
}

type whResponse struct {
	status int
	header http.Header
	body   []byte
}

func whSend(t *testing.T, r whRequest) whResponse {
	t.Helper()
	var rd io.Reader
	if r.body != "" {
		rd = strings.NewReader(r.body)
		if r.chunked {
			rd = io.MultiReader(rd) // hides the length
		}
	}
	req, err := http.NewRequest(r.method, r.url, rd)
	fatalIf(t, err, "build request")
	if r.chunked {
		req.ContentLength = -1
	}
	if r.contentType != "" {
		req.Header.Set("Content-Type", r.contentType)
	}
	for k, v := range r.header {
		req.Header.Set(k, v)
	}
	if r.basic != nil {
		req.SetBasicAuth(r.basic[0], r.basic[1])
	}
	resp, err := http.DefaultClient.Do(req)
	fatalIf(t, err, "%s %s", r.method, r.url)
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	return whResponse{status: resp.StatusCode, header: resp.Header, body: b}
}

// whAPIError is the error document every refusal must be.
type whAPIError struct {
	Code    string `json:"code"`
	Message string `json:"message"`
	Details []struct {
		Path    string `json:"path"`
		Message string `json:"message"`
	} `json:"details"`
}

// whDecodeError checks that raw is exactly {"error": {"code", "message", ...}}
// with a non-empty code and message, and returns it.
func whDecodeError(t *testing.T, header http.Header, raw []byte) whAPIError {
	t.Helper()
	if ct := header.Get("Content-Type"); !strings.HasPrefix(ct, "application/json") {
		t.Errorf("error Content-Type = %q, want application/json", ct)
	}
	var top map[string]json.RawMessage
	if err := json.Unmarshal(raw, &top); err != nil {
		t.Fatalf("error body is not a JSON object: %v: %q", err, raw)
	}
	if len(top) != 1 || top["error"] == nil {
		t.Fatalf("error body = %s, want exactly {\"error\": {...}}", raw)
	}
	var e whAPIError
	if err := json.Unmarshal(top["error"], &e); err != nil {
		t.Fatalf("error member: %v: %s", err, top["error"])
	}
	if e.Code == "" || e.Message == "" {
		t.Errorf("error = %s, want a code and a message", top["error"])
	}
	return e
}

// whDBCount reads COUNT(*) of a table straight from the server's SQLite
// file, opened read-only, so what the API says is checked against what is
// on disk.
func whDBCount(t *testing.T, s *server, table string) int {
	t.Helper()
	return countRows(t, s.DataDir, "SELECT COUNT(*) FROM "+table)
}

// whAPIJobCount counts the jobs of every recipe through the API.
func whAPIJobCount(s *server) int {
	s.t.Helper()
	var list struct {
		Recipes []struct {
			ID string `json:"id"`
		} `json:"recipes"`
	}
	s.mustCall(200, "GET", "/api/v1/recipes", nil, &list)
	n := 0
	for _, r := range list.Recipes {
		var page struct {
			Jobs []json.RawMessage `json:"jobs"`
		}
		s.mustCall(200, "GET", "/api/v1/recipes/"+r.ID+"/jobs?limit=500", nil, &page)
		n += len(page.Jobs)
	}
	return n
}

// whAssertNothingStored fails unless no job (API) and no event or job
// (database file) exists.
func whAssertNothingStored(t *testing.T, s *server) {
	t.Helper()
	if n := whAPIJobCount(s); n != 0 {
		t.Errorf("the API lists %d jobs, want 0", n)
	}
	if n := whDBCount(t, s, "events"); n != 0 {
		t.Errorf("the database holds %d events, want 0", n)
	}
	if n := whDBCount(t, s, "jobs"); n != 0 {
		t.Errorf("the database holds %d jobs, want 0", n)
	}
}

// whMetric returns the value of the metric line named exactly by series
// (name plus labels), and whether it is there.
func whMetric(t *testing.T, s *server, series string) (float64, bool) {
	t.Helper()
	resp, err := http.Get(s.URL + "/metrics")
	fatalIf(t, err, "GET /metrics")
	defer resp.Body.Close()
	if resp.StatusCode != 200 {
		t.Fatalf("GET /metrics = %d", resp.StatusCode)
	}
	sc := bufio.NewScanner(resp.Body)
	sc.Buffer(make([]byte, 1<<20), 1<<20)
	for sc.Scan() {
		line := sc.Text()
		if rest, ok := strings.CutPrefix(line, series+" "); ok {
			v, err := strconv.ParseFloat(strings.Fields(rest)[0], 64)
			fatalIf(t, err, "metric line %q", line)
			return v, true
		}
	}
	return 0, false
}

// whRandomUUID is a random version-4 UUID in its 36-character form.
func whRandomUUID(t *testing.T) string {
	var b [16]byte
	_, err := rand.Read(b[:])
	fatalIf(t, err, "random")
	b[6] = b[6]&0x0f | 0x40
	b[8] = b[8]&0x3f | 0x80
	h := hex.EncodeToString(b[:])
	return h[0:8] + "-" + h[8:12] + "-" + h[12:16] + "-" + h[16:20] + "-" + h[20:32]
}

// TestWebhookRejects sends one bad request per case and checks the status,
// the JSON error (what and where), and that nothing at all was stored.
func TestWebhookRejects(t *testing.T) {
	t.Parallel()
	s := startServer(t, func(c *config.Config) { c.MaxBodyBytes = 1024 })
	whStandardRecipes(s)
	base := s.webhookBase()
	hook := func(event string) string { return base + "/" + event }
	otherToken := whRandomUUID(t)
	tokenAt := strings.LastIndex(base, "/")
	if base[tokenAt+1:] == otherToken {
		t.Fatal("random token equals the workspace's")
	}

	okBody := `{"order": {"id": 7}}`
	now := strconv.FormatInt(time.Now().Unix(), 10)
	old := strconv.FormatInt(time.Now().Add(-10*time.Minute).Unix(), 10)
	big := `{"pad": "` + strings.Repeat("x", 2048) + `"}`

	cases := []struct {
		name     string
		req      whRequest
		status   int
		code     string
		reason   string   // the metrics label this refusal counts under
		msg      []string // each must be in the message
		header   map[string]string
		notInMsg []string // secrets and signatures must not be echoed
	}{
		{
			name:   "invalid JSON says line and column",
			req:    whRequest{method: "POST", url: hook("orders"), contentType: "application/json", body: "{\n  \"a\": 1,\n  \"b\": }"},
			status: 400, code: "invalid_payload", reason: "parse",
			msg: []string{"json", "line 3, column 8", `"application/json"`},
		},
		{
			name:   "empty JSON body",
			req:    whRequest{method: "POST", url: hook("orders"), contentType: "application/json"},
			status: 400, code: "invalid_payload", reason: "parse",
			msg: []string{"json", "empty"},
		},
		{
			name:   "blank JSON body",
			req:    whRequest{method: "POST", url: hook("orders"), contentType: "application/json", body: " \n\t "},
			status: 400, code: "invalid_payload", reason: "parse",
			msg: []string{"json", "empty"},
		},
		{
			name:   "invalid XML says line and column",
			req:    whRequest{method: "POST", url: hook("xml-orders"), contentType: "application/xml", body: "<order>\n  <item>a</order>"},
			status: 400, code: "invalid_payload", reason: "parse",
			msg: []string{"xml", "line 2, column"},
		},
		{
			name: "XML with a DOCTYPE and entity is refused",
			req: whRequest{method: "POST", url: hook("xml-orders"), contentType: "application/xml",
				body: `<?xml version="1.0"?>` + "\n" + `<!DOCTYPE order [<!ENTITY xxe SYSTEM "file:///etc/passwd">]>` + "\n" + `<order>&xxe;</order>`},
			status: 400, code: "invalid_payload", reason: "parse",
			msg: []string{"xml", "DOCTYPE", "line 2, column 1"},
		},
		{
			name:   "XML with an undeclared entity",
			req:    whRequest{method: "POST", url: hook("xml-orders"), contentType: "application/xml", body: `<order>&xxe;</order>`},
			status: 400, code: "invalid_payload", reason: "parse",
			msg: []string{"xml", "line 1, column"},
		},
		{
			name:   "bad percent-encoding in a form",
			req:    whRequest{method: "POST", url: hook("form-orders"), contentType: "application/x-www-form-urlencoded", body: "a=1&b=%zz"},
			status: 400, code: "invalid_payload", reason: "parse",
			msg: []string{"form", "percent-encoding", "line 1, column 7"},
		},
		{
			name: "hmac-sha256 with a wrong signature",
			req: whRequest{method: "POST", url: hook("hmac"), contentType: "application/json", body: okBody,
				header: map[string]string{"X-Signature": hex.EncodeToString(whHMAC(okBody + " "))}},
			status: 401, code: "verification_failed", reason: "verify",
			msg:      []string{"X-Signature", "does not match"},
			notInMsg: []string{whHMACSecret, hex.EncodeToString(whHMAC(okBody))},
		},
		{
			name:   "hmac-sha256 without the signature header",
			req:    whRequest{method: "POST", url: hook("hmac"), contentType: "application/json", body: okBody},
			status: 401, code: "verification_failed", reason: "verify",
			msg:      []string{"missing", "X-Signature"},
			notInMsg: []string{whHMACSecret},
		},
		{
			name: "standard-webhooks with a wrong signature",
			req: whRequest{method: "POST", url: hook("stdhooks"), contentType: "application/json", body: okBody,
				header: map[string]string{"webhook-id": "msg_1", "webhook-timestamp": now, "webhook-signature": whStdSign("msg_2", now, okBody)}},
			status: 401, code: "verification_failed", reason: "verify",
			msg:      []string{"webhook-signature"},
			notInMsg: []string{whStdSecret()},
		},
		{
			name: "standard-webhooks correctly signed but with an old timestamp",
			req: whRequest{method: "POST", url: hook("stdhooks"), contentType: "application/json", body: okBody,
				header: map[string]string{"webhook-id": "msg_1", "webhook-timestamp": old, "webhook-signature": whStdSign("msg_1", old, okBody)}},
			status: 401, code: "verification_failed", reason: "verify",
			msg: []string{"webhook-timestamp"},
		},
		{
			name:   "basic with a wrong password",
			req:    whRequest{method: "POST", url: hook("basic"), contentType: "application/json", body: okBody, basic: []string{whBasicUser, "wrong"}},
			status: 401, code: "verification_failed", reason: "verify",
			msg:      []string{"basic"},
			notInMsg: []string{whBasicPass},
		},
		{
			name:   "header scheme with a wrong value",
			req:    whRequest{method: "POST", url: hook("header"), contentType: "application/json", body: okBody, header: map[string]string{whHeaderName: "nope"}},
			status: 401, code: "verification_failed", reason: "verify",
			msg:      []string{whHeaderName},
			notInMsg: []string{whHeaderSecret},
		},
		{
			name:   "unknown webhook token",
			req:    whRequest{method: "POST", url: base[:tokenAt+1] + otherToken + "/orders", contentType: "application/json", body: okBody},
			status: 404, code: "unknown_webhook_token", reason: "unknown_token",
			msg: []string{"webhook token"},
		},
		{
			name:   "unknown event",
			req:    whRequest{method: "POST", url: hook("no-such-event"), contentType: "application/json", body: okBody},
			status: 404, code: "unknown_event", reason: "unknown_event",
			msg: []string{`"no-such-event"`},
		},
		{
			name:   "GET to a JSON recipe",
			req:    whRequest{method: "GET", url: hook("orders") + "?a=1"},
			status: 405, code: "method_not_allowed", reason: "method",
			msg:    []string{"GET", "json"},
			header: map[string]string{"Allow": "POST, PUT"},
		},
		{
			name:   "body over the limit (Content-Length)",
			req:    whRequest{method: "POST", url: hook("orders"), contentType: "application/json", body: big},
			status: 413, code: "body_too_large", reason: "too_large",
			msg: []string{"1024"},
		},
		{
			name:   "body over the limit (chunked)",
			req:    whRequest{method: "POST", url: hook("orders"), contentType: "application/json", body: big, chunked: true},
			status: 413, code: "body_too_large", reason: "too_large",
			msg: []string{"1024"},
		},
		{
			name:   "stopped recipe",
			req:    whRequest{method: "POST", url: hook("stopped"), contentType: "application/json", body: okBody},
			status: 503, code: "recipe_stopped", reason: "stopped",
			msg: []string{"stopped", "webhook stopped"},
		},
	}

	want := map[string]float64{}
	for _, c := range cases {
		want[c.reason]++
		t.Run(c.name, func(t *testing.T) {
			resp := whSend(t, c.req)
			if resp.status != c.status {
				t.Fatalf("status = %d, want %d: %s", resp.status, c.status, resp.body)
			}
			e := whDecodeError(t, resp.header, resp.body)
			t.Logf("%d %s: %s", resp.status, e.Code, e.Message)
			if e.Code != c.code {
				t.Errorf("error code = %q, want %q (message %q)", e.Code, c.code, e.Message)
			}
			for _, m := range c.msg {
				if !strings.Contains(e.Message, m) {
					t.Errorf("error message %q does not mention %q", e.Message, m)
				}
			}
			for _, m := range c.notInMsg {
				if strings.Contains(string(resp.body), m) {
					t.Errorf("the answer %s echoes a secret or signature %q", resp.body, m)
				}
			}
			for k, v := range c.header {
				if got := resp.header.Get(k); got != v {
					t.Errorf("header %s = %q, want %q", k, got, v)
				}
			}
			if c.status == 503 {
				ra := resp.header.Get("Retry-After")
				if n, err := strconv.Atoi(ra); err != nil || n <= 0 {
					t.Errorf("Retry-After = %q, want a positive number of seconds", ra)
				}
			}
			whAssertNothingStored(t, s)
		})
	}

	// Every refusal is counted under its reason, and nothing was accepted.
	for reason, n := range want {
		got, ok := whMetric(t, s, `patchbay_webhooks_rejected_total{reason="`+reason+`"}`)
		if !ok || got != n {
			t.Errorf("patchbay_webhooks_rejected_total{reason=%q} = %v (present %v), want %v", reason, got, ok, n)
		}
	}
	if got, ok := whMetric(t, s, "patchbay_webhooks_accepted_total"); !ok || got != 0 {
		t.Errorf("patchbay_webhooks_accepted_total = %v (present %v), want 0", got, ok)
	}
}

// TestWebhookAccepts shows each verify scheme accepting a correctly signed
// request and each payload type reaching the job as its parsed tree.
func TestWebhookAccepts(t *testing.T) {
	t.Parallel()
	s := startServer(t)
	whStandardRecipes(s)
	base := s.webhookBase()
	hook := func(event string) string { return base + "/" + event }
	body := `{"order": {"id": 7, "big": 9007199254740993}}`
	sum := whHMAC(body)
	now := strconv.FormatInt(time.Now().Unix(), 10)
	ctJSON := "application/json"

	cases := []struct {
		name    string
		req     whRequest
		trigger string // the job's trigger output
	}{
		{"hmac-sha256 hex", whRequest{method: "POST", url: hook("hmac"), contentType: ctJSON, body: body,
			header: map[string]string{"X-Signature": hex.EncodeToString(sum)}}, body},
		{"hmac-sha256 sha256= prefixed hex", whRequest{method: "POST", url: hook("hmac"), contentType: ctJSON, body: body,
			header: map[string]string{"X-Signature": "sha256=" + hex.EncodeToString(sum)}}, body},
		{"hmac-sha256 base64", whRequest{method: "POST", url: hook("hmac"), contentType: ctJSON, body: body,
			header: map[string]string{"X-Signature": base64.StdEncoding.EncodeToString(sum)}}, body},
		{"standard-webhooks", whRequest{method: "POST", url: hook("stdhooks"), contentType: ctJSON, body: body,
			header: map[string]string{"webhook-id": "msg_2bvU", "webhook-timestamp": now, "webhook-signature": whStdSign("msg_2bvU", now, body)}}, body},
		{"standard-webhooks, second of several signatures", whRequest{method: "POST", url: hook("stdhooks"), contentType: ctJSON, body: body,
			header: map[string]string{"webhook-id": "msg_3", "webhook-timestamp": now,
				"webhook-signature": whStdSign("msg_other", now, body) + " " + whStdSign("msg_3", now, body)}}, body},
		{"basic", whRequest{method: "POST", url: hook("basic"), contentType: ctJSON, body: body, basic: []string{whBasicUser, whBasicPass}}, body},
		{"header", whRequest{method: "PUT", url: hook("header"), contentType: ctJSON, body: body, header: map[string]string{whHeaderName: whHeaderSecret}}, body},
		{"xml", whRequest{method: "POST", url: hook("xml-orders"), contentType: "application/xml", body: `<order id="7"><item>a</item><item>b</item></order>`},
			`{"order": {"@id": "7", "item": ["a", "b"]}}`},
		{"form", whRequest{method: "POST", url: hook("form-orders"), contentType: "application/x-www-form-urlencoded", body: "a=1&b=2&b=3"},
			`{"a": "1", "b": ["2", "3"]}`},
		{"query", whRequest{method: "GET", url: hook("query-orders") + "?x=1"}, `{"x": "1"}`},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			resp := whSend(t, c.req)
			var acc struct {
				ID    string `json:"id"`
				JobID string `json:"job_id"`
			}
			if resp.status != 200 {
				t.Fatalf("status = %d, want 200: %s", resp.status, resp.body)
			}
			fatalIf(t, json.Unmarshal(resp.body, &acc), "decode %s", resp.body)
			if acc.ID == "" || acc.JobID == "" {
				t.Fatalf("answer %s lacks id or job_id", resp.body)
			}
			j := s.waitJob(acc.JobID)
			if j.Status != "succeeded" || j.EventID != acc.ID {
				t.Errorf("job status %s (%s), event %s; want succeeded, event %s", j.Status, deref(j.Error), j.EventID, acc.ID)
			}
			if !jsonEqual(t, j.Trigger.Output, []byte(c.trigger)) {
				t.Errorf("trigger output = %s, want %s", j.Trigger.Output, c.trigger)
			}
		})
	}
	if n := whDBCount(t, s, "events"); n != len(cases) {
		t.Errorf("database holds %d events, want %d", n, len(cases))
	}
	if n := whAPIJobCount(s); n != len(cases) {
		t.Errorf("the API lists %d jobs, want %d", n, len(cases))
	}
	if got, ok := whMetric(t, s, "patchbay_webhooks_accepted_total"); !ok || got != float64(len(cases)) {
		t.Errorf("patchbay_webhooks_accepted_total = %v (present %v), want %d", got, ok, len(cases))
	}
	// A refusal after the acceptances is still counted.
	resp := whSend(t, whRequest{method: "POST", url: hook("hmac"), contentType: ctJSON, body: body, header: map[string]string{"X-Signature": "00"}})
	if resp.status != 401 {
		t.Fatalf("bad signature answered %d: %s", resp.status, resp.body)
	}
	if got, ok := whMetric(t, s, `patchbay_webhooks_rejected_total{reason="verify"}`); !ok || got <= 0 {
		t.Errorf(`patchbay_webhooks_rejected_total{reason="verify"} = %v (present %v), want > 0`, got, ok)
	}
}

// TestWebhookCapture: an armed capture turns the next request into the
// recipe's payload example, answered 2xx, with no event or job, once.
func TestWebhookCapture(t *testing.T) {
	t.Parallel()
	s := startServer(t)
	doc := whRecipe("capture-me", "json", nil)
	doc["trigger"].(map[string]any)["payload_example"] = `{"old": true}`
	id := whCreate(s, doc, false)

	var armed struct {
		State   string `json:"state"`
		Capture bool   `json:"capture"`
	}
	s.mustCall(200, "POST", "/api/v1/recipes/"+id+"/capture", nil, &armed)
	if !armed.Capture || armed.State != "stopped" {
		t.Fatalf("after capture: %+v, want capture true, stopped", armed)
	}

	hook := s.webhookBase() + "/capture-me"

	// A request that does not parse is refused and leaves capture armed.
	resp := whSend(t, whRequest{method: "POST", url: hook, contentType: "application/json", body: `{"order": `})
	if resp.status != 400 {
		t.Errorf("invalid JSON to an armed capture answered %d, want 400: %s", resp.status, resp.body)
	}
	s.mustCall(200, "GET", "/api/v1/recipes/"+id, nil, &armed)
	if !armed.Capture {
		t.Errorf("a refused request disarmed the capture")
	}

	payload := `{"order": {"id": 42, "email": "a@example.com", "tags": ["x", "y"]}}`
	resp = whSend(t, whRequest{method: "POST", url: hook, contentType: "application/json", body: payload})
	if resp.status != 200 {
		t.Fatalf("captured webhook answered %d: %s", resp.status, resp.body)
	}
	if bytes.Contains(resp.body, []byte(`"job_id"`)) {
		t.Errorf("capture answer %s names a job", resp.body)
	}
	whAssertNothingStored(t, s)

	var rec struct {
		State   string `json:"state"`
		Capture bool   `json:"capture"`
		Trigger struct {
			PayloadExample string `json:"payload_example"`
		} `json:"trigger"`
		Datatree datatree `json:"datatree"`
	}
	s.mustCall(200, "GET", "/api/v1/recipes/"+id, nil, &rec)
	if rec.Trigger.PayloadExample != payload {
		t.Errorf("payload_example = %q, want the posted body %q", rec.Trigger.PayloadExample, payload)
	}
	if rec.Capture || rec.State != "stopped" {
		t.Errorf("after the capture: capture %v, state %q; want false, stopped", rec.Capture, rec.State)
	}
	tree := rec.Datatree.Trigger
	if len(tree) != 1 || tree[0].Path != "order" || tree[0].Type != "object" || len(tree[0].Fields) != 3 {
		t.Fatalf("trigger datatree = %+v, want order{id,email,tags}", tree)
	}
	f := tree[0].Fields
	if f[0].Path != "order.id" || f[0].Type != "integer" || f[1].Path != "order.email" || f[1].Sample != "a@example.com" || f[2].Path != "order.tags" || f[2].Type != "list" {
		t.Errorf("order fields = %+v", f)
	}

	// Capture is one request only: the stopped recipe refuses the next.
	resp = whSend(t, whRequest{method: "POST", url: hook, contentType: "application/json", body: `{"second": 1}`})
	if resp.status != 503 {
		t.Errorf("second request after a capture answered %d, want 503: %s", resp.status, resp.body)
	}
	s.mustCall(200, "GET", "/api/v1/recipes/"+id, nil, &rec)
	if rec.Trigger.PayloadExample != payload {
		t.Errorf("payload_example changed to %q by a request after the capture", rec.Trigger.PayloadExample)
	}
	whAssertNothingStored(t, s)
	if n := whDBCount(t, s, "recipes"); n != 1 {
		t.Errorf("database holds %d recipes, want 1", n)
	}
}

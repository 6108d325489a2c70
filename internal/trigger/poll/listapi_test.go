package poll

import (
	"encoding/json"
	"fmt"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strconv"
	"sync"
	"testing"
	"time"
)

// listAPI is the poll target of these tests: a JSON API over real HTTP on
// loopback whose list of records grows between polls. It is written here
// because no real paginated list API runs offline (go-httpbin, used for
// the failure cases, serves no lists); every request still goes through
// the production executor, guarded client and connection auth.
//
// Every endpoint lists records by id and honours ?since= (only records
// updated after it), so that each pagination style can be combined with a
// cursor.
type listAPI struct {
	srv *httptest.Server

	mu       sync.Mutex
	records  []apiRecord
	requests []url.Values // the query of every request, in order
	apiKey   string       // when set, every request must carry ?api_key=
}

type apiRecord struct {
	ID        int    `json:"id"`
	UpdatedAt string `json:"updated_at"`
	Name      string `json:"name"`
}

// base time of the records: record n was updated n minutes after it.
var epoch = time.Date(2024, 5, 1, 10, 0, 0, 0, time.UTC)

func newListAPI(t *testing.T, n int) *listAPI {
	t.Helper()
	a := &listAPI{}
	a.add(n)
	a.srv = httptest.NewServer(http.HandlerFunc(a.serve))
	t.Cleanup(a.srv.Close)
	return a
}

// add appends n records with the next ids.
func (a *listAPI) add(n int) {
	a.mu.Lock()
	defer a.mu.Unlock()
	for range n {
		id := len(a.records) + 1
		a.records = append(a.records, apiRecord{
			ID:        id,
			UpdatedAt: epoch.Add(time.Duration(id) * time.Minute).Format(time.RFC3339),
			Name:      "record " + strconv.Itoa(id),
		})
	}
}

func (a *listAPI) url(pathAndQuery string) string { return a.srv.URL + pathAndQuery }

// queries returns the query of every request so far.
func (a *listAPI) queries() []url.Values {
	a.mu.Lock()
	defer a.mu.Unlock()
	return append([]url.Values(nil), a.requests...)
}

// visible is the list after ?since=, oldest first.
func (a *listAPI) visible(q url.Values) []apiRecord {
	var out []apiRecord
	since, _ := time.Parse(time.RFC3339, q.Get("since"))
	for _, r := range a.records {
		at, _ := time.Parse(time.RFC3339, r.UpdatedAt)
		if q.Get("since") == "" || at.After(since) {
			out = append(out, r)
		}
	}
	return out
}

func (a *listAPI) serve(w http.ResponseWriter, r *http.Request) {
	a.mu.Lock()
	defer a.mu.Unlock()
	q := r.URL.Query()
	a.requests = append(a.requests, q)
	if a.apiKey != "" && q.Get("api_key") != a.apiKey {
		http.Error(w, `{"error": "bad api key"}`, http.StatusUnauthorized)
		return
	}
	list := a.visible(q)
	switch r.URL.Path {
	case "/next": // {"data": [...], "next": "/next?after=3&..."}; after is a record id
		after, _ := strconv.Atoi(q.Get("after"))
		page := pageAfter(list, after, 3)
		var next any
		if len(page) > 0 && page[len(page)-1].ID != list[len(list)-1].ID {
			nq := url.Values{"after": {strconv.Itoa(page[len(page)-1].ID)}, "since": {q.Get("since")}}
			next = "/next?" + nq.Encode() // relative, as many APIs write it
		}
		writeJSON(w, map[string]any{"data": page, "next": next})
	case "/link": // RFC 8288 Link header; 2 per page; page counts from 1
		n, _ := strconv.Atoi(q.Get("page"))
		n = max(n, 1)
		page := pageOf(list, n, 2)
		links := fmt.Sprintf(`<%s/link?page=1&note=a,b>; rel="first"; title="first, really"`, a.srv.URL)
		if n*2 < len(list) {
			// Relative next link, with a quoted parameter holding a comma
			// and a semicolon, after another link: the parser must
			// not split inside quotes or <...>.
			links += fmt.Sprintf(`, <link?page=%d&since=%s>; title="next; page, %d"; rel="next prefetch"`, n+1, url.QueryEscape(q.Get("since")), n+1)
		}
		w.Header().Add("Link", links)
		w.Header().Add("Link", `</link?page=999>; rel=last`)
		writeJSON(w, map[string]any{"items": page})
	case "/token": // {"result": {"items": [...]}, "meta": {"next_token": "..."}}; 3 per page
		offset := 0
		if tok := q.Get("cursor_token"); tok != "" {
			offset, _ = strconv.Atoi(tok[len("tok-"):])
		}
		page := list[min(offset, len(list)):min(offset+3, len(list))]
		next := ""
		if offset+3 < len(list) {
			next = "tok-" + strconv.Itoa(offset+3)
		}
		writeJSON(w, map[string]any{"result": map[string]any{"items": page}, "meta": map[string]any{"next_token": next}})
	case "/page": // {"results": [...]}; ?page= from 1, ?per_page=
		n, _ := strconv.Atoi(q.Get("page"))
		size, _ := strconv.Atoi(q.Get("per_page"))
		if q.Get("ignore_page") != "" {
			n = 1 // a broken API that serves page 1 whatever it is asked
		}
		writeJSON(w, map[string]any{"results": pageOf(list, n, size)})
	case "/offset": // a bare list; ?offset= from 0, ?limit=
		offset, _ := strconv.Atoi(q.Get("offset"))
		limit, _ := strconv.Atoi(q.Get("limit"))
		writeJSON(w, list[min(offset, len(list)):min(offset+limit, len(list))])
	case "/newest": // everything, newest first
		rev := make([]apiRecord, len(list))
		for i, r := range list {
			rev[len(list)-1-i] = r
		}
		writeJSON(w, map[string]any{"data": rev})
	case "/loop": // page n=1 leads to n=2, which leads back to n=1
		n, _ := strconv.Atoi(q.Get("n"))
		n = max(n, 1)
		writeJSON(w, map[string]any{"data": list[n-1 : n], "next": fmt.Sprintf("/loop?n=%d", 3-n)})
	case "/away": // the next page is on another host
		writeJSON(w, map[string]any{"data": list[:1], "next": q.Get("to")})
	case "/xml": // <orders><order>…</order>…</orders>
		w.Header().Set("Content-Type", "application/xml")
		fmt.Fprint(w, "<orders>")
		for _, r := range list {
			fmt.Fprintf(w, "<order><id>%d</id><updated_at>%s</updated_at></order>", r.ID, r.UpdatedAt)
		}
		fmt.Fprint(w, "</orders>")
	default:
		http.NotFound(w, r)
	}
}

func pageAfter(list []apiRecord, after, size int) []apiRecord {
	for i, r := range list {
		if r.ID > after {
			return list[i:min(i+size, len(list))]
		}
	}
	return []apiRecord{}
}

func pageOf(list []apiRecord, n, size int) []apiRecord {
	if n < 1 || size < 1 {
		return []apiRecord{}
	}
	from := min((n-1)*size, len(list))
	return list[from:min(from+size, len(list))]
}

func writeJSON(w http.ResponseWriter, v any) {
	w.Header().Set("Content-Type", "application/json")
	json.NewEncoder(w).Encode(v)
}

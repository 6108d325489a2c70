package poll

import (
	"context"
	"encoding/json"
	"errors"
	"strings"
	"testing"

	"github.com/patchbay/patchbay/internal/connection"
	"github.com/patchbay/patchbay/internal/recipe"
)

const apiKey = "poll-secret-key-5f2a"

// queryAuth is a connection whose key travels as ?api_key=, with a base
// URL so that the trigger may give a relative URL, as a step may.
func queryAuth(baseURL string) *connection.Live {
	doc := connection.Document{Name: "list", Type: connection.TypeHTTP, BaseURL: baseURL,
		Auth: connection.Auth{Type: connection.AuthQuery, Params: map[string]string{"api_key": connection.SetMarker}}}
	return connection.New(doc, connection.Secrets{Params: map[string]string{"api_key": apiKey}})
}

// TestConnectionAuthOnEveryPage: the connection's key is sent with every
// page (the API refuses a request without it), the relative trigger URL
// resolves against the connection's base URL, and the key appears nowhere
// in what the poll returns.
func TestConnectionAuthOnEveryPage(t *testing.T) {
	t.Parallel()
	api := newListAPI(t, 5)
	api.apiKey = apiKey
	p := mustCompile(t, recipe.Trigger{
		URL: "/next", ItemsPath: "data", IDPath: "id",
		Pagination: &recipe.Pagination{Type: PageNextURL, NextPath: "next"},
	})
	res, err := p.Poll(context.Background(), executor(), queryAuth(api.url("")), "")
	if err != nil {
		t.Fatalf("Poll: %v", err)
	}
	wantIDs(t, res, "1,2,3,4,5")
	if res.Pages != 2 {
		t.Fatalf("pages = %d, want 2", res.Pages)
	}
	for i, ex := range res.Exchanges {
		if !strings.Contains(ex.Request.URL, "api_key=%2A%2A%2A%2A") {
			t.Errorf("page %d recorded URL %s, want the key masked", i+1, ex.Request.URL)
		}
	}
	out, _ := json.Marshal(res)
	if strings.Contains(string(out), apiKey) {
		t.Fatalf("the key leaked into the result: %s", out)
	}
}

// TestSecretsStayOutOfFailures: httpbin echoes the request, key included,
// in a body that then fails the poll; the error and its exchange mask it.
func TestSecretsStayOutOfFailures(t *testing.T) {
	t.Parallel()
	b := bin(t)
	p := mustCompile(t, recipe.Trigger{URL: "/get", ItemsPath: "data", IDPath: "id"})
	res, err := p.Poll(context.Background(), executor(), queryAuth(b.URL), "")
	var pe *Error
	if !errors.As(err, &pe) || pe.Stage != StageItems {
		t.Fatalf("err = %v, want an items failure", err)
	}
	args, _ := pe.Exchange.Response.Body.(map[string]any)["args"].(map[string]any)
	if args == nil {
		t.Fatalf("httpbin's echo is missing from the exchange: %+v", pe.Exchange.Response.Body)
	}
	for _, v := range []any{pe, res} {
		out, _ := json.Marshal(v)
		if strings.Contains(string(out), apiKey) || strings.Contains(pe.Error(), apiKey) {
			t.Fatalf("the key leaked: %s", out)
		}
	}
}

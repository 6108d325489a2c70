package client

import (
	"context"
	"errors"
	"io"
	"net/http"
	"net/http/httptest"
	"testing"
)

// The client sends the token and JSON, decodes a view, and turns the
// error envelope (or anything else) into an *Error with its details.
func TestClientViewsAndErrors(t *testing.T) {
	t.Parallel()
	var gotAuth, gotBody string
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		gotAuth = r.Header.Get("Authorization")
		b, _ := io.ReadAll(r.Body)
		gotBody = string(b)
		switch r.URL.Path {
		case "/api/v1/recipes/r%2F1", "/api/v1/recipes/r/1":
			io.WriteString(w, `{"id": "r/1", "name": "n", "state": "started", "trigger": {"type": "manual"}, "steps": [], "drift": {"new_fields_seen": 1, "fields": ["trigger.x"], "last_job_id": "j"}}`)
		case "/api/v1/recipes":
			w.WriteHeader(422)
			io.WriteString(w, `{"error": {"code": "invalid_recipe", "message": "steps[0].url: required", "details": [{"path": "steps[0].url", "message": "required"}]}}`)
		default:
			w.WriteHeader(502)
			io.WriteString(w, `<html>bad gateway</html>`)
		}
	}))
	defer srv.Close()
	c := &Client{BaseURL: srv.URL + "/", Token: "tok"}
	ctx := context.Background()

	v, err := c.Recipe(ctx, "r/1")
	if err != nil {
		t.Fatal(err)
	}
	if v.ID != "r/1" || v.State != "started" || v.Trigger.Type != "manual" || v.Drift == nil || v.Drift.NewFieldsSeen != 1 {
		t.Errorf("view = %+v", v)
	}
	if gotAuth != "Bearer tok" {
		t.Errorf("Authorization = %q", gotAuth)
	}

	_, err = c.CreateRecipe(ctx, map[string]any{"name": "n"})
	var ce *Error
	if !errors.As(err, &ce) || ce.Status != 422 || ce.Code != "invalid_recipe" || len(ce.Details) != 1 || ce.Details[0].Path != "steps[0].url" {
		t.Fatalf("err = %#v", err)
	}
	if gotBody != `{"name":"n"}` {
		t.Errorf("body = %s", gotBody)
	}
	if StatusOf(err) != 422 || StatusOf(errors.New("x")) != 0 {
		t.Errorf("StatusOf")
	}

	_, err = c.Job(ctx, "j")
	if StatusOf(err) != 502 || err.Error() != "server answered 502 Bad Gateway: <html>bad gateway</html>" {
		t.Errorf("non-envelope error = %v", err)
	}
}

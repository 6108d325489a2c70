package httprequest

import (
	"context"
	"encoding/json"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"

	"github.com/patchbay/patchbay/internal/connection"
	"github.com/patchbay/patchbay/internal/pill"
	"github.com/patchbay/patchbay/internal/recipe"
)

func digestConn(pw string) *connection.Live {
	return &connection.Live{
		Doc:     connection.Document{Name: "d", Type: connection.TypeHTTP, Auth: connection.Auth{Type: connection.AuthDigest, Username: "user"}},
		Secrets: connection.Secrets{Password: pw},
	}
}

// A digest connection answers the 401 challenge once, re-sending the body.
func TestDigestRetry(t *testing.T) {
	t.Parallel()
	srv := bin(t)
	for _, tc := range []struct {
		pw     string
		status int
	}{{"passwd", 200}, {"wrong", 401}} {
		r, err := Compile(recipe.Step{ID: "s", Action: recipe.ActionHTTPRequest, Method: "PUT",
			URL: srv.URL + "/digest-auth/auth/user/passwd/SHA-256", BodyType: "json", Body: json.RawMessage(`{"a": 1}`), ResponseType: "json"})
		if err != nil {
			t.Fatal(err)
		}
		o := executor().Do(context.Background(), r, pill.Env{}, digestConn(tc.pw), "")
		if o.Output == nil || o.Output.Status != tc.status {
			t.Fatalf("%s: outcome %+v, err %v", tc.pw, o.Output, o.Err)
		}
		if got := o.Input.Headers["Authorization"]; got != "Digest ****" {
			t.Errorf("%s: recorded Authorization %q", tc.pw, got)
		}
		if strings.Contains(o.Input.URL, "passwd") && tc.pw == "passwd" {
			t.Errorf("recorded URL keeps the password: %s", o.Input.URL)
		}
	}
}

// A 401 without a Digest challenge is kept as it is, with the reason.
func TestDigestNoChallenge(t *testing.T) {
	t.Parallel()
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("WWW-Authenticate", `Basic realm="x"`)
		w.WriteHeader(401)
	}))
	defer srv.Close()
	r, err := Compile(recipe.Step{ID: "s", Action: recipe.ActionHTTPRequest, Method: "GET", URL: srv.URL, ResponseType: "raw"})
	if err != nil {
		t.Fatal(err)
	}
	o := executor().Do(context.Background(), r, pill.Env{}, digestConn("passwd"), "")
	if o.Output == nil || o.Output.Status != 401 || o.Err == nil || !strings.Contains(o.Err.Error(), "no Digest challenge") {
		t.Fatalf("outcome %+v, err %v", o.Output, o.Err)
	}
	if stage, d := Diagnose(o); stage != StageAuth || !strings.Contains(d, "401 Unauthorized") {
		t.Errorf("Diagnose = %q, %q", stage, d)
	}
}

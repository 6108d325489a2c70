package connection

import (
	"strings"
	"testing"
)

// wantOneProblem validates d and wants exactly one problem, at path and
// mentioning want, or none when path is empty.
func wantOneProblem(t *testing.T, d Document, path, want string) {
	t.Helper()
	ps := d.Validate()
	if path == "" {
		if len(ps) != 0 {
			t.Fatalf("problems %v, want none", ps)
		}
		return
	}
	if len(ps) != 1 || ps[0].Path != path || !strings.Contains(ps[0].Message, want) {
		t.Fatalf("problems %v, want one at %s mentioning %q", ps, path, want)
	}
}

// wantWriteOnly checks one write-only field's round trip: SplitSecrets
// shows SetMarker in the public document and moves the value to Secrets
// without changing the caller's document; when a client sends the public
// document back (marker and all), KeepSecrets restores the value.
func wantWriteOnly(t *testing.T, d Document, want string, field func(Document) string, secret func(Secrets) string) {
	t.Helper()
	public, secrets := d.SplitSecrets()
	if field(public) != SetMarker || secret(secrets) != want {
		t.Errorf("split: public %q, secret %q, want %q and %q", field(public), secret(secrets), SetMarker, want)
	}
	if field(d) != want {
		t.Errorf("SplitSecrets changed the caller's document: %q, want %q", field(d), want)
	}
	_, echoed := public.SplitSecrets()
	echoed.KeepSecrets(secrets)
	if secret(echoed) != want {
		t.Errorf("KeepSecrets: %q, want %q", secret(echoed), want)
	}
}

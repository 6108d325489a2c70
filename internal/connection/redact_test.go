package connection

import (
	"encoding/json"
	"reflect"
	"testing"
)

// A Live keeps one Redactor until it remembers new OAuth2 tokens; the one it
// builds then masks them too.
func TestLiveRedactorIsKeptUntilTokensChange(t *testing.T) {
	t.Parallel()
	l := New(Document{Name: "api", Type: TypeHTTPOAuth2, OAuth2: &OAuth2{TokenURL: "https://auth.example.com/token", ClientID: "c"}},
		Secrets{ClientSecret: "client-secret-789"})
	first := l.Redactor()
	if again := l.Redactor(); again != first {
		t.Fatal("Redactor was built again with nothing changed")
	}
	if got := first.String("sent access-token-one"); got != "sent access-token-one" {
		t.Fatalf("a token not yet handed out was masked: %q", got)
	}
	l.RememberTokens("access-token-one", "refresh-token-one")
	second := l.Redactor()
	if second == first {
		t.Fatal("Redactor was kept after new tokens were remembered")
	}
	for _, s := range []string{"access-token-one", "refresh-token-one", "client-secret-789"} {
		if got := second.String("x " + s + " y"); got != "x **** y" {
			t.Errorf("String(%q) = %q, want it masked", s, got)
		}
	}
	l.RememberTokens("access-token-one") // already remembered: nothing changes
	if l.Redactor() != second {
		t.Error("Redactor was built again for a token it already masks")
	}
	var none *Live
	if r := none.Redactor(); r.Active() {
		t.Error("a nil Live's Redactor masks something")
	}
}

// A tree with no secret in it is returned as it is (nothing to copy); one
// with a secret is copied and the input left unmasked.
func TestRedactorTreeCopiesOnlyWhatItMasks(t *testing.T) {
	t.Parallel()
	r := customConn().Redactor()
	clean := map[string]any{"order": "579759447", "items": []any{map[string]any{"sku": "A-1"}, json.Number("3")}}
	if got := r.Tree(clean); reflect.ValueOf(got).Pointer() != reflect.ValueOf(clean).Pointer() {
		t.Error("a tree without secrets was copied")
	}
	dirty := map[string]any{"order": "579759447", "echo": []any{"key hdr-secret-123"}}
	got := r.Tree(dirty)
	want := map[string]any{"order": "579759447", "echo": []any{"key ****"}}
	if !reflect.DeepEqual(got, want) {
		t.Errorf("Tree = %v, want %v", got, want)
	}
	if dirty["echo"].([]any)[0] != "key hdr-secret-123" {
		t.Error("Tree changed its input")
	}
	if s := "nothing secret here"; r.String(s) != s {
		t.Errorf("String changed %q", s)
	}
}

package connection

import (
	"strings"
	"testing"
)

func TestValidateSizeLimits(t *testing.T) {
	huge := strings.Repeat("s", 1<<20)
	tests := []struct {
		name   string
		mutate func(d *Document)
		path   string
	}{
		{"a 1 MB name", func(d *Document) { d.Name = huge }, "name"},
		{"a 1 MB base URL", func(d *Document) { d.BaseURL = huge }, "base_url"},
		{"a 1 MB token", func(d *Document) { d.Auth.Type, d.Auth.Token = AuthBearer, huge }, "auth.token"},
		{"a 1 MB header secret", func(d *Document) { d.Auth.Type, d.Auth.Headers = AuthHeader, map[string]string{"X-Key": huge} }, "auth.headers.X-Key"},
		{"a 1 MB CA bundle", func(d *Document) { d.TLS = &TLS{CABundle: huge} }, "tls.ca_bundle"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			d := Document{Name: "c", BaseURL: "https://api.example.com"}
			tt.mutate(&d)
			d.Normalize()
			ps := d.Validate()
			if len(ps) != 1 || ps[0].Path != tt.path || !strings.Contains(ps[0].Message, "than") {
				t.Fatalf("Validate = %v, want one problem at %s", ps, tt.path)
			}
			if strings.Contains(ps[0].Error(), "sss") {
				t.Fatalf("the problem repeats the value: %.80s", ps[0].Error())
			}
		})
	}
	ok := Document{Name: strings.Repeat("é", MaxNameChars), BaseURL: "https://api.example.com"}
	ok.Normalize()
	if ps := ok.Validate(); len(ps) != 0 {
		t.Fatalf("a name of %d characters: %v", MaxNameChars, ps)
	}
}

package config

import "testing"

// With port 0 the base URL waits for the bound address (app.Listen); any
// other address gives it at once.
func TestValidateBaseURLOfAnyPort(t *testing.T) {
	t.Parallel()
	for _, tt := range []struct{ addr, base, want string }{
		{":8080", "", "http://localhost:8080"},
		{"127.0.0.1:9000", "", "http://127.0.0.1:9000"},
		{"127.0.0.1:0", "", ""},
		{":0", "", ""},
		{"127.0.0.1:0", "https://hooks.example.com/", "https://hooks.example.com"},
	} {
		c := Default()
		c.Addr, c.BaseURL = tt.addr, tt.base
		if err := c.Validate(); err != nil {
			t.Fatalf("%s: %v", tt.addr, err)
		}
		if c.BaseURL != tt.want {
			t.Errorf("addr %q base %q: BaseURL = %q, want %q", tt.addr, tt.base, c.BaseURL, tt.want)
		}
	}
}

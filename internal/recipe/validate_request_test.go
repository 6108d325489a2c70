package recipe

import (
	"strings"
	"testing"
)

// What would fail every run is refused on save, with its path.
func TestValidateRequestsOnSave(t *testing.T) {
	t.Parallel()
	polling := func(d *Document) {
		d.Trigger = Trigger{Type: TriggerPolling, URL: "https://api.example.com/items?since={{cursor}}", IDPath: "id",
			Headers: map[string]string{"Accept": "application/json"}}
		d.Normalize()
	}
	tests := []struct {
		name       string
		mutate     func(d *Document)
		path, want string
	}{
		{"ftp URL", func(d *Document) { d.Steps[0].URL = "ftp://example.com/file" }, "steps[0].url", `scheme "ftp" is not http or https`},
		{"file URL", func(d *Document) { d.Steps[0].URL = "file:///etc/passwd" }, "steps[0].url", `scheme "file" is not http or https`},
		{"javascript URL", func(d *Document) { d.Steps[0].URL = "javascript:alert(1)" }, "steps[0].url", `scheme "javascript"`},
		{"gopher URL before a pill", func(d *Document) { d.Steps[0].URL = "gopher://{{trigger.api_url}}/x" }, "steps[0].url", `scheme "gopher"`},
		{"http URL without a host", func(d *Document) { d.Steps[0].URL = "https:///path" }, "steps[0].url", "has no host"},
		{"URL that does not parse", func(d *Document) { d.Steps[0].URL = "https://exa mple.com/" }, "steps[0].url", "is not a URL"},
		{"header name with a space", func(d *Document) { d.Steps[0].Headers = map[string]string{"X Bad": "1"} }, "steps[0].headers.X Bad", "not a valid header name"},
		{"header name with CRLF", func(d *Document) { d.Steps[0].Headers = map[string]string{"X-A\r\nX-B": "1"} }, "steps[0].headers.X-A\r\nX-B", "not a valid header name"},
		{"header name with a colon", func(d *Document) { d.Steps[0].Headers = map[string]string{"X-A:": "1"} }, "steps[0].headers.X-A:", "not a valid header name"},
		{"header value with CRLF", func(d *Document) { d.Steps[0].Headers = map[string]string{"X-A": "1\r\nX-Evil: 2"} }, "steps[0].headers.X-A", "line break"},
		{"header value with CRLF beside a pill", func(d *Document) { d.Steps[0].Headers = map[string]string{"X-A": "{{trigger.api_url}}\n"} }, "steps[0].headers.X-A", "line break"},
		{"Host", func(d *Document) { d.Steps[0].Headers = map[string]string{"Host": "x.example"} }, "steps[0].headers.Host", "put the host in the URL"},
		{"Content-Length", func(d *Document) { d.Steps[0].Headers = map[string]string{"content-length": "5"} }, "steps[0].headers.content-length", "would not be sent"},
		{"Transfer-Encoding", func(d *Document) { d.Steps[0].Headers = map[string]string{"Transfer-Encoding": "chunked"} }, "steps[0].headers.Transfer-Encoding", "would not be sent"},
		{"Connection", func(d *Document) { d.Steps[0].Headers = map[string]string{"Connection": "close"} }, "steps[0].headers.Connection", "would not be sent"},
		{"Keep-Alive", func(d *Document) { d.Steps[0].Headers = map[string]string{"Keep-Alive": "5"} }, "steps[0].headers.Keep-Alive", "would not be sent"},
		{"Proxy-Connection", func(d *Document) { d.Steps[0].Headers = map[string]string{"Proxy-Connection": "x"} }, "steps[0].headers.Proxy-Connection", "would not be sent"},
		{"TE", func(d *Document) { d.Steps[0].Headers = map[string]string{"TE": "trailers"} }, "steps[0].headers.TE", "would not be sent"},
		{"Trailer", func(d *Document) { d.Steps[0].Headers = map[string]string{"Trailer": "X"} }, "steps[0].headers.Trailer", "would not be sent"},
		{"Upgrade", func(d *Document) { d.Steps[0].Headers = map[string]string{"Upgrade": "websocket"} }, "steps[0].headers.Upgrade", "would not be sent"},
		{"unknown url_encoding", func(d *Document) { d.Steps[0].URLEncoding = "raw" }, "steps[0].url_encoding", `unknown url encoding "raw"`},
		{"polling URL scheme", func(d *Document) { polling(d); d.Trigger.URL = "ftp://example.com/items" }, "trigger.url", `scheme "ftp"`},
		{"polling header name", func(d *Document) { polling(d); d.Trigger.Headers["Bad Name"] = "x" }, "trigger.headers.Bad Name", "not a valid header name"},
		{"polling Host header", func(d *Document) { polling(d); d.Trigger.Headers["Host"] = "x" }, "trigger.headers.Host", "put the host in the URL"},
		{"polling header value", func(d *Document) { polling(d); d.Trigger.Headers["Accept"] = "a\r\nb" }, "trigger.headers.Accept", "line break"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			d := mustDecode(t, eventbriteRecipe(t))
			tt.mutate(&d)
			got := d.Validate(knownConnections("eventbrite", "jira"))
			for _, p := range got {
				if p.Path == tt.path && strings.Contains(p.Message, tt.want) {
					return
				}
			}
			t.Errorf("Validate = %q, want %s: …%s…", got, tt.path, tt.want)
		})
	}
}

// What the checks must not refuse.
func TestValidateRequestsAccepts(t *testing.T) {
	t.Parallel()
	for _, mutate := range []func(d *Document){
		func(d *Document) { d.Steps[0].URL = "{{trigger.api_url}}" },
		func(d *Document) { d.Steps[0].URL = "/relative/{{trigger.api_url}}" },
		func(d *Document) { d.Steps[0].URL = "HTTPS://api.example.com/x" },
		func(d *Document) { d.Steps[0].URL = "https://{{trigger.api_url}}.example.com/x" },
		func(d *Document) { d.Steps[0].URL = "orders/{{trigger.api_url}}?a=b:c" },
		func(d *Document) { d.Steps[0].URLEncoding = URLEncodingNone },
		func(d *Document) {
			d.Steps[0].Headers = map[string]string{"X-Trace_ID.v2": "{{trigger.api_url}}", "Accept": "application/json; q=0.9\t"}
		},
	} {
		d := mustDecode(t, eventbriteRecipe(t))
		mutate(&d)
		if got := d.Validate(knownConnections("eventbrite", "jira")); len(got) > 0 {
			t.Errorf("Validate(url %q, headers %v) = %q, want no problem", d.Steps[0].URL, d.Steps[0].Headers, got)
		}
	}
}

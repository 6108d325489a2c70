package e2e

import (
	"encoding/json"
	"net"
	"net/http"
	"net/url"
	"strings"
	"testing"

	"github.com/patchbay/patchbay/internal/config"
)

// Webhook data in a step's URL stays data: a value holding "/../", "?" and
// "#" lands percent-encoded in one path segment, adds no query parameter,
// and the job records the URL sent. The whole-URL pill of the Eventbrite
// walkthrough is sent as it is (TestEventbriteFlow covers it too).
func TestWebhookDataCannotReshapeAStepURL(t *testing.T) {
	bin := httpbinServer(t)
	s := startServer(t)
	s.startRecipe(map[string]any{
		"name": "URL escaping",
		"trigger": map[string]any{"type": "webhook", "event": "escape", "payload_type": "json",
			"payload_example": `{"name": "x", "api_url": "https://example.com/x"}`},
		"steps": []any{
			map[string]any{"id": "by_name", "action": "http_request", "method": "GET",
				"url": bin.URL + "/anything/orders/{{trigger.name}}?k=1", "response_type": "json"},
			map[string]any{"id": "whole", "action": "http_request", "method": "GET",
				"url": "{{trigger.api_url}}", "response_type": "json"},
		},
	})
	payload := `{"name": "a/../b?x=1#f", "api_url": "` + bin.URL + `/anything/whole?from=pill"}`
	_, jobID := acceptWebhook(t, s.webhookBase()+"/escape", "application/json", strings.NewReader(payload))
	j := s.waitJob(jobID)
	if j.Status != "succeeded" {
		t.Fatalf("job %s: %s", j.Status, deref(j.Error))
	}
	var echoed struct {
		URL  string              `json:"url"`
		Args map[string][]string `json:"args"`
	}
	fatalIf(t, json.Unmarshal(j.Steps[0].Output.Body, &echoed), "decode step output")
	u, err := url.Parse(echoed.URL)
	fatalIf(t, err, "parse echoed URL")
	if u.EscapedPath() != "/anything/orders/a%2F..%2Fb%3Fx=1%23f" {
		t.Errorf("httpbin saw path %s, want the value in one segment", u.EscapedPath())
	}
	if len(echoed.Args) != 1 || strings.Join(echoed.Args["k"], ",") != "1" {
		t.Errorf("httpbin saw query %v, want k=1 only", echoed.Args)
	}
	if want := bin.URL + "/anything/orders/a%2F..%2Fb%3Fx=1%23f?k=1"; j.Steps[0].Input.URL != want {
		t.Errorf("recorded URL %s, want %s", j.Steps[0].Input.URL, want)
	}
	fatalIf(t, json.Unmarshal(j.Steps[1].Output.Body, &echoed), "decode step output")
	if !strings.HasSuffix(echoed.URL, "/anything/whole?from=pill") || strings.Join(echoed.Args["from"], ",") != "pill" {
		t.Errorf("the whole-URL pill reached %s %v, want it unchanged", echoed.URL, echoed.Args)
	}
}

// With private networks not allowed, a step cannot reach patchbay itself
// (listening on every interface, as with the default :8080) through this
// host's non-loopback interface address.
func TestStepCannotReachThisHostsOwnAddress(t *testing.T) {
	ip := nonLoopbackIPv4(t)
	s := startServer(t, func(c *config.Config) { c.Addr = "0.0.0.0:0"; c.AllowPrivateNetworks = false })
	_, port, err := net.SplitHostPort(s.app.Addr())
	fatalIf(t, err, "split %s", s.app.Addr())
	s.URL = "http://127.0.0.1:" + port // the test's own calls
	self := "http://" + net.JoinHostPort(ip, port) + "/healthz"
	if resp, err := http.Get(self); err != nil || resp.StatusCode != 200 {
		t.Fatalf("patchbay does not answer at %s (%v, %v): the test proves nothing", self, resp, err)
	} else {
		resp.Body.Close()
	}
	s.startRecipe(map[string]any{
		"name":    "call myself",
		"trigger": map[string]any{"type": "webhook", "event": "self", "payload_type": "json"},
		"steps": []any{map[string]any{"id": "self", "action": "http_request", "method": "GET",
			"url": self, "response_type": "raw"}},
	})
	hook, err := url.Parse(s.webhookBase() + "/self")
	fatalIf(t, err, "webhook URL")
	hook.Host = "127.0.0.1:" + port
	_, jobID := acceptWebhook(t, hook.String(), "application/json", strings.NewReader(`{}`))
	j := s.waitJob(jobID)
	if j.Status != "failed" || j.Steps[0].Output != nil {
		t.Fatalf("job %s, step output %v: want it failed with nothing received", j.Status, j.Steps[0].Output)
	}
	if msg := deref(j.Steps[0].Error); !strings.Contains(msg, "an address of this host") {
		t.Fatalf("step error %q, want it refused as this host's own address", msg)
	}
}

// nonLoopbackIPv4 is an IPv4 address of one of this host's interfaces
// other than loopback and link-local.
func nonLoopbackIPv4(t *testing.T) string {
	t.Helper()
	addrs, err := net.InterfaceAddrs()
	fatalIf(t, err, "interface addresses")
	for _, a := range addrs {
		if ipn, ok := a.(*net.IPNet); ok {
			if ip := ipn.IP.To4(); ip != nil && !ip.IsLoopback() && !ip.IsLinkLocalUnicast() {
				return ip.String()
			}
		}
	}
	// A check that cannot run must fail, here as in CI.
	t.Fatal("this host has no non-loopback IPv4 interface address")
	return ""
}

package recipe

import (
	"encoding/json"
	"strings"
	"testing"
	"time"
)

// problemsOf decodes, normalizes and validates a document whose trigger is
// trigger, and returns its problems as "path: message" lines.
func problemsOf(t *testing.T, trigger string) []string {
	t.Helper()
	doc := `{"name": "n", "trigger": ` + trigger + `, "steps": []}`
	d, ps := Decode([]byte(doc))
	if len(ps) == 0 {
		d.Normalize()
		ps = d.Validate(nil)
	}
	var out []string
	for _, p := range ps {
		out = append(out, p.Error())
	}
	return out
}

func TestWebhookDedupeAndRateLimitFields(t *testing.T) {
	cases := []struct {
		name, trigger string
		want          string // a substring of the one problem; "" means valid
	}{
		{"header", `{"type": "webhook", "event": "e", "dedupe": {"header": "X-Delivery"}}`, ""},
		{"path", `{"type": "webhook", "event": "e", "dedupe": {"path": "data.id", "window": "1h"}}`, ""},
		{"indexed path", `{"type": "webhook", "event": "e", "dedupe": {"path": "items[0].id"}}`, ""},
		{"window only keeps the default headers", `{"type": "webhook", "event": "e", "dedupe": {"window": "2s"}}`, ""},
		{"disabled", `{"type": "webhook", "event": "e", "dedupe": {"disabled": true}}`, ""},
		{"off", `{"type": "webhook", "event": "e", "dedupe": "off"}`, ""},
		{"rate limit", `{"type": "webhook", "event": "e", "rate_limit": {"per_second": 0.5, "burst": 3}}`, ""},
		{"unknown dedupe field", `{"type": "webhook", "event": "e", "dedupe": {"heder": "X"}}`, "trigger.dedupe.heder: unknown field"},
		{"unknown rate field", `{"type": "webhook", "event": "e", "rate_limit": {"per_second": 1, "brust": 2}}`, "trigger.rate_limit.brust: unknown field"},
		{"both", `{"type": "webhook", "event": "e", "dedupe": {"header": "X", "path": "a"}}`, "trigger.dedupe: give header or path, not both"},
		{"empty", `{"type": "webhook", "event": "e", "dedupe": {}}`, "trigger.dedupe: give header, path or window"},
		{"disabled with header", `{"type": "webhook", "event": "e", "dedupe": {"disabled": true, "header": "X"}}`, "trigger.dedupe: disabled takes no"},
		{"bad header", `{"type": "webhook", "event": "e", "dedupe": {"header": "X Delivery"}}`, "trigger.dedupe.header"},
		{"formula path", `{"type": "webhook", "event": "e", "dedupe": {"path": "data.id + 1"}}`, "trigger.dedupe.path"},
		{"broken path", `{"type": "webhook", "event": "e", "dedupe": {"path": "data..id"}}`, "trigger.dedupe.path"},
		{"window too long", `{"type": "webhook", "event": "e", "dedupe": {"header": "X", "window": "800h"}}`, "trigger.dedupe.window"},
		{"window too short", `{"type": "webhook", "event": "e", "dedupe": {"header": "X", "window": "10ms"}}`, "trigger.dedupe.window"},
		{"dedupe word", `{"type": "webhook", "event": "e", "dedupe": "on"}`, "trigger.dedupe"},
		{"bad window", `{"type": "webhook", "event": "e", "dedupe": {"header": "X", "window": "abc"}}`, "trigger.dedupe.window: \"abc\" is not a duration"},
		{"rate as text", `{"type": "webhook", "event": "e", "rate_limit": {"per_second": "fast"}}`, "trigger.rate_limit.per_second: want"},
		{"zero rate", `{"type": "webhook", "event": "e", "rate_limit": {"per_second": 0}}`, "trigger.rate_limit.per_second"},
		{"negative burst", `{"type": "webhook", "event": "e", "rate_limit": {"per_second": 1, "burst": -1}}`, "trigger.rate_limit.burst"},
		{"not on a schedule", `{"type": "schedule", "every": "1m", "rate_limit": {"per_second": 1}}`, "trigger.rate_limit: only webhook"},
		{"no dedupe on manual", `{"type": "manual", "dedupe": "off"}`, "trigger.dedupe: only webhook"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			got := problemsOf(t, c.trigger)
			if c.want == "" {
				if len(got) != 0 {
					t.Fatalf("problems %q, want none", got)
				}
				return
			}
			if len(got) != 1 || !strings.Contains(got[0], c.want) {
				t.Fatalf("problems %q, want one containing %q", got, c.want)
			}
		})
	}
}

func TestDedupeDefaultsAndRoundTrip(t *testing.T) {
	d, ps := Decode([]byte(`{"name": "n", "trigger": {"type": "webhook", "event": "e", "dedupe": "off",
		"rate_limit": {"per_second": 2.5}}, "steps": []}`))
	if len(ps) != 0 {
		t.Fatal(ps)
	}
	if !d.Trigger.Dedupe.Disabled {
		t.Fatalf("dedupe %+v, want disabled", d.Trigger.Dedupe)
	}
	if got := d.Trigger.RateLimit.BurstOrDefault(); got != 3 {
		t.Fatalf("burst %d, want per_second rounded up (3)", got)
	}
	var none *Dedupe
	if none.WindowOrDefault() != 24*time.Hour {
		t.Fatal("default window is not 24h")
	}
	b, _ := json.Marshal(d)
	again, ps := Decode(b)
	if len(ps) != 0 || !again.Trigger.Dedupe.Disabled || again.Trigger.RateLimit.PerSecond != 2.5 {
		t.Fatalf("round trip of %s: %+v %v", b, again.Trigger, ps)
	}
}

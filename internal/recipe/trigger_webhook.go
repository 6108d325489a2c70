package recipe

import (
	"bytes"
	"encoding/json"
	"errors"
	"math"
	"time"

	"github.com/patchbay/patchbay/internal/httpx"
	"github.com/patchbay/patchbay/internal/pill"
)

// Deduplication and rate limit bounds of a webhook trigger.
const (
	DefaultDedupeWindow = 24 * time.Hour
	MinDedupeWindow     = time.Second
	MaxDedupeWindow     = 30 * 24 * time.Hour
	// MaxRatePerSecond bounds rate_limit.per_second and burst: a limit
	// above it limits nothing a single server could take anyway.
	MaxRatePerSecond = 1_000_000
)

// DefaultDedupeHeaders are the delivery-id headers a webhook trigger
// without a dedupe setting is deduplicated by: the first one present wins.
// webhook-id is Standard Webhooks'; Idempotency-Key is the IETF draft's
// (Stripe's too); X-GitHub-Delivery is GitHub's.
var DefaultDedupeHeaders = []string{"webhook-id", "Idempotency-Key", "X-GitHub-Delivery"}

// Dedupe says how a webhook trigger recognises a delivery it has taken
// already: by a request header, or by a field of the payload (Path, a pill
// path such as "data.id" read from the trigger output). A repeat within
// Window is answered like the first delivery and starts no job.
type Dedupe struct {
	Header   string   `json:"header,omitempty"`
	Path     string   `json:"path,omitempty"`
	Window   Duration `json:"window,omitempty"`
	Disabled bool     `json:"disabled,omitempty"`
}

var dedupeFields = set("header", "path", "window", "disabled")

// UnmarshalJSON takes the object, or "off" (or false) for {"disabled": true}.
func (d *Dedupe) UnmarshalJSON(b []byte) error {
	switch string(bytes.TrimSpace(b)) {
	case `"off"`, `false`:
		*d = Dedupe{Disabled: true}
		return nil
	}
	if len(b) == 0 || bytes.TrimSpace(b)[0] != '{' {
		return errors.New(`want {"header": …}, {"path": …}, {"disabled": true} or "off"`)
	}
	type plain Dedupe // no UnmarshalJSON: no recursion
	var p plain
	if err := json.Unmarshal(b, &p); err != nil {
		return err
	}
	*d = Dedupe(p)
	return nil
}

// WindowOrDefault is how long a delivery id is remembered.
func (d *Dedupe) WindowOrDefault() time.Duration {
	if d == nil || d.Window == 0 {
		return DefaultDedupeWindow
	}
	return time.Duration(d.Window)
}

// CompilePath compiles Path as the pill {{trigger.<path>}}; it fails unless
// Path is a plain path (a formula would make the key depend on code).
func (d *Dedupe) CompilePath() (*pill.Template, error) {
	src := "{{trigger." + d.Path + "}}"
	t, err := pill.Compile(src)
	if err != nil {
		return nil, errors.New("is not a path of the payload such as \"data.id\" or \"items[0].id\"")
	}
	refs := t.Refs()
	if len(refs) != 1 || refs[0].Root != "trigger" || "{{trigger."+refs[0].Path+"}}" != src {
		return nil, errors.New("is not a plain path of the payload such as \"data.id\" (no formulas)")
	}
	return t, nil
}

// RateLimit bounds a webhook event's accepted deliveries: PerSecond on
// average, with up to Burst at once (default: PerSecond rounded up).
type RateLimit struct {
	PerSecond float64 `json:"per_second"`
	Burst     int     `json:"burst,omitempty"`
}

var rateLimitFields = set("per_second", "burst")

// BurstOrDefault is the burst in force.
func (r RateLimit) BurstOrDefault() int {
	if r.Burst > 0 {
		return r.Burst
	}
	return max(1, int(math.Ceil(r.PerSecond)))
}

// validateIntake checks the webhook trigger's dedupe and rate_limit.
func (d *Document) validateIntake(add func(string, string, ...any)) {
	t := d.Trigger
	if t.Type != TriggerWebhook {
		if t.Dedupe != nil {
			add("trigger.dedupe", "only webhook triggers are deduplicated")
		}
		if t.RateLimit != nil {
			add("trigger.rate_limit", "only webhook triggers have a rate limit")
		}
		return
	}
	if dd := t.Dedupe; dd != nil {
		switch {
		case dd.Disabled && (dd.Header != "" || dd.Path != "" || dd.Window != 0):
			add("trigger.dedupe", "disabled takes no header, path or window")
		case dd.Header != "" && dd.Path != "":
			add("trigger.dedupe", "give header or path, not both")
		case !dd.Disabled && dd.Header == "" && dd.Path == "" && dd.Window == 0:
			add("trigger.dedupe", `give header, path or window (or "off"); leave dedupe out for the default headers`)
		}
		if h := dd.Header; h != "" && (len(h) > 256 || !httpx.IsHeaderName(h)) {
			add("trigger.dedupe.header", "%q is not a header name", dd.Header)
		}
		if dd.Path != "" {
			if _, err := dd.CompilePath(); err != nil {
				add("trigger.dedupe.path", "%q %v", dd.Path, err)
			}
		}
		if w := time.Duration(dd.Window); w != 0 && (w < MinDedupeWindow || w > MaxDedupeWindow) {
			add("trigger.dedupe.window", "must be between %s and %s (default %s)", MinDedupeWindow, "720h (30 days)", DefaultDedupeWindow)
		}
	}
	if rl := t.RateLimit; rl != nil {
		if !(rl.PerSecond > 0 && rl.PerSecond <= MaxRatePerSecond) {
			add("trigger.rate_limit.per_second", "must be above 0 and at most %d", MaxRatePerSecond)
		}
		if rl.Burst < 0 || rl.Burst > MaxRatePerSecond {
			add("trigger.rate_limit.burst", "must be between 1 and %d (0 means per_second rounded up)", MaxRatePerSecond)
		}
	}
}

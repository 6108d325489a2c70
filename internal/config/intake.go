package config

import (
	"errors"
	"flag"
	"fmt"
)

// IntakeLimits bound what webhook intake takes in (issue 10, item 15).
type IntakeLimits struct {
	// MaxIntakeBytes caps the webhook body bytes held by all requests at
	// once; past it intake answers 503 with Retry-After.
	MaxIntakeBytes int64
	// WebhookRateLimit is the default rate limit, in deliveries per second,
	// of every webhook event whose trigger sets no rate_limit; 0: none.
	WebhookRateLimit float64
	// WebhookRateBurst is that default's burst; 0: the rate rounded up.
	WebhookRateBurst int
}

// DefaultMaxIntakeBytes is 64 MiB of bodies in flight: six bodies at the
// 10 MiB body limit, thousands of ordinary webhooks. There is no default
// rate limit.
const DefaultMaxIntakeBytes = 64 << 20

func (c *Config) intakeFlags(fs *flag.FlagSet) {
	l := &c.Intake
	fs.Int64Var(&l.MaxIntakeBytes, "max-intake-bytes", l.MaxIntakeBytes, "webhook body bytes read and parsed at once by the whole server; past it intake answers 503 with Retry-After (env PATCHBAY_MAX_INTAKE_BYTES)")
	fs.Float64Var(&l.WebhookRateLimit, "webhook-rate-limit", l.WebhookRateLimit, "default rate limit of every webhook event, deliveries per second, answered 429 past it; a trigger's rate_limit wins; 0: none (env PATCHBAY_WEBHOOK_RATE_LIMIT)")
	fs.IntVar(&l.WebhookRateBurst, "webhook-rate-burst", l.WebhookRateBurst, "burst of the default webhook rate limit; 0: the rate rounded up (env PATCHBAY_WEBHOOK_RATE_BURST)")
}

func (c *Config) validateIntake() error {
	l := &c.Intake
	if l.MaxIntakeBytes < c.MaxBodyBytes {
		return fmt.Errorf("max-intake-bytes: %d is below max-body-bytes (%d): a body at the limit could never be taken", l.MaxIntakeBytes, c.MaxBodyBytes)
	}
	if l.WebhookRateLimit < 0 {
		return errors.New("webhook-rate-limit: must not be negative")
	}
	if l.WebhookRateBurst < 0 {
		return errors.New("webhook-rate-burst: must not be negative")
	}
	return nil
}

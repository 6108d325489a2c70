package config

import (
	"flag"
	"io"
	"strings"
	"testing"
)

func parseServe(t *testing.T, args []string, env map[string]string) (Config, error) {
	t.Helper()
	c := Default()
	fs := flag.NewFlagSet("serve", flag.ContinueOnError)
	fs.SetOutput(io.Discard)
	c.ServeFlags(fs)
	if err := Parse(fs, args, func(k string) string { return env[k] }); err != nil {
		return c, err
	}
	return c, c.Validate()
}

func TestIntakeLimitFlags(t *testing.T) {
	c, err := parseServe(t, nil, nil)
	if err != nil || c.Intake.MaxIntakeBytes != 64<<20 || c.Intake.WebhookRateLimit != 0 {
		t.Fatalf("defaults: %+v, %v", c.Intake, err)
	}
	c, err = parseServe(t, []string{"--webhook-rate-burst", "50"}, map[string]string{
		"PATCHBAY_WEBHOOK_RATE_LIMIT": "12.5", "PATCHBAY_MAX_INTAKE_BYTES": "33554432"})
	if err != nil || c.Intake != (IntakeLimits{MaxIntakeBytes: 32 << 20, WebhookRateLimit: 12.5, WebhookRateBurst: 50}) {
		t.Fatalf("flags and environment: %+v, %v", c.Intake, err)
	}
	for _, bad := range [][]string{
		{"--max-intake-bytes", "1048576"}, // below the 10 MiB body limit
		{"--webhook-rate-limit", "-1"},
		{"--webhook-rate-burst", "-2"},
	} {
		if _, err := parseServe(t, bad, nil); err == nil || !strings.Contains(err.Error(), strings.TrimPrefix(bad[0], "--")) {
			t.Errorf("%v: error %v, want one naming the flag", bad, err)
		}
	}
}

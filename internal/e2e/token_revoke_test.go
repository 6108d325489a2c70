package e2e

import (
	"bytes"
	"context"
	"strings"
	"testing"
	"time"

	"github.com/patchbay/patchbay/internal/apitoken"
	"github.com/patchbay/patchbay/internal/cli"
)

// runTokenCLI runs a patchbay command in-process and returns its output; a
// non-zero exit fails the test.
func runTokenCLI(t *testing.T, args ...string) string {
	t.Helper()
	var out, errb bytes.Buffer
	if code := cli.Run(context.Background(), args, &out, &errb); code != 0 {
		t.Fatalf("patchbay %s: exit %d: %s", strings.Join(args, " "), code, errb.String())
	}
	return out.String()
}

// A token revoked with the CLI while the server runs (another process's
// view of the database) is refused within apitoken.CacheTTL, although the
// server had it cached as valid.
func TestTokenRevokedWithCLIIsRefusedWithinBound(t *testing.T) {
	s := startServer(t)
	out := runTokenCLI(t, "token", "create", "--data-dir", s.DataDir, "--name", "to-revoke")
	lines := strings.Split(strings.TrimSpace(out), "\n")
	victim := lines[len(lines)-1]

	list := runTokenCLI(t, "token", "list", "--data-dir", s.DataDir)
	if strings.Contains(list, strings.TrimPrefix(victim, apitoken.Prefix)) || strings.Contains(list, strings.TrimPrefix(s.Token, apitoken.Prefix)) {
		t.Fatalf("token list prints a token:\n%s", list)
	}
	var victimID string
	for _, line := range strings.Split(list, "\n") {
		if f := strings.Fields(line); len(f) >= 2 && f[1] == "to-revoke" {
			victimID = f[0]
		}
	}
	if victimID == "" {
		t.Fatalf("token list does not name the token:\n%s", list)
	}

	// Accepted before, and now in the server's cache.
	if status, b := s.raw("GET", "/api/v1/workspace", nil, victim); status != 200 {
		t.Fatalf("token refused before revocation: %d %s", status, b)
	}
	revoked := time.Now()
	out = runTokenCLI(t, "token", "revoke", "--data-dir", s.DataDir, victimID)
	if !strings.Contains(out, "revoked") {
		t.Fatalf("token revoke said: %q", out)
	}
	deadline := revoked.Add(apitoken.CacheTTL + 2*time.Second)
	for {
		status, b := s.raw("GET", "/api/v1/workspace", nil, victim)
		if status == 401 {
			break
		}
		if status != 200 {
			t.Fatalf("revoked token got %d %s, want 200 then 401", status, b)
		}
		if time.Now().After(deadline) {
			t.Fatalf("a token revoked with the CLI was still accepted %s later (bound %s)", time.Since(revoked), apitoken.CacheTTL)
		}
		time.Sleep(50 * time.Millisecond)
	}
	t.Logf("refused %s after the CLI revoked it (bound %s)", time.Since(revoked).Round(time.Millisecond), apitoken.CacheTTL)

	// The other token is untouched; revoking again says there is none.
	if status, _ := s.raw("GET", "/api/v1/workspace", nil, s.Token); status != 200 {
		t.Fatalf("the other token is refused: %d", status)
	}
	var errb bytes.Buffer
	if code := cli.Run(context.Background(), []string{"token", "revoke", "--data-dir", s.DataDir, victimID}, &bytes.Buffer{}, &errb); code != 1 || !strings.Contains(errb.String(), "no API token") {
		t.Fatalf("second revoke: exit %d: %s", code, errb.String())
	}
}

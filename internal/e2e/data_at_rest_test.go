package e2e

import (
	"context"
	"io/fs"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/patchbay/patchbay/internal/config"
)

// checkDataDirPrivate fails the test unless dir is 0700 and every file in it
// 0600, and returns the names it checked.
func checkDataDirPrivate(t *testing.T, dir string) []string {
	t.Helper()
	var seen []string
	err := filepath.WalkDir(dir, func(path string, d fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		fi, err := d.Info()
		if err != nil {
			return err
		}
		want := fs.FileMode(0o600)
		if d.IsDir() {
			want = 0o700
		}
		if got := fi.Mode().Perm(); got != want {
			t.Errorf("%s is %v, want %v", path, got, want)
		}
		seen = append(seen, filepath.Base(path))
		return nil
	})
	fatalIf(t, err, "walk %s", dir)
	return seen
}

// The data folder of a real server, new and after webhooks, is its
// owner's alone, and the server log never shows the webhook token.
func TestDataFolderIsPrivateAndLogHidesWebhookToken(t *testing.T) {
	dir := filepath.Join(t.TempDir(), "fresh", "data")
	s := startServer(t, func(c *config.Config) { c.DataDir = dir })
	base := s.webhookBase()
	token := strings.TrimPrefix(base[strings.Index(base, "/webhooks/rest/"):], "/webhooks/rest/")
	if len(token) != 36 {
		t.Fatalf("webhook token %q from %s", token, base)
	}
	whCreate(s, whRecipe("order", "json", nil), true)
	for i := 0; i < 5; i++ {
		_, jobID := acceptWebhook(t, base+"/order", "application/json", strings.NewReader(`{"n": 1}`))
		s.waitJob(jobID)
	}
	// Refusals are logged too: an unknown event under the real token.
	s.raw("POST", base+"/no-such-event", `{}`, "")

	seen := checkDataDirPrivate(t, dir)
	for _, want := range []string{"patchbay.db", "patchbay.db-wal", "patchbay.db-shm", "secret.key"} {
		if !strings.Contains(" "+strings.Join(seen, " ")+" ", " "+want+" ") {
			t.Errorf("data folder lacks %s (has %v): the check did not see what it is for", want, seen)
		}
	}
	logs := s.logs.String()
	if strings.Contains(logs, token) {
		t.Errorf("the server log shows the webhook token:\n%s", logs)
	}
	if !strings.Contains(logs, "/webhooks/rest/****") {
		t.Errorf("the start line does not show the redacted webhook base URL:\n%s", logs)
	}
}

// A folder left open to others (an older version, a copy) is made
// private at start, and the log says so.
func TestWideDataFolderIsMadePrivateAtStart(t *testing.T) {
	dir := filepath.Join(t.TempDir(), "data")
	first := startServer(t, func(c *config.Config) { c.DataDir = dir })
	first.mustCall(200, "GET", "/api/v1/workspace", nil, nil)
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	fatalIf(t, first.app.Stop(ctx), "stop the first server")

	fatalIf(t, filepath.WalkDir(dir, func(path string, d fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		if d.IsDir() {
			return os.Chmod(path, 0o755)
		}
		return os.Chmod(path, 0o644)
	}), "widen the folder")

	second := startServer(t, func(c *config.Config) { c.DataDir = dir })
	second.mustCall(200, "GET", "/api/v1/workspace", nil, nil)
	checkDataDirPrivate(t, dir)
	logs := second.logs.String()
	if !strings.Contains(logs, "made it private") || !strings.Contains(logs, "patchbay.db: -rw-r--r-- -> -rw-------") {
		t.Errorf("no log line says the folder was made private:\n%s", logs)
	}
}

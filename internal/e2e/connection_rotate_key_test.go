package e2e

import (
	"bytes"
	"context"
	"encoding/hex"
	"encoding/json"
	"errors"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/patchbay/patchbay/internal/cli"
	"github.com/patchbay/patchbay/internal/config"
	"github.com/patchbay/patchbay/internal/secret"
	"github.com/patchbay/patchbay/internal/store"
	"github.com/patchbay/patchbay/internal/store/sqlite"
)

func rotateKey(t *testing.T, args ...string) (code int, stdout, stderr string) {
	t.Helper()
	var out, errb bytes.Buffer
	code = cli.Run(context.Background(), append([]string{"secrets", "rotate-key"}, args...), &out, &errb)
	return code, out.String(), errb.String()
}

// sealedValues reads every sealed secret straight from the database.
func sealedValues(t *testing.T, dir string) [][]byte {
	t.Helper()
	s, err := sqlite.Open(context.Background(), dir, sqlite.Options{})
	fatalIf(t, err, "open store")
	defer s.Close()
	var out [][]byte
	cs, err := s.Connections(context.Background())
	fatalIf(t, err, "connections")
	for _, c := range cs {
		out = append(out, c.Secrets)
	}
	rs, err := s.Recipes(context.Background())
	fatalIf(t, err, "recipes")
	for _, r := range rs {
		if len(r.Secrets) > 0 {
			out = append(out, r.Secrets)
		}
	}
	return out
}

func opensAll(t *testing.T, key []byte, sealed [][]byte) bool {
	t.Helper()
	box, err := secret.NewBox(key)
	fatalIf(t, err, "box")
	for _, v := range sealed {
		if _, err := box.Open(v); err != nil {
			return false
		}
	}
	return true
}

func opensNone(t *testing.T, key []byte, sealed [][]byte) bool {
	t.Helper()
	box, err := secret.NewBox(key)
	fatalIf(t, err, "box")
	for _, v := range sealed {
		if _, err := box.Open(v); err == nil {
			return false
		}
	}
	return true
}

// rotationFixture creates two basic-auth connections and a webhook recipe
// with a verify secret whose step calls httpbin through one of them.
func rotationFixture(t *testing.T, s *server, binURL string) string {
	for _, name := range []string{"bin", "other"} {
		s.mustCall(201, "POST", "/api/v1/connections", map[string]any{
			"name": name, "base_url": binURL,
			"auth": map[string]any{"type": "basic", "username": "u", "password": "rotate-pw-" + name},
		}, nil)
	}
	id := s.startRecipe(map[string]any{
		"name": "rotated",
		"trigger": map[string]any{"type": "webhook", "event": "rotated", "payload_type": "json",
			"verify": map[string]any{"scheme": "header", "header": "X-Token", "secret": "verify-secret-123"}},
		"steps": []any{map[string]any{"id": "get", "connection": "bin", "method": "GET", "url": "/basic-auth/u/rotate-pw-bin"}},
	})
	return id
}

// checkAfterRotation: secrets read "set", the verify secret still guards
// intake, and the job still authenticates to httpbin.
func checkAfterRotation(t *testing.T, s *server, recipeID string) {
	t.Helper()
	var conn map[string]any
	s.mustCall(200, "GET", "/api/v1/connections/bin", nil, &conn)
	if conn["auth"].(map[string]any)["password"] != "set" {
		t.Errorf("connection auth after rotation: %v", conn["auth"])
	}
	var rec map[string]any
	s.mustCall(200, "GET", "/api/v1/recipes/"+recipeID, nil, &rec)
	if v := rec["trigger"].(map[string]any)["verify"].(map[string]any); v["secret"] != "set" {
		t.Errorf("verify after rotation: %v", v)
	}
	url := s.webhookBase() + "/rotated"
	post := func(token string) (int, string) {
		req, _ := http.NewRequest("POST", url, strings.NewReader(`{"a":1}`))
		req.Header.Set("Content-Type", "application/json")
		req.Header.Set("X-Token", token)
		resp, err := http.DefaultClient.Do(req)
		fatalIf(t, err, "webhook")
		defer resp.Body.Close()
		var out struct {
			JobID string `json:"job_id"`
		}
		json.NewDecoder(resp.Body).Decode(&out)
		return resp.StatusCode, out.JobID
	}
	if code, _ := post("wrong"); code != 401 {
		t.Errorf("webhook with a wrong verify secret: %d", code)
	}
	code, jobID := post("verify-secret-123")
	if code != 200 {
		t.Fatalf("webhook with the verify secret: %d", code)
	}
	j := s.waitJob(jobID)
	if j.Status != "succeeded" || j.Steps[0].Output == nil || j.Steps[0].Output.Status != 200 {
		t.Fatalf("job after rotation: %s %s %+v", j.Status, deref(j.Error), j.Steps)
	}
}

func restart(t *testing.T, s *server, cfg config.Config) *server {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	fatalIf(t, s.app.Stop(ctx), "stop")
	cfg.Addr = "127.0.0.1:0"
	cfg.DataDir = s.DataDir
	cfg.AllowPrivateNetworks = true
	cfg.ShutdownTimeout = 2 * time.Second
	return startServerWith(t, cfg)
}

func TestRotateKeyFromKeyFile(t *testing.T) {
	t.Parallel()
	bin := httpbinServer(t)
	s := startServer(t)
	id := rotationFixture(t, s, bin.URL)
	dir := s.DataDir
	keyPath := filepath.Join(dir, secret.KeyFileName)
	oldKey, err := secret.ReadKeyFile(keyPath)
	fatalIf(t, err, "read key")
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	fatalIf(t, s.app.Stop(ctx), "stop")

	if code, _, errs := rotateKey(t, "--data-dir", dir, "--new-key", "abc"); code == 0 || !strings.Contains(errs, "64 hex") {
		t.Errorf("bad --new-key: exit %d: %s", code, errs)
	}
	code, out, errs := rotateKey(t, "--data-dir", dir)
	if code != 0 {
		t.Fatalf("rotate-key: exit %d: %s", code, errs)
	}
	newKey, err := secret.ReadKeyFile(keyPath)
	fatalIf(t, err, "read new key")
	if bytes.Equal(newKey, oldKey) {
		t.Fatal("the key file still holds the old key")
	}
	if out != "" || strings.Contains(errs, hex.EncodeToString(newKey)) || !strings.Contains(errs, "re-encrypted 3 sealed secrets") || !strings.Contains(errs, keyPath) {
		t.Errorf("rotate-key output: stdout %q stderr %q", out, errs)
	}
	if fi, err := os.Stat(keyPath); err != nil || fi.Mode().Perm() != 0o600 {
		t.Errorf("key file mode: %v %v", fi.Mode(), err)
	}
	if _, err := os.Stat(filepath.Join(dir, secret.PendingKeyFileName)); !errors.Is(err, os.ErrNotExist) {
		t.Errorf("the pending key file is left: %v", err)
	}
	sealed := sealedValues(t, dir)
	if len(sealed) != 3 || !opensNone(t, oldKey, sealed) || !opensAll(t, newKey, sealed) {
		t.Fatalf("after rotation (%d values): the old key must open none, the new one all", len(sealed))
	}
	s2 := restart(t, s, config.Default())
	checkAfterRotation(t, s2, id)
}

// An interrupted rotation (crash after the commit, before the rename):
// start refuses, and running rotate-key again finishes it.
func TestRotateKeyResumesAfterCrash(t *testing.T) {
	t.Parallel()
	bin := httpbinServer(t)
	s := startServer(t)
	id := rotationFixture(t, s, bin.URL)
	dir := s.DataDir
	oldKey, err := secret.ReadKeyFile(filepath.Join(dir, secret.KeyFileName))
	fatalIf(t, err, "read key")
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	fatalIf(t, s.app.Stop(ctx), "stop")

	newKey, _ := secret.GenerateKey()
	fatalIf(t, secret.WriteKeyFile(filepath.Join(dir, secret.PendingKeyFileName), newKey), "write pending")
	// Simulate the committed transaction: seal under the new key.
	st, err := sqlite.Open(context.Background(), dir, sqlite.Options{})
	fatalIf(t, err, "open")
	ob, _ := secret.NewBox(oldKey)
	nb, _ := secret.NewBox(newKey)
	var _ store.Store = st
	n, err := st.ResealSecrets(context.Background(), func(old []byte) ([]byte, error) {
		p, err := ob.Open(old)
		if err != nil {
			return nil, err
		}
		return nb.Seal(p)
	})
	st.Close()
	if err != nil || n != 3 {
		t.Fatalf("reseal: %d %v", n, err)
	}
	if _, err := secret.LoadOrCreateKey("", dir); !errors.Is(err, secret.ErrRotationPending) {
		t.Fatalf("start with a pending key: %v, want ErrRotationPending", err)
	}
	if code, _, errs := rotateKey(t, "--data-dir", dir); code != 0 {
		t.Fatalf("resume: exit %d: %s", code, errs)
	}
	got, err := secret.ReadKeyFile(filepath.Join(dir, secret.KeyFileName))
	if err != nil || !bytes.Equal(got, newKey) {
		t.Fatalf("key file after resume: %v", err)
	}
	if !opensAll(t, newKey, sealedValues(t, dir)) {
		t.Fatal("after resume the new key does not open every value")
	}
	checkAfterRotation(t, restart(t, s, config.Default()), id)
}

// With --secret-key the key file is not involved: a generated key is
// printed once to stdout; a failed rotation (wrong current key) changes
// nothing.
func TestRotateKeyGivenKey(t *testing.T) {
	t.Parallel()
	bin := httpbinServer(t)
	oldHex := strings.Repeat("ab", 32)
	s := startServer(t, func(c *config.Config) { c.SecretKey = oldHex })
	id := rotationFixture(t, s, bin.URL)
	dir := s.DataDir
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	fatalIf(t, s.app.Stop(ctx), "stop")
	before := sealedValues(t, dir)

	if code, _, errs := rotateKey(t, "--data-dir", dir, "--secret-key", strings.Repeat("cd", 32)); code == 0 || !strings.Contains(errs, "nothing changed") {
		t.Fatalf("wrong current key: exit %d: %s", code, errs)
	}
	if after := sealedValues(t, dir); !bytes.Equal(bytes.Join(after, nil), bytes.Join(before, nil)) {
		t.Fatal("a failed rotation changed the data")
	}
	code, out, errs := rotateKey(t, "--data-dir", dir, "--secret-key", oldHex)
	if code != 0 {
		t.Fatalf("rotate-key: exit %d: %s", code, errs)
	}
	newHex := strings.TrimSpace(out)
	newKey, err := hex.DecodeString(newHex)
	if err != nil || len(newKey) != 32 {
		t.Fatalf("stdout %q is not the new key", out)
	}
	oldKey, _ := hex.DecodeString(oldHex)
	sealed := sealedValues(t, dir)
	if !opensNone(t, oldKey, sealed) || !opensAll(t, newKey, sealed) {
		t.Fatal("after rotation the old key must open none, the new one all")
	}
	cfg := config.Default()
	cfg.SecretKey = newHex
	checkAfterRotation(t, restart(t, s, cfg), id)
}

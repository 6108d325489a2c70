package e2e

import (
	"bytes"
	"context"
	"crypto/rand"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"mime/multipart"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/patchbay/patchbay/internal/cli"
	"github.com/patchbay/patchbay/internal/config"
	"github.com/patchbay/patchbay/internal/secret"
)

func runCLI(args ...string) (code int, stdout, stderr string) {
	var out, errb bytes.Buffer
	code = cli.Run(context.Background(), args, &out, &errb)
	return code, out.String(), errb.String()
}

// apiSnapshot is what the API serves, with the server's own address
// replaced so that two servers can be compared.
func apiSnapshot(t *testing.T, s *server, paths ...string) map[string]string {
	t.Helper()
	out := map[string]string{}
	for _, p := range paths {
		status, raw := s.raw("GET", p, nil, s.Token)
		if status != 200 {
			t.Fatalf("GET %s = %d: %s", p, status, raw)
		}
		var v any
		fatalIf(t, json.Unmarshal(raw, &v), "decode %s", p)
		norm, _ := json.MarshalIndent(v, "", " ")
		out[p] = strings.ReplaceAll(string(norm), s.URL, "BASE")
	}
	return out
}

// TestBackupUnderLoadAndRestore: `patchbay backup` copies a live database
// while webhooks keep arriving; `patchbay restore` puts the copy into a
// fresh folder (with the same key), refusing a folder a server holds; the
// server started there serves the same recipes, connections (whose
// secrets still open), jobs and blobs.
func TestBackupUnderLoadAndRestore(t *testing.T) {
	bin := httpbinServer(t)
	s1 := startServer(t)
	s1.mustCall(201, "POST", "/api/v1/connections", map[string]any{
		"name": "bin", "base_url": bin.URL,
		"auth": map[string]any{"type": "basic", "username": "u", "password": "backup-pw-42"},
	}, nil)
	orders := whCreate(s1, map[string]any{
		"name":    "orders",
		"trigger": map[string]any{"type": "webhook", "event": "orders", "payload_type": "json"},
		"steps":   []any{map[string]any{"id": "auth", "connection": "bin", "method": "GET", "url": "/basic-auth/u/backup-pw-42"}},
	}, true)
	upload := whCreate(s1, whRecipe("upload", "form", nil), true)
	base := s1.webhookBase()

	// History finished before the backup: compared job by job.
	var settled []string
	for i := 0; i < 5; i++ {
		_, id := acceptWebhook(t, base+"/orders", "application/json", strings.NewReader(`{"n":0}`))
		settled = append(settled, id)
	}
	file := make([]byte, 100<<10)
	rand.Read(file)
	var form bytes.Buffer
	mw := multipart.NewWriter(&form)
	fw, _ := mw.CreateFormFile("scan", "scan.bin")
	fw.Write(file)
	mw.Close()
	_, uploadJob := acceptWebhook(t, base+"/upload", mw.FormDataContentType(), &form)
	settled = append(settled, uploadJob)
	for _, id := range settled {
		if j := s1.waitJob(id); j.Status != "succeeded" {
			t.Fatalf("job %s: %s %s", id, j.Status, deref(j.Error))
		}
	}
	sum := sha256.Sum256(file)
	blobPath := "/api/v1/blobs/" + hex.EncodeToString(sum[:])
	paths := []string{"/api/v1/recipes", "/api/v1/connections", "/api/v1/recipes/" + orders, "/api/v1/recipes/" + upload, "/api/v1/connections/bin"}
	for _, id := range settled {
		paths = append(paths, "/api/v1/jobs/"+id)
	}
	before := apiSnapshot(t, s1, paths...)

	// Load: 4 senders post webhooks before, during and after the backup.
	var (
		mu            sync.Mutex
		answered      []string // job ids, with the time their answer came
		answeredAt    []time.Time
		stop          atomic.Bool
		wg            sync.WaitGroup
		backupStarted atomic.Int64
		afterBackup   atomic.Int64
	)
	for w := 0; w < 4; w++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for !stop.Load() {
				// Not acceptWebhook: t.Fatal must not be called off the test goroutine.
				resp, err := http.Post(base+"/orders", "application/json", strings.NewReader(`{"n":1}`))
				if err != nil {
					t.Errorf("webhook during the backup: %v", err)
					return
				}
				var a struct {
					JobID string `json:"job_id"`
				}
				json.NewDecoder(resp.Body).Decode(&a)
				resp.Body.Close()
				if resp.StatusCode != 200 || a.JobID == "" {
					t.Errorf("webhook during the backup answered %d", resp.StatusCode)
					return
				}
				id := a.JobID
				mu.Lock()
				answered, answeredAt = append(answered, id), append(answeredAt, time.Now())
				mu.Unlock()
				if backupStarted.Load() != 0 {
					afterBackup.Add(1)
				}
			}
		}()
	}
	waitFor(t, "webhooks before the backup", func() bool { mu.Lock(); defer mu.Unlock(); return len(answered) >= 20 })
	copyPath := filepath.Join(t.TempDir(), "patchbay-backup.db")
	start := time.Now()
	backupStarted.Store(start.UnixNano())
	code, out, errOut := runCLI("backup", copyPath, "--data-dir", s1.DataDir)
	took := time.Since(start)
	waitFor(t, "webhooks after the backup", func() bool { return afterBackup.Load() >= 20 })
	stop.Store(true)
	wg.Wait()
	if code != 0 {
		t.Fatalf("backup: exit %d: %s %s", code, out, errOut)
	}
	t.Logf("backup under load took %v; %d webhooks answered in all", took, len(answered))

	keyPath := filepath.Join(s1.DataDir, secret.KeyFileName)
	key, err := secret.ReadKeyFile(keyPath)
	fatalIf(t, err, "read key")
	keyText, _ := os.ReadFile(keyPath)
	said := out + errOut
	if !strings.Contains(said, keyPath) || !strings.Contains(said, "Keep that key with the copy") {
		t.Errorf("backup does not say where the key is: %s", said)
	}
	for _, k := range []string{strings.TrimSpace(string(keyText)), hex.EncodeToString(key)} {
		if strings.Contains(said, k) {
			t.Fatal("backup printed the secret key")
		}
	}
	if st, err := os.Stat(copyPath); err != nil || st.Mode().Perm() != 0o600 {
		t.Fatalf("backup file: %v %v, want mode 0600", st.Mode(), err)
	}

	// Restore is refused while a server holds the folder.
	code, out, errOut = runCLI("restore", copyPath, "--data-dir", s1.DataDir)
	if code != 1 || !strings.Contains(errOut, "stop it, then restore") {
		t.Fatalf("restore into a running server's folder: exit %d: %s %s", code, out, errOut)
	}

	// A fresh folder with the same key.
	dir2 := t.TempDir()
	fatalIf(t, os.WriteFile(filepath.Join(dir2, secret.KeyFileName), keyText, 0o600), "copy key")
	code, out, errOut = runCLI("restore", copyPath, "--data-dir", dir2)
	if code != 0 || !strings.Contains(out, "opens the restored secrets") {
		t.Fatalf("restore: exit %d: %s %s", code, out, errOut)
	}
	if st, err := os.Stat(filepath.Join(dir2, "patchbay.db")); err != nil || st.Mode().Perm() != 0o600 {
		t.Fatalf("restored database: %v %v, want mode 0600", st.Mode(), err)
	}
	cfg := config.Default()
	cfg.Addr, cfg.DataDir, cfg.AllowPrivateNetworks = "127.0.0.1:0", dir2, true
	cfg.RetryBase, cfg.ShutdownTimeout = 200*time.Millisecond, 2*time.Second
	s2 := startServerWith(t, cfg)

	after := apiSnapshot(t, s2, paths...)
	for _, p := range paths {
		if before[p] != after[p] {
			t.Errorf("GET %s differs after restore:\nbefore: %s\nafter:  %s", p, before[p], after[p])
		}
	}
	status, got := s2.raw("GET", blobPath, nil, s2.Token)
	if status != 200 || !bytes.Equal(got, file) {
		t.Errorf("blob after restore: %d, %d bytes", status, len(got))
	}
	// Every webhook answered before the backup began has its job.
	missing := 0
	mu.Lock()
	for i, id := range answered {
		if answeredAt[i].Before(start) {
			if status, _ := s2.raw("GET", "/api/v1/jobs/"+id, nil, s2.Token); status != 200 {
				missing++
			}
		}
	}
	mu.Unlock()
	if missing > 0 {
		t.Fatalf("%d jobs answered before the backup began are missing after restore", missing)
	}
	// The connection's sealed password opens: a job through it authenticates.
	_, id := acceptWebhook(t, s2.webhookBase()+"/orders", "application/json", strings.NewReader(`{"n":2}`))
	if j := s2.waitJob(id); j.Status != "succeeded" || j.Steps[0].Output == nil || j.Steps[0].Output.Status != 200 {
		t.Fatalf("job through the restored connection: %s %s", j.Status, deref(j.Error))
	}
}

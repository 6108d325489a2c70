package e2e

import (
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

// startProcessAnyPort runs `patchbay serve` as its own process on a port
// the system picks (--addr 127.0.0.1:0) and reads the bound address from
// --addr-file, so that tests running in parallel never race for a port.
// Extra flags come last, so they override the defaults here.
func startProcessAnyPort(t *testing.T, bin, dataDir string, extra ...string) *process {
	t.Helper()
	addrFile := filepath.Join(t.TempDir(), "addr")
	p := &process{logs: &syncBuffer{}}
	args := append([]string{"serve", "--data-dir", dataDir, "--addr", "127.0.0.1:0", "--addr-file", addrFile,
		"--allow-private-networks", "--job-lease", "2s", "--retry-base", "100ms"}, extra...)
	p.cmd = exec.Command(bin, args...)
	p.cmd.Stdout, p.cmd.Stderr = p.logs, p.logs
	fatalIf(t, p.cmd.Start(), "start patchbay process")
	t.Cleanup(func() {
		if p.cmd.ProcessState == nil {
			p.cmd.Process.Kill()
			p.cmd.Wait()
		}
	})
	deadline := time.Now().Add(15 * time.Second)
	for {
		// The file appears, whole, once the server serves.
		if b, err := os.ReadFile(addrFile); err == nil {
			p.url = "http://" + strings.TrimSpace(string(b))
			resp, err := http.Get(p.url + "/readyz")
			if err == nil {
				resp.Body.Close()
				if resp.StatusCode == 200 {
					return p
				}
			}
		}
		if time.Now().After(deadline) {
			t.Fatalf("patchbay did not become ready:\n%s", p.logs.String())
		}
		time.Sleep(20 * time.Millisecond)
	}
}

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

// startProcess runs `patchbay serve` as its own process on dataDir and
// waits until it is ready. With addr empty the server listens on a port
// the system picks (--addr 127.0.0.1:0) and tells it through --addr-file,
// so that tests running in parallel never race for a port; a test that
// restarts a server on the same address passes one. Extra flags come
// last, so they override the defaults here (a short job lease among them).
func startProcess(t *testing.T, bin, dataDir, addr string, extra ...string) *process {
	t.Helper()
	addrFile := filepath.Join(t.TempDir(), "addr")
	listen := []string{"--addr", addr}
	if addr == "" {
		listen = []string{"--addr", "127.0.0.1:0", "--addr-file", addrFile}
	}
	p := &process{logs: &syncBuffer{}}
	args := append(append([]string{"serve", "--data-dir", dataDir}, listen...),
		"--allow-private-networks", "--job-lease", "2s", "--retry-base", "100ms")
	p.cmd = exec.Command(bin, append(args, extra...)...)
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
		if addr == "" {
			// The file appears, whole, once the server serves.
			if b, err := os.ReadFile(addrFile); err == nil {
				p.url = "http://" + strings.TrimSpace(string(b))
			}
		} else {
			p.url = "http://" + addr
		}
		if p.url != "" {
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

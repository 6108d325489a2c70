package e2e

import (
	"bufio"
	"net/http"
	"os"
	"os/exec"
	"strconv"
	"strings"
	"testing"
	"time"
)

// startServe runs `patchbay serve` as its own process on dataDir and addr,
// with extra flags, and waits until it is ready.
func startServe(t *testing.T, bin, dataDir, addr string, extra ...string) *process {
	t.Helper()
	p := &process{logs: &syncBuffer{}, url: "http://" + addr}
	args := append([]string{"serve", "--data-dir", dataDir, "--addr", addr, "--allow-private-networks",
		"--job-lease", "2s", "--retry-base", "100ms"}, extra...)
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
		resp, err := http.Get(p.url + "/readyz")
		if err == nil {
			resp.Body.Close()
			if resp.StatusCode == 200 {
				return p
			}
		}
		if time.Now().After(deadline) {
			t.Fatalf("patchbay did not become ready: %v\n%s", err, p.logs.String())
		}
		time.Sleep(20 * time.Millisecond)
	}
}

// memoryOf reads a process's resident set now (VmRSS) and its peak
// (VmHWM), in bytes, from /proc.
func memoryOf(t *testing.T, pid int) (rss, peak int64) {
	t.Helper()
	f, err := os.Open("/proc/" + strconv.Itoa(pid) + "/status")
	fatalIf(t, err, "read the server's memory")
	defer f.Close()
	sc := bufio.NewScanner(f)
	for sc.Scan() {
		name, value, ok := strings.Cut(sc.Text(), ":")
		if !ok || (name != "VmRSS" && name != "VmHWM") {
			continue
		}
		kb, err := strconv.ParseInt(strings.TrimSuffix(strings.TrimSpace(value), " kB"), 10, 64)
		fatalIf(t, err, "parse %s", name)
		if name == "VmRSS" {
			rss = kb << 10
		} else {
			peak = kb << 10
		}
	}
	return rss, peak
}

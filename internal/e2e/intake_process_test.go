package e2e

import (
	"bufio"
	"os"
	"strconv"
	"strings"
	"testing"
)

// memoryOf reads a process's resident set now (VmRSS) and its peak
// (VmHWM), in bytes, from /proc. internal/bench's Server.Memory reads the
// same lines, but only for a server it started.
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
	fatalIf(t, sc.Err(), "read the server's memory")
	// Zero would pass every bound the callers check.
	if rss == 0 || peak == 0 {
		t.Fatalf("no VmRSS or VmHWM in /proc/%d/status", pid)
	}
	return rss, peak
}

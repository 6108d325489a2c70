package bench

import (
	"bufio"
	"debug/buildinfo"
	"os"
	"os/exec"
	"runtime"
	"strings"
	"time"
)

// SysInfo is the machine and code a table was measured on: figures mean
// little without it.
type SysInfo struct {
	Date      time.Time
	CPU       string
	Cores     int
	GoVersion string // of the patchbay binary under test
	OS        string
	Commit    string // patchbay's commit, "-dirty" if built from a modified tree
	// LoadAvg is /proc/loadavg's 1, 5 and 15 minute load before the run:
	// other work on the machine shows here, and in every figure.
	LoadAvg string
}

// collectSysInfo reads the CPU model from /proc/cpuinfo and, from the
// patchbay binary's build information, the Go version and commit it was
// built from (falling back to this process and git).
func collectSysInfo(bin string) SysInfo {
	si := SysInfo{Date: time.Now().UTC(), Cores: runtime.NumCPU(), GoVersion: runtime.Version(),
		OS: runtime.GOOS + "/" + runtime.GOARCH, CPU: cpuModel(), LoadAvg: loadAvg()}
	if bi, err := buildinfo.ReadFile(bin); err == nil {
		si.GoVersion = bi.GoVersion
		var rev, modified string
		for _, s := range bi.Settings {
			switch s.Key {
			case "vcs.revision":
				rev = s.Value
			case "vcs.modified":
				modified = s.Value
			}
		}
		if len(rev) > 7 {
			rev = rev[:7]
		}
		if rev != "" && modified == "true" {
			rev += "-dirty"
		}
		si.Commit = rev
	}
	if si.Commit == "" {
		// Builds with -buildvcs=false carry no commit: ask git about this
		// tree, which is what a default run built from.
		if out, err := exec.Command("git", "rev-parse", "--short", "HEAD").Output(); err == nil {
			si.Commit = strings.TrimSpace(string(out))
			if st, err := exec.Command("git", "status", "--porcelain", "--untracked-files=no").Output(); err == nil && len(strings.TrimSpace(string(st))) > 0 {
				si.Commit += "-dirty"
			}
		} else {
			si.Commit = "unknown"
		}
	}
	return si
}

func cpuModel() string {
	f, err := os.Open("/proc/cpuinfo")
	if err != nil {
		return "unknown"
	}
	defer f.Close()
	sc := bufio.NewScanner(f)
	for sc.Scan() {
		k, v, ok := strings.Cut(sc.Text(), ":")
		if ok && strings.TrimSpace(k) == "model name" {
			return strings.TrimSpace(v)
		}
	}
	return "unknown"
}

func loadAvg() string {
	b, err := os.ReadFile("/proc/loadavg")
	if err != nil {
		return "unknown"
	}
	f := strings.Fields(string(b))
	if len(f) < 3 {
		return "unknown"
	}
	return strings.Join(f[:3], " ")
}

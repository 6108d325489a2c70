package bench

import (
	"bufio"
	"bytes"
	"context"
	"errors"
	"fmt"
	"net"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"syscall"
	"time"
)

// Server is a patchbay process under test.
type Server struct {
	Bin     string
	DataDir string
	URL     string
	// Ready is the time from exec to the first /readyz 200.
	Ready time.Duration

	cmd    *exec.Cmd
	exited chan struct{}
	err    error
	logs   *tailBuffer
}

// BuildPatchbay compiles the patchbay binary into dir, so the process under
// test is the repository's code built like a release, not `go run`.
func BuildPatchbay(ctx context.Context, dir string) (string, error) {
	bin := filepath.Join(dir, "patchbay")
	cmd := exec.CommandContext(ctx, "go", "build", "-o", bin, "github.com/patchbay/patchbay/cmd/patchbay")
	out, err := cmd.CombinedOutput()
	if err != nil {
		return "", fmt.Errorf("go build patchbay: %w\n%s", err, out)
	}
	return bin, nil
}

// StartServer runs `patchbay serve` on a free loopback port with dataDir
// (and any extra flags) and waits until /readyz answers 200, polling every
// millisecond.
func StartServer(ctx context.Context, bin, dataDir string, extra ...string) (*Server, error) {
	addr, err := freeAddr()
	if err != nil {
		return nil, err
	}
	s := &Server{Bin: bin, DataDir: dataDir, URL: "http://" + addr, exited: make(chan struct{}), logs: &tailBuffer{max: 64 << 10}}
	args := append([]string{"serve", "--data-dir", dataDir, "--addr", addr,
		"--allow-private-networks", "--log-level", "warn"}, extra...)
	s.cmd = exec.Command(bin, args...)
	s.cmd.Stdout = s.logs
	s.cmd.Stderr = s.logs
	// A fresh connection per poll: the first answer, not a reused
	// connection, is what start-to-ready measures.
	poll := &http.Client{Timeout: time.Second, Transport: &http.Transport{DisableKeepAlives: true}}
	begin := time.Now()
	if err := s.cmd.Start(); err != nil {
		return nil, fmt.Errorf("start patchbay: %w", err)
	}
	go func() { s.err = s.cmd.Wait(); close(s.exited) }()
	deadline := begin.Add(30 * time.Second)
	for {
		resp, err := poll.Get(s.URL + "/readyz")
		if err == nil {
			resp.Body.Close()
			if resp.StatusCode == http.StatusOK {
				s.Ready = time.Since(begin)
				return s, nil
			}
		}
		select {
		case <-s.exited:
			return nil, fmt.Errorf("patchbay exited before ready (%v): %s", s.err, s.logs.String())
		case <-ctx.Done():
			s.Kill()
			return nil, ctx.Err()
		case <-time.After(time.Millisecond):
		}
		if time.Now().After(deadline) {
			s.Kill()
			return nil, fmt.Errorf("patchbay not ready after 30s: %s", s.logs.String())
		}
	}
}

// Pid is the process id.
func (s *Server) Pid() int { return s.cmd.Process.Pid }

// Alive reports whether the process still runs.
func (s *Server) Alive() bool {
	select {
	case <-s.exited:
		return false
	default:
		return true
	}
}

// Exit describes how the process ended: its exit status and last output.
func (s *Server) Exit() string {
	if s.Alive() {
		return "still running"
	}
	return fmt.Sprintf("%v; output: %s", s.err, s.logs.String())
}

// Stop sends SIGTERM and waits for a clean exit (SIGKILL after timeout).
func (s *Server) Stop(timeout time.Duration) error {
	if !s.Alive() {
		return s.exitErr()
	}
	s.cmd.Process.Signal(syscall.SIGTERM)
	select {
	case <-s.exited:
		return s.exitErr()
	case <-time.After(timeout):
		s.Kill()
		return fmt.Errorf("patchbay did not stop within %s after SIGTERM; killed", timeout)
	}
}

// Kill ends the process at once.
func (s *Server) Kill() {
	if s.Alive() {
		s.cmd.Process.Kill()
		<-s.exited
	}
}

func (s *Server) exitErr() error {
	if s.err != nil {
		return fmt.Errorf("patchbay exited: %v: %s", s.err, s.logs.String())
	}
	return nil
}

// Memory is the process's resident set now (VmRSS) and at its peak
// (VmHWM), in bytes, from /proc/<pid>/status.
func (s *Server) Memory() (rss, peak int64, err error) {
	f, err := os.Open(fmt.Sprintf("/proc/%d/status", s.Pid()))
	if err != nil {
		return 0, 0, err
	}
	defer f.Close()
	sc := bufio.NewScanner(f)
	for sc.Scan() {
		k, v, ok := strings.Cut(sc.Text(), ":")
		if !ok || (k != "VmRSS" && k != "VmHWM") {
			continue
		}
		kb, err := strconv.ParseInt(strings.TrimSuffix(strings.TrimSpace(v), " kB"), 10, 64)
		if err != nil {
			return 0, 0, fmt.Errorf("/proc status %s: %w", k, err)
		}
		if k == "VmRSS" {
			rss = kb << 10
		} else {
			peak = kb << 10
		}
	}
	if rss == 0 || peak == 0 {
		return 0, 0, errors.New("no VmRSS/VmHWM in /proc status")
	}
	return rss, peak, sc.Err()
}

// CreateToken runs `patchbay token create`; the token is the last line of
// its standard output.
func CreateToken(ctx context.Context, bin, dataDir string) (string, error) {
	cmd := exec.CommandContext(ctx, bin, "token", "create", "--data-dir", dataDir, "--name", "bench")
	var out, errb bytes.Buffer
	cmd.Stdout, cmd.Stderr = &out, &errb
	if err := cmd.Run(); err != nil {
		return "", fmt.Errorf("patchbay token create: %w: %s", err, errb.String())
	}
	lines := strings.Split(strings.TrimSpace(out.String()), "\n")
	tok := strings.TrimSpace(lines[len(lines)-1])
	if tok == "" {
		return "", errors.New("patchbay token create printed no token")
	}
	return tok, nil
}

// freeAddr finds a free loopback port. It is released before patchbay
// binds it; on a bench machine nothing else races for it.
func freeAddr() (string, error) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return "", err
	}
	defer ln.Close()
	return ln.Addr().String(), nil
}

// tailBuffer keeps the last max bytes written to it.
type tailBuffer struct {
	mu  sync.Mutex
	b   []byte
	max int
}

func (t *tailBuffer) Write(p []byte) (int, error) {
	t.mu.Lock()
	defer t.mu.Unlock()
	t.b = append(t.b, p...)
	if len(t.b) > t.max {
		t.b = append(t.b[:0], t.b[len(t.b)-t.max:]...)
	}
	return len(p), nil
}

func (t *tailBuffer) String() string {
	t.mu.Lock()
	defer t.mu.Unlock()
	return strings.TrimSpace(string(t.b))
}

package bench

import (
	"context"
	"fmt"
	"io"
	"net/http"
	"os"
	"path/filepath"
	"time"
)

// profiler saves CPU and heap profiles of patchbay while it is under load,
// from the profiler patchbay serves on its own loopback address when
// started with --pprof-addr. It is off unless Options.ProfileDir is set:
// the profiler's own cost must not be in the figures of a normal run.
type profiler struct {
	dir  string
	addr string // host:port of patchbay's --pprof-addr
}

// cpu starts a CPU profile of d and returns a function that waits for it
// and writes it to <dir>/<name>.pprof.
func (p *profiler) cpu(ctx context.Context, name string, d time.Duration) func() error {
	if p == nil {
		return func() error { return nil }
	}
	done := make(chan error, 1)
	go func() {
		done <- p.fetch(ctx, fmt.Sprintf("/debug/pprof/profile?seconds=%d", max(1, int(d.Seconds()))), name)
	}()
	return func() error { return <-done }
}

// trace starts an execution trace of d (it shows what the writer and the
// handlers wait on, which a CPU profile cannot) and returns a function that
// waits for it and writes it to <dir>/<name>.trace.
func (p *profiler) trace(ctx context.Context, name string, d time.Duration) func() error {
	if p == nil {
		return func() error { return nil }
	}
	done := make(chan error, 1)
	go func() {
		done <- p.fetchTo(ctx, fmt.Sprintf("/debug/pprof/trace?seconds=%g", d.Seconds()), name+".trace")
	}()
	return func() error { return <-done }
}

// heap writes a heap profile to <dir>/<name>.pprof now.
func (p *profiler) heap(ctx context.Context, name string) error {
	if p == nil {
		return nil
	}
	return p.fetch(ctx, "/debug/pprof/heap", name)
}

func (p *profiler) fetch(ctx context.Context, path, name string) error {
	return p.fetchTo(ctx, path, name+".pprof")
}

func (p *profiler) fetchTo(ctx context.Context, path, file string) error {
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, "http://"+p.addr+path, nil)
	if err != nil {
		return err
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		return fmt.Errorf("profile %s: %w", file, err)
	}
	defer resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		return fmt.Errorf("profile %s: %s", file, resp.Status)
	}
	f, err := os.Create(filepath.Join(p.dir, file))
	if err != nil {
		return err
	}
	if _, err := io.Copy(f, resp.Body); err != nil {
		f.Close()
		return err
	}
	return f.Close()
}

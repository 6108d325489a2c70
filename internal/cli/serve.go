package cli

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"os"
	"runtime/debug"
	"strings"

	"github.com/patchbay/patchbay/internal/app"
	"github.com/patchbay/patchbay/internal/config"
)

func runServe(ctx context.Context, args []string, stderr io.Writer, getenv func(string) string) error {
	cfg := config.Default()
	fs := flag.NewFlagSet("serve", flag.ContinueOnError)
	fs.SetOutput(stderr)
	cfg.ServeFlags(fs)
	if err := config.Parse(fs, args, getenv); err != nil {
		if errors.Is(err, flag.ErrHelp) {
			return nil
		}
		return err
	}
	if err := cfg.Validate(); err != nil {
		return err
	}
	log, err := newLogger(stderr, cfg.LogLevel, cfg.LogFormat)
	if err != nil {
		return err
	}
	log.Debug("configuration", "config", fmt.Sprintf("%+v", cfg.Redacted()))
	tuneGC(getenv)
	// Bound before the app is built: with --addr host:0 the base URL is
	// known only once the system has picked the port.
	ln, err := app.Listen(&cfg)
	if err != nil {
		return err
	}
	a, err := app.New(ctx, cfg, log)
	if err != nil {
		ln.Close()
		return err
	}
	if err := a.StartOn(ctx, ln); err != nil {
		a.Stop(context.Background())
		return err
	}
	if cfg.AddrFile != "" {
		if err := writeAddrFile(cfg.AddrFile, cfg.Addr); err != nil {
			a.Stop(context.Background())
			return err
		}
	}
	select {
	case <-ctx.Done():
		log.Info("shutting down")
	case err := <-a.Served():
		if err != nil && !errors.Is(err, http.ErrServerClosed) {
			log.Error("server failed", "err", err)
		}
	}
	// A second signal during shutdown is left to the default handler: the
	// operator can still kill the process; nothing acknowledged is lost.
	stopCtx, cancel := context.WithTimeout(context.Background(), cfg.ShutdownTimeout+5e9)
	defer cancel()
	return a.Stop(stopCtx)
}

func newLogger(w io.Writer, level, format string) (*slog.Logger, error) {
	var lv slog.Level
	if err := lv.UnmarshalText([]byte(level)); err != nil {
		return nil, fmt.Errorf("log-level: %q is not debug, info, warn or error", level)
	}
	opts := &slog.HandlerOptions{Level: lv}
	switch strings.ToLower(format) {
	case "text", "":
		return slog.New(slog.NewTextHandler(w, opts)), nil
	case "json":
		return slog.New(slog.NewJSONHandler(w, opts)), nil
	}
	return nil, fmt.Errorf("log-format: %q is not text or json", format)
}

// tuneGC trades memory the server does not use for CPU it does: the live
// heap of a busy server is tens of megabytes, and the default GOGC=100
// collects so often that the collector takes a tenth of the CPU under load.
// GOGC=400 with a 256 MiB soft limit keeps memory bounded. Either
// environment variable, if set, wins.
func tuneGC(getenv func(string) string) {
	if getenv("GOGC") == "" {
		debug.SetGCPercent(400)
	}
	if getenv("GOMEMLIMIT") == "" {
		debug.SetMemoryLimit(256 << 20)
	}
}

// writeAddrFile writes the address the server listens on, whole or not at
// all (a temporary file renamed into place): whoever sees the file can
// connect.
func writeAddrFile(path, addr string) error {
	tmp := path + ".tmp"
	if err := os.WriteFile(tmp, []byte(addr+"\n"), 0o600); err != nil {
		return fmt.Errorf("addr-file: %w", err)
	}
	if err := os.Rename(tmp, path); err != nil {
		os.Remove(tmp)
		return fmt.Errorf("addr-file: %w", err)
	}
	return nil
}

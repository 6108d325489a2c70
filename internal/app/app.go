// Package app is the one place that wires a patchbay process together:
// configuration, store, secrets, catalog, workers and HTTP surfaces, started
// and stopped in order.
package app

import (
	"context"
	"crypto/rand"
	"errors"
	"fmt"
	"log/slog"
	"net"
	"net/http"
	"net/http/pprof"
	"os"
	"sync"
	"time"

	"github.com/google/uuid"

	"github.com/patchbay/patchbay/internal/api"
	"github.com/patchbay/patchbay/internal/catalog"
	"github.com/patchbay/patchbay/internal/config"
	"github.com/patchbay/patchbay/internal/httpx"
	"github.com/patchbay/patchbay/internal/job"
	"github.com/patchbay/patchbay/internal/metrics"
	"github.com/patchbay/patchbay/internal/oauth"
	"github.com/patchbay/patchbay/internal/recipe"
	"github.com/patchbay/patchbay/internal/retention"
	"github.com/patchbay/patchbay/internal/secret"
	"github.com/patchbay/patchbay/internal/step/httprequest"
	"github.com/patchbay/patchbay/internal/store"
	"github.com/patchbay/patchbay/internal/store/sqlite"
	"github.com/patchbay/patchbay/internal/trigger/scheduler"
	"github.com/patchbay/patchbay/internal/trigger/webhook"
	"github.com/patchbay/patchbay/internal/web"
	"github.com/patchbay/patchbay/internal/workspace"
)

// App is a running patchbay server.
type App struct {
	cfg       config.Config
	log       *slog.Logger
	store     store.Store
	box       *secret.Box
	workspace store.Workspace
	catalog   *catalog.Catalog
	runner    *job.Runner
	// scheduler fires polling and schedule triggers; schedulerDone is
	// closed when its loop has returned.
	scheduler     *scheduler.Scheduler
	stopScheduler context.CancelFunc
	schedulerDone chan struct{}
	metrics       *metrics.Metrics
	server        *http.Server
	listener      net.Listener
	served        chan error
	stopOnce      sync.Once
	stopErr       error
	debug         *http.Server

	// oauth gives OAuth2 connections their tokens and runs authorizations.
	oauth *oauth.Manager
	// pruner deletes job history past its retention, in the background.
	pruner *retention.Pruner
}

// OpenStore opens the configured database and the secret key. Commands
// that only need storage (token create) use it without starting a server.
func OpenStore(ctx context.Context, cfg config.Config) (store.Store, *secret.Box, error) {
	return openStore(ctx, cfg, nil)
}

// openStore is OpenStore, logging to log (when not nil) what it had to
// change to make the data folder private.
func openStore(ctx context.Context, cfg config.Config, log *slog.Logger) (store.Store, *secret.Box, error) {
	if err := prepareDataDir(cfg, log); err != nil {
		return nil, nil, err
	}
	key, err := secret.LoadOrCreateKey(cfg.SecretKey, cfg.DataDir)
	if err != nil {
		return nil, nil, err
	}
	box, err := secret.NewBox(key)
	if err != nil {
		return nil, nil, err
	}
	s, err := openDatabase(ctx, cfg)
	if err != nil {
		return nil, nil, err
	}
	return s, box, nil
}

// OpenDatabase opens the database the configuration names. Commands that
// bring their own keys (secrets rotate-key) use it directly.
func OpenDatabase(ctx context.Context, cfg config.Config) (store.Store, error) {
	if err := prepareDataDir(cfg, nil); err != nil {
		return nil, err
	}
	return openDatabase(ctx, cfg)
}

// openDatabase is the one place that chooses a backend (SQLite in the data
// folder today).
func openDatabase(ctx context.Context, cfg config.Config) (store.Store, error) {
	return sqlite.Open(ctx, cfg.DataDir, sqlite.Options{})
}

// prepareDataDir refuses a database this version cannot open, then makes
// the data folder private (once per open: it walks the whole folder).
func prepareDataDir(cfg config.Config, log *slog.Logger) error {
	if cfg.DatabaseURL != "" {
		return errors.New("database-url: PostgreSQL is not available yet; leave it empty to use SQLite in the data folder")
	}
	return makeDataDirPrivate(cfg.DataDir, log)
}

// EnsureWorkspace returns the workspace, creating it with a random 36-character
// webhook token on first start.
func EnsureWorkspace(ctx context.Context, s store.Store) (store.Workspace, error) {
	token, err := uuid.NewRandomFromReader(rand.Reader)
	if err != nil {
		return store.Workspace{}, err
	}
	return s.EnsureWorkspace(ctx, store.Workspace{
		ID: uuid.Must(uuid.NewV7()).String(), Name: "default", WebhookToken: token.String(), CreatedAt: time.Now(),
	})
}

// New opens storage and builds every part; nothing runs until Start.
func New(ctx context.Context, cfg config.Config, log *slog.Logger) (*App, error) {
	if cfg.BaseURL == "" {
		return nil, errors.New("base-url: unknown while the port is 0: bind the address first (app.Listen) or set base-url")
	}
	s, box, err := openStore(ctx, cfg, log)
	if err != nil {
		return nil, err
	}
	ws, err := EnsureWorkspace(ctx, s)
	if err != nil {
		s.Close()
		return nil, err
	}
	a := &App{cfg: cfg, log: log, store: s, box: box, workspace: ws, metrics: metrics.New(), served: make(chan error, 1)}
	a.catalog = catalog.New(s, box, catalog.Options{Log: log})
	if err := a.catalog.Load(ctx); err != nil {
		s.Close()
		return nil, fmt.Errorf("load recipes and connections: %w", err)
	}
	exec := &httprequest.Executor{Client: httpx.NewClient(httpx.ClientOptions{AllowPrivateNetworks: cfg.AllowPrivateNetworks})}
	// Steps through OAuth2 connections get their tokens from the executor.
	a.oauth = &oauth.Manager{Store: s, Box: box, Log: log, RedirectURL: cfg.BaseURL + "/oauth/callback", Metrics: a.metrics}
	exec.Tokens = a.oauth
	host, _ := os.Hostname()
	a.runner = &job.Runner{
		Store: s, Catalog: a.catalog, Executor: exec, Log: log, Metrics: a.metrics,
		Owner:   fmt.Sprintf("%s/%d/%s", host, os.Getpid(), uuid.NewString()[:8]),
		Workers: cfg.Workers, Lease: cfg.JobLease, RetryBase: cfg.RetryBase, ShutdownTimeout: cfg.ShutdownTimeout,
		JobDeadline: cfg.JobDeadline, MaxRecordedBody: cfg.MaxRecordedBodyBytes, MaxJobRecord: cfg.MaxJobRecordBytes,
	}
	a.pruner = newPruner(s, cfg, log, a.runner.Owner)
	a.scheduler = &scheduler.Scheduler{Store: s, Catalog: a.catalog, Executor: exec, Owner: a.runner.Owner, Log: log, Metrics: a.metrics}
	a.server = &http.Server{
		Handler:           a.routes(exec),
		ReadHeaderTimeout: 10 * time.Second,
		ReadTimeout:       60 * time.Second,
		IdleTimeout:       120 * time.Second,
		// Headers are read into memory before any handler runs: 64 KiB is
		// plenty for webhooks and API calls, and bounds what an idle or slow
		// connection can make the server hold (Go's default is 1 MiB).
		MaxHeaderBytes: 64 << 10,
		ErrorLog:       slog.NewLogLogger(log.Handler(), slog.LevelWarn),
	}
	return a, nil
}

func (a *App) routes(exec *httprequest.Executor) http.Handler {
	mux := http.NewServeMux()
	writes := &workspace.Service{Store: a.store, Catalog: a.catalog, Box: a.box, Triggers: a.scheduler}
	wh := &webhook.Handler{Local: a.runner, Catalog: a.catalog, Store: a.store, Captures: writes, WebhookToken: a.workspace.WebhookToken,
		MaxBodyBytes: a.cfg.MaxBodyBytes, Metrics: a.metrics, Log: a.log,
		Intake:    webhook.NewIntakeBudget(a.cfg.Intake.MaxIntakeBytes),
		RateLimit: recipe.RateLimit{PerSecond: a.cfg.Intake.WebhookRateLimit, Burst: a.cfg.Intake.WebhookRateBurst}}
	mux.Handle("/webhooks/rest/{token}/{event}", wh)
	(&api.API{Store: a.store, Catalog: a.catalog, Runner: a.runner, Executor: exec, Box: a.box,
		Workspace: a.workspace, BaseURL: a.cfg.BaseURL, Log: a.log, Writes: writes, OAuth: a.oauth}).Routes(mux)
	mux.HandleFunc("GET /healthz", func(w http.ResponseWriter, r *http.Request) {
		httpx.JSON(w, http.StatusOK, map[string]string{"status": "ok"})
	})
	mux.HandleFunc("GET /readyz", func(w http.ResponseWriter, r *http.Request) {
		if err := a.store.Ping(r.Context()); err != nil {
			httpx.JSON(w, http.StatusServiceUnavailable, map[string]string{"status": "unavailable", "error": err.Error()})
			return
		}
		httpx.JSON(w, http.StatusOK, map[string]string{"status": "ready"})
	})
	mux.Handle("GET /metrics", a.metrics.Handler())
	mux.Handle("/", web.Handler(web.Options{Logger: a.log}))
	return httpx.NoSniff(mux)
}

// Start listens and starts the workers.
func (a *App) Start(ctx context.Context) error {
	ln, err := net.Listen("tcp", a.cfg.Addr)
	if err != nil {
		return fmt.Errorf("listen on %s: %w", a.cfg.Addr, err)
	}
	return a.StartOn(ctx, ln)
}

// StartOn is Start on a listener already bound (see Listen); it closes ln
// if it fails.
func (a *App) StartOn(ctx context.Context, ln net.Listener) error {
	if err := a.startDebug(); err != nil {
		ln.Close()
		return err
	}
	if err := a.pruner.Start(ctx); err != nil {
		ln.Close()
		return err
	}
	if err := a.runner.Start(ctx); err != nil {
		a.pruner.Stop()
		ln.Close()
		return err
	}
	a.listener = ln
	a.catalog.Start(context.WithoutCancel(ctx))
	schedCtx, cancel := context.WithCancel(context.WithoutCancel(ctx))
	a.stopScheduler, a.schedulerDone = cancel, make(chan struct{})
	go func() {
		defer close(a.schedulerDone)
		a.scheduler.Run(schedCtx)
	}()
	go func() { a.served <- a.server.Serve(ln) }()
	a.log.Info("patchbay serving", "addr", ln.Addr().String(), "base_url", a.cfg.BaseURL,
		"data_dir", a.cfg.DataDir, "webhook_base_url", redactedWebhookBaseURL(a.cfg.BaseURL))
	return nil
}

// Addr is the address the server listens on.
func (a *App) Addr() string { return a.listener.Addr().String() }

// Served reports the server's end (an error other than ErrServerClosed means it failed).
func (a *App) Served() <-chan error { return a.served }

// Stop shuts down in order: stop intake (finishing requests under way),
// drain the workers, then close the store after its last commit. Calling
// it again returns the first result.
func (a *App) Stop(ctx context.Context) error {
	a.stopOnce.Do(func() {
		var errs []error
		if err := a.server.Shutdown(ctx); err != nil {
			errs = append(errs, fmt.Errorf("stop HTTP: %w", err))
		}
		if a.debug != nil {
			a.debug.Close()
		}
		if a.listener != nil {
			// No new polls or ticks; one under way finishes (or its
			// lease runs out and another process redoes it).
			a.stopScheduler()
			<-a.schedulerDone
			a.pruner.Stop()
			a.runner.Stop()
			a.catalog.Stop()
		}
		if err := a.store.Close(); err != nil {
			errs = append(errs, fmt.Errorf("close store: %w", err))
		}
		a.stopErr = errors.Join(errs...)
	})
	return a.stopErr
}

// startDebug serves Go's profiler on its own address (keep it on
// loopback): the hot paths are measured with it, never exposed publicly.
func (a *App) startDebug() error {
	if a.cfg.PprofAddr == "" {
		return nil
	}
	mux := http.NewServeMux()
	mux.HandleFunc("/debug/pprof/", pprof.Index)
	mux.HandleFunc("/debug/pprof/cmdline", pprof.Cmdline)
	mux.HandleFunc("/debug/pprof/profile", pprof.Profile)
	mux.HandleFunc("/debug/pprof/symbol", pprof.Symbol)
	mux.HandleFunc("/debug/pprof/trace", pprof.Trace)
	ln, err := net.Listen("tcp", a.cfg.PprofAddr)
	if err != nil {
		return fmt.Errorf("listen on pprof-addr %s: %w", a.cfg.PprofAddr, err)
	}
	a.debug = &http.Server{Handler: mux, ReadHeaderTimeout: 10 * time.Second}
	go a.debug.Serve(ln)
	return nil
}

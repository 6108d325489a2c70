// Package config holds the one typed configuration of a patchbay process:
// defaults, PATCHBAY_* environment variables and command-line flags, in that
// order of precedence (a flag beats the environment, which beats the default).
package config

import (
	"errors"
	"flag"
	"fmt"
	"net"
	"net/url"
	"os"
	"strings"
	"time"
)

// Config is everything a server process needs to start.
type Config struct {
	Addr                 string
	DataDir              string
	DatabaseURL          string
	BaseURL              string
	AllowPrivateNetworks bool
	LogLevel             string
	LogFormat            string
	SecretKey            string // hex or base64 32-byte key; empty: a key file in DataDir
	PprofAddr            string // where to serve /debug/pprof; empty: nowhere
	// AddrFile, if set, is where serve writes the address it listens on
	// once it serves: with port 0 in Addr the system picks the port, and
	// a supervisor or a test reads it there.
	AddrFile string

	MaxBodyBytes    int64         // webhook body limit
	Workers         int           // concurrent jobs in this process
	JobLease        time.Duration // how long a claimed job is ours before another worker may take it
	ShutdownTimeout time.Duration // how long running steps get to finish on shutdown
	RetryBase       time.Duration // first retry delay of a step (doubled each attempt, with jitter)

	Intake               IntakeLimits  // webhook bytes in flight and default rate limit
	JobDeadline          time.Duration // wall-clock limit of a job from its first claim
	MaxRecordedBodyBytes int64         // a recorded body larger than this is kept as a blob
	MaxJobRecordBytes    int64         // everything one job records, blobs included
	Retention            Retention     // workspace default of job retention (retention.go)
}

// Default returns the configuration used when nothing is set.
func Default() Config {
	return Config{
		Addr:            ":8080",
		DataDir:         "./patchbay-data",
		LogLevel:        "info",
		LogFormat:       "text",
		MaxBodyBytes:    10 << 20,
		Workers:         64,
		JobLease:        30 * time.Second,
		ShutdownTimeout: 10 * time.Second,
		RetryBase:       time.Second,
		Intake:          IntakeLimits{MaxIntakeBytes: DefaultMaxIntakeBytes},

		JobDeadline:          time.Hour,
		MaxRecordedBodyBytes: 1 << 20,
		MaxJobRecordBytes:    32 << 20,
		Retention:            Retention{Days: DefaultRetentionDays},
	}
}

// StorageFlags registers the flags that say where the data lives; every
// subcommand that opens the database shares them.
func (c *Config) StorageFlags(fs *flag.FlagSet) {
	fs.StringVar(&c.DataDir, "data-dir", c.DataDir, "folder for the embedded database and key file (env PATCHBAY_DATA_DIR)")
	fs.StringVar(&c.DatabaseURL, "database-url", c.DatabaseURL, "empty: SQLite in the data folder; postgres://... : PostgreSQL (env PATCHBAY_DATABASE_URL)")
	fs.StringVar(&c.SecretKey, "secret-key", c.SecretKey, "key that encrypts secrets at rest, 32 bytes hex or base64 (env PATCHBAY_SECRET_KEY); empty: a key file in the data folder")
}

// ServeFlags registers the flags of `patchbay serve`.
func (c *Config) ServeFlags(fs *flag.FlagSet) {
	c.StorageFlags(fs)
	fs.StringVar(&c.Addr, "addr", c.Addr, "listen address (env PATCHBAY_ADDR)")
	fs.StringVar(&c.BaseURL, "base-url", c.BaseURL, "public URL used in webhook and callback URLs (env PATCHBAY_BASE_URL); default http://localhost<addr>")
	fs.StringVar(&c.AddrFile, "addr-file", c.AddrFile, "write the address the server listens on to this file once it serves, e.g. with --addr 127.0.0.1:0 (env PATCHBAY_ADDR_FILE)")
	fs.BoolVar(&c.AllowPrivateNetworks, "allow-private-networks", c.AllowPrivateNetworks, "let steps, polls and connection tests call addresses that are not global unicast: private, loopback, this host's own, documentation ranges (env PATCHBAY_ALLOW_PRIVATE_NETWORKS)")
	fs.StringVar(&c.LogLevel, "log-level", c.LogLevel, "debug, info, warn or error (env PATCHBAY_LOG_LEVEL)")
	fs.StringVar(&c.LogFormat, "log-format", c.LogFormat, "text or json (env PATCHBAY_LOG_FORMAT)")
	fs.Int64Var(&c.MaxBodyBytes, "max-body-bytes", c.MaxBodyBytes, "largest webhook body accepted (env PATCHBAY_MAX_BODY_BYTES)")
	fs.IntVar(&c.Workers, "workers", c.Workers, "jobs run at once by this process (env PATCHBAY_WORKERS)")
	fs.DurationVar(&c.JobLease, "job-lease", c.JobLease, "how long a crashed worker's job waits before another takes it (env PATCHBAY_JOB_LEASE)")
	fs.DurationVar(&c.ShutdownTimeout, "shutdown-timeout", c.ShutdownTimeout, "how long running steps may finish on shutdown before they are re-queued (env PATCHBAY_SHUTDOWN_TIMEOUT)")
	fs.StringVar(&c.PprofAddr, "pprof-addr", c.PprofAddr, "serve Go's profiler on this address, e.g. 127.0.0.1:6060 (env PATCHBAY_PPROF_ADDR); empty: off")
	fs.DurationVar(&c.RetryBase, "retry-base", c.RetryBase, "first retry delay of a failed step (env PATCHBAY_RETRY_BASE)")
	c.intakeFlags(fs)
	c.jobLimitFlags(fs)
	c.retentionFlags(fs)
}

// Parse applies the environment and then the arguments to fs. Environment
// variables are the flag names upper-cased with dashes as underscores and a
// PATCHBAY_ prefix.
func Parse(fs *flag.FlagSet, args []string, getenv func(string) string) error {
	if getenv == nil {
		getenv = os.Getenv
	}
	var errs []error
	fs.VisitAll(func(f *flag.Flag) {
		name := "PATCHBAY_" + strings.ToUpper(strings.ReplaceAll(f.Name, "-", "_"))
		if v := getenv(name); v != "" {
			if err := f.Value.Set(v); err != nil {
				errs = append(errs, fmt.Errorf("%s: %w", name, err))
			}
		}
	})
	if err := errors.Join(errs...); err != nil {
		return err
	}
	return fs.Parse(args)
}

// Validate checks the values that flags cannot check by type, and fills in
// the defaults that depend on other values.
func (c *Config) Validate() error {
	if c.DataDir == "" && c.DatabaseURL == "" {
		return errors.New("data-dir: must not be empty")
	}
	if c.DatabaseURL != "" && !strings.HasPrefix(c.DatabaseURL, "postgres://") && !strings.HasPrefix(c.DatabaseURL, "postgresql://") {
		return errors.New("database-url: must start with postgres:// (or be empty for SQLite)")
	}
	if c.BaseURL == "" && !AnyPort(c.Addr) {
		c.BaseURL = DefaultBaseURL(c.Addr)
	}
	// With port 0 and no base URL, the base URL is known once the server
	// listens (app.Listen fills it in).
	if c.BaseURL != "" {
		u, err := url.Parse(c.BaseURL)
		if err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" {
			return fmt.Errorf("base-url: %q is not an absolute http(s) URL", c.BaseURL)
		}
		c.BaseURL = strings.TrimRight(c.BaseURL, "/")
	}
	if c.MaxBodyBytes <= 0 {
		return errors.New("max-body-bytes: must be positive")
	}
	if c.Workers <= 0 {
		return errors.New("workers: must be positive")
	}
	if c.JobLease < time.Second {
		return errors.New("job-lease: must be at least 1s")
	}
	if c.RetryBase <= 0 {
		return errors.New("retry-base: must be positive")
	}
	if err := c.validateJobLimits(); err != nil {
		return err
	}
	if err := c.validateRetention(); err != nil {
		return err
	}
	return c.validateIntake()
}

// AnyPort says whether addr asks the system to pick the port (":0").
func AnyPort(addr string) bool {
	_, port, err := net.SplitHostPort(addr)
	return err == nil && port == "0"
}

// DefaultBaseURL is the base URL of a server listening on addr when none
// is configured: http://<addr>, localhost when addr names no host.
func DefaultBaseURL(addr string) string {
	if strings.HasPrefix(addr, ":") {
		addr = "localhost" + addr
	}
	return "http://" + addr
}

// Redacted is the configuration as it may be logged: the database URL's
// password and the secret key are hidden.
func (c Config) Redacted() Config {
	if c.SecretKey != "" {
		c.SecretKey = "****"
	}
	if u, err := url.Parse(c.DatabaseURL); err == nil && u.User != nil {
		if _, ok := u.User.Password(); ok {
			u.User = url.UserPassword(u.User.Username(), "****")
			c.DatabaseURL = u.String()
		}
	}
	return c
}

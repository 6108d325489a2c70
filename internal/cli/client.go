package cli

import (
	"errors"
	"flag"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"strings"
	"time"

	"github.com/patchbay/patchbay/internal/client"
)

// defaultServer is where the client commands look for the server when
// neither --server nor PATCHBAY_SERVER says otherwise: the address
// `patchbay serve` listens on by default.
const defaultServer = "http://localhost:8080"

// callTimeout bounds one API call. It is generous because some calls (test
// runs of a recipe) wait for steps that talk to slow third-party services.
const callTimeout = 60 * time.Second

// errNoToken is what the user reads when no API token was given. It names
// both ways to pass one and how to create one, since a first-time user hits
// it before anything else.
var errNoToken = errors.New(`no API token: pass --token or set PATCHBAY_TOKEN (create one with "patchbay token create")`)

// usageError marks a mistake in the command line itself (unknown
// subcommand, missing argument, bad flag). The dispatcher prints the usage
// text for it, which a server or I/O error would not deserve.
type usageError struct{ msg string }

func (e *usageError) Error() string { return e.msg }

// errUsage builds a usageError from a format string.
func errUsage(format string, args ...any) error {
	return &usageError{msg: fmt.Sprintf(format, args...)}
}

// commonFlags are the flags every client command accepts.
type commonFlags struct {
	server   string
	token    string
	envToken string
}

// register adds --server and --token to fs. The server default comes from
// the environment so that -h shows where the command will connect; the
// token's does not, so that -h never prints a secret, and is applied in
// client instead. Either way a flag overrides the environment.
func (c *commonFlags) register(fs *flag.FlagSet, getenv func(string) string) {
	server := getenv("PATCHBAY_SERVER")
	if server == "" {
		server = defaultServer
	}
	fs.StringVar(&c.server, "server", server, "patchbay server URL (env PATCHBAY_SERVER)")
	fs.StringVar(&c.token, "token", "", "API token (env PATCHBAY_TOKEN)")
	c.envToken = getenv("PATCHBAY_TOKEN")
}

// client checks the flags and builds the API client. It is called after
// all arguments are parsed so that usage mistakes are reported before a
// missing token.
func (c *commonFlags) client() (*client.Client, error) {
	token := strings.TrimSpace(c.token)
	if token == "" {
		token = strings.TrimSpace(c.envToken)
	}
	if token == "" {
		return nil, errNoToken
	}
	return newAPIClient(c.server, token)
}

// newAPIClient validates the server address. A bare host:port is accepted
// and taken to mean plain http, as people often type it that way.
func newAPIClient(server, token string) (*client.Client, error) {
	s := strings.TrimSpace(server)
	if s == "" {
		s = defaultServer
	}
	if !strings.Contains(s, "://") {
		s = "http://" + s
	}
	u, err := url.Parse(s)
	if err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" {
		return nil, errUsage("invalid --server %q: want a URL like %s", server, defaultServer)
	}
	u.RawQuery, u.Fragment = "", ""
	return &client.Client{
		BaseURL:   strings.TrimRight(u.String(), "/"),
		Token:     token,
		HTTP:      &http.Client{Timeout: callTimeout},
		UserAgent: "patchbay-cli",
	}, nil
}

// reportError prints a server error as `error: <message>` followed by one
// `  <path>: <message>` line per detail, and returns the error the command
// fails with. The returned error carries the status rather than repeating
// the message the user has just read. Errors that are not from the server
// are returned unchanged.
func reportError(stderr io.Writer, what string, err error) error {
	var ae *client.Error
	if !errors.As(err, &ae) {
		return err
	}
	fmt.Fprintf(stderr, "error: %s\n", ae.Error())
	for _, d := range ae.Details {
		if d.Path != "" {
			fmt.Fprintf(stderr, "  %s: %s\n", d.Path, d.Message)
		} else {
			fmt.Fprintf(stderr, "  %s\n", d.Message)
		}
	}
	status := fmt.Sprintf("%d %s", ae.Status, http.StatusText(ae.Status))
	if ae.Code != "" {
		status += " (" + ae.Code + ")"
	}
	if ae.Status == http.StatusUnauthorized {
		return fmt.Errorf("%s failed: server answered %s; check --token or PATCHBAY_TOKEN", what, status)
	}
	return fmt.Errorf("%s failed: server answered %s", what, status)
}

// parseArgs parses flags that may appear before, between or after the
// positional arguments. flag.FlagSet stops at the first positional
// argument, so each time it stops the positional argument is set aside and
// parsing resumes on the rest. A "--" ends flag parsing for good.
func parseArgs(fs *flag.FlagSet, args []string) ([]string, error) {
	var positional []string
	for {
		if err := fs.Parse(args); err != nil {
			return nil, err
		}
		rest := fs.Args()
		if len(rest) == 0 {
			return positional, nil
		}
		consumed := len(args) - len(rest)
		if consumed > 0 && args[consumed-1] == "--" {
			return append(positional, rest...), nil
		}
		positional = append(positional, rest[0])
		args = rest[1:]
	}
}

// newFlagSet makes a flag set that reports errors to the caller instead of
// printing them, so that the dispatcher decides how to show usage.
func newFlagSet(name string) *flag.FlagSet {
	fs := flag.NewFlagSet(name, flag.ContinueOnError)
	fs.SetOutput(io.Discard)
	fs.Usage = func() {}
	return fs
}

// parseCommand parses args for one subcommand. For -h it prints the
// subcommand's usage and flag defaults to stdout and returns done=true;
// a bad flag becomes a usageError.
func parseCommand(fs *flag.FlagSet, usage string, args []string, stdout io.Writer) (positional []string, done bool, err error) {
	positional, err = parseArgs(fs, args)
	if errors.Is(err, flag.ErrHelp) {
		fmt.Fprintf(stdout, "usage: %s\n\nflags:\n", usage)
		fs.SetOutput(stdout)
		fs.PrintDefaults()
		fs.SetOutput(io.Discard)
		return nil, true, nil
	}
	if err != nil {
		return nil, false, errUsage("%s: %v\nusage: %s", fs.Name(), err, usage)
	}
	return positional, false, nil
}

// envOrEmpty guards against a nil getenv so that callers never need to.
func envOrEmpty(getenv func(string) string) func(string) string {
	if getenv == nil {
		return func(string) string { return "" }
	}
	return getenv
}

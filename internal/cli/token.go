package cli

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"text/tabwriter"
	"time"

	"github.com/patchbay/patchbay/internal/apitoken"
	"github.com/patchbay/patchbay/internal/app"
	"github.com/patchbay/patchbay/internal/store"
)

// The token commands work on the database directly (like serve, with the
// storage flags), so they work while a server runs and before any token
// exists.
func runToken(ctx context.Context, args []string, stdout, stderr io.Writer, getenv func(string) string) error {
	if len(args) == 0 {
		return errUsage(`token: want "token create", "token list" or "token revoke ID"`)
	}
	switch args[0] {
	case "create":
		return runTokenCreate(ctx, args[1:], stdout, stderr, getenv)
	case "list":
		return runTokenList(ctx, args[1:], stdout, stderr, getenv)
	case "revoke":
		return runTokenRevoke(ctx, args[1:], stdout, stderr, getenv)
	}
	return errUsage(`token: unknown subcommand %q: want "token create", "token list" or "token revoke ID"`, args[0])
}

func runTokenCreate(ctx context.Context, args []string, stdout, stderr io.Writer, getenv func(string) string) error {
	var name *string
	cfg, help, err := parseStorageFlags("token create", args, stderr, getenv, func(fs *flag.FlagSet) {
		name = fs.String("name", "cli", "a name to remember the token by")
	})
	if help || err != nil {
		return err
	}
	s, _, err := app.OpenStore(ctx, cfg)
	if err != nil {
		return err
	}
	defer s.Close()
	if _, err := app.EnsureWorkspace(ctx, s); err != nil {
		return err
	}
	_, token, err := apitoken.Create(ctx, s, *name)
	if err != nil {
		return err
	}
	fmt.Fprintf(stderr, "API token %q created; it is shown once:\n", *name)
	fmt.Fprintln(stdout, token)
	return nil
}

// runTokenList prints each token's id, name, creation and last use; never
// the token, which is not kept.
func runTokenList(ctx context.Context, args []string, stdout, stderr io.Writer, getenv func(string) string) error {
	var fs *flag.FlagSet
	cfg, help, err := parseStorageFlags("token list", args, stderr, getenv, func(f *flag.FlagSet) { fs = f })
	if help || err != nil {
		return err
	}
	if fs.NArg() != 0 {
		return errUsage("token list: takes no arguments, got %q", fs.Args())
	}
	s, _, err := app.OpenStore(ctx, cfg)
	if err != nil {
		return err
	}
	defer s.Close()
	ts, err := s.APITokens(ctx)
	if err != nil {
		return err
	}
	tw := tabwriter.NewWriter(stdout, 0, 4, 2, ' ', 0)
	fmt.Fprintln(tw, "ID\tNAME\tCREATED\tLAST USED")
	for _, t := range ts {
		lastUsed := "never"
		if t.LastUsedAt != nil {
			lastUsed = t.LastUsedAt.Local().Format(time.DateTime)
		}
		fmt.Fprintf(tw, "%s\t%s\t%s\t%s\n", t.ID, t.Name, t.CreatedAt.Local().Format(time.DateTime), lastUsed)
	}
	return tw.Flush()
}

// runTokenRevoke deletes a token: a running server refuses it within
// apitoken.CacheTTL.
func runTokenRevoke(ctx context.Context, args []string, stdout, stderr io.Writer, getenv func(string) string) error {
	var fs *flag.FlagSet
	cfg, help, err := parseStorageFlags("token revoke", args, stderr, getenv, func(f *flag.FlagSet) { fs = f })
	if help || err != nil {
		return err
	}
	if fs.NArg() != 1 {
		return errUsage("token revoke: want exactly one token ID (see patchbay token list)")
	}
	id := fs.Arg(0)
	s, _, err := app.OpenStore(ctx, cfg)
	if err != nil {
		return err
	}
	defer s.Close()
	if err := s.DeleteAPIToken(ctx, id); err != nil {
		if errors.Is(err, store.ErrNotFound) {
			return fmt.Errorf("token revoke: no API token with id %q (see patchbay token list)", id)
		}
		return err
	}
	fmt.Fprintf(stdout, "API token %s revoked; running servers refuse it within %s\n", id, apitoken.CacheTTL)
	return nil
}

// Package cli is patchbay's command line: one file per subcommand.
package cli

import (
	"context"
	"errors"
	"fmt"
	"io"
	"os"
)

const usage = `patchbay — wire any HTTP API into recipes.

Usage:
  patchbay serve [flags]                 run the server (UI, API, webhooks, workers)
  patchbay token create [--name N]       print a new API token
  patchbay token list                    list API tokens (id, name, created, last used)
  patchbay token revoke ID               revoke an API token (servers refuse it within 5s)
  patchbay recipe apply -f FILE|DIR      create or update recipes from YAML or JSON files
  patchbay recipe export ID              print a recipe as YAML
  patchbay recipe export --all DIR       write every recipe to its own file
  patchbay jobs list RECIPE              list a recipe's jobs, newest first
  patchbay jobs show ID                  print a job with each step's input and output
  patchbay jobs rerun ID                 run a job again from its trigger output
  patchbay secrets rotate-key [--new-key K]  re-encrypt every secret under a new key (stop the server first)
  patchbay backup FILE                   copy the database while the server runs (keep the secret key with it)
  patchbay restore FILE                  put a backup back in the data folder (stop the server first)
  patchbay version                       print the version

Every flag is also an environment variable: --data-dir is PATCHBAY_DATA_DIR.
Run "patchbay COMMAND -h" for a command's flags.
`

// Version is set at build time with -ldflags "-X .../cli.Version=v1.2.3".
var Version = "dev"

// Run runs the command line and returns the process exit code.
func Run(ctx context.Context, args []string, stdout, stderr io.Writer) int {
	if len(args) == 0 {
		fmt.Fprint(stderr, usage)
		return 2
	}
	getenv := os.Getenv
	var err error
	switch args[0] {
	case "serve":
		err = runServe(ctx, args[1:], stderr, getenv)
	case "token":
		err = runToken(ctx, args[1:], stdout, stderr, getenv)
	case "recipe", "recipes":
		err = runRecipe(ctx, args[1:], stdout, stderr, getenv)
	case "jobs", "job":
		err = runJobs(ctx, args[1:], stdout, stderr, getenv)
	case "secrets":
		err = runSecrets(ctx, args[1:], stdout, stderr, getenv)
	case "backup":
		err = runBackup(ctx, args[1:], stdout, stderr, getenv)
	case "restore":
		err = runRestore(ctx, args[1:], stdout, stderr, getenv)
	case "version", "--version":
		fmt.Fprintln(stdout, "patchbay", Version)
	case "help", "-h", "--help":
		fmt.Fprint(stdout, usage)
	default:
		fmt.Fprintf(stderr, "patchbay: unknown command %q\n\n%s", args[0], usage)
		return 2
	}
	if err == nil {
		return 0
	}
	var ue *usageError
	if errors.As(err, &ue) {
		fmt.Fprintf(stderr, "patchbay: %v\n\n%s", err, usage)
		return 2
	}
	fmt.Fprintf(stderr, "patchbay: %v\n", err)
	return 1
}

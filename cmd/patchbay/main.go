// Command patchbay is the whole product in one binary: server, workers,
// scheduler, web UI and the command line that talks to them.
package main

import (
	"context"
	"os"
	"os/signal"
	"syscall"

	"github.com/patchbay/patchbay/internal/cli"
)

func main() {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	code := cli.Run(ctx, os.Args[1:], os.Stdout, os.Stderr)
	stop()
	os.Exit(code)
}

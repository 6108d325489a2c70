// Command patchbay-bench is patchbay's load benchmark (`make bench`): it
// starts a trivial net/http handler, a fresh patchbay and a counting sink on
// this machine, loads each, and prints one table of figures against their
// targets. See BENCHMARKS.md for how to read it.
package main

import (
	"context"
	"flag"
	"fmt"
	"os"
	"os/signal"
	"strconv"
	"strings"
	"syscall"

	"github.com/patchbay/patchbay/internal/bench"
)

func main() {
	var o bench.Options
	var conns string
	flag.DurationVar(&o.Duration, "duration", 0, "measured window of the end-to-end run (default 60s; smoke 1s)")
	flag.DurationVar(&o.IngestDuration, "ingest-duration", 0, "measured window of each ingest run (default 10s; smoke 1s)")
	flag.DurationVar(&o.Warmup, "warmup", 0, "warm-up before every window (default 2s; smoke 0.5s)")
	flag.StringVar(&conns, "conns", "1,32", "ingest connection counts, comma-separated")
	flag.IntVar(&o.History, "history", 0, "jobs in the database for the history figures (default 1000000; smoke 20000)")
	flag.BoolVar(&o.Smoke, "smoke", false, "tiny runs that only check the benchmark works")
	flag.BoolVar(&o.Keep, "keep", false, "keep the data folder")
	flag.StringVar(&o.Patchbay, "patchbay", "", "prebuilt patchbay binary (default: go build ./cmd/patchbay)")
	flag.BoolVar(&o.Markdown, "markdown", false, "print the table as Markdown")
	flag.StringVar(&o.ProfileDir, "profile", "", "run patchbay with --pprof-addr and save CPU and heap profiles of the loaded runs into this folder")
	flag.Parse()
	for _, c := range strings.Split(conns, ",") {
		n, err := strconv.Atoi(strings.TrimSpace(c))
		if err != nil || n < 1 {
			fmt.Fprintf(os.Stderr, "-conns: %q is not a positive number\n", c)
			os.Exit(2)
		}
		o.Conns = append(o.Conns, n)
	}
	o.Progress = os.Stderr
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	if err := bench.Run(ctx, o, os.Stdout); err != nil {
		fmt.Fprintln(os.Stderr, "patchbay-bench:", err)
		stop()
		os.Exit(1)
	}
}

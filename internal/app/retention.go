package app

import (
	"log/slog"

	"github.com/patchbay/patchbay/internal/config"
	"github.com/patchbay/patchbay/internal/retention"
	"github.com/patchbay/patchbay/internal/store"
)

// newPruner is the retention service with the workspace default of cfg.
func newPruner(s store.Store, cfg config.Config, log *slog.Logger, owner string) *retention.Pruner {
	return &retention.Pruner{
		Store: s, Log: log, Owner: owner,
		Default: retention.Policy{Days: cfg.Retention.Days, MaxJobs: cfg.Retention.MaxJobs},
	}
}

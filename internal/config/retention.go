package config

import (
	"errors"
	"flag"
)

// DefaultRetentionDays is the workspace's retention when nothing is set:
// finished jobs (with their events and files) are kept 30 days.
const DefaultRetentionDays = 30

// Retention is the workspace default of job retention; a recipe's
// `retention` overrides it. Zero in a field: no limit of that kind.
type Retention struct {
	Days    int // finished jobs created more than Days days ago are deleted
	MaxJobs int // only the newest MaxJobs finished jobs of each recipe are kept
}

func (c *Config) retentionFlags(fs *flag.FlagSet) {
	fs.IntVar(&c.Retention.Days, "retention-days", c.Retention.Days, "delete finished jobs older than this many days; a recipe's retention.days overrides it; 0 keeps them forever (env PATCHBAY_RETENTION_DAYS)")
	fs.IntVar(&c.Retention.MaxJobs, "retention-max-jobs", c.Retention.MaxJobs, "keep only this many newest finished jobs per recipe; a recipe's retention.max_jobs overrides it; 0: no limit (env PATCHBAY_RETENTION_MAX_JOBS)")
}

func (c *Config) validateRetention() error {
	if c.Retention.Days < 0 {
		return errors.New("retention-days: must be 0 (keep forever) or more")
	}
	if c.Retention.MaxJobs < 0 {
		return errors.New("retention-max-jobs: must be 0 (no limit) or more")
	}
	return nil
}

package config

import (
	"errors"
	"flag"
	"time"
)

// jobLimitFlags registers the per-job limits of `patchbay serve`.
func (c *Config) jobLimitFlags(fs *flag.FlagSet) {
	fs.DurationVar(&c.JobDeadline, "job-deadline", c.JobDeadline, "wall-clock limit of a job from its first claim, retries included; past it the running step is cancelled and the job fails (env PATCHBAY_JOB_DEADLINE)")
	fs.Int64Var(&c.MaxRecordedBodyBytes, "max-recorded-body-bytes", c.MaxRecordedBodyBytes, "a step's request or response body larger than this is recorded as a blob, not inline (env PATCHBAY_MAX_RECORDED_BODY_BYTES)")
	fs.Int64Var(&c.MaxJobRecordBytes, "max-job-record-bytes", c.MaxJobRecordBytes, "everything one job records, blobs included; past it bodies are left out of the record (env PATCHBAY_MAX_JOB_RECORD_BYTES)")
}

func (c *Config) validateJobLimits() error {
	if c.JobDeadline < time.Second {
		return errors.New("job-deadline: must be at least 1s")
	}
	if c.MaxRecordedBodyBytes < 1024 {
		return errors.New("max-recorded-body-bytes: must be at least 1024")
	}
	if c.MaxJobRecordBytes < c.MaxRecordedBodyBytes {
		return errors.New("max-job-record-bytes: must be at least max-recorded-body-bytes")
	}
	return nil
}

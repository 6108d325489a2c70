package poll

import "time"

// parseSince reads trigger.since as a date: RFC 3339 (2024-05-01T00:00:00Z)
// or a bare day (2024-05-01, midnight UTC).
func parseSince(s string) (time.Time, error) {
	if t, err := time.Parse(time.RFC3339Nano, s); err == nil {
		return t, nil
	}
	return time.Parse(time.DateOnly, s)
}

// FirstStart splits the records of a recipe's first poll after it starts
// by trigger.since: those that become jobs and those only remembered as
// seen (so that a later poll does not take them for new).
//
//   - now (the default): every record existed before the start; none is a job.
//   - all: every record is a job.
//   - a date: a record whose cursor is an RFC 3339 time before the date is
//     only remembered; the others are jobs, including a record with no
//     cursor or one that is not a time, since nothing shows it to be old.
//
// Both lists keep the order of records (oldest first).
//
// With since: now and a cursor_path, FirstStartAfter is the better split.
func (p *Poller) FirstStart(records []Record) (jobs, rememberOnly []Record) {
	switch p.trigger.Since {
	case SinceNow:
		return nil, records
	case SinceAll:
		return records, nil
	}
	for _, r := range records {
		at, err := time.Parse(time.RFC3339Nano, r.Cursor)
		if err == nil && at.Before(p.since) {
			rememberOnly = append(rememberOnly, r)
		} else {
			jobs = append(jobs, r)
		}
	}
	return jobs, rememberOnly
}

// FirstStartAfter is FirstStart for since: now when records carry a time
// cursor: a record whose cursor is a time after startedAt was created or
// changed after the recipe started and becomes a job, even when the first
// read of the list ends later (the API was down, or the list spans several
// polls); the others are only remembered.
func (p *Poller) FirstStartAfter(records []Record, startedAt time.Time) (jobs, rememberOnly []Record) {
	if p.trigger.Since != SinceNow || !p.hasCursor {
		return p.FirstStart(records)
	}
	for _, r := range records {
		if at, err := time.Parse(time.RFC3339Nano, r.Cursor); err == nil && at.After(startedAt) {
			jobs = append(jobs, r)
		} else {
			rememberOnly = append(rememberOnly, r)
		}
	}
	return jobs, rememberOnly
}

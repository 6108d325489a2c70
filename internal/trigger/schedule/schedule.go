package schedule

import (
	"fmt"
	"math"
	"strings"
	"time"

	// Embedded zone data, so that IANA names resolve on hosts without
	// /usr/share/zoneinfo (patchbay is one binary with Go as its only need).
	_ "time/tzdata"
)

// Schedule is a validated schedule: either every (fixed elapsed interval) or
// cron (wall-clock times in loc). Times it returns are in loc.
type Schedule struct {
	every time.Duration
	cron  *cronSpec
	loc   *time.Location
}

// Parse validates and compiles a schedule trigger's fields. Errors are
// *FieldError naming the field, such as "trigger.every: must be at least 1s".
func Parse(every time.Duration, cronExpr, timezone string) (*Schedule, error) {
	cronExpr = strings.TrimSpace(cronExpr)
	switch {
	case every != 0 && cronExpr != "":
		return nil, fieldError("trigger", "give every or cron, not both")
	case every == 0 && cronExpr == "":
		return nil, fieldError("trigger", "a schedule trigger needs every or cron")
	case cronExpr == "" && every < time.Second:
		return nil, fieldError("trigger.every", "must be at least 1s")
	}
	loc, err := loadZone(timezone)
	if err != nil {
		return nil, err
	}
	if every != 0 {
		return &Schedule{every: every, loc: loc}, nil
	}
	spec, err := parseCron(cronExpr)
	if err != nil {
		return nil, fieldError("trigger.cron", err.Error())
	}
	return &Schedule{cron: spec, loc: loc}, nil
}

// loadZone resolves an IANA time zone name; empty means UTC.
func loadZone(name string) (*time.Location, error) {
	if name == "" {
		return time.UTC, nil
	}
	// "Local" is the server's own zone: it would make the schedule change
	// with the host it runs on, so it is not accepted as a zone name.
	if name == "Local" {
		return nil, fieldError("trigger.timezone", `"Local" is not an IANA time zone name (such as "Europe/Berlin")`)
	}
	loc, err := time.LoadLocation(name)
	if err != nil {
		return nil, fieldError("trigger.timezone", fmt.Sprintf("unknown time zone %q", name))
	}
	return loc, nil
}

// Next is the first due time strictly after t. For an every schedule that is
// t+every (ticks are anchored to the previous due time, not to the clock).
// It is the zero time only if a cron schedule has no time in the next ten
// years, which Parse rules out.
func (s *Schedule) Next(t time.Time) time.Time {
	if s.cron == nil {
		return t.Add(s.every).Round(0).In(s.loc)
	}
	return s.nextCron(t)
}

// After is the next due time to store once the tick due at due has fired
// and the clock reads now. Normally that is Next(due). If ticks were missed
// (Next(due) is not after now, e.g. patchbay was down), it is the latest
// missed due time, which is at or before now and so fires at once: exactly
// one catch-up tick, then the schedule continues from it.
func (s *Schedule) After(due, now time.Time) time.Time {
	next := s.Next(due)
	if next.IsZero() || next.After(now) {
		return next
	}
	if s.cron == nil {
		return s.latestEveryUpTo(due, now)
	}
	return s.latestCronBetween(next, now)
}

// latestEveryUpTo is the last tick of due+k*every at or before now. It is
// arithmetic, not iteration: a 1s schedule down for a month has missed
// millions of ticks.
func (s *Schedule) latestEveryUpTo(due, now time.Time) time.Time {
	for {
		elapsed := now.Sub(due)
		due = due.Add(elapsed / s.every * s.every)
		// Sub saturates at about 292 years (a clock set far ahead): go on
		// from there.
		if elapsed != math.MaxInt64 {
			return due.Round(0).In(s.loc)
		}
	}
}

// String describes the schedule for people: "every 1h0m0s" or
// "cron 30 2 * * * in Europe/Berlin".
func (s *Schedule) String() string {
	if s.cron == nil {
		return "every " + s.every.String()
	}
	return "cron " + s.cron.text + " in " + s.loc.String()
}

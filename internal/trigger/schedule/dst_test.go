package schedule

import (
	"testing"
	"time"
)

// ticks chains Next n times from start and returns the instants fired.
func ticks(s *Schedule, start time.Time, n int) []time.Time {
	var out []time.Time
	for at := start; len(out) < n; {
		at = s.Next(at)
		out = append(out, at)
	}
	return out
}

func assertTicks(t *testing.T, s *Schedule, start time.Time, want ...time.Time) {
	t.Helper()
	got := ticks(s, start, len(want))
	for i := range want {
		if !got[i].Equal(want[i]) {
			t.Errorf("%s from %v: tick %d = %v (%v), want %v",
				s, start.UTC(), i, got[i].UTC(), got[i], want[i].UTC())
		}
	}
}

func TestBerlinSpringForwardFiresTheMissingTimeShiftedByTheGap(t *testing.T) {
	// 2026-03-29 02:00 CET the clocks jump to 03:00 CEST: 02:30 does not
	// exist that day. It fires at 03:30 CEST (02:30 read in CET), exactly 24h
	// after the day before; the day is not skipped (robfig/cron skips it).
	s := mustParse(t, 0, "30 2 * * *", "Europe/Berlin")
	assertTicks(t, s, utc(t, "2026-03-27 12:00"),
		utc(t, "2026-03-28 01:30"), // 02:30 CET
		utc(t, "2026-03-29 01:30"), // 03:30 CEST, the shifted 02:30
		utc(t, "2026-03-30 00:30"), // 02:30 CEST
	)
	shifted := s.Next(utc(t, "2026-03-28 01:30")).In(mustZone(t, "Europe/Berlin"))
	if shifted.Hour() != 3 || shifted.Minute() != 30 {
		t.Errorf("on the spring-forward day it fires at %v local, want 03:30 CEST", shifted)
	}
}

func TestBerlinFallBackFiresTheRepeatedTimeOnce(t *testing.T) {
	// 2026-10-25 03:00 CEST the clocks go back to 02:00 CET: 02:30 happens
	// at 00:30Z and again at 01:30Z. It fires at the first only.
	s := mustParse(t, 0, "30 2 * * *", "Europe/Berlin")
	assertTicks(t, s, utc(t, "2026-10-23 12:00"),
		utc(t, "2026-10-24 00:30"), // 02:30 CEST
		utc(t, "2026-10-25 00:30"), // 02:30 CEST, first occurrence
		utc(t, "2026-10-26 01:30"), // 02:30 CET: the second occurrence was skipped
	)
	// A process asking between the two occurrences (e.g. after a restart)
	// still does not get the second one.
	if got, want := s.Next(utc(t, "2026-10-25 01:00")), utc(t, "2026-10-26 01:30"); !got.Equal(want) {
		t.Errorf("Next between the occurrences = %v, want %v", got.UTC(), want)
	}
}

func TestFixedTimeFiresOncePerDayAllYear(t *testing.T) {
	// Across a whole year with both changes: one tick per calendar day, at
	// 02:30 local except the spring-forward day (03:30).
	berlin := mustZone(t, "Europe/Berlin")
	s := mustParse(t, 0, "30 2 * * *", "Europe/Berlin")
	start := time.Date(2026, 1, 1, 0, 0, 0, 0, berlin)
	got := ticks(s, start, 365)
	for i, at := range got {
		local := at.In(berlin)
		wantDay := start.AddDate(0, 0, i)
		if local.Year() != wantDay.Year() || local.YearDay() != wantDay.YearDay() {
			t.Fatalf("tick %d is on %v, want %v", i, local, wantDay.Format(time.DateOnly))
		}
		wantHour := 2
		if local.Format(time.DateOnly) == "2026-03-29" {
			wantHour = 3
		}
		if local.Hour() != wantHour || local.Minute() != 30 {
			t.Errorf("tick %d at %v, want %02d:30 local", i, local, wantHour)
		}
	}
}

func TestNewYorkWeekdayMorningStaysAtNineLocal(t *testing.T) {
	// US DST 2026 starts Sunday March 8 and ends Sunday November 1.
	s := mustParse(t, 0, "0 9 * * 1-5", "America/New_York")
	assertTicks(t, s, utc(t, "2026-03-05 15:00"), // Thursday, after 09:00 EST
		utc(t, "2026-03-06 14:00"), // Friday 09:00 EST
		utc(t, "2026-03-09 13:00"), // Monday 09:00 EDT
		utc(t, "2026-03-10 13:00"),
	)
	assertTicks(t, s, utc(t, "2026-10-29 14:00"), // Thursday, after 09:00 EDT
		utc(t, "2026-10-30 13:00"), // Friday 09:00 EDT
		utc(t, "2026-11-02 14:00"), // Monday 09:00 EST
	)
	ny := mustZone(t, "America/New_York")
	for _, at := range ticks(s, utc(t, "2026-01-01 00:00"), 261) {
		local := at.In(ny)
		if local.Hour() != 9 || local.Minute() != 0 || local.Weekday() == time.Saturday || local.Weekday() == time.Sunday {
			t.Fatalf("tick at %v, want 09:00 on a weekday", local)
		}
	}
}

func TestWildcardSchedulesFollowElapsedTime(t *testing.T) {
	// cron(8): schedules that run more often than a fixed time keep their
	// rhythm: a wall time that does not exist is not due, one that happens
	// twice fires twice.
	hourly := mustParse(t, 0, "30 * * * *", "Europe/Berlin")
	assertTicks(t, hourly, utc(t, "2026-03-29 00:00"),
		utc(t, "2026-03-29 00:30"), // 01:30 CET
		utc(t, "2026-03-29 01:30"), // 03:30 CEST (02:30 did not exist)
		utc(t, "2026-03-29 02:30"),
	)
	assertTicks(t, hourly, utc(t, "2026-10-25 00:00"),
		utc(t, "2026-10-25 00:30"), // 02:30 CEST
		utc(t, "2026-10-25 01:30"), // 02:30 CET
		utc(t, "2026-10-25 02:30"), // 03:30 CET
	)
	quarterly := mustParse(t, 0, "*/15 * * * *", "Europe/Berlin")
	assertTicks(t, quarterly, utc(t, "2026-03-29 00:40"),
		utc(t, "2026-03-29 00:45"), // 01:45 CET
		utc(t, "2026-03-29 01:00"), // 03:00 CEST
		utc(t, "2026-03-29 01:15"),
	)
}

func TestWildcardMatchesTheWallClockOfEveryInstant(t *testing.T) {
	// Brute force over every minute of 2026 in Berlin: a wildcard schedule
	// fires exactly at the instants whose wall clock matches.
	berlin := mustZone(t, "Europe/Berlin")
	s := mustParse(t, 0, "*/20 */2 * * *", "Europe/Berlin")
	start := utc(t, "2026-01-01 00:00")
	var want []time.Time
	for at := start.Add(time.Minute); at.Year() == 2026; at = at.Add(time.Minute) {
		local := at.In(berlin)
		if local.Minute()%20 == 0 && local.Hour()%2 == 0 {
			want = append(want, at)
		}
	}
	got := ticks(s, start, len(want))
	for i := range want {
		if !got[i].Equal(want[i]) {
			t.Fatalf("tick %d = %v, brute force says %v", i, got[i].UTC(), want[i])
		}
	}
}

func TestMidnightThatDoesNotExist(t *testing.T) {
	// Cuba springs forward at midnight: 2026-03-08 00:00 CST becomes 01:00
	// CDT. @daily fires at 01:00 CDT that day, 24h after the day before.
	s := mustParse(t, 0, "@daily", "America/Havana")
	assertTicks(t, s, utc(t, "2026-03-06 12:00"),
		utc(t, "2026-03-07 05:00"), // 00:00 CST
		utc(t, "2026-03-08 05:00"), // 01:00 CDT
		utc(t, "2026-03-09 04:00"), // 00:00 CDT
	)
}

func TestSkippedDayFiresOnce(t *testing.T) {
	// Samoa skipped 2011-12-30 entirely (from -10 to +14). The noon of the
	// missing day, shifted by the gap, is the same instant as the next noon:
	// one tick, and no day without one.
	s := mustParse(t, 0, "0 12 * * *", "Pacific/Apia")
	assertTicks(t, s, utc(t, "2011-12-29 00:00"),
		utc(t, "2011-12-29 22:00"), // Dec 29 12:00 -10
		utc(t, "2011-12-30 22:00"), // Dec 31 12:00 +14
		utc(t, "2011-12-31 22:00"), // Jan 1 12:00 +14
	)
}

func TestNextIsStrictlyAfter(t *testing.T) {
	s := mustParse(t, 0, "0 * * * *", "")
	at := utc(t, "2026-06-10 10:00")
	if got := s.Next(at); !got.Equal(at.Add(time.Hour)) {
		t.Errorf("Next(a due time) = %v, want the one after, %v", got, at.Add(time.Hour))
	}
	if got := s.Next(at.Add(-time.Nanosecond)); !got.Equal(at) {
		t.Errorf("Next(just before) = %v, want %v", got, at)
	}
}

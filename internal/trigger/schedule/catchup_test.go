package schedule

import (
	"testing"
	"time"
)

func TestEveryIsAnchoredToThePreviousDueTime(t *testing.T) {
	s := mustParse(t, 90*time.Minute, "", "")
	due := utc(t, "2026-06-10 10:07").Add(13 * time.Second)
	want := due.Add(90 * time.Minute)
	if got := s.Next(due); !got.Equal(want) {
		t.Errorf("Next = %v, want %v (not rounded to the clock)", got, want)
	}
	// Fired a little late: still anchored to the due time, no drift.
	if got := s.After(due, due.Add(3*time.Second)); !got.Equal(want) {
		t.Errorf("After(due, due+3s) = %v, want %v", got, want)
	}
}

func TestAfterWithoutDowntimeIsNext(t *testing.T) {
	s := mustParse(t, 0, "30 2 * * *", "Europe/Berlin")
	due := utc(t, "2026-06-10 00:30") // 02:30 CEST
	for _, now := range []time.Time{due, due.Add(time.Minute), due.Add(23*time.Hour + 59*time.Minute)} {
		if got, want := s.After(due, now), utc(t, "2026-06-11 00:30"); !got.Equal(want) {
			t.Errorf("After(due, %v) = %v, want %v", now, got.UTC(), want)
		}
	}
}

func TestEverySecondAfterThirtyDaysDownGivesOneCatchUp(t *testing.T) {
	s := mustParse(t, time.Second, "", "")
	due := utc(t, "2026-06-01 00:00")
	now := due.Add(30*24*time.Hour + 400*time.Millisecond)

	catchUp := s.After(due, now)
	if want := due.Add(30 * 24 * time.Hour); !catchUp.Equal(want) {
		t.Fatalf("catch-up = %v, want the latest missed tick %v", catchUp, want)
	}
	if catchUp.After(now) {
		t.Fatalf("catch-up %v is not due yet at %v", catchUp, now)
	}
	// Once it has fired (the clock has barely moved), the schedule is back
	// on track: the next tick is in the future, so no second catch-up.
	if next := s.After(catchUp, now); !next.Equal(catchUp.Add(time.Second)) || !next.After(now) {
		t.Errorf("after the catch-up: %v, want %v (in the future)", next, catchUp.Add(time.Second))
	}
}

func TestEveryCatchUpAfterMillenniaIsArithmetic(t *testing.T) {
	// A clock set 7,000 years ahead: 2.2e11 missed 1s ticks. Counting them
	// one by one would not finish within the test timeout, so finishing at
	// all shows the work does not grow with the ticks missed. The span is
	// also more than time.Duration holds (292 years).
	s := mustParse(t, time.Second, "", "")
	due := utc(t, "2026-06-01 00:00")
	now := utc(t, "9026-06-01 00:00").Add(1500 * time.Millisecond)
	if got, want := s.After(due, now), now.Add(-500*time.Millisecond); !got.Equal(want) {
		t.Errorf("catch-up = %v, want %v", got, want)
	}
	// Not a whole number of seconds: the tick grid stays anchored to due.
	s = mustParse(t, 7*time.Second, "", "")
	got := s.After(due, now)
	// Unix seconds, since the span overflows time.Duration.
	if got.After(now) || now.Unix()-got.Unix() >= 7 || (got.Unix()-due.Unix())%7 != 0 || got.Nanosecond() != 0 {
		t.Errorf("7s catch-up = %v: want the last 7s tick from %v at or before %v", got, due, now)
	}
}

func TestCronCatchUpIsTheLatestMissedTick(t *testing.T) {
	s := mustParse(t, 0, "30 2 * * *", "Europe/Berlin")
	due := utc(t, "2026-03-20 01:30")    // 02:30 CET
	now := utc(t, "2026-04-02 09:00")    // down for 13 days, across the DST change
	latest := utc(t, "2026-04-02 00:30") // 02:30 CEST today
	catchUp := s.After(due, now)
	if !catchUp.Equal(latest) {
		t.Fatalf("catch-up = %v, want %v", catchUp.UTC(), latest)
	}
	if next, want := s.After(catchUp, now.Add(time.Second)), utc(t, "2026-04-03 00:30"); !next.Equal(want) {
		t.Errorf("after the catch-up: %v, want %v", next.UTC(), want)
	}
}

func TestCronCatchUpAfterLongDowntimeIsBounded(t *testing.T) {
	// Every minute, down for five years (2.6 million missed ticks), then a
	// clock set 7,000 years ahead (3.7e9): the search looks back from now in
	// widening windows, so it walks a tick or two, not all the missed ones,
	// which would not finish within the test timeout.
	s := mustParse(t, 0, "* * * * *", "America/New_York")
	due := utc(t, "2021-06-01 00:00")
	now := utc(t, "2026-06-01 12:34").Add(56 * time.Second)
	if got, want := s.After(due, now), utc(t, "2026-06-01 12:34"); !got.Equal(want) {
		t.Errorf("catch-up = %v, want %v", got.UTC(), want)
	}
	now = utc(t, "9026-06-01 12:34").Add(56 * time.Second)
	if got, want := s.After(due, now), utc(t, "9026-06-01 12:34"); !got.Equal(want) {
		t.Errorf("catch-up = %v, want %v", got.UTC(), want)
	}
	// A sparse schedule whose last tick is years back: Feb 29 only.
	leap := mustParse(t, 0, "0 12 29 2 *", "")
	if got, want := leap.After(utc(t, "2012-02-29 12:00"), utc(t, "2026-06-01 00:00")), utc(t, "2024-02-29 12:00"); !got.Equal(want) {
		t.Errorf("leap-day catch-up = %v, want %v", got.UTC(), want)
	}
}

func TestCatchUpIsOneTickNotOnePerMissedTick(t *testing.T) {
	// Simulate the machinery: fire whatever is due at the moment patchbay
	// comes back, store After, repeat while due. Exactly one tick fires.
	s := mustParse(t, 0, "*/5 * * * *", "Europe/Berlin")
	due := utc(t, "2026-10-24 22:00")
	now := utc(t, "2026-10-25 07:03") // down overnight, across the fall-back
	fired := 0
	for !due.After(now) {
		fired++
		due = s.After(due, now)
	}
	// The first loop turn is the tick that was due when we went down; the
	// second is the one catch-up.
	if fired != 2 {
		t.Errorf("fired %d ticks on coming back, want the pending one plus one catch-up", fired)
	}
	if want := utc(t, "2026-10-25 07:05"); !due.Equal(want) {
		t.Errorf("next due %v, want %v", due.UTC(), want)
	}
}

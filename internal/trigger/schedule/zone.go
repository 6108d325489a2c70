package schedule

import "time"

// searchLimit bounds how far ahead Next looks. Parse rejects expressions that
// never fire, and any that fires does so at least every eight years.
const searchLimit = 10 * 366 * 24 * time.Hour

// zoneSpan is a stretch of time [start, end) during which the zone keeps one
// UTC offset; wall = instant + offset inside it. A zero start or end means
// the span is unbounded on that side (UTC has one span).
type zoneSpan struct {
	start, end time.Time
	offset     time.Duration
	// prevOffset is the offset of the span before (offset if none): a
	// higher offset now means the wall times in between were skipped, a
	// lower one means they are happening a second time.
	prevOffset time.Duration
}

func spanAt(instant time.Time, loc *time.Location) zoneSpan {
	local := instant.In(loc)
	start, end := local.ZoneBounds()
	_, offset := local.Zone()
	span := zoneSpan{start: start, end: end, offset: seconds(offset), prevOffset: seconds(offset)}
	if !start.IsZero() {
		_, prev := start.Add(-time.Nanosecond).In(loc).Zone()
		span.prevOffset = seconds(prev)
	}
	return span
}

func seconds(n int) time.Duration { return time.Duration(n) * time.Second }

// wallOf is the wall-clock time of instant under offset, carried in UTC.
func wallOf(instant time.Time, offset time.Duration) time.Time {
	return instant.UTC().Add(offset)
}

// nextCron walks the zone's spans from t's onwards and returns the first
// firing strictly after t.
func (s *Schedule) nextCron(t time.Time) time.Time {
	limit := t.Add(searchLimit)
	for span := spanAt(t, s.loc); ; span = spanAt(span.end, s.loc) {
		if at, ok := s.firstInSpan(span, t, limit); ok {
			return at.In(s.loc)
		}
		if span.end.IsZero() || span.end.After(limit) {
			return time.Time{}
		}
	}
}

// firstInSpan is the earliest firing after t whose instant lies in span,
// under the DST rules of doc.go.
func (s *Schedule) firstInSpan(span zoneSpan, t, limit time.Time) (time.Time, bool) {
	// Walls this span shows, from just after t to the span's end.
	from := wallOf(t, span.offset).Add(time.Nanosecond)
	until := wallOf(limit, span.offset)
	if !span.end.IsZero() {
		until = wallOf(span.end, span.offset)
	}
	if !span.start.IsZero() {
		firstWall := wallOf(span.start, span.offset)
		if !s.cron.wildcard && span.prevOffset > span.offset {
			// Fall back: walls up to the previous span's last one already
			// happened there; a fixed-time schedule fired at them then.
			firstWall = wallOf(span.start, span.prevOffset)
		}
		from = later(from, firstWall)
	}
	best, found := time.Time{}, false
	if wall, ok := s.cron.nextWall(from, until); ok {
		best, found = wall.Add(-span.offset), true
	}
	if s.cron.wildcard || span.start.IsZero() || span.prevOffset >= span.offset {
		return best, found
	}
	// Spring forward: the walls [start+prevOffset, start+offset) never
	// showed. A fixed-time schedule fires at them read with the offset
	// before the gap (RFC 5545 §3.3.5), i.e. shifted forward by the gap.
	gapFrom := later(wallOf(t, span.prevOffset).Add(time.Nanosecond), wallOf(span.start, span.prevOffset))
	if wall, ok := s.cron.nextWall(gapFrom, wallOf(span.start, span.offset)); ok {
		shifted := wall.Add(-span.prevOffset)
		if !found || shifted.Before(best) {
			best, found = shifted, true
		}
	}
	return best, found
}

func later(a, b time.Time) time.Time {
	if a.After(b) {
		return a
	}
	return b
}

// lookbacks are the windows, before now, searched for the latest missed
// tick, smallest first: the first window holding a tick bounds the walk
// through it, so a dense schedule does not walk a year of ticks.
var lookbacks = []time.Duration{
	2 * time.Minute, 2 * time.Hour, 2 * 24 * time.Hour, 32 * 24 * time.Hour,
	367 * 24 * time.Hour, 9 * 366 * 24 * time.Hour,
}

// latestCronBetween is the latest firing in [first, now], given that first
// is a firing at or before now.
func (s *Schedule) latestCronBetween(first, now time.Time) time.Time {
	at := first
	for _, back := range lookbacks {
		if candidate := s.Next(now.Add(-back)); !candidate.IsZero() && !candidate.After(now) {
			if candidate.After(at) {
				at = candidate
			}
			break
		}
	}
	for {
		next := s.Next(at)
		if next.IsZero() || next.After(now) {
			return at
		}
		at = next
	}
}

package schedule

import (
	"fmt"
	"strings"
	"time"

	"github.com/robfig/cron/v3"
)

// cronSpec is a parsed 5-field cron expression. robfig/cron parses the
// fields into bit sets; matching and searching are done here (see doc.go for
// why its own Next is not used).
type cronSpec struct {
	text string // the expression as written, spaces normalized
	bits *cron.SpecSchedule
	// Restricted day fields (not starting with "*") combine with OR, as
	// crontab(5) says; robfig/cron would treat "*/2" as restricted.
	domRestricted, dowRestricted bool
	// wildcard: the minute or hour field starts with "*", so the schedule
	// follows elapsed time across DST changes (cron(8)'s rule).
	wildcard bool
}

var fieldNames = [5]string{"minute", "hour", "day-of-month", "month", "day-of-week"}

// descriptors are expanded here rather than by robfig/cron so that every
// schedule has five fields to classify (wildcard, restricted days).
var descriptors = map[string]string{
	"@yearly":   "0 0 1 1 *",
	"@annually": "0 0 1 1 *",
	"@monthly":  "0 0 1 * *",
	"@weekly":   "0 0 * * 0",
	"@daily":    "0 0 * * *",
	"@midnight": "0 0 * * *",
	"@hourly":   "0 * * * *",
}

var fieldParser = cron.NewParser(cron.Minute | cron.Hour | cron.Dom | cron.Month | cron.Dow)

// parseCron parses an expression; its errors name the field and value at
// fault but not the document path, which the caller adds.
func parseCron(expr string) (*cronSpec, error) {
	text := strings.Join(strings.Fields(expr), " ")
	// robfig/cron would read a "TZ=" prefix itself (and panic on "TZ=UTC");
	// the zone has its own field.
	if strings.HasPrefix(text, "TZ=") || strings.HasPrefix(text, "CRON_TZ=") {
		return nil, fmt.Errorf("put the time zone in trigger.timezone, not in the expression")
	}
	fields := strings.Fields(text)
	if strings.HasPrefix(text, "@") {
		expanded, ok := descriptors[text]
		switch {
		case strings.HasPrefix(text, "@every"):
			return nil, fmt.Errorf("%q is not a cron expression: use trigger.every for intervals", text)
		case !ok:
			return nil, fmt.Errorf("unknown descriptor %q (want @hourly, @daily, @weekly, @monthly or @yearly)", text)
		}
		fields = strings.Fields(expanded)
	}
	if len(fields) != 5 {
		return nil, fmt.Errorf("want 5 fields (minute hour day-of-month month day-of-week), found %d in %q", len(fields), text)
	}
	parsed, err := fieldParser.Parse(strings.Join(fields, " "))
	if err != nil {
		return nil, fieldParseError(fields, err)
	}
	spec := &cronSpec{
		text:          text,
		bits:          parsed.(*cron.SpecSchedule),
		domRestricted: !isWildcard(fields[2]),
		dowRestricted: !isWildcard(fields[4]),
		wildcard:      isWildcard(fields[0]) || isWildcard(fields[1]),
	}
	if !spec.firesAtAll() {
		return nil, fmt.Errorf("%q never fires: no date has day-of-month %q in month %q", text, fields[2], fields[3])
	}
	return spec, nil
}

// fieldParseError names the field robfig/cron rejected: its messages give
// the value but not which of the five fields held it. Each field is parsed
// alone (the others "*") to find the culprit.
func fieldParseError(fields []string, err error) error {
	for i, field := range fields {
		probe := []string{"*", "*", "*", "*", "*"}
		probe[i] = field
		if _, probeErr := fieldParser.Parse(strings.Join(probe, " ")); probeErr != nil {
			return fmt.Errorf("%s field %q: %v", fieldNames[i], field, probeErr)
		}
	}
	return err
}

func isWildcard(field string) bool {
	return strings.HasPrefix(field, "*") || strings.HasPrefix(field, "?")
}

// firesAtAll rules out expressions such as "0 0 30 2 *". Any date that
// exists at all recurs within 2000–2008 (February 29 included), so an empty
// search of those years means never.
func (c *cronSpec) firesAtAll() bool {
	from := time.Date(2000, 1, 1, 0, 0, 0, 0, time.UTC)
	_, ok := c.nextWall(from, from.AddDate(9, 0, 0))
	return ok
}

func (c *cronSpec) dayMatches(wall time.Time) bool {
	dom := c.bits.Dom&(1<<uint(wall.Day())) != 0
	dow := c.bits.Dow&(1<<uint(wall.Weekday())) != 0
	if c.domRestricted && c.dowRestricted {
		return dom || dow
	}
	return dom && dow
}

// nextWall is the first matching wall-clock time at or after from and before
// until. Wall times are plain calendar times carried in UTC, so the
// arithmetic here never meets a DST change; zone.go maps them to instants.
func (c *cronSpec) nextWall(from, until time.Time) (time.Time, bool) {
	wall := from.Truncate(time.Minute)
	if wall.Before(from) {
		wall = wall.Add(time.Minute)
	}
	for wall.Before(until) {
		switch {
		case c.bits.Month&(1<<uint(wall.Month())) == 0:
			wall = time.Date(wall.Year(), wall.Month()+1, 1, 0, 0, 0, 0, time.UTC)
		case !c.dayMatches(wall):
			wall = time.Date(wall.Year(), wall.Month(), wall.Day()+1, 0, 0, 0, 0, time.UTC)
		case c.bits.Hour&(1<<uint(wall.Hour())) == 0:
			wall = wall.Truncate(time.Hour).Add(time.Hour)
		case c.bits.Minute&(1<<uint(wall.Minute())) == 0:
			wall = wall.Add(time.Minute)
		default:
			return wall, true
		}
	}
	return time.Time{}, false
}

package schedule

import (
	"errors"
	"strings"
	"testing"
	"time"
)

func TestParseErrorsNameTheField(t *testing.T) {
	cases := []struct {
		name     string
		every    time.Duration
		cron     string
		timezone string
		path     string
		want     string // the whole message
	}{
		{"both", time.Hour, "0 * * * *", "", "trigger", "trigger: give every or cron, not both"},
		{"neither", 0, "", "", "trigger", "trigger: a schedule trigger needs every or cron"},
		{"blank cron is no cron", 0, "   ", "", "trigger", "trigger: a schedule trigger needs every or cron"},
		{"every too short", 500 * time.Millisecond, "", "", "trigger.every", "trigger.every: must be at least 1s"},
		{"every negative", -time.Minute, "", "", "trigger.every", "trigger.every: must be at least 1s"},
		{"unknown zone", time.Hour, "", "Mars/Base", "trigger.timezone", `trigger.timezone: unknown time zone "Mars/Base"`},
		{"zone path escape", 0, "@daily", "../../etc/passwd", "trigger.timezone", `trigger.timezone: unknown time zone "../../etc/passwd"`},
		{"server local zone", 0, "@daily", "Local", "trigger.timezone", `trigger.timezone: "Local" is not an IANA time zone name (such as "Europe/Berlin")`},
		{"too few fields", 0, "* * *", "", "trigger.cron", `trigger.cron: want 5 fields (minute hour day-of-month month day-of-week), found 3 in "* * *"`},
		{"seconds field", 0, "0 30 2 * * *", "", "trigger.cron", `trigger.cron: want 5 fields (minute hour day-of-month month day-of-week), found 6 in "0 30 2 * * *"`},
		{"minute out of range", 0, "60 * * * *", "", "trigger.cron", `trigger.cron: minute field "60": end of range (60) above maximum (59): 60`},
		{"hour not a number", 0, "0 x * * *", "", "trigger.cron", `trigger.cron: hour field "x": failed to parse int from x: strconv.Atoi: parsing "x": invalid syntax`},
		{"day-of-month zero", 0, "0 0 0 * *", "", "trigger.cron", `trigger.cron: day-of-month field "0": beginning of range (0) below minimum (1): 0`},
		{"bad month name", 0, "0 0 1 foo *", "", "trigger.cron", `trigger.cron: month field "foo": failed to parse int from foo: strconv.Atoi: parsing "foo": invalid syntax`},
		{"day-of-week 7", 0, "0 0 * * 7", "", "trigger.cron", `trigger.cron: day-of-week field "7": end of range (7) above maximum (6): 7`},
		{"never fires", 0, "0 0 30 2 *", "", "trigger.cron", `trigger.cron: "0 0 30 2 *" never fires: no date has day-of-month "30" in month "2"`},
		{"unknown descriptor", 0, "@fortnightly", "", "trigger.cron", `trigger.cron: unknown descriptor "@fortnightly" (want @hourly, @daily, @weekly, @monthly or @yearly)`},
		{"@every belongs in every", 0, "@every 5m", "", "trigger.cron", `trigger.cron: "@every 5m" is not a cron expression: use trigger.every for intervals`},
		// robfig/cron panics on this one; the zone has its own field.
		{"zone in expression", 0, "TZ=UTC", "", "trigger.cron", "trigger.cron: put the time zone in trigger.timezone, not in the expression"},
		{"cron zone in expression", 0, "CRON_TZ=Europe/Berlin 0 9 * * *", "", "trigger.cron", "trigger.cron: put the time zone in trigger.timezone, not in the expression"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			s, err := Parse(tc.every, tc.cron, tc.timezone)
			if err == nil {
				t.Fatalf("Parse accepted it: %v", s)
			}
			if err.Error() != tc.want {
				t.Errorf("error\n got %q\nwant %q", err.Error(), tc.want)
			}
			var fe *FieldError
			if !errors.As(err, &fe) || fe.Path != tc.path {
				t.Errorf("error %#v: want a *FieldError with path %q", err, tc.path)
			}
		})
	}
}

func TestParseAcceptsAndDescribes(t *testing.T) {
	cases := []struct {
		every    time.Duration
		cron     string
		timezone string
		want     string
	}{
		{time.Hour, "", "", "every 1h0m0s"},
		{time.Second, "", "", "every 1s"},
		{90 * time.Second, "", "Europe/Berlin", "every 1m30s"}, // a zone is valid but moot for every
		{0, "30 2 * * *", "Europe/Berlin", "cron 30 2 * * * in Europe/Berlin"},
		{0, "  30   2 * *  * ", "", "cron 30 2 * * * in UTC"},
		{0, "*/15 9-17 * jan-mar mon-fri", "America/New_York", "cron */15 9-17 * jan-mar mon-fri in America/New_York"},
		{0, "@daily", "UTC", "cron @daily in UTC"},
		{0, "0 0 29 2 *", "", "cron 0 0 29 2 * in UTC"}, // fires in leap years only
	}
	for _, tc := range cases {
		s, err := Parse(tc.every, tc.cron, tc.timezone)
		if err != nil {
			t.Errorf("Parse(%v, %q, %q): %v", tc.every, tc.cron, tc.timezone, err)
			continue
		}
		if got := s.String(); got != tc.want {
			t.Errorf("String() = %q, want %q", got, tc.want)
		}
	}
}

func TestDescriptors(t *testing.T) {
	// 2026-06-10 is a Wednesday.
	from := time.Date(2026, 6, 10, 10, 20, 0, 0, time.UTC)
	cases := map[string]time.Time{
		"@hourly":   time.Date(2026, 6, 10, 11, 0, 0, 0, time.UTC),
		"@daily":    time.Date(2026, 6, 11, 0, 0, 0, 0, time.UTC),
		"@midnight": time.Date(2026, 6, 11, 0, 0, 0, 0, time.UTC),
		"@weekly":   time.Date(2026, 6, 14, 0, 0, 0, 0, time.UTC), // Sunday
		"@monthly":  time.Date(2026, 7, 1, 0, 0, 0, 0, time.UTC),
		"@yearly":   time.Date(2027, 1, 1, 0, 0, 0, 0, time.UTC),
		"@annually": time.Date(2027, 1, 1, 0, 0, 0, 0, time.UTC),
	}
	for expr, want := range cases {
		s := mustParse(t, 0, expr, "")
		if got := s.Next(from); !got.Equal(want) {
			t.Errorf("%s: Next(%v) = %v, want %v", expr, from, got, want)
		}
	}
}

func TestRestrictedDayFieldsCombineWithOr(t *testing.T) {
	// crontab(5): both day fields restricted means either matches. From
	// Wednesday 2026-06-10: the 15th (a Monday) and Friday the 12th.
	s := mustParse(t, 0, "0 0 15 * fri", "")
	got := s.Next(time.Date(2026, 6, 10, 0, 0, 0, 0, time.UTC))
	if want := time.Date(2026, 6, 12, 0, 0, 0, 0, time.UTC); !got.Equal(want) {
		t.Errorf("Next = %v, want Friday %v", got, want)
	}
	// "*/2" starts with "*", so it is not a restriction: odd days AND Fridays
	// (robfig/cron's own matcher would take odd days OR Fridays: the 11th).
	s = mustParse(t, 0, "0 0 */2 * fri", "")
	got = s.Next(time.Date(2026, 6, 10, 0, 0, 0, 0, time.UTC))
	if want := time.Date(2026, 6, 19, 0, 0, 0, 0, time.UTC); !got.Equal(want) {
		t.Errorf("Next = %v, want odd-day Friday %v", got, want)
	}
}

func mustParse(t *testing.T, every time.Duration, cronExpr, timezone string) *Schedule {
	t.Helper()
	s, err := Parse(every, cronExpr, timezone)
	if err != nil {
		t.Fatalf("Parse(%v, %q, %q): %v", every, cronExpr, timezone, err)
	}
	return s
}

func mustZone(t *testing.T, name string) *time.Location {
	t.Helper()
	loc, err := time.LoadLocation(name)
	if err != nil {
		t.Fatal(err)
	}
	return loc
}

// utc is a terse instant for expectations: utc("2026-03-29 01:30").
func utc(t *testing.T, s string) time.Time {
	t.Helper()
	at, err := time.Parse("2006-01-02 15:04", strings.TrimSpace(s))
	if err != nil {
		t.Fatal(err)
	}
	return at
}

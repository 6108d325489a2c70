package recipe

import (
	"bytes"
	"fmt"
	"maps"
	"slices"
	"strings"
	"unicode/utf8"
)

// Bounds on a recipe document's size. The API caps a whole document at
// 4 MiB; these bound its parts, so that no one field or list can make
// validation, compiling or the editor slow. Real recipes are far below
// each of them.
const (
	// MaxNameChars bounds a recipe's name, a step's name and id, and the
	// connection a step or trigger names, in characters.
	MaxNameChars = 200
	// MaxSteps bounds the steps of one recipe. A job may run many more
	// step runs than this (retries), but the document lists each step.
	MaxSteps = 1000
	// MaxEntries bounds a step's or a trigger's headers, and its query.
	MaxEntries = 100
	// MaxExampleBytes bounds payload_example and response_example.
	MaxExampleBytes = 256 << 10
	// MaxBodyBytes bounds a step's body as written in the document.
	MaxBodyBytes = 256 << 10
	// MaxFieldBytes bounds every other text field: URLs, header and query
	// values and names, paths, cron, secrets.
	MaxFieldBytes = 8 << 10
	// MaxPills bounds the pills ("{{") of a whole document. Compiling a
	// formula takes tens to hundreds of microseconds; without this bound a
	// 4 MiB document of tiny formulas would take minutes to save.
	MaxPills = 2000
	// maxLimitProblems is how many size problems a 422 lists at most; a
	// document with 10,000 oversized fields gets a short answer.
	maxLimitProblems = 20
)

// limitProblems lists the fields of the document that are over a bound.
// Validate checks them first and stops there, so an oversized document is
// never compiled.
func (d *Document) limitProblems() []Problem {
	c := &limitCheck{}
	c.name("name", d.Name)
	t := &d.Trigger
	c.text("trigger.event", t.Event, MaxFieldBytes)
	c.text("trigger.payload_example", string(t.PayloadExample), MaxExampleBytes)
	c.text("trigger.response_example", string(t.ResponseExample), MaxExampleBytes)
	if v := t.Verify; v != nil {
		c.text("trigger.verify.secret", v.Secret, MaxFieldBytes)
		c.text("trigger.verify.header", v.Header, MaxFieldBytes)
		c.text("trigger.verify.username", v.Username, MaxFieldBytes)
		c.text("trigger.verify.password", v.Password, MaxFieldBytes)
	}
	c.name("trigger.connection", t.Connection)
	c.text("trigger.url", t.URL, MaxFieldBytes)
	c.entries("trigger.query", t.Query)
	c.entries("trigger.headers", t.Headers)
	for _, f := range []struct{ path, value string }{
		{"trigger.method", t.Method}, {"trigger.items_path", t.ItemsPath}, {"trigger.id_path", t.IDPath},
		{"trigger.cursor_path", t.CursorPath}, {"trigger.since", t.Since}, {"trigger.order", t.Order},
		{"trigger.response_type", t.ResponseType}, {"trigger.cron", t.Cron}, {"trigger.timezone", t.Timezone},
	} {
		c.text(f.path, f.value, MaxFieldBytes)
	}
	if p := t.Pagination; p != nil {
		for _, f := range []struct{ path, value string }{
			{"trigger.pagination.type", p.Type}, {"trigger.pagination.next_path", p.NextPath},
			{"trigger.pagination.token_path", p.TokenPath}, {"trigger.pagination.token_param", p.TokenParam},
			{"trigger.pagination.param", p.Param}, {"trigger.pagination.size_param", p.SizeParam},
		} {
			c.text(f.path, f.value, MaxFieldBytes)
		}
	}
	if len(d.Steps) > MaxSteps {
		c.add("steps", "has %d steps, more than the %d allowed", len(d.Steps), MaxSteps)
		return c.problems
	}
	if n := d.pillCount(); n > MaxPills {
		c.add("", "has %d pills ({{), more than the %d a recipe may hold", n, MaxPills)
	}
	for i := range d.Steps {
		s := &d.Steps[i]
		p := fmt.Sprintf("steps[%d]", i)
		c.name(p+".id", s.ID)
		c.name(p+".name", s.Name)
		c.name(p+".connection", s.Connection)
		c.text(p+".action", s.Action, MaxFieldBytes)
		c.text(p+".method", s.Method, MaxFieldBytes)
		c.text(p+".url", s.URL, MaxFieldBytes)
		c.entries(p+".query", s.Query)
		c.entries(p+".headers", s.Headers)
		c.text(p+".body_type", s.BodyType, MaxFieldBytes)
		c.text(p+".body", string(s.Body), MaxBodyBytes)
		c.text(p+".response_type", s.ResponseType, MaxFieldBytes)
		c.text(p+".response_example", string(s.ResponseExample), MaxExampleBytes)
	}
	return c.problems
}

// limitCheck collects size problems, at most maxLimitProblems of them.
type limitCheck struct {
	problems []Problem
	more     int // problems found after the list was full
}

func (c *limitCheck) add(path, format string, args ...any) {
	if len(c.problems) == maxLimitProblems {
		// The last entry becomes a count of itself and those after it.
		c.more++
		last := &c.problems[len(c.problems)-1]
		last.Message = fmt.Sprintf("and %d more fields over their size limits", c.more+1)
		return
	}
	c.problems = append(c.problems, Problem{Path: path, Message: fmt.Sprintf(format, args...)})
}

func (c *limitCheck) name(path, s string) {
	// Counting runes costs a pass, so a name far past the bound in bytes
	// is refused by its bytes alone.
	if len(s) > MaxNameChars && (len(s) > utf8.UTFMax*MaxNameChars || utf8.RuneCountInString(s) > MaxNameChars) {
		c.add(path, "is longer than %d characters", MaxNameChars)
	}
}

func (c *limitCheck) text(path, s string, max int) {
	if len(s) > max {
		c.add(path, "is %d bytes, more than the %d allowed", len(s), max)
	}
}

// entries checks a header or query map: the number of entries, and each
// name and value.
func (c *limitCheck) entries(path string, m map[string]string) {
	if len(m) > MaxEntries {
		c.add(path, "has %d entries, more than the %d allowed", len(m), MaxEntries)
		return
	}
	for _, k := range slices.Sorted(maps.Keys(m)) {
		if len(k) > MaxFieldBytes {
			c.add(path, "a name is %d bytes, more than the %d allowed", len(k), MaxFieldBytes)
			continue
		}
		c.text(path+"."+k, m[k], MaxFieldBytes)
	}
}

// pillCount counts the "{{" of every field that may hold pills: an upper
// bound of the pills compiled when the document is saved or loaded.
func (d *Document) pillCount() int {
	n := strings.Count(d.Trigger.URL, "{{") + valuesPills(d.Trigger.Query) + valuesPills(d.Trigger.Headers)
	for i := range d.Steps {
		s := &d.Steps[i]
		n += strings.Count(s.URL, "{{") + valuesPills(s.Query) + valuesPills(s.Headers) + bytes.Count(s.Body, []byte("{{"))
	}
	return n
}

func valuesPills(m map[string]string) int {
	n := 0
	for _, v := range m {
		n += strings.Count(v, "{{")
	}
	return n
}

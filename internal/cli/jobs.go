package cli

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"maps"
	"net/url"
	"slices"
	"strings"
	"text/tabwriter"
	"time"

	"github.com/patchbay/patchbay/internal/apiview"
	"github.com/patchbay/patchbay/internal/client"
)

const (
	jobsUsage      = "patchbay jobs list RECIPE [--status S] [--limit N] [--all] | patchbay jobs show ID [-o json|text] | patchbay jobs rerun ID"
	jobsListUsage  = "patchbay jobs list RECIPE [--status S] [--limit N] [--all] [--server URL] [--token TOKEN]"
	jobsShowUsage  = "patchbay jobs show ID [-o json|text] [--server URL] [--token TOKEN]"
	jobsRerunUsage = "patchbay jobs rerun ID [--server URL] [--token TOKEN]"
)

// runJobs runs `patchbay jobs ...`; args are what follows "jobs".
func runJobs(ctx context.Context, args []string, stdout, stderr io.Writer, getenv func(string) string) error {
	getenv = envOrEmpty(getenv)
	if len(args) == 0 {
		return errUsage("jobs: missing subcommand\nusage: %s", jobsUsage)
	}
	switch args[0] {
	case "list":
		return jobsList(ctx, args[1:], stdout, stderr, getenv)
	case "show":
		return jobsShow(ctx, args[1:], stdout, stderr, getenv)
	case "rerun":
		return jobsRerun(ctx, args[1:], stdout, stderr, getenv)
	case "help", "-h", "-help", "--help":
		fmt.Fprintf(stdout, "usage: %s\n", jobsUsage)
		return nil
	default:
		return errUsage("jobs: unknown subcommand %q\nusage: %s", args[0], jobsUsage)
	}
}

// jobsList prints a recipe's jobs, newest first. With --all it follows the
// server's cursors to the end, and --limit then sets the page size.
func jobsList(ctx context.Context, args []string, stdout, stderr io.Writer, getenv func(string) string) error {
	cmd := newAPICommand("jobs list", jobsListUsage, getenv)
	status := cmd.flags.String("status", "", "only jobs with this status")
	limit := cmd.flags.Int("limit", 0, "jobs per page (server default if 0)")
	all := cmd.flags.Bool("all", false, "follow pages to list every job")
	recipeArg, done, err := cmd.parseOne(args, stdout, "recipe id or name")
	if err != nil || done {
		return err
	}
	if *limit < 0 {
		return errUsage("jobs list: --limit must not be negative")
	}
	c, err := cmd.client()
	if err != nil {
		return err
	}
	recipeID, err := resolveRecipe(ctx, c, recipeArg)
	if err != nil {
		return reportError(stderr, "jobs list", err)
	}

	var rows []apiview.JobSummary
	q := client.JobsQuery{Status: *status, Limit: *limit}
	// A server that hands back a cursor it already gave would make --all
	// loop forever; remembering them turns that into an error.
	seen := map[string]bool{}
	more := false
	for {
		page, err := c.RecipeJobs(ctx, recipeID, q)
		if err != nil {
			return reportError(stderr, "jobs list", err)
		}
		rows = append(rows, page.Jobs...)
		next := ""
		if page.NextCursor != nil {
			next = *page.NextCursor
		}
		if next == "" {
			break
		}
		if !*all {
			more = true
			break
		}
		if seen[next] {
			return fmt.Errorf("jobs list: server returned cursor %q twice; stopping", next)
		}
		seen[next] = true
		q.Cursor = next
	}

	tw := tabwriter.NewWriter(stdout, 0, 4, 2, ' ', 0)
	fmt.Fprintln(tw, "ID\tSTATUS\tCREATED\tFINISHED")
	for _, j := range rows {
		finished := "-"
		if j.FinishedAt != nil {
			finished = j.FinishedAt.Format(time.RFC3339Nano)
		}
		fmt.Fprintf(tw, "%s\t%s\t%s\t%s\n", j.ID, j.Status, j.CreatedAt.Format(time.RFC3339Nano), finished)
	}
	if err := tw.Flush(); err != nil {
		return err
	}
	if more {
		// On stderr so that the table on stdout stays machine-readable.
		fmt.Fprintln(stderr, "more jobs exist: pass --all to list them all")
	}
	return nil
}

// jobsShow prints one job: the document as the server sent it, or a
// summary meant for reading a failed run in a terminal.
func jobsShow(ctx context.Context, args []string, stdout, stderr io.Writer, getenv func(string) string) error {
	cmd := newAPICommand("jobs show", jobsShowUsage, getenv)
	format := cmd.flags.String("o", "json", "output format: json or text")
	jobID, done, err := cmd.parseOne(args, stdout, "job ID")
	if err != nil || done {
		return err
	}
	if *format != "json" && *format != "text" {
		return errUsage("jobs show: -o must be json or text, not %q", *format)
	}
	c, err := cmd.client()
	if err != nil {
		return err
	}
	var raw json.RawMessage
	if err := c.Do(ctx, "GET", "/api/v1/jobs/"+url.PathEscape(jobID), nil, &raw); err != nil {
		return reportError(stderr, "jobs show", err)
	}
	if *format == "json" {
		var b bytes.Buffer
		if err := json.Indent(&b, raw, "", "  "); err != nil {
			return fmt.Errorf("jobs show: unexpected answer from server: %w", err)
		}
		b.WriteByte('\n')
		_, err := stdout.Write(b.Bytes())
		return err
	}
	var job jobDoc
	if err := json.Unmarshal(raw, &job); err != nil {
		return fmt.Errorf("jobs show: unexpected answer from server: %w", err)
	}
	var b bytes.Buffer
	writeJobText(&b, &job)
	_, err = stdout.Write(b.Bytes())
	return err
}

// jobsRerun starts a new job with the same trigger output as an old one.
func jobsRerun(ctx context.Context, args []string, stdout, stderr io.Writer, getenv func(string) string) error {
	cmd := newAPICommand("jobs rerun", jobsRerunUsage, getenv)
	jobID, done, err := cmd.parseOne(args, stdout, "job ID")
	if err != nil || done {
		return err
	}
	c, err := cmd.client()
	if err != nil {
		return err
	}
	job, err := c.RerunJob(ctx, jobID)
	if err != nil {
		return reportError(stderr, "jobs rerun", err)
	}
	fmt.Fprintf(stdout, "rerun of %s: job %s (%s)\n", jobID, job.ID, job.Status)
	return nil
}

// jobDoc is the part of a job document the text view shows. Step inputs
// and outputs stay raw: their shape depends on the step's action, and the
// text view only picks out the HTTP fields when they are there.
type jobDoc struct {
	ID         string          `json:"id"`
	RecipeID   string          `json:"recipe_id"`
	Status     string          `json:"status"`
	CreatedAt  string          `json:"created_at"`
	StartedAt  string          `json:"started_at"`
	FinishedAt string          `json:"finished_at"`
	Error      json.RawMessage `json:"error"`
	Trigger    struct {
		Output json.RawMessage `json:"output"`
	} `json:"trigger"`
	Steps []stepDoc `json:"steps"`
}

type stepDoc struct {
	ID         string          `json:"id"`
	Status     string          `json:"status"`
	Attempts   json.Number     `json:"attempts"`
	Input      json.RawMessage `json:"input"`
	Output     json.RawMessage `json:"output"`
	Error      json.RawMessage `json:"error"`
	DurationMS json.Number     `json:"duration_ms"`
}

const textIndent = "    "

func writeJobText(w *bytes.Buffer, j *jobDoc) {
	fmt.Fprintf(w, "job %s  %s\n", j.ID, j.Status)
	field := func(label, value string) {
		if value != "" {
			fmt.Fprintf(w, "%-10s%s\n", label, value)
		}
	}
	field("recipe", j.RecipeID)
	field("created", j.CreatedAt)
	field("started", j.StartedAt)
	finished := j.FinishedAt
	if d, ok := elapsed(j.StartedAt, j.FinishedAt); ok && finished != "" {
		finished += "  (took " + d.String() + ")"
	}
	field("finished", finished)
	field("error", scalarText(j.Error))

	if present(j.Trigger.Output) {
		fmt.Fprintf(w, "\ntrigger output:\n%s", indentBlock(prettyValue(j.Trigger.Output), textIndent))
	}
	for _, s := range j.Steps {
		writeStepText(w, &s)
	}
}

func writeStepText(w *bytes.Buffer, s *stepDoc) {
	head := fmt.Sprintf("\nstep %s  %s", s.ID, s.Status)
	if s.Attempts != "" {
		head += "  attempts " + s.Attempts.String()
	}
	if ms, err := s.DurationMS.Float64(); err == nil {
		head += "  " + time.Duration(ms*float64(time.Millisecond)).String()
	}
	fmt.Fprintln(w, head)

	// Steps that are not HTTP calls have inputs and outputs of their own
	// shape; those are shown whole rather than not at all.
	in := objectMembers(s.Input)
	method, target := scalarText(in["method"]), scalarText(in["url"])
	headers := headerLines(in["headers"])
	shown := false
	if method != "" || target != "" {
		fmt.Fprintf(w, "  request   %s\n", strings.TrimSpace(method+" "+target))
		shown = true
	}
	if headers != "" {
		fmt.Fprintf(w, "  headers\n%s", indentBlock(headers, textIndent))
		shown = true
	}
	if present(in["body"]) {
		fmt.Fprintf(w, "  body\n%s", indentBlock(prettyValue(in["body"]), textIndent))
		shown = true
	}
	if !shown && present(s.Input) && string(bytes.TrimSpace(s.Input)) != "{}" {
		fmt.Fprintf(w, "  input\n%s", indentBlock(prettyValue(s.Input), textIndent))
	}

	out := objectMembers(s.Output)
	status := scalarText(out["status"])
	shown = false
	if status != "" {
		fmt.Fprintf(w, "  response  %s\n", status)
		shown = true
	}
	if present(out["body"]) {
		if !shown {
			fmt.Fprintln(w, "  response")
		}
		fmt.Fprint(w, indentBlock(prettyValue(out["body"]), textIndent))
		shown = true
	}
	if !shown && present(s.Output) && string(bytes.TrimSpace(s.Output)) != "{}" {
		fmt.Fprintf(w, "  output\n%s", indentBlock(prettyValue(s.Output), textIndent))
	}
	if e := scalarText(s.Error); e != "" {
		fmt.Fprintf(w, "  error     %s\n", e)
	}
}

// elapsed is the time between two server timestamps, if both parse.
func elapsed(from, to string) (time.Duration, bool) {
	a, err1 := time.Parse(time.RFC3339Nano, from)
	b, err2 := time.Parse(time.RFC3339Nano, to)
	if err1 != nil || err2 != nil {
		return 0, false
	}
	return b.Sub(a), true
}

func present(raw json.RawMessage) bool {
	t := bytes.TrimSpace(raw)
	return len(t) > 0 && string(t) != "null"
}

// objectMembers splits a JSON object into its members; nil if raw is not
// an object.
func objectMembers(raw json.RawMessage) map[string]json.RawMessage {
	if !present(raw) {
		return nil
	}
	var m map[string]json.RawMessage
	if json.Unmarshal(raw, &m) != nil {
		return nil
	}
	return m
}

// scalarText renders a JSON string without quotes and any other value as
// compact JSON; "" for absent or null.
func scalarText(raw json.RawMessage) string {
	if !present(raw) {
		return ""
	}
	var s string
	if json.Unmarshal(raw, &s) == nil {
		return s
	}
	var b bytes.Buffer
	if json.Compact(&b, raw) != nil {
		return string(raw)
	}
	return b.String()
}

// prettyValue renders a value for reading. Bodies are often JSON carried
// in a string (a raw request or response body), so a string that holds
// JSON is indented like JSON; other strings are shown as they are.
func prettyValue(raw json.RawMessage) string {
	var s string
	if json.Unmarshal(raw, &s) == nil {
		t := strings.TrimSpace(s)
		if len(t) > 0 && (t[0] == '{' || t[0] == '[') && json.Valid([]byte(t)) {
			raw = json.RawMessage(t)
		} else {
			return s
		}
	}
	var b bytes.Buffer
	if json.Indent(&b, bytes.TrimSpace(raw), "", "  ") != nil {
		return string(raw)
	}
	return b.String()
}

// headerLines renders headers as "Name: value" lines, sorted by name. A
// header may be a string or a list of strings.
func headerLines(raw json.RawMessage) string {
	m := objectMembers(raw)
	if len(m) == 0 {
		return ""
	}
	var b strings.Builder
	for _, k := range slices.Sorted(maps.Keys(m)) {
		var list []string
		if json.Unmarshal(m[k], &list) == nil {
			for _, v := range list {
				fmt.Fprintf(&b, "%s: %s\n", k, v)
			}
			continue
		}
		fmt.Fprintf(&b, "%s: %s\n", k, scalarText(m[k]))
	}
	return b.String()
}

// indentBlock prefixes every line of text and ends it with a newline.
func indentBlock(text, prefix string) string {
	text = strings.TrimRight(text, "\n")
	if text == "" {
		return ""
	}
	return prefix + strings.ReplaceAll(text, "\n", "\n"+prefix) + "\n"
}

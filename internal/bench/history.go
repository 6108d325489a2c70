package bench

import (
	"bytes"
	"context"
	"database/sql"
	"encoding/json"
	"fmt"
	"math/rand/v2"
	"net/http"
	"net/url"
	"slices"
	"strings"
	"time"

	"github.com/google/uuid"
)

// jobPage is the page size the history figures ask for.
const jobPage = 50

// historySample is a real job of the end-to-end run, copied (as stored)
// into every inserted row so that the history has the real row size.
type historySample struct {
	RecipeID string
	JobID    string
	Steps    []byte // the succeeded job's steps column
	Existing int64  // jobs the recipe already has
	Oldest   int64  // created_at (Unix µs) of the recipe's oldest job
}

// historyIDs are the ids the history measurements pick from.
type historyIDs struct {
	Jobs    []string // a spread sample of every job id inserted
	Cursors []string // failed job ids from the older half of the list: deep cursors
}

// readHistorySample picks the newest succeeded job of recipeID.
func readHistorySample(ctx context.Context, db *sql.DB, recipeID string) (historySample, error) {
	s := historySample{RecipeID: recipeID}
	err := db.QueryRowContext(ctx, `SELECT id, steps FROM jobs
		WHERE recipe_id = ? AND status = 'succeeded' ORDER BY id DESC LIMIT 1`, recipeID).
		Scan(&s.JobID, &s.Steps)
	if err != nil {
		return s, fmt.Errorf("read a succeeded job to copy: %w", err)
	}
	err = db.QueryRowContext(ctx, `SELECT COUNT(*), COALESCE(MIN(created_at), 0) FROM jobs WHERE recipe_id = ?`, recipeID).
		Scan(&s.Existing, &s.Oldest)
	if err != nil {
		return s, fmt.Errorf("count jobs: %w", err)
	}
	return s, nil
}

// failedSteps turns the sample's steps into those of a job whose step gave
// up after five 503 answers, as the runner would record it.
func failedSteps(steps []byte) ([]byte, string, error) {
	// A job with drift warnings stores {"steps": [...], "warnings": [...]};
	// the copies keep only the steps.
	var wrapped struct {
		Steps json.RawMessage `json:"steps"`
	}
	if json.Unmarshal(steps, &wrapped) == nil && len(wrapped.Steps) > 0 {
		steps = wrapped.Steps
	}
	var recs []map[string]any
	if err := json.Unmarshal(steps, &recs); err != nil || len(recs) == 0 {
		return nil, "", fmt.Errorf("sample steps are not a JSON list: %v", err)
	}
	msg := "HTTP 503 Service Unavailable (gave up after 5 attempts)"
	recs[0]["status"] = "failed"
	recs[0]["attempts"] = 5
	recs[0]["error"] = msg
	if out, ok := recs[0]["output"].(map[string]any); ok {
		out["status"] = 503
		out["body"] = map[string]any{"error": "service unavailable, try again later"}
	}
	b, err := json.Marshal(recs)
	return b, "steps[0] " + fmt.Sprint(recs[0]["id"]) + ": " + msg, err
}

// insertHistory adds jobs (and their events) to the recipe of sample until
// it has n, at least n/10 of them, older than every real job, 90 %
// succeeded and 10 % failed. patchbay must not be running: the load turns
// the journal off and syncs nothing, which is what makes a million rows take
// seconds; it puts WAL mode back before it returns.
func insertHistory(ctx context.Context, dataDir string, sample historySample, n int) (historyIDs, int, error) {
	var ids historyIDs
	add := n - int(sample.Existing)
	if add < n/10 {
		// Keep some failed jobs to list even if earlier runs already made n jobs.
		add = n / 10
	}
	if add <= 0 {
		return ids, 0, nil
	}
	db, err := openDB(dataDir, false)
	if err != nil {
		return ids, 0, err
	}
	defer db.Close()
	for _, p := range []string{"PRAGMA journal_mode=OFF", "PRAGMA synchronous=OFF", "PRAGMA cache_size=-262144"} {
		if _, err := db.ExecContext(ctx, p); err != nil {
			return ids, 0, fmt.Errorf("%s: %w", p, err)
		}
	}
	failSteps, failMsg, err := failedSteps(sample.Steps)
	if err != nil {
		return ids, 0, err
	}

	// Spread the rows over the 30 days before the oldest real job, in id
	// order, so that each B-tree is appended to rather than split at random.
	end := sample.Oldest/1000 - 1000 // ms
	if sample.Oldest == 0 {
		end = time.Now().UnixMilli()
	}
	span := int64(30 * 24 * time.Hour / time.Millisecond)
	step := span / int64(add)
	startMs := end - span
	rng := rand.New(rand.NewPCG(7, 11))
	sampleEvery := max(1, add/10000)
	var failed []string // every inserted failed job, oldest first
	const batch = 20000

	// The rows are copies of the sample's own rows, column by column, with
	// the identity, times and outcome changed: whatever columns the schema
	// has, the history has them filled as patchbay fills them.
	jobTpl, err := readRow(ctx, db, "jobs", sample.JobID)
	if err != nil {
		return ids, 0, err
	}
	evID, ok := jobTpl.get("event_id").(string)
	if !ok {
		return ids, 0, fmt.Errorf("sample job %s has no event_id", sample.JobID)
	}
	evTpl, err := readRow(ctx, db, "events", evID)
	if err != nil {
		return ids, 0, err
	}
	// Many rows per INSERT: the per-statement cost of database/sql and the
	// driver, not SQLite's B-tree work, is what a row-at-a-time load spends
	// most of its time on.
	const perStmt = 32
	insert := func(from, to int) error {
		tx, err := db.BeginTx(ctx, nil)
		if err != nil {
			return err
		}
		defer tx.Rollback()
		stmts := map[int][2]*sql.Stmt{}
		prepared := func(n int) ([2]*sql.Stmt, error) {
			if st, ok := stmts[n]; ok {
				return st, nil
			}
			ev, err := tx.PrepareContext(ctx, evTpl.insertSQL(n))
			if err != nil {
				return [2]*sql.Stmt{}, err
			}
			job, err := tx.PrepareContext(ctx, jobTpl.insertSQL(n))
			if err != nil {
				return [2]*sql.Stmt{}, err
			}
			stmts[n] = [2]*sql.Stmt{ev, job}
			return stmts[n], nil
		}
		var evArgs, jobArgs []any
		pending := 0
		flush := func() error {
			if pending == 0 {
				return nil
			}
			st, err := prepared(pending)
			if err != nil {
				return err
			}
			if _, err := st[0].ExecContext(ctx, evArgs...); err != nil {
				return fmt.Errorf("insert events: %w", err)
			}
			if _, err := st[1].ExecContext(ctx, jobArgs...); err != nil {
				return fmt.Errorf("insert jobs: %w", err)
			}
			evArgs, jobArgs, pending = evArgs[:0], jobArgs[:0], 0
			return nil
		}
		oldJob := []byte(sample.JobID)
		ev, job := evTpl.clone(), jobTpl.clone()
		for i := from; i < to; i++ {
			ms := startMs + int64(i)*step
			evID, jobID := uuidV7(ms, 0, rng), uuidV7(ms, 1, rng)
			created := ms*1000 + rng.Int64N(1000)
			started := created + 1000 + rng.Int64N(4000)
			finished := started + 2000 + rng.Int64N(8000)
			status, steps, errMsg := "succeeded", sample.Steps, any(nil)
			if rng.IntN(10) == 0 {
				status, steps, errMsg = "failed", failSteps, failMsg
				failed = append(failed, jobID)
			}
			// The step's Idempotency-Key names its job: keep it true.
			steps = bytes.ReplaceAll(steps, oldJob, []byte(jobID))
			if i%sampleEvery == 0 {
				ids.Jobs = append(ids.Jobs, jobID)
			}
			ev.set("id", evID)
			ev.set("created_at", created)
			job.set("id", jobID)
			job.set("event_id", evID)
			job.set("status", status)
			job.set("claims", int64(1))
			job.set("run_at", created)
			job.set("owner", nil)
			job.set("created_at", created)
			job.set("started_at", started)
			job.set("finished_at", finished)
			job.set("steps", steps)
			job.set("error", errMsg)
			evArgs = append(evArgs, ev.vals...)
			jobArgs = append(jobArgs, job.vals...)
			if pending++; pending == perStmt {
				if err := flush(); err != nil {
					return err
				}
			}
		}
		if err := flush(); err != nil {
			return err
		}
		return tx.Commit()
	}
	for from := 0; from < add; from += batch {
		if err := insert(from, min(add, from+batch)); err != nil {
			return ids, 0, err
		}
	}
	// Deep cursors: failed jobs from the older half of the list (it is
	// newest first), but not the oldest page, which has no full page behind it.
	if len(failed) > jobPage {
		ids.Cursors = failed[jobPage:max(jobPage+1, len(failed)/2)]
	}
	if _, err := db.ExecContext(ctx, "PRAGMA journal_mode=WAL"); err != nil {
		return ids, add, fmt.Errorf("back to WAL: %w", err)
	}
	return ids, add, nil
}

// uuidV7 builds a UUIDv7 for a given millisecond, so that ids sort by the
// time they claim, as patchbay's own ids do. seq fills the top of the
// random part so two ids made for the same millisecond keep an order.
func uuidV7(ms int64, seq uint16, rng *rand.Rand) string {
	var u uuid.UUID
	u[0], u[1], u[2], u[3], u[4], u[5] = byte(ms>>40), byte(ms>>32), byte(ms>>24), byte(ms>>16), byte(ms>>8), byte(ms)
	a, b := rng.Uint64(), rng.Uint64()
	u[6] = 0x70 | byte(seq>>8)&0x0f
	u[7] = byte(seq)
	u[8] = 0x80 | byte(a)&0x3f
	for i := 9; i < 16; i++ {
		u[i] = byte(b >> (8 * (i - 9)))
	}
	return u.String()
}

// historyFigures are the API's answers over a big history.
type historyFigures struct {
	List, Deep, Detail Result
}

// measureHistory loads the three history calls in turn, each from conns
// connections for the window, after checking each answers what it should.
func measureHistory(ctx context.Context, b *bench, ids historyIDs, conns int, window time.Duration) (historyFigures, error) {
	api, recipeID := b.api, b.recipe
	var f historyFigures
	if len(ids.Jobs) == 0 || len(ids.Cursors) == 0 {
		return f, fmt.Errorf("history: no inserted ids to ask for")
	}
	listPath := fmt.Sprintf("/api/v1/recipes/%s/jobs?status=failed&limit=%d", recipeID, jobPage)
	// The calls must answer real pages, or the timings mean nothing.
	var page struct {
		Jobs []struct {
			Status string `json:"status"`
		} `json:"jobs"`
		NextCursor *string `json:"next_cursor"`
	}
	if err := api.do(ctx, http.MethodGet, listPath, nil, &page); err != nil {
		return f, err
	}
	if len(page.Jobs) != jobPage || page.NextCursor == nil || page.Jobs[0].Status != "failed" {
		return f, fmt.Errorf("history: the failed-job list answered %d jobs (want %d failed and a next cursor)", len(page.Jobs), jobPage)
	}
	if err := api.do(ctx, http.MethodGet, listPath+"&cursor="+url.QueryEscape(ids.Cursors[len(ids.Cursors)/2]), nil, &page); err != nil {
		return f, err
	}
	if len(page.Jobs) != jobPage {
		return f, fmt.Errorf("history: the deep page answered %d jobs, want %d", len(page.Jobs), jobPage)
	}
	var doc struct {
		Steps []json.RawMessage `json:"steps"`
	}
	if err := api.do(ctx, http.MethodGet, "/api/v1/jobs/"+ids.Jobs[0], nil, &doc); err != nil {
		return f, err
	}
	if len(doc.Steps) == 0 {
		return f, fmt.Errorf("history: job %s has no steps", ids.Jobs[0])
	}

	header := http.Header{"Authorization": {"Bearer " + api.token}}
	base := api.base
	run := func(name string, next func(w *Worker) string) (Result, error) {
		l := Load{Conns: conns, Warmup: b.opts.Warmup, Window: window, Method: http.MethodGet, Header: header,
			Next: func(w *Worker, dst []byte) (string, []byte) { return next(w), nil }}
		wait := b.profileWindow(ctx, &l, "history-"+name)
		r, err := l.Run(ctx)
		if err != nil {
			return r, err
		}
		return r, wait()
	}
	var err error
	if f.List, err = run("list", func(*Worker) string { return base + listPath }); err != nil {
		return f, err
	}
	if f.Deep, err = run("deep", func(w *Worker) string {
		return base + listPath + "&cursor=" + ids.Cursors[w.Rand.IntN(len(ids.Cursors))]
	}); err != nil {
		return f, err
	}
	f.Detail, err = run("detail", func(w *Worker) string { return base + "/api/v1/jobs/" + ids.Jobs[w.Rand.IntN(len(ids.Jobs))] })
	return f, err
}

// row is one stored row: its table, column names and values.
type row struct {
	table string
	cols  []string
	vals  []any
}

// readRow reads the row of table whose id is id, every column.
func readRow(ctx context.Context, db *sql.DB, table, id string) (row, error) {
	r := row{table: table}
	rows, err := db.QueryContext(ctx, "SELECT * FROM "+table+" WHERE id = ?", id)
	if err != nil {
		return r, fmt.Errorf("read %s %s: %w", table, id, err)
	}
	defer rows.Close()
	if r.cols, err = rows.Columns(); err != nil {
		return r, err
	}
	if !rows.Next() {
		return r, fmt.Errorf("read %s %s: not found", table, id)
	}
	r.vals = make([]any, len(r.cols))
	ptrs := make([]any, len(r.cols))
	for i := range r.vals {
		ptrs[i] = &r.vals[i]
	}
	if err := rows.Scan(ptrs...); err != nil {
		return r, fmt.Errorf("read %s %s: %w", table, id, err)
	}
	return r, rows.Err()
}

// insertSQL inserts n rows of r's columns.
func (r row) insertSQL(n int) string {
	one := "(?" + strings.Repeat(", ?", len(r.cols)-1) + ")"
	return "INSERT INTO " + r.table + " (" + strings.Join(r.cols, ", ") + ") VALUES " + one + strings.Repeat(", "+one, n-1)
}

func (r row) clone() row {
	r.vals = slices.Clone(r.vals)
	return r
}

func (r row) get(col string) any {
	if i := slices.Index(r.cols, col); i >= 0 {
		return r.vals[i]
	}
	return nil
}

// set changes a column's value; a column the schema does not have is skipped.
func (r row) set(col string, v any) {
	if i := slices.Index(r.cols, col); i >= 0 {
		r.vals[i] = v
	}
}

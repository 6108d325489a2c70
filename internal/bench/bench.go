// Package bench is patchbay's load benchmark: on one machine, in one run,
// it measures durable webhook intake against a trivial net/http handler (the
// machine's ceiling for the same load), end-to-end job throughput and
// latency to a counting sink, the process's footprint, and the API over a
// history of a million jobs, and prints one table of figures and targets.
//
// patchbay runs as a subprocess built from this repository, exactly as it
// is deployed; the load generator, the trivial handler and the sink run in
// this process. Everything shares the machine's cores, which is why the
// trivial handler is measured under the same load, alternating with
// patchbay, and the ratio of the two is a figure of its own.
package bench

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"time"
)

// Options says how long and how hard to run. Zero values take the full
// defaults, or the smoke ones if Smoke is set.
type Options struct {
	// Duration is the measured window of the end-to-end run (60s).
	Duration time.Duration
	// IngestDuration is the window of each ingest run (10s).
	IngestDuration time.Duration
	// Warmup precedes every measured window (2s).
	Warmup time.Duration
	// Conns are the ingest connection counts (1 and 32).
	Conns []int
	// History is how many jobs the history figures are measured over (1,000,000).
	History int
	// HistoryDuration is the window of each history call's run (5s).
	HistoryDuration time.Duration
	// LatencyRate and LatencyDuration pace the unsaturated end-to-end
	// latency run (200 webhooks/s for 10s, one connection).
	LatencyRate     float64
	LatencyDuration time.Duration
	// Smoke makes every run tiny: CI checks that the benchmark works.
	Smoke bool
	// Keep leaves the data folder in place (its path is printed).
	Keep bool
	// Patchbay is a prebuilt binary; empty builds one from this module.
	Patchbay string
	// Markdown prints the table as Markdown instead of plain text.
	Markdown bool
	// ProfileDir, if set, runs patchbay with --pprof-addr and saves CPU
	// profiles of the loaded runs and heap profiles into it.
	ProfileDir string
	// Progress receives a line per phase (nil: discarded).
	Progress io.Writer
}

const (
	e2eConns     = 32
	historyConns = 8
	// ingestTargetConns is the connection count the ingest targets are set for.
	ingestTargetConns = 32
	mb                = 1e6
)

func (o Options) withDefaults() Options {
	full := Options{Duration: 60 * time.Second, IngestDuration: 10 * time.Second, Warmup: 2 * time.Second,
		Conns: []int{1, 32}, History: 1_000_000, HistoryDuration: 5 * time.Second,
		LatencyRate: 200, LatencyDuration: 10 * time.Second}
	if o.Smoke {
		full = Options{Duration: time.Second, IngestDuration: time.Second, Warmup: 500 * time.Millisecond,
			Conns: []int{1, 32}, History: 20_000, HistoryDuration: time.Second,
			LatencyRate: 200, LatencyDuration: time.Second}
	}
	if o.Duration <= 0 {
		o.Duration = full.Duration
	}
	if o.IngestDuration <= 0 {
		o.IngestDuration = full.IngestDuration
	}
	if o.Warmup <= 0 {
		o.Warmup = full.Warmup
	}
	if len(o.Conns) == 0 {
		o.Conns = full.Conns
	}
	if o.History <= 0 {
		o.History = full.History
	}
	if o.HistoryDuration <= 0 {
		o.HistoryDuration = full.HistoryDuration
	}
	if o.LatencyRate <= 0 {
		o.LatencyRate = full.LatencyRate
	}
	if o.LatencyDuration <= 0 {
		o.LatencyDuration = full.LatencyDuration
	}
	if o.Progress == nil {
		o.Progress = io.Discard
	}
	return o
}

func (o Options) mode() string {
	name := "full"
	if o.Smoke {
		name = "smoke (tiny runs: checks that the benchmark works, figures mean little)"
	}
	return fmt.Sprintf("%s; ingest %s per run after %s warm-up, end to end %s, history %d jobs",
		name, secs(o.IngestDuration), secs(o.Warmup), secs(o.Duration), o.History)
}

// Run runs the whole benchmark and writes its table to w. It fails if the
// benchmark could not run or a run saw errors; missed targets are figures,
// not failures.
func Run(ctx context.Context, opts Options, w io.Writer) error {
	rep, err := run(ctx, opts.withDefaults())
	if rep != nil && len(rep.Rows) > 0 {
		var werr error
		if opts.Markdown {
			werr = rep.WriteMarkdown(w)
		} else {
			werr = rep.WriteText(w)
		}
		if err == nil {
			err = werr
		}
	}
	if err != nil {
		return err
	}
	if len(rep.Problems) > 0 {
		return fmt.Errorf("benchmark saw %d problems: %s", len(rep.Problems), strings.Join(rep.Problems, "; "))
	}
	return nil
}

// bench holds what the phases share.
type bench struct {
	opts    Options
	rep     *Report
	bin     string
	dataDir string
	srv     *Server
	api     *apiClient
	sink    *Sink
	trivial *Trivial
	recipe  string
	hookURL string
	prof    *profiler // nil unless Options.ProfileDir
	// accepted counts every webhook patchbay answered 2xx: each must make
	// exactly one job and one request to the sink.
	accepted int64
}

// startServer starts patchbay on the bench's data folder, with the
// profiler's address if profiles are wanted.
func (b *bench) startServer(ctx context.Context) (*Server, error) {
	var extra []string
	if b.opts.ProfileDir != "" {
		addr, err := freeAddr()
		if err != nil {
			return nil, err
		}
		if err := os.MkdirAll(b.opts.ProfileDir, 0o755); err != nil {
			return nil, err
		}
		b.prof = &profiler{dir: b.opts.ProfileDir, addr: addr}
		extra = []string{"--pprof-addr", addr}
	}
	return StartServer(ctx, b.bin, b.dataDir, extra...)
}

// profileWindow makes l take a CPU profile of its measured window, saved
// as name; the returned function waits for it to be written.
func (b *bench) profileWindow(ctx context.Context, l *Load, name string) func() error {
	if b.prof == nil {
		return func() error { return nil }
	}
	wait := func() error { return nil }
	prev := l.OnStart
	l.OnStart = func() {
		if prev != nil {
			prev()
		}
		cpu := b.prof.cpu(ctx, "cpu-"+name, l.Window)
		// A short trace: they are large, and a few seconds show the pattern.
		trace := b.prof.trace(ctx, "trace-"+name, min(l.Window, 2*time.Second))
		wait = func() error { return errors.Join(cpu(), trace()) }
	}
	// Run closes its marks before it returns: wait is set by then.
	return func() error { return wait() }
}

func (b *bench) logf(format string, args ...any) {
	fmt.Fprintf(b.opts.Progress, "%s "+format+"\n", append([]any{time.Now().Format("15:04:05")}, args...)...)
}

func run(ctx context.Context, opts Options) (rep *Report, err error) {
	b := &bench{opts: opts, rep: &Report{Mode: opts.mode()}}
	tmp, err := os.MkdirTemp("", "patchbay-bench-")
	if err != nil {
		return b.rep, err
	}
	defer func() {
		if b.srv != nil {
			b.srv.Kill()
		}
		if opts.Keep {
			b.logf("kept data folder %s", b.dataDir)
			return
		}
		os.RemoveAll(tmp)
	}()
	b.bin = opts.Patchbay
	if b.bin == "" {
		b.logf("building patchbay")
		if b.bin, err = BuildPatchbay(ctx, tmp); err != nil {
			return b.rep, err
		}
	}
	b.rep.Sys = collectSysInfo(b.bin)
	b.dataDir = filepath.Join(tmp, "data")
	if b.sink, err = StartSink(); err != nil {
		return b.rep, err
	}
	defer b.sink.Close()
	if b.trivial, err = StartTrivial(); err != nil {
		return b.rep, err
	}
	defer b.trivial.Close()

	steps := []func(context.Context) error{b.start, b.ingest, b.endToEnd, b.footprint, b.history}
	for _, step := range steps {
		if err := step(ctx); err != nil {
			if b.srv != nil && !b.srv.Alive() {
				err = fmt.Errorf("%w (patchbay exited: %s)", err, b.srv.Exit())
			}
			return b.rep, err
		}
	}
	return b.rep, nil
}

// start runs a fresh patchbay, measures its start and idle memory, and
// sets up the token and the started Eventbrite-shaped recipe.
func (b *bench) start(ctx context.Context) error {
	b.logf("starting patchbay on a new data folder")
	srv, err := b.startServer(ctx)
	if err != nil {
		return err
	}
	b.srv = srv
	b.rep.add("Footprint", "start to /readyz 200, new data folder", ms(srv.Ready), "ms", atMost(300),
		"exec to first 200, polled every 1 ms")
	// Idle means after the start-up garbage is collectable and no request
	// has come: the cost of an installed, unused server.
	time.Sleep(time.Second)
	rss, _, err := srv.Memory()
	if err != nil {
		return err
	}
	b.rep.add("Footprint", "RSS idle after start", float64(rss)/mb, "MB", atMost(40), "VmRSS, ready + 1 s")

	token, err := CreateToken(ctx, b.bin, b.dataDir)
	if err != nil {
		return err
	}
	b.api = newAPIClient(srv.URL, token)
	var ws struct {
		WebhookBaseURL string `json:"webhook_base_url"`
	}
	if err := b.api.do(ctx, http.MethodGet, "/api/v1/workspace", nil, &ws); err != nil {
		return err
	}
	var rec struct {
		ID    string `json:"id"`
		State string `json:"state"`
	}
	if err := b.api.do(ctx, http.MethodPost, "/api/v1/recipes", recipeDoc(b.sink.URL), &rec); err != nil {
		return err
	}
	b.recipe = rec.ID
	if err := b.api.do(ctx, http.MethodPost, "/api/v1/recipes/"+rec.ID+"/start", nil, &rec); err != nil {
		return err
	}
	if rec.State != "started" {
		return fmt.Errorf("recipe state after start is %q", rec.State)
	}
	b.hookURL = ws.WebhookBaseURL + "/order"
	return b.checkPath(ctx)
}

// checkPath sends one webhook and waits for its step to reach the sink:
// measuring a path that does not work would only time errors.
func (b *bench) checkPath(ctx context.Context) error {
	before := b.sink.Count()
	resp, err := http.Post(b.hookURL, "application/json", strings.NewReader(string(webhookBody(nil, time.Now().UnixNano()))))
	if err != nil {
		return err
	}
	var acc struct {
		ID    string `json:"id"`
		JobID string `json:"job_id"`
	}
	err = json.NewDecoder(resp.Body).Decode(&acc)
	resp.Body.Close()
	if resp.StatusCode != http.StatusOK || err != nil || acc.JobID == "" {
		return fmt.Errorf("first webhook: %d, job %q, %v", resp.StatusCode, acc.JobID, err)
	}
	b.accepted++
	deadline := time.Now().Add(10 * time.Second)
	for b.sink.Count() == before {
		if time.Now().After(deadline) {
			var doc json.RawMessage
			b.api.do(ctx, http.MethodGet, "/api/v1/jobs/"+acc.JobID, nil, &doc)
			return fmt.Errorf("the first job's request did not reach the sink in 10s; job: %s", truncate(string(doc), 2000))
		}
		time.Sleep(5 * time.Millisecond)
	}
	return nil
}

// recipeDoc is the Eventbrite-shaped recipe: its one step posts three
// values of the webhook to the sink; "sent" is a lone pill, so it stays a
// number the sink can subtract from its clock.
func recipeDoc(sink string) map[string]any {
	return map[string]any{
		"name": "bench",
		"trigger": map[string]any{"type": "webhook", "event": "order", "payload_type": "json",
			"payload_example": string(webhookBody(nil, 1700000000000000000))},
		"steps": []any{map[string]any{
			"id": "notify", "action": "http_request", "method": "POST", "url": sink + "/orders",
			"body_type": "json", "response_type": "json",
			"body": map[string]any{"order": "{{trigger.api_url}}", "action": "{{trigger.config.action}}", "sent": "{{trigger.sent}}"},
		}},
	}
}

// The seed's Eventbrite webhook, with the time it was sent appended.
const webhookPrefix = `{"config":{"action":"order.placed","user_id":"144138753572","endpoint_url":"https://www.workato.com/webhooks/rest/4c364864-e1f8-4c58-b6af-29127d1f6b60/order","webhook_id":"287968"},"api_url":"https://www.eventbriteapi.com/v3/orders/579759447/","sent":`

// webhookBody appends the payload, sent at unix nanoseconds, to dst.
func webhookBody(dst []byte, sent int64) []byte {
	dst = append(dst, webhookPrefix...)
	dst = strconv.AppendInt(dst, sent, 10)
	return append(dst, '}')
}

// webhookLoad is a run posting Eventbrite webhooks to url.
func (b *bench) webhookLoad(url string, conns int, window time.Duration) Load {
	return Load{Conns: conns, Warmup: b.opts.Warmup, Window: window,
		Next: func(w *Worker, dst []byte) (string, []byte) { return url, webhookBody(dst, time.Now().UnixNano()) }}
}

// drain waits until patchbay has no unfinished job, so a run starts from an
// empty queue and the previous run's backlog does not eat this run's CPU.
func (b *bench) drain(ctx context.Context) (time.Duration, error) {
	d, err := waitDrained(ctx, b.dataDir, b.logf)
	if err != nil {
		return d, fmt.Errorf("waiting for the backlog: %w", err)
	}
	return d, nil
}

// check records a run's failures as problems of the report.
func (b *bench) check(what string, r Result) {
	if f := r.Failed(); f != "" {
		b.rep.problem("%s: %s", what, f)
	}
	if r.OK == 0 {
		b.rep.problem("%s: no 2xx answer in the window", what)
	}
}

// ingest alternates trivial/patchbay/trivial/patchbay at each connection
// count, so that drift of the machine (turbo, noisy neighbours, a growing
// database) falls on both sides.
func (b *bench) ingest(ctx context.Context) error {
	const sec = "Ingest"
	trivialURL := b.trivial.URL + "/webhooks/rest/trivial/order"
	for _, c := range b.opts.Conns {
		var triv, pb [2]Result
		pbLat := NewHistogram()
		for i := range 2 {
			if _, err := b.drain(ctx); err != nil {
				return err
			}
			var err error
			b.logf("ingest %d conns, round %d: trivial handler", c, i+1)
			if triv[i], err = b.webhookLoad(trivialURL, c, b.opts.IngestDuration).Run(ctx); err != nil {
				return err
			}
			b.check(fmt.Sprintf("ingest trivial %d conns", c), triv[i])
			b.logf("ingest %d conns, round %d: patchbay", c, i+1)
			l := b.webhookLoad(b.hookURL, c, b.opts.IngestDuration)
			wait := func() error { return nil }
			if i == 0 {
				wait = b.profileWindow(ctx, &l, fmt.Sprintf("ingest-%d", c))
			}
			if pb[i], err = l.Run(ctx); err != nil {
				return err
			}
			b.accepted += pb[i].AllOK
			if err := wait(); err != nil {
				return err
			}
			b.check(fmt.Sprintf("ingest patchbay %d conns", c), pb[i])
			pbLat.Merge(pb[i].Latency)
			b.logf("  trivial %.0f/s, patchbay %.0f/s", triv[i].Rate(), pb[i].Rate())
		}
		tMean := (triv[0].Rate() + triv[1].Rate()) / 2
		pMean := (pb[0].Rate() + pb[1].Rate()) / 2
		var rateT, pctT, p99T *Target
		if c == ingestTargetConns {
			rateT, pctT, p99T = atLeast(15000), atLeast(40), atMost(10)
		}
		conns := plural(c, "conn")
		tLat := NewHistogram()
		tLat.Merge(triv[0].Latency)
		tLat.Merge(triv[1].Latency)
		b.rep.add(sec, "trivial handler req/s, "+conns, tMean, "/s", nil,
			fmt.Sprintf("runs %s, %s; p50 %s, p99 %s", thousands(triv[0].Rate()), thousands(triv[1].Rate()), fmtMS(tLat.Quantile(.5)), fmtMS(tLat.Quantile(.99))))
		b.rep.add(sec, "patchbay webhooks/s (2xx, stored), "+conns, pMean, "/s", rateT,
			fmt.Sprintf("runs %s, %s", thousands(pb[0].Rate()), thousands(pb[1].Rate())))
		b.rep.add(sec, "patchbay / trivial, "+conns, pMean/tMean*100, "%", pctT,
			fmt.Sprintf("pairs %.1f%%, %.1f%%", pb[0].Rate()/triv[0].Rate()*100, pb[1].Rate()/triv[1].Rate()*100))
		b.rep.add(sec, "latency p50, "+conns, ms(pbLat.Quantile(.5)), "ms", nil, "")
		b.rep.add(sec, "latency p99, "+conns, ms(pbLat.Quantile(.99)), "ms", p99T, "")
		b.rep.add(sec, "latency max, "+conns, ms(pbLat.Max()), "ms", nil, "")
	}
	return nil
}

// endToEnd measures jobs/s reaching the sink under full load, then the
// latency from accepted to sink at a modest paced rate on a drained system.
func (b *bench) endToEnd(ctx context.Context) error {
	const sec = "End to end"
	if _, err := b.drain(ctx); err != nil {
		return err
	}
	b.logf("end to end: %d conns at full speed for %s", e2eConns, b.opts.Duration)
	var atStart, atEnd int64
	l := b.webhookLoad(b.hookURL, e2eConns, b.opts.Duration)
	l.OnStart = func() { atStart = b.sink.Count() }
	l.OnEnd = func() { atEnd = b.sink.Count() }
	wait := b.profileWindow(ctx, &l, "end-to-end")
	res, err := l.Run(ctx)
	if err != nil {
		return err
	}
	b.accepted += res.AllOK
	if err := wait(); err != nil {
		return err
	}
	if err := b.prof.heap(ctx, "heap-end-to-end"); err != nil {
		return err
	}
	b.check("end to end", res)
	jobsPerSec := float64(atEnd-atStart) / b.opts.Duration.Seconds()
	db, err := openDB(b.dataDir, true)
	if err != nil {
		return err
	}
	backlog, err := unfinishedJobs(ctx, db)
	db.Close()
	if err != nil {
		return err
	}
	b.logf("  %.0f jobs/s, ingest %.0f/s, backlog %d; draining", jobsPerSec, res.Rate(), backlog)
	drained, err := b.drain(ctx)
	if err != nil {
		return err
	}
	b.rep.add(sec, fmt.Sprintf("jobs/s completed, %s sustained, %d conns", secs(b.opts.Duration), e2eConns), jobsPerSec, "/s", atLeast(5000),
		fmt.Sprintf("step requests at the sink in the window: %d", atEnd-atStart))
	b.rep.add(sec, "webhooks/s accepted in that run", res.Rate(), "/s", nil,
		fmt.Sprintf("ingest p99 %s", fmtMS(res.Latency.Quantile(.99))))
	b.rep.add(sec, "backlog at the end (jobs unfinished)", float64(backlog), "", nil,
		fmt.Sprintf("drained in %.1f s", drained.Seconds()))

	// Unsaturated: one connection, paced. The sink records when each job's
	// request arrives; the generator when each webhook was answered.
	b.logf("end to end latency: %.0f webhooks/s, 1 conn, for %s", b.opts.LatencyRate, b.opts.LatencyDuration)
	type accepted struct {
		mu  sync.Mutex
		ats map[string]time.Time
	}
	acc := &accepted{ats: map[string]time.Time{}}
	l = b.webhookLoad(b.hookURL, 1, b.opts.LatencyDuration)
	l.Rate = b.opts.LatencyRate
	l.OnAnswer = func(w *Worker, body []byte, at time.Time) {
		var a struct {
			JobID string `json:"job_id"`
		}
		if json.Unmarshal(body, &a) == nil && a.JobID != "" {
			acc.mu.Lock()
			acc.ats[a.JobID] = at
			acc.mu.Unlock()
		}
	}
	// Tracking starts with the warm-up: a job can reach the sink before
	// its webhook's answer reaches the client, so the first jobs of the
	// window may arrive before the window opens.
	b.sink.Track(true)
	res, err = l.Run(ctx)
	if err != nil {
		return err
	}
	b.accepted += res.AllOK
	b.check("end to end latency", res)
	// Let the last jobs of the window reach the sink.
	deadline := time.Now().Add(10 * time.Second)
	var arrivals map[string]Arrival
	var bad int64
	for {
		arrivals, bad = b.sink.Tracked()
		missing := 0
		for id := range acc.ats {
			if _, ok := arrivals[id]; !ok {
				missing++
			}
		}
		if missing == 0 {
			break
		}
		if time.Now().After(deadline) {
			b.rep.problem("end to end latency: %d of %d accepted jobs did not reach the sink within 10 s", missing, len(acc.ats))
			break
		}
		time.Sleep(20 * time.Millisecond)
	}
	b.sink.Track(false)
	if bad > 0 {
		b.rep.problem("end to end latency: %d sink requests without a readable \"sent\"", bad)
	}
	lat, sent := NewHistogram(), NewHistogram()
	early := 0
	for id, at := range acc.ats {
		arr, ok := arrivals[id]
		if !ok {
			continue
		}
		// A worker can claim the job before the answer reaches the
		// client: that is a latency of zero, not a negative one.
		if arr.At.Before(at) {
			early++
		}
		lat.Record(arr.At.Sub(at))
		if arr.Sent > 0 {
			sent.Record(arr.At.Sub(time.Unix(0, arr.Sent)))
		}
	}
	if lat.Count() == 0 {
		b.rep.problem("end to end latency: no accepted job of the window was seen at the sink")
	}
	note := fmt.Sprintf("%d jobs at %.0f/s paced, 1 conn", lat.Count(), b.opts.LatencyRate)
	if early > 0 {
		note += fmt.Sprintf("; %d reached the sink before the 2xx reached the client (counted as 0)", early)
	}
	b.rep.add(sec, "accepted → sink p50, unsaturated", ms(lat.Quantile(.5)), "ms", atMost(5), note)
	b.rep.add(sec, "accepted → sink p99, unsaturated", ms(lat.Quantile(.99)), "ms", atMost(25),
		"max "+fmtMS(lat.Max()))
	b.rep.add(sec, "sent → sink p50 / p99 (includes the intake)", ms(sent.Quantile(.5)), "ms", nil,
		"p99 "+fmtMS(sent.Quantile(.99)))
	return nil
}

// footprint measures the database per job (with every job finished) and
// the peak memory of the process, which has now seen every load phase.
func (b *bench) footprint(ctx context.Context) error {
	const sec = "Footprint"
	if _, err := b.drain(ctx); err != nil {
		return err
	}
	db, err := openDB(b.dataDir, true)
	if err != nil {
		return err
	}
	jobs, err := countJobs(ctx, db)
	db.Close()
	if err != nil {
		return err
	}
	dbBytes, walBytes := dbSizes(b.dataDir)
	if jobs == 0 {
		return fmt.Errorf("no jobs in the database")
	}
	// Every accepted webhook made one job, and each job one request to the
	// sink (it always answers 200, so no step is retried): anything else is
	// a lost or duplicated event.
	if sunk := b.sink.Count(); jobs != b.accepted || sunk != b.accepted {
		b.rep.problem("exactly once: %d webhooks accepted, %d jobs stored, %d step requests at the sink", b.accepted, jobs, sunk)
	}
	b.rep.add("End to end", "exactly once: webhooks accepted in all runs", float64(b.accepted), "", nil,
		fmt.Sprintf("jobs stored %d, sink requests %d", jobs, b.sink.Count()))
	perJob := float64(dbBytes+walBytes) / float64(jobs)
	b.rep.add(sec, "database bytes per job (db + wal)", perJob, "B", atMost(3000),
		fmt.Sprintf("%d jobs; db %.1f MB + wal %.1f MB; db alone %.0f B/job", jobs, float64(dbBytes)/mb, float64(walBytes)/mb, float64(dbBytes)/float64(jobs)))
	_, peak, err := b.srv.Memory()
	if err != nil {
		return err
	}
	b.rep.add(sec, "peak RSS under load", float64(peak)/mb, "MB", atMost(250), "VmHWM after ingest and end to end")
	return nil
}

// history fills the database to opts.History jobs, restarts patchbay on it,
// and times the job list and a job's detail.
func (b *bench) history(ctx context.Context) error {
	const sec = "History"
	db, err := openDB(b.dataDir, true)
	if err != nil {
		return err
	}
	sample, err := readHistorySample(ctx, db, b.recipe)
	db.Close()
	if err != nil {
		return err
	}
	b.logf("history: stopping patchbay")
	if err := b.srv.Stop(30 * time.Second); err != nil {
		return err
	}
	b.srv = nil
	b.logf("history: inserting jobs up to %d", b.opts.History)
	began := time.Now()
	ids, added, err := insertHistory(ctx, b.dataDir, sample, b.opts.History)
	if err != nil {
		return err
	}
	took := time.Since(began)
	b.logf("  inserted %d jobs in %s", added, took.Round(time.Millisecond))
	srv, err := b.startServer(ctx)
	if err != nil {
		return err
	}
	b.srv = srv
	b.api.base = srv.URL
	total := sample.Existing + int64(added)
	b.rep.add(sec, "jobs of the recipe in the database", float64(total), "", nil,
		fmt.Sprintf("%d inserted in %.1f s (%.0f jobs/s with their events), 10%% failed", added, took.Seconds(), float64(added)/took.Seconds()))
	b.rep.add(sec, "restart to /readyz 200 with that database", ms(srv.Ready), "ms", nil, "")

	b.logf("history: measuring the API, %d conns", historyConns)
	f, err := measureHistory(ctx, b, ids, historyConns, b.opts.HistoryDuration)
	if err != nil {
		return err
	}
	for _, x := range []struct {
		name string
		r    Result
	}{{"job list, status=failed, newest 50", f.List}, {"job list, status=failed, 50 from a deep cursor", f.Deep}, {"job detail, random job", f.Detail}} {
		b.check("history "+x.name, x.r)
		b.rep.add(sec, x.name+": p50", ms(x.r.Latency.Quantile(.5)), "ms", nil,
			fmt.Sprintf("%.0f req/s, %d conns", x.r.Rate(), historyConns))
		b.rep.add(sec, x.name+": p99", ms(x.r.Latency.Quantile(.99)), "ms", atMost(20), "max "+fmtMS(x.r.Latency.Max()))
	}
	_, peak, err := srv.Memory()
	if err == nil {
		b.rep.add(sec, "peak RSS of the restarted server", float64(peak)/mb, "MB", nil, "VmHWM")
	}
	if err := srv.Stop(30 * time.Second); err != nil {
		return err
	}
	b.srv = nil
	return nil
}

func ms(d time.Duration) float64 { return float64(d) / float64(time.Millisecond) }

// secs prints a duration in seconds: "60 s", "0.5 s".
func secs(d time.Duration) string { return strconv.FormatFloat(d.Seconds(), 'f', -1, 64) + " s" }

func fmtMS(d time.Duration) string { return formatValue(ms(d), "ms") }

func plural(n int, word string) string {
	if n == 1 {
		return "1 " + word
	}
	return fmt.Sprintf("%d %ss", n, word)
}

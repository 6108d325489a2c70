package bench

import (
	"bytes"
	"context"
	"fmt"
	"io"
	"math/rand/v2"
	"net"
	"net/http"
	"sync"
	"time"
)

// Load describes one run of the load generator: Conns workers, each with
// its own keep-alive connection, send requests in a closed loop (or paced
// at Rate) for Warmup and then for the measured Window.
type Load struct {
	Conns  int
	Warmup time.Duration
	Window time.Duration
	// Rate, if positive, paces the run at this many requests per second in
	// total (spread evenly over the workers); zero sends as fast as answers come.
	Rate float64
	// Method is the HTTP method (POST if empty).
	Method string
	// Header is added to every request (an API token).
	Header http.Header
	// Next builds one request: its URL and its body appended to dst (nil
	// for none). It runs on the worker's goroutine with that worker's state.
	Next func(w *Worker, dst []byte) (url string, body []byte)
	// OnStart and OnEnd run when the measured window opens and closes, to
	// read counters (the sink's) at exactly those instants.
	OnStart, OnEnd func()
	// OnAnswer sees every 2xx answer completed inside the window, with the
	// time it was complete; it runs on the worker's goroutine.
	OnAnswer func(w *Worker, body []byte, at time.Time)
}

// Worker is one connection's state, handed to Load.Next and Load.OnAnswer.
type Worker struct {
	ID   int
	Rand *rand.Rand
	// Data is free for the callbacks (per-worker results, so no locking).
	Data any
}

// Result is what a run measured inside its window.
type Result struct {
	OK         int64 // 2xx answers in the window
	AllOK      int64 // 2xx answers of the whole run, warm-up included
	Non2xx     int64
	Errors     int64 // transport errors
	FirstError string
	Window     time.Duration
	Latency    *Histogram // of the 2xx answers
}

// Rate is 2xx answers per second of window.
func (r Result) Rate() float64 {
	if r.Window <= 0 {
		return 0
	}
	return float64(r.OK) / r.Window.Seconds()
}

// Failed reports a run that had any non-2xx answer or error, as text.
func (r Result) Failed() string {
	if r.Non2xx == 0 && r.Errors == 0 {
		return ""
	}
	return fmt.Sprintf("%d non-2xx, %d errors (first: %s)", r.Non2xx, r.Errors, r.FirstError)
}

type workerResult struct {
	ok, allOK, non2xx, errs int64
	firstErr                string
	hist                    *Histogram
}

// Run drives the load and returns what was measured in the window.
func (l Load) Run(ctx context.Context) (Result, error) {
	if l.Conns <= 0 || l.Window <= 0 || l.Next == nil {
		return Result{}, fmt.Errorf("load: need conns, window and a request builder")
	}
	method := l.Method
	if method == "" {
		method = http.MethodPost
	}
	begin := time.Now()
	start := begin.Add(l.Warmup)
	end := start.Add(l.Window)

	// The marks run on their own goroutine so that a slow answer cannot
	// move the instant the window opens or closes.
	marks := make(chan struct{})
	go func() {
		defer close(marks)
		sleepUntil(ctx, start)
		if l.OnStart != nil {
			l.OnStart()
		}
		sleepUntil(ctx, end)
		if l.OnEnd != nil {
			l.OnEnd()
		}
	}()

	results := make([]workerResult, l.Conns)
	var wg sync.WaitGroup
	for i := range l.Conns {
		wg.Add(1)
		go func() {
			defer wg.Done()
			results[i] = l.work(ctx, i, method, begin, start, end)
		}()
	}
	wg.Wait()
	<-marks
	if err := ctx.Err(); err != nil {
		return Result{}, err
	}
	out := Result{Window: l.Window, Latency: NewHistogram()}
	for _, r := range results {
		out.OK += r.ok
		out.AllOK += r.allOK
		out.Non2xx += r.non2xx
		out.Errors += r.errs
		if out.FirstError == "" {
			out.FirstError = r.firstErr
		}
		out.Latency.Merge(r.hist)
	}
	return out, nil
}

// work is one worker's closed (or paced) loop on its own connection.
func (l Load) work(ctx context.Context, id int, method string, begin, start, end time.Time) workerResult {
	// One transport per worker, limited to one connection: N workers are N
	// keep-alive connections, as N clients of a webhook sender would be.
	tr := &http.Transport{
		DialContext:         (&net.Dialer{Timeout: 5 * time.Second, KeepAlive: 30 * time.Second}).DialContext,
		MaxConnsPerHost:     1,
		MaxIdleConnsPerHost: 1,
		MaxIdleConns:        1,
		IdleConnTimeout:     time.Minute,
		DisableCompression:  true,
	}
	defer tr.CloseIdleConnections()
	client := &http.Client{Transport: tr, Timeout: 30 * time.Second}
	w := &Worker{ID: id, Rand: rand.New(rand.NewPCG(uint64(id)+1, uint64(begin.UnixNano())))}
	res := workerResult{hist: NewHistogram()}
	var body, answer []byte
	answerBuf := bytes.NewBuffer(make([]byte, 0, 4096))

	var interval time.Duration
	next := begin
	if l.Rate > 0 {
		interval = time.Duration(float64(l.Conns) / l.Rate * float64(time.Second))
		// Stagger the workers so that paced requests do not arrive in bursts.
		next = begin.Add(interval * time.Duration(id) / time.Duration(l.Conns))
	}
	for ctx.Err() == nil {
		if interval > 0 {
			if !sleepUntil(ctx, next) {
				break
			}
			next = next.Add(interval)
		}
		var url string
		url, body = l.Next(w, body[:0])
		t0 := time.Now()
		if !t0.Before(end) {
			break
		}
		var rd io.Reader
		if body != nil {
			rd = bytes.NewReader(body)
		}
		req, err := http.NewRequestWithContext(ctx, method, url, rd)
		if err != nil {
			res.errs++
			if res.firstErr == "" {
				res.firstErr = err.Error()
			}
			break
		}
		for k, v := range l.Header {
			req.Header[k] = v
		}
		if body != nil {
			req.Header["Content-Type"] = jsonContentType
		}
		resp, err := client.Do(req)
		status := 0
		if err == nil {
			answerBuf.Reset()
			// Read to the end so the connection is reused.
			_, err = answerBuf.ReadFrom(resp.Body)
			resp.Body.Close()
			status = resp.StatusCode
			answer = answerBuf.Bytes()
		}
		t1 := time.Now()
		if err == nil && status >= 200 && status <= 299 {
			res.allOK++
		}
		if t1.Before(start) || !t1.Before(end) {
			continue // warm-up, or finished after the window closed
		}
		switch {
		case err != nil:
			if ctx.Err() != nil {
				continue
			}
			res.errs++
			if res.firstErr == "" {
				res.firstErr = err.Error()
			}
		case status < 200 || status > 299:
			res.non2xx++
			if res.firstErr == "" {
				res.firstErr = fmt.Sprintf("%s %s: %d %s", method, url, status, truncate(string(answer), 200))
			}
		default:
			res.ok++
			res.hist.Record(t1.Sub(t0))
			if l.OnAnswer != nil {
				l.OnAnswer(w, answer, t1)
			}
		}
	}
	return res
}

var jsonContentType = []string{"application/json"}

// sleepUntil waits for t or ctx; it reports false if ctx ended first.
func sleepUntil(ctx context.Context, t time.Time) bool {
	d := time.Until(t)
	if d <= 0 {
		return ctx.Err() == nil
	}
	timer := time.NewTimer(d)
	defer timer.Stop()
	select {
	case <-ctx.Done():
		return false
	case <-timer.C:
		return true
	}
}

func truncate(s string, n int) string {
	if len(s) <= n {
		return s
	}
	return s[:n] + "…"
}

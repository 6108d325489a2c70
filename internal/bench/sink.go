package bench

import (
	"bytes"
	"net"
	"net/http"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"time"
)

// Sink is the HTTP server the recipe's step posts to: it counts arrivals
// and, while recording, measures how long after the webhook was sent each
// request arrives (from the "sent" field the step copies from the
// payload), and when each job's request arrived (from the Idempotency-Key
// header, "<job id>.<step id>"), so that a run can join it with the time
// its webhook was accepted.
type Sink struct {
	URL string

	srv      *http.Server
	count    atomic.Int64
	tracking atomic.Bool

	mu       sync.Mutex
	sent     *Histogram           // now - sent, while tracking
	arrivals map[string]time.Time // job id -> arrival, while tracking
	bad      int64                // bodies without a readable "sent", while tracking
}

// StartSink listens on a free loopback port.
func StartSink() (*Sink, error) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return nil, err
	}
	s := &Sink{URL: "http://" + ln.Addr().String(), sent: NewHistogram(), arrivals: map[string]time.Time{}}
	s.srv = &http.Server{Handler: http.HandlerFunc(s.serve), ReadHeaderTimeout: 10 * time.Second}
	go s.srv.Serve(ln)
	return s, nil
}

var bufPool = sync.Pool{New: func() any { return bytes.NewBuffer(make([]byte, 0, 1024)) }}

var sinkAnswer = []byte(`{"ok":true}`)

func (s *Sink) serve(w http.ResponseWriter, r *http.Request) {
	now := time.Now()
	buf := bufPool.Get().(*bytes.Buffer)
	buf.Reset()
	buf.ReadFrom(r.Body)
	s.count.Add(1)
	if s.tracking.Load() {
		sent, ok := sentField(buf.Bytes())
		job, _, _ := strings.Cut(r.Header.Get("Idempotency-Key"), ".")
		s.mu.Lock()
		if ok {
			s.sent.Record(now.Sub(time.Unix(0, sent)))
		} else {
			s.bad++
		}
		if job != "" {
			s.arrivals[job] = now
		}
		s.mu.Unlock()
	}
	bufPool.Put(buf)
	h := w.Header()
	h["Content-Type"] = jsonContentType
	w.Write(sinkAnswer)
}

// sentField finds `"sent":<integer>` in the JSON body without decoding it
// all: the sink runs on the same cores as the system under test, so it
// should cost as little as it can.
func sentField(b []byte) (int64, bool) {
	i := bytes.Index(b, []byte(`"sent"`))
	if i < 0 {
		return 0, false
	}
	b = b[i+len(`"sent"`):]
	b = bytes.TrimLeft(b, " \t\r\n")
	if len(b) == 0 || b[0] != ':' {
		return 0, false
	}
	b = bytes.TrimLeft(b[1:], " \t\r\n")
	end := 0
	for end < len(b) && b[end] >= '0' && b[end] <= '9' {
		end++
	}
	v, err := strconv.ParseInt(string(b[:end]), 10, 64)
	return v, err == nil
}

// Count is the number of requests received so far.
func (s *Sink) Count() int64 { return s.count.Load() }

// Track starts (true) or stops recording latencies and arrivals; starting
// forgets what an earlier tracking recorded.
func (s *Sink) Track(on bool) {
	if on {
		s.mu.Lock()
		s.sent = NewHistogram()
		s.arrivals = map[string]time.Time{}
		s.bad = 0
		s.mu.Unlock()
	}
	s.tracking.Store(on)
}

// Tracked returns the sent-to-sink histogram, a copy of the arrivals, and
// the count of bodies whose "sent" could not be read.
func (s *Sink) Tracked() (*Histogram, map[string]time.Time, int64) {
	s.mu.Lock()
	defer s.mu.Unlock()
	h := NewHistogram()
	h.Merge(s.sent)
	arr := make(map[string]time.Time, len(s.arrivals))
	for k, v := range s.arrivals {
		arr[k] = v
	}
	return h, arr, s.bad
}

// Close stops the server.
func (s *Sink) Close() error { return s.srv.Close() }

package bench

import (
	"bytes"
	"maps"
	"net"
	"net/http"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"time"
)

// Sink is the HTTP server the recipe's step posts to. It counts arrivals
// and, while tracking, records for each job (named by the Idempotency-Key
// header, "<job id>.<step id>") when its request arrived and the "sent"
// time the step copied from the webhook payload; a run joins these with the
// times its webhooks were answered.
type Sink struct {
	URL string

	srv      *http.Server
	count    atomic.Int64
	tracking atomic.Bool

	mu       sync.Mutex
	arrivals map[string]Arrival // job id -> arrival, while tracking
	bad      int64              // bodies without a readable "sent", while tracking
}

// Arrival is when a job's request reached the sink, and when its webhook
// was sent (Unix nanoseconds, from the body; 0 if unreadable).
type Arrival struct {
	At   time.Time
	Sent int64
}

// StartSink listens on a free loopback port.
func StartSink() (*Sink, error) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return nil, err
	}
	s := &Sink{URL: "http://" + ln.Addr().String(), arrivals: map[string]Arrival{}}
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
		if !ok {
			s.bad++
		}
		if job != "" {
			s.arrivals[job] = Arrival{At: now, Sent: sent}
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

// Track starts (true) or stops recording arrivals; starting forgets what
// an earlier tracking recorded.
func (s *Sink) Track(on bool) {
	if on {
		s.mu.Lock()
		s.arrivals = map[string]Arrival{}
		s.bad = 0
		s.mu.Unlock()
	}
	s.tracking.Store(on)
}

// Tracked returns a copy of the arrivals and the count of bodies whose
// "sent" could not be read.
func (s *Sink) Tracked() (map[string]Arrival, int64) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return maps.Clone(s.arrivals), s.bad
}

// Close stops the server.
func (s *Sink) Close() error { return s.srv.Close() }

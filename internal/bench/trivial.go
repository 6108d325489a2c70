package bench

import (
	"bytes"
	"net"
	"net/http"
	"time"
)

// Trivial is the ceiling: a net/http handler on the same machine that reads
// the request body and answers 200 with a body the size of patchbay's
// answer, and does nothing else.
type Trivial struct {
	URL string
	srv *http.Server
}

var trivialAnswer = []byte(`{"id":"01a21a89-4366-79a8-8516-bffca479bd7e","job_id":"01a21a89-4366-79ab-8db3-f6c668fab748"}`)

// StartTrivial listens on a free loopback port.
func StartTrivial() (*Trivial, error) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return nil, err
	}
	t := &Trivial{URL: "http://" + ln.Addr().String()}
	t.srv = &http.Server{ReadHeaderTimeout: 10 * time.Second, Handler: http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		buf := bufPool.Get().(*bytes.Buffer)
		buf.Reset()
		buf.ReadFrom(r.Body)
		bufPool.Put(buf)
		w.Header()["Content-Type"] = jsonContentType
		w.Write(trivialAnswer)
	})}
	go t.srv.Serve(ln)
	return t, nil
}

// Close stops the server.
func (t *Trivial) Close() error { return t.srv.Close() }

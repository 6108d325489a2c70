package e2e

import "net"

// net0 finds a free loopback port. The tiny window between closing it and
// the server binding it is acceptable in tests.
type net0 struct{}

func (net0) listen() (string, error) {
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return "", err
	}
	addr := l.Addr().String()
	l.Close()
	return addr, nil
}

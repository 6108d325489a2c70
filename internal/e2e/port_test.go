package e2e

import "net"

// net0 finds a free loopback port, for a test that must restart a server
// process on the same address (the crash test). The window between
// closing it and the server binding it can let another process take the
// port: servers that need no fixed address bind port 0 instead
// (startServer, startProcessAnyPort).
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

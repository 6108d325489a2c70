package app

import (
	"fmt"
	"net"

	"github.com/patchbay/patchbay/internal/config"
)

// Listen binds cfg.Addr before the app is built, so that with port 0 the
// address the system picked is known: cfg.Addr becomes the bound address
// and an unset base URL is derived from it. Pass the listener to StartOn.
// Binding first (rather than reserving a free port and closing it) leaves
// no window in which another process could take the port.
func Listen(cfg *config.Config) (net.Listener, error) {
	ln, err := net.Listen("tcp", cfg.Addr)
	if err != nil {
		return nil, fmt.Errorf("listen on %s: %w", cfg.Addr, err)
	}
	if config.AnyPort(cfg.Addr) {
		_, port, _ := net.SplitHostPort(ln.Addr().String())
		host, _, _ := net.SplitHostPort(cfg.Addr)
		cfg.Addr = net.JoinHostPort(host, port)
	}
	if cfg.BaseURL == "" {
		cfg.BaseURL = config.DefaultBaseURL(cfg.Addr)
	}
	return ln, nil
}

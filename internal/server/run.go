package server

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"net"
	"net/http"
	"strings"
	"sync"
	"time"

	"github.com/renrakucho/renrakucho/internal/care"
	"github.com/renrakucho/renrakucho/internal/httpx"
)

// Timeouts of both listeners. There is no overall read or write timeout:
// uploads and downloads of large files and server-sent events legitimately
// last long. Slow clients are bounded by the header timeout instead.
const (
	readHeaderTimeout = 10 * time.Second
	idleTimeout       = 2 * time.Minute
	maxHeaderBytes    = 64 << 10
)

// Run listens on both addresses and serves until ctx is cancelled, then
// shuts both listeners down gracefully: no new connections, in-flight
// requests given up to the shutdown timeout. ready, when not nil, is called
// once both sockets are bound, with the URL of each (the user listener's
// as Config.BaseURL gives it). Run returns nil after a shutdown asked for by
// ctx, and the first error otherwise.
func (s *Server) Run(ctx context.Context, ready func(userURL, adminURL string)) error {
	userLn, err := net.Listen("tcp", s.user.addr)
	if err != nil {
		return fmt.Errorf("server: user listener (--addr): %w", err)
	}
	adminLn, err := net.Listen("tcp", s.admin.addr)
	if err != nil {
		userLn.Close()
		return fmt.Errorf("server: admin listener (--admin-addr): %w", err)
	}

	errc := make(chan error, 2)
	var servers []*http.Server
	// Closed when the shutdown begins: event streams end at once instead of
	// holding the shutdown until its timeout.
	stopping := make(chan struct{})
	var stopOnce sync.Once
	base := httpx.WithShutdown(context.Background(), stopping)
	for _, p := range []struct {
		l  *listener
		ln net.Listener
	}{{s.user, userLn}, {s.admin, adminLn}} {
		srv := &http.Server{
			Handler:           p.l.handler,
			TLSConfig:         p.l.tls,
			ReadHeaderTimeout: readHeaderTimeout,
			IdleTimeout:       idleTimeout,
			MaxHeaderBytes:    maxHeaderBytes,
			ErrorLog:          slog.NewLogLogger(s.log.With("listener", string(p.l.name)).Handler(), slog.LevelWarn),
			BaseContext:       func(net.Listener) context.Context { return base },
		}
		srv.RegisterOnShutdown(func() { stopOnce.Do(func() { close(stopping) }) })
		servers = append(servers, srv)
		go func(l *listener, ln net.Listener) {
			var err error
			if l.tls != nil {
				err = srv.ServeTLS(ln, "", "")
			} else {
				err = srv.Serve(ln)
			}
			if errors.Is(err, http.ErrServerClosed) {
				err = nil
			} else if err != nil {
				err = fmt.Errorf("server: %s listener: %w", l.name, err)
			}
			errc <- err
		}(p.l, p.ln)
	}

	userURL := s.url(care.UserListener, userLn.Addr())
	adminURL := s.url(care.AdminListener, adminLn.Addr())
	s.log.Info("listening", "user", userURL, "admin", adminURL, "user_tls", s.user.tls != nil)
	if ready != nil {
		ready(userURL, adminURL)
	}

	var runErr error
	select {
	case <-ctx.Done():
	case runErr = <-errc:
		if runErr == nil {
			runErr = errors.New("server: a listener stopped unexpectedly")
		}
	}

	s.log.Info("shutting down", "timeout", s.shutdown.String())
	sctx, cancel := context.WithTimeout(context.Background(), s.shutdown)
	defer cancel()
	shutdownErrs := make(chan error, len(servers))
	for _, srv := range servers {
		go func(srv *http.Server) {
			err := srv.Shutdown(sctx)
			if err != nil {
				// Requests still running at the deadline (long streams)
				// are cut off.
				srv.Close()
			}
			shutdownErrs <- err
		}(srv)
	}
	for range servers {
		if err := <-shutdownErrs; err != nil && runErr == nil && !errors.Is(err, context.DeadlineExceeded) {
			runErr = fmt.Errorf("server: shutdown: %w", err)
		}
	}
	s.log.Info("stopped")
	return runErr
}

// url returns the URL people use to reach the listener bound at addr.
func (s *Server) url(l care.Listener, addr net.Addr) string {
	if l == care.UserListener {
		c := s.cfg
		c.Addr = addr.String()
		return c.BaseURL()
	}
	host, port, err := net.SplitHostPort(addr.String())
	if err != nil {
		return "https://" + addr.String()
	}
	if host == "" || host == "0.0.0.0" || host == "::" {
		host = "localhost"
	}
	if strings.Contains(host, ":") {
		host = "[" + host + "]"
	}
	return "https://" + host + ":" + port
}

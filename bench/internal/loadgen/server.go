package loadgen

import (
	"fmt"
	"log/slog"
	"net"
	"net/http"
	"os"
	"time"

	"github.com/renrakucho/renrakucho/internal/app"
	"github.com/renrakucho/renrakucho/internal/care"
	"github.com/renrakucho/renrakucho/internal/config"
	"github.com/renrakucho/renrakucho/internal/i18n"
	"github.com/renrakucho/renrakucho/internal/pki"
	"github.com/renrakucho/renrakucho/internal/server"
)

// UserHandler returns the real user listener's handler, composed by
// package server exactly as renrakucho serves it: logging, metrics,
// security headers, cross-origin protection, the session middleware, and
// the API and page routes. The caller serves it on a socket of its own.
func UserHandler(a *app.App, log *slog.Logger) (http.Handler, func(), error) {
	dir, err := os.MkdirTemp("", "renrakucho-bench-ca-")
	if err != nil {
		return nil, nil, err
	}
	cleanup := func() { os.RemoveAll(dir) }
	ca, err := pki.Create(dir, time.Now())
	if err != nil {
		cleanup()
		return nil, nil, fmt.Errorf("create CA: %w", err)
	}
	cat, err := i18n.Load()
	if err != nil {
		cleanup()
		return nil, nil, err
	}
	cfg := config.Default()
	cfg.DataDir = dir
	cfg.Addr = "127.0.0.1:0"
	cfg.AdminAddr = "127.0.0.1:0"
	srv, err := server.New(server.Deps{Config: cfg, App: a, CA: ca, Cat: cat, Log: log})
	if err != nil {
		cleanup()
		return nil, nil, err
	}
	return srv.Handler(care.UserListener), cleanup, nil
}

// Serve serves h with a plain http.Server on 127.0.0.1:0 and returns its
// base URL ("http://127.0.0.1:PORT") and what stops it.
func Serve(h http.Handler) (base string, stop func(), err error) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return "", nil, err
	}
	srv := &http.Server{Handler: h, ReadHeaderTimeout: 10 * time.Second}
	go srv.Serve(ln)
	return "http://" + ln.Addr().String(), func() { srv.Close() }, nil
}

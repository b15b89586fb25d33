package main

import (
	"context"
	"fmt"
	"log/slog"
	"net/http"
	"os"
	"time"

	"github.com/renrakucho/renrakucho/internal/care"
	"github.com/renrakucho/renrakucho/internal/config"
	"github.com/renrakucho/renrakucho/internal/i18n"
	"github.com/renrakucho/renrakucho/internal/pki"
	"github.com/renrakucho/renrakucho/internal/server"
)

// userHandler returns the real user listener's handler, composed by
// package server exactly as renrakucho serves it: logging, metrics,
// security headers, cross-origin protection, the session middleware, and
// the API and page routes. The caller serves it on a socket of its own.
func userHandler(ctx context.Context, s *seeded, log *slog.Logger) (http.Handler, func(), error) {
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
	srv, err := server.New(server.Deps{Config: cfg, App: s.app, CA: ca, Cat: cat, Log: log})
	if err != nil {
		cleanup()
		return nil, nil, err
	}
	return srv.Handler(care.UserListener), cleanup, nil
}

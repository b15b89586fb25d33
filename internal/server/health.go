package server

import (
	"context"
	"io"
	"net/http"
	"time"

	"github.com/renrakucho/renrakucho/internal/httpx"
)

// readyTimeout bounds the database check of /readyz, so a hung database
// makes the probe fail rather than hang.
const readyTimeout = 3 * time.Second

// healthRoutes are the probes of DESIGN §8, on both listeners and without a
// session: /healthz says the process serves, /readyz that the database
// answers too.
func (s *Server) healthRoutes() []httpx.Route {
	return []httpx.Route{
		{Method: http.MethodGet, Pattern: "/healthz", Public: true, Handler: http.HandlerFunc(s.healthz)},
		{Method: http.MethodGet, Pattern: "/readyz", Public: true, Handler: http.HandlerFunc(s.readyz)},
	}
}

func (s *Server) healthz(w http.ResponseWriter, r *http.Request) {
	writeText(w, http.StatusOK, "ok\n")
}

func (s *Server) readyz(w http.ResponseWriter, r *http.Request) {
	ctx, cancel := context.WithTimeout(r.Context(), readyTimeout)
	defer cancel()
	if err := s.app.Ready(ctx); err != nil {
		s.log.WarnContext(ctx, "not ready", "err", err.Error(), "request_id", httpx.RequestID(ctx))
		writeText(w, http.StatusServiceUnavailable, "not ready\n")
		return
	}
	writeText(w, http.StatusOK, "ok\n")
}

func writeText(w http.ResponseWriter, status int, body string) {
	w.Header().Set("Content-Type", "text/plain; charset=utf-8")
	w.Header().Set("Cache-Control", "no-store")
	w.WriteHeader(status)
	io.WriteString(w, body)
}

package httpx

import (
	"log/slog"
	"net/http"
	"strings"

	"github.com/renrakucho/renrakucho/internal/care"
)

// Route is one entry of a listener's route table. The tables are data so
// that the cross-tenant matrix test can enumerate every route, and fails
// for a route it has no entry for.
type Route struct {
	Method  string // GET, POST, PATCH, DELETE…
	Pattern string // a ServeMux path pattern, e.g. /api/v1/users/{id}
	// Public routes need no session (login, health); all others do.
	Public  bool
	Handler http.Handler
}

// Key returns "METHOD PATTERN", the route's name in the matrix.
func (r Route) Key() string { return r.Method + " " + r.Pattern }

// Register adds the routes to mux with method patterns.
func Register(mux *http.ServeMux, routes []Route) {
	for _, rt := range routes {
		mux.Handle(rt.Method+" "+rt.Pattern, rt.Handler)
	}
}

// PathParam is r.PathValue, trimmed and length-bounded: IDs are opaque and
// short, so anything longer is simply not found.
func PathParam(r *http.Request, name string) string {
	v := strings.TrimSpace(r.PathValue(name))
	if len(v) > 100 {
		return ""
	}
	return v
}

// RequireActor returns the request's actor, or unauthorized.
func RequireActor(r *http.Request) (care.Actor, error) {
	a, ok := ActorFrom(r.Context())
	if !ok {
		return care.Actor{}, care.Unauthorized()
	}
	return a, nil
}

// Logger logs each request once, with its status and duration.
func Logger(log *slog.Logger, next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		id := NewRequestID()
		r = r.WithContext(WithRequestID(r.Context(), id))
		sw := &statusWriter{ResponseWriter: w, status: 200}
		next.ServeHTTP(sw, r)
		log.LogAttrs(r.Context(), slog.LevelInfo, "http", slog.String("method", r.Method),
			slog.String("path", r.URL.Path), slog.Int("status", sw.status), slog.String("request_id", id))
	})
}

type statusWriter struct {
	http.ResponseWriter
	status int
}

func (w *statusWriter) WriteHeader(code int) { w.status = code; w.ResponseWriter.WriteHeader(code) }

// Unwrap lets http.ResponseController reach the underlying writer (flushing
// server-sent events).
func (w *statusWriter) Unwrap() http.ResponseWriter { return w.ResponseWriter }

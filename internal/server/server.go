package server

import (
	"crypto/tls"
	"errors"
	"fmt"
	"log/slog"
	"net/http"
	"time"

	"github.com/renrakucho/renrakucho/internal/api"
	"github.com/renrakucho/renrakucho/internal/app"
	"github.com/renrakucho/renrakucho/internal/care"
	"github.com/renrakucho/renrakucho/internal/config"
	"github.com/renrakucho/renrakucho/internal/httpx"
	"github.com/renrakucho/renrakucho/internal/i18n"
	"github.com/renrakucho/renrakucho/internal/pki"
	"github.com/renrakucho/renrakucho/internal/web"
)

// RoutesFunc returns the pages and API routes of the listener that
// sessions belongs to (sessions.Listener).
type RoutesFunc func(sessions httpx.Sessions) ([]httpx.Route, error)

// Deps are what New needs.
type Deps struct {
	// Config is the validated configuration: addresses, TLS files,
	// trusted proxies, the request body limit.
	Config config.Config
	App    *app.App
	// CA is the deployment CA: it verifies admin client certificates and,
	// unless Config names certificate files, issues the admin listener's
	// server certificate.
	CA  *pki.CA
	Cat *i18n.Catalogs
	Log *slog.Logger
	// Routes returns the API and page routes of one listener; nil means
	// StandardRoutes (the api and web packages).
	Routes RoutesFunc
	// ShutdownTimeout bounds the graceful shutdown of Run; 0 means 10 s.
	ShutdownTimeout time.Duration
	// Now is the clock for issuing and checking certificates; nil means
	// time.Now.
	Now func() time.Time
}

// Server holds the composed handlers and TLS settings of both listeners.
type Server struct {
	cfg      config.Config
	app      *app.App
	ca       *pki.CA
	cat      *i18n.Catalogs
	log      *slog.Logger
	now      func() time.Time
	shutdown time.Duration
	metrics  *metrics
	user     *listener
	admin    *listener
}

// listener is everything about one of the two doors.
type listener struct {
	name     care.Listener
	addr     string
	sessions httpx.Sessions
	routes   []httpx.Route
	handler  http.Handler
	tls      *tls.Config // nil: plain HTTP
}

// StandardRoutes returns the RoutesFunc of the real application: the JSON
// API's routes followed by the pages' routes.
func StandardRoutes(a *app.App, cat *i18n.Catalogs, log *slog.Logger, maxBody int64) RoutesFunc {
	return func(s httpx.Sessions) ([]httpx.Route, error) {
		w, err := web.New(web.Deps{App: a, Cat: cat, Log: log, Sessions: s, MaxBody: maxBody})
		if err != nil {
			return nil, fmt.Errorf("server: pages of the %s listener: %w", s.Listener, err)
		}
		routes := api.New(api.Deps{App: a, Cat: cat, Log: log, Sessions: s, MaxBody: maxBody}).Routes()
		return append(routes, w.Routes()...), nil
	}
}

// New builds both listeners' route tables, handlers and TLS settings. It
// binds no socket; Run does.
func New(d Deps) (*Server, error) {
	if d.App == nil || d.CA == nil || d.Cat == nil {
		return nil, errors.New("server: App, CA and Cat are required")
	}
	if d.Log == nil {
		d.Log = slog.Default()
	}
	if d.Now == nil {
		d.Now = time.Now
	}
	if d.ShutdownTimeout <= 0 {
		d.ShutdownTimeout = 10 * time.Second
	}
	if d.Routes == nil {
		d.Routes = StandardRoutes(d.App, d.Cat, d.Log, d.Config.MaxBody)
	}
	prefixes, err := d.Config.TrustedPrefixes()
	if err != nil {
		return nil, err
	}
	s := &Server{cfg: d.Config, app: d.App, ca: d.CA, cat: d.Cat, log: d.Log, now: d.Now,
		shutdown: d.ShutdownTimeout, metrics: newMetrics()}

	userTLS, adminTLS, err := s.tlsConfigs()
	if err != nil {
		return nil, err
	}
	s.user = &listener{name: care.UserListener, addr: d.Config.Addr, tls: userTLS}
	s.admin = &listener{name: care.AdminListener, addr: d.Config.AdminAddr, tls: adminTLS}
	for _, l := range []*listener{s.user, s.admin} {
		l.sessions = httpx.Sessions{Listener: l.name, Secure: l.tls != nil, Proxies: httpx.Proxies(prefixes),
			Authenticate: d.App.Authenticate, Check: d.App.CheckSession}
		routes, err := d.Routes(l.sessions)
		if err != nil {
			return nil, err
		}
		l.routes = append(routes, s.healthRoutes()...)
		if l.name == care.AdminListener {
			l.routes = append(l.routes, s.metrics.route())
		}
		if l.handler, err = s.compose(l); err != nil {
			return nil, err
		}
	}
	return s, nil
}

// Routes returns every route of the listener: API, pages, health and (admin
// listener) metrics. The cross-tenant matrix test enumerates these.
func (s *Server) Routes(l care.Listener) []httpx.Route {
	return append([]httpx.Route(nil), s.listener(l).routes...)
}

// Handler returns the listener's composed handler, the one Run serves.
func (s *Server) Handler(l care.Listener) http.Handler { return s.listener(l).handler }

// Sessions returns the session settings of the listener (its cookie name,
// whether cookies are Secure).
func (s *Server) Sessions(l care.Listener) httpx.Sessions { return s.listener(l).sessions }

// TLSConfig returns the listener's TLS settings, nil for plain HTTP.
func (s *Server) TLSConfig(l care.Listener) *tls.Config { return s.listener(l).tls }

func (s *Server) listener(l care.Listener) *listener {
	if l == care.AdminListener {
		return s.admin
	}
	return s.user
}

// compose registers the listener's routes on a fresh mux and wraps it.
// A route table with two routes for one pattern is a programming error
// that ServeMux reports by panicking; New returns it as an error instead.
func (s *Server) compose(l *listener) (h http.Handler, err error) {
	mux := http.NewServeMux()
	known := make(map[string]bool, len(l.routes))
	defer func() {
		if p := recover(); p != nil {
			h, err = nil, fmt.Errorf("server: %s listener routes: %v", l.name, p)
		}
	}()
	for _, rt := range l.routes {
		if rt.Handler == nil {
			return nil, fmt.Errorf("server: %s listener: route %s has no handler", l.name, rt.Key())
		}
		known[rt.Key()] = true
	}
	httpx.Register(mux, l.routes)

	cop := http.NewCrossOriginProtection()
	if s.cfg.PublicURL != "" && l.name == care.UserListener {
		if err := cop.AddTrustedOrigin(s.cfg.BaseURL()); err != nil {
			return nil, fmt.Errorf("server: trusted origin: %w", err)
		}
	}
	cop.SetDenyHandler(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		s.writeError(w, r, &care.Error{Code: care.EForbidden, Key: "error.csrf"})
	}))

	inner := l.sessions.Middleware(s.fallback(mux))
	if l.name == care.AdminListener {
		inner = s.adminGate(inner)
	}
	h = httpx.Logger(s.log, s.metrics.instrument(l.name, mux, known,
		httpx.SecureHeaders(cop.Handler(inner))))
	return h, nil
}

package server

import (
	"net/http"
	"strconv"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/collectors"
	"github.com/prometheus/client_golang/prometheus/promhttp"

	"github.com/renrakucho/renrakucho/internal/care"
	"github.com/renrakucho/renrakucho/internal/httpx"
)

// unmatched is the route label of requests no route matched, so that
// scanners probing random paths cannot grow the number of series.
const unmatched = "unmatched"

// metrics are the server's Prometheus metrics, in a registry of its own
// (not the global one), so several servers can live in one process.
type metrics struct {
	reg      *prometheus.Registry
	requests *prometheus.CounterVec
	duration *prometheus.HistogramVec
	inFlight *prometheus.GaugeVec
}

func newMetrics() *metrics {
	m := &metrics{
		reg: prometheus.NewRegistry(),
		requests: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "renrakucho_http_requests_total",
			Help: "HTTP requests served, by listener, route pattern and status.",
		}, []string{"listener", "route", "status"}),
		duration: prometheus.NewHistogramVec(prometheus.HistogramOpts{
			Name:    "renrakucho_http_request_duration_seconds",
			Help:    "Time to serve an HTTP request, by listener, route pattern and status.",
			Buckets: []float64{.005, .01, .025, .05, .1, .25, .5, 1, 2.5, 5, 10, 30},
		}, []string{"listener", "route", "status"}),
		inFlight: prometheus.NewGaugeVec(prometheus.GaugeOpts{
			Name: "renrakucho_http_requests_in_flight",
			Help: "HTTP requests being served, by listener.",
		}, []string{"listener"}),
	}
	m.reg.MustRegister(m.requests, m.duration, m.inFlight,
		collectors.NewGoCollector(),
		collectors.NewProcessCollector(collectors.ProcessCollectorOpts{}),
		collectors.NewBuildInfoCollector())
	return m
}

// route is GET /metrics on the admin listener. It needs no session: the
// listener's client-certificate gate is what protects it, and a scraper
// has no account to log in with.
func (m *metrics) route() httpx.Route {
	return httpx.Route{Method: http.MethodGet, Pattern: "/metrics", Public: true,
		Handler: promhttp.HandlerFor(m.reg, promhttp.HandlerOpts{})}
}

// instrument counts and times every request of the listener, labelled
// with the pattern of the route mux picks for it (one of known) or
// "unmatched".
func (m *metrics) instrument(l care.Listener, mux *http.ServeMux, known map[string]bool, next http.Handler) http.Handler {
	inFlight := m.inFlight.WithLabelValues(string(l))
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		route := unmatched
		if _, pattern := mux.Handler(r); known[pattern] {
			route = pattern
		}
		start := time.Now()
		inFlight.Inc()
		sw := &statusWriter{ResponseWriter: w}
		defer func() {
			inFlight.Dec()
			status := sw.status
			if status == 0 {
				status = http.StatusOK
			}
			labels := prometheus.Labels{"listener": string(l), "route": route, "status": strconv.Itoa(status)}
			m.requests.With(labels).Inc()
			m.duration.With(labels).Observe(time.Since(start).Seconds())
		}()
		next.ServeHTTP(sw, r)
	})
}

// statusWriter remembers the status written. Flush and Unwrap keep
// streaming responses (server-sent events) working through it.
type statusWriter struct {
	http.ResponseWriter
	status int
}

func (w *statusWriter) WriteHeader(code int) {
	if w.status == 0 && code >= 200 { // 1xx are interim, the real status follows
		w.status = code
	}
	w.ResponseWriter.WriteHeader(code)
}

func (w *statusWriter) Write(b []byte) (int, error) {
	if w.status == 0 {
		w.status = http.StatusOK
	}
	return w.ResponseWriter.Write(b)
}

func (w *statusWriter) Flush() {
	http.NewResponseController(w.ResponseWriter).Flush()
}

func (w *statusWriter) Unwrap() http.ResponseWriter { return w.ResponseWriter }

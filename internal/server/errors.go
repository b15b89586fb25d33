package server

import (
	"encoding/json"
	"html/template"
	"net/http"
	"strings"

	"github.com/renrakucho/renrakucho/internal/care"
	"github.com/renrakucho/renrakucho/internal/httpx"
)

// fallback serves mux, and answers what no route matches in the house
// style instead of ServeMux's plain text: an unknown path is 404, a known
// path with another method 405 (with Allow), both as a problem document
// under /api/ and as a page elsewhere.
func (s *Server) fallback(mux *http.ServeMux) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		h, pattern := mux.Handler(r)
		if pattern != "" {
			mux.ServeHTTP(w, r)
			return
		}
		// The mux's own answer tells 404 from 405 and lists the methods.
		probe := &probeWriter{header: http.Header{}}
		h.ServeHTTP(probe, r)
		if probe.status == http.StatusMethodNotAllowed {
			w.Header().Set("Allow", probe.header.Get("Allow"))
			s.writeMethodNotAllowed(w, r)
			return
		}
		s.writeError(w, r, care.Errorf(care.ENotFound, "error.not_found"))
	})
}

// probeWriter records the status a handler writes and discards the rest.
type probeWriter struct {
	header http.Header
	status int
}

func (p *probeWriter) Header() http.Header { return p.header }
func (p *probeWriter) WriteHeader(code int) {
	if p.status == 0 {
		p.status = code
	}
}
func (p *probeWriter) Write(b []byte) (int, error) {
	p.WriteHeader(http.StatusOK)
	return len(b), nil
}

// wantsProblem reports whether the client should get a problem document
// rather than a page: API paths, and clients that ask for JSON.
func wantsProblem(r *http.Request) bool {
	if r.URL.Path == "/api" || strings.HasPrefix(r.URL.Path, "/api/") {
		return true
	}
	accept := r.Header.Get("Accept")
	return strings.Contains(accept, "application/json") || strings.Contains(accept, "application/problem+json")
}

// writeError answers err as a problem document or a page.
func (s *Server) writeError(w http.ResponseWriter, r *http.Request, err error) {
	if wantsProblem(r) {
		httpx.WriteProblem(w, r, s.cat, err)
		return
	}
	e := care.AsError(err)
	s.writePage(w, r, httpx.Status(e.Code), e.Key)
}

// writeMethodNotAllowed answers 405. The error codes of package care have
// no "method" code (a use case never sees a method), so the problem
// document is written here with the invalid code and the 405 status.
func (s *Server) writeMethodNotAllowed(w http.ResponseWriter, r *http.Request) {
	if !wantsProblem(r) {
		s.writePage(w, r, http.StatusMethodNotAllowed, "error.method")
		return
	}
	lang := s.cat.AcceptLanguage(r.Header.Get("Accept-Language"))
	p := httpx.Problem{Type: "about:blank", Title: s.cat.T(lang, "error.method"), Status: http.StatusMethodNotAllowed,
		Code: care.EInvalid, RequestID: httpx.RequestID(r.Context())}
	w.Header().Set("Content-Type", "application/problem+json")
	w.Header().Set("Cache-Control", "no-store")
	w.WriteHeader(p.Status)
	json.NewEncoder(w).Encode(p)
}

// errorPage is the page for requests no page handler answered. It is
// deliberately bare: it needs no session, no tenant and no assets.
var errorPage = template.Must(template.New("error").Parse(`<!doctype html>
<html lang="{{.Lang}}">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>{{.Message}}</title>
</head>
<body>
<main>
<h1>{{.Message}}</h1>
{{with .Hint}}<p>{{.}}</p>{{end}}
{{with .RequestID}}<p>{{$.RequestIDLabel}}<code>{{.}}</code></p>{{end}}
<p><a href="/">{{.Home}}</a></p>
</main>
</body>
</html>
`))

// pageKeys are the catalog keys of errorPage besides the message; a test
// checks that both catalogs define them.
var pageKeys = map[int]string{
	http.StatusNotFound:  "errorpage.hint_404",
	http.StatusForbidden: "errorpage.hint_403",
}

// pageKeyList returns every catalog key the server's own pages use.
func pageKeyList() []string {
	keys := []string{"error.not_found", "error.method", "error.csrf", "error.forbidden", "errorpage.home",
		"errorpage.request_id", "errorpage.hint_other"}
	for _, k := range pageKeys {
		keys = append(keys, k)
	}
	return keys
}

func (s *Server) writePage(w http.ResponseWriter, r *http.Request, status int, key string) {
	lang := s.cat.Lang(r)
	hint, ok := pageKeys[status]
	if !ok {
		hint = "errorpage.hint_other"
	}
	w.Header().Set("Content-Type", "text/html; charset=utf-8")
	w.Header().Set("Cache-Control", "no-store")
	w.WriteHeader(status)
	errorPage.Execute(w, struct{ Lang, Message, Hint, RequestID, RequestIDLabel, Home string }{
		lang, s.cat.T(lang, key), s.cat.T(lang, hint), httpx.RequestID(r.Context()),
		s.cat.T(lang, "errorpage.request_id"), s.cat.T(lang, "errorpage.home")})
}

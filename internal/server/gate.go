package server

import (
	"net/http"

	"github.com/renrakucho/renrakucho/internal/care"
	"github.com/renrakucho/renrakucho/internal/httpx"
)

// adminGate is the admin listener's first handler: every request must
// come with a client certificate that is recorded as an admin certificate,
// not revoked and not expired, or it is refused before any page (the
// password form included) or API. The TLS handshake checks the same; this
// catches a connection opened before its certificate was revoked.
func (s *Server) adminGate(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		// Health answers carry nothing and must not depend on the
		// database (liveness); the handshake already checked the
		// certificate.
		if r.URL.Path == "/healthz" || r.URL.Path == "/readyz" {
			next.ServeHTTP(w, r)
			return
		}
		if err := s.app.CheckAdminConnection(r.Context(), httpx.CertFingerprint(r)); err != nil {
			s.log.Warn("admin request refused", "reason", err.Error(), "remote", r.RemoteAddr)
			s.writeError(w, r, &care.Error{Code: care.EForbidden, Key: "access.error_certificate"})
			return
		}
		next.ServeHTTP(w, r)
	})
}

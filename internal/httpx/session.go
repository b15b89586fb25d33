package httpx

import (
	"context"
	"net/http"
	"strings"

	"github.com/renrakucho/renrakucho/internal/care"
	"github.com/renrakucho/renrakucho/internal/pki"
)

// AuthenticateFunc resolves a session token (app.App.Authenticate).
type AuthenticateFunc func(ctx context.Context, token string, o care.Origin, certFingerprint string) (care.Actor, error)

// Sessions carries the session cookie's settings for one listener and
// resolves the actor of each request.
type Sessions struct {
	Listener     care.Listener
	Secure       bool // cookies only over TLS
	Proxies      Proxies
	Authenticate AuthenticateFunc
	// Check re-validates a session without counting as activity (long-lived
	// streams); nil falls back to Authenticate.
	Check AuthenticateFunc
}

// Recheck validates the request's session again without counting it as
// activity: the session may have expired, been revoked or logged out since
// the stream began.
func (s Sessions) Recheck(r *http.Request) (care.Actor, error) {
	check := s.Check
	if check == nil {
		check = s.Authenticate
	}
	return check(r.Context(), s.Token(r), s.Proxies.Origin(r, s.Listener), CertFingerprint(r))
}

// CookieName is the session cookie's name. The two listeners use different
// names because browsers share cookies between ports of one host; over TLS
// the __Host- prefix pins the cookie to this exact origin.
func (s Sessions) CookieName() string {
	name := "rk_session"
	if s.Listener == care.AdminListener {
		name = "rk_admin"
	}
	if s.Secure {
		return "__Host-" + name
	}
	return name
}

// SetCookie stores the session token in the browser.
func (s Sessions) SetCookie(w http.ResponseWriter, token string) {
	http.SetCookie(w, &http.Cookie{Name: s.CookieName(), Value: token, Path: "/", HttpOnly: true,
		Secure: s.Secure, SameSite: http.SameSiteLaxMode})
}

// ClearCookie removes the session cookie.
func (s Sessions) ClearCookie(w http.ResponseWriter) {
	http.SetCookie(w, &http.Cookie{Name: s.CookieName(), Value: "", Path: "/", HttpOnly: true,
		Secure: s.Secure, SameSite: http.SameSiteLaxMode, MaxAge: -1})
}

// Token returns the request's session token: a bearer token, else the cookie.
func (s Sessions) Token(r *http.Request) string {
	if h := r.Header.Get("Authorization"); h != "" {
		if tok, ok := strings.CutPrefix(h, "Bearer "); ok {
			return strings.TrimSpace(tok)
		}
		return ""
	}
	if c, err := r.Cookie(s.CookieName()); err == nil {
		return c.Value
	}
	return ""
}

// CertFingerprint returns the fingerprint of the verified client
// certificate, "" without one.
func CertFingerprint(r *http.Request) string {
	if r.TLS == nil || len(r.TLS.VerifiedChains) == 0 || len(r.TLS.PeerCertificates) == 0 {
		return ""
	}
	return pki.Fingerprint(r.TLS.PeerCertificates[0])
}

// Middleware puts the actor of a valid session in the request context. It
// rejects nothing: each route decides whether it needs an actor. An expired
// session's error is kept so pages can say why the user must log in again.
func (s Sessions) Middleware(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		tok := s.Token(r)
		if tok == "" {
			next.ServeHTTP(w, r)
			return
		}
		act, err := s.Authenticate(r.Context(), tok, s.Proxies.Origin(r, s.Listener), CertFingerprint(r))
		if err == nil {
			r = r.WithContext(WithActor(r.Context(), act))
		} else {
			r = r.WithContext(withAuthError(r.Context(), err))
		}
		next.ServeHTTP(w, r)
	})
}

type authErrKey struct{}

func withAuthError(ctx context.Context, err error) context.Context {
	return context.WithValue(ctx, authErrKey{}, err)
}

// AuthError returns why the request's session was refused, if it was.
func AuthError(ctx context.Context) error {
	err, _ := ctx.Value(authErrKey{}).(error)
	return err
}

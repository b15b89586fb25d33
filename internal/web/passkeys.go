package web

import (
	"encoding/json"
	"io"
	"net/http"

	"github.com/renrakucho/renrakucho/internal/care"
	"github.com/renrakucho/renrakucho/internal/httpx"
)

// The WebAuthn ceremonies answer JSON to static/passkey.js; every other
// step of the second factor works without JavaScript (TOTP).

// maxCeremonyBody bounds an authenticator's answer.
const maxCeremonyBody = 64 << 10

// ceremonyOrigin is the origin the browser runs the ceremony at; the app
// accepts only its own host.
func ceremonyOrigin(r *http.Request) string { return r.Header.Get("Origin") }

func writeCeremony(rw http.ResponseWriter, v []byte) error {
	rw.Header().Set("Content-Type", "application/json")
	rw.Header().Set("Cache-Control", "no-store")
	_, err := rw.Write(v)
	return err
}

func (w *Web) ceremonyFailed(rw http.ResponseWriter, r *http.Request, err error) error {
	if e := care.AsError(err); e.Code == care.EInvalid || e.Code == care.EUnauthorized {
		httpx.WriteProblem(rw, r, w.cat, err)
		return nil
	}
	return err
}

func readCeremony(rw http.ResponseWriter, r *http.Request) ([]byte, error) {
	b, err := io.ReadAll(http.MaxBytesReader(rw, r.Body, maxCeremonyBody))
	if err != nil {
		return nil, &care.Error{Code: care.EInvalid, Key: "error.passkey_failed", Err: err}
	}
	return b, nil
}

// passkeyRegisterOptions starts adding a passkey.
func (w *Web) passkeyRegisterOptions(rw http.ResponseWriter, r *http.Request, act care.Actor) error {
	opts, err := w.app.BeginPasskeyRegistration(r.Context(), act, ceremonyOrigin(r))
	if err != nil {
		return w.ceremonyFailed(rw, r, err)
	}
	return writeCeremony(rw, opts)
}

// passkeyRegister stores the new passkey, rotates the session and says
// where to go next.
func (w *Web) passkeyRegister(rw http.ResponseWriter, r *http.Request, act care.Actor) error {
	body, err := readCeremony(rw, r)
	if err != nil {
		return w.ceremonyFailed(rw, r, err)
	}
	out, err := w.app.FinishPasskeyRegistration(r.Context(), act, r.URL.Query().Get("name"), body)
	if err != nil {
		return w.ceremonyFailed(rw, r, err)
	}
	w.sess.SetCookie(rw, out.Token)
	next := w.base(out.Actor)
	if act.Stage == "" {
		next += "account/factors?notice=passkey_added"
	}
	b, _ := json.Marshal(map[string]string{"next": next})
	return writeCeremony(rw, b)
}

// passkeyLoginOptions starts a login's second factor with a passkey.
func (w *Web) passkeyLoginOptions(rw http.ResponseWriter, r *http.Request, act care.Actor) error {
	opts, err := w.app.BeginPasskeyLogin(r.Context(), act, ceremonyOrigin(r))
	if err != nil {
		return w.ceremonyFailed(rw, r, err)
	}
	return writeCeremony(rw, opts)
}

// passkeyLogin completes the login with the authenticator's answer.
func (w *Web) passkeyLogin(rw http.ResponseWriter, r *http.Request, act care.Actor) error {
	body, err := readCeremony(rw, r)
	if err != nil {
		return w.ceremonyFailed(rw, r, err)
	}
	token, full, err := w.app.FinishPasskeyLogin(r.Context(), act, body)
	if err != nil {
		if care.ErrorCode(err) == care.EUnauthorized {
			w.sess.ClearCookie(rw)
			b, _ := json.Marshal(map[string]string{"next": w.loginPath(r) + "?notice=factor_failed"})
			rw.WriteHeader(http.StatusUnauthorized)
			return writeCeremony(rw, b)
		}
		return w.ceremonyFailed(rw, r, err)
	}
	w.sess.SetCookie(rw, token)
	b, _ := json.Marshal(map[string]string{"next": w.base(full)})
	return writeCeremony(rw, b)
}

package web

import (
	"html/template"
	"net/http"
	"strings"

	"github.com/renrakucho/renrakucho/internal/app"
	"github.com/renrakucho/renrakucho/internal/care"
	"github.com/renrakucho/renrakucho/internal/httpx"
)

// The pages of the second factor and of one's sessions.
const (
	pageFactor   = "factor"   // a login's second step
	pageEnrol    = "enrol"    // enrolling a factor (at login or from the factors page)
	pageRecovery = "recovery" // recovery codes, shown once
	pageFactors  = "factors"  // one's factors
	pageSessions = "sessions" // one's sessions
)

var codeSpec = &formSpec{fields: []specField{{name: "code", label: "mfa.code"}}}

// base is the path prefix of the actor's pages on this listener.
func (w *Web) base(act care.Actor) string {
	if w.admin() {
		return "/"
	}
	return tenantPath(act.TenantSlug, "")
}

// pending wraps a page of a login's second step: it needs the token of a
// login that waits for its second factor, which authorises nothing else.
func (w *Web) pending(fn pageFunc) http.Handler {
	return w.handle(func(rw http.ResponseWriter, r *http.Request) error {
		act, err := w.app.PendingLogin(r.Context(), w.sess.Token(r), w.sess.Proxies.Origin(r, w.sess.Listener), httpx.CertFingerprint(r))
		if err == nil && !w.admin() && act.TenantSlug != tenantParam(r) {
			err = care.Unauthorized()
		}
		if err != nil {
			w.sess.ClearCookie(rw)
			return redirect(rw, r, w.loginPath(r)+"?expired=1")
		}
		return fn(rw, r, act)
	})
}

func (w *Web) loginPath(r *http.Request) string {
	if w.admin() {
		return "/login"
	}
	return tenantPath(tenantParam(r), "login")
}

// afterLogin sends a login on to its second step, or home.
func (w *Web) afterLogin(rw http.ResponseWriter, r *http.Request, act care.Actor) error {
	switch act.Stage {
	case "factor":
		return redirect(rw, r, w.base(act)+"login/factor")
	case "enrol":
		return redirect(rw, r, w.base(act)+"login/enrol")
	}
	return redirect(rw, r, w.base(act))
}

type factorData struct {
	app.FactorState
	Base string
	// Enrol is the TOTP being enrolled (enrolment pages), QR its QR code
	// as a data: URL made here (html/template refuses data: URLs it did
	// not see typed as safe).
	Enrol *app.TOTPEnrolment
	QR    template.URL
	// AtLogin says the page is a login's step, not the factors page.
	AtLogin bool
	// Codes are new recovery codes (recovery page).
	Codes []string
	// Next is where the recovery page continues.
	Next string
	// Sessions lists one's sessions (sessions page).
	Sessions []app.SessionInfo
}

// factorPage asks for the second factor of a login.
func (w *Web) factorPage(rw http.ResponseWriter, r *http.Request, act care.Actor) error {
	if act.Stage != "factor" {
		return w.afterLogin(rw, r, act)
	}
	return w.renderFactor(rw, r, http.StatusOK, act, newForm(codeSpec, nil))
}

func (w *Web) renderFactor(rw http.ResponseWriter, r *http.Request, status int, act care.Actor, f *Form) error {
	st, err := w.app.Factors(r.Context(), act)
	if err != nil {
		return err
	}
	return w.render(rw, r, status, pageFactor, view{Form: f, Data: factorData{FactorState: st, Base: w.base(act), AtLogin: true}})
}

// verifyFactor checks the code. A wrong one ends the pending login: back
// to the password.
func (w *Web) verifyFactor(rw http.ResponseWriter, r *http.Request, act care.Actor) error {
	f, err := w.parseForm(rw, r, codeSpec)
	if err != nil {
		return err
	}
	token, full, err := w.app.VerifyFactor(r.Context(), act, strings.TrimSpace(f.Get("code")))
	if err != nil {
		if care.ErrorCode(err) == care.EUnauthorized {
			w.sess.ClearCookie(rw)
			return redirect(rw, r, w.loginPath(r)+"?notice=factor_failed")
		}
		return err
	}
	w.sess.SetCookie(rw, token)
	return redirect(rw, r, w.base(full))
}

// cancelLogin ends a pending login.
func (w *Web) cancelLogin(rw http.ResponseWriter, r *http.Request, act care.Actor) error {
	w.sess.ClearCookie(rw)
	if err := w.app.Logout(r.Context(), act); err != nil {
		return err
	}
	return redirect(rw, r, w.loginPath(r)+"?notice=logged_out")
}

// enrolPage shows how to add a TOTP (QR code and the secret to type) and
// a passkey: at login for an account that must have a factor and has
// none, or from the factors page.
func (w *Web) enrolPage(rw http.ResponseWriter, r *http.Request, act care.Actor) error {
	if act.Stage == "factor" {
		return w.afterLogin(rw, r, act)
	}
	return w.renderEnrol(rw, r, http.StatusOK, act, newForm(codeSpec, nil))
}

func (w *Web) renderEnrol(rw http.ResponseWriter, r *http.Request, status int, act care.Actor, f *Form) error {
	st, err := w.app.Factors(r.Context(), act)
	if err != nil {
		return err
	}
	d := factorData{FactorState: st, Base: w.base(act), AtLogin: act.Stage != ""}
	if !st.TOTP {
		e, err := w.app.BeginTOTP(r.Context(), act)
		if err != nil {
			return err
		}
		d.Enrol, d.QR = &e, template.URL(e.QR)
	}
	return w.render(rw, r, status, pageEnrol, view{Form: f, Data: d})
}

// confirmEnrol confirms a TOTP with its first code, rotates the session
// and shows the recovery codes once.
func (w *Web) confirmEnrol(rw http.ResponseWriter, r *http.Request, act care.Actor) error {
	f, err := w.parseForm(rw, r, codeSpec)
	if err != nil {
		return err
	}
	out, err := w.app.ConfirmTOTP(r.Context(), act, strings.TrimSpace(f.Get("code")))
	if err != nil {
		return refill(f, err, func(status int) error { return w.renderEnrol(rw, r, status, act, f) })
	}
	w.sess.SetCookie(rw, out.Token)
	next := w.base(out.Actor)
	if act.Stage == "" {
		next += "account/factors"
	}
	return w.renderRecovery(rw, r, out.Actor, out.RecoveryCodes, next)
}

func (w *Web) renderRecovery(rw http.ResponseWriter, r *http.Request, act care.Actor, codes []string, next string) error {
	return w.render(rw, r, http.StatusOK, pageRecovery, view{Actor: &act, Data: factorData{Base: w.base(act), Codes: codes, Next: next}})
}

// factors lists the actor's second factors.
func (w *Web) factors(rw http.ResponseWriter, r *http.Request, act care.Actor) error {
	st, err := w.app.Factors(r.Context(), act)
	if err != nil {
		return err
	}
	return w.render(rw, r, http.StatusOK, pageFactors, view{Notice: noticeKey(r), Data: factorData{FactorState: st, Base: w.base(act)}})
}

// accountEnrol is the enrolment page reached from the factors page.
func (w *Web) accountEnrol(rw http.ResponseWriter, r *http.Request, act care.Actor) error {
	return w.renderEnrol(rw, r, http.StatusOK, act, newForm(codeSpec, nil))
}

// removeTOTP removes the actor's TOTP and its recovery codes.
func (w *Web) removeTOTP(rw http.ResponseWriter, r *http.Request, act care.Actor) error {
	return w.removeFactor(rw, r, act, "totp", "")
}

// removePasskey removes one of the actor's passkeys.
func (w *Web) removePasskey(rw http.ResponseWriter, r *http.Request, act care.Actor) error {
	return w.removeFactor(rw, r, act, "passkey", r.PathValue("id"))
}

func (w *Web) removeFactor(rw http.ResponseWriter, r *http.Request, act care.Actor, kind, id string) error {
	if err := w.app.RemoveFactor(r.Context(), act, kind, id); err != nil {
		if care.ErrorCode(err) == care.EConflict {
			st, ferr := w.app.Factors(r.Context(), act)
			if ferr != nil {
				return ferr
			}
			return w.render(rw, r, http.StatusConflict, pageFactors, view{Notice: care.AsError(err).Key,
				Data: factorData{FactorState: st, Base: w.base(act)}})
		}
		return err
	}
	return redirect(rw, r, w.base(act)+"account/factors?notice=removed")
}

// newRecoveryCodes replaces the actor's recovery codes and shows the new
// ones once.
func (w *Web) newRecoveryCodes(rw http.ResponseWriter, r *http.Request, act care.Actor) error {
	codes, err := w.app.NewRecoveryCodes(r.Context(), act)
	if err != nil {
		return err
	}
	return w.renderRecovery(rw, r, act, codes, w.base(act)+"account/factors")
}

// sessions lists the actor's sessions on both listeners.
func (w *Web) sessions(rw http.ResponseWriter, r *http.Request, act care.Actor) error {
	ss, err := w.app.MySessions(r.Context(), act)
	if err != nil {
		return err
	}
	return w.render(rw, r, http.StatusOK, pageSessions, view{Notice: noticeKey(r), Data: factorData{Base: w.base(act), Sessions: ss}})
}

// revokeSession ends one of the actor's sessions; ending the current one
// is a logout.
func (w *Web) revokeSession(rw http.ResponseWriter, r *http.Request, act care.Actor) error {
	id := r.PathValue("id")
	if err := w.app.RevokeSession(r.Context(), act, id); err != nil {
		return err
	}
	if id == act.SessionID {
		w.sess.ClearCookie(rw)
		return redirect(rw, r, w.loginPath(r)+"?notice=logged_out")
	}
	return redirect(rw, r, w.base(act)+"account/sessions?notice=revoked")
}

// resetUserFactors clears a user's factors (lost phone), by an admin.
func (w *Web) resetUserFactors(rw http.ResponseWriter, r *http.Request, act care.Actor) error {
	id := r.PathValue("id")
	if err := w.app.ResetFactors(r.Context(), act, id); err != nil {
		return err
	}
	return redirect(rw, r, "/admin/users/"+id+"?notice=factors_reset")
}

// signOutUser ends every session of a user, by an admin.
func (w *Web) signOutUser(rw http.ResponseWriter, r *http.Request, act care.Actor) error {
	id := r.PathValue("id")
	if err := w.app.SignOutEverywhere(r.Context(), act, id); err != nil {
		return err
	}
	return redirect(rw, r, "/admin/users/"+id+"?notice=signed_out")
}

// factorRoutes are the second-factor and session pages under a listener's
// prefix ("/t/{tenant}/" or "/").
func (w *Web) factorRoutes(p string) []httpx.Route {
	page := func(method, pattern string, fn pageFunc) httpx.Route {
		return httpx.Route{Method: method, Pattern: pattern, Handler: w.session(fn)}
	}
	pend := func(method, pattern string, fn pageFunc) httpx.Route {
		return httpx.Route{Method: method, Pattern: pattern, Public: true, Handler: w.pending(fn)}
	}
	return []httpx.Route{
		pend("GET", p+"login/factor", w.factorPage),
		pend("POST", p+"login/factor", w.verifyFactor),
		pend("GET", p+"login/enrol", w.enrolPage),
		pend("POST", p+"login/enrol", w.confirmEnrol),
		pend("POST", p+"login/cancel", w.cancelLogin),
		pend("POST", p+"login/passkey/options", w.passkeyLoginOptions),
		pend("POST", p+"login/passkey", w.passkeyLogin),
		pend("POST", p+"login/enrol/passkey/options", w.passkeyRegisterOptions),
		pend("POST", p+"login/enrol/passkey", w.passkeyRegister),

		page("GET", p+"account/factors", w.factors),
		page("GET", p+"account/factors/totp", w.accountEnrol),
		page("POST", p+"account/factors/totp", w.confirmEnrol),
		page("POST", p+"account/factors/totp/remove", w.removeTOTP),
		page("POST", p+"account/factors/recovery", w.newRecoveryCodes),
		page("POST", p+"account/factors/passkeys/options", w.passkeyRegisterOptions),
		page("POST", p+"account/factors/passkeys", w.passkeyRegister),
		page("POST", p+"account/factors/passkeys/{id}/remove", w.removePasskey),
		page("GET", p+"account/sessions", w.sessions),
		page("POST", p+"account/sessions/{id}/revoke", w.revokeSession),
	}
}

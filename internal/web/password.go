package web

import (
	"net/http"
	"net/url"
	"strings"

	"github.com/renrakucho/renrakucho/internal/care"
	"github.com/renrakucho/renrakucho/internal/httpx"
)

// The password pages: change (also the forced change after a reissue),
// "forgot password" and the mailed reset link, and the admin's reissue
// and unlock.

var (
	passwordSpec = &formSpec{fields: []specField{
		{name: "current_password", label: "login.current_password", secret: true},
		{name: "password", label: "login.new_password", secret: true},
		{name: "password_confirm", label: "login.new_password_confirm", secret: true},
	}}
	forgotSpec = &formSpec{fields: []specField{{name: "who", label: "login.forgot_who"}}}
	resetSpec  = &formSpec{fields: []specField{
		{name: "password", label: "login.new_password", secret: true},
		{name: "password_confirm", label: "login.new_password_confirm", secret: true},
	}}
)

// passwordChangeAllowed says whether a request may go through while the
// actor must change their password: the change page itself and logout.
func (w *Web) passwordChangeAllowed(r *http.Request, act care.Actor) bool {
	p := r.URL.Path
	return p == w.passwordPath(act) || strings.HasSuffix(p, "/logout") && r.Method == http.MethodPost
}

// passwordPath is the actor's password change page on this listener.
func (w *Web) passwordPath(act care.Actor) string {
	if w.admin() {
		return "/password"
	}
	return tenantPath(act.TenantSlug, "password")
}

type passwordData struct {
	Action string
	// Forced: an admin reissued the password; nothing else is open.
	Forced bool
	Cancel string
}

func (w *Web) renderPassword(rw http.ResponseWriter, r *http.Request, act care.Actor, status int, f *Form) error {
	home := "/"
	if !w.admin() {
		home = tenantPath(act.TenantSlug, "")
	}
	return w.render(rw, r, status, pagePassword, view{Form: f, Notice: noticeKey(r),
		Data: passwordData{Action: w.passwordPath(act), Forced: act.MustChangePassword, Cancel: home}})
}

// passwordPage shows the change form.
func (w *Web) passwordPage(rw http.ResponseWriter, r *http.Request, act care.Actor) error {
	return w.renderPassword(rw, r, act, http.StatusOK, newForm(passwordSpec, nil))
}

// changePassword changes the actor's own password.
func (w *Web) changePassword(rw http.ResponseWriter, r *http.Request, act care.Actor) error {
	f, err := w.parseForm(rw, r, passwordSpec)
	if err != nil {
		return err
	}
	render := func(status int) error { return w.renderPassword(rw, r, act, status, f) }
	if f.Get("password") != f.Get("password_confirm") {
		return refill(f, mismatch(), render)
	}
	if err := w.app.ChangePassword(r.Context(), act, f.Get("current_password"), f.Get("password")); err != nil {
		return refill(f, err, render)
	}
	if w.admin() {
		return redirect(rw, r, "/?notice=login_password_changed")
	}
	return redirect(rw, r, tenantPath(act.TenantSlug, "?notice=login_password_changed"))
}

func mismatch() error {
	return &care.Error{Code: care.EInvalid, Key: "error.invalid",
		Fields: []care.FieldError{{Field: "password_confirm", Key: "login.error_password_mismatch"}}}
}

type forgotData struct {
	Action string
	Tenant string
	Sent   bool
}

// forgotPage asks for the login ID or e-mail address of the account to
// reset. After the request it says the same thing whatever was typed.
func (w *Web) forgotPage(rw http.ResponseWriter, r *http.Request) error {
	slug := tenantParam(r)
	return w.render(rw, r, http.StatusOK, pagePasswordForgot, view{Form: newForm(forgotSpec, nil),
		Data: forgotData{Action: tenantPath(url.PathEscape(slug), "password/forgot"), Tenant: slug,
			Sent: r.URL.Query().Get("sent") != ""}})
}

// forgot queues the reset mail, if there is an account to mail.
func (w *Web) forgot(rw http.ResponseWriter, r *http.Request) error {
	f, err := w.parseForm(rw, r, forgotSpec)
	if err != nil {
		return err
	}
	slug := tenantParam(r)
	if strings.TrimSpace(f.Get("who")) == "" {
		f.Add("who", "error.required")
		f.Message = "error.invalid"
		return w.render(rw, r, http.StatusUnprocessableEntity, pagePasswordForgot, view{Form: f,
			Data: forgotData{Action: tenantPath(url.PathEscape(slug), "password/forgot"), Tenant: slug}})
	}
	if err := w.app.RequestPasswordReset(r.Context(), slug, f.Get("who"), w.sess.Proxies.Origin(r, w.sess.Listener)); err != nil {
		return err
	}
	return redirect(rw, r, tenantPath(url.PathEscape(slug), "password/forgot?sent=1"))
}

type resetData struct {
	Action string
	Tenant string
	// Invalid: the link is unknown, used or expired.
	Invalid bool
}

func (w *Web) renderReset(rw http.ResponseWriter, r *http.Request, status int, f *Form, invalid bool) error {
	slug := tenantParam(r)
	rw.Header().Set("Referrer-Policy", "no-referrer")
	return w.render(rw, r, status, pagePasswordReset, view{Form: f, Data: resetData{
		Action: tenantPath(url.PathEscape(slug), "password/reset/"+url.PathEscape(httpx.PathParam(r, "token"))), Tenant: slug,
		Invalid: invalid}})
}

// resetPage shows the new-password form of a reset link, or says the link
// no longer works.
func (w *Web) resetPage(rw http.ResponseWriter, r *http.Request) error {
	err := w.app.CheckPasswordReset(r.Context(), tenantParam(r), httpx.PathParam(r, "token"))
	if err != nil && care.ErrorCode(err) != care.ENotFound {
		return err
	}
	status := http.StatusOK
	if err != nil {
		status = http.StatusNotFound
	}
	return w.renderReset(rw, r, status, newForm(resetSpec, nil), err != nil)
}

// reset sets the new password through the link.
func (w *Web) reset(rw http.ResponseWriter, r *http.Request) error {
	f, err := w.parseForm(rw, r, resetSpec)
	if err != nil {
		return err
	}
	slug := tenantParam(r)
	render := func(status int) error { return w.renderReset(rw, r, status, f, false) }
	if f.Get("password") != f.Get("password_confirm") {
		return refill(f, mismatch(), render)
	}
	err = w.app.ResetPassword(r.Context(), slug, httpx.PathParam(r, "token"), f.Get("password"), w.sess.Proxies.Origin(r, w.sess.Listener))
	if care.ErrorCode(err) == care.ENotFound {
		return w.renderReset(rw, r, http.StatusNotFound, f, true)
	}
	if err != nil {
		return refill(f, err, render)
	}
	return redirect(rw, r, tenantPath(url.PathEscape(slug), "login?notice=login_password_reset"))
}

// reissuePassword gives the user a temporary password and shows it, once:
// the page is not stored (no-store) and the password is not kept anywhere.
func (w *Web) reissuePassword(rw http.ResponseWriter, r *http.Request, act care.Actor) error {
	id := httpx.PathParam(r, "id")
	u, err := w.app.User(r.Context(), act, id)
	if err != nil {
		return err
	}
	temp, err := w.app.ReissuePassword(r.Context(), act, id)
	if err != nil {
		return err
	}
	rw.Header().Set("Cache-Control", "no-store")
	return w.render(rw, r, http.StatusOK, pagePasswordReissued, view{Data: struct {
		User     care.User
		Password string
	}{u, temp}})
}

// unlockUser lifts a user's lockout.
func (w *Web) unlockUser(rw http.ResponseWriter, r *http.Request, act care.Actor) error {
	id := httpx.PathParam(r, "id")
	if err := w.app.UnlockUser(r.Context(), act, id); err != nil {
		return err
	}
	return redirect(rw, r, "/admin/users/"+url.PathEscape(id)+"?notice=login_unlocked")
}

package web

import (
	"net/http"
	"net/url"
	"strings"

	"github.com/renrakucho/renrakucho/internal/app"
	"github.com/renrakucho/renrakucho/internal/care"
	"github.com/renrakucho/renrakucho/internal/httpx"
	"github.com/renrakucho/renrakucho/internal/pki"
)

var (
	langSpec   = &formSpec{fields: []specField{{name: "to", label: "lang.to"}, {name: "return", label: "lang.return"}}}
	regionSpec = &formSpec{fields: []specField{{name: "tenant", label: "login.tenant"}}}
	loginSpec  = &formSpec{fields: []specField{
		{name: "login_id", label: "login.login_id"},
		{name: "password", label: "login.password", secret: true},
	}}
	adminLoginSpec = &formSpec{fields: []specField{
		{name: "tenant", label: "login.tenant"},
		{name: "login_id", label: "login.login_id"},
		{name: "password", label: "login.password", secret: true},
	}}
)

// region answers GET /: where a member types their region ID. Nothing
// lists tenants; the form (GET) comes back here and goes on to that
// region's login page.
func (w *Web) region(rw http.ResponseWriter, r *http.Request) error {
	if act, ok := httpx.ActorFrom(r.Context()); ok && act.TenantSlug != "" {
		return redirect(rw, r, tenantPath(act.TenantSlug, ""))
	}
	q := r.URL.Query()
	f := newForm(regionSpec, nil)
	if !q.Has("tenant") {
		return w.render(rw, r, http.StatusOK, pageRegion, view{Form: f})
	}
	f.Set("tenant", q.Get("tenant"))
	slug := strings.ToLower(strings.TrimSpace(q.Get("tenant")))
	switch {
	case slug == "":
		f.Add("tenant", "error.required")
	case !plausibleSlug(slug):
		f.Add("tenant", "error.slug")
	default:
		return redirect(rw, r, tenantPath(slug, "login"))
	}
	f.Message = "error.invalid"
	return w.render(rw, r, http.StatusUnprocessableEntity, pageRegion, view{Form: f})
}

// plausibleSlug checks only that a typed region ID can sit in a path; the
// login answers the same for an unknown region as for a wrong password.
func plausibleSlug(s string) bool {
	if len(s) > 64 {
		return false
	}
	for _, c := range s {
		if !(c >= 'a' && c <= 'z' || c >= '0' && c <= '9' || c == '-') {
			return false
		}
	}
	return true
}

type loginData struct {
	Action string
	Admin  bool
	// Tenant is the region ID of the path (user listener).
	Tenant string
	// Cert is the account the verified client certificate is bound to
	// (admin listener), nil without one.
	Cert *pki.Subject
}

func (w *Web) admin() bool { return w.sess.Listener == care.AdminListener }

// loginPage shows the login form. The login page of an unknown region
// looks like any other, so it reveals nothing.
func (w *Web) loginPage(rw http.ResponseWriter, r *http.Request) error {
	if act, ok := httpx.ActorFrom(r.Context()); ok {
		if w.admin() {
			return redirect(rw, r, "/")
		}
		if act.TenantSlug == tenantParam(r) {
			return redirect(rw, r, tenantPath(act.TenantSlug, ""))
		}
	}
	if err := w.loginGate(r); err != nil {
		return err
	}
	spec := loginSpec
	if w.admin() {
		spec = adminLoginSpec
	}
	f := newForm(spec, nil)
	if sub, ok := certSubject(r); ok && w.admin() {
		f.Set("tenant", sub.Tenant)
		f.Set("login_id", sub.Login)
	}
	notice := noticeKey(r)
	if r.URL.Query().Get("expired") != "" {
		notice = "error.session_expired"
	}
	return w.renderLogin(rw, r, http.StatusOK, f, notice)
}

func (w *Web) renderLogin(rw http.ResponseWriter, r *http.Request, status int, f *Form, notice string) error {
	d := loginData{Action: "/login", Admin: w.admin()}
	if !w.admin() {
		d.Tenant = tenantParam(r)
		d.Action = tenantPath(url.PathEscape(d.Tenant), "login")
	} else if sub, ok := certSubject(r); ok {
		d.Cert = &sub
	}
	return w.render(rw, r, status, pageLogin, view{Form: f, Notice: notice, Data: d})
}

// certSubject is the account the request's verified client certificate
// is bound to.
func certSubject(r *http.Request) (pki.Subject, bool) {
	if r.TLS == nil || len(r.TLS.VerifiedChains) == 0 || len(r.TLS.PeerCertificates) == 0 {
		return pki.Subject{}, false
	}
	return pki.SubjectOf(r.TLS.PeerCertificates[0])
}

// login checks the credentials; a new session (and so a new session ID)
// starts at every login.
func (w *Web) login(rw http.ResponseWriter, r *http.Request) error {
	spec := loginSpec
	if w.admin() {
		spec = adminLoginSpec
	}
	f, err := w.parseForm(rw, r, spec)
	if err != nil {
		return err
	}
	tenant := tenantParam(r)
	if w.admin() {
		tenant = strings.ToLower(strings.TrimSpace(f.Get("tenant")))
	}
	token, act, err := w.app.Login(r.Context(), app.Credentials{
		Tenant: tenant, LoginID: strings.TrimSpace(f.Get("login_id")), Password: f.Get("password"),
		Origin: w.sess.Proxies.Origin(r, w.sess.Listener), CertFingerprint: httpx.CertFingerprint(r),
	})
	if err != nil {
		return &formError{err: err, form: f, login: true, render: func(status int) error {
			return w.renderLogin(rw, r, status, f, "")
		}}
	}
	w.sess.SetCookie(rw, token)
	return w.afterLogin(rw, r, act) // the second factor's step, if due (factors.go)
}

// logout ends the session and forgets its cookie.
func (w *Web) logout(rw http.ResponseWriter, r *http.Request, act care.Actor) error {
	w.sess.ClearCookie(rw)
	if err := w.app.Logout(r.Context(), act); err != nil {
		return err
	}
	if w.admin() {
		return redirect(rw, r, "/login?notice=logged_out")
	}
	return redirect(rw, r, tenantPath(act.TenantSlug, "login?notice=logged_out"))
}

type homeData struct {
	app.Home
	// ContactBook says the member uses contact books (not a responder).
	ContactBook bool
	// Residents are the member's residents with the latest activity,
	// More says there are others on the residents page.
	Residents   []app.ResidentSummary
	More        bool
	Invitations []care.Resident
	Unread      badge
	// BreakGlass are the running break-glass grants the member is told
	// about: their own and those on their teams' residents.
	BreakGlass []app.BreakGlassGrant
}

// homeResidents is how many residents the home page lists.
const homeResidents = 10

// home is a member's landing page: invitations to answer, the residents
// with their unread posts, the unread list.
func (w *Web) home(rw http.ResponseWriter, r *http.Request, act care.Actor) error {
	ctx := r.Context()
	h, err := w.app.Home(ctx, act)
	if err != nil {
		return err
	}
	d := homeData{Home: h, ContactBook: act.Can(care.ActContactBook)}
	if d.ContactBook {
		if d.Invitations, err = w.app.Invitations(ctx, act); err != nil {
			return err
		}
		if d.Residents, err = w.app.Residents(ctx, act, app.ResidentFilter{}); err != nil {
			return err
		}
		if len(d.Residents) > homeResidents {
			d.Residents, d.More = d.Residents[:homeResidents], true
		}
		ps, err := w.app.Unread(ctx, act)
		if err != nil {
			return err
		}
		d.Unread = countBadges(ps)[0]
		if d.BreakGlass, err = w.app.BreakGlassNotices(ctx, act); err != nil {
			return err
		}
	}
	return w.render(rw, r, http.StatusOK, pageHome, view{Notice: noticeKey(r), Data: d})
}

type consoleCard struct {
	Href, Key, Desc string
}

// console is the admin listener's home: the work of the actor's role.
func (w *Web) console(rw http.ResponseWriter, r *http.Request, act care.Actor) error {
	var cards []consoleCard
	if act.Can(care.ActTenantList) {
		cards = append(cards, consoleCard{"/operator/tenants", "nav.tenants", "console.tenants"})
	}
	if act.IsOperator() {
		cards = append(cards, consoleCard{"/operator/audit", "nav.audit", "console.platform_audit"})
	}
	if act.Can(care.ActFacilityManage) {
		cards = append(cards, consoleCard{"/admin/facilities", "nav.facilities", "console.facilities"})
	}
	if act.Can(care.ActUserList) {
		cards = append(cards, consoleCard{"/admin/users", "nav.users", "console.users"})
	}
	if act.Can(care.ActResidentRegister) {
		cards = append(cards, consoleCard{"/admin/residents", "nav.register", "console.register"})
	}
	if act.Can(care.ActAuditView) {
		cards = append(cards, consoleCard{"/admin/audit", "nav.audit", "console.audit"})
	}
	if act.Can(care.ActSettingsManage) {
		cards = append(cards, consoleCard{"/admin/settings", "nav.settings", "console.settings"})
	}
	if !act.IsOperator() {
		cards = append(cards, consoleCard{"/password", "login.password_title", "login.password_change_link"})
	}
	return w.render(rw, r, http.StatusOK, pageConsole, view{Notice: noticeKey(r), Data: cards})
}

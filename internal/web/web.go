package web

import (
	"bytes"
	"embed"
	"errors"
	"fmt"
	"html/template"
	"io/fs"
	"log/slog"
	"net/http"
	"net/url"
	"strings"
	"time"

	"github.com/renrakucho/renrakucho/internal/app"
	"github.com/renrakucho/renrakucho/internal/care"
	"github.com/renrakucho/renrakucho/internal/httpx"
	"github.com/renrakucho/renrakucho/internal/i18n"
)

//go:embed templates
var templateFS embed.FS

// Deps are what the pages need.
type Deps struct {
	App      *app.App
	Cat      *i18n.Catalogs
	Log      *slog.Logger
	Sessions httpx.Sessions // Listener, Secure, Proxies, Authenticate
	MaxBody  int64          // form body limit; 0 means DefaultMaxBody
}

// DefaultMaxBody bounds a form submission when Deps.MaxBody is 0. The
// largest form is a few kilobytes.
const DefaultMaxBody = 64 << 10

// Web is the set of pages of one listener.
type Web struct {
	app     *app.App
	cat     *i18n.Catalogs
	log     *slog.Logger
	sess    httpx.Sessions
	maxBody int64
	assets  *assets
	// pages maps a language to its parsed pages, each a complete set
	// (layout, partials, page) whose `t` is bound to that language.
	pages map[string]map[string]*template.Template
	// frags maps a language to the partials alone, for the fragments the
	// live script fetches.
	frags map[string]*template.Template
}

// The pages. New fails when a template for one of them is missing.
const (
	pageRegion        = "region"
	pageLogin         = "login"
	pageHome          = "home"
	pageConsole       = "console"
	pageError         = "error"
	pageTenants       = "tenants"
	pageTenantForm    = "tenant_form"
	pageTenantCreated = "tenant_created"
	pageCert          = "cert"
	pageAudit         = "audit"
	pageAuditLogins   = "audit_logins"
	pageFacilities    = "facilities"
	pageFacilityForm  = "facility_form"
	pageUsers         = "users"
	pageUserForm      = "user_form"
	pageUserDelete    = "user_delete"

	pageResidents    = "residents"
	pageResidentForm = "resident_form"
	pageResident     = "resident"
	pageResidentEnd  = "resident_end"
	pagePost         = "post"
	pagePostForm     = "post_form"
	pageUnread       = "unread"
	pageSearch       = "search"
	pageGroups       = "groups"
	pageGroupForm    = "group_form"
	pageGroup        = "group"
	pageRegister     = "resident_register"
	pageSettings     = "settings"

	pageCerts            = "certs"
	pageAccess           = "access"
	pageBreakGlass       = "break_glass"
	pageBreakGlassReview = "break_glass_review"
	pagePassword         = "password"
	pagePasswordForgot   = "password_forgot"
	pagePasswordReset    = "password_reset"
	pagePasswordReissued = "password_reissued"
	pageFiles            = "files"
	pageFile             = "file"
	pageTrash            = "trash"
)

var allPages = []string{pageRegion, pageLogin, pageHome, pageConsole, pageError, pageTenants, pageTenantForm,
	pageTenantCreated, pageCert, pageAudit, pageAuditLogins, pageFacilities, pageFacilityForm, pageUsers, pageUserForm, pageUserDelete,
	pageResidents, pageResidentForm, pageResident, pageResidentEnd, pagePost, pagePostForm, pageUnread, pageSearch,
	pageGroups, pageGroupForm, pageGroup, pageRegister, pageSettings,
	pageCerts, pageAccess, pageBreakGlass, pageBreakGlassReview,
	pagePassword, pagePasswordForgot, pagePasswordReset, pagePasswordReissued,
	pageFactor, pageEnrol, pageRecovery, pageFactors, pageSessions,
	pageFiles, pageFile, pageTrash}

// MissingKey is what `t` renders for a key the catalogs lack: visible
// enough to be reported, and what the tests look for.
const MissingKey = "⟦missing:"

// New prepares the pages: it hashes the static files and parses every
// template once per language, failing on a missing or broken one.
func New(d Deps) (*Web, error) {
	if d.App == nil || d.Cat == nil || d.Sessions.Authenticate == nil {
		return nil, errors.New("web: App, Cat and Sessions.Authenticate are required")
	}
	if d.Sessions.Listener != care.UserListener && d.Sessions.Listener != care.AdminListener {
		return nil, fmt.Errorf("web: unknown listener %q", d.Sessions.Listener)
	}
	if d.Log == nil {
		d.Log = slog.Default()
	}
	if d.MaxBody <= 0 {
		d.MaxBody = DefaultMaxBody
	}
	w := &Web{app: d.App, cat: d.Cat, log: d.Log, sess: d.Sessions, maxBody: d.MaxBody}
	var err error
	if w.assets, err = loadAssets(); err != nil {
		return nil, err
	}
	w.pages = map[string]map[string]*template.Template{}
	w.frags = map[string]*template.Template{}
	for _, lang := range i18n.Languages {
		if w.pages[lang], w.frags[lang], err = w.parse(lang); err != nil {
			return nil, err
		}
	}
	return w, nil
}

// parse builds every page of one language, and the set of partials the
// fragments use.
func (w *Web) parse(lang string) (map[string]*template.Template, *template.Template, error) {
	base, err := template.New("layout.html").Funcs(w.funcs(lang)).ParseFS(templateFS, "templates/layout.html",
		"templates/partials.html", "templates/contactbook.html", "templates/access_partials.html")
	if err != nil {
		return nil, nil, fmt.Errorf("web: parse layout: %w", err)
	}
	out := map[string]*template.Template{}
	for _, name := range allPages {
		file := "templates/pages/" + name + ".html"
		if _, err := fs.Stat(templateFS, file); err != nil {
			return nil, nil, fmt.Errorf("web: template %s is missing", file)
		}
		t, err := template.Must(base.Clone()).ParseFS(templateFS, file)
		if err != nil {
			return nil, nil, fmt.Errorf("web: parse %s: %w", file, err)
		}
		for _, block := range []string{"title", "main"} {
			if t.Lookup(block) == nil {
				return nil, nil, fmt.Errorf("web: %s defines no %q", file, block)
			}
		}
		out[name] = t
	}
	return out, template.Must(base.Clone()), nil
}

// funcs are the template functions of one language.
func (w *Web) funcs(lang string) template.FuncMap {
	t := func(key string, args ...any) string {
		if !w.cat.Has(lang, key) {
			return MissingKey + key + "⟧"
		}
		return w.cat.T(lang, key, args...)
	}
	return template.FuncMap{
		"t": t,
		// label translates a code through its catalog prefix: label "kind" "clinic".
		"label":     func(prefix string, v any) string { return t(prefix + "." + fmt.Sprint(v)) },
		"date":      func(v any) string { return formatTime(lang, v, false, false) },
		"datetime":  func(v any) string { return formatTime(lang, v, true, false) },
		"timestamp": func(v any) string { return formatTime(lang, v, true, true) },
		"iso": func(v any) string {
			if tm, ok := asTime(v); ok {
				return tm.In(jst).Format(time.RFC3339)
			}
			return ""
		},
		"asset": w.assets.url,
		// day shows a YYYY-MM-DD day; birthdate adds the age today.
		"day": func(s string) string { return formatDay(lang, s) },
		"birthdate": func(s string) string {
			return formatBirthDate(lang, s, time.Now(), func(day string, age int) string { return t("resident.birth_age", day, age) })
		},
		"linkify": Linkify,
		// filesize shows a byte count in B, KB, MB or GB (of 1024).
		"filesize": fileSize,
		// counts makes the unread badges of a list row.
		"counts": func(unread, urgent int) badge { return badge{Unread: unread, Urgent: urgent} },
		// summaryOf names a resident summary's latest post of a kind.
		"summaryOf": func(tenant, key string, p *care.Post) summaryPost { return summaryPost{tenant, key, p} },
		// fieldrows are a structured post's filled fields, in order.
		"fieldrows": func(p *care.Post) []fieldRow {
			if p == nil {
				return nil
			}
			return fieldRows(p.Template, p.Fields)
		},
	}
}

// view is what every page template receives.
type view struct {
	Lang     string
	Page     string
	Listener care.Listener
	Actor    *care.Actor
	Nav      []navItem
	// Logout is the logout form's action, "" without a session.
	Logout string
	// Return is where the language toggle comes back to.
	Return string
	// Home is where the site title links to.
	Home string
	// Notice is a catalog key shown above the page's content; an
	// "error." key is shown as a warning.
	Notice string
	Warn   bool
	Form   *Form
	Data   any
}

type navItem struct {
	Href, Key string
	Current   bool
}

// render executes a page into a buffer, then writes it with the status,
// so a template failure never leaves half a page.
func (w *Web) render(rw http.ResponseWriter, r *http.Request, status int, page string, v view) error {
	lang := w.cat.Lang(r)
	t, ok := w.pages[lang][page]
	if !ok {
		return care.Internal(fmt.Errorf("web: no page %q", page))
	}
	v.Lang, v.Page, v.Listener = lang, page, w.sess.Listener
	if act, ok := httpx.ActorFrom(r.Context()); ok && v.Actor == nil {
		v.Actor = &act
	}
	v.Home = "/"
	v.Warn = strings.HasPrefix(v.Notice, "error.")
	if v.Actor != nil {
		v.Nav = w.nav(*v.Actor, r.URL.Path)
		v.Logout = "/logout"
		if w.sess.Listener == care.UserListener {
			v.Logout = tenantPath(v.Actor.TenantSlug, "logout")
			v.Home = tenantPath(v.Actor.TenantSlug, "")
		}
	}
	if v.Return == "" {
		v.Return = "/"
		if r.Method == http.MethodGet || r.Method == http.MethodHead {
			v.Return = r.URL.RequestURI()
		} else if r.URL.Path != "" {
			v.Return = r.URL.Path
		}
	}
	var buf bytes.Buffer
	if err := t.ExecuteTemplate(&buf, "layout", v); err != nil {
		return care.Internal(fmt.Errorf("web: render %s: %w", page, err))
	}
	h := rw.Header()
	h.Set("Content-Type", "text/html; charset=utf-8")
	h.Set("Cache-Control", "no-store")
	h.Set("Content-Language", lang)
	h.Add("Vary", "Accept-Language, Cookie")
	rw.WriteHeader(status)
	rw.Write(buf.Bytes())
	return nil
}

// fragment renders one partial, without the layout, for the live script.
func (w *Web) fragment(rw http.ResponseWriter, r *http.Request, name string, data any) error {
	lang := w.cat.Lang(r)
	var buf bytes.Buffer
	if err := w.frags[lang].ExecuteTemplate(&buf, name, data); err != nil {
		return care.Internal(fmt.Errorf("web: render fragment %s: %w", name, err))
	}
	h := rw.Header()
	h.Set("Content-Type", "text/html; charset=utf-8")
	h.Set("Cache-Control", "no-store")
	h.Set("Content-Language", lang)
	h.Add("Vary", "Accept-Language, Cookie")
	rw.Write(buf.Bytes())
	return nil
}

// nav lists the menu of the actor's role on this listener.
func (w *Web) nav(act care.Actor, current string) []navItem {
	var items []navItem
	add := func(href, key string) {
		cur := current == href || (href != "/" && strings.HasPrefix(current, href+"/"))
		items = append(items, navItem{Href: href, Key: key, Current: cur})
	}
	if w.sess.Listener == care.UserListener {
		add(tenantPath(act.TenantSlug, ""), "nav.home")
		if act.Can(care.ActContactBook) {
			add(tenantPath(act.TenantSlug, "residents"), "nav.residents")
			add(tenantPath(act.TenantSlug, "unread"), "nav.unread")
			add(tenantPath(act.TenantSlug, "search"), "nav.search")
		}
		if act.Can(care.ActGroupUse) {
			add(tenantPath(act.TenantSlug, "groups"), "nav.groups")
		}
		if act.Can(care.ActBreakGlass) {
			add(tenantPath(act.TenantSlug, "break-glass"), "breakglass.nav")
		}
		if act.Can(care.ActFileUse) {
			add(tenantPath(act.TenantSlug, "library"), "nav.library")
		}
		return items
	}
	add("/", "nav.console")
	if act.Can(care.ActTenantList) {
		add("/operator/tenants", "nav.tenants")
	}
	if act.IsOperator() {
		add("/operator/audit", "nav.audit")
		add("/operator/certs", "access.nav_certs")
	}
	if act.Can(care.ActFacilityManage) {
		add("/admin/facilities", "nav.facilities")
	}
	if act.Can(care.ActUserList) {
		add("/admin/users", "nav.users")
	}
	if act.Can(care.ActResidentRegister) {
		add("/admin/residents", "nav.register")
	}
	if act.Can(care.ActAuditView) {
		add("/admin/audit", "nav.audit")
	}
	if act.Can(care.ActSettingsManage) {
		add("/admin/settings", "nav.settings")
		add("/admin/access", "access.nav")
		add("/admin/certs", "access.nav_certs")
	}
	if act.Can(care.ActBreakGlassReview) {
		add("/admin/break-glass", "breakglass.nav_review")
	}
	if act.Can(care.ActLibraryPublish) {
		add("/admin/library", "nav.library")
	}
	if act.Can(care.ActFileTrash) {
		add("/admin/trash", "nav.trash")
	}
	return items
}

// tenantPath is the path of a member's page of the tenant.
func tenantPath(slug, rest string) string {
	return "/t/" + slug + "/" + rest
}

// handle adapts a handler that returns its error.
func (w *Web) handle(h httpx.HandlerFunc) http.Handler {
	return http.HandlerFunc(func(rw http.ResponseWriter, r *http.Request) {
		if err := h(rw, r); err != nil {
			w.fail(rw, r, err)
		}
	})
}

// pageFunc is a handler of a page that needs a session.
type pageFunc func(rw http.ResponseWriter, r *http.Request, act care.Actor) error

// session wraps a page that needs a session. On the user listener the
// tenant in the path must be the actor's own: another tenant's page is
// not found, exactly like a missing one.
func (w *Web) session(fn pageFunc) http.Handler {
	return w.handle(func(rw http.ResponseWriter, r *http.Request) error {
		act, err := httpx.RequireActor(r)
		if err != nil {
			return err
		}
		if w.sess.Listener == care.UserListener && act.TenantSlug != tenantParam(r) {
			return care.NotFound("tenant")
		}
		if act.MustChangePassword && !w.passwordChangeAllowed(r, act) {
			return redirect(rw, r, w.passwordPath(act)+"?notice=login_password_change_required")
		}
		return fn(rw, r, act)
	})
}

// tenantParam is the {tenant} of the path, in the form slugs are stored in.
func tenantParam(r *http.Request) string {
	return strings.ToLower(httpx.PathParam(r, "tenant"))
}

// fail renders an error: the form again for input the app refused, the
// login page for a missing session, else an error page. It is the only
// place errors become responses.
func (w *Web) fail(rw http.ResponseWriter, r *http.Request, err error) {
	var fe *formError
	if errors.As(err, &fe) {
		code := care.ErrorCode(fe.err)
		if code == care.EInvalid || code == care.EConflict || (fe.login && (code == care.EUnauthorized || code == care.ELocked || code == care.ETooMany)) {
			fe.form.SetError(fe.err)
			httpx.SetRetryAfter(rw, fe.err)
			rerr := fe.render(httpx.Status(code))
			if rerr == nil {
				return
			}
			err = rerr
		} else {
			err = fe.err
		}
	}
	e := care.AsError(err)
	if e.Code == care.EUnauthorized {
		w.toLogin(rw, r)
		return
	}
	httpx.LogError(w.log, r, err)
	status := httpx.Status(e.Code)
	key := e.Key
	switch e.Code {
	case care.EInternal:
		key = "error.internal"
	case care.ENotFound:
		key = "error.not_found"
	case care.EForbidden:
		if key == "" {
			key = "error.forbidden"
		}
	}
	data := errorData{Status: status, Key: key, Hint: "errorpage.hint_other", RequestID: httpx.RequestID(r.Context())}
	switch status {
	case http.StatusNotFound, http.StatusForbidden, http.StatusInternalServerError:
		data.Hint = fmt.Sprintf("errorpage.hint_%d", status)
	}
	if rerr := w.render(rw, r, status, pageError, view{Data: data}); rerr != nil {
		httpx.LogError(w.log, r, rerr)
		http.Error(rw, http.StatusText(status), status)
	}
}

type errorData struct {
	Status    int
	Key       string // the message
	Hint      string // what the reader can do
	RequestID string
}

// toLogin sends a request without a valid session to the login page,
// saying so when the session ran out.
func (w *Web) toLogin(rw http.ResponseWriter, r *http.Request) {
	target := "/login"
	if w.sess.Listener == care.UserListener {
		target = "/"
		if slug := tenantParam(r); slug != "" {
			target = tenantPath(url.PathEscape(slug), "login")
		}
	}
	if aerr := httpx.AuthError(r.Context()); aerr != nil {
		w.sess.ClearCookie(rw)
		if e := care.AsError(aerr); e.Key == "error.session_expired" && target != "/" {
			target += "?expired=1"
		}
	}
	http.Redirect(rw, r, target, http.StatusSeeOther)
}

// redirect answers a successful submission (POST, redirect, GET).
func redirect(rw http.ResponseWriter, r *http.Request, target string) error {
	http.Redirect(rw, r, target, http.StatusSeeOther)
	return nil
}

// noticeKey returns the catalog key of a ?notice= left by a redirect, ""
// for anything not on the list.
func noticeKey(r *http.Request) string {
	switch n := r.URL.Query().Get("notice"); n {
	case "created", "saved", "deleted", "logged_out",
		"posted", "commented", "ended", "consent_added", "consent_revoked", "invited", "accepted", "declined", "left", "removed",
		"login_password_changed", "login_password_change_required", "login_password_reset", "login_unlocked",
		"uploaded", "restored":
		return "notice." + n
	case "factor_failed", "revoked", "factors_reset", "signed_out", "passkey_added":
		return "mfa.notice." + n
	}
	return ""
}

// safeReturn accepts only a path on this site: no scheme, no host, no
// protocol-relative "//" or "/\" that browsers treat as another host.
func safeReturn(s string) string {
	if s == "" || len(s) > 2000 || s[0] != '/' || strings.HasPrefix(s, "//") || strings.HasPrefix(s, "/\\") ||
		strings.ContainsAny(s, "\r\n\t\\") {
		return "/"
	}
	return s
}

// setLang stores the reader's language choice and goes back.
func (w *Web) setLang(rw http.ResponseWriter, r *http.Request) error {
	f, err := w.parseForm(rw, r, langSpec)
	if err != nil {
		return err
	}
	lang := f.Get("to")
	if lang != i18n.Japanese && lang != i18n.English {
		lang = i18n.Japanese
	}
	http.SetCookie(rw, &http.Cookie{Name: i18n.LangCookie, Value: lang, Path: "/", MaxAge: 365 * 24 * 3600,
		HttpOnly: true, Secure: w.sess.Secure, SameSite: http.SameSiteLaxMode})
	return redirect(rw, r, safeReturn(f.Get("return")))
}

package web

import (
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"time"

	"golang.org/x/text/unicode/norm"

	"github.com/renrakucho/renrakucho/internal/app"
	"github.com/renrakucho/renrakucho/internal/care"
	"github.com/renrakucho/renrakucho/internal/httpx"
)

// The access-control pages (issue 4, items 5–7): client certificates,
// allow-lists and device certificates, break-glass.

var (
	accessSpec = &formSpec{fields: []specField{
		{name: "admin_allow", label: "access.admin_allow"},
		{name: "user_allow", label: "access.user_allow"},
		{name: "device_certs", label: "access.device_certs"},
		{name: "break_glass_minutes", label: "access.break_glass_minutes"},
	}}
	breakGlassSearchSpec = &formSpec{fields: []specField{
		{name: "name", label: "breakglass.name"},
		{name: "birth_date", label: "breakglass.birth_date"},
	}}
	breakGlassOpenSpec = &formSpec{fields: []specField{
		{name: "resident_id", label: "breakglass.resident"},
		{name: "reason", label: "breakglass.reason"},
		{name: "name", label: "breakglass.name"},
		{name: "birth_date", label: "breakglass.birth_date"},
	}}
	emptySpec = &formSpec{}
)

type certsData struct {
	Certs    []app.CertInfo
	Now      time.Time
	Operator bool
	// Base is the path of the list, the revoke forms post under it.
	Base string
}

// certs lists client certificates: an operator's every one, a tenant
// admin's those of their tenant, each with a revoke button.
func (w *Web) certs(rw http.ResponseWriter, r *http.Request, act care.Actor) error {
	cs, err := w.app.ClientCerts(r.Context(), act)
	if err != nil {
		return err
	}
	d := certsData{Certs: cs, Now: time.Now(), Operator: act.IsOperator(), Base: "/admin/certs"}
	if act.IsOperator() {
		d.Base = "/operator/certs"
	}
	notice := ""
	if r.URL.Query().Get("notice") == "revoked" {
		notice = "access.cert_revoked"
	}
	return w.render(rw, r, http.StatusOK, pageCerts, view{Notice: notice, Data: d})
}

// revokeCert revokes one certificate by serial.
func (w *Web) revokeCert(rw http.ResponseWriter, r *http.Request, act care.Actor) error {
	if _, err := w.parseForm(rw, r, emptySpec); err != nil {
		return err
	}
	if _, err := w.app.RevokeClientCert(r.Context(), act, httpx.PathParam(r, "serial")); err != nil {
		return err
	}
	base := "/admin/certs"
	if act.IsOperator() {
		base = "/operator/certs"
	}
	return redirect(rw, r, base+"?notice=revoked")
}

// issueDeviceCert issues a device certificate for a user of the admin's
// facility and shows it once, with its password.
func (w *Web) issueDeviceCert(rw http.ResponseWriter, r *http.Request, act care.Actor) error {
	if _, err := w.parseForm(rw, r, emptySpec); err != nil {
		return err
	}
	id := httpx.PathParam(r, "id")
	c, err := w.app.IssueDeviceCert(r.Context(), act, id)
	if err != nil {
		return err
	}
	return w.renderCert(rw, r, c, "/admin/users/"+url.PathEscape(id))
}

func (w *Web) renderAccess(rw http.ResponseWriter, r *http.Request, status int, f *Form, notice string) error {
	return w.render(rw, r, status, pageAccess, view{Notice: notice, Form: f,
		Data: w.sess.Proxies.ClientIP(r)})
}

// accessSettings shows the tenant's allow-lists, device-certificate
// policy and break-glass time.
func (w *Web) accessSettings(rw http.ResponseWriter, r *http.Request, act care.Actor) error {
	s, err := w.app.AccessSettings(r.Context(), act)
	if err != nil {
		return err
	}
	f := newForm(accessSpec, nil)
	f.Set("admin_allow", strings.ReplaceAll(s.AdminAllow, " ", "\n"))
	f.Set("user_allow", strings.ReplaceAll(s.UserAllow, " ", "\n"))
	if s.DeviceCerts {
		f.Set("device_certs", "1")
	}
	f.Set("break_glass_minutes", strconv.Itoa(s.BreakGlassMinutes))
	return w.renderAccess(rw, r, http.StatusOK, f, noticeKey(r))
}

// updateAccessSettings saves them.
func (w *Web) updateAccessSettings(rw http.ResponseWriter, r *http.Request, act care.Actor) error {
	f, err := w.parseForm(rw, r, accessSpec)
	if err != nil {
		return err
	}
	minutes, err := strconv.Atoi(strings.TrimSpace(norm.NFKC.String(f.Get("break_glass_minutes"))))
	if err != nil {
		minutes = 0
	}
	in := app.AccessSettings{AdminAllow: norm.NFKC.String(f.Get("admin_allow")), UserAllow: norm.NFKC.String(f.Get("user_allow")),
		DeviceCerts: f.Get("device_certs") != "", BreakGlassMinutes: minutes}
	if _, err := w.app.UpdateAccessSettings(r.Context(), act, in); err != nil {
		return refill(f, err, func(status int) error { return w.renderAccess(rw, r, status, f, "") })
	}
	return redirect(rw, r, "/admin/access?notice=saved")
}

type breakGlassReviewData struct {
	Grants  []app.BreakGlassGrant
	Pending bool
	Now     time.Time
}

// breakGlassReview lists break-glass grants for the tenant admins.
func (w *Web) breakGlassReview(rw http.ResponseWriter, r *http.Request, act care.Actor) error {
	pending := r.URL.Query().Get("pending") != ""
	gs, err := w.app.BreakGlassReview(r.Context(), act, pending)
	if err != nil {
		return err
	}
	notice := ""
	if r.URL.Query().Get("notice") == "acknowledged" {
		notice = "breakglass.acknowledged"
	}
	return w.render(rw, r, http.StatusOK, pageBreakGlassReview, view{Notice: notice,
		Data: breakGlassReviewData{Grants: gs, Pending: pending, Now: time.Now()}})
}

// acknowledgeBreakGlass marks one grant reviewed.
func (w *Web) acknowledgeBreakGlass(rw http.ResponseWriter, r *http.Request, act care.Actor) error {
	if _, err := w.parseForm(rw, r, emptySpec); err != nil {
		return err
	}
	if err := w.app.AcknowledgeBreakGlass(r.Context(), act, httpx.PathParam(r, "id")); err != nil {
		return err
	}
	return redirect(rw, r, "/admin/break-glass?notice=acknowledged")
}

type breakGlassData struct {
	Tenant   string
	Searched bool
	TooMany  bool
	Found    []app.BreakGlassCandidate
	// Choices are the residents that may be opened (not already on a team
	// of the member), for the radio buttons of Open.
	Choices []Choice
	Open    *Form
}

func (w *Web) renderBreakGlass(rw http.ResponseWriter, r *http.Request, act care.Actor, status int, search *Form, d breakGlassData) error {
	d.Tenant = act.TenantSlug
	if d.Open == nil {
		d.Open = newForm(breakGlassOpenSpec, nil)
	}
	d.Open.Set("name", search.Get("name"))
	d.Open.Set("birth_date", search.Get("birth_date"))
	for _, c := range d.Found {
		if !c.OnTeam {
			d.Choices = append(d.Choices, Choice{Value: c.ID, Text: c.Name + "（" + c.Kana + "）" + c.BirthDate,
				Selected: d.Open.Get("resident_id") == c.ID})
		}
	}
	return w.render(rw, r, status, pageBreakGlass, view{Form: search, Data: d})
}

// searchBreakGlass runs the search of the form's name and birth date into d.
func (w *Web) searchBreakGlass(r *http.Request, act care.Actor, search *Form, d *breakGlassData) error {
	found, tooMany, err := w.app.BreakGlassSearch(r.Context(), act, norm.NFKC.String(search.Get("name")),
		norm.NFKC.String(search.Get("birth_date")))
	if err != nil {
		return err
	}
	d.Searched, d.Found, d.TooMany = true, found, tooMany
	return nil
}

// breakGlass is the member's emergency-access page: a search of the
// tenant's residents by name and birth date, then a reason.
func (w *Web) breakGlass(rw http.ResponseWriter, r *http.Request, act care.Actor) error {
	q := r.URL.Query()
	f := newForm(breakGlassSearchSpec, nil)
	var d breakGlassData
	if !q.Has("name") && !q.Has("birth_date") {
		return w.renderBreakGlass(rw, r, act, http.StatusOK, f, d)
	}
	f.Set("name", q.Get("name"))
	f.Set("birth_date", q.Get("birth_date"))
	if err := w.searchBreakGlass(r, act, f, &d); err != nil {
		return refill(f, err, func(status int) error { return w.renderBreakGlass(rw, r, act, status, f, d) })
	}
	return w.renderBreakGlass(rw, r, act, http.StatusOK, f, d)
}

// openBreakGlass opens the chosen resident with the reason given and goes
// to the resident's page; a refused reason shows the search again.
func (w *Web) openBreakGlass(rw http.ResponseWriter, r *http.Request, act care.Actor) error {
	f, err := w.parseForm(rw, r, breakGlassOpenSpec)
	if err != nil {
		return err
	}
	id := f.Get("resident_id")
	var g app.BreakGlassGrant
	if id == "" {
		err = invalidField("resident_id", "error.required")
	} else {
		g, err = w.app.OpenBreakGlass(r.Context(), act, id, f.Get("reason"))
	}
	if err != nil {
		search := newForm(breakGlassSearchSpec, nil)
		search.Set("name", f.Get("name"))
		search.Set("birth_date", f.Get("birth_date"))
		d := breakGlassData{Open: f}
		if search.Get("name") != "" || search.Get("birth_date") != "" {
			// Shown again with the results, when the search still works.
			if serr := w.searchBreakGlass(r, act, search, &d); serr != nil {
				d = breakGlassData{Open: f}
			}
		}
		return refill(f, err, func(status int) error { return w.renderBreakGlass(rw, r, act, status, search, d) })
	}
	return redirect(rw, r, residentPath(act, g.ResidentID))
}

// invalidField is the app's form of an error about one field, for a
// check the page makes itself.
func invalidField(field, key string) error {
	var v care.Invalid
	v.Add(field, key)
	return v.Err()
}

// loginGate refuses, before the password form, a request that may not
// log in at all: from outside the tenant's allow-list, or (a tenant that
// requires them) without a device certificate. On the admin listener the
// tenant is the one the client certificate names.
func (w *Web) loginGate(r *http.Request) error {
	slug := tenantParam(r)
	if w.admin() {
		sub, ok := certSubject(r)
		if !ok {
			return nil
		}
		if sub.Tenant == "" {
			return w.app.OperatorLoginGate(w.sess.Proxies.Origin(r, w.sess.Listener))
		}
		slug = sub.Tenant
	}
	if slug == "" {
		return nil
	}
	return w.app.LoginGate(r.Context(), slug, w.sess.Proxies.Origin(r, w.sess.Listener), httpx.CertFingerprint(r))
}

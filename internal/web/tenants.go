package web

import (
	"net/http"

	"github.com/renrakucho/renrakucho/internal/app"
	"github.com/renrakucho/renrakucho/internal/care"
)

var tenantSpec = &formSpec{
	fields: []specField{
		{name: "slug", label: "tenant.slug"},
		{name: "name", label: "tenant.name"},
		{name: "options", label: "tenant.options"},
		{name: "admin_login", label: "tenant.admin_login"},
		{name: "admin_name", label: "tenant.admin_name"},
		{name: "admin_email", label: "tenant.admin_email"},
		{name: "admin_password", label: "tenant.admin_password", secret: true},
	},
	alias: map[string]string{"login_id": "admin_login"},
}

// tenants lists every tenant, for operators.
func (w *Web) tenants(rw http.ResponseWriter, r *http.Request, act care.Actor) error {
	ts, err := w.app.Tenants(r.Context(), act)
	if err != nil {
		return err
	}
	return w.render(rw, r, http.StatusOK, pageTenants, view{Data: ts})
}

type tenantFormData struct {
	Options []Choice
}

func (w *Web) renderTenantForm(rw http.ResponseWriter, r *http.Request, status int, f *Form) error {
	return w.render(rw, r, status, pageTenantForm, view{Form: f, Data: tenantFormData{Options: choices("option", care.TenantOptions)}})
}

// newTenant shows the form for a tenant and its first admin.
func (w *Web) newTenant(rw http.ResponseWriter, r *http.Request, act care.Actor) error {
	if !act.Can(care.ActTenantCreate) {
		return care.Forbidden()
	}
	return w.renderTenantForm(rw, r, http.StatusOK, newForm(tenantSpec, nil))
}

// createTenant creates a tenant with its first admin, then offers to
// issue that admin's client certificate.
func (w *Web) createTenant(rw http.ResponseWriter, r *http.Request, act care.Actor) error {
	f, err := w.parseForm(rw, r, tenantSpec)
	if err != nil {
		return err
	}
	created, err := w.app.CreateTenant(r.Context(), act, care.NewTenant{
		Slug: f.Get("slug"), Name: f.Get("name"), Options: f.Values["options"],
		AdminLogin: f.Get("admin_login"), AdminName: f.Get("admin_name"), AdminEmail: f.Get("admin_email"),
		AdminPassword: f.Get("admin_password"),
	})
	if err != nil {
		return refill(f, err, func(status int) error { return w.renderTenantForm(rw, r, status, f) })
	}
	return w.render(rw, r, http.StatusOK, pageTenantCreated, view{Return: "/operator/tenants", Data: created})
}

var certSpec = &formSpec{fields: []specField{{name: "tenant", label: "login.tenant"}, {name: "login_id", label: "login.login_id"}}}

// issueCert issues a client certificate for an admin account (an
// operator's, or any tenant's admin).
func (w *Web) issueCert(rw http.ResponseWriter, r *http.Request, act care.Actor) error {
	f, err := w.parseForm(rw, r, certSpec)
	if err != nil {
		return err
	}
	c, err := w.app.IssueClientCert(r.Context(), act, f.Get("tenant"), f.Get("login_id"))
	if err != nil {
		return err
	}
	return w.renderCert(rw, r, c, "/operator/tenants")
}

// renderCert shows a new certificate: the PKCS#12 password, once, and the
// file to download. The page is never cached (render sets no-store).
func (w *Web) renderCert(rw http.ResponseWriter, r *http.Request, c app.IssuedCert, back string) error {
	return w.render(rw, r, http.StatusOK, pageCert, view{Return: back, Data: newCertData(c, back)})
}

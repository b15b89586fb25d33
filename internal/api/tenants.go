package api

import (
	"encoding/base64"
	"net/http"
	"time"

	"github.com/renrakucho/renrakucho/internal/care"
	"github.com/renrakucho/renrakucho/internal/httpx"
	"github.com/renrakucho/renrakucho/internal/pki"
)

type tenantIn struct {
	Slug    string   `json:"slug"`
	Name    string   `json:"name"`
	Options []string `json:"options"`
	Admin   struct {
		LoginID  string `json:"login_id"`
		Name     string `json:"name"`
		Email    string `json:"email"`
		Password string `json:"password"`
	} `json:"admin"`
}

// tenantFields maps care.NewTenant's field names to the JSON members.
var tenantFields = map[string]string{
	"admin_login": "admin.login_id", "admin_name": "admin.name",
	"admin_email": "admin.email", "admin_password": "admin.password",
}

func (a *API) tenants(w http.ResponseWriter, r *http.Request, act care.Actor) error {
	ts, err := a.app.Tenants(r.Context(), act)
	if err != nil {
		return err
	}
	httpx.WriteJSON(w, http.StatusOK, newList(mapSlice(ts, renderTenant)))
	return nil
}

// createTenant creates a tenant with its first facility and tenant admin.
func (a *API) createTenant(w http.ResponseWriter, r *http.Request, act care.Actor) error {
	var in tenantIn
	if err := a.decode(w, r, &in); err != nil {
		return err
	}
	out, err := a.app.CreateTenant(r.Context(), act, care.NewTenant{Slug: in.Slug, Name: in.Name, Options: in.Options,
		AdminLogin: in.Admin.LoginID, AdminName: in.Admin.Name, AdminEmail: in.Admin.Email, AdminPassword: in.Admin.Password})
	if err != nil {
		return renamed(err, tenantFields)
	}
	httpx.WriteJSON(w, http.StatusCreated, struct {
		Tenant   tenantJSON   `json:"tenant"`
		Admin    userJSON     `json:"admin"`
		Facility facilityJSON `json:"facility"`
	}{renderTenant(out.Tenant), renderUser(out.Admin), renderFacility(out.Facility)})
	return nil
}

type certIn struct {
	Tenant  string `json:"tenant"`
	LoginID string `json:"login_id"`
}

type certJSON struct {
	Serial         string    `json:"serial"`
	NotAfter       time.Time `json:"not_after"`
	CertificatePEM string    `json:"certificate_pem"`
	P12Base64      string    `json:"p12_base64"`
	P12Password    string    `json:"p12_password"`
}

// issueCert issues an admin client certificate bound to one account. The
// private key and the PKCS#12 password are in this response only.
func (a *API) issueCert(w http.ResponseWriter, r *http.Request, act care.Actor) error {
	var in certIn
	if err := a.decode(w, r, &in); err != nil {
		return err
	}
	// Names a certificate cannot carry name no account: say so before the
	// CA is asked.
	var v care.Invalid
	if len(in.Tenant) > 64 || (pki.Subject{Tenant: in.Tenant, Login: "x"}).Validate() != nil {
		v.Add("tenant", "error.slug")
	}
	if len(in.LoginID) > 64 || (pki.Subject{Login: in.LoginID}).Validate() != nil {
		v.Add("login_id", "error.login_id")
	}
	if err := v.Err(); err != nil {
		return err
	}
	c, err := a.app.IssueClientCert(r.Context(), act, in.Tenant, in.LoginID)
	if err != nil {
		return err
	}
	httpx.WriteJSON(w, http.StatusCreated, certJSON{Serial: c.Serial, NotAfter: c.NotAfter.UTC(),
		CertificatePEM: string(c.CertPEM), P12Base64: base64.StdEncoding.EncodeToString(c.P12), P12Password: c.P12Password})
	return nil
}

package web

import (
	"net/http"

	"github.com/renrakucho/renrakucho/internal/care"
	"github.com/renrakucho/renrakucho/internal/httpx"
)

// Routes returns the pages of the listener the Web was made for. Public
// routes need no session; every other page sends a visitor without one
// to the login page.
func (w *Web) Routes() []httpx.Route {
	routes := []httpx.Route{
		{Method: "GET", Pattern: "/static/{file...}", Public: true, Handler: http.HandlerFunc(w.assets.serve)},
		{Method: "POST", Pattern: "/lang", Public: true, Handler: w.handle(w.setLang)},
	}
	if w.sess.Listener == care.UserListener {
		return append(routes, []httpx.Route{
			{Method: "GET", Pattern: "/{$}", Public: true, Handler: w.handle(w.region)},
			{Method: "GET", Pattern: "/t/{tenant}/login", Public: true, Handler: w.handle(w.loginPage)},
			{Method: "POST", Pattern: "/t/{tenant}/login", Public: true, Handler: w.handle(w.login)},
			{Method: "POST", Pattern: "/t/{tenant}/logout", Handler: w.session(w.logout)},
			{Method: "GET", Pattern: "/t/{tenant}/{$}", Handler: w.session(w.home)},
		}...)
	}
	return append(routes, []httpx.Route{
		{Method: "GET", Pattern: "/login", Public: true, Handler: w.handle(w.loginPage)},
		{Method: "POST", Pattern: "/login", Public: true, Handler: w.handle(w.login)},
		{Method: "POST", Pattern: "/logout", Handler: w.session(w.logout)},
		{Method: "GET", Pattern: "/{$}", Handler: w.session(w.console)},

		{Method: "GET", Pattern: "/operator/tenants", Handler: w.session(w.tenants)},
		{Method: "GET", Pattern: "/operator/tenants/new", Handler: w.session(w.newTenant)},
		{Method: "POST", Pattern: "/operator/tenants", Handler: w.session(w.createTenant)},
		{Method: "POST", Pattern: "/operator/certs", Handler: w.session(w.issueCert)},
		{Method: "GET", Pattern: "/operator/audit", Handler: w.session(w.audit)},

		{Method: "GET", Pattern: "/admin/facilities", Handler: w.session(w.facilities)},
		{Method: "GET", Pattern: "/admin/facilities/new", Handler: w.session(w.newFacility)},
		{Method: "POST", Pattern: "/admin/facilities/new", Handler: w.session(w.createFacility)},
		{Method: "GET", Pattern: "/admin/facilities/{id}", Handler: w.session(w.editFacility)},
		{Method: "POST", Pattern: "/admin/facilities/{id}", Handler: w.session(w.updateFacility)},

		{Method: "GET", Pattern: "/admin/users", Handler: w.session(w.users)},
		{Method: "GET", Pattern: "/admin/users/new", Handler: w.session(w.newUser)},
		{Method: "POST", Pattern: "/admin/users/new", Handler: w.session(w.createUser)},
		{Method: "GET", Pattern: "/admin/users/{id}", Handler: w.session(w.editUser)},
		{Method: "POST", Pattern: "/admin/users/{id}", Handler: w.session(w.updateUser)},
		{Method: "GET", Pattern: "/admin/users/{id}/delete", Handler: w.session(w.confirmDeleteUser)},
		{Method: "POST", Pattern: "/admin/users/{id}/delete", Handler: w.session(w.deleteUser)},
		{Method: "POST", Pattern: "/admin/users/{id}/cert", Handler: w.session(w.issueUserCert)},

		{Method: "GET", Pattern: "/admin/audit", Handler: w.session(w.audit)},
	}...)
}

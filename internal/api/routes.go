package api

import (
	"net/http"

	"github.com/renrakucho/renrakucho/internal/care"
	"github.com/renrakucho/renrakucho/internal/httpx"
)

// Routes returns the API routes of the listener the API serves, every one
// on one screen. openapi.yaml documents exactly these (openapi_test.go).
func (a *API) Routes() []httpx.Route {
	const v1 = "/api/v1"
	routes := []httpx.Route{
		{Method: http.MethodGet, Pattern: v1 + "/openapi.yaml", Public: true, Handler: a.handle(a.openAPI)},
		{Method: http.MethodPost, Pattern: v1 + "/sessions", Public: true, Handler: a.handle(a.login)},
		{Method: http.MethodDelete, Pattern: v1 + "/sessions/current", Handler: a.authed(a.logout)},
		{Method: http.MethodGet, Pattern: v1 + "/me", Handler: a.authed(a.me)},
	}
	if a.sessions.Listener != care.AdminListener {
		return append(routes,
			httpx.Route{Method: http.MethodGet, Pattern: v1 + "/facilities", Handler: a.authed(a.facilities)},
			httpx.Route{Method: http.MethodGet, Pattern: v1 + "/users", Handler: a.authed(a.directory)},
		)
	}
	return append(routes,
		httpx.Route{Method: http.MethodGet, Pattern: v1 + "/facilities", Handler: a.authed(a.facilities)},
		httpx.Route{Method: http.MethodPost, Pattern: v1 + "/facilities", Handler: a.authed(a.createFacility)},
		httpx.Route{Method: http.MethodGet, Pattern: v1 + "/facilities/{id}", Handler: a.authed(a.facility)},
		httpx.Route{Method: http.MethodPatch, Pattern: v1 + "/facilities/{id}", Handler: a.authed(a.updateFacility)},
		httpx.Route{Method: http.MethodGet, Pattern: v1 + "/users", Handler: a.authed(a.users)},
		httpx.Route{Method: http.MethodPost, Pattern: v1 + "/users", Handler: a.authed(a.createUser)},
		httpx.Route{Method: http.MethodGet, Pattern: v1 + "/users/{id}", Handler: a.authed(a.user)},
		httpx.Route{Method: http.MethodPatch, Pattern: v1 + "/users/{id}", Handler: a.authed(a.updateUser)},
		httpx.Route{Method: http.MethodDelete, Pattern: v1 + "/users/{id}", Handler: a.authed(a.deleteUser)},
		httpx.Route{Method: http.MethodGet, Pattern: v1 + "/audit", Handler: a.authed(a.audit)},
		httpx.Route{Method: http.MethodGet, Pattern: v1 + "/tenants", Handler: a.authed(a.tenants)},
		httpx.Route{Method: http.MethodPost, Pattern: v1 + "/tenants", Handler: a.authed(a.createTenant)},
		httpx.Route{Method: http.MethodPost, Pattern: v1 + "/certs", Handler: a.authed(a.issueCert)},
	)
}

package server_test

// The cross-tenant matrix entries of the second-factor and session routes
// (internal/web/factors.go, internal/api/mfa.go), on both listeners.
func init() {
	for _, p := range []string{"/t/{tenant}/", "/"} {
		obj := ""
		if p != "/" {
			obj = "tenant"
		}
		code := form("code", "000000")
		for k, v := range map[string]routeSpec{
			"GET " + p + "login/factor":                          {object: obj},
			"POST " + p + "login/factor":                         {object: obj, body: code},
			"GET " + p + "login/enrol":                           {object: obj},
			"POST " + p + "login/enrol":                          {object: obj, body: code},
			"POST " + p + "login/cancel":                         {object: obj},
			"POST " + p + "login/passkey/options":                {object: obj},
			"POST " + p + "login/passkey":                        {object: obj, body: jsonBody(`{}`)},
			"POST " + p + "login/enrol/passkey/options":          {object: obj},
			"POST " + p + "login/enrol/passkey":                  {object: obj, body: jsonBody(`{}`)},
			"GET " + p + "account/factors":                       {object: obj},
			"GET " + p + "account/factors/totp":                  {object: obj},
			"POST " + p + "account/factors/totp":                 {object: obj, body: code},
			"POST " + p + "account/factors/totp/remove":          {object: obj},
			"POST " + p + "account/factors/recovery":             {object: obj},
			"POST " + p + "account/factors/passkeys/options":     {object: obj},
			"POST " + p + "account/factors/passkeys":             {object: obj, body: jsonBody(`{}`)},
			"POST " + p + "account/factors/passkeys/{id}/remove": {object: "user"},
			"GET " + p + "account/sessions":                      {object: obj},
			"POST " + p + "account/sessions/{id}/revoke":         {object: "user"},
		} {
			matrix[k] = v
		}
	}
	matrix["POST /admin/users/{id}/factors/reset"] = routeSpec{object: "user", mutates: true}
	matrix["POST /admin/users/{id}/signout"] = routeSpec{object: "user", mutates: true}
	matrix["GET /api/v1/me/sessions"] = routeSpec{}
	matrix["DELETE /api/v1/me/sessions/{id}"] = routeSpec{object: "user"}
	matrix["DELETE /api/v1/users/{id}/sessions"] = routeSpec{object: "user", mutates: true}
	matrix["DELETE /api/v1/users/{id}/factors"] = routeSpec{object: "user", mutates: true}
	matrix["POST /admin/settings"] = routeSpec{body: form("ended_retention_years", "7", "idle_minutes", "15")}
}

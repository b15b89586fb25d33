package server_test

import (
	"context"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"strings"
	"sync/atomic"
	"testing"

	"github.com/renrakucho/renrakucho/internal/app"
	"github.com/renrakucho/renrakucho/internal/care"
	"github.com/renrakucho/renrakucho/internal/httpx"
	"github.com/renrakucho/renrakucho/internal/pki"
	"github.com/renrakucho/renrakucho/internal/store/storetest"
)

// The cross-tenant matrix: every route of both listeners, taken from the
// server's own route tables, is requested by every kind of principal of
// tenant "alpha" (and the operator), with alpha's own objects, tenant
// "beta"'s objects and objects that do not exist. It proves that
//   - a route without a matrix entry cannot be added (the test fails);
//   - no request answers 5xx;
//   - a route that needs a session refuses a request without one;
//   - beta's objects answer exactly like nonexistent ones (status and body);
//   - no answer to anyone but beta contains beta's data (planted markers);
//   - nothing of beta changed afterwards.

const matrixPW = "Hanamizuki-2026"

// Markers planted in beta's data; no response to alpha's principals or to
// the operator may contain them.
var betaMarkers = []string{"ベータ秘密施設", "ベータ秘密 職員", "BETA-SECRET-ADDR"}

// vals are the values one request variant fills in.
type vals struct {
	Slug       string
	FacilityID string
	UserID     string
	Login      string
}

// routeSpec says how to exercise one route.
type routeSpec struct {
	// object: which variant values the route names ("tenant", "facility",
	// "user"); "" for routes about no particular object.
	object string
	// mutates: own objects are made afresh for each request.
	mutates bool
	// body builds the request body; nil for none.
	body func(v vals, n int) (contentType, body string)
}

func form(kv ...string) func(vals, int) (string, string) {
	return func(v vals, n int) (string, string) {
		q := url.Values{}
		for i := 0; i < len(kv); i += 2 {
			q.Add(kv[i], fill(kv[i+1], v, n))
		}
		return "application/x-www-form-urlencoded", q.Encode()
	}
}

func jsonBody(tmpl string) func(vals, int) (string, string) {
	return func(v vals, n int) (string, string) { return "application/json", fill(tmpl, v, n) }
}

func fill(s string, v vals, n int) string {
	return strings.NewReplacer("SLUG", v.Slug, "FID", v.FacilityID, "UID", v.UserID, "LOGIN", v.Login,
		"N", fmt.Sprint(n), "PW", matrixPW).Replace(s)
}

// matrix has one entry per route of both listeners, by "METHOD PATTERN".
// A route present on both listeners shares its entry.
var matrix = map[string]routeSpec{
	// Health, static files, metrics, the API document.
	"GET /healthz":             {},
	"GET /readyz":              {},
	"GET /metrics":             {},
	"GET /static/{file...}":    {},
	"GET /api/v1/openapi.yaml": {},
	"POST /lang":               {body: form("to", "en", "return", "/")},
	// Sessions.
	"POST /api/v1/sessions":           {object: "tenant", body: jsonBody(`{"tenant":"SLUG","login_id":"LOGIN","password":"PW"}`)},
	"DELETE /api/v1/sessions/current": {},
	"GET /api/v1/me":                  {},
	// Facilities and users.
	"GET /api/v1/facilities":        {},
	"POST /api/v1/facilities":       {body: jsonBody(`{"kind":"clinic","name":"新しい診療所N"}`)},
	"GET /api/v1/facilities/{id}":   {object: "facility"},
	"PATCH /api/v1/facilities/{id}": {object: "facility", mutates: true, body: jsonBody(`{"name":"改名診療所N"}`)},
	"GET /api/v1/users":             {},
	"POST /api/v1/users":            {body: jsonBody(`{"login_id":"newuserN","name":"新規 職員","profession":"nurse","role":"member","facilities":["FID"],"password":"PW"}`)},
	"GET /api/v1/users/{id}":        {object: "user"},
	"PATCH /api/v1/users/{id}":      {object: "user", mutates: true, body: jsonBody(`{"name":"改名 職員"}`)},
	"DELETE /api/v1/users/{id}":     {object: "user", mutates: true},
	"GET /api/v1/audit":             {},
	"GET /api/v1/tenants":           {},
	"POST /api/v1/tenants":          {body: jsonBody(`{"slug":"newtenantN","name":"新しい地域N","options":[],"admin":{"login_id":"admin","name":"管理 者","email":"","password":"PW"}}`)},
	"POST /api/v1/certs":            {object: "tenant", body: jsonBody(`{"tenant":"SLUG","login_id":"admin"}`)},
	// User listener pages.
	"GET /{$}":                {},
	"GET /t/{tenant}/login":   {object: "tenant"},
	"POST /t/{tenant}/login":  {object: "tenant", body: form("login_id", "LOGIN", "password", "PW")},
	"POST /t/{tenant}/logout": {object: "tenant"},
	"GET /t/{tenant}/{$}":     {object: "tenant"},
	// Admin listener pages.
	"GET /login":                    {},
	"POST /login":                   {object: "tenant", body: form("tenant", "SLUG", "login_id", "LOGIN", "password", "PW")},
	"POST /logout":                  {},
	"GET /operator/tenants":         {},
	"GET /operator/tenants/new":     {},
	"POST /operator/tenants":        {body: form("slug", "pagetenantN", "name", "新しい地域N", "admin_login", "admin", "admin_name", "管理 者", "admin_password", "PW")},
	"POST /operator/certs":          {object: "tenant", body: form("tenant", "SLUG", "login_id", "admin")},
	"GET /operator/audit":           {},
	"GET /admin/audit":              {},
	"GET /admin/facilities":         {},
	"GET /admin/facilities/new":     {},
	"POST /admin/facilities/new":    {body: form("kind", "clinic", "name", "新しい診療所N")},
	"GET /admin/facilities/{id}":    {object: "facility"},
	"POST /admin/facilities/{id}":   {object: "facility", mutates: true, body: form("kind", "clinic", "name", "改名診療所N")},
	"GET /admin/users":              {},
	"GET /admin/users/new":          {},
	"POST /admin/users/new":         {body: form("login_id", "pageuserN", "name", "新規 職員", "profession", "nurse", "role", "member", "facilities", "FID", "password", "PW")},
	"GET /admin/users/{id}":         {object: "user"},
	"POST /admin/users/{id}":        {object: "user", mutates: true, body: form("name", "改名 職員", "profession", "nurse", "role", "member", "facilities", "FID", "active", "on")},
	"GET /admin/users/{id}/delete":  {object: "user"},
	"POST /admin/users/{id}/delete": {object: "user", mutates: true},
	"POST /admin/users/{id}/cert":   {object: "user", mutates: true},
}

// principal is one kind of caller.
type principal struct {
	name   string
	tenant string // "" for the operator and the anonymous
	login  string // "" for the anonymous
	client *http.Client
	fp     string // client certificate fingerprint (admin listener)
}

type matrixEnv struct {
	*env
	issued map[string]app.IssuedCert // "slug.login"
	admin  map[string]care.Actor
	own    vals
	beta   vals
	none   vals
	n      atomic.Int64
}

func TestCrossTenantMatrix(t *testing.T) {
	for _, engine := range storetest.Engines {
		t.Run(engine, func(t *testing.T) {
			db := storetest.Open(t, engine, nil)
			m := &matrixEnv{env: start(t, db), issued: map[string]app.IssuedCert{}, admin: map[string]care.Actor{}}
			m.seed(t)
			before := m.betaSnapshot(t)
			for _, l := range []care.Listener{care.UserListener, care.AdminListener} {
				routes := m.srv.Routes(l)
				principals := m.principals(t, l)
				for _, rt := range routes {
					spec, ok := matrix[rt.Key()]
					if !ok {
						t.Errorf("%s listener: route %q has no entry in the cross-tenant matrix", l, rt.Key())
						continue
					}
					for _, p := range principals {
						m.check(t, l, rt, spec, p)
					}
				}
			}
			if after := m.betaSnapshot(t); after != before {
				t.Errorf("beta's data changed:\nbefore %s\nafter  %s", before, after)
			}
		})
	}
}

func (m *matrixEnv) seed(t *testing.T) {
	t.Helper()
	ctx := context.Background()
	o := care.Origin{IP: "127.0.0.1", UserAgent: "matrix", Listener: care.AdminListener}
	op, err := m.app.InitOperator(ctx, "operator", "運用 担当", "", matrixPW, o)
	if err != nil {
		t.Fatal(err)
	}
	names := map[string][2]string{"alpha": {"アルファ診療所", "アルファ 職員"}, "beta": {betaMarkers[0], betaMarkers[1]}}
	for _, slug := range []string{"alpha", "beta"} {
		// Beta's accounts have another password: alpha's principals, who
		// know only theirs, must not get into beta by naming it.
		pw := matrixPW
		if slug == "beta" {
			pw = "Betanomizuki-2026"
		}
		if _, err := m.app.CreateTenant(ctx, op, care.NewTenant{Slug: slug, Name: slug + "地域", AdminLogin: "admin",
			AdminName: "管理 者", AdminPassword: pw}); err != nil {
			t.Fatal(err)
		}
		adm, err := m.app.TenantAdminActor(ctx, slug, "admin", o)
		if err != nil {
			t.Fatal(err)
		}
		m.admin[slug] = adm
		f, err := m.app.CreateFacility(ctx, adm, care.Facility{Kind: "clinic", Name: names[slug][0], Address: strings.ToUpper(slug) + "-SECRET-ADDR"})
		if err != nil {
			t.Fatal(err)
		}
		u, err := m.app.CreateUser(ctx, adm, care.UserInput{LoginID: "nurse", Name: names[slug][1], Kana: "カンゴ", Profession: "nurse",
			Role: care.RoleMember, Facilities: []string{f.ID}, Password: pw})
		if err != nil {
			t.Fatal(err)
		}
		if _, err := m.app.CreateUser(ctx, adm, care.UserInput{LoginID: "fadmin", Name: "施設 管理", Profession: "doctor",
			Role: care.RoleFacilityAdmin, Facilities: []string{f.ID}, Password: pw}); err != nil {
			t.Fatal(err)
		}
		v := vals{Slug: slug, FacilityID: f.ID, UserID: u.ID, Login: "nurse"}
		if slug == "alpha" {
			m.own = v
		} else {
			m.beta = v
		}
		for _, login := range []string{"admin", "fadmin"} {
			c, err := m.app.IssueClientCert(ctx, op, slug, login)
			if err != nil {
				t.Fatal(err)
			}
			m.issued[slug+"."+login] = c
		}
	}
	c, err := m.app.IssueClientCert(ctx, op, "", "operator")
	if err != nil {
		t.Fatal(err)
	}
	m.issued[".operator"] = c
	m.none = vals{Slug: "nosuchtenant", FacilityID: "0190f000-0000-7000-8000-000000000000",
		UserID: "0190f000-0000-7000-8000-000000000001", Login: "nurse"}
}

func (m *matrixEnv) certClient(t *testing.T, key string) (*http.Client, string) {
	c := m.issued[key]
	cert := c.TLSCertificate()
	return m.clientWith(t, &cert), pki.Fingerprint(c.Cert)
}

func (m *matrixEnv) principals(t *testing.T, l care.Listener) []principal {
	if l == care.UserListener {
		return []principal{
			{name: "anonymous", client: m.user},
			{name: "member", tenant: "alpha", login: "nurse", client: m.user},
			{name: "facility_admin", tenant: "alpha", login: "fadmin", client: m.user},
			{name: "tenant_admin", tenant: "alpha", login: "admin", client: m.user},
		}
	}
	anon, _ := m.certClient(t, "alpha.admin")
	fa, fafp := m.certClient(t, "alpha.fadmin")
	ta, tafp := m.certClient(t, "alpha.admin")
	op, opfp := m.certClient(t, ".operator")
	return []principal{
		{name: "anonymous", client: anon},
		{name: "facility_admin", tenant: "alpha", login: "fadmin", client: fa, fp: fafp},
		{name: "tenant_admin", tenant: "alpha", login: "admin", client: ta, fp: tafp},
		{name: "operator", login: "operator", client: op, fp: opfp},
	}
}

// fresh makes new own objects for a mutating request.
func (m *matrixEnv) fresh(t *testing.T) vals {
	t.Helper()
	ctx := context.Background()
	n := m.n.Add(1)
	adm := m.admin["alpha"]
	f, err := m.app.CreateFacility(ctx, adm, care.Facility{Kind: "clinic", Name: fmt.Sprintf("使い捨て診療所%d", n)})
	if err != nil {
		t.Fatal(err)
	}
	u, err := m.app.CreateUser(ctx, adm, care.UserInput{LoginID: fmt.Sprintf("temp%d", n), Name: "一時 職員", Profession: "nurse",
		Role: care.RoleMember, Facilities: []string{f.ID}, Password: matrixPW})
	if err != nil {
		t.Fatal(err)
	}
	return vals{Slug: "alpha", FacilityID: f.ID, UserID: u.ID, Login: "nurse"}
}

// login opens a fresh session for the principal, so routes that end
// sessions do not disturb the others.
func (m *matrixEnv) login(t *testing.T, l care.Listener, p principal) string {
	t.Helper()
	if p.login == "" {
		return ""
	}
	tok, _, err := m.app.Login(context.Background(), app.Credentials{Tenant: p.tenant, LoginID: p.login, Password: matrixPW,
		Origin: care.Origin{IP: "127.0.0.1", Listener: l}, CertFingerprint: p.fp})
	if err != nil {
		t.Fatalf("login %s on %s: %v", p.name, l, err)
	}
	return tok
}

type answer struct {
	status int
	body   string
	loc    string
}

func (m *matrixEnv) do(t *testing.T, l care.Listener, rt httpx.Route, spec routeSpec, p principal, v vals) answer {
	t.Helper()
	n := int(m.n.Add(1))
	path := rt.Pattern
	path = strings.ReplaceAll(path, "{$}", "")
	path = strings.ReplaceAll(path, "{tenant}", v.Slug)
	path = strings.ReplaceAll(path, "{id}", map[string]string{"facility": v.FacilityID, "user": v.UserID}[spec.object])
	path = strings.ReplaceAll(path, "{file...}", "app.css")
	base := m.userURL
	if l == care.AdminListener {
		base = m.adminURL
	}
	var body io.Reader
	ctype := ""
	if spec.body != nil {
		// Bodies name alpha's facility for new users, whatever the variant.
		bv := v
		if spec.object != "facility" {
			bv.FacilityID = m.own.FacilityID
		}
		var s string
		ctype, s = spec.body(bv, n)
		body = strings.NewReader(s)
	}
	req, err := http.NewRequest(rt.Method, base+path, body)
	if err != nil {
		t.Fatal(err)
	}
	if ctype != "" {
		req.Header.Set("Content-Type", ctype)
	}
	if tok := m.login(t, l, p); tok != "" {
		req.AddCookie(&http.Cookie{Name: m.srv.Sessions(l).CookieName(), Value: tok})
	}
	resp, err := p.client.Do(req)
	if err != nil {
		t.Fatalf("%s %s as %s: %v", rt.Method, path, p.name, err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	return answer{status: resp.StatusCode, body: string(b), loc: resp.Header.Get("Location")}
}

// normalise hides what legitimately differs between two variants: the IDs
// and slug in the request, and the request ID.
func normalise(a answer, v vals) answer {
	r := strings.NewReplacer(v.Slug, "SLUG", v.FacilityID, "ID", v.UserID, "ID")
	a.body = r.Replace(a.body)
	a.loc = r.Replace(a.loc)
	if i := strings.Index(a.body, `"request_id":"`); i >= 0 {
		j := strings.Index(a.body[i+14:], `"`)
		a.body = a.body[:i+14] + a.body[i+14+j:]
	}
	return a
}

func (m *matrixEnv) check(t *testing.T, l care.Listener, rt httpx.Route, spec routeSpec, p principal) {
	t.Helper()
	name := fmt.Sprintf("%s %s as %s", l, rt.Key(), p.name)
	own := m.own
	if spec.mutates {
		own = m.fresh(t)
	}
	got := m.do(t, l, rt, spec, p, own)
	if got.status >= 500 {
		t.Errorf("%s: status %d: %.300s", name, got.status, got.body)
	}
	if !rt.Public && p.login == "" {
		if got.status != http.StatusUnauthorized && !(got.status == http.StatusSeeOther && strings.Contains(got.loc, "login")) {
			t.Errorf("%s: without a session got %d (location %q), want 401 or a redirect to login", name, got.status, got.loc)
		}
	}
	m.noLeak(t, name, got)
	if spec.object == "" || p.tenant == "" && spec.object != "tenant" {
		return
	}
	if p.tenant == "" && p.login != "" {
		// The operator belongs to no tenant: beta is as foreign as alpha.
		return
	}
	foreign := m.do(t, l, rt, spec, p, m.beta)
	missing := m.do(t, l, rt, spec, p, m.none)
	m.noLeak(t, name+" (foreign)", foreign)
	if a, b := normalise(foreign, m.beta), normalise(missing, m.none); a != b {
		t.Errorf("%s: beta's object answers unlike a missing one:\nforeign %d %q %.400s\nmissing %d %q %.400s",
			name, a.status, a.loc, a.body, b.status, b.loc, b.body)
	}
}

func (m *matrixEnv) noLeak(t *testing.T, name string, a answer) {
	t.Helper()
	for _, mk := range betaMarkers {
		if strings.Contains(a.body, mk) {
			t.Errorf("%s: the answer contains beta's %q", name, mk)
		}
	}
}

// betaSnapshot renders beta's facilities and users as beta's admin sees them.
func (m *matrixEnv) betaSnapshot(t *testing.T) string {
	t.Helper()
	ctx := context.Background()
	fs, err := m.app.Facilities(ctx, m.admin["beta"])
	if err != nil {
		t.Fatal(err)
	}
	us, err := m.app.Users(ctx, m.admin["beta"], app.UserFilter{})
	if err != nil {
		t.Fatal(err)
	}
	var b strings.Builder
	for _, f := range fs {
		fmt.Fprintf(&b, "%s|%s|%s|%s;", f.ID, f.Kind, f.Name, f.Address)
	}
	for _, u := range us {
		fmt.Fprintf(&b, "%s|%s|%s|%s|%v|%v;", u.ID, u.LoginID, u.Name, u.Role, u.Active, u.Facilities)
	}
	return b.String()
}

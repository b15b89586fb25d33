package api_test

import (
	"bytes"
	"context"
	"crypto/tls"
	"encoding/base64"
	"encoding/json"
	"io"
	stdlog "log"
	"log/slog"
	"maps"
	"net/http"
	"net/http/httptest"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/renrakucho/renrakucho/internal/api"
	"github.com/renrakucho/renrakucho/internal/app"
	"github.com/renrakucho/renrakucho/internal/auth"
	"github.com/renrakucho/renrakucho/internal/care"
	"github.com/renrakucho/renrakucho/internal/httpx"
	"github.com/renrakucho/renrakucho/internal/i18n"
	"github.com/renrakucho/renrakucho/internal/pki"
	"github.com/renrakucho/renrakucho/internal/realtime"
	"github.com/renrakucho/renrakucho/internal/store"
	"github.com/renrakucho/renrakucho/internal/store/storetest"
)

const (
	password = "correct-horse-battery-9"
	maxBody  = 16 << 10
	// The event stream's heartbeat and session re-check, short so the
	// tests see both.
	eventPing    = 200 * time.Millisecond
	eventRecheck = 300 * time.Millisecond
)

// fixture is a deployment with two tenants, served through a real user
// listener and a real admin listener.
type fixture struct {
	t     *testing.T
	app   *app.App
	ca    *pki.CA
	user  *httptest.Server // the user listener
	admin *httptest.Server // the admin listener: TLS, client certificate required
	// loose is an admin listener whose TLS lets a client without a
	// certificate through, to prove the app refuses it anyway.
	loose *httptest.Server

	alpha, beta app.CreatedTenant
	nurse       care.User // a member of alpha
	doctor      care.User // a member of beta
	// Client certificates, issued through the app so they are bound.
	opCert, alphaCert, betaCert tls.Certificate
	// nurseCert is from the CA but bound to no account.
	nurseCert tls.Certificate
	// totp holds the admins' TOTP secrets by "slug/login" (mfa_test.go).
	totp  map[string]*totpAccount
	clock *storetest.Clock
}

func newFixture(t *testing.T, db *store.DB) *fixture {
	t.Helper()
	ctx := context.Background()
	now := time.Now()
	// A TOTP code is good once: admin logins move this clock on to a
	// fresh time step rather than wait for one (mfa_test.go).
	clock := storetest.NewClock(now)
	db = db.WithClock(clock.Now)
	ca, err := pki.Create(t.TempDir(), now.Add(-time.Hour))
	if err != nil {
		t.Fatal(err)
	}
	log := slog.New(slog.NewTextHandler(io.Discard, nil))
	hasher := auth.NewHasher(auth.Params{Memory: 1024, Time: 1, Threads: 1, KeyLen: 32, SaltLen: 16}, 0)
	a := app.New(db, hasher, app.Options{CA: ca, Log: log, Hub: realtime.NewLocal()})
	f := &fixture{t: t, app: a, ca: ca, clock: clock}

	cli := care.Origin{IP: "127.0.0.1", UserAgent: "api_test", Listener: care.AdminListener}
	op, err := a.InitOperator(ctx, "ops", "運用 太郎", "", password, cli)
	if err != nil {
		t.Fatal(err)
	}
	tenant := func(slug string) app.CreatedTenant {
		ct, err := a.CreateTenant(ctx, op, care.NewTenant{Slug: slug, Name: slug + "市", AdminLogin: "admin",
			AdminName: "管理 花子", AdminPassword: password})
		if err != nil {
			t.Fatal(err)
		}
		return ct
	}
	f.alpha, f.beta = tenant("alpha"), tenant("beta")
	member := func(ct app.CreatedTenant, login string, prof care.Profession) care.User {
		adm, err := a.TenantAdminActor(ctx, ct.Tenant.Slug, "admin", cli)
		if err != nil {
			t.Fatal(err)
		}
		u, err := a.CreateUser(ctx, adm, care.UserInput{LoginID: login, Name: login + " 一郎", Kana: "イチロウ",
			Profession: prof, Email: login + "@example.jp", Role: care.RoleMember,
			Facilities: []string{ct.Facility.ID}, Password: password})
		if err != nil {
			t.Fatal(err)
		}
		return u
	}
	f.nurse = member(f.alpha, "nurse1", "nurse")
	f.doctor = member(f.beta, "doctor1", "doctor")
	issue := func(slug, login string) tls.Certificate {
		c, err := a.IssueClientCert(ctx, op, slug, login)
		if err != nil {
			t.Fatal(err)
		}
		return c.TLSCertificate()
	}
	f.opCert, f.alphaCert, f.betaCert = issue("", "ops"), issue("alpha", "admin"), issue("beta", "admin")
	stray, err := ca.IssueClient(pki.Subject{Tenant: "alpha", Login: "nurse1"}, time.Hour, now)
	if err != nil {
		t.Fatal(err)
	}
	f.nurseCert = stray.TLSCertificate()
	f.seedTOTP(op) // admins always need a second factor (mfa_test.go)

	cat := i18n.MustLoad()
	handler := func(l care.Listener) http.Handler {
		s := httpx.Sessions{Listener: l, Secure: l == care.AdminListener, Authenticate: a.Authenticate}
		mux := http.NewServeMux()
		routes := api.New(api.Deps{App: a, Cat: cat, Log: log, Sessions: s, MaxBody: maxBody}).
			SetEventTimers(eventPing, eventRecheck).Routes()
		httpx.Register(mux, routes)
		return http.NewCrossOriginProtection().Handler(s.Middleware(mux))
	}
	f.user = httptest.NewServer(handler(care.UserListener))
	t.Cleanup(f.user.Close)
	srvCert, err := ca.IssueServer(nil, time.Hour, now)
	if err != nil {
		t.Fatal(err)
	}
	startTLS := func(auth tls.ClientAuthType) *httptest.Server {
		s := httptest.NewUnstartedServer(handler(care.AdminListener))
		s.TLS = &tls.Config{Certificates: []tls.Certificate{srvCert}, ClientAuth: auth, ClientCAs: ca.CertPool(),
			MinVersion: tls.VersionTLS12}
		s.Config.ErrorLog = stdlog.New(io.Discard, "", 0) // refused handshakes are expected
		s.StartTLS()
		t.Cleanup(s.Close)
		return s
	}
	f.admin = startTLS(tls.RequireAndVerifyClientCert)
	f.loose = startTLS(tls.VerifyClientCertIfGiven)
	return f
}

// client talks to one server, with an optional client certificate and
// bearer token.
type client struct {
	t     *testing.T
	f     *fixture
	base  string
	hc    *http.Client
	token string
	lang  string
}

func (f *fixture) userClient() *client {
	return &client{t: f.t, f: f, base: f.user.URL, hc: &http.Client{}}
}

func (f *fixture) adminClient(srv *httptest.Server, certs ...tls.Certificate) *client {
	tr := &http.Transport{TLSClientConfig: &tls.Config{RootCAs: f.ca.CertPool(), Certificates: certs}}
	f.t.Cleanup(tr.CloseIdleConnections)
	return &client{t: f.t, f: f, base: srv.URL, hc: &http.Client{Transport: tr}}
}

// with returns a copy of c bearing token.
func (c *client) with(token string) *client { d := *c; d.token = token; return &d }

// english returns a copy of c that prefers English.
func (c *client) english() *client { d := *c; d.lang = "en"; return &d }

type response struct {
	status int
	header http.Header
	body   []byte
}

func (r response) json(t *testing.T) map[string]any {
	t.Helper()
	var m map[string]any
	if err := json.Unmarshal(r.body, &m); err != nil {
		t.Fatalf("response %d is not a JSON object: %v\n%s", r.status, err, r.body)
	}
	return m
}

// send sends body as JSON: a string or []byte as is, anything else
// marshalled. Extra headers come in name, value pairs.
func (c *client) send(method, path string, body any, headers ...string) (response, error) {
	c.t.Helper()
	var rd io.Reader
	switch b := body.(type) {
	case nil:
	case string:
		rd = strings.NewReader(b)
	case []byte:
		rd = bytes.NewReader(b)
	default:
		j, err := json.Marshal(b)
		if err != nil {
			c.t.Fatal(err)
		}
		rd = bytes.NewReader(j)
	}
	req, err := http.NewRequest(method, c.base+path, rd)
	if err != nil {
		c.t.Fatal(err)
	}
	if body != nil {
		req.Header.Set("Content-Type", "application/json")
	}
	if c.token != "" {
		req.Header.Set("Authorization", "Bearer "+c.token)
	}
	if c.lang != "" {
		req.Header.Set("Accept-Language", c.lang)
	}
	for i := 0; i+1 < len(headers); i += 2 {
		if headers[i+1] == "" {
			req.Header.Del(headers[i])
		} else {
			req.Header.Set(headers[i], headers[i+1])
		}
	}
	res, err := c.hc.Do(req)
	if err != nil {
		return response{}, err
	}
	defer res.Body.Close()
	b, err := io.ReadAll(res.Body)
	return response{status: res.StatusCode, header: res.Header, body: b}, err
}

func (c *client) do(method, path string, body any, headers ...string) response {
	c.t.Helper()
	r, err := c.send(method, path, body, headers...)
	if err != nil {
		c.t.Fatalf("%s %s: %v", method, path, err)
	}
	return r
}

// want fails unless r has the status.
func want(t *testing.T, r response, status int) {
	t.Helper()
	if r.status != status {
		t.Fatalf("status %d, want %d: %s", r.status, status, r.body)
	}
}

// wantProblem fails unless r is a problem document with the status whose
// errors name exactly fields (in any order).
func wantProblem(t *testing.T, r response, status int, fields ...string) map[string]any {
	t.Helper()
	want(t, r, status)
	if ct := r.header.Get("Content-Type"); ct != "application/problem+json" {
		t.Errorf("Content-Type %q, want application/problem+json", ct)
	}
	p := r.json(t)
	if p["title"] == "" || p["status"] != float64(status) {
		t.Errorf("problem %v: want a title and status %d", p, status)
	}
	var got []string
	errs, _ := p["errors"].([]any)
	for _, e := range errs {
		got = append(got, e.(map[string]any)["field"].(string))
	}
	slices.Sort(got)
	slices.Sort(fields)
	if !slices.Equal(got, fields) {
		t.Errorf("problem fields %v, want %v: %s", got, fields, r.body)
	}
	return p
}

// login logs in through c and returns a client bearing the token.
func (c *client) login(tenant, login string) *client {
	c.t.Helper()
	body := map[string]string{"tenant": tenant, "login_id": login, "password": password}
	if code := c.f.otp(c.t, tenant, login); code != "" {
		body["otp"] = code
	}
	r := c.do("POST", "/api/v1/sessions", body)
	want(c.t, r, http.StatusCreated)
	return c.with(r.json(c.t)["token"].(string))
}

func TestAPI(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		f := newFixture(t, db)
		t.Run("Login", f.testLogin)
		t.Run("Sessions", f.testSessions)
		t.Run("Facilities", f.testFacilities)
		t.Run("Users", f.testUsers)
		t.Run("Bodies", f.testBodies)
		t.Run("OtherTenant", f.testOtherTenant)
		t.Run("Audit", f.testAudit)
		t.Run("Operator", f.testOperator)
		t.Run("OpenAPI", f.testOpenAPI)
	})
}

func (f *fixture) testLogin(t *testing.T) {
	user := f.userClient()
	admin := f.adminClient(f.admin, f.alphaCert)
	creds := func(tenant, login, pw string) map[string]string {
		return map[string]string{"tenant": tenant, "login_id": login, "password": pw}
	}
	tests := []struct {
		name   string
		c      *client
		body   map[string]string
		status int
	}{
		{"OK", user, creds("alpha", "nurse1", password), 201},
		{"OKAdmin", admin, creds("alpha", "admin", password), 201},
		{"OKOperator", f.adminClient(f.admin, f.opCert), creds("", "ops", password), 201},
		{"ErrWrongPassword", user, creds("alpha", "nurse1", password+"x"), 401},
		{"ErrUnknownUser", user, creds("alpha", "nobody", password), 401},
		{"ErrUnknownTenant", user, creds("gamma", "nurse1", password), 401},
		{"ErrOperatorOnUserListener", user, creds("", "ops", password), 401},
		{"ErrMemberOnAdminListener", admin, creds("alpha", "nurse1", password), 401},
		{"ErrMemberWithOwnUnboundCert", f.adminClient(f.admin, f.nurseCert), creds("alpha", "nurse1", password), 401},
		{"ErrAdminWithOtherAdminsCert", f.adminClient(f.admin, f.betaCert), creds("alpha", "admin", password), 401},
		{"ErrAdminWithoutCert", f.adminClient(f.loose), creds("alpha", "admin", password), 401},
		{"ErrOperatorWithTenantCert", f.adminClient(f.admin, f.alphaCert), creds("", "ops", password), 401},
	}
	var failure []byte
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			body := maps.Clone(tt.body)
			if code := f.otp(t, body["tenant"], body["login_id"]); code != "" && tt.status == 201 {
				body["otp"] = code
			}
			r := tt.c.do("POST", "/api/v1/sessions", body)
			if tt.status != 201 {
				p := wantProblem(t, r, tt.status)
				if p["code"] != "unauthorized" {
					t.Errorf("code %v", p["code"])
				}
				// Every refusal looks the same: nothing tells an unknown
				// user from a wrong password.
				if failure == nil {
					failure = r.body
				} else if !bytes.Equal(r.body, failure) {
					t.Errorf("body %s differs from the first refusal's %s", r.body, failure)
				}
				return
			}
			want(t, r, 201)
			m := r.json(t)
			u, _ := m["user"].(map[string]any)
			if tok, _ := m["token"].(string); tok == "" || u["login_id"] != tt.body["login_id"] {
				t.Errorf("login response %s", r.body)
			}
			cookie := "rk_session"
			if tt.c != user {
				cookie = "__Host-rk_admin"
			}
			if sc := r.header.Get("Set-Cookie"); !strings.HasPrefix(sc, cookie+"="+m["token"].(string)) ||
				!strings.Contains(sc, "HttpOnly") {
				t.Errorf("Set-Cookie %q, want %s with the token", sc, cookie)
			}
		})
	}
	t.Run("ErrAdminWithoutCertTLS", func(t *testing.T) {
		// The real admin listener does not even finish the handshake.
		if r, err := f.adminClient(f.admin).send("POST", "/api/v1/sessions", creds("alpha", "admin", password)); err == nil {
			t.Errorf("request without a client certificate answered %d: %s", r.status, r.body)
		}
	})
}

func (f *fixture) testSessions(t *testing.T) {
	user := f.userClient()
	nurse := user.login("alpha", "nurse1")
	t.Run("Bearer", func(t *testing.T) {
		r := nurse.do("GET", "/api/v1/me", nil)
		want(t, r, 200)
		m := r.json(t)
		u := m["user"].(map[string]any)
		fs := m["facilities"].([]any)
		if u["id"] != f.nurse.ID || u["email"] != "nurse1@example.jp" || len(fs) != 1 ||
			fs[0].(map[string]any)["id"] != f.alpha.Facility.ID {
			t.Errorf("me = %s", r.body)
		}
		if _, ok := u["last_login_at"].(string); !ok {
			t.Errorf("last_login_at not set after login: %s", r.body)
		}
	})
	t.Run("Cookie", func(t *testing.T) {
		r := user.do("GET", "/api/v1/me", nil, "Cookie", "rk_session="+nurse.token)
		want(t, r, 200)
	})
	t.Run("ErrNoSession", func(t *testing.T) {
		wantProblem(t, user.do("GET", "/api/v1/me", nil), 401)
	})
	t.Run("ErrBadToken", func(t *testing.T) {
		wantProblem(t, user.with("alpha.garbage").do("GET", "/api/v1/me", nil), 401)
	})
	t.Run("ErrTokenOnOtherListener", func(t *testing.T) {
		admin := f.adminClient(f.admin, f.alphaCert).login("alpha", "admin")
		wantProblem(t, user.with(admin.token).do("GET", "/api/v1/me", nil), 401)
	})
	t.Run("ErrAdminSessionWithOtherCert", func(t *testing.T) {
		admin := f.adminClient(f.admin, f.alphaCert).login("alpha", "admin")
		other := f.adminClient(f.admin, f.betaCert).with(admin.token)
		wantProblem(t, other.do("GET", "/api/v1/me", nil), 401)
	})
	t.Run("ErrAdministerOnUserListener", func(t *testing.T) {
		// An admin may log in to the user listener as a member would,
		// but no administrative route exists there.
		admin := user.login("alpha", "admin")
		r := admin.do("POST", "/api/v1/facilities", map[string]string{"kind": "clinic", "name": "X"})
		if r.status != http.StatusMethodNotAllowed {
			t.Errorf("POST facilities on the user listener: %d %s", r.status, r.body)
		}
		// The admin routes are not there at all (the server's mux answers).
		want(t, admin.do("GET", "/api/v1/users/"+f.nurse.ID, nil), 404)
	})
	t.Run("Logout", func(t *testing.T) {
		s := user.login("alpha", "nurse1")
		r := s.do("DELETE", "/api/v1/sessions/current", nil)
		want(t, r, 204)
		if sc := r.header.Get("Set-Cookie"); !strings.Contains(sc, "rk_session=;") {
			t.Errorf("cookie not cleared: %q", sc)
		}
		wantProblem(t, s.do("GET", "/api/v1/me", nil), 401)
		wantProblem(t, s.do("DELETE", "/api/v1/sessions/current", nil), 401)
		want(t, nurse.do("GET", "/api/v1/me", nil), 200) // other sessions live on
	})
	t.Run("OperatorMe", func(t *testing.T) {
		op := f.adminClient(f.admin, f.opCert).login("", "ops")
		r := op.do("GET", "/api/v1/me", nil)
		want(t, r, 200)
		if m := r.json(t); m["user"].(map[string]any)["role"] != "operator" || len(m["facilities"].([]any)) != 0 {
			t.Errorf("operator me = %s", r.body)
		}
		want(t, op.do("DELETE", "/api/v1/sessions/current", nil), 204)
		wantProblem(t, op.do("GET", "/api/v1/me", nil), 401)
	})
}

func (f *fixture) testFacilities(t *testing.T) {
	admin := f.adminClient(f.admin, f.alphaCert).login("alpha", "admin")
	var id string
	t.Run("Create", func(t *testing.T) {
		r := admin.do("POST", "/api/v1/facilities", map[string]string{"kind": "clinic", "name": " 青葉クリニック ",
			"address": "青葉区1-2-3", "phone": "03-1234-5678", "area": "青葉"})
		want(t, r, 201)
		m := r.json(t)
		id, _ = m["id"].(string)
		if id == "" || m["name"] != "青葉クリニック" || m["kind"] != "clinic" || r.header.Get("Location") != "/api/v1/facilities/"+id {
			t.Errorf("created %s (Location %q)", r.body, r.header.Get("Location"))
		}
		if at, _ := m["created_at"].(string); !strings.HasSuffix(at, "Z") {
			t.Errorf("created_at %q is not UTC RFC 3339", at)
		}
	})
	t.Run("List", func(t *testing.T) {
		for name, c := range map[string]*client{"Admin": admin, "Member": f.userClient().login("alpha", "nurse1")} {
			r := c.do("GET", "/api/v1/facilities", nil)
			want(t, r, 200)
			m := r.json(t)
			if items := m["items"].([]any); len(items) != 2 || m["next"] != nil {
				t.Errorf("%s: list = %s", name, r.body)
			}
		}
	})
	t.Run("Get", func(t *testing.T) {
		r := admin.do("GET", "/api/v1/facilities/"+id, nil)
		want(t, r, 200)
		if r.json(t)["address"] != "青葉区1-2-3" {
			t.Errorf("get = %s", r.body)
		}
		wantProblem(t, admin.do("GET", "/api/v1/facilities/nonexistent", nil), 404)
	})
	t.Run("Patch", func(t *testing.T) {
		r := admin.do("PATCH", "/api/v1/facilities/"+id, map[string]string{"phone": "03-9999-0000"})
		want(t, r, 200)
		if m := r.json(t); m["phone"] != "03-9999-0000" || m["name"] != "青葉クリニック" || m["area"] != "青葉" {
			t.Errorf("patched = %s", r.body)
		}
		wantProblem(t, admin.do("PATCH", "/api/v1/facilities/nonexistent", map[string]string{"name": "x"}), 404)
	})
	tests := []struct {
		name   string
		method string
		path   string
		body   any
		fields []string
	}{
		{"ErrCreateInvalid", "POST", "/api/v1/facilities", map[string]string{"kind": "castle", "name": "", "phone": "call me"},
			[]string{"kind", "name", "phone"}},
		{"ErrCreateMissing", "POST", "/api/v1/facilities", map[string]string{}, []string{"kind", "name"}},
		{"ErrPatchInvalid", "PATCH", "/api/v1/facilities/" + "{id}", map[string]string{"name": "   "}, []string{"name"}},
		{"ErrUnknownField", "POST", "/api/v1/facilities", `{"kind":"clinic","name":"A","colour":"red"}`, []string{"colour"}},
		{"ErrWrongType", "PATCH", "/api/v1/facilities/{id}", `{"name":5}`, []string{"name"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			p := wantProblem(t, admin.do(tt.method, strings.ReplaceAll(tt.path, "{id}", id), tt.body), 422, tt.fields...)
			if p["code"] != "invalid" {
				t.Errorf("code %v", p["code"])
			}
		})
	}
	t.Run("ErrMember", func(t *testing.T) {
		// Members list facilities on the user listener; nothing else of
		// facilities is there.
		nurse := f.userClient().login("alpha", "nurse1")
		want(t, nurse.do("GET", "/api/v1/facilities/"+id, nil), 404)
		want(t, nurse.do("POST", "/api/v1/facilities", map[string]string{"kind": "clinic", "name": "X"}), 405)
	})
	t.Run("Unchanged", func(t *testing.T) {
		r := admin.do("GET", "/api/v1/facilities/"+id, nil)
		if m := r.json(t); m["name"] != "青葉クリニック" || m["phone"] != "03-9999-0000" {
			t.Errorf("a refused change changed the facility: %s", r.body)
		}
	})
}

func (f *fixture) testUsers(t *testing.T) {
	admin := f.adminClient(f.admin, f.alphaCert).login("alpha", "admin")
	newUser := map[string]any{"login_id": "pharm1", "name": "薬剤 三郎", "kana": "ヤクザイ サブロウ", "profession": "pharmacist",
		"email": "pharm1@example.jp", "role": "member", "facilities": []string{f.alpha.Facility.ID}, "password": password}
	var id string
	t.Run("Create", func(t *testing.T) {
		r := admin.do("POST", "/api/v1/users", newUser)
		want(t, r, 201)
		m := r.json(t)
		id, _ = m["id"].(string)
		if id == "" || m["login_id"] != "pharm1" || m["active"] != true || m["last_login_at"] != nil ||
			r.header.Get("Location") != "/api/v1/users/"+id {
			t.Errorf("created %s", r.body)
		}
		if _, ok := m["password"]; ok {
			t.Error("the password is echoed")
		}
	})
	t.Run("ErrCreateDuplicate", func(t *testing.T) {
		wantProblem(t, admin.do("POST", "/api/v1/users", newUser), 409, "login_id")
	})
	t.Run("ErrCreateInvalid", func(t *testing.T) {
		bad := map[string]any{"login_id": "x", "name": "", "kana": "abc", "profession": "wizard", "email": "nope",
			"role": "operator", "facilities": []string{}, "password": "short"}
		wantProblem(t, admin.do("POST", "/api/v1/users", bad), 422,
			"login_id", "name", "kana", "profession", "email", "role", "facilities", "password")
	})
	t.Run("Get", func(t *testing.T) {
		r := admin.do("GET", "/api/v1/users/"+id, nil)
		want(t, r, 200)
		if r.json(t)["email"] != "pharm1@example.jp" {
			t.Errorf("get = %s", r.body)
		}
	})
	t.Run("List", func(t *testing.T) {
		r := admin.do("GET", "/api/v1/users?q=pharm&profession=pharmacist", nil)
		want(t, r, 200)
		items := r.json(t)["items"].([]any)
		if len(items) != 1 || items[0].(map[string]any)["id"] != id {
			t.Errorf("filtered list = %s", r.body)
		}
		wantProblem(t, admin.do("GET", "/api/v1/users?profession=wizard", nil), 422, "profession")
	})
	t.Run("Directory", func(t *testing.T) {
		nurse := f.userClient().login("alpha", "nurse1")
		r := nurse.do("GET", "/api/v1/users?facility="+f.alpha.Facility.ID, nil)
		want(t, r, 200)
		items := r.json(t)["items"].([]any)
		if len(items) != 3 { // admin, nurse1, pharm1
			t.Errorf("directory = %s", r.body)
		}
		for _, it := range items {
			e := it.(map[string]any)
			if _, ok := e["email"]; ok {
				t.Errorf("directory shows an e-mail address: %v", e)
			}
			if _, ok := e["last_login_at"]; ok {
				t.Errorf("directory shows the last login: %v", e)
			}
		}
	})
	t.Run("Patch", func(t *testing.T) {
		r := admin.do("PATCH", "/api/v1/users/"+id, map[string]any{"kana": "やくざい", "active": false})
		want(t, r, 200)
		m := r.json(t)
		if m["kana"] != "やくざい" || m["active"] != false || m["name"] != "薬剤 三郎" || m["email"] != "pharm1@example.jp" {
			t.Errorf("patched = %s", r.body)
		}
		wantProblem(t, admin.do("PATCH", "/api/v1/users/"+id, map[string]any{"email": "nope", "facilities": []string{}}),
			422, "email", "facilities")
		wantProblem(t, admin.do("PATCH", "/api/v1/users/"+id, `{"login_id":"other"}`), 422, "login_id")
		// An inactive user drops out of the directory.
		r = f.userClient().login("alpha", "nurse1").do("GET", "/api/v1/users?q=pharm", nil)
		if items := r.json(t)["items"].([]any); len(items) != 0 {
			t.Errorf("directory shows an inactive user: %s", r.body)
		}
	})
	t.Run("ErrSelfChange", func(t *testing.T) {
		me := admin.do("GET", "/api/v1/me", nil).json(t)["user"].(map[string]any)["id"].(string)
		wantProblem(t, admin.do("PATCH", "/api/v1/users/"+me, map[string]any{"active": false}), 409)
		wantProblem(t, admin.do("DELETE", "/api/v1/users/"+me, nil), 409)
	})
	t.Run("Delete", func(t *testing.T) {
		want(t, admin.do("DELETE", "/api/v1/users/"+id, nil), 204)
		wantProblem(t, admin.do("GET", "/api/v1/users/"+id, nil), 404)
		wantProblem(t, admin.do("DELETE", "/api/v1/users/"+id, nil), 404)
	})
}

func (f *fixture) testBodies(t *testing.T) {
	admin := f.adminClient(f.admin, f.alphaCert).login("alpha", "admin")
	t.Run("ErrNotJSON", func(t *testing.T) {
		for _, ct := range []string{"", "text/plain", "application/x-www-form-urlencoded"} {
			r := admin.do("POST", "/api/v1/facilities", `{"kind":"clinic","name":"A"}`, "Content-Type", ct)
			wantProblem(t, r, http.StatusUnsupportedMediaType)
		}
		r := f.userClient().do("POST", "/api/v1/sessions", `{}`, "Content-Type", "text/plain")
		wantProblem(t, r, http.StatusUnsupportedMediaType)
	})
	t.Run("JSONWithCharset", func(t *testing.T) {
		r := admin.do("POST", "/api/v1/facilities", `{"kind":"clinic","name":"B"}`, "Content-Type", "application/json; charset=utf-8")
		want(t, r, 201)
	})
	t.Run("ErrMalformed", func(t *testing.T) {
		for _, body := range []string{``, `{`, `[]`, `{"kind":"clinic","name":"A"} {}`} {
			wantProblem(t, admin.do("POST", "/api/v1/facilities", body), 422)
		}
	})
	t.Run("ErrTooLarge", func(t *testing.T) {
		big := `{"kind":"clinic","name":"` + strings.Repeat("あ", maxBody) + `"}`
		p := wantProblem(t, admin.do("POST", "/api/v1/facilities", big), http.StatusRequestEntityTooLarge)
		if p["code"] != "too_large" {
			t.Errorf("code %v", p["code"])
		}
	})
	t.Run("Language", func(t *testing.T) {
		body := map[string]string{"kind": "castle", "name": "A"}
		ja := wantProblem(t, admin.do("POST", "/api/v1/facilities", body), 422, "kind")
		en := wantProblem(t, admin.english().do("POST", "/api/v1/facilities", body), 422, "kind")
		if ja["title"] != "入力内容に誤りがあります" || en["title"] != "Some of the input is not valid" {
			t.Errorf("titles %q / %q", ja["title"], en["title"])
		}
		msg := en["errors"].([]any)[0].(map[string]any)["message"]
		if msg != "Choose one from the list" {
			t.Errorf("English field message %q", msg)
		}
		u := wantProblem(t, f.userClient().english().do("GET", "/api/v1/me", nil), 401)
		if u["title"] != "Please log in" {
			t.Errorf("English 401 title %q", u["title"])
		}
	})
}

func (f *fixture) testOtherTenant(t *testing.T) {
	alpha := f.adminClient(f.admin, f.alphaCert).login("alpha", "admin")
	tests := []struct {
		name, method, path string
		body               any
	}{
		{"GetUser", "GET", "/api/v1/users/{id}", nil},
		{"PatchUser", "PATCH", "/api/v1/users/{id}", map[string]string{"name": "乗っ取り"}},
		{"DeleteUser", "DELETE", "/api/v1/users/{id}", nil},
		{"GetFacility", "GET", "/api/v1/facilities/{fid}", nil},
		{"PatchFacility", "PATCH", "/api/v1/facilities/{fid}", map[string]string{"name": "乗っ取り"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			path := func(id, fid string) string {
				return strings.NewReplacer("{id}", id, "{fid}", fid).Replace(tt.path)
			}
			other := alpha.do(tt.method, path(f.doctor.ID, f.beta.Facility.ID), tt.body)
			missing := alpha.do(tt.method, path("nonexistent", "nonexistent"), tt.body)
			wantProblem(t, other, 404)
			if !bytes.Equal(other.body, missing.body) {
				t.Errorf("another tenant's object %s differs from a missing one %s", other.body, missing.body)
			}
		})
	}
	// Nothing of beta changed.
	beta := f.adminClient(f.admin, f.betaCert).login("beta", "admin")
	r := beta.do("GET", "/api/v1/users/"+f.doctor.ID, nil)
	want(t, r, 200)
	if m := r.json(t); m["name"] != "doctor1 一郎" || m["active"] != true {
		t.Errorf("beta's user changed: %s", r.body)
	}
	// Lists show only one's own tenant.
	for _, it := range alpha.do("GET", "/api/v1/users", nil).json(t)["items"].([]any) {
		if it.(map[string]any)["id"] == f.doctor.ID {
			t.Error("alpha's user list shows beta's user")
		}
	}
	for _, it := range f.userClient().login("alpha", "nurse1").do("GET", "/api/v1/users", nil).json(t)["items"].([]any) {
		if it.(map[string]any)["id"] == f.doctor.ID {
			t.Error("alpha's directory shows beta's user")
		}
	}
}

func (f *fixture) testAudit(t *testing.T) {
	// A failed login whose login ID and user agent are formulas.
	f.userClient().do("POST", "/api/v1/sessions", map[string]string{"tenant": "alpha", "login_id": "=cmd()", "password": "x"},
		"User-Agent", "@SUM(A1)")
	admin := f.adminClient(f.admin, f.alphaCert).login("alpha", "admin")
	t.Run("JSON", func(t *testing.T) {
		r := admin.do("GET", "/api/v1/audit?action=login.failure", nil)
		want(t, r, 200)
		items := r.json(t)["items"].([]any)
		found := false
		for _, it := range items {
			e := it.(map[string]any)
			if e["action"] != "login.failure" {
				t.Errorf("filter let through %v", e)
			}
			if e["actor_login"] == "=cmd()" {
				found = true
				if at, _ := e["at"].(string); !strings.HasSuffix(at, "Z") {
					t.Errorf("at %q is not UTC", at)
				}
			}
		}
		if !found {
			t.Errorf("failed login not in the log: %s", r.body)
		}
	})
	t.Run("Dates", func(t *testing.T) {
		today := time.Now().In(time.FixedZone("JST", 9*3600)).Format(time.DateOnly)
		r := admin.do("GET", "/api/v1/audit?from="+today+"&to="+today, nil)
		want(t, r, 200)
		if len(r.json(t)["items"].([]any)) == 0 {
			t.Errorf("today's entries missing with from=to=%s", today)
		}
		r = admin.do("GET", "/api/v1/audit?from=2000-01-01&to=2000-01-31T23:59:59Z", nil)
		want(t, r, 200)
		if len(r.json(t)["items"].([]any)) != 0 {
			t.Errorf("entries from 2000: %s", r.body)
		}
		wantProblem(t, admin.do("GET", "/api/v1/audit?from=yesterday&to=2025-13-01&format=xml", nil), 422, "from", "to", "format")
	})
	t.Run("CSV", func(t *testing.T) {
		r := admin.do("GET", "/api/v1/audit?format=csv", nil)
		want(t, r, 200)
		if ct := r.header.Get("Content-Type"); ct != "text/csv; charset=utf-8" {
			t.Errorf("Content-Type %q", ct)
		}
		if cd := r.header.Get("Content-Disposition"); !strings.HasPrefix(cd, "attachment; filename=") {
			t.Errorf("Content-Disposition %q", cd)
		}
		body := string(r.body)
		if !strings.HasPrefix(body, "\uFEFF日時,") {
			t.Errorf("no BOM and Japanese header: %q", body[:min(len(body), 40)])
		}
		if !strings.Contains(body, ",'=cmd(),") || !strings.Contains(body, ",'@SUM(A1),") {
			t.Errorf("formula cells not neutralised:\n%s", body)
		}
		if strings.Contains(body, ",=cmd()") || strings.Contains(body, ",@SUM") {
			t.Errorf("a raw formula cell remains:\n%s", body)
		}
		if !strings.Contains(body, "+09:00,") || !strings.Contains(body, "\r\n") {
			t.Errorf("times not in Japan time or lines not CRLF:\n%s", body)
		}
		en := admin.english().do("GET", "/api/v1/audit?format=csv", nil)
		if !strings.HasPrefix(string(en.body), "\uFEFFTime,") {
			t.Errorf("English header: %q", en.body[:20])
		}
	})
	t.Run("ErrMember", func(t *testing.T) {
		// The audit route is not on the user listener at all.
		r := f.userClient().login("alpha", "nurse1").do("GET", "/api/v1/audit", nil)
		want(t, r, 404)
	})
	t.Run("Operator", func(t *testing.T) {
		op := f.adminClient(f.admin, f.opCert).login("", "ops")
		r := op.do("GET", "/api/v1/audit", nil)
		want(t, r, 200)
		for _, it := range r.json(t)["items"].([]any) {
			if it.(map[string]any)["actor_login"] == "=cmd()" {
				t.Error("the operator sees a tenant's audit log")
			}
		}
	})
}

func (f *fixture) testOperator(t *testing.T) {
	op := f.adminClient(f.admin, f.opCert).login("", "ops")
	t.Run("List", func(t *testing.T) {
		r := op.do("GET", "/api/v1/tenants", nil)
		want(t, r, 200)
		items := r.json(t)["items"].([]any)
		if len(items) != 2 {
			t.Errorf("tenants = %s", r.body)
		}
	})
	t.Run("Create", func(t *testing.T) {
		r := op.do("POST", "/api/v1/tenants", map[string]any{"slug": "gamma", "name": "ガンマ市", "options": []string{"disaster"},
			"admin": map[string]string{"login_id": "chief", "name": "長 四郎", "email": "chief@example.jp", "password": password}})
		want(t, r, 201)
		m := r.json(t)
		tn, adm := m["tenant"].(map[string]any), m["admin"].(map[string]any)
		if tn["slug"] != "gamma" || tn["active"] != true || adm["login_id"] != "chief" || adm["role"] != "tenant_admin" {
			t.Errorf("created %s", r.body)
		}
		if opts := tn["options"].([]any); len(opts) != 1 || opts[0] != "disaster" {
			t.Errorf("options %v", opts)
		}
	})
	t.Run("ErrCreateInvalid", func(t *testing.T) {
		r := op.do("POST", "/api/v1/tenants", map[string]any{"slug": "API", "name": "", "options": []string{"spa"},
			"admin": map[string]string{"login_id": "x", "name": "", "email": "bad", "password": "short"}})
		wantProblem(t, r, 422, "slug", "name", "options", "admin.login_id", "admin.name", "admin.email", "admin.password")
		r = op.do("POST", "/api/v1/tenants", `{"slug":"delta","name":"D","admin":{"login_id":"chief","name":"C","password":"`+password+`","role":"x"}}`)
		// encoding/json names an unknown member without its path.
		wantProblem(t, r, 422, "role")
	})
	t.Run("ErrCreateTaken", func(t *testing.T) {
		r := op.do("POST", "/api/v1/tenants", map[string]any{"slug": "alpha", "name": "A",
			"admin": map[string]string{"login_id": "chief", "name": "長 四郎", "password": password}})
		wantProblem(t, r, 409, "slug")
	})
	t.Run("Cert", func(t *testing.T) {
		r := op.do("POST", "/api/v1/certs", map[string]string{"tenant": "gamma", "login_id": "chief"})
		want(t, r, 201)
		m := r.json(t)
		cert, err := pki.ParseCertPEM([]byte(m["certificate_pem"].(string)))
		if err != nil {
			t.Fatal(err)
		}
		if sub, ok := pki.SubjectOf(cert); !ok || sub != (pki.Subject{Tenant: "gamma", Login: "chief"}) || pki.Serial(cert) != m["serial"] {
			t.Errorf("certificate for %v (serial %v)", sub, m["serial"])
		}
		if p12, err := base64.StdEncoding.DecodeString(m["p12_base64"].(string)); err != nil || len(p12) == 0 || m["p12_password"] == "" {
			t.Errorf("PKCS#12: %v", err)
		}
		wantProblem(t, op.do("POST", "/api/v1/certs", map[string]string{"tenant": "gamma", "login_id": "nobody"}), 404)
		wantProblem(t, op.do("POST", "/api/v1/certs", map[string]string{"tenant": "gamma:x", "login_id": "a/b"}), 422, "tenant", "login_id")
	})
	t.Run("ErrTenantAdmin", func(t *testing.T) {
		admin := f.adminClient(f.admin, f.alphaCert).login("alpha", "admin")
		wantProblem(t, admin.do("GET", "/api/v1/tenants", nil), 403)
		wantProblem(t, admin.do("POST", "/api/v1/tenants", map[string]any{"slug": "zeta", "name": "Z",
			"admin": map[string]string{"login_id": "chief", "name": "C", "password": password}}), 403)
		wantProblem(t, admin.do("POST", "/api/v1/certs", map[string]string{"tenant": "beta", "login_id": "admin"}), 403)
	})
	t.Run("ErrOperatorTenantData", func(t *testing.T) {
		wantProblem(t, op.do("GET", "/api/v1/users", nil), 403)
		wantProblem(t, op.do("GET", "/api/v1/facilities", nil), 403)
	})
}

func (f *fixture) testOpenAPI(t *testing.T) {
	for name, c := range map[string]*client{"User": f.userClient(), "Admin": f.adminClient(f.admin, f.opCert)} {
		r := c.do("GET", "/api/v1/openapi.yaml", nil)
		want(t, r, 200)
		if !bytes.Equal(r.body, api.OpenAPI) || !strings.HasPrefix(r.header.Get("Content-Type"), "application/yaml") {
			t.Errorf("%s: openapi.yaml not served", name)
		}
	}
}

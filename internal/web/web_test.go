package web_test

import (
	"context"
	"crypto/tls"
	"encoding/base64"
	"html"
	"io"
	"log/slog"
	"net/http"
	"net/http/cookiejar"
	"net/http/httptest"
	"net/url"
	"os"
	"path/filepath"
	"regexp"
	"sort"
	"strings"
	"testing"
	"time"

	"software.sslmate.com/src/go-pkcs12"

	"github.com/renrakucho/renrakucho/internal/app"
	"github.com/renrakucho/renrakucho/internal/auth"
	"github.com/renrakucho/renrakucho/internal/care"
	"github.com/renrakucho/renrakucho/internal/httpx"
	"github.com/renrakucho/renrakucho/internal/i18n"
	"github.com/renrakucho/renrakucho/internal/pki"
	"github.com/renrakucho/renrakucho/internal/store"
	"github.com/renrakucho/renrakucho/internal/store/storetest"
	"github.com/renrakucho/renrakucho/internal/web"
)

// pw meets the password policy and contains no login ID or name used here.
const pw = "Blue-Ocean-7391-river"

var cat = i18n.MustLoad()

// env is a real app on a real database behind both listeners: the user
// listener over HTTP, the admin listener over TLS requiring a client
// certificate from the deployment CA.
type env struct {
	t     *testing.T
	app   *app.App
	ca    *pki.CA
	user  *httptest.Server
	admin *httptest.Server
	// pages records, per language, which templates were rendered.
	pages map[string]map[string]bool
}

type testLog struct{ t *testing.T }

func (l testLog) Write(p []byte) (int, error) {
	l.t.Log(strings.TrimSpace(string(p)))
	return len(p), nil
}

func newEnv(t *testing.T, db *store.DB) *env {
	t.Helper()
	log := slog.New(slog.NewTextHandler(testLog{t}, &slog.HandlerOptions{Level: slog.LevelWarn}))
	ca, err := pki.Create(t.TempDir(), time.Now())
	if err != nil {
		t.Fatal(err)
	}
	a := app.New(db, auth.NewHasher(auth.Params{Memory: 1024, Time: 1, Threads: 1, KeyLen: 32, SaltLen: 16}, 0),
		app.Options{CA: ca, Log: log, Blobs: newBlobs(t), BlobKeys: newKeys()})
	e := &env{t: t, app: a, ca: ca, pages: map[string]map[string]bool{}}
	e.user = httptest.NewServer(mount(t, a, log, care.UserListener, false))
	t.Cleanup(e.user.Close)

	e.admin = httptest.NewUnstartedServer(mount(t, a, log, care.AdminListener, true))
	serverCert, err := ca.IssueServer([]string{"127.0.0.1"}, time.Hour, time.Now())
	if err != nil {
		t.Fatal(err)
	}
	e.admin.TLS = &tls.Config{Certificates: []tls.Certificate{serverCert}, ClientAuth: tls.RequireAndVerifyClientCert,
		ClientCAs: ca.CertPool(), MinVersion: tls.VersionTLS12}
	e.admin.StartTLS()
	t.Cleanup(e.admin.Close)
	return e
}

func mount(t *testing.T, a *app.App, log *slog.Logger, l care.Listener, secure bool) http.Handler {
	t.Helper()
	sess := httpx.Sessions{Listener: l, Secure: secure, Authenticate: a.Authenticate}
	w, err := web.New(web.Deps{App: a, Cat: cat, Log: log, Sessions: sess})
	if err != nil {
		t.Fatal(err)
	}
	mux := http.NewServeMux()
	httpx.Register(mux, w.Routes())
	// As the server composes each listener.
	return httpx.Logger(log, httpx.SecureHeaders(http.NewCrossOriginProtection().Handler(sess.Middleware(mux))))
}

// browser is one person's browser: a cookie jar and a language.
type browser struct {
	e    *env
	c    *http.Client
	base string
	lang string
}

func (e *env) userBrowser(lang string) *browser {
	jar, _ := cookiejar.New(nil)
	return &browser{e: e, c: &http.Client{Jar: jar}, base: e.user.URL, lang: lang}
}

func (e *env) adminBrowser(cert tls.Certificate, lang string) *browser {
	jar, _ := cookiejar.New(nil)
	tr := &http.Transport{TLSClientConfig: &tls.Config{RootCAs: e.ca.CertPool(), Certificates: []tls.Certificate{cert}}}
	e.t.Cleanup(tr.CloseIdleConnections)
	return &browser{e: e, c: &http.Client{Jar: jar, Transport: tr}, base: e.admin.URL, lang: lang}
}

// page is a response after redirects.
type page struct {
	status int
	path   string // the final URL's path and query
	body   string
	header http.Header
}

var dataPage = regexp.MustCompile(`<body data-page="([a-z_]+)">`)

func (b *browser) do(method, path string, form url.Values) page {
	b.e.t.Helper()
	var body io.Reader
	if form != nil {
		body = strings.NewReader(form.Encode())
	}
	req, err := http.NewRequest(method, b.base+path, body)
	if err != nil {
		b.e.t.Fatal(err)
	}
	if form != nil {
		req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	}
	req.Header.Set("Accept-Language", b.lang)
	resp, err := b.c.Do(req)
	if err != nil {
		b.e.t.Fatalf("%s %s: %v", method, path, err)
	}
	defer resp.Body.Close()
	raw, err := io.ReadAll(resp.Body)
	if err != nil {
		b.e.t.Fatal(err)
	}
	p := page{status: resp.StatusCode, path: resp.Request.URL.RequestURI(), body: string(raw), header: resp.Header}
	if strings.HasPrefix(resp.Header.Get("Content-Type"), "text/html") {
		if strings.Contains(p.body, web.MissingKey) {
			i := strings.Index(p.body, web.MissingKey)
			b.e.t.Errorf("%s %s: missing catalog key: %s", method, path, p.body[i:min(len(p.body), i+60)])
		}
		if strings.Contains(p.body, "ZgotmplZ") {
			b.e.t.Errorf("%s %s: html/template refused a value (ZgotmplZ)", method, path)
		}
		if m := dataPage.FindStringSubmatch(p.body); m != nil {
			if b.e.pages[b.lang] == nil {
				b.e.pages[b.lang] = map[string]bool{}
			}
			b.e.pages[b.lang][m[1]] = true
		}
	}
	return p
}

func (b *browser) get(path string) page { b.e.t.Helper(); return b.do("GET", path, nil) }
func (b *browser) post(path string, form url.Values) page {
	b.e.t.Helper()
	return b.do("POST", path, form)
}

// expect checks the status and the page template of a response.
func (p page) expect(t *testing.T, status int, tmpl string) page {
	t.Helper()
	if p.status != status {
		t.Fatalf("%s: status %d, want %d\n%s", p.path, p.status, status, excerpt(p.body))
	}
	if m := dataPage.FindStringSubmatch(p.body); tmpl != "" && (m == nil || m[1] != tmpl) {
		t.Fatalf("%s: page %v, want %s\n%s", p.path, m, tmpl, excerpt(p.body))
	}
	return p
}

func (p page) contains(t *testing.T, want ...string) page {
	t.Helper()
	for _, w := range want {
		if !strings.Contains(p.body, w) {
			t.Errorf("%s: body lacks %q\n%s", p.path, w, excerpt(p.body))
		}
	}
	return p
}

func (p page) lacks(t *testing.T, bad ...string) page {
	t.Helper()
	for _, b := range bad {
		if strings.Contains(p.body, b) {
			t.Errorf("%s: body has %q", p.path, b)
		}
	}
	return p
}

func excerpt(s string) string {
	if i := strings.Index(s, "<main"); i >= 0 {
		s = s[i:]
	}
	if len(s) > 3000 {
		s = s[:3000]
	}
	return s
}

// fixture is a tenant made through the app: its admin, a facility, a member.
type fixture struct {
	op        care.Actor
	opCert    tls.Certificate
	slug      string
	admin     care.Actor
	adminCert tls.Certificate
	facility  care.Facility
	member    care.User
}

var cliOrigin = care.Origin{IP: "127.0.0.1", UserAgent: "test", Listener: care.AdminListener}

// seed creates the first operator (with a certificate) and tenant slug.
func (e *env) seed(slug string) fixture {
	e.t.Helper()
	ctx := context.Background()
	var f fixture
	op, err := e.app.InitOperator(ctx, "ops", "運用 一郎", "", pw, cliOrigin)
	if err != nil && care.AsError(err).Key != "error.initialised" {
		e.t.Fatal(err)
	}
	if err != nil {
		op, err = e.app.OperatorActor(ctx, "ops", cliOrigin)
		if err != nil {
			e.t.Fatal(err)
		}
	}
	f.op = op
	c, err := e.app.IssueClientCert(ctx, op, "", "ops")
	if err != nil {
		e.t.Fatal(err)
	}
	f.opCert = c.TLSCertificate()
	f.slug = slug
	if _, err := e.app.CreateTenant(ctx, op, care.NewTenant{Slug: slug, Name: slug + " 市", AdminLogin: slug + "-admin",
		AdminName: "管理 花子", AdminPassword: pw}); err != nil {
		e.t.Fatal(err)
	}
	ac, err := e.app.IssueClientCert(ctx, op, slug, slug+"-admin")
	if err != nil {
		e.t.Fatal(err)
	}
	f.adminCert = ac.TLSCertificate()
	if f.admin, err = e.app.TenantAdminActor(ctx, slug, slug+"-admin", cliOrigin); err != nil {
		e.t.Fatal(err)
	}
	if f.facility, err = e.app.CreateFacility(ctx, f.admin, care.Facility{Kind: "clinic", Name: slug + " 診療所",
		Area: "北部", Phone: "03-1111-2222"}); err != nil {
		e.t.Fatal(err)
	}
	if f.member, err = e.app.CreateUser(ctx, f.admin, care.UserInput{LoginID: "dr-sato", Name: "佐藤 医師", Kana: "サトウ",
		Profession: "doctor", Role: care.RoleMember, Facilities: []string{f.facility.ID}, Password: pw}); err != nil {
		e.t.Fatal(err)
	}
	return f
}

func loginForm(login, password string) url.Values {
	return url.Values{"login_id": {login}, "password": {password}}
}

var (
	reP12Password = regexp.MustCompile(`id="p12-password">([A-Z2-7]+)<`)
	reP12         = regexp.MustCompile(`href="data:application/x-pkcs12;base64,([^"]+)"`)
	reP12Name     = regexp.MustCompile(`download="([^"]+)"`)
)

// certFromPage reads the PKCS#12 bundle and its password off a
// certificate page, as a person would: download, then import.
func certFromPage(t *testing.T, p page) (tls.Certificate, string) {
	t.Helper()
	pwm, data, name := reP12Password.FindStringSubmatch(p.body), reP12.FindStringSubmatch(p.body), reP12Name.FindStringSubmatch(p.body)
	if pwm == nil || data == nil || name == nil {
		t.Fatalf("no certificate on the page\n%s", excerpt(p.body))
	}
	der, err := base64.StdEncoding.DecodeString(html.UnescapeString(data[1]))
	if err != nil {
		t.Fatal(err)
	}
	key, cert, _, err := pkcs12.DecodeChain(der, pwm[1])
	if err != nil {
		t.Fatalf("decode p12: %v", err)
	}
	return tls.Certificate{Certificate: [][]byte{cert.Raw}, PrivateKey: key, Leaf: cert}, html.UnescapeString(name[1])
}

var (
	reFacilityLink = regexp.MustCompile(`href="/admin/facilities/([0-9a-f-]{36})"`)
	reUserLink     = regexp.MustCompile(`href="/admin/users/([0-9a-f-]{36})">([^<]+)</a>`)
)

func userID(t *testing.T, p page, name string) string {
	t.Helper()
	for _, m := range reUserLink.FindAllStringSubmatch(p.body, -1) {
		if html.UnescapeString(m[2]) == name {
			return m[1]
		}
	}
	t.Fatalf("no user %q listed\n%s", name, excerpt(p.body))
	return ""
}

const xss = `<script>alert(1)</script>`

// TestEveryPage walks every page of both listeners through a browser, in
// Japanese and in English: an operator creates a tenant and issues its
// admin's certificate; the admin, logging in with that certificate,
// creates a facility and a member; the member logs in on the user
// listener. It fails on any missing catalog key and on any template never
// rendered.
func TestEveryPage(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		e := newEnv(t, db)
		fx := e.seed("seed")
		for _, lang := range i18n.Languages {
			t.Run(lang, func(t *testing.T) {
				walk(t, e, fx, lang, "region-"+lang)
				walkContactBook(t, e, fx, lang)
				walkAccess(t, e, fx, lang)
				walkFiles(t, e, fx, lang)
			})
		}
		files, err := filepath.Glob("templates/pages/*.html")
		if err != nil || len(files) == 0 {
			t.Fatalf("no templates: %v", err)
		}
		for _, lang := range i18n.Languages {
			for _, f := range files {
				name := strings.TrimSuffix(filepath.Base(f), ".html")
				if !e.pages[lang][name] {
					t.Errorf("%s: template %s never rendered", lang, name)
				}
			}
		}
	})
}

func walk(t *testing.T, e *env, fx fixture, lang, slug string) {
	T := func(key string, args ...any) string { return html.EscapeString(cat.T(lang, key, args...)) }

	// The operator.
	op := e.adminBrowser(fx.opCert, lang)
	op.get("/").expect(t, 200, "login") // no session: the login page
	op.get("/login").expect(t, 200, "login").contains(t, `value="ops"`, T("login.cert_bound_operator", "ops"))
	op.login(t, "/login", url.Values{"tenant": {""}, "login_id": {"ops"}, "password": {pw}}).expect(t, 200, "console").
		contains(t, `href="/operator/tenants"`)
	op.get("/operator/tenants").expect(t, 200, "tenants").contains(t, "seed 市")
	op.get("/operator/tenants/new").expect(t, 200, "tenant_form")
	bad := url.Values{"slug": {"No Good!"}, "name": {"保持される名前"}, "options": {"emergency"}, "admin_login": {slug + "-admin"},
		"admin_name": {"管理 次郎"}, "admin_email": {"not-an-email"}, "admin_password": {"short"}}
	op.post("/operator/tenants", bad).expect(t, 422, "tenant_form").
		contains(t, `value="保持される名前"`, `href="#f-slug"`, `href="#f-admin-email"`, `href="#f-admin-password"`,
			T("error.slug"), T("error.email"), T("error.password_short"), `value="emergency" checked`)
	good := url.Values{"slug": {slug}, "name": {slug + " 広域連携"}, "options": {"disaster", "emergency"},
		"admin_login": {slug + "-admin"}, "admin_name": {"管理 次郎"}, "admin_email": {"admin@example.jp"}, "admin_password": {pw}}
	op.post("/operator/tenants", good).expect(t, 200, "tenant_created").contains(t, slug+"-admin", T("option.disaster"))
	op.post("/operator/tenants", good).expect(t, 409, "tenant_form").contains(t, T("error.slug_taken"), `href="#f-slug"`)
	certPage := op.post("/operator/certs", url.Values{"tenant": {slug}, "login_id": {slug + "-admin"}}).expect(t, 200, "cert")
	adminCert, file := certFromPage(t, certPage)
	if file != slug+"."+slug+"-admin.p12" {
		t.Errorf("download name %q", file)
	}
	op.post("/operator/certs", url.Values{"tenant": {""}, "login_id": {"ops"}}).expect(t, 200, "cert").
		contains(t, T("cert.account_operator", "ops"), `download="operator.ops.p12"`)
	op.post("/operator/certs", url.Values{"tenant": {slug}, "login_id": {"nobody"}}).expect(t, 404, "error")
	op.get("/operator/audit").expect(t, 200, "audit").contains(t, T("action.tenant.create"), T("action.cert.issue"))
	op.get("/operator/audit?from=yesterday").expect(t, 422, "audit").contains(t, T("web.error.date"), `value="yesterday"`)
	op.get("/admin/users").expect(t, 403, "error").contains(t, T("error.forbidden"))

	// The new tenant's admin, with the certificate taken from the page.
	ad := e.adminBrowser(adminCert, lang)
	ad.get("/login").expect(t, 200, "login").contains(t, `value="`+slug+`"`, `value="`+slug+`-admin"`)
	ad.post("/login", url.Values{"tenant": {slug}, "login_id": {slug + "-admin"}, "password": {"wrong-password-123"}}).
		expect(t, 401, "login").contains(t, T("error.login_failed"))
	ad.login(t, "/login", url.Values{"tenant": {slug}, "login_id": {slug + "-admin"}, "password": {pw}}).expect(t, 200, "console").
		contains(t, `href="/admin/facilities"`, `href="/admin/users"`, `href="/admin/audit"`)
	ad.get("/admin/facilities").expect(t, 200, "facilities")
	ad.get("/admin/facilities/new").expect(t, 200, "facility_form")
	ad.post("/admin/facilities/new", url.Values{"kind": {"pharmacy"}, "name": {""}, "area": {"南部"}, "phone": {"abc"}}).
		expect(t, 422, "facility_form").contains(t, `value="南部"`, `href="#f-name"`, `href="#f-phone"`, T("error.required"), T("error.phone"),
		`<option value="pharmacy" selected>`)
	p := ad.post("/admin/facilities/new", url.Values{"kind": {"pharmacy"}, "name": {xss}, "area": {"南部"}, "phone": {"03-2222-3333"}}).
		expect(t, 200, "facilities").contains(t, T("notice.created"), "&lt;script&gt;alert(1)&lt;/script&gt;").lacks(t, xss)
	var facilityID string
	for _, m := range reFacilityLink.FindAllStringSubmatch(p.body, -1) {
		if strings.Contains(p.body, m[0]+">&lt;script") {
			facilityID = m[1]
		}
	}
	if facilityID == "" {
		t.Fatalf("new facility not listed\n%s", excerpt(p.body))
	}
	ad.get("/admin/facilities/"+facilityID).expect(t, 200, "facility_form").contains(t, `value="03-2222-3333"`).lacks(t, xss)
	ad.post("/admin/facilities/"+facilityID, url.Values{"kind": {"pharmacy"}, "name": {xss}, "area": {"東部"}, "phone": {"03-2222-3333"}}).
		expect(t, 200, "facilities").contains(t, T("notice.saved"), "東部")

	ad.get("/admin/users").expect(t, 200, "users")
	ad.get("/admin/users/new").expect(t, 200, "user_form").contains(t, `value="`+facilityID+`"`)
	ad.post("/admin/users/new", url.Values{"login_id": {"nurse-ito"}, "name": {"伊藤 看護師"}, "kana": {"abc"}, "profession": {"nurse"},
		"role": {"member"}, "password": {pw}}).expect(t, 422, "user_form").
		contains(t, `value="nurse-ito"`, `value="伊藤 看護師"`, `href="#f-kana"`, `href="#f-facilities"`, T("error.kana")).
		lacks(t, `value="`+pw+`"`)
	ad.post("/admin/users/new", url.Values{"login_id": {"nurse-ito"}, "name": {"伊藤 看護師"}, "kana": {"イトウ"}, "profession": {"nurse"},
		"role": {"member"}, "facilities": {facilityID}, "password": {pw}}).expect(t, 200, "users").contains(t, T("notice.created"), "nurse-ito")
	p = ad.post("/admin/users/new", url.Values{"login_id": {"temp-user"}, "name": {"一時 利用"}, "profession": {"other"},
		"role": {"member"}, "facilities": {facilityID}, "password": {pw}}).expect(t, 200, "users")
	memberID, tempID := userID(t, p, "伊藤 看護師"), userID(t, p, "一時 利用")
	ad.get("/admin/users/"+memberID).expect(t, 200, "user_form").contains(t, "nurse-ito", `value="イトウ"`)
	ad.post("/admin/users/"+memberID, url.Values{"name": {"伊藤 看護師"}, "kana": {"イトウ カンゴシ"}, "profession": {"nurse"},
		"role": {"member"}, "facilities": {facilityID}, "active": {"1"}}).expect(t, 200, "users").contains(t, T("notice.saved"), "イトウ カンゴシ")
	// A lost phone: sign the member out everywhere and clear their factors.
	ad.post("/admin/users/"+memberID+"/signout", url.Values{}).expect(t, 200, "user_form").contains(t, T("mfa.notice.signed_out"))
	ad.post("/admin/users/"+memberID+"/factors/reset", url.Values{}).expect(t, 200, "user_form").contains(t, T("mfa.notice.factors_reset"))
	ad.get("/admin/users?q=ito").expect(t, 200, "users").contains(t, "nurse-ito").lacks(t, "temp-user")
	ad.get("/admin/users/"+tempID+"/delete").expect(t, 200, "user_delete").contains(t, "temp-user")
	ad.post("/admin/users/"+tempID+"/delete", url.Values{}).expect(t, 200, "users").contains(t, T("notice.deleted")).lacks(t, "temp-user")
	ad.get("/admin/users/"+tempID).expect(t, 404, "error").contains(t, T("error.not_found"))
	p = ad.get("/admin/users")
	adminID := userID(t, p, "管理 次郎")
	ad.get("/admin/users/"+adminID).expect(t, 200, "user_form").contains(t, `action="/admin/users/`+adminID+`/cert"`)
	ad.post("/admin/users/"+adminID+"/cert", url.Values{}).expect(t, 200, "cert").contains(t, T("cert.account_tenant", slug, slug+"-admin"))
	ad.post("/admin/users/"+memberID+"/cert", url.Values{}).expect(t, 422, "error").contains(t, T("error.cert_not_admin"))
	ad.get("/admin/audit?action=user.create").expect(t, 200, "audit").contains(t, T("action.user.create")).lacks(t, "<td>"+T("action.login.success")+"</td>")
	ad.get("/admin/audit?action=bogus&to=2026-13-01").expect(t, 422, "audit").contains(t, `href="#f-action"`, `href="#f-to"`)
	ad.get("/admin/audit/logins").expect(t, 200, "audit_logins").contains(t, slug+"-admin", T("audit_chain.logins_title"))
	ad.get("/").expect(t, 200, "console").contains(t, `href="/admin/settings"`, T("console.settings"))
	ad.get("/admin/settings").expect(t, 200, "settings").contains(t, T("settings.title"), `value="5"`, T("settings.ended_retention_years_help"))
	for _, bad := range []string{"0", "31", "five", ""} {
		ad.post("/admin/settings", url.Values{"ended_retention_years": {bad}, "idle_minutes": {"15"}}).expect(t, 422, "settings").
			contains(t, `value="`+bad+`"`, `href="#f-ended-retention-years"`, T("error.retention_years"), `aria-invalid="true"`)
	}
	ad.get("/admin/settings").expect(t, 200, "settings").contains(t, `value="5"`)
	// Full-width digits, as a Japanese input method types them.
	ad.post("/admin/settings", url.Values{"ended_retention_years": {"７"}, "idle_minutes": {"15"}}).expect(t, 200, "settings").
		contains(t, T("notice.saved"), `value="7"`)
	ad.get("/admin/audit?action=settings.update").expect(t, 200, "audit").contains(t, T("action.settings.update"), "5 → 7")
	ad.get("/operator/tenants").expect(t, 403, "error")
	ad.post("/logout", url.Values{}).expect(t, 200, "login").contains(t, T("notice.logged_out"))
	ad.get("/admin/users").expect(t, 200, "login")
	walkFactors(t, e, ad, slug, lang)

	// The member, on the user listener.
	m := e.userBrowser(lang)
	m.get("/").expect(t, 200, "region")
	m.get("/?tenant=No+Good!").expect(t, 422, "region").contains(t, T("error.slug"), `value="No Good!"`, `href="#f-tenant"`)
	m.get("/?tenant="+strings.ToUpper(slug)).expect(t, 200, "login").contains(t, `action="/t/`+slug+`/login"`)
	m.get("/t/"+slug+"/").expect(t, 200, "login") // no session: the login page
	m.post("/t/"+slug+"/login", loginForm("nurse-ito", "wrong-password-123")).expect(t, 401, "login").
		contains(t, T("error.login_failed"), `value="nurse-ito"`)
	home := m.post("/t/"+slug+"/login", loginForm("nurse-ito", pw)).expect(t, 200, "home")
	if home.path != "/t/"+slug+"/" {
		t.Errorf("after login at %s", home.path)
	}
	home.contains(t, "伊藤 看護師", slug+" 広域連携", "&lt;script&gt;alert(1)&lt;/script&gt;", T("kind.pharmacy"), "東部",
		T("action.login.success"), T("role.member")).lacks(t, xss)
	m.get("/t/seed/").expect(t, 404, "error").lacks(t, "seed 市")
	walkMemberFactors(t, m, slug, lang)
	m.post("/t/"+slug+"/logout", url.Values{}).expect(t, 200, "login").contains(t, T("notice.logged_out"))
	m.get("/t/"+slug+"/").expect(t, 200, "login")
	walkPasswords(t, e, lang, slug, adminCert, memberID)
}

// TestLoginFailure gives one answer, 401 with the same message, for an
// unknown region, an unknown user and a wrong password, so nobody learns
// which exists.
func TestLoginFailure(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		e := newEnv(t, db)
		fx := e.seed("alpha")
		summary := regexp.MustCompile(`(?s)<div class="error-summary".*?</div>`)
		var first string
		for _, tc := range []struct{ name, slug, login, password string }{
			{"WrongPassword", "alpha", "dr-sato", "Wrong-password-123"},
			{"UnknownUser", "alpha", "nobody", pw},
			{"UnknownTenant", "nowhere", "dr-sato", pw},
			{"Empty", "alpha", "", ""},
		} {
			t.Run(tc.name, func(t *testing.T) {
				b := e.userBrowser("ja")
				p := b.post("/t/"+tc.slug+"/login", loginForm(tc.login, tc.password)).expect(t, 401, "login").
					contains(t, cat.T("ja", "error.login_failed")).lacks(t, pw)
				s := summary.FindString(p.body)
				if first == "" {
					first = s
				} else if s != first {
					t.Errorf("message differs:\n%s\n%s", s, first)
				}
				b.get("/t/alpha/").expect(t, 200, "login") // and no session
			})
		}
		t.Run("OK", func(t *testing.T) {
			b := e.userBrowser("en")
			b.get("/t/alpha/login").expect(t, 200, "login")
			p := b.post("/t/alpha/login", loginForm("dr-sato", pw)).expect(t, 200, "home")
			p.contains(t, "佐藤 医師", "alpha 診療所", "Clinic", "北部", "03-1111-2222")
			u, _ := url.Parse(e.user.URL)
			var session *http.Cookie
			for _, c := range b.c.Jar.Cookies(u) {
				if c.Name == "rk_session" {
					session = c
				}
			}
			if session == nil {
				t.Fatal("no session cookie")
			}
			// A logged-in member asking for the login page goes home.
			b.get("/t/alpha/login").expect(t, 200, "home")
			b.get("/").expect(t, 200, "home")
			// A second login starts a new session.
			b.post("/t/alpha/login", loginForm("dr-sato", pw)).expect(t, 200, "home")
			for _, c := range b.c.Jar.Cookies(u) {
				if c.Name == "rk_session" && c.Value == session.Value {
					t.Error("session ID not renewed at login")
				}
			}
		})
		t.Run("ErrCertOfAnotherAccount", func(t *testing.T) {
			// On the console, the tenant admin's certificate opens neither a
			// member's account nor the operator's, even with the right
			// password, and the answer is the same generic one.
			b := e.adminBrowser(fx.adminCert, "ja")
			b.post("/login", url.Values{"tenant": {"alpha"}, "login_id": {"dr-sato"}, "password": {pw}}).expect(t, 401, "login").
				contains(t, cat.T("ja", "error.login_failed"))
			b.post("/login", url.Values{"tenant": {""}, "login_id": {"ops"}, "password": {pw}}).expect(t, 401, "login")
		})
	})
}

func mustOperator(t *testing.T, e *env) care.Actor {
	t.Helper()
	op, err := e.app.OperatorActor(context.Background(), "ops", cliOrigin)
	if err != nil {
		t.Fatal(err)
	}
	return op
}

// TestOtherTenant: a member of one tenant asking for another tenant's
// pages gets "not found", never the other tenant's page.
func TestOtherTenant(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		e := newEnv(t, db)
		e.seed("alpha")
		if _, err := e.app.CreateTenant(context.Background(), mustOperator(t, e), care.NewTenant{Slug: "beta", Name: "ベータ町",
			AdminLogin: "beta-admin", AdminName: "ベータ 管理", AdminPassword: pw}); err != nil {
			t.Fatal(err)
		}
		b := e.userBrowser("ja")
		b.post("/t/alpha/login", loginForm("dr-sato", pw)).expect(t, 200, "home")
		for _, path := range []string{"/t/beta/", "/t/BETA/", "/t/nowhere/"} {
			b.get(path).expect(t, 404, "error").contains(t, cat.T("ja", "error.not_found")).lacks(t, "ベータ町")
		}
		b.post("/t/beta/logout", url.Values{}).expect(t, 404, "error")
		b.get("/t/alpha/").expect(t, 200, "home") // still logged in
		// The admin listener's pages do not exist on the user listener.
		for _, path := range []string{"/admin/users", "/operator/tenants", "/login"} {
			if p := b.get(path); p.status != 404 {
				t.Errorf("%s on the user listener: %d", path, p.status)
			}
		}
	})
}

// TestFormKeepsInput: a refused form comes back with every value typed
// (except the password), an error under each field, and a summary at the
// top linking to each field in form order.
func TestFormKeepsInput(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		e := newEnv(t, db)
		fx := e.seed("alpha")
		b := e.adminBrowser(fx.adminCert, "ja")
		b.login(t, "/login", url.Values{"tenant": {"alpha"}, "login_id": {"alpha-admin"}, "password": {pw}}).expect(t, 200, "console")
		in := url.Values{"login_id": {"x"}, "name": {"山田 <b>太郎</b>"}, "kana": {"ヤマダ"}, "profession": {"pharmacist"},
			"email": {"yamada@"}, "role": {"facility_admin"}, "facilities": {fx.facility.ID}, "password": {"short-1"}}
		p := b.post("/admin/users/new", in).expect(t, 422, "user_form")
		p.contains(t,
			`class="error-summary" role="alert"`,
			`value="x"`, `value="山田 &lt;b&gt;太郎&lt;/b&gt;"`, `value="ヤマダ"`, `value="yamada@"`,
			`<option value="pharmacist" selected>`, `<option value="facility_admin" selected>`,
			`value="`+fx.facility.ID+`" checked`,
			`id="f-login-id-error"`, `aria-invalid="true"`, `aria-describedby="f-login-id-help f-login-id-error"`,
			cat.T("ja", "error.login_id"), cat.T("ja", "error.email"), cat.T("ja", "error.password_short"),
		).lacks(t, `value="short-1"`, "<b>太郎")
		order := []string{`href="#f-login-id"`, `href="#f-email"`, `href="#f-password"`}
		last := -1
		for _, o := range order {
			i := strings.Index(p.body, o)
			if i < last {
				t.Errorf("summary out of form order at %s", o)
			}
			last = i
		}
		// A conflict names its field too.
		in = url.Values{"login_id": {"dr-sato"}, "name": {"別の 佐藤"}, "profession": {"doctor"}, "role": {"member"},
			"facilities": {fx.facility.ID}, "password": {pw}}
		b.post("/admin/users/new", in).expect(t, 409, "user_form").
			contains(t, `href="#f-login-id"`, cat.T("ja", "error.login_taken"), `value="別の 佐藤"`)
		// Editing oneself into another role is refused with the form kept.
		p = b.get("/admin/users")
		self := userID(t, p, "管理 花子")
		b.post("/admin/users/"+self, url.Values{"name": {"管理 花子 改"}, "profession": {"municipal_staff"}, "role": {"member"},
			"facilities": {fx.facility.ID}, "active": {"1"}}).expect(t, 409, "user_form").
			contains(t, cat.T("ja", "error.self_change"), `value="管理 花子 改"`)
		// An unknown facility is a field error, not a crash.
		in = url.Values{"login_id": {"new-user"}, "name": {"新人"}, "profession": {"doctor"}, "role": {"member"},
			"facilities": {"no-such-facility"}, "password": {pw}}
		b.post("/admin/users/new", in).expect(t, 422, "user_form").contains(t, `href="#f-facilities"`, cat.T("ja", "error.facility_unknown"))
		// A body over the limit is refused.
		big := url.Values{"name": {strings.Repeat("あ", web.DefaultMaxBody)}}
		if p := b.post("/admin/facilities/new", big); p.status != http.StatusRequestEntityTooLarge {
			t.Errorf("oversized form: %d", p.status)
		}
	})
}

// TestSessionExpired: after the idle timeout the member is sent to the
// login page, which says why.
func TestSessionExpired(t *testing.T) {
	for _, engine := range storetest.Engines {
		t.Run(engine, func(t *testing.T) {
			clock := storetest.NewClock(time.Now())
			e := newEnv(t, storetest.Open(t, engine, clock.Now))
			e.seed("alpha")
			b := e.userBrowser("ja")
			b.post("/t/alpha/login", loginForm("dr-sato", pw)).expect(t, 200, "home")
			clock.Advance(16 * time.Minute)
			p := b.get("/t/alpha/").expect(t, 200, "login")
			if !strings.Contains(p.path, "expired=1") {
				t.Errorf("redirected to %s", p.path)
			}
			p.contains(t, cat.T("ja", "error.session_expired"))
		})
	}
}

// TestLanguage: the toggle stores the choice in a cookie and goes back to
// a same-site path only.
func TestLanguage(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		e := newEnv(t, db)
		b := e.userBrowser("")
		b.get("/").expect(t, 200, "region").contains(t, `<html lang="ja">`, cat.T("ja", "region.title"))
		b.post("/lang", url.Values{"to": {"en"}, "return": {"/t/alpha/login?x=1"}}).expect(t, 200, "login").
			contains(t, `<html lang="en">`, "Log in")
		b.get("/").contains(t, `<html lang="en">`)
		for _, ret := range []string{"https://evil.example/", "//evil.example/", "/\\evil.example", "javascript:alert(1)", ""} {
			p := b.post("/lang", url.Values{"to": {"ja"}, "return": {ret}}).expect(t, 200, "region")
			if p.path != "/" {
				t.Errorf("return %q went to %s", ret, p.path)
			}
		}
		b.get("/").contains(t, `<html lang="ja">`)
	})
}

// TestStatic: assets are served under content-hashed names with
// far-future caching; the page links to them; other names are not found.
func TestStatic(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		e := newEnv(t, db)
		b := e.userBrowser("ja")
		p := b.get("/")
		for _, re := range []string{`href="(/static/app\.[0-9a-f]{12}\.css)"`, `src="(/static/app\.[0-9a-f]{12}\.js)"`,
			`src="(/static/live\.[0-9a-f]{12}\.js)"`} {
			m := regexp.MustCompile(re).FindStringSubmatch(p.body)
			if m == nil {
				t.Fatalf("no %s in the page", re)
			}
			a := b.get(m[1])
			if a.status != 200 || !strings.Contains(a.header.Get("Cache-Control"), "immutable") || a.body == "" {
				t.Errorf("%s: %d %q", m[1], a.status, a.header.Get("Cache-Control"))
			}
		}
		for _, path := range []string{"/static/app.css", "/static/app.000000000000.css", "/static/../web.go"} {
			if a := b.get(path); a.status != 404 {
				t.Errorf("%s: %d", path, a.status)
			}
		}
		// No inline script or style anywhere (the CSP forbids them).
		files, _ := filepath.Glob("templates/*/*.html")
		more, _ := filepath.Glob("templates/*.html")
		for _, f := range append(files, more...) {
			src, err := os.ReadFile(f)
			if err != nil {
				t.Fatal(err)
			}
			for _, bad := range []string{"style=", "<style", "onclick", "onload", "javascript:"} {
				if strings.Contains(string(src), bad) {
					t.Errorf("%s has %q", f, bad)
				}
			}
			if n, m := strings.Count(string(src), "<script"), strings.Count(string(src), `<script src=`); n != m {
				t.Errorf("%s has an inline script", f)
			}
		}
	})
}

// TestLabels: every code the pages translate has its label in both
// languages.
func TestLabels(t *testing.T) {
	var keys []string
	for _, k := range care.FacilityKinds {
		keys = append(keys, "kind."+string(k))
	}
	for _, p := range care.Professions {
		keys = append(keys, "profession."+string(p))
	}
	for _, r := range append([]care.Role{care.RoleOperator}, care.TenantRoles...) {
		keys = append(keys, "role."+string(r))
	}
	for _, a := range web.AuditActions {
		keys = append(keys, "action."+string(a))
	}
	for _, o := range care.TenantOptions {
		keys = append(keys, "option."+o)
	}
	for _, r := range []string{"ok", "denied", "failed"} {
		keys = append(keys, "result."+r)
	}
	sort.Strings(keys)
	for _, lang := range i18n.Languages {
		for _, k := range keys {
			if !cat.Has(lang, k) {
				t.Errorf("%s: no label %q", lang, k)
			}
		}
	}
}

func TestEraDate(t *testing.T) {
	jst := time.FixedZone("JST", 9*3600)
	for _, tc := range []struct {
		in   time.Time
		want string
	}{
		{time.Date(2026, 11, 25, 10, 0, 0, 0, jst), "令和8年11月25日"},
		{time.Date(2019, 5, 1, 0, 0, 0, 0, jst), "令和元年5月1日"},
		{time.Date(2019, 4, 30, 23, 59, 0, 0, jst), "平成31年4月30日"},
		{time.Date(1989, 1, 7, 12, 0, 0, 0, jst), "昭和64年1月7日"},
		{time.Date(1938, 4, 1, 0, 0, 0, 0, jst), "昭和13年4月1日"},
		{time.Date(1912, 7, 30, 0, 0, 0, 0, jst), "大正元年7月30日"},
		// 2019-04-30 15:30 UTC is already 1 May in Japan.
		{time.Date(2019, 4, 30, 15, 30, 0, 0, time.UTC), "令和元年5月1日"},
	} {
		if got := web.EraDate(tc.in); got != tc.want {
			t.Errorf("EraDate(%v) = %s, want %s", tc.in, got, tc.want)
		}
	}
}

// TestNew: the pages of each listener are complete; an unknown listener
// is refused.
func TestNew(t *testing.T) {
	noAuth := func(context.Context, string, care.Origin, string) (care.Actor, error) {
		return care.Actor{}, care.Unauthorized()
	}
	a := app.New(nil, nil, app.Options{})
	if _, err := web.New(web.Deps{App: a, Cat: cat, Sessions: httpx.Sessions{Listener: "side-door", Authenticate: noAuth}}); err == nil {
		t.Error("unknown listener accepted")
	}
	seen := map[string]bool{}
	for _, l := range []care.Listener{care.UserListener, care.AdminListener} {
		w, err := web.New(web.Deps{App: a, Cat: cat, Sessions: httpx.Sessions{Listener: l, Authenticate: noAuth}})
		if err != nil {
			t.Fatal(err)
		}
		for _, r := range w.Routes() {
			if seen[string(l)+r.Key()] {
				t.Errorf("%s: route %s twice", l, r.Key())
			}
			seen[string(l)+r.Key()] = true
			if r.Handler == nil {
				t.Errorf("%s: %s has no handler", l, r.Key())
			}
		}
		// Registering must not panic on conflicting patterns.
		httpx.Register(http.NewServeMux(), w.Routes())
	}
}

// TestFacilityAdmin: a facility admin uses the same user pages, limited by
// the app to their own facilities, and cannot manage facilities.
func TestFacilityAdmin(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		e := newEnv(t, db)
		fx := e.seed("alpha")
		ctx := context.Background()
		other, err := e.app.CreateFacility(ctx, fx.admin, care.Facility{Kind: "pharmacy", Name: "南薬局"})
		if err != nil {
			t.Fatal(err)
		}
		if _, err := e.app.CreateUser(ctx, fx.admin, care.UserInput{LoginID: "pharm-kato", Name: "加藤 薬剤師", Profession: "pharmacist",
			Role: care.RoleMember, Facilities: []string{other.ID}, Password: pw}); err != nil {
			t.Fatal(err)
		}
		if _, err := e.app.CreateUser(ctx, fx.admin, care.UserInput{LoginID: "head-nurse", Name: "看護 部長", Profession: "nurse",
			Role: care.RoleFacilityAdmin, Facilities: []string{fx.facility.ID}, Password: pw}); err != nil {
			t.Fatal(err)
		}
		c, err := e.app.IssueClientCert(ctx, fx.admin, "alpha", "head-nurse")
		if err != nil {
			t.Fatal(err)
		}
		b := e.adminBrowser(c.TLSCertificate(), "ja")
		b.login(t, "/login", url.Values{"tenant": {"alpha"}, "login_id": {"head-nurse"}, "password": {pw}}).expect(t, 200, "console").
			contains(t, `href="/admin/users"`).lacks(t, `href="/admin/facilities"`, `href="/admin/audit"`, `href="/admin/settings"`)
		b.get("/admin/users").expect(t, 200, "users").contains(t, "dr-sato").lacks(t, "pharm-kato", "南薬局")
		b.get("/admin/users/new").expect(t, 200, "user_form").contains(t, fx.facility.ID).
			lacks(t, other.ID, `value="tenant_admin"`)
		b.get("/admin/facilities/new").expect(t, 403, "error")
		b.get("/admin/audit").expect(t, 403, "error")
		b.get("/admin/settings").expect(t, 403, "error")
		b.post("/admin/settings", url.Values{"ended_retention_years": {"9"}}).expect(t, 403, "error")
		b.post("/admin/users/new", url.Values{"login_id": {"new-nurse"}, "name": {"新人 看護師"}, "profession": {"nurse"},
			"role": {"member"}, "facilities": {fx.facility.ID}, "password": {pw}}).expect(t, 200, "users").contains(t, "new-nurse")
	})
}

// TestInternalError: a failure inside the app shows the 500 page with a
// reference number and nothing of the cause.
func TestInternalError(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		e := newEnv(t, db)
		e.seed("alpha")
		db.Close()
		b := e.userBrowser("ja")
		b.post("/t/alpha/login", loginForm("dr-sato", pw)).expect(t, 500, "error").
			contains(t, cat.T("ja", "error.internal"), cat.T("ja", "errorpage.request_id")).
			lacks(t, "sql", "closed", "store:")
	})
}

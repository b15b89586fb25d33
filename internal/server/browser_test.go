package server_test

import (
	"bytes"
	"context"
	"encoding/json"
	"net/url"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/chromedp/chromedp"

	"github.com/renrakucho/renrakucho/internal/app"
	"github.com/renrakucho/renrakucho/internal/care"
	"github.com/renrakucho/renrakucho/internal/demo"
	"github.com/renrakucho/renrakucho/internal/i18n"
	"github.com/renrakucho/renrakucho/internal/pki"
	"github.com/renrakucho/renrakucho/internal/store"
	"github.com/renrakucho/renrakucho/internal/store/storetest"
)

// The browser tests drive Debian's Chromium, headless, through the
// DevTools protocol: the pages as a member and an operator really see
// them, in Japanese first, with screenshots for a human to look at.

// chromium is the browser the tests drive; .ci/run installs it (Debian
// packages chromium and fonts-noto-cjk).
const chromium = "/usr/bin/chromium"

// browserTimeout bounds one browser session.
const browserTimeout = 60 * time.Second

// screenshotDir is test-artifacts/screenshots at the repository root
// (ignored by git).
var screenshotDir = filepath.Join("..", "..", "test-artifacts", "screenshots")

const demoPassword = "Hanamizuki-2026-kaze"

// browser is one headless Chromium with a fresh profile, for one test.
type browser struct {
	t   *testing.T
	ctx context.Context
	log *syncBuffer
}

// syncBuffer collects the browser's output, shown when a test fails.
type syncBuffer struct {
	mu  sync.Mutex
	buf bytes.Buffer
}

func (b *syncBuffer) Write(p []byte) (int, error) {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.buf.Write(p)
}

func (b *syncBuffer) String() string {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.buf.String()
}

// newBrowser starts Chromium in Japanese with a 1280×900 window; extra
// adds allocator options (a HOME of its own, for the admin tests).
// profile is the user data directory, made by the caller when it must put
// files in it first ("" for a fresh one).
func newBrowser(t *testing.T, profile string, extra ...chromedp.ExecAllocatorOption) *browser {
	t.Helper()
	if _, err := os.Stat(chromium); err != nil {
		t.Fatalf("the browser tests need Chromium at %s; .ci/run installs it (Debian packages chromium, fonts-noto-cjk, libnss3-tools): %v", chromium, err)
	}
	if profile == "" {
		profile = t.TempDir()
	}
	b := &browser{t: t, log: &syncBuffer{}}
	opts := append([]chromedp.ExecAllocatorOption{
		chromedp.ExecPath(chromium),
		chromedp.Headless,
		chromedp.NoSandbox, // the tests run as root in CI
		chromedp.DisableGPU,
		chromedp.NoFirstRun,
		chromedp.NoDefaultBrowserCheck,
		chromedp.Flag("disable-background-networking", true),
		chromedp.Flag("disable-component-update", true),
		chromedp.Flag("disable-sync", true),
		chromedp.Flag("disable-quic", true),
		chromedp.Flag("disable-dev-shm-usage", true),
		chromedp.Flag("lang", "ja-JP"),
		chromedp.Flag("accept-lang", "ja-JP,ja"),
		chromedp.UserDataDir(profile),
		chromedp.WindowSize(1280, 900),
		chromedp.CombinedOutput(b.log),
	}, extra...)
	ctx, cancel := context.WithTimeout(context.Background(), browserTimeout)
	t.Cleanup(cancel)
	actx, acancel := chromedp.NewExecAllocator(ctx, opts...)
	t.Cleanup(acancel)
	bctx, bcancel := chromedp.NewContext(actx)
	t.Cleanup(func() {
		// Close the browser and wait for it, so that the profile
		// directory can be removed.
		chromedp.Cancel(bctx)
		bcancel()
		if t.Failed() {
			t.Logf("browser output:\n%s", b.log.String())
		}
	})
	b.ctx = bctx
	b.do("start the browser")
	return b
}

// do runs the steps, failing the test with what at the first error.
func (b *browser) do(what string, steps ...chromedp.Action[chromedp.Void]) {
	b.t.Helper()
	if err := chromedp.Do(b.ctx, steps...); err != nil {
		b.t.Fatalf("%s: %v", what, err)
	}
}

// text is the visible text of the first element matching the CSS selector.
func (b *browser) text(sel string) string {
	b.t.Helper()
	s, err := chromedp.Run(b.ctx, chromedp.Text(chromedp.CSS(sel)))
	if err != nil {
		b.t.Fatalf("text of %s: %v", sel, err)
	}
	return strings.TrimSpace(s)
}

// attr is an attribute of the first element matching the CSS selector.
func (b *browser) attr(sel, name string) string {
	b.t.Helper()
	a, err := chromedp.Run(b.ctx, chromedp.AttributeValue(chromedp.CSS(sel), name))
	if err != nil {
		b.t.Fatalf("attribute %s of %s: %v", name, sel, err)
	}
	return a.Value
}

// path is the path (and query) of the page the browser shows.
func (b *browser) path() string {
	b.t.Helper()
	loc, err := chromedp.Run(b.ctx, chromedp.Location())
	if err != nil {
		b.t.Fatalf("location: %v", err)
	}
	u, err := url.Parse(loc)
	if err != nil {
		b.t.Fatalf("location %q: %v", loc, err)
	}
	return u.RequestURI()
}

// expectPage checks the page the browser shows: its data-page, its
// language and its path.
func (b *browser) expectPage(page, lang, path string) {
	b.t.Helper()
	b.do("wait for the "+page+" page", chromedp.WaitVisible(chromedp.CSS(`body[data-page="`+page+`"]`)))
	if got := b.attr("html", "lang"); got != lang {
		b.t.Errorf("%s page: html lang=%q, want %q", page, got, lang)
	}
	if got := b.path(); got != path {
		b.t.Errorf("%s page at %s, want %s", page, got, path)
	}
}

// screenshot writes the whole page as test-artifacts/screenshots/name.png.
func (b *browser) screenshot(name string) {
	b.t.Helper()
	png, err := chromedp.Run(b.ctx, chromedp.FullScreenshot(100)) // 100: PNG
	if err != nil {
		b.t.Fatalf("screenshot %s: %v", name, err)
	}
	if err := os.MkdirAll(screenshotDir, 0o755); err != nil {
		b.t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(screenshotDir, name+".png"), png, 0o644); err != nil {
		b.t.Fatal(err)
	}
}

// seedDemo fills the database with the demo tenants and returns the demo
// tenant's nurse and the names of the nurse's facilities.
func seedDemo(t *testing.T, e *env) (nurse demo.User, facilities []string) {
	t.Helper()
	err := demo.Seed(context.Background(), e.app, demoPassword, care.Origin{UserAgent: "browser test", Listener: care.AdminListener})
	if err != nil {
		t.Fatalf("demo.Seed: %v", err)
	}
	i := slices.IndexFunc(demo.Tenants, func(x demo.Tenant) bool { return x.Slug == "demo" })
	if i < 0 {
		t.Fatal("no demo tenant in the demo data")
	}
	tenant := demo.Tenants[i]
	j := slices.IndexFunc(tenant.Users, func(u demo.User) bool { return u.Login == "nurse" })
	if j < 0 {
		t.Fatal("no nurse in the demo tenant")
	}
	nurse = tenant.Users[j]
	for _, f := range tenant.Facilities {
		if slices.Contains(nurse.Facilities, f.Key) {
			facilities = append(facilities, f.Name)
		}
	}
	if len(facilities) == 0 {
		t.Fatal("the demo nurse has no facility")
	}
	return nurse, facilities
}

// login fills the member login form and submits it.
func (b *browser) login(loginID, password string) {
	b.t.Helper()
	b.do("log in as "+loginID,
		chromedp.WaitVisible(chromedp.CSS("#f-login-id")),
		chromedp.Clear(chromedp.CSS("#f-login-id")),
		chromedp.SendKeys(chromedp.CSS("#f-login-id"), loginID),
		chromedp.SendKeys(chromedp.CSS("#f-password"), password),
		chromedp.Click(chromedp.CSS(`main form button[type="submit"]`)),
	)
}

func TestBrowserMemberLogin(t *testing.T) {
	cat := i18n.MustLoad()
	ja := func(key string, args ...any) string { return cat.T(i18n.Japanese, key, args...) }
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		e := start(t, db)
		nurse, facilities := seedDemo(t, e)
		b := newBrowser(t, "")

		b.do("open the login page", chromedp.Navigate(e.userURL+"/t/demo/login"))
		b.expectPage("login", "ja", "/t/demo/login")
		langs, err := chromedp.Run(b.ctx, chromedp.Evaluate[[]string]("navigator.languages"))
		if err != nil || len(langs) == 0 || !strings.HasPrefix(langs[0], "ja") {
			t.Errorf("navigator.languages = %q, %v; want Japanese first", langs, err)
		}
		if got := b.text("h1"); got != ja("login.title") {
			t.Errorf("login h1 %q, want %q", got, ja("login.title"))
		}
		if got := b.text(`main form button[type="submit"]`); got != ja("login.submit") {
			t.Errorf("login button %q, want %q", got, ja("login.submit"))
		}
		if got := b.text(`label[for="f-login-id"]`); !strings.HasPrefix(got, ja("login.login_id")) {
			t.Errorf("login ID label %q, want %q", got, ja("login.login_id"))
		}
		b.screenshot("login-ja")

		t.Run("ErrWrongPassword", func(t *testing.T) {
			b.login(nurse.Login, demoPassword+"-wrong")
			b.do("wait for the error summary", chromedp.WaitVisible(chromedp.CSS(".error-summary")))
			b.expectPage("login", "ja", "/t/demo/login")
			if got := b.text(".error-summary"); !strings.Contains(got, ja("error.login_failed")) {
				t.Errorf("error summary %q lacks %q", got, ja("error.login_failed"))
			}
			if got := b.attr("#f-login-id", "value"); got != nurse.Login {
				t.Errorf("login ID after the failure %q, want it kept (%q)", got, nurse.Login)
			}
			if got := b.attr("#f-password", "value"); got != "" {
				t.Errorf("the password came back in the page: %q", got)
			}
			b.screenshot("login-failed-ja")
		})

		b.login(nurse.Login, demoPassword)
		b.expectPage("home", "ja", "/t/demo/")
		if got, want := b.text("h1"), ja("home.welcome", nurse.Name); got != want {
			t.Errorf("home h1 %q, want %q", got, want)
		}
		if got := b.text(".site-user"); !strings.Contains(got, nurse.Name) {
			t.Errorf("header user %q lacks %q", got, nurse.Name)
		}
		main := b.text("main")
		for _, want := range append([]string{ja("home.facilities")}, facilities...) {
			if !strings.Contains(main, want) {
				t.Errorf("home page lacks %q:\n%s", want, main)
			}
		}
		b.screenshot("home-ja")

		b.do("phone-size viewport", chromedp.EmulateViewport(390, 844, chromedp.EmulateMobile, chromedp.EmulateScale(2)))
		b.do("reload on the phone", chromedp.Reload())
		b.expectPage("home", "ja", "/t/demo/")
		width, err := chromedp.Run(b.ctx, chromedp.Evaluate[int]("document.documentElement.scrollWidth"))
		if err != nil || width > 390 {
			t.Errorf("page width on a 390 px phone = %d, %v; want no horizontal scrolling", width, err)
		}
		b.screenshot("home-phone-ja")
		b.do("desktop viewport", chromedp.ResetViewport())

		b.do("log out", chromedp.Click(chromedp.CSS(`form[action="/t/demo/logout"] button`)))
		b.expectPage("login", "ja", "/t/demo/login?notice=logged_out")
		if got := b.text(`main .notice`); got != ja("notice.logged_out") {
			t.Errorf("notice after logout %q, want %q", got, ja("notice.logged_out"))
		}
		b.screenshot("logged-out-ja")

		b.do("open the home page logged out", chromedp.Navigate(e.userURL+"/t/demo/"))
		b.expectPage("login", "ja", "/t/demo/login")
	})
}

func TestBrowserLanguageToggle(t *testing.T) {
	cat := i18n.MustLoad()
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		e := start(t, db)
		nurse, facilities := seedDemo(t, e)
		b := newBrowser(t, "")
		toggle := `form[action="/lang"] button`

		b.do("open the login page", chromedp.Navigate(e.userURL+"/t/demo/login"))
		b.expectPage("login", "ja", "/t/demo/login")
		if got, want := b.text(toggle), cat.T(i18n.Japanese, "lang.switch"); got != want {
			t.Errorf("toggle %q, want %q", got, want)
		}
		if got := b.attr(toggle, "lang"); got != "en" {
			t.Errorf("toggle lang=%q, want en (its label is English)", got)
		}

		b.do("switch to English", chromedp.Click(chromedp.CSS(toggle)), chromedp.WaitVisible(chromedp.CSS(`html[lang="en"]`)))
		b.expectPage("login", "en", "/t/demo/login")
		en := func(key string, args ...any) string { return cat.T(i18n.English, key, args...) }
		for sel, want := range map[string]string{
			"h1":                              en("login.title"),
			`main form button[type="submit"]`: en("login.submit"),
			toggle:                            en("lang.switch"),
			`label[for="f-password"]`:         en("login.password"),
		} {
			if got := b.text(sel); !strings.HasPrefix(got, want) {
				t.Errorf("%s: %q, want %q", sel, got, want)
			}
		}
		b.screenshot("login-en")

		// The choice outlives the page: the member's home is English too.
		b.login(nurse.Login, demoPassword)
		b.expectPage("home", "en", "/t/demo/")
		if got, want := b.text("h1"), en("home.welcome", nurse.Name); got != want {
			t.Errorf("home h1 %q, want %q", got, want)
		}
		if main := b.text("main"); !strings.Contains(main, en("home.facilities")) || !strings.Contains(main, facilities[0]) {
			t.Errorf("English home page lacks %q or %q:\n%s", en("home.facilities"), facilities[0], main)
		}
		b.screenshot("home-en")

		b.do("switch back to Japanese", chromedp.Click(chromedp.CSS(toggle)), chromedp.WaitVisible(chromedp.CSS(`html[lang="ja"]`)))
		b.expectPage("home", "ja", "/t/demo/")
		if got, want := b.text("h1"), cat.T(i18n.Japanese, "home.welcome", nurse.Name); got != want {
			t.Errorf("home h1 %q, want %q", got, want)
		}
	})
}

// adminBrowser starts a browser that holds the client certificate issued
// for the admin listener, as an operator's browser does after importing
// the .p12 file: a HOME of its own with an NSS database (~/.pki/nssdb,
// where Chromium on Linux keeps certificates) that trusts the deployment
// CA and holds the certificate and key; and, in the profile's
// Preferences, the per-site setting that selects the certificate for the
// admin listener without asking (headless Chromium cannot show the
// dialog). Nothing outside the test's temporary directories is touched.
func adminBrowser(t *testing.T, e *env, issued []byte, p12Password string) *browser {
	t.Helper()
	for _, tool := range []string{"certutil", "pk12util"} {
		if _, err := exec.LookPath(tool); err != nil {
			t.Fatalf("the admin browser test needs %s; .ci/run installs it (Debian package libnss3-tools): %v", tool, err)
		}
	}
	home := t.TempDir()
	nssdb := filepath.Join(home, ".pki", "nssdb")
	if err := os.MkdirAll(nssdb, 0o700); err != nil {
		t.Fatal(err)
	}
	caFile, p12File := filepath.Join(home, "ca.pem"), filepath.Join(home, "admin.p12")
	if err := os.WriteFile(caFile, e.ca.CertPEM(), 0o644); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(p12File, issued, 0o600); err != nil {
		t.Fatal(err)
	}
	db := "sql:" + nssdb
	for _, args := range [][]string{
		{"certutil", "-N", "-d", db, "--empty-password"},
		{"certutil", "-A", "-d", db, "-n", pki.CAName, "-t", "CT,C,C", "-a", "-i", caFile},
		{"pk12util", "-d", db, "-i", p12File, "-W", p12Password},
	} {
		if out, err := exec.Command(args[0], args[1:]...).CombinedOutput(); err != nil {
			t.Fatalf("%s: %v\n%s", strings.Join(args, " "), err, out)
		}
	}

	u, err := url.Parse(e.adminURL)
	if err != nil {
		t.Fatal(err)
	}
	profile := t.TempDir()
	prefs := map[string]any{"profile": map[string]any{"content_settings": map[string]any{"exceptions": map[string]any{
		"auto_select_certificate": map[string]any{
			"https://" + u.Host + ",*": map[string]any{"setting": map[string]any{
				"filters": []any{map[string]any{"ISSUER": map[string]any{"CN": pki.CAName}}},
			}},
		},
	}}}}
	data, err := json.Marshal(prefs)
	if err != nil {
		t.Fatal(err)
	}
	if err := os.MkdirAll(filepath.Join(profile, "Default"), 0o700); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(profile, "Default", "Preferences"), data, 0o600); err != nil {
		t.Fatal(err)
	}
	return newBrowser(t, profile, chromedp.Env("HOME="+home))
}

func TestBrowserAdminConsole(t *testing.T) {
	cat := i18n.MustLoad()
	ja := func(key string, args ...any) string { return cat.T(i18n.Japanese, key, args...) }
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		e := start(t, db)
		ctx := context.Background()
		cli := care.Origin{UserAgent: "browser test", Listener: care.AdminListener}
		op, err := e.app.InitOperator(ctx, "root", "運用 太郎", "", demoPassword, cli)
		if err != nil {
			t.Fatal(err)
		}
		issued, err := e.app.IssueClientCert(ctx, op, "", "root")
		if err != nil {
			t.Fatal(err)
		}
		b := adminBrowser(t, e, issued.P12, issued.P12Password)

		// The login page knows the account of the certificate.
		b.do("open the console login page", chromedp.Navigate(e.adminURL+"/login"))
		b.expectPage("login", "ja", "/login")
		if got, want := b.text("main .notice"), ja("login.cert_bound_operator", "root"); got != want {
			t.Errorf("certificate notice %q, want %q", got, want)
		}
		if got := b.attr("#f-login-id", "value"); got != "root" {
			t.Errorf("login ID %q, want it filled from the certificate", got)
		}
		b.screenshot("admin-login-ja")

		b.do("log in as the operator",
			chromedp.SendKeys(chromedp.CSS("#f-password"), demoPassword),
			chromedp.Click(chromedp.CSS(`main form button[type="submit"]`)))
		// An operator without a second factor is walked through TOTP
		// enrolment first (browser_mfa_test.go).
		b.enrolTOTP("admin-", "/")
		if got, want := b.text("h1"), ja("console.title"); got != want {
			t.Errorf("console h1 %q, want %q", got, want)
		}
		if got := b.text("main"); !strings.Contains(got, "運用 太郎") {
			t.Errorf("console lacks the operator's name:\n%s", got)
		}
		b.screenshot("admin-console-ja")

		b.do("open the tenants", chromedp.Click(chromedp.CSS(`main a[href="/operator/tenants"]`)))
		b.expectPage("tenants", "ja", "/operator/tenants")
		b.do("open the new tenant form", chromedp.Click(chromedp.CSS(`main a[href="/operator/tenants/new"]`)))
		b.expectPage("tenant_form", "ja", "/operator/tenants/new")
		const tenantName, adminName = "ひかり市 医療介護ネット", "光 花子"
		b.do("fill the tenant form",
			chromedp.SendKeys(chromedp.CSS("#f-slug"), "hikari"),
			chromedp.SendKeys(chromedp.CSS("#f-name"), tenantName),
			chromedp.SendKeys(chromedp.CSS("#f-admin-login"), "admin"),
			chromedp.SendKeys(chromedp.CSS("#f-admin-name"), adminName),
			chromedp.SendKeys(chromedp.CSS("#f-admin-password"), demoPassword),
		)
		b.screenshot("admin-tenant-form-ja")
		b.do("create the tenant", chromedp.Click(chromedp.CSS(`main form button[type="submit"]`)))
		b.do("wait for the created page", chromedp.WaitVisible(chromedp.CSS(`body[data-page="tenant_created"]`)))
		if got := b.text("h1"); got != ja("tenant_created.title") {
			t.Errorf("created page h1 %q, want %q", got, ja("tenant_created.title"))
		}
		if got := b.text("main"); !strings.Contains(got, tenantName) || !strings.Contains(got, adminName) {
			t.Errorf("created page lacks %q or %q:\n%s", tenantName, adminName, got)
		}
		b.screenshot("admin-tenant-created-ja")

		b.do("issue the admin's certificate", chromedp.Click(chromedp.CSS(`form[action="/operator/certs"] button`)))
		b.do("wait for the certificate page", chromedp.WaitVisible(chromedp.CSS(`body[data-page="cert"]`)))
		if got, want := b.text("main dl"), ja("cert.account_tenant", "hikari", "admin"); !strings.Contains(got, want) {
			t.Errorf("certificate page %q lacks %q", got, want)
		}
		if pw := b.text("#p12-password"); len(pw) < 12 {
			t.Errorf("PKCS#12 password %q, want a generated one", pw)
		}
		if got := b.attr("#p12-download", "download"); !strings.HasSuffix(got, ".p12") {
			t.Errorf("download name %q, want a .p12 file", got)
		}
		if got := b.text("pre.pem"); !strings.HasPrefix(got, "-----BEGIN CERTIFICATE-----") {
			t.Errorf("PEM %q", got)
		}
		b.screenshot("admin-cert-ja")
		ta, err := e.app.TenantAdminActor(ctx, "hikari", "admin", cli)
		if err != nil {
			t.Fatalf("the tenant created in the browser: %v", err)
		}
		users, err := e.app.Users(ctx, ta, app.UserFilter{})
		if err != nil || len(users) != 1 || users[0].Name != adminName {
			t.Errorf("hikari's users = %+v, %v; want the admin typed in the browser", users, err)
		}
	})
}

package web_test

import (
	"encoding/base32"
	"html"
	"net/url"
	"regexp"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/renrakucho/renrakucho/internal/auth"
)

// Admins always need a second factor: the tests' admin logins go through
// it as a person does. The first login walks the admin through enrolment
// (the secret read off the page, the code computed from it); later ones
// enter a code. A code is good once, so each login takes the next unused
// time step, waiting for it when the clock has not reached it.

type totpAccount struct {
	secret []byte
	last   int64 // the last time step used
}

var (
	totpMu         sync.Mutex
	totpAccounts   = map[*env]map[string]*totpAccount{}
	reSecret       = regexp.MustCompile(`id="totp-secret">([A-Z2-7]+)<`)
	reFormAction   = regexp.MustCompile(`<form class="form" method="post" action="([^"]+)"`)
	reContinue     = regexp.MustCompile(`href="([^"]+)" id="recovery-continue"`)
	reRecoveryCode = regexp.MustCompile(`<li>[a-z2-9]{5}-[a-z2-9]{5}</li>`)
)

func (e *env) totp(key string) *totpAccount {
	totpMu.Lock()
	defer totpMu.Unlock()
	if totpAccounts[e] == nil {
		totpAccounts[e] = map[string]*totpAccount{}
		e.t.Cleanup(func() { totpMu.Lock(); delete(totpAccounts, e); totpMu.Unlock() })
	}
	a := totpAccounts[e][key]
	if a == nil {
		a = &totpAccount{}
		totpAccounts[e][key] = a
	}
	return a
}

// nextCode returns a code of a time step not used before.
func (a *totpAccount) nextCode(t *testing.T) string {
	t.Helper()
	for {
		now := time.Now()
		step := max(auth.TOTPStep(now), a.last+1)
		if step <= auth.TOTPStep(now)+1 {
			a.last = step
			code, err := auth.TOTPCode(a.secret, time.Unix(step*int64(auth.TOTPPeriod/time.Second), 0))
			if err != nil {
				t.Fatal(err)
			}
			return code
		}
		time.Sleep(time.Second)
	}
}

// login posts a login form and completes the second factor if one is
// asked for or must be enrolled, returning the page after it.
func (b *browser) login(t *testing.T, path string, form url.Values) page {
	t.Helper()
	p := b.post(path, form)
	m := dataPage.FindStringSubmatch(p.body)
	if m == nil || (m[1] != "enrol" && m[1] != "factor") {
		return p
	}
	tenant := form.Get("tenant")
	if rest, ok := strings.CutPrefix(path, "/t/"); ok {
		tenant, _, _ = strings.Cut(rest, "/")
	}
	acct := b.e.totp(tenant + "/" + form.Get("login_id"))
	action := reFormAction.FindStringSubmatch(p.body)
	if action == nil {
		t.Fatalf("%s: no code form\n%s", p.path, excerpt(p.body))
	}
	if m[1] == "enrol" {
		s := reSecret.FindStringSubmatch(p.body)
		if s == nil {
			t.Fatalf("%s: no TOTP secret on the enrolment page\n%s", p.path, excerpt(p.body))
		}
		secret, err := base32.StdEncoding.WithPadding(base32.NoPadding).DecodeString(s[1])
		if err != nil {
			t.Fatal(err)
		}
		acct.secret = secret
		r := b.post(html.UnescapeString(action[1]), url.Values{"code": {acct.nextCode(t)}}).expect(t, 200, "recovery")
		next := reContinue.FindStringSubmatch(r.body)
		if next == nil {
			t.Fatalf("%s: no way on from the recovery codes", r.path)
		}
		return b.get(html.UnescapeString(next[1]))
	}
	if acct.secret == nil {
		t.Fatalf("%s: a second factor is asked for an account the test did not enrol", p.path)
	}
	return b.post(html.UnescapeString(action[1]), url.Values{"code": {acct.nextCode(t)}})
}

// walkFactors signs the admin in again (now with a code), and walks their
// factors and sessions pages.
func walkFactors(t *testing.T, e *env, ad *browser, slug, lang string) {
	t.Helper()
	T := func(key string, args ...any) string { return html.EscapeString(cat.T(lang, key, args...)) }
	ad.login(t, "/login", url.Values{"tenant": {slug}, "login_id": {slug + "-admin"}, "password": {pw}}).expect(t, 200, "console")
	ad.get("/account/factors").expect(t, 200, "factors").contains(t, T("mfa.factors.required"), T("mfa.factors.recovery_left", 10))
	ad.post("/account/factors/totp/remove", url.Values{}).expect(t, 409, "factors").contains(t, T("error.last_factor"))
	codes := ad.post("/account/factors/recovery", url.Values{}).expect(t, 200, "recovery").contains(t, T("mfa.recovery.once"))
	if n := len(reRecoveryCode.FindAllString(codes.body, -1)); n != auth.RecoveryCodeCount {
		t.Errorf("%d recovery codes shown", n)
	}
	ad.get("/account/sessions").expect(t, 200, "sessions").contains(t, T("mfa.sessions.current"), T("mfa.listener.admin"))
	ad.get("/account/factors/totp").expect(t, 200, "enrol").lacks(t, `id="totp-secret"`)
	ad.get("/login/factor").expect(t, 200, "login") // a full session is no pending login
}

// walkMemberFactors shows a member the optional enrolment and their sessions.
func walkMemberFactors(t *testing.T, m *browser, slug, lang string) {
	t.Helper()
	T := func(key string, args ...any) string { return html.EscapeString(cat.T(lang, key, args...)) }
	base := "/t/" + slug + "/"
	m.get(base+"account/factors").expect(t, 200, "factors").contains(t, T("mfa.factors.optional"), T("mfa.factors.totp_off"))
	m.get(base+"account/factors/totp").expect(t, 200, "enrol").contains(t, `id="totp-secret"`, `src="data:image/png;base64,`)
	m.post(base+"account/factors/totp", url.Values{"code": {"12"}}).expect(t, 422, "enrol").contains(t, T("error.totp_code"))
	m.get(base+"account/sessions").expect(t, 200, "sessions").contains(t, T("mfa.listener.user"))
}

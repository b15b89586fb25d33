package web_test

import (
	"crypto/tls"
	"html"
	"net/url"
	"regexp"
	"strings"
	"testing"
)

var reTempPassword = regexp.MustCompile(`id="temporary-password">([^<]+)<`)

// walkPasswords renders the password pages: the admin sees the member's
// lock and lifts it, reissues a temporary password shown once; the member
// is held on the change page until they change it; "forgot password"
// answers the same for a real and an unknown account; a reset link nobody
// was sent is refused.
func walkPasswords(t *testing.T, e *env, lang, slug string, adminCert tls.Certificate, memberID string) {
	T := func(key string, args ...any) string { return html.EscapeString(cat.T(lang, key, args...)) }
	const newPW = "Kq7-xZp-Wm3vT-9"

	m := e.userBrowser(lang)
	for i := 0; i < 5; i++ {
		m.post("/t/"+slug+"/login", loginForm("nurse-ito", "wrong-password-123"))
	}
	m.post("/t/"+slug+"/login", loginForm("nurse-ito", pw)).expect(t, 423, "login").contains(t, T("login.error_locked"))
	// An unknown login ID answers alike.
	for i := 0; i < 4; i++ {
		m.post("/t/"+slug+"/login", loginForm("nobody-here", "wrong-password-123")).expect(t, 401, "login")
	}
	m.post("/t/"+slug+"/login", loginForm("nobody-here", pw)).expect(t, 423, "login").contains(t, T("login.error_locked"))

	ad := e.adminBrowser(adminCert, lang)
	ad.login(t, "/login", url.Values{"tenant": {slug}, "login_id": {slug + "-admin"}, "password": {pw}}).expect(t, 200, "console")
	ad.get("/admin/users").expect(t, 200, "users").contains(t, T("login.locked_badge"))
	ad.get("/admin/users/"+memberID).expect(t, 200, "user_form").contains(t, T("login.unlock"), `action="/admin/users/`+memberID+`/unlock"`)
	ad.post("/admin/users/"+memberID+"/unlock", url.Values{}).expect(t, 200, "user_form").contains(t, T("notice.login_unlocked")).
		lacks(t, `action="/admin/users/`+memberID+`/unlock"`)
	ad.post("/admin/users/"+memberID+"/unlock", url.Values{}).expect(t, 409, "error")
	p := ad.post("/admin/users/"+memberID+"/password", url.Values{}).expect(t, 200, "password_reissued").contains(t, T("login.reissued_once"))
	if cc := p.header.Get("Cache-Control"); !strings.Contains(cc, "no-store") {
		t.Errorf("the temporary password page may be stored: Cache-Control %q", cc)
	}
	mt := reTempPassword.FindStringSubmatch(p.body)
	if mt == nil {
		t.Fatalf("no temporary password shown\n%s", excerpt(p.body))
	}
	temp := html.UnescapeString(mt[1])
	ad.get("/admin/users/"+memberID).expect(t, 200, "user_form").lacks(t, mt[1])
	ad.get("/admin/audit?action=password.reissue").expect(t, 200, "audit").contains(t, T("action.password.reissue")).lacks(t, mt[1])

	// The member is held on the change page until they change it.
	m.post("/t/"+slug+"/login", loginForm("nurse-ito", pw)).expect(t, 401, "login")
	m.post("/t/"+slug+"/login", loginForm("nurse-ito", temp)).expect(t, 200, "password").contains(t, T("login.password_forced"))
	m.get("/t/"+slug+"/residents").expect(t, 200, "password")
	m.post("/t/"+slug+"/password", url.Values{"current_password": {temp}, "password": {newPW}, "password_confirm": {newPW + "x"}}).
		expect(t, 422, "password").contains(t, T("login.error_password_mismatch"), `href="#f-password-confirm"`).lacks(t, newPW, temp)
	m.post("/t/"+slug+"/password", url.Values{"current_password": {temp}, "password": {"iloveyou2026!!"}, "password_confirm": {"iloveyou2026!!"}}).
		expect(t, 422, "password").contains(t, T("login.error_password_common"))
	m.post("/t/"+slug+"/password", url.Values{"current_password": {temp}, "password": {newPW}, "password_confirm": {newPW}}).
		expect(t, 200, "home").contains(t, T("notice.login_password_changed"), T("login.failed_since", 7))
	m.get("/t/"+slug+"/password").expect(t, 200, "password").lacks(t, T("login.password_forced"))
	m.post("/t/"+slug+"/logout", url.Values{}).expect(t, 200, "login").contains(t, T("login.forgot_link"))

	// Forgot password: the same answer for anyone.
	m.get("/t/"+slug+"/password/forgot").expect(t, 200, "password_forgot")
	a := m.post("/t/"+slug+"/password/forgot", url.Values{"who": {"nurse-ito"}}).expect(t, 200, "password_forgot").contains(t, T("login.forgot_sent"))
	b := m.post("/t/"+slug+"/password/forgot", url.Values{"who": {"nobody-here"}}).expect(t, 200, "password_forgot")
	if a.body != b.body {
		t.Error("forgot password answers differently for an unknown account")
	}
	m.post("/t/"+slug+"/password/forgot", url.Values{"who": {""}}).expect(t, 422, "password_forgot").contains(t, `href="#f-who"`)
	m.get("/t/"+slug+"/password/reset/"+strings.Repeat("T", 43)).expect(t, 404, "password_reset").contains(t, T("login.error_reset_link"))
	m.post("/t/"+slug+"/password/reset/"+strings.Repeat("T", 43), url.Values{"password": {newPW}, "password_confirm": {newPW}}).
		expect(t, 404, "password_reset")
	m.post("/t/"+slug+"/login", loginForm("nurse-ito", newPW)).expect(t, 200, "home")
}

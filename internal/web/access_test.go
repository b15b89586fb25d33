package web_test

import (
	"context"
	"html"
	"net/url"
	"regexp"
	"testing"

	"github.com/renrakucho/renrakucho/internal/care"
)

var reGrant = regexp.MustCompile(`data-grant="([0-9a-f-]{36})"`)

// walkAccess walks the access-control pages: the operator's and the
// tenant admin's certificate lists with a revocation, the access settings
// with their refusals (a bad prefix, a list that would lock the admin out),
// a device certificate issued from the user page, and break-glass from the
// member's search to the admins' review.
func walkAccess(t *testing.T, e *env, fx fixture, lang string) {
	T := func(key string, args ...any) string { return html.EscapeString(cat.T(lang, key, args...)) }
	ctx := context.Background()
	s := "/t/" + fx.slug

	op := e.adminBrowser(fx.opCert, lang)
	op.login(t, "/login", url.Values{"tenant": {""}, "login_id": {"ops"}, "password": {pw}}).expect(t, 200, "console")
	op.get("/operator/certs").expect(t, 200, "certs").contains(t, T("access.certs_title"), fx.slug+"."+fx.slug+"-admin",
		T("cert.account_operator", "ops"), T("access.kind.admin"))

	ad := e.adminBrowser(fx.adminCert, lang)
	ad.login(t, "/login", url.Values{"tenant": {fx.slug}, "login_id": {fx.slug + "-admin"}, "password": {pw}}).expect(t, 200, "console").
		contains(t, `href="/admin/access"`, `href="/admin/certs"`, `href="/admin/break-glass"`)
	ad.get("/admin/access").expect(t, 200, "access").contains(t, T("access.title"), `id="client-ip">127.0.0.1<`, `name="break_glass_minutes"`)
	ad.post("/admin/access", url.Values{"admin_allow": {"10.0.0.0/33"}, "user_allow": {"example.jp"}, "break_glass_minutes": {"0"}}).
		expect(t, 422, "access").contains(t, `href="#f-admin-allow"`, `href="#f-user-allow"`, `href="#f-break-glass-minutes"`,
		T("access.error_cidr"), T("access.error_break_glass_minutes"), "10.0.0.0/33")
	ad.post("/admin/access", url.Values{"admin_allow": {"192.0.2.0/24"}, "break_glass_minutes": {"60"}}).
		expect(t, 422, "access").contains(t, T("access.error_self_lockout"))
	ad.post("/admin/access", url.Values{"admin_allow": {"::ffff:127.0.0.0/104\n2001:db8::/32"}, "user_allow": {""},
		"break_glass_minutes": {"１２０"}}).expect(t, 200, "access").
		contains(t, T("notice.saved"), "127.0.0.0/8\n2001:db8::/32", `value="120"`)
	ad.get("/admin/audit?action=access.update").expect(t, 200, "audit").contains(t, T("action.access.update"), "127.0.0.0/8")

	// A device certificate for the member, from the user page, then revoked.
	ad.get("/admin/users/"+fx.member.ID).expect(t, 200, "user_form").contains(t, `action="/admin/users/`+fx.member.ID+`/device-cert"`)
	dev := ad.post("/admin/users/"+fx.member.ID+"/device-cert", url.Values{}).expect(t, 200, "cert").
		contains(t, T("cert.account_tenant", fx.slug, "dr-sato"))
	cert, _ := certFromPage(t, dev)
	serial := cert.Leaf.SerialNumber.Text(16)
	p := ad.get("/admin/certs").expect(t, 200, "certs").contains(t, T("access.kind.device"), `data-serial="`+serial+`"`)
	p.contains(t, `action="/admin/certs/`+serial+`/revoke"`)
	ad.post("/admin/certs/"+serial+"/revoke", url.Values{}).expect(t, 200, "certs").
		contains(t, T("access.cert_revoked"), T("access.cert_state_revoked")).lacks(t, `action="/admin/certs/`+serial+`/revoke"`)
	ad.post("/admin/certs/00ff/revoke", url.Values{}).expect(t, 404, "error")

	// Break-glass: a resident of another member's, opened by dr-sato.
	other, err := e.app.CreateUser(ctx, fx.admin, care.UserInput{LoginID: "bg-" + lang, Name: "高橋 看護師" + lang, Kana: "タカハシ",
		Profession: "nurse", Role: care.RoleMember, Facilities: []string{fx.facility.ID}, Password: pw})
	if err != nil {
		t.Fatal(err)
	}
	r, err := e.app.CreateResident(ctx, e.actor(t, fx.slug, other.LoginID), care.ResidentInput{Name: "緊急 太郎" + lang,
		Kana: "キンキュウ タロウ", BirthDate: "1931-05-06", Sex: "male", CareLevel: "care3"})
	if err != nil {
		t.Fatal(err)
	}
	dr := e.member(t, fx.slug, "dr-sato", lang)
	dr.get(s+"/").expect(t, 200, "home").contains(t, `href="`+s+`/break-glass"`)
	dr.get(s+"/residents/"+r.ID).expect(t, 404, "error")
	dr.get(s+"/break-glass").expect(t, 200, "break_glass").contains(t, T("breakglass.lead"))
	dr.get(s+"/break-glass?name=%E7%B7%8A&birth_date=31-5-6").expect(t, 422, "break_glass").
		contains(t, `href="#f-name"`, `href="#f-birth-date"`, T("breakglass.error_name"), T("breakglass.error_birth_date"))
	dr.get(s+"/break-glass?name=%E3%81%8D%E3%82%93%E3%81%8D%E3%82%85%E3%81%86&birth_date=1931-05-07").expect(t, 200, "break_glass").
		contains(t, T("breakglass.none"))
	dr.get(s+"/break-glass?name=%E3%81%8D%E3%82%93%E3%81%8D%E3%82%85%E3%81%86&birth_date=1931-05-06").expect(t, 200, "break_glass").
		contains(t, "緊急 太郎"+lang, `value="`+r.ID+`"`)
	dr.post(s+"/break-glass", url.Values{"resident_id": {r.ID}, "reason": {"急ぎ"}, "name": {"きんきゅう"}, "birth_date": {"1931-05-06"}}).
		expect(t, 422, "break_glass").contains(t, `href="#f-reason"`, T("breakglass.error_reason"), "緊急 太郎"+lang)
	reason := "夜間の救急搬送に同行、服薬内容の確認が必要"
	dr.post(s+"/break-glass", url.Values{"resident_id": {r.ID}, "reason": {reason}}).expect(t, 200, "resident").
		contains(t, "緊急 太郎"+lang, "data-breakglass", T("breakglass.notice", "佐藤 医師", "緊急 太郎"+lang), reason, `id="post-form"`).
		lacks(t, `href="`+s+`/residents/`+r.ID+`/edit"`, `action="`+s+`/residents/`+r.ID+`/team/leave"`, `id="consent-form"`, `id="end-title"`)
	dr.get(s+"/").expect(t, 200, "home").contains(t, "data-breakglass", reason)
	dr.post(s+"/residents/"+r.ID+"/posts", url.Values{"category": {"report"}, "importance": {"normal"}, "body": {"救急搬送に同行しました"}}).
		expect(t, 200, "resident").contains(t, "救急搬送に同行しました")
	dr.post(s+"/residents/"+r.ID+"/end", url.Values{"date": {"2026-11-01"}, "reason": {"moved"}}).expect(t, 403, "error").
		contains(t, T("breakglass.error_read_only"))
	// The team sees the notice on the resident's page and at home.
	ot := e.member(t, fx.slug, other.LoginID, lang)
	ot.get(s+"/").expect(t, 200, "home").contains(t, "data-breakglass", reason)

	// The admins review and acknowledge.
	p = ad.get("/admin/break-glass?pending=1").expect(t, 200, "break_glass_review").contains(t, reason, "dr-sato", "緊急 太郎"+lang,
		T("breakglass.running"))
	id := ""
	if m := reGrant.FindStringSubmatch(p.body); m != nil {
		id = m[1]
	}
	ad.post("/admin/break-glass/"+id+"/acknowledge", url.Values{}).expect(t, 200, "break_glass_review").
		contains(t, T("breakglass.acknowledged"))
	ad.get("/admin/break-glass?pending=1").expect(t, 200, "break_glass_review").lacks(t, `data-grant="`+id+`"`)
	// The opening is logged; its reason stays sealed with the grant (shown
	// on the review list above), never copied into the unsealed log.
	ad.get("/admin/audit?action=breakglass.open").expect(t, 200, "audit").contains(t, T("action.breakglass.open")).lacks(t, reason)
	ad.get("/admin/audit?action=breakglass.view").expect(t, 200, "audit").contains(t, T("action.breakglass.view"))
	// Back to no allow-list for the walks after this one.
	ad.post("/admin/access", url.Values{"break_glass_minutes": {"60"}}).expect(t, 200, "access")
}

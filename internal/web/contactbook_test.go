package web_test

import (
	"context"
	"fmt"
	"html"
	"net/url"
	"regexp"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/renrakucho/renrakucho/internal/app"
	"github.com/renrakucho/renrakucho/internal/care"
	"github.com/renrakucho/renrakucho/internal/i18n"
	"github.com/renrakucho/renrakucho/internal/store"
	"github.com/renrakucho/renrakucho/internal/store/storetest"
	"github.com/renrakucho/renrakucho/internal/web"
)

var (
	reResidentID = regexp.MustCompile(`/residents/([0-9a-f-]{36})`)
	reGroupID    = regexp.MustCompile(`/groups/([0-9a-f-]{36})`)
	rePostID     = regexp.MustCompile(`id="post-([0-9a-f-]{36})"`)
	reCommentID  = regexp.MustCompile(`id="comment-([0-9a-f-]{36})"`)
	reVersion    = regexp.MustCompile(`name="version" value="(\d+)"`)
	reMain       = regexp.MustCompile(`(?s)<main.*</main>`)
)

func match(t *testing.T, re *regexp.Regexp, s string) string {
	t.Helper()
	m := re.FindStringSubmatch(s)
	if m == nil {
		t.Fatalf("no %s in\n%s", re, excerpt(s))
	}
	return m[1]
}

// team is a tenant's contact-book cast: the fixture's doctor, a nurse of
// the same facility and a pharmacist of another.
type team struct {
	fixture
	nurse, pharm care.User
	pharmacy     care.Facility
}

func (e *env) team(fx fixture, suffix string) team {
	e.t.Helper()
	ctx := context.Background()
	tm := team{fixture: fx}
	var err error
	if tm.pharmacy, err = e.app.CreateFacility(ctx, fx.admin, care.Facility{Kind: "pharmacy", Name: "みなみ薬局" + suffix}); err != nil {
		e.t.Fatal(err)
	}
	if tm.nurse, err = e.app.CreateUser(ctx, fx.admin, care.UserInput{LoginID: "nurse-" + suffix, Name: "伊藤 看護師" + suffix,
		Kana: "イトウ", Profession: "nurse", Role: care.RoleMember, Facilities: []string{fx.facility.ID}, Password: pw}); err != nil {
		e.t.Fatal(err)
	}
	if tm.pharm, err = e.app.CreateUser(ctx, fx.admin, care.UserInput{LoginID: "pharm-" + suffix, Name: "加藤 薬剤師" + suffix,
		Kana: "カトウ", Profession: "pharmacist", Role: care.RoleMember, Facilities: []string{tm.pharmacy.ID}, Password: pw}); err != nil {
		e.t.Fatal(err)
	}
	return tm
}

// member logs a member in on the user listener.
func (e *env) member(t *testing.T, slug, login, lang string) *browser {
	t.Helper()
	b := e.userBrowser(lang)
	b.post("/t/"+slug+"/login", loginForm(login, pw)).expect(t, 200, "home")
	return b
}

// actor is a member's actor for setting up through the app.
func (e *env) actor(t *testing.T, slug, login string) care.Actor {
	t.Helper()
	_, act, err := e.app.Login(context.Background(), app.Credentials{Tenant: slug, LoginID: login, Password: pw,
		Origin: care.Origin{IP: "127.0.0.1", UserAgent: "test", Listener: care.UserListener}})
	if err != nil {
		t.Fatal(err)
	}
	return act
}

// birth is the test residents' birth date and what the pages show for it.
const birth = "1938-04-01"

func birthShown(lang string) string {
	age := web.Age(time.Date(1938, 4, 1, 0, 0, 0, 0, time.UTC), time.Now())
	if lang == i18n.English {
		return fmt.Sprintf("1 Apr 1938 (age %d)", age)
	}
	return fmt.Sprintf("昭和13年4月1日（%d歳）", age)
}

// walkContactBook goes through every contact-book page as a care team
// does in a day, in one language: the doctor registers a resident with
// consent and invites a nurse and a pharmacist; they accept; posts,
// comments, reads, edits and a deletion; unread, search and groups; the
// end of sharing; the tenant admin's register.
func walkContactBook(t *testing.T, e *env, fx fixture, lang string) {
	T := func(key string, args ...any) string { return html.EscapeString(cat.T(lang, key, args...)) }
	tm := e.team(fx, lang)
	s := "/t/" + fx.slug
	dr := e.member(t, fx.slug, "dr-sato", lang)

	dr.get(s+"/residents").expect(t, 200, "residents")
	dr.get(s+"/residents/new").expect(t, 200, "resident_form")
	bad := url.Values{"name": {"山田 <b>花子</b>"}, "kana": {"yamada"}, "birth_date": {"2999-01-01"}, "sex": {"female"},
		"care_level": {"care9"}, "address": {"北区1-2-3"}, "notes": {"独居\n階段あり"}}
	dr.post(s+"/residents/new", bad).expect(t, 422, "resident_form").
		contains(t, `value="山田 &lt;b&gt;花子&lt;/b&gt;"`, `value="yamada"`, `value="北区1-2-3"`, "独居\n階段あり",
			`href="#f-kana"`, `href="#f-birth-date"`, `href="#f-care-level"`, T("error.kana"), T("error.date_range"),
			`value="female" checked`).
		lacks(t, "<b>花子")
	good := url.Values{"name": {"山田 花子 " + lang}, "kana": {"ヤマダ ハナコ"}, "birth_date": {birth}, "sex": {"female"},
		"care_level": {"care2"}, "address": {"北区1-2-3"}, "phone": {"03-1234-5678"}, "key_person": {"長男 太郎"}, "child": {""},
		"disability": {"1"}, "notes": {"独居"}}
	p := dr.post(s+"/residents/new", good).expect(t, 200, "resident").
		contains(t, T("notice.created"), "山田 花子 "+lang, birthShown(lang), T("care_level.care2"), T("consent.none"),
			`data-live="timeline"`, `data-live-root`)
	rid := match(t, reResidentID, p.path)
	res := s + "/residents/" + rid
	p.contains(t, `data-resident-id="`+rid+`"`, `data-src="`+res+`/timeline"`)

	// Without consent, the pharmacist of another facility cannot be invited.
	dr.get(res+"?q=%E5%8A%A0%E8%97%A4").expect(t, 200, "resident").contains(t, "加藤 薬剤師"+lang, T("invite.lead_no_consent"))
	dr.post(res+"/team", url.Values{"user_id": {tm.pharm.ID}, "q": {"加藤"}}).expect(t, 409, "resident").
		contains(t, T("error.no_consent"), `href="#f-user-id"`, `value="加藤"`)
	// Consent, refused then recorded.
	dr.post(res+"/consents", url.Values{"method": {"written"}, "obtained_at": {"2999-01-01"}, "obtained_by": {"佐藤"}}).
		expect(t, 422, "resident").contains(t, T("error.date_future"), `value="佐藤"`, `value="written" checked`, `id="consent-form" open`)
	dr.post(res+"/consents", url.Values{"method": {"written"}, "obtained_at": {"2026-04-01"}, "obtained_by": {"佐藤 医師"},
		"scope": {"連携チーム内"}}).expect(t, 200, "resident").contains(t, T("notice.consent_added"), T("consent.active"), "連携チーム内")
	for _, u := range []care.User{tm.nurse, tm.pharm} {
		dr.post(res+"/team", url.Values{"user_id": {u.ID}}).expect(t, 200, "resident").contains(t, T("notice.invited"), T("team_status.invited"))
	}
	dr.post(res+"/team", url.Values{"user_id": {tm.nurse.ID}}).expect(t, 409, "resident").contains(t, T("error.already_member"))

	// The nurse accepts on her home page; the pharmacist declines.
	nu := e.member(t, fx.slug, "nurse-"+lang, lang)
	nu.get(s+"/").expect(t, 200, "home").contains(t, T("home.invitations"), "山田 花子 "+lang, res+"/team/accept")
	nu.get(res).expect(t, 404, "error") // not on the team yet
	nu.post(res+"/team/accept", url.Values{}).expect(t, 200, "resident").contains(t, T("notice.accepted"))
	ph := e.member(t, fx.slug, "pharm-"+lang, lang)
	ph.post(res+"/team/decline", url.Values{}).expect(t, 200, "home").contains(t, T("notice.declined")).lacks(t, res+"/team/accept")
	ph.get(res).expect(t, 404, "error")

	// Posts: the template chooser, a refused post keeping its input, a
	// handover, a plain post to the nurse.
	for _, tmpl := range []string{"handover", "visit", "medication"} {
		dr.get(res+"?template="+tmpl).expect(t, 200, "resident").contains(t, `name="template" value="`+tmpl+`"`, T("template."+tmpl))
	}
	dr.get(res+"?compose=1").expect(t, 200, "resident").contains(t, `id="post-form" open`)
	dr.post(res+"/posts", url.Values{"template": {"handover"}, "fields.next_visit": {"12/01"}, "fields.cautions": {"転倒に注意 <i>"},
		"importance": {"urgent"}, "category": {"report"}}).expect(t, 422, "resident").
		contains(t, `href="#f-fields-plan-changed"`, `href="#f-fields-next-visit"`, T("error.required"), T("error.date"),
			"転倒に注意 &lt;i&gt;", `value="12/01"`, `value="urgent" checked`, `<option value="report" selected>`, `id="post-form" open`)
	dr.post(res+"/posts", url.Values{"body": {""}}).expect(t, 422, "resident").contains(t, `href="#f-body"`)
	p = dr.post(res+"/posts", url.Values{"template": {"handover"}, "fields.next_visit": {"2026-12-01"}, "fields.plan_changed": {"yes"},
		"fields.plan_change": {"利尿剤" + lang + "を追加"}, "fields.cautions": {"転倒に注意"}, "body": {"詳細は https://example.jp/plan を参照"},
		"importance": {"important"}, "category": {"report"}}).expect(t, 200, "resident")
	p.contains(t, T("notice.posted"), T("template.handover"), T("post.field.plan_change"), "利尿剤"+lang+"を追加", T("yesno.yes"),
		`<a href="https://example.jp/plan" rel="noopener noreferrer">https://example.jp/plan</a>`, T("summary.handover"), T("importance.important"))
	handover := match(t, rePostID, p.body)
	p = dr.post(res+"/posts", url.Values{"body": {"明日の訪問は午後です"}, "addressees": {tm.nurse.ID}, "category": {"notice"},
		"importance": {"normal"}}).expect(t, 200, "resident")
	plain := match(t, rePostID, p.body)
	if plain == handover {
		t.Fatal("the newest post is not first")
	}
	p.contains(t, T("post.addressees_are"), tm.nurse.Name)

	// The nurse: unread badges, the unread list, the post marked read by opening it.
	nu.get(s+"/").expect(t, 200, "home").contains(t, `data-badge-for="resident:`+rid+`"`, T("badge.unread", 2))
	nu.get(s+"/residents").expect(t, 200, "residents").contains(t, T("badge.unread", 2), "山田 花子 "+lang)
	nu.get(s+"/unread").expect(t, 200, "unread").contains(t, "明日の訪問は午後です", T("post.to_me"), `href="`+res+`"`)
	nu.get(s+"/unread/badges").expect(t, 200, "").contains(t, `data-badge-for="total"`, `data-badge-for="resident:`+rid+`"`, T("badge.unread", 2))
	nu.get(res).expect(t, 200, "resident").contains(t, T("post.unread"), T("post.mark_read"))
	nu.post(s+"/posts/"+handover+"/read", url.Values{"return": {res + "#post-" + handover}}).expect(t, 200, "resident")
	p = nu.get(s+"/posts/"+plain).expect(t, 200, "post").contains(t, "明日の訪問は午後です", T("reads.title"), T("post.back_resident"))
	nu.get(s+"/unread").expect(t, 200, "unread").contains(t, T("unread.none"))

	// Comments: refused empty, then written; the doctor sees who read it.
	nu.post(s+"/posts/"+plain+"/comments", url.Values{"body": {"  "}}).expect(t, 422, "post").contains(t, `href="#f-body"`, T("error.required"))
	p = nu.post(s+"/posts/"+plain+"/comments", url.Values{"body": {"承知しました"}}).expect(t, 200, "post").
		contains(t, T("notice.commented"), "承知しました")
	match(t, reCommentID, p.body)
	dr.get(s+"/posts/"+plain).expect(t, 200, "post").contains(t, T("reads.read", 1), tm.nurse.Name, "承知しました",
		`data-live="reads"`, `data-live="comments"`, `data-post-id="`+plain+`"`)
	dr.get(s+"/posts/"+plain+"/reads").expect(t, 200, "").contains(t, `data-read-by="`+tm.nurse.ID+`"`)
	dr.get(s+"/posts/"+plain+"/comments").expect(t, 200, "").contains(t, "承知しました", "data-comment-id")
	dr.get(res+"/timeline").expect(t, 200, "").contains(t, `data-post-id="`+plain+`"`, `data-post-id="`+handover+`"`)

	// Editing: only the author; a stale version is a conflict that keeps
	// the input; the earlier text stays as a version.
	nu.get(s+"/posts/"+plain+"/edit").expect(t, 403, "error").contains(t, T("error.not_author"))
	p = dr.get(s+"/posts/"+plain+"/edit").expect(t, 200, "post_form").contains(t, "明日の訪問は午後です")
	v := match(t, reVersion, p.body)
	edit := url.Values{"template": {""}, "version": {v}, "body": {"明日の訪問は15時です"}, "category": {"notice"}, "importance": {"important"},
		"addressees": {tm.nurse.ID}}
	dr.post(s+"/posts/"+plain+"/edit", edit).expect(t, 200, "post").contains(t, T("notice.saved"), "明日の訪問は15時です",
		T("post.versions"), T("post.version_n", 1), "明日の訪問は午後です")
	edit.Set("body", "明日の訪問は16時です")
	p = dr.post(s+"/posts/"+plain+"/edit", edit).expect(t, 409, "post_form").
		contains(t, T("error.stale"), "明日の訪問は16時です", "明日の訪問は15時です", "data-stale")
	if got := match(t, reVersion, p.body); got == v {
		t.Errorf("stale form still carries version %s", got)
	}
	// Deleting needs a reason.
	dr.post(s+"/posts/"+plain+"/delete", url.Values{"reason": {""}}).expect(t, 422, "post").contains(t, T("error.required"), `id="delete" open`)
	dr.post(s+"/posts/"+plain+"/delete", url.Values{"reason": {"重複のため"}}).expect(t, 200, "post").
		contains(t, T("notice.deleted"), T("post.deleted"), "重複のため").lacks(t, "明日の訪問は15時です", `id="comment-form"`)

	// Search: words, then filters; results link to the post.
	dr.get(s+"/search").expect(t, 200, "search")
	dr.get(s+"/search?q="+url.QueryEscape("利尿剤"+lang)).expect(t, 200, "search").contains(t, T("search.count", 1), `href="`+s+`/posts/`+handover+`"`)
	dr.get(s+"/search?resident="+rid+"&importance=important&from=2000-01-01").expect(t, 200, "search").contains(t, handover)
	dr.get(s+"/search?from=yesterday&category=bogus").expect(t, 422, "search").contains(t, `href="#f-from"`, `href="#f-category"`, `value="yesterday"`)

	// Groups.
	dr.get(s+"/groups").expect(t, 200, "groups")
	dr.get(s+"/groups/new").expect(t, 200, "group_form").contains(t, tm.nurse.Name)
	dr.post(s+"/groups/new", url.Values{"name": {""}, "description": {"月例会"}, "members": {tm.nurse.ID}}).expect(t, 422, "group_form").
		contains(t, `href="#f-name"`, "月例会", `value="`+tm.nurse.ID+`" checked`)
	p = dr.post(s+"/groups/new", url.Values{"name": {"北部連携会議 " + lang}, "description": {"月例会"}, "members": {tm.nurse.ID}}).
		expect(t, 200, "group").contains(t, T("notice.created"), "北部連携会議 "+lang, `data-live="timeline"`)
	gid := match(t, reGroupID, p.path)
	grp := s + "/groups/" + gid
	dr.post(grp+"/posts", url.Values{"body": {""}}).expect(t, 422, "group").contains(t, `href="#f-body"`)
	dr.post(grp+"/posts", url.Values{"body": {"次回は12月3日です"}, "category": {"notice"}, "importance": {"normal"}}).
		expect(t, 200, "group").contains(t, T("notice.posted"), "次回は12月3日です")
	dr.post(grp+"/members", url.Values{"add": {tm.pharm.ID}}).expect(t, 200, "group").contains(t, tm.pharm.Name)
	dr.get(grp+"/timeline").expect(t, 200, "").contains(t, "次回は12月3日です")
	nu.get(s+"/groups").expect(t, 200, "groups").contains(t, "北部連携会議 "+lang, T("badge.unread", 1))

	// Editing the resident: a stale version keeps the input.
	p = dr.get(res+"/edit").expect(t, 200, "resident_form").contains(t, `value="山田 花子 `+lang+`"`)
	v = match(t, reVersion, p.body)
	upd := url.Values{"version": {v}, "name": {"山田 花子 " + lang}, "kana": {"ヤマダ ハナコ"}, "birth_date": {birth}, "sex": {"female"},
		"care_level": {"care3"}, "notes": {"独居"}}
	dr.post(res+"/edit", upd).expect(t, 200, "resident").contains(t, T("notice.saved"), T("care_level.care3"))
	upd.Set("care_level", "care4")
	upd.Set("address", "南区9-9")
	dr.post(res+"/edit", upd).expect(t, 409, "resident_form").contains(t, T("error.stale"), `value="南区9-9"`,
		`<option value="care4" selected>`, "data-stale", T("care_level.care3"))

	// Ending the sharing: refused future date, then ended and read-only.
	dr.get(res+"/end").expect(t, 200, "resident_end")
	dr.post(res+"/end", url.Values{"date": {"2999-01-01"}, "reason": {"moved"}, "note": {"転居先：大阪"}}).expect(t, 422, "resident_end").
		contains(t, T("error.date_future"), "転居先：大阪", `<option value="moved" selected>`)
	dr.post(res+"/end", url.Values{"date": {"2026-11-20"}, "reason": {"moved"}}).expect(t, 200, "resident").
		contains(t, T("notice.ended"), "data-ended", T("end_reason.moved")).lacks(t, `action="`+res+`/posts"`, res+"/edit")
	dr.get(s+"/residents?ended=1").expect(t, 200, "residents").contains(t, "山田 花子 "+lang, T("end_reason.moved"))

	// The tenant admin's register, on the admin listener: never a post.
	ad := e.adminBrowser(fx.adminCert, lang)
	ad.login(t, "/login", url.Values{"tenant": {fx.slug}, "login_id": {fx.slug + "-admin"}, "password": {pw}}).expect(t, 200, "console").
		contains(t, `href="/admin/residents"`)
	ad.get("/admin/residents?ended=1").expect(t, 200, "resident_register").contains(t, "山田 花子 "+lang, birthShown(lang), tm.nurse.Name).
		lacks(t, "利尿剤", "明日の訪問")
	ad.get("/admin/residents").expect(t, 200, "resident_register").lacks(t, "山田 花子 "+lang)
	ad.get("/admin/audit?action=resident.view").expect(t, 200, "audit").contains(t, T("action.resident.view"))
}

// TestPostXSS: a post body is plain text: markup is escaped, http(s)
// URLs become links that open nothing of ours, and nothing is executable,
// on the timeline, the post page, the fragments and the search results.
func TestPostXSS(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		e := newEnv(t, db)
		fx := e.seed("alpha")
		dr := e.member(t, "alpha", "dr-sato", "ja")
		body := `<script>alert(1)</script> http://example.com/?a=<b>`
		p := dr.post("/t/alpha/residents/new", url.Values{"name": {"山田 花子"}, "kana": {"ヤマダ"}, "birth_date": {birth}}).expect(t, 200, "resident")
		res := "/t/alpha/residents/" + match(t, reResidentID, p.path)
		p = dr.post(res+"/posts", url.Values{"body": {body}, "template": {"visit"}, "fields.visited_on": {"2026-11-01"},
			"fields.observations": {`"><img src=x onerror=alert(1)> javascript:alert(1)`}}).expect(t, 200, "resident")
		id := match(t, rePostID, p.body)
		want := `&lt;script&gt;alert(1)&lt;/script&gt; <a href="http://example.com/?a=" rel="noopener noreferrer">http://example.com/?a=</a>&lt;b&gt;`
		for _, path := range []string{res, "/t/alpha/posts/" + id, res + "/timeline", "/t/alpha/search?q=alert"} {
			dr.get(path).expect(t, 200, "").contains(t, want, `&#34;&gt;&lt;img src=x onerror=alert(1)&gt; javascript:alert(1)`).
				lacks(t, "<script>alert", "<b>", "<img", `href="javascript`)
		}
		_ = fx
	})
}

func TestLinkify(t *testing.T) {
	for _, tc := range []struct{ in, want string }{
		{"", ""},
		{"plain <b>", "plain &lt;b&gt;"},
		{"see https://example.jp/a?b=1&c=2.", `see <a href="https://example.jp/a?b=1&amp;c=2" rel="noopener noreferrer">https://example.jp/a?b=1&amp;c=2</a>.`},
		{"詳細はhttp://example.jp/x を参照", `詳細は<a href="http://example.jp/x" rel="noopener noreferrer">http://example.jp/x</a> を参照`},
		{"資料：https://example.jp/資料", `資料：<a href="https://example.jp/" rel="noopener noreferrer">https://example.jp/</a>資料`},
		{"(https://example.jp/wiki/A_(b))", `(<a href="https://example.jp/wiki/A_(b)" rel="noopener noreferrer">https://example.jp/wiki/A_(b)</a>)`},
		{`http://x.jp/"onmouseover=alert(1)`, `<a href="http://x.jp/" rel="noopener noreferrer">http://x.jp/</a>&#34;onmouseover=alert(1)`},
		{`http://x.jp/'q'`, `<a href="http://x.jp/&#39;q" rel="noopener noreferrer">http://x.jp/&#39;q</a>&#39;`},
		{"javascript:alert(1) ftp://x.jp http://", "javascript:alert(1) ftp://x.jp http://"},
		{"HTTPS://EXAMPLE.JP", `<a href="HTTPS://EXAMPLE.JP" rel="noopener noreferrer">HTTPS://EXAMPLE.JP</a>`},
	} {
		if got := string(web.Linkify(tc.in)); got != tc.want {
			t.Errorf("Linkify(%q)\n got %s\nwant %s", tc.in, got, tc.want)
		}
	}
}

func TestAge(t *testing.T) {
	jst := time.FixedZone("JST", 9*3600)
	b := time.Date(1938, 4, 1, 0, 0, 0, 0, time.UTC)
	for _, tc := range []struct {
		now  time.Time
		want int
	}{
		{time.Date(2026, 3, 31, 23, 0, 0, 0, jst), 87},
		{time.Date(2026, 4, 1, 0, 0, 0, 0, jst), 88},
		// 31 March 15:00 UTC is already 1 April in Japan.
		{time.Date(2026, 3, 31, 15, 0, 0, 0, time.UTC), 88},
	} {
		if got := web.Age(b, tc.now); got != tc.want {
			t.Errorf("Age at %v = %d, want %d", tc.now, got, tc.want)
		}
	}
}

// TestContactBookNotFound: another tenant's resident, post or group, one
// of the member's own tenant whose team the member is not on, and one that
// does not exist all answer the same 404 page.
func TestContactBookNotFound(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		e := newEnv(t, db)
		ctx := context.Background()
		fx := e.seed("alpha")
		if _, err := e.app.CreateUser(ctx, fx.admin, care.UserInput{LoginID: "outsider", Name: "部外 者", Profession: "nurse",
			Role: care.RoleMember, Facilities: []string{fx.facility.ID}, Password: pw}); err != nil {
			t.Fatal(err)
		}
		beta := e.seed("beta")
		ids := map[string][3]string{} // resident, post, group
		for _, f := range []fixture{fx, beta} {
			act := e.actor(t, f.slug, "dr-sato")
			r, err := e.app.CreateResident(ctx, act, care.ResidentInput{Name: "秘密 " + f.slug, Kana: "ヒミツ", BirthDate: birth})
			if err != nil {
				t.Fatal(err)
			}
			p, err := e.app.CreatePost(ctx, act, r.ID, care.PostInput{Body: "秘密の記事 " + f.slug})
			if err != nil {
				t.Fatal(err)
			}
			g, err := e.app.CreateGroup(ctx, act, care.GroupInput{Name: "秘密の会 " + f.slug})
			if err != nil {
				t.Fatal(err)
			}
			ids[f.slug] = [3]string{r.ID, p.ID, g.ID}
		}
		none := [3]string{store.NewID(), store.NewID(), store.NewID()}
		paths := []string{"/residents/R", "/residents/R/edit", "/residents/R/end", "/residents/R/timeline",
			"/posts/P", "/posts/P/edit", "/posts/P/comments", "/posts/P/reads", "/groups/G", "/groups/G/timeline"}
		posts := []string{"/residents/R/posts", "/residents/R/consents", "/residents/R/team", "/residents/R/team/leave",
			"/residents/R/team/accept", "/posts/P/comments", "/posts/P/read", "/posts/P/delete", "/groups/G/posts", "/groups/G/members"}
		fill := func(p string, id [3]string) string {
			return strings.NewReplacer("R", id[0], "P", id[1], "G", id[2]).Replace(p)
		}
		for _, who := range []struct{ login string }{{"dr-sato"}, {"outsider"}} {
			b := e.member(t, "alpha", who.login, "ja")
			for _, path := range paths {
				want := b.get("/t/alpha"+fill(path, none)).expect(t, 404, "error")
				variants := [][3]string{ids["beta"]}
				if who.login == "outsider" {
					variants = append(variants, ids["alpha"])
				}
				for _, v := range variants {
					got := b.get("/t/alpha"+fill(path, v)).expect(t, 404, "error").lacks(t, "秘密")
					if reMain.FindString(got.body) != reMain.FindString(want.body) {
						t.Errorf("%s %s: differs from a missing one", who.login, path)
					}
				}
			}
			for _, path := range posts {
				form := url.Values{"body": {"侵入"}, "reason": {"x"}, "user_id": {"x"}, "method": {"oral"}, "obtained_at": {"2026-01-01"},
					"obtained_by": {"x"}, "add": {"x"}}
				want := b.post("/t/alpha"+fill(path, none), form).expect(t, 404, "error")
				got := b.post("/t/alpha"+fill(path, ids["beta"]), form).expect(t, 404, "error")
				if reMain.FindString(got.body) != reMain.FindString(want.body) {
					t.Errorf("%s POST %s: differs from a missing one", who.login, path)
				}
			}
		}
		// Nothing of beta's changed.
		act := e.actor(t, "beta", "dr-sato")
		page, err := e.app.Posts(ctx, act, ids["beta"][0], "", 10)
		if err != nil || len(page.Items) != 1 || page.Items[0].CommentCount != 0 {
			t.Errorf("beta's contact book changed: %+v %v", page, err)
		}
	})
}

// TestEndedReadOnly: once sharing ended, the resident's page offers no
// form to change anything, and a submission anyway is refused with the
// reason, changing nothing.
func TestEndedReadOnly(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		e := newEnv(t, db)
		ctx := context.Background()
		e.seed("alpha")
		act := e.actor(t, "alpha", "dr-sato")
		r, err := e.app.CreateResident(ctx, act, care.ResidentInput{Name: "終了 太郎", Kana: "シュウリョウ", BirthDate: birth})
		if err != nil {
			t.Fatal(err)
		}
		p, err := e.app.CreatePost(ctx, act, r.ID, care.PostInput{Body: "最後の記録"})
		if err != nil {
			t.Fatal(err)
		}
		if err := e.app.EndResident(ctx, act, r.ID, care.EndInput{Date: "2026-11-01", Reason: "death"}); err != nil {
			t.Fatal(err)
		}
		res := "/t/alpha/residents/" + r.ID
		for _, lang := range i18n.Languages {
			T := func(key string, args ...any) string { return html.EscapeString(cat.T(lang, key, args...)) }
			b := e.member(t, "alpha", "dr-sato", lang)
			b.get(res).expect(t, 200, "resident").contains(t, "data-ended", T("end_reason.death"), "最後の記録").
				lacks(t, `action="`+res+`/posts"`, `action="`+res+`/consents"`, `action="`+res+`/team"`, res+"/edit", res+"/end",
					`action="`+res+`/team/leave"`, "/remove")
			b.get(res+"/edit").expect(t, 409, "error").contains(t, T("error.resident_ended"))
			b.get(res+"/end").expect(t, 409, "error")
			b.post(res+"/posts", url.Values{"body": {"追記"}}).expect(t, 409, "resident").contains(t, T("error.resident_ended"))
			b.post(res+"/edit", url.Values{"version": {strconv.Itoa(r.Version + 1)}, "name": {"改名"}, "kana": {"カイメイ"},
				"birth_date": {birth}}).expect(t, 409, "resident_form").contains(t, T("error.resident_ended"), `value="改名"`)
			b.post("/t/alpha/posts/"+p.ID+"/comments", url.Values{"body": {"追記"}}).expect(t, 409, "post").contains(t, T("error.resident_ended"))
			b.get("/t/alpha/residents?ended=1").expect(t, 200, "residents").contains(t, "終了 太郎")
			b.get("/t/alpha/residents").expect(t, 200, "residents").lacks(t, "終了 太郎")
		}
		page, err := e.app.Posts(ctx, act, r.ID, "", 10)
		if err != nil || len(page.Items) != 1 || page.Items[0].CommentCount != 0 {
			t.Errorf("the ended contact book changed: %+v %v", page, err)
		}
	})
}

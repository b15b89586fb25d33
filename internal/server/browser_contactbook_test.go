package server_test

import (
	"context"
	"encoding/json"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/chromedp"

	"github.com/renrakucho/renrakucho/internal/app"
	"github.com/renrakucho/renrakucho/internal/auth"
	"github.com/renrakucho/renrakucho/internal/care"
	"github.com/renrakucho/renrakucho/internal/config"
	"github.com/renrakucho/renrakucho/internal/demo"
	"github.com/renrakucho/renrakucho/internal/i18n"
	"github.com/renrakucho/renrakucho/internal/realtime"
	"github.com/renrakucho/renrakucho/internal/server"
	"github.com/renrakucho/renrakucho/internal/store"
	"github.com/renrakucho/renrakucho/internal/store/storetest"
)

// liveTimeout bounds one wait for something to arrive without a reload.
const liveTimeout = 30 * time.Second

// withHub serves the listeners from an app with the in-process live-event
// hub, as cmd/renrakucho does; start's app has none and drops the events.
func withHub(db *store.DB) option {
	return func(_ *config.Config, d *server.Deps) {
		d.App = app.New(db, auth.NewHasher(cheap, 0), app.Options{CA: d.CA, Log: d.Log, Hub: realtime.NewLocal()})
	}
}

// seedContactBook seeds the demo tenants and their contact books as
// cmd/renrakucho demo does, and returns the demo tenant's doctor and nurse
// and the name of a resident of the doctor's with consent whose care team
// has the nurse.
func seedContactBook(t *testing.T, e *env) (doctor, nurse demo.User, resident string) {
	t.Helper()
	nurse, _ = seedDemo(t, e)
	clock := demo.NewClock()
	a := app.New(e.db.WithClock(clock.Now), auth.NewHasher(cheap, 0), app.Options{CA: e.ca})
	err := demo.SeedContactBook(context.Background(), a, clock, demoPassword, care.Origin{UserAgent: "browser test", Listener: care.AdminListener})
	if err != nil {
		t.Fatalf("demo.SeedContactBook: %v", err)
	}
	i := slices.IndexFunc(demo.Tenants, func(x demo.Tenant) bool { return x.Slug == "demo" })
	j := slices.IndexFunc(demo.Tenants[i].Users, func(u demo.User) bool { return u.Login == "doctor" })
	if j < 0 {
		t.Fatal("no doctor in the demo tenant")
	}
	doctor = demo.Tenants[i].Users[j]
	for _, r := range demo.ContactBooks["demo"].Residents {
		st := demo.Stories[r.Story]
		if st.Owner == doctor.Login && st.Consent != nil && st.End == nil && slices.Contains(st.Team, nurse.Login) {
			return doctor, nurse, r.Name
		}
	}
	t.Fatal("the demo tenant has no resident of the doctor's with consent and the nurse on the team")
	return
}

// waitLive waits until the page's live script has its event stream open.
func (b *browser) waitLive(what string) {
	b.t.Helper()
	b.do(what+": wait for the live connection", chromedp.WaitReady(chromedp.CSS(`[data-live-root][data-live-state="open"]`)))
}

// waitFor waits, without reloading, for an element matching the CSS
// selector, with the class live-new, whose text contains text; it returns
// the element's attribute attr.
func (b *browser) waitFor(what, sel, text, attr string) string {
	b.t.Helper()
	got, err := chromedp.Run(b.ctx, chromedp.PollFunction[string](`(sel, text, attr) => {
		const el = [...document.querySelectorAll(sel)].find(n => n.classList.contains("live-new") && n.textContent.includes(text));
		return el ? el.getAttribute(attr) : "";
	}`, chromedp.WithPollingArgs(sel, text, attr), chromedp.WithPollingTimeout(liveTimeout)))
	if err != nil {
		b.t.Fatalf("%s: %v\npage text:\n%s", what, err, b.text("main"))
	}
	return got
}

// screenshotAt scrolls the element matching the CSS selector to the top
// of the window and writes the window as test-artifacts/screenshots/name.png.
func (b *browser) screenshotAt(name, sel string) {
	b.t.Helper()
	png, err := chromedp.Run(b.ctx, func(ctx context.Context, t *chromedp.Target) ([]byte, error) {
		if _, err := chromedp.Evaluate[bool](`(() => { document.querySelector(`+jsString(sel)+`).scrollIntoView({block: "start"}); return true; })()`)(ctx, t); err != nil {
			return nil, err
		}
		return chromedp.CaptureScreenshot()(ctx, t)
	})
	if err != nil {
		b.t.Fatalf("screenshot %s at %s: %v", name, sel, err)
	}
	if err := os.MkdirAll(screenshotDir, 0o755); err != nil {
		b.t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(screenshotDir, name+".png"), png, 0o644); err != nil {
		b.t.Fatal(err)
	}
}

// TestBrowserLiveContactBook is the contact book's live updates in two
// browsers: the doctor posts a handover, the nurse sees it appear without
// a reload and opens it, the doctor sees the nurse's read receipt and then
// the nurse's reply appear on the post's page.
func TestBrowserLiveContactBook(t *testing.T) {
	cat := i18n.MustLoad()
	ja := func(key string, args ...any) string { return cat.T(i18n.Japanese, key, args...) }
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		e := start(t, db, withHub(db))
		doctor, nurse, resident := seedContactBook(t, e)

		// Two browsers, each with its own profile: two people.
		a := newBrowser(t, "")
		b := newBrowser(t, "")
		for _, x := range []struct {
			b *browser
			u demo.User
		}{{a, doctor}, {b, nurse}} {
			x.b.do("open the login page", chromedp.Navigate(e.userURL+"/t/demo/login"))
			x.b.login(x.u.Login, demoPassword)
			x.b.expectPage("home", "ja", "/t/demo/")
		}

		// The nurse opens the resident's contact book and stays there.
		b.do("open the residents", chromedp.Navigate(e.userURL+"/t/demo/residents"))
		b.expectPage("residents", "ja", "/t/demo/residents")
		href, err := chromedp.Run(b.ctx, chromedp.Evaluate[string](`(() => {
			const a = [...document.querySelectorAll("tr[data-resident-id] th a")].find(a => a.textContent.trim() === `+jsString(resident)+`);
			return a ? a.getAttribute("href") : "";
		})()`))
		if err != nil || !strings.HasPrefix(href, "/t/demo/residents/") {
			t.Fatalf("the nurse's resident list has no link to %s: %q, %v\n%s", resident, href, err, b.text("main"))
		}
		b.do("open the resident", chromedp.Click(chromedp.CSS(`tr[data-resident-id] th a[href="`+href+`"]`)))
		b.expectPage("resident", "ja", href)
		b.waitLive("the nurse's contact book")
		nurseID := b.attr("[data-live-root]", "data-me")
		if nurseID == "" {
			t.Fatal("the live hook does not say who is reading")
		}

		// The doctor writes a handover through the form.
		const (
			body       = "本日の定期訪問で両下肢のむくみが増え、体重が2日で1.8kg増えていました。利尿薬を増量します。"
			planChange = "フロセミド 20mg 朝1回 → 40mg 朝1回に増量（3日間、その後再評価）"
			cautions   = "毎朝の体重測定を続けてください。さらに1kg以上増えたとき、息切れが強いときはクリニックへ連絡を。"
		)
		jst := time.FixedZone("JST", 9*60*60)
		nextVisit := time.Now().In(jst).AddDate(0, 0, 3).Format("2006-01-02")
		a.do("open the resident", chromedp.Navigate(e.userURL+href))
		a.expectPage("resident", "ja", href)
		if got := a.text("h1"); !strings.HasPrefix(got, resident) {
			t.Errorf("resident h1 %q, want %q", got, resident)
		}
		a.do("open the post form", chromedp.Click(chromedp.CSS(`.resident-head a[href$="?compose=1#post-form"]`)))
		a.do("choose the handover template",
			chromedp.WaitVisible(chromedp.CSS(`#post-form nav.tabs a[href$="?template=handover#post-form"]`)),
			chromedp.Click(chromedp.CSS(`#post-form nav.tabs a[href$="?template=handover#post-form"]`)))
		a.expectPage("resident", "ja", href+"?template=handover")
		if got := a.text("#post-form h3"); got != ja("template.handover") {
			t.Errorf("post form heading %q, want %q", got, ja("template.handover"))
		}
		a.do("fill the handover",
			chromedp.WaitVisible(chromedp.CSS("#f-fields-next-visit")),
			chromedp.SetValue(chromedp.CSS("#f-fields-next-visit"), nextVisit),
			chromedp.Click(chromedp.CSS(`input[name="fields.plan_changed"][value="yes"]`)),
			chromedp.SendKeys(chromedp.CSS("#f-fields-plan-change"), planChange),
			chromedp.SendKeys(chromedp.CSS("#f-fields-cautions"), cautions),
			chromedp.SendKeys(chromedp.CSS("#f-body"), body),
			chromedp.SetValue(chromedp.CSS("#f-category"), "report"),
			chromedp.Click(chromedp.CSS(`input[name="importance"][value="important"]`)),
		)
		a.do("post the handover", chromedp.Click(chromedp.CSS(`form.post-form button[type="submit"]`)))
		a.do("wait for the posted notice", chromedp.WaitVisible(chromedp.CSS(`body[data-page="resident"] main .notice`)))
		if got := a.path(); got != href+"?notice=posted" {
			t.Errorf("after posting the doctor is at %s, want %s?notice=posted", got, href)
		}

		// The nurse sees it arrive without a reload.
		postID := b.waitFor("the handover in the nurse's contact book", `[data-live=timeline] > article[data-post-id]`, body, "data-post-id")
		if postID == "" {
			t.Fatal("the new post has no ID")
		}
		b.expectPage("resident", "ja", href)
		item := b.text(`[data-live=timeline] > article[data-post-id="` + postID + `"]`)
		for _, want := range []string{doctor.Name, ja("template.handover"), ja("post.unread"), planChange, cautions} {
			if !strings.Contains(item, want) {
				t.Errorf("the live post lacks %q:\n%s", want, item)
			}
		}
		if first := b.attr(`[data-live=timeline] > article[data-post-id]`, "data-post-id"); first != postID {
			t.Errorf("the live post is not on top: first is %s, want %s", first, postID)
		}
		// The contact book is long: show the window at the timeline.
		b.screenshotAt("live-post-arrived-ja", "#timeline")

		// The doctor watches the post's page; the nurse opens the post.
		postPath := "/t/demo/posts/" + postID
		a.do("open the post", chromedp.Navigate(e.userURL+postPath))
		a.expectPage("post", "ja", postPath)
		a.waitLive("the doctor's post page")
		notRead := `[data-live=reads] [data-not-read="` + nurseID + `"]`
		if n, _ := chromedp.Run(a.ctx, chromedp.Evaluate[int](`document.querySelectorAll(`+jsString(notRead)+`).length`)); n != 1 {
			t.Errorf("before the nurse opens it, the post page lists her %d times as not having read it, want 1", n)
		}
		b.do("open the new post", chromedp.Click(chromedp.CSS(`[data-live=timeline] > article[data-post-id="`+postID+`"] a.post__open`)))
		b.expectPage("post", "ja", postPath)

		a.waitFor("the nurse's read receipt on the doctor's page", `[data-live=reads] [data-read-by]`, nurse.Name, "data-read-by")
		if got := a.attr(`[data-live=reads] [data-read-by].live-new`, "data-read-by"); got != nurseID {
			t.Errorf("new read receipt by %s, want the nurse (%s)", got, nurseID)
		}
		if n, _ := chromedp.Run(a.ctx, chromedp.Evaluate[int](`document.querySelectorAll(`+jsString(notRead)+`).length`)); n != 0 {
			t.Errorf("after reading, the nurse is still listed as not having read the post")
		}
		if got := a.path(); got != postPath {
			t.Errorf("the doctor's page moved to %s", got)
		}
		a.screenshot("live-read-receipt-ja")

		// The nurse replies; the doctor sees the reply arrive.
		const reply = "承知しました。明朝の訪問で体重と下肢のむくみを確認し、こちらに書き込みます。"
		b.do("write a comment",
			chromedp.WaitVisible(chromedp.CSS(`#comment-form textarea[name="body"]`)),
			chromedp.SendKeys(chromedp.CSS(`#comment-form textarea[name="body"]`), reply),
			chromedp.Click(chromedp.CSS(`#comment-form button[type="submit"]`)))
		b.do("wait for the comment on the nurse's page", chromedp.WaitVisible(chromedp.CSS(`[data-live=comments] [data-comment-id]`)))
		a.waitFor("the nurse's comment on the doctor's page", `[data-live=comments] [data-comment-id]`, reply, "data-comment-id")
		if got := a.text(`[data-live=comments] [data-comment-id].live-new`); !strings.Contains(got, nurse.Name) {
			t.Errorf("the live comment %q lacks its author %q", got, nurse.Name)
		}
		if got := a.path(); got != postPath {
			t.Errorf("the doctor's page moved to %s", got)
		}
		a.screenshot("live-comment-ja")
	})
}

// jsString quotes s as a JavaScript string literal.
func jsString(s string) string {
	b, _ := json.Marshal(s)
	return string(b)
}

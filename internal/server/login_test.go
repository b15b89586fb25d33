package server_test

import (
	"context"
	"io"
	"log/slog"
	"net/http"
	"net/url"
	"regexp"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/renrakucho/renrakucho/internal/app"
	"github.com/renrakucho/renrakucho/internal/auth"
	"github.com/renrakucho/renrakucho/internal/care"
	"github.com/renrakucho/renrakucho/internal/config"
	"github.com/renrakucho/renrakucho/internal/mail"
	"github.com/renrakucho/renrakucho/internal/mail/mailtest"
	"github.com/renrakucho/renrakucho/internal/server"
	"github.com/renrakucho/renrakucho/internal/store"
	"github.com/renrakucho/renrakucho/internal/store/storetest"
)

const accountPW = "Hanamizuki-2026-kaze"

// withAccounts serves the listeners from an app with the given options
// (login throttle, public URL).
func withAccounts(db *store.DB, o app.Options) option {
	return func(_ *config.Config, d *server.Deps) {
		o.CA, o.Log = d.CA, d.Log
		d.App = app.New(db, auth.NewHasher(cheap, 0), o)
	}
}

// seedAccounts makes tenant alpha with an admin, a facility admin and a
// nurse with an e-mail address.
func seedAccounts(t *testing.T, a *app.App) (op care.Actor) {
	t.Helper()
	ctx := context.Background()
	o := care.Origin{UserAgent: "test", Listener: care.AdminListener}
	op, err := a.InitOperator(ctx, "root", "運用 太郎", "", accountPW, o)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := a.CreateTenant(ctx, op, care.NewTenant{Slug: "alpha", Name: "アルファ市", AdminLogin: "admin",
		AdminName: "管理 花子", AdminPassword: accountPW}); err != nil {
		t.Fatal(err)
	}
	adm, err := a.TenantAdminActor(ctx, "alpha", "admin", o)
	if err != nil {
		t.Fatal(err)
	}
	f, err := a.CreateFacility(ctx, adm, care.Facility{Kind: "clinic", Name: "みなと在宅クリニック"})
	if err != nil {
		t.Fatal(err)
	}
	for _, u := range []care.UserInput{
		{LoginID: "nurse", Name: "看護 花子", Profession: "nurse", Email: "hanako@example.jp", Role: care.RoleMember},
		{LoginID: "fadmin", Name: "施設 管理", Profession: "doctor", Role: care.RoleFacilityAdmin},
	} {
		u.Facilities, u.Password = []string{f.ID}, accountPW
		if _, err := a.CreateUser(ctx, adm, u); err != nil {
			t.Fatal(err)
		}
	}
	return op
}

var reRequestID = regexp.MustCompile(`"request_id":"[^"]*"`)

// apiLogin logs in through the API; an admin passes the code of their
// second factor as otp.
func apiLogin(t *testing.T, e *env, login, password string, otp ...string) response {
	t.Helper()
	code := ""
	if len(otp) > 0 {
		code = `,"otp":"` + otp[0] + `"`
	}
	body := `{"tenant":"alpha","login_id":"` + login + `","password":"` + password + `"` + code + `}`
	r := do(t, e.user, "POST", e.userURL+"/api/v1/sessions", strings.NewReader(body), "Content-Type", "application/json")
	r.body = reRequestID.ReplaceAllString(r.body, `"request_id":""`)
	return r
}

// TestLoginLockoutHTTP: over HTTP, a real account and an unknown one
// answer 401 four times and then 423 with the same bodies; the right
// password is refused while locked; once the address has spent its
// budget, a login ID that failed answers 429 with Retry-After on the API
// and the page, while a right password for an account without failures
// still logs in.
func TestLoginLockoutHTTP(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		e := start(t, db, withAccounts(db, app.Options{LoginThrottle: 11}))
		op := seedAccounts(t, e.app)
		// The facility admin, as an admin, logs in with a second factor.
		fadminOTP := seedTOTP(t, e, op, "alpha", "fadmin")
		for i := 1; i <= app.DefaultLockoutThreshold; i++ {
			real := apiLogin(t, e, "nurse", "Wrong-password-"+strconv.Itoa(i))
			ghost := apiLogin(t, e, "ghost", "Wrong-password-"+strconv.Itoa(i))
			want := http.StatusUnauthorized
			if i == app.DefaultLockoutThreshold {
				want = http.StatusLocked
			}
			if real.status != want || ghost.status != want {
				t.Fatalf("attempt %d: nurse %d, ghost %d; want %d", i, real.status, ghost.status, want)
			}
			if real.body != ghost.body {
				t.Fatalf("attempt %d: a real account answers unlike an unknown one:\n%s\n%s", i, real.body, ghost.body)
			}
		}
		r := apiLogin(t, e, "nurse", accountPW)
		if r.status != http.StatusLocked || !strings.Contains(r.body, `"code":"locked"`) {
			t.Fatalf("right password while locked: %d %s", r.status, r.body)
		}
		// 11 failures from 127.0.0.1 so far: the budget of 11 is spent.
		if r := apiLogin(t, e, "ghost2", "Wrong-password-1"); r.status != http.StatusUnauthorized {
			t.Fatalf("a login ID without failures from a throttled address: %d, want it checked (401)", r.status)
		}
		r = apiLogin(t, e, "ghost2", "Wrong-password-2")
		secs, err := strconv.Atoi(r.header.Get("Retry-After"))
		if r.status != http.StatusTooManyRequests || err != nil || secs < 1 || secs > int(app.ThrottleWindow/time.Second) {
			t.Fatalf("throttled: %d, Retry-After %q, %s", r.status, r.header.Get("Retry-After"), r.body)
		}
		page := do(t, e.user, "POST", e.userURL+"/t/alpha/login", strings.NewReader(url.Values{"login_id": {"ghost2"}, "password": {"x"}}.Encode()),
			"Content-Type", "application/x-www-form-urlencoded")
		if page.status != http.StatusTooManyRequests || page.header.Get("Retry-After") == "" || !strings.Contains(page.body, `name="login_id"`) {
			t.Fatalf("throttled page: %d, Retry-After %q", page.status, page.header.Get("Retry-After"))
		}
		if r := apiLogin(t, e, "fadmin", accountPW, fadminOTP.nextCode(t)); r.status != http.StatusCreated {
			t.Fatalf("a right password from the throttled address: %d %s", r.status, r.body)
		}
	})
}

var reResetLink = regexp.MustCompile(`https://care\.example\.jp(/t/alpha/password/reset/[A-Za-z0-9_-]{43})`)

// TestPasswordResetMail: "forgot password" on the page queues a mail that
// the worker delivers over STARTTLS to a real SMTP server; the link works
// once, not twice, and not after 30 minutes; it ends the user's sessions.
func TestPasswordResetMail(t *testing.T) {
	for _, engine := range storetest.Engines {
		t.Run(engine, func(t *testing.T) {
			ctx, cancel := context.WithCancel(context.Background())
			defer cancel()
			clock := storetest.NewClock(time.Now().UTC())
			db := storetest.Open(t, engine, clock.Now)
			e := start(t, db, withAccounts(db, app.Options{PublicURL: "https://care.example.jp"}))
			seedAccounts(t, e.app)
			smtp := mailtest.Start(t, mailtest.Options{})
			snd, err := mail.NewSender(mail.Config{Host: smtp.Host, Port: smtp.Port, From: "連絡帳 <renrakucho@example.jp>",
				RequireTLS: true, TLS: smtp.Roots})
			if err != nil {
				t.Fatal(err)
			}
			done := make(chan struct{})
			go func() {
				defer close(done)
				(&mail.Worker{DB: db, Sender: snd, Log: slog.New(slog.NewTextHandler(io.Discard, nil)), Every: 20 * time.Millisecond}).Run(ctx)
			}()
			defer func() { cancel(); <-done }()

			old := apiLogin(t, e, "nurse", accountPW)
			if old.status != http.StatusCreated {
				t.Fatalf("login: %d", old.status)
			}
			forgot := func(who string) response {
				return do(t, e.user, "POST", e.userURL+"/t/alpha/password/forgot", strings.NewReader(url.Values{"who": {who}}.Encode()),
					"Content-Type", "application/x-www-form-urlencoded")
			}
			if r := forgot("nurse"); r.status != http.StatusSeeOther || !strings.HasSuffix(r.header.Get("Location"), "/password/forgot?sent=1") {
				t.Fatalf("forgot: %d %q", r.status, r.header.Get("Location"))
			}
			m := smtp.Wait(t, 1, 10*time.Second)
			if !m.TLS || m.To[0] != "hanako@example.jp" || strings.Contains(m.Body, accountPW) {
				t.Fatalf("mail TLS %v to %v", m.TLS, m.To)
			}
			link := reResetLink.FindStringSubmatch(m.Body)
			if link == nil {
				t.Fatalf("no reset link in %q", m.Body)
			}
			if r := do(t, e.user, "GET", e.userURL+link[1], nil); r.status != 200 || !strings.Contains(r.body, `name="password_confirm"`) {
				t.Fatalf("the link's page: %d", r.status)
			}
			const newPW = "Kq7-xZp-Wm3vT-9"
			set := func(pw string) response {
				return do(t, e.user, "POST", e.userURL+link[1], strings.NewReader(url.Values{"password": {pw}, "password_confirm": {pw}}.Encode()),
					"Content-Type", "application/x-www-form-urlencoded")
			}
			if r := set("short-1"); r.status != http.StatusUnprocessableEntity {
				t.Fatalf("a short password through the link: %d", r.status)
			}
			if r := set(newPW); r.status != http.StatusSeeOther || !strings.Contains(r.header.Get("Location"), "notice=login_password_reset") {
				t.Fatalf("first use: %d %q", r.status, r.header.Get("Location"))
			}
			if r := set(newPW + "x"); r.status != http.StatusNotFound {
				t.Fatalf("second use: %d", r.status)
			}
			if r := apiLogin(t, e, "nurse", newPW); r.status != http.StatusCreated {
				t.Fatalf("login with the new password: %d", r.status)
			}
			if r := apiLogin(t, e, "nurse", accountPW); r.status != http.StatusUnauthorized {
				t.Fatalf("login with the old password: %d", r.status)
			}
			cookie := old.header.Get("Set-Cookie")
			if r := do(t, e.user, "GET", e.userURL+"/api/v1/me", nil, "Cookie", strings.SplitN(cookie, ";", 2)[0]); r.status != http.StatusUnauthorized {
				t.Fatalf("a session from before the reset: %d", r.status)
			}
			// A new link, used after 30 minutes.
			forgot("hanako@example.jp")
			m2 := smtp.Wait(t, 2, 10*time.Second)
			link2 := reResetLink.FindStringSubmatch(m2.Body)
			if link2 == nil {
				t.Fatal("no link in the second mail")
			}
			clock.Advance(app.ResetValidity)
			if r := do(t, e.user, "GET", e.userURL+link2[1], nil); r.status != http.StatusNotFound {
				t.Fatalf("an expired link: %d", r.status)
			}
			// Nothing is mailed for an unknown account, and the answer is the same.
			if r := forgot("nobody"); r.status != http.StatusSeeOther {
				t.Fatalf("forgot for nobody: %d", r.status)
			}
			time.Sleep(200 * time.Millisecond)
			if n := len(smtp.Messages()); n != 2 {
				t.Fatalf("%d mails, want 2", n)
			}
		})
	}
}

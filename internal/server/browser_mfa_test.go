package server_test

import (
	"context"
	"encoding/base32"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/cdproto/webauthn"
	"github.com/chromedp/chromedp"

	"github.com/renrakucho/renrakucho/internal/auth"
	"github.com/renrakucho/renrakucho/internal/care"
	"github.com/renrakucho/renrakucho/internal/i18n"
	"github.com/renrakucho/renrakucho/internal/store"
	"github.com/renrakucho/renrakucho/internal/store/storetest"
)

// enrolTOTP answers the enrolment step of a login as a person with an
// authenticator app does: it reads the secret off the page, types the
// current code, keeps the recovery codes and goes on to home. It returns
// the secret. shot prefixes the screenshots' names.
func (b *browser) enrolTOTP(shot, home string) []byte {
	b.t.Helper()
	b.do("wait for the enrolment page", chromedp.WaitVisible(chromedp.CSS(`body[data-page="enrol"]`)))
	if src := b.attr("img.qr", "src"); !strings.HasPrefix(src, "data:image/png;base64,") {
		b.t.Errorf("QR code src %.40q", src)
	}
	b.screenshot(shot + "totp-enrol-ja")
	secret, err := base32.StdEncoding.WithPadding(base32.NoPadding).DecodeString(b.text("#totp-secret"))
	if err != nil {
		b.t.Fatalf("secret on the page: %v", err)
	}
	code, err := auth.TOTPCode(secret, time.Now())
	if err != nil {
		b.t.Fatal(err)
	}
	b.do("confirm the first code",
		chromedp.SendKeys(chromedp.CSS("#f-code"), code),
		chromedp.Click(chromedp.CSS(`#totp form button[type="submit"]`)))
	b.do("wait for the recovery codes", chromedp.WaitVisible(chromedp.CSS(`body[data-page="recovery"]`)))
	if codes := strings.Fields(b.text("#recovery-codes")); len(codes) != auth.RecoveryCodeCount {
		b.t.Errorf("recovery codes %v", codes)
	}
	b.screenshot(shot + "totp-recovery-ja")
	b.do("continue", chromedp.Click(chromedp.CSS("#recovery-continue")))
	b.do("wait for home", chromedp.WaitVisible(chromedp.CSS(`body[data-page]:not([data-page="recovery"])`)))
	if got := b.path(); got != home {
		b.t.Errorf("after enrolment at %s, want %s", got, home)
	}
	return secret
}

// TestBrowserTOTP: a tenant requires a second factor of everyone; the
// member is walked through TOTP enrolment at the next login, then logs in
// with a code and sees their sessions and factors.
func TestBrowserTOTP(t *testing.T) {
	cat := i18n.MustLoad()
	ja := func(key string, args ...any) string { return cat.T(i18n.Japanese, key, args...) }
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		e := start(t, db)
		nurse, _ := seedDemo(t, e)
		ctx := context.Background()
		ta, err := e.app.TenantAdminActor(ctx, "demo", "admin", care.Origin{Listener: care.AdminListener})
		if err != nil {
			t.Fatal(err)
		}
		s, err := e.app.TenantSettings(ctx, ta)
		if err != nil {
			t.Fatal(err)
		}
		s.FactorRequired = true
		if _, err := e.app.UpdateTenantSettings(ctx, ta, s); err != nil {
			t.Fatal(err)
		}
		b := newBrowser(t, "")
		b.do("open the login page", chromedp.Navigate(e.userURL+"/t/demo/login"))
		b.login(nurse.Login, demoPassword)
		if got := b.text("main .notice"); got != ja("mfa.enrol.required_tenant") {
			t.Errorf("enrolment notice %q", got)
		}
		secret := b.enrolTOTP("member-", "/t/demo/")

		b.do("log out", chromedp.Click(chromedp.CSS(`header form[action="/t/demo/logout"] button`)))
		b.expectPage("login", "ja", "/t/demo/login?notice=logged_out")
		b.login(nurse.Login, demoPassword)
		b.expectPage("factor", "ja", "/t/demo/login/factor")
		b.screenshot("member-totp-factor-ja")
		// The enrolment used this step's code; the next one is within the
		// allowed drift.
		code, err := auth.TOTPCode(secret, time.Now().Add(auth.TOTPPeriod))
		if err != nil {
			t.Fatal(err)
		}
		b.do("enter the code",
			chromedp.SendKeys(chromedp.CSS("#f-code"), code),
			chromedp.Click(chromedp.CSS(`main form[action="/t/demo/login/factor"] button[type="submit"]`)))
		b.expectPage("home", "ja", "/t/demo/")

		b.do("open the sessions page", chromedp.Navigate(e.userURL+"/t/demo/account/sessions"))
		b.expectPage("sessions", "ja", "/t/demo/account/sessions")
		if got := b.text("#sessions"); !strings.Contains(got, ja("mfa.sessions.current")) || !strings.Contains(got, "Chromium") {
			t.Errorf("sessions table:\n%s", got)
		}
		b.screenshot("member-sessions-ja")
		b.do("open the factors page", chromedp.Navigate(e.userURL+"/t/demo/account/factors"))
		b.expectPage("factors", "ja", "/t/demo/account/factors")
		if got := b.text("#totp-state"); !strings.Contains(got, ja("mfa.factors.recovery_left", 10)) {
			t.Errorf("TOTP state %q", got)
		}
		b.screenshot("member-factors-ja")
	})
}

// TestBrowserPasskey: a member adds a passkey (Chromium's virtual
// authenticator: CTAP2, internal, resident keys, user verification) and
// then signs in with it as the second factor. WebAuthn needs a host name,
// so the browser uses localhost, the relying party ID.
func TestBrowserPasskey(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		e := start(t, db)
		nurse, _ := seedDemo(t, e)
		base := strings.Replace(e.userURL, "127.0.0.1", "localhost", 1)
		b := newBrowser(t, "")
		if _, err := chromedp.Call(b.ctx, webauthn.Enable, webauthn.EnableParams{}); err != nil {
			t.Fatalf("enable WebAuthn: %v", err)
		}
		if _, err := chromedp.Call(b.ctx, webauthn.AddVirtualAuthenticator, webauthn.AddVirtualAuthenticatorParams{
			Options: &webauthn.VirtualAuthenticatorOptions{Protocol: webauthn.AuthenticatorProtocolCtap2,
				Transport: webauthn.AuthenticatorTransportInternal, HasResidentKey: true, HasUserVerification: true,
				IsUserVerified: true, AutomaticPresenceSimulation: true}}); err != nil {
			t.Fatalf("add the virtual authenticator: %v", err)
		}
		b.do("open the login page", chromedp.Navigate(base+"/t/demo/login"))
		b.login(nurse.Login, demoPassword)
		b.expectPage("home", "ja", "/t/demo/")

		b.do("open the enrolment page", chromedp.Navigate(base+"/t/demo/account/factors/totp"))
		b.expectPage("enrol", "ja", "/t/demo/account/factors/totp")
		b.do("name and add the passkey",
			chromedp.WaitVisible(chromedp.CSS(`section[data-passkey="register"] .passkey-start`)),
			chromedp.SendKeys(chromedp.CSS("#passkey-name"), "仕事用タブレット"),
			chromedp.Click(chromedp.CSS(`section[data-passkey="register"] .passkey-start`)))
		b.expectPage("factors", "ja", "/t/demo/account/factors?notice=passkey_added")
		if got := b.text("main table"); !strings.Contains(got, "仕事用タブレット") {
			t.Errorf("passkeys table:\n%s", got)
		}
		b.screenshot("member-passkey-added-ja")

		b.do("log out", chromedp.Click(chromedp.CSS(`header form[action="/t/demo/logout"] button`)))
		b.expectPage("login", "ja", "/t/demo/login?notice=logged_out")
		b.login(nurse.Login, demoPassword)
		b.expectPage("factor", "ja", "/t/demo/login/factor")
		b.do("wait for the passkey button", chromedp.WaitVisible(chromedp.CSS(`section[data-passkey="login"] .passkey-start`)))
		b.screenshot("member-passkey-factor-ja")
		b.do("sign in with the passkey", chromedp.Click(chromedp.CSS(`section[data-passkey="login"] .passkey-start`)))
		b.expectPage("home", "ja", "/t/demo/")
		b.screenshot("member-passkey-home-ja")
	})
}

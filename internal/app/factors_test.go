package app_test

import (
	"context"
	"testing"
	"time"

	"github.com/renrakucho/renrakucho/internal/app"
	"github.com/renrakucho/renrakucho/internal/audit"
	"github.com/renrakucho/renrakucho/internal/auth"
	"github.com/renrakucho/renrakucho/internal/care"
	"github.com/renrakucho/renrakucho/internal/pki"
	"github.com/renrakucho/renrakucho/internal/store"
)

// enrolTOTP takes a pending or full actor through TOTP enrolment and
// returns the secret, the recovery codes and the rotated session.
func enrolTOTP(t *testing.T, f *fixture, act care.Actor) ([]byte, app.Enrolled) {
	t.Helper()
	ctx := context.Background()
	e, err := f.app.BeginTOTP(ctx, act)
	if err != nil {
		t.Fatalf("begin totp: %v", err)
	}
	again, err := f.app.BeginTOTP(ctx, act)
	if err != nil || again.Base32 != e.Base32 {
		t.Fatalf("the page shown again must keep the secret: %v", err)
	}
	code, _ := auth.TOTPCode(e.Secret, f.clock.Now())
	out, err := f.app.ConfirmTOTP(ctx, act, code)
	if err != nil {
		t.Fatalf("confirm totp: %v", err)
	}
	return e.Secret, out
}

// nextCode moves the clock to a new time step and returns its code.
func nextCode(t *testing.T, f *fixture, secret []byte) string {
	t.Helper()
	f.clock.Advance(auth.TOTPPeriod)
	code, err := auth.TOTPCode(secret, f.clock.Now())
	if err != nil {
		t.Fatal(err)
	}
	return code
}

func TestSecondFactorPolicy(t *testing.T) {
	each(t, func(t *testing.T, f *fixture) {
		ctx := context.Background()
		adminCert, err := f.app.IssueClientCert(ctx, f.op, "alpha", "admin")
		if err != nil {
			t.Fatal(err)
		}
		fp := pki.Fingerprint(adminCert.Cert)
		adminCreds := app.Credentials{Tenant: "alpha", LoginID: "admin", Password: pw, Origin: adminO, CertFingerprint: fp}
		var secret []byte

		t.Run("AdminWithoutFactorMustEnrol", func(t *testing.T) {
			tok, act, err := f.app.Login(ctx, adminCreds)
			if err != nil || act.Stage != store.StageEnrol {
				t.Fatalf("login: stage %q, %v", act.Stage, err)
			}
			// The pending token is good for nothing but the enrolment.
			if _, err := f.app.Authenticate(ctx, tok, adminO, fp); care.ErrorCode(err) != care.EUnauthorized {
				t.Fatalf("pending token authenticated: %v", err)
			}
			pending, err := f.app.PendingLogin(ctx, tok, adminO, fp)
			if err != nil || pending.Stage != store.StageEnrol {
				t.Fatalf("pending login: %+v %v", pending, err)
			}
			if _, _, err := f.app.VerifyFactor(ctx, pending, "123456"); care.ErrorCode(err) != care.EUnauthorized {
				t.Fatalf("a code at the enrolment step: %v", err)
			}
			var out app.Enrolled
			secret, out = enrolTOTP(t, f, pending)
			if len(out.RecoveryCodes) != auth.RecoveryCodeCount || out.Token == tok || out.Actor.Stage != "" {
				t.Fatalf("enrolled: %d codes, new token %v, stage %q", len(out.RecoveryCodes), out.Token != tok, out.Actor.Stage)
			}
			if _, err := f.app.Authenticate(ctx, out.Token, adminO, fp); err != nil {
				t.Fatalf("the rotated token: %v", err)
			}
			if _, err := f.app.PendingLogin(ctx, tok, adminO, fp); care.ErrorCode(err) != care.EUnauthorized {
				t.Fatalf("the pending token outlived the enrolment: %v", err)
			}
		})
		t.Run("OKCode", func(t *testing.T) {
			tok, act, err := f.app.Login(ctx, adminCreds)
			if err != nil || act.Stage != store.StageFactor {
				t.Fatalf("login: stage %q, %v", act.Stage, err)
			}
			code := nextCode(t, f, secret)
			full, _, err := f.app.VerifyFactor(ctx, act, code)
			if err != nil || full == tok {
				t.Fatalf("verify: %v (token rotated %v)", err, full != tok)
			}
			if _, err := f.app.Authenticate(ctx, tok, adminO, fp); care.ErrorCode(err) != care.EUnauthorized {
				t.Errorf("the pending token became a full one: %v", err)
			}
			// The same code again: refused, and that pending login is over.
			_, act2, _ := f.app.Login(ctx, adminCreds)
			if _, _, err := f.app.VerifyFactor(ctx, act2, code); care.ErrorCode(err) != care.EUnauthorized {
				t.Fatalf("a replayed code: %v", err)
			}
			if _, _, err := f.app.VerifyFactor(ctx, act2, nextCode(t, f, secret)); err == nil {
				t.Fatal("a pending login survived a wrong code")
			}
		})
		t.Run("OKRecoveryCodeOnce", func(t *testing.T) {
			_, act, _ := f.app.Login(ctx, adminCreds)
			codes, err := f.app.NewRecoveryCodes(ctx, act)
			if care.ErrorCode(err) != care.EUnauthorized || codes != nil {
				t.Fatalf("recovery codes for a pending login: %v", err)
			}
			tok, full, err := f.app.VerifyFactor(ctx, act, nextCode(t, f, secret))
			if err != nil {
				t.Fatal(err)
			}
			full, err = f.app.Authenticate(ctx, tok, adminO, fp)
			if err != nil {
				t.Fatal(err)
			}
			if codes, err = f.app.NewRecoveryCodes(ctx, full); err != nil || len(codes) != auth.RecoveryCodeCount {
				t.Fatalf("new codes: %v", err)
			}
			_, act, _ = f.app.Login(ctx, adminCreds)
			if _, _, err := f.app.VerifyFactor(ctx, act, " "+codes[3]+" "); err != nil {
				t.Fatalf("recovery code: %v", err)
			}
			_, act, _ = f.app.Login(ctx, adminCreds)
			if _, _, err := f.app.VerifyFactor(ctx, act, codes[3]); care.ErrorCode(err) != care.EUnauthorized {
				t.Fatalf("a recovery code used twice: %v", err)
			}
			st, err := f.app.Factors(ctx, full)
			if err != nil || st.RecoveryLeft != auth.RecoveryCodeCount-1 || !st.TOTP || !st.Required {
				t.Fatalf("state %+v %v", st, err)
			}
			if err := f.app.RemoveFactor(ctx, full, "totp", ""); care.ErrorCode(err) != care.EConflict {
				t.Fatalf("removing an admin's last factor: %v", err)
			}
		})
		t.Run("ErrFailuresAudited", func(t *testing.T) {
			es, err := f.app.Audit(ctx, f.admin["alpha"], app.AuditFilter{Action: string(audit.LoginFactorBad)})
			if err != nil || len(es) < 2 {
				t.Fatalf("factor failures audited: %d %v", len(es), err)
			}
		})
		t.Run("TenantRequiresEveryone", func(t *testing.T) {
			memberCreds := app.Credentials{Tenant: "alpha", LoginID: "nurse", Password: pw, Origin: userO}
			if _, act, err := f.app.Login(ctx, memberCreds); err != nil || act.Stage != "" {
				t.Fatalf("member before the setting: stage %q %v", act.Stage, err)
			}
			if _, err := f.app.UpdateTenantSettings(ctx, f.admin["alpha"], app.Settings{EndedRetentionYears: 5,
				IdleMinutes: 15, FactorRequired: true}); err != nil {
				t.Fatal(err)
			}
			_, act, err := f.app.Login(ctx, memberCreds)
			if err != nil || act.Stage != store.StageEnrol {
				t.Fatalf("member after the setting: stage %q %v", act.Stage, err)
			}
			// Beta is unaffected.
			if _, act, err := f.app.Login(ctx, app.Credentials{Tenant: "beta", LoginID: "nurse", Password: pw, Origin: userO}); err != nil || act.Stage != "" {
				t.Fatalf("beta's member: stage %q %v", act.Stage, err)
			}
			memberSecret, out := enrolTOTP(t, f, act)
			if err := f.app.RemoveFactor(ctx, out.Actor, "totp", ""); care.ErrorCode(err) != care.EConflict {
				t.Fatalf("removing the last factor while required: %v", err)
			}
			_, act, _ = f.app.Login(ctx, memberCreds)
			if act.Stage != store.StageFactor {
				t.Fatalf("stage %q", act.Stage)
			}
			if _, _, err := f.app.VerifyFactor(ctx, act, nextCode(t, f, memberSecret)); err != nil {
				t.Fatal(err)
			}

			// Recovery by an admin: the factors go, the sessions end, and
			// the next login walks the member through enrolment again.
			if err := f.app.ResetFactors(ctx, f.fadmin["beta"], f.member["alpha"].ID); care.ErrorCode(err) == "" {
				t.Fatal("another tenant's facility admin reset alpha's member")
			}
			if err := f.app.ResetFactors(ctx, f.fadmin["alpha"], f.member["alpha"].ID); err != nil {
				t.Fatalf("facility admin reset: %v", err)
			}
			if _, err := f.app.Authenticate(ctx, out.Token, userO, ""); care.ErrorCode(err) != care.EUnauthorized {
				t.Fatalf("a session outlived the reset: %v", err)
			}
			if _, act, _ = f.app.Login(ctx, memberCreds); act.Stage != store.StageEnrol {
				t.Fatalf("after the reset: stage %q", act.Stage)
			}
			if err := f.app.ResetFactors(ctx, f.fadmin["alpha"], f.admin["alpha"].UserID); care.ErrorCode(err) != care.ENotFound {
				t.Fatalf("facility admin resetting the tenant admin: %v", err)
			}
			es, err := f.app.Audit(ctx, f.admin["alpha"], app.AuditFilter{Action: string(audit.FactorReset)})
			if err != nil || len(es) != 1 || es[0].ActorID != f.fadmin["alpha"].UserID {
				t.Fatalf("reset audit %+v %v", es, err)
			}
		})
		t.Run("OperatorToo", func(t *testing.T) {
			opCert, err := f.app.IssueClientCert(ctx, f.op, "", "operator")
			if err != nil {
				t.Fatal(err)
			}
			creds := app.Credentials{LoginID: "operator", Password: pw, Origin: adminO, CertFingerprint: pki.Fingerprint(opCert.Cert)}
			secret, err := f.app.SeedTOTP(ctx, f.op, "", "operator")
			if err != nil {
				t.Fatal(err)
			}
			if again, _ := f.app.SeedTOTP(ctx, f.op, "", "operator"); string(again) != string(secret) {
				t.Fatal("seeding again changed the secret")
			}
			_, act, err := f.app.Login(ctx, creds)
			if err != nil || act.Stage != store.StageFactor {
				t.Fatalf("operator: stage %q %v", act.Stage, err)
			}
			tok, _, err := f.app.VerifyFactor(ctx, act, nextCode(t, f, secret))
			if err != nil {
				t.Fatal(err)
			}
			if _, err := f.app.Authenticate(ctx, tok, adminO, pki.Fingerprint(opCert.Cert)); err != nil {
				t.Fatal(err)
			}
		})
	})
}

func TestSessions(t *testing.T) {
	each(t, func(t *testing.T, f *fixture) {
		ctx := context.Background()
		creds := app.Credentials{Tenant: "alpha", LoginID: "nurse", Password: pw, Origin: userO}
		login := func() (string, care.Actor) {
			t.Helper()
			tok, _, err := f.app.Login(ctx, creds)
			if err != nil {
				t.Fatal(err)
			}
			act, err := f.app.Authenticate(ctx, tok, userO, "")
			if err != nil {
				t.Fatal(err)
			}
			return tok, act
		}
		refused := func(what, tok string) {
			t.Helper()
			if _, err := f.app.Authenticate(ctx, tok, userO, ""); care.ErrorCode(err) != care.EUnauthorized {
				t.Errorf("%s: an old token still works: %v", what, err)
			}
		}
		t.Run("IdleTimeoutPerTenant", func(t *testing.T) {
			tok, _ := login()
			f.clock.Advance(14 * time.Minute)
			if _, err := f.app.Authenticate(ctx, tok, userO, ""); err != nil {
				t.Fatalf("14 minutes idle: %v", err)
			}
			if _, err := f.app.UpdateTenantSettings(ctx, f.admin["alpha"], app.Settings{EndedRetentionYears: 5, IdleMinutes: 5}); err != nil {
				t.Fatal(err)
			}
			f.clock.Advance(5 * time.Minute)
			refused("5 minutes idle under a 5-minute setting", tok)
			// 0 keeps the stored value (a caller that predates the setting);
			// nothing turns the timeout off.
			if s, err := f.app.UpdateTenantSettings(ctx, f.admin["alpha"], app.Settings{EndedRetentionYears: 5}); err != nil || s.IdleMinutes != 5 {
				t.Errorf("idle left out: %d %v", s.IdleMinutes, err)
			}
			for _, bad := range []int{-1, 61} {
				_, err := f.app.UpdateTenantSettings(ctx, f.admin["alpha"], app.Settings{EndedRetentionYears: 5, IdleMinutes: bad})
				if care.ErrorCode(err) != care.EInvalid {
					t.Errorf("idle %d: %v", bad, err)
				}
			}
		})
		t.Run("AbsoluteTimeout", func(t *testing.T) {
			tok, _ := login()
			for range 12*60/4 + 1 { // active every 4 minutes, for 12 hours
				f.clock.Advance(4 * time.Minute)
				if _, err := f.app.Authenticate(ctx, tok, userO, ""); err != nil {
					break
				}
			}
			refused("after 12 hours", tok)
		})
		t.Run("ListAndRevoke", func(t *testing.T) {
			tok1, act1 := login()
			tok2, _ := login()
			ss, err := f.app.MySessions(ctx, act1)
			if err != nil || len(ss) != 2 {
				t.Fatalf("sessions %+v %v", ss, err)
			}
			var other string
			for _, s := range ss {
				if !s.Current {
					other = s.ID
				}
				if s.Device != "test" || s.IP != "192.0.2.1" {
					t.Errorf("session %+v", s)
				}
			}
			// Another user's actor cannot end it.
			if err := f.app.RevokeSession(ctx, f.admin["alpha"], other); care.ErrorCode(err) != care.EUnauthorized &&
				care.ErrorCode(err) != care.ENotFound {
				t.Fatalf("another user revoked it: %v", err)
			}
			if err := f.app.RevokeSession(ctx, act1, other); err != nil {
				t.Fatal(err)
			}
			refused("revoked", tok2)
			if err := f.app.Logout(ctx, act1); err != nil {
				t.Fatal(err)
			}
			refused("logged out", tok1)
		})
		t.Run("SignOutEverywhereAndDeactivation", func(t *testing.T) {
			tok1, _ := login()
			if err := f.app.SignOutEverywhere(ctx, f.admin["beta"], f.member["alpha"].ID); care.ErrorCode(err) != care.ENotFound {
				t.Fatalf("beta's admin: %v", err)
			}
			if err := f.app.SignOutEverywhere(ctx, f.admin["alpha"], f.member["alpha"].ID); err != nil {
				t.Fatal(err)
			}
			refused("signed out everywhere", tok1)
			tok2, _ := login()
			m := f.member["alpha"]
			if _, err := f.app.UpdateUser(ctx, f.admin["alpha"], m.ID, app.UserUpdate{UserInput: care.UserInput{Name: m.Name,
				Kana: m.Kana, Profession: m.Profession, Role: m.Role, Facilities: m.Facilities}, Active: false}); err != nil {
				t.Fatal(err)
			}
			refused("deactivated", tok2)
		})
	})
}

func TestDevice(t *testing.T) {
	for ua, want := range map[string]string{
		"Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/131.0 Safari/537.36":               "Chrome / Windows",
		"Mozilla/5.0 (iPhone; CPU iPhone OS 17_0 like Mac OS X) AppleWebKit/605.1.15 (KHTML, like Gecko) Version/17.0 Safari/604.1": "Safari / iPhone",
		"Mozilla/5.0 (X11; Linux x86_64; rv:128.0) Gecko/20100101 Firefox/128.0":                                                    "Firefox / Linux",
		"curl/8.5.0": "curl",
		"":           "?",
	} {
		if got := app.Device(ua); got != want {
			t.Errorf("Device(%q) = %q, want %q", ua, got, want)
		}
	}
}

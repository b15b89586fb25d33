package app_test

import (
	"context"
	"regexp"
	"testing"
	"time"

	"github.com/renrakucho/renrakucho/internal/app"
	"github.com/renrakucho/renrakucho/internal/audit"
	"github.com/renrakucho/renrakucho/internal/care"
	"github.com/renrakucho/renrakucho/internal/store"
)

const newPW = "Kq7-xZp-Wm3vT-9"

func loginNurse(t *testing.T, f *fixture, password string) (string, care.Actor) {
	t.Helper()
	tok, act, err := f.app.Login(context.Background(), app.Credentials{Tenant: "alpha", LoginID: "nurse", Password: password, Origin: userO})
	if err != nil {
		t.Fatalf("login with %q: %v", password, err)
	}
	return tok, act
}

func fieldKey(err error, field string) string {
	for _, fe := range care.AsError(err).Fields {
		if fe.Field == field {
			return fe.Key
		}
	}
	return ""
}

func TestChangePassword(t *testing.T) {
	each(t, func(t *testing.T, f *fixture) {
		ctx := context.Background()
		tok1, act := loginNurse(t, f, pw)
		tok2, _ := loginNurse(t, f, pw)
		t.Run("ErrCurrent", func(t *testing.T) {
			err := f.app.ChangePassword(ctx, act, pw+"x", newPW)
			if fieldKey(err, "current_password") != "login.error_current_password" {
				t.Fatalf("wrong current password: %v", err)
			}
		})
		t.Run("ErrPolicy", func(t *testing.T) {
			for pwNew, key := range map[string]string{
				"short-1": "error.password_short", "xx-nurse-2026-xx": "error.password_personal",
				"iloveyou2026!!": "login.error_password_common", "Kq7-xZp-1985/04/12": "login.error_password_date",
			} {
				if got := fieldKey(f.app.ChangePassword(ctx, act, pw, pwNew), "password"); got != key {
					t.Errorf("%q: %q, want %q", pwNew, got, key)
				}
			}
		})
		t.Run("OK", func(t *testing.T) {
			if err := f.app.ChangePassword(ctx, act, pw, newPW); err != nil {
				t.Fatal(err)
			}
			if _, err := f.app.Authenticate(ctx, tok1, userO, ""); err != nil {
				t.Fatalf("the session that changed the password ended: %v", err)
			}
			if _, err := f.app.Authenticate(ctx, tok2, userO, ""); err == nil {
				t.Fatal("another session survived the change")
			}
			loginNurse(t, f, newPW)
			if _, _, err := f.app.Login(ctx, app.Credentials{Tenant: "alpha", LoginID: "nurse", Password: pw, Origin: userO}); err == nil {
				t.Fatal("the old password still works")
			}
			es, _ := f.app.Audit(ctx, f.admin["alpha"], app.AuditFilter{Action: string(audit.PasswordChange)})
			if len(es) != 1 || es[0].ActorID != act.UserID {
				t.Fatalf("audit %+v", es)
			}
		})
	})
}

func TestReissuePassword(t *testing.T) {
	each(t, func(t *testing.T, f *fixture) {
		ctx := context.Background()
		nurse := f.member["alpha"]
		old, _ := loginNurse(t, f, pw)
		t.Run("ErrOtherTenant", func(t *testing.T) {
			if _, err := f.app.ReissuePassword(ctx, f.admin["beta"], nurse.ID); code(err) != care.ENotFound {
				t.Fatalf("beta's admin: %v", err)
			}
		})
		t.Run("ErrSelf", func(t *testing.T) {
			if _, err := f.app.ReissuePassword(ctx, f.admin["alpha"], f.admin["alpha"].UserID); code(err) != care.EConflict {
				t.Fatalf("own password: %v", err)
			}
		})
		temp, err := f.app.ReissuePassword(ctx, f.fadmin["alpha"], nurse.ID)
		if err != nil {
			t.Fatal(err)
		}
		if !regexp.MustCompile(`^[a-zA-Z2-9]{4}(-[a-zA-Z2-9]{4}){3}$`).MatchString(temp) {
			t.Fatalf("temporary password %q", temp)
		}
		if _, err := f.app.Authenticate(ctx, old, userO, ""); err == nil {
			t.Fatal("a session survived the reissue")
		}
		tok, act := loginNurse(t, f, temp)
		if !act.MustChangePassword {
			t.Fatal("login with the temporary password does not demand a change")
		}
		if a, _ := f.app.Authenticate(ctx, tok, userO, ""); !a.MustChangePassword {
			t.Fatal("the session does not carry the forced change")
		}
		if err := f.app.ChangePassword(ctx, act, temp, newPW); err != nil {
			t.Fatal(err)
		}
		if a, _ := f.app.Authenticate(ctx, tok, userO, ""); a.MustChangePassword {
			t.Fatal("still forced after the change")
		}
		es, _ := f.app.Audit(ctx, f.admin["alpha"], app.AuditFilter{Action: string(audit.PasswordReissue)})
		if len(es) != 1 || es[0].TargetID != nurse.ID || es[0].Detail != "" {
			t.Fatalf("audit %+v", es)
		}
	})
}

// mailedLink is the reset link of the newest mail in the outbox.
func mailedLink(t *testing.T, f *fixture) (string, int) {
	t.Helper()
	var ms []store.Mail
	var body string
	err := f.db.Platform(context.Background(), func(ptx *store.PlatformTx) error {
		var err error
		ms, err = ptx.Outbox(context.Background(), 100)
		if err != nil || len(ms) == 0 {
			return err
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	if len(ms) == 0 {
		return "", 0
	}
	// Outbox leaves bodies out; claim the newest to read it.
	err = f.db.Platform(context.Background(), func(ptx *store.PlatformTx) error {
		claimed, err := ptx.ClaimMail(context.Background(), 100, 12, time.Minute)
		for _, m := range claimed {
			if m.ID == ms[0].ID {
				body = m.Body
			}
		}
		return err
	})
	if err != nil {
		t.Fatal(err)
	}
	m := regexp.MustCompile(`/t/alpha/password/reset/([A-Za-z0-9_-]{43})`).FindStringSubmatch(body)
	if m == nil {
		t.Fatalf("no link in %q", body)
	}
	return m[1], len(ms)
}

func TestPasswordReset(t *testing.T) {
	each(t, func(t *testing.T, f *fixture) {
		ctx := context.Background()
		adm := f.admin["alpha"]
		nurse := f.member["alpha"]
		in := app.UserUpdate{UserInput: care.UserInput{Name: nurse.Name, Kana: nurse.Kana, Profession: nurse.Profession,
			Email: "hanako@example.jp", Role: nurse.Role, Facilities: nurse.Facilities}, Active: true}
		if _, err := f.app.UpdateUser(ctx, adm, nurse.ID, in); err != nil {
			t.Fatal(err)
		}
		// Unknown accounts, addresses and regions answer the same and mail nothing.
		for _, c := range [][2]string{{"alpha", "ghost"}, {"alpha", "nobody@example.jp"}, {"gamma", "nurse"}, {"alpha", "fadmin"}} {
			if err := f.app.RequestPasswordReset(ctx, c[0], c[1], userO); err != nil {
				t.Fatalf("%v: %v", c, err)
			}
		}
		if link, _ := mailedLink(t, f); link != "" {
			t.Fatal("mail queued for an account without an address")
		}
		old, _ := loginNurse(t, f, pw)
		if err := f.app.RequestPasswordReset(ctx, "alpha", "HANAKO@example.jp", userO); err != nil {
			t.Fatal(err)
		}
		token, n := mailedLink(t, f)
		if n != 1 {
			t.Fatalf("%d mails", n)
		}
		t.Run("ErrOtherTenant", func(t *testing.T) {
			if err := f.app.CheckPasswordReset(ctx, "beta", token); code(err) != care.ENotFound {
				t.Fatalf("beta: %v", err)
			}
		})
		t.Run("ErrPolicy", func(t *testing.T) {
			if fieldKey(f.app.ResetPassword(ctx, "alpha", token, "short-1", userO), "password") != "error.password_short" {
				t.Fatal("policy not applied")
			}
		})
		if err := f.app.ResetPassword(ctx, "alpha", token, newPW, userO); err != nil {
			t.Fatal(err)
		}
		if _, err := f.app.Authenticate(ctx, old, userO, ""); err == nil {
			t.Fatal("a session survived the reset")
		}
		loginNurse(t, f, newPW)
		if err := f.app.ResetPassword(ctx, "alpha", token, newPW+"x", userO); code(err) != care.ENotFound {
			t.Fatalf("second use: %v", err)
		}
		// A new link expires after 30 minutes.
		if err := f.app.RequestPasswordReset(ctx, "alpha", "nurse", userO); err != nil {
			t.Fatal(err)
		}
		token2, mails := mailedLink(t, f)
		// Asking again at once mails nothing more.
		if err := f.app.RequestPasswordReset(ctx, "alpha", "nurse", userO); err != nil {
			t.Fatal(err)
		}
		var ob []store.Mail
		if err := f.db.Platform(ctx, func(ptx *store.PlatformTx) error {
			var err error
			ob, err = ptx.Outbox(ctx, 100)
			return err
		}); err != nil {
			t.Fatal(err)
		}
		if n := len(ob); n != mails {
			t.Fatalf("%d mails after a second request at once, want %d", n, mails)
		}
		f.clock.Advance(app.ResetValidity)
		if err := f.app.ResetPassword(ctx, "alpha", token2, newPW+"x", userO); code(err) != care.ENotFound {
			t.Fatalf("expired link: %v", err)
		}
		es, _ := f.app.Audit(ctx, adm, app.AuditFilter{Action: string(audit.PasswordReset)})
		if len(es) != 1 || es[0].ActorID != nurse.ID {
			t.Fatalf("reset audit %+v", es)
		}
		rs, _ := f.app.Audit(ctx, adm, app.AuditFilter{Action: string(audit.PasswordResetRequest)})
		if len(rs) != 6 {
			t.Fatalf("%d reset requests audited in alpha, want 6", len(rs))
		}
	})
}

func TestLastLoginFailures(t *testing.T) {
	each(t, func(t *testing.T, f *fixture) {
		ctx := context.Background()
		loginNurse(t, f, pw)
		f.clock.Advance(time.Hour)
		for i := 0; i < 3; i++ {
			f.app.Login(ctx, app.Credentials{Tenant: "alpha", LoginID: "nurse", Password: "Wrong-password-1x", Origin: userO})
		}
		f.clock.Advance(time.Hour)
		_, act := loginNurse(t, f, pw)
		u, _, err := f.app.Me(ctx, act)
		if err != nil {
			t.Fatal(err)
		}
		if u.FailedLoginsSince != 3 || u.PreviousLoginAt == nil || u.PreviousLoginIP != userO.IP {
			t.Fatalf("previous login %v from %q, %d failures since", u.PreviousLoginAt, u.PreviousLoginIP, u.FailedLoginsSince)
		}
		h, err := f.app.Home(ctx, act)
		if err != nil || h.User.FailedLoginsSince != 3 {
			t.Fatalf("home: %d, %v", h.User.FailedLoginsSince, err)
		}
	})
}

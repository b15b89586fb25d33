package app_test

import (
	"context"
	"fmt"
	"sync"
	"testing"
	"time"

	"github.com/renrakucho/renrakucho/internal/app"
	"github.com/renrakucho/renrakucho/internal/audit"
	"github.com/renrakucho/renrakucho/internal/auth"
	"github.com/renrakucho/renrakucho/internal/care"
)

// counted returns an app over the fixture's database whose hasher the
// test holds, to count password checks.
func counted(f *fixture, opt app.Options) (*app.App, *auth.Hasher) {
	h := auth.NewHasher(cheap, 0)
	return app.New(f.db, h, opt), h
}

func code(err error) care.Code {
	if err == nil {
		return ""
	}
	return care.AsError(err).Code
}

// TestLockoutRace: hundreds of parallel wrong attempts, each from its own
// address, on a real account and on an unknown one: no more than the
// threshold's passwords are checked for either, the answers are 401 then
// 423 and only those, the two accounts answer alike, and the right
// password is refused while the lock stands.
func TestLockoutRace(t *testing.T) {
	const attempts = 300
	each(t, func(t *testing.T, f *fixture) {
		ctx := context.Background()
		for _, login := range []string{"nurse", "ghost"} {
			t.Run(login, func(t *testing.T) {
				a, h := counted(f, app.Options{})
				var (
					wg    sync.WaitGroup
					mu    sync.Mutex
					codes = map[care.Code]int{}
					keys  = map[string]bool{}
				)
				start := make(chan struct{})
				for i := 0; i < attempts; i++ {
					wg.Add(1)
					go func(i int) {
						defer wg.Done()
						<-start
						o := care.Origin{IP: fmt.Sprintf("198.51.%d.%d", i/250, i%250), UserAgent: "race", Listener: care.UserListener}
						_, _, err := a.Login(ctx, app.Credentials{Tenant: "alpha", LoginID: login, Password: "Wrong-password-" + fmt.Sprint(i), Origin: o})
						mu.Lock()
						codes[code(err)]++
						keys[care.AsError(err).Key] = true
						mu.Unlock()
					}(i)
				}
				close(start)
				wg.Wait()
				if n := h.Verifications(); n > app.DefaultLockoutThreshold {
					t.Errorf("%d password checks for %d parallel attempts, want at most %d", n, attempts, app.DefaultLockoutThreshold)
				}
				if codes[care.EUnauthorized]+codes[care.ELocked] != attempts || codes[care.ELocked] < attempts-app.DefaultLockoutThreshold {
					t.Errorf("answers %v, want at most %d × 401 and the rest 423", codes, app.DefaultLockoutThreshold)
				}
				if len(keys) != 2 || !keys["error.login_failed"] || !keys["login.error_locked"] {
					t.Errorf("message keys %v", keys)
				}
				before := h.Verifications()
				_, _, err := a.Login(ctx, app.Credentials{Tenant: "alpha", LoginID: login, Password: pw, Origin: userO})
				if code(err) != care.ELocked {
					t.Fatalf("right password while locked: %v, want locked", err)
				}
				if h.Verifications() != before {
					t.Error("a locked login ID had its password checked")
				}
			})
		}
		// The lock, and each failure, are in alpha's audit log.
		es, err := f.app.Audit(ctx, f.admin["alpha"], app.AuditFilter{Action: string(audit.AccountLock)})
		if err != nil {
			t.Fatal(err)
		}
		if len(es) != 2 {
			t.Errorf("%d lock entries, want 2 (nurse and ghost)", len(es))
		}
		fs, _ := f.app.Audit(ctx, f.admin["alpha"], app.AuditFilter{Action: string(audit.LoginFailure), Limit: 1000})
		if len(fs) != 2*(attempts+1) {
			t.Errorf("%d failure entries, want %d", len(fs), 2*(attempts+1))
		}
	})
}

// TestLockoutPeriods: the lock lasts 15 minutes, then the count starts
// afresh; a second lock without a success between lasts 30; a success
// forgets the past; beta's lock is beta's.
func TestLockoutPeriods(t *testing.T) {
	each(t, func(t *testing.T, f *fixture) {
		ctx := context.Background()
		login := func(tenant, password string) error {
			_, _, err := f.app.Login(ctx, app.Credentials{Tenant: tenant, LoginID: "nurse", Password: password, Origin: userO})
			return err
		}
		fail := func(n int) {
			t.Helper()
			for i := 0; i < n; i++ {
				err := login("alpha", "Wrong-password-1x")
				want := care.EUnauthorized
				if i == n-1 && n == app.DefaultLockoutThreshold {
					want = care.ELocked // the attempt that locks says so
				}
				if code(err) != want {
					t.Fatalf("failure %d: %v, want %s", i+1, err, want)
				}
			}
		}
		fail(4)
		if err := login("alpha", pw); err != nil {
			t.Fatalf("right password after 4 failures: %v", err)
		}
		fail(5) // the success forgot the 4
		if code(login("beta", pw)) != "" {
			t.Fatal("alpha's lock locked beta's nurse")
		}
		f.clock.Advance(app.FirstLock - time.Second)
		if code(login("alpha", pw)) != care.ELocked {
			t.Fatal("unlocked before 15 minutes")
		}
		f.clock.Advance(time.Second)
		fail(5) // a new count; the second lock
		f.clock.Advance(2*app.FirstLock - time.Second)
		if code(login("alpha", pw)) != care.ELocked {
			t.Fatal("the second lock did not last 30 minutes")
		}
		f.clock.Advance(time.Second)
		if err := login("alpha", pw); err != nil {
			t.Fatalf("after the second lock: %v", err)
		}
	})
}

// TestUnlockUser: admins see the lock and lift it; a facility admin only
// for their facility's users; every unlock is audited.
func TestUnlockUser(t *testing.T) {
	each(t, func(t *testing.T, f *fixture) {
		ctx := context.Background()
		for i := 0; i < app.DefaultLockoutThreshold; i++ {
			f.app.Login(ctx, app.Credentials{Tenant: "alpha", LoginID: "nurse", Password: "Wrong-password-1x", Origin: userO})
		}
		nurse := f.member["alpha"]
		us, err := f.app.Users(ctx, f.admin["alpha"], app.UserFilter{})
		if err != nil {
			t.Fatal(err)
		}
		locked := 0
		for _, u := range us {
			if u.LockedUntil != nil {
				locked++
				if u.ID != nurse.ID || !u.LockedUntil.Equal(f.clock.Now().Add(app.FirstLock)) {
					t.Errorf("locked %s until %v", u.LoginID, u.LockedUntil)
				}
			}
		}
		if locked != 1 {
			t.Fatalf("%d locked users listed, want 1", locked)
		}
		t.Run("ErrOtherTenant", func(t *testing.T) {
			if err := f.app.UnlockUser(ctx, f.admin["beta"], nurse.ID); code(err) != care.ENotFound {
				t.Fatalf("beta's admin: %v", err)
			}
		})
		t.Run("ErrMember", func(t *testing.T) {
			m := care.Actor{TenantID: nurse.TenantID, TenantSlug: "alpha", UserID: nurse.ID, LoginID: "nurse", Role: care.RoleMember}
			if err := f.app.UnlockUser(ctx, m, nurse.ID); code(err) != care.EForbidden {
				t.Fatalf("member: %v", err)
			}
		})
		t.Run("OK", func(t *testing.T) {
			if err := f.app.UnlockUser(ctx, f.fadmin["alpha"], nurse.ID); err != nil {
				t.Fatal(err)
			}
			if _, _, err := f.app.Login(ctx, app.Credentials{Tenant: "alpha", LoginID: "nurse", Password: pw, Origin: userO}); err != nil {
				t.Fatalf("login after unlock: %v", err)
			}
			es, _ := f.app.Audit(ctx, f.admin["alpha"], app.AuditFilter{Action: string(audit.AccountUnlock)})
			if len(es) != 1 || es[0].TargetID != nurse.ID || es[0].ActorLogin != "fadmin" {
				t.Fatalf("unlock audit %+v", es)
			}
		})
		t.Run("ErrNotLocked", func(t *testing.T) {
			if err := f.app.UnlockUser(ctx, f.admin["alpha"], nurse.ID); code(err) != care.EConflict {
				t.Fatalf("unlocking an unlocked user: %v", err)
			}
		})
	})
}

// TestOperatorLockout: operators lock like everyone.
func TestOperatorLockout(t *testing.T) {
	each(t, func(t *testing.T, f *fixture) {
		ctx := context.Background()
		var last error
		for i := 0; i < app.DefaultLockoutThreshold+1; i++ {
			_, _, last = f.app.Login(ctx, app.Credentials{LoginID: "operator", Password: "Wrong-password-1x", Origin: adminO})
		}
		if code(last) != care.ELocked {
			t.Fatalf("operator after %d failures: %v", app.DefaultLockoutThreshold+1, last)
		}
		es, _ := f.app.Audit(ctx, f.op, app.AuditFilter{Action: string(audit.AccountLock)})
		if len(es) != 1 {
			t.Fatalf("%d operator lock entries", len(es))
		}
	})
}

// TestLoginThrottle: one address spends its failure budget; then an
// account that failed from it recently gets 429 with a wait and no check,
// while a correct password for an account without failures still works.
func TestLoginThrottle(t *testing.T) {
	each(t, func(t *testing.T, f *fixture) {
		ctx := context.Background()
		a, h := counted(f, app.Options{LoginThrottle: 3})
		o := care.Origin{IP: "203.0.113.9", UserAgent: "test", Listener: care.UserListener}
		for _, login := range []string{"ghost1", "ghost2", "nurse"} {
			if _, _, err := a.Login(ctx, app.Credentials{Tenant: "alpha", LoginID: login, Password: "Wrong-password-1x", Origin: o}); code(err) != care.EUnauthorized {
				t.Fatalf("%s: %v", login, err)
			}
		}
		before := h.Verifications()
		_, _, err := a.Login(ctx, app.Credentials{Tenant: "alpha", LoginID: "nurse", Password: pw, Origin: o})
		e := care.AsError(err)
		if e.Code != care.ETooMany || e.RetryAfter <= 0 || e.RetryAfter > app.ThrottleWindow {
			t.Fatalf("throttled: %v (retry after %v)", err, e.RetryAfter)
		}
		if h.Verifications() != before {
			t.Error("a throttled attempt had its password checked")
		}
		if _, _, err := a.Login(ctx, app.Credentials{Tenant: "alpha", LoginID: "fadmin", Password: pw, Origin: o}); err != nil {
			t.Fatalf("a right password from the throttled address, no failures on the account: %v", err)
		}
		if _, _, err := a.Login(ctx, app.Credentials{Tenant: "alpha", LoginID: "nurse", Password: pw, Origin: userO}); err != nil {
			t.Fatalf("the same account from another address: %v", err)
		}
		f.clock.Advance(app.ThrottleWindow)
		if _, _, err := a.Login(ctx, app.Credentials{Tenant: "alpha", LoginID: "ghost1", Password: "Wrong-password-1x", Origin: o}); code(err) != care.EUnauthorized {
			t.Fatalf("after the window: %v", err)
		}
	})
}

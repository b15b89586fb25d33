package api_test

import (
	"bytes"
	"context"
	"sync"
	"testing"
	"time"

	"github.com/renrakucho/renrakucho/internal/app"
	"github.com/renrakucho/renrakucho/internal/auth"
	"github.com/renrakucho/renrakucho/internal/care"
	"github.com/renrakucho/renrakucho/internal/store"
	"github.com/renrakucho/renrakucho/internal/store/storetest"
)

// totpAccount is an admin's TOTP secret and the last time step the tests
// used: a code is good once, so each login takes the next unused step,
// waiting for it when the clock has not reached it.
type totpAccount struct {
	mu     sync.Mutex
	secret []byte
	last   int64
}

func (f *fixture) seedTOTP(op care.Actor) {
	f.t.Helper()
	f.totp = map[string]*totpAccount{}
	for _, acct := range [][2]string{{"", "ops"}, {"alpha", "admin"}, {"beta", "admin"}} {
		secret, err := f.app.SeedTOTP(context.Background(), op, acct[0], acct[1])
		if err != nil {
			f.t.Fatal(err)
		}
		f.totp[acct[0]+"/"+acct[1]] = &totpAccount{secret: secret}
	}
}

// otp returns a fresh code of the account's TOTP, "" for an account without one.
func (f *fixture) otp(t *testing.T, tenant, login string) string {
	t.Helper()
	a := f.totp[tenant+"/"+login]
	if a == nil {
		return ""
	}
	a.mu.Lock()
	defer a.mu.Unlock()
	now := f.clock.Now()
	step := max(auth.TOTPStep(now), a.last+1)
	if step > auth.TOTPStep(now)+1 {
		f.clock.Advance(time.Duration(step-1-auth.TOTPStep(now)) * auth.TOTPPeriod)
	}
	a.last = step
	code, err := auth.TOTPCode(a.secret, time.Unix(step*int64(auth.TOTPPeriod/time.Second), 0))
	if err != nil {
		t.Fatal(err)
	}
	return code
}

func TestSecondFactor(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		f := newFixture(t, db)
		admin := f.adminClient(f.admin, f.alphaCert)
		creds := map[string]string{"tenant": "alpha", "login_id": "admin", "password": password}
		t.Run("ErrMissingAndWrongOTPAnswerAlike", func(t *testing.T) {
			missing := admin.do("POST", "/api/v1/sessions", creds)
			p := wantProblem(t, missing, 401)
			if p["type"] != "urn:renrakucho:problem:second-factor-required" {
				t.Errorf("type %v", p["type"])
			}
			wrong := map[string]string{"tenant": "alpha", "login_id": "admin", "password": password, "otp": "000000"}
			r := admin.do("POST", "/api/v1/sessions", wrong)
			if r.status != 401 || !bytes.Equal(r.body, missing.body) {
				t.Errorf("wrong otp: %d %s, want the missing otp's %s", r.status, r.body, missing.body)
			}
			if sc := r.header.Get("Set-Cookie"); sc != "" {
				t.Errorf("a refused login set a cookie: %q", sc)
			}
		})
		t.Run("ErrWrongPasswordIsNotAFactorProblem", func(t *testing.T) {
			bad := map[string]string{"tenant": "alpha", "login_id": "admin", "password": password + "x", "otp": "000000"}
			if p := wantProblem(t, admin.do("POST", "/api/v1/sessions", bad), 401); p["type"] != "about:blank" {
				t.Errorf("type %v", p["type"])
			}
		})
		t.Run("ErrCodeReplayed", func(t *testing.T) {
			code := f.otp(t, "alpha", "admin")
			ok := map[string]string{"tenant": "alpha", "login_id": "admin", "password": password, "otp": code}
			want(t, admin.do("POST", "/api/v1/sessions", ok), 201)
			wantProblem(t, admin.do("POST", "/api/v1/sessions", ok), 401)
		})
		t.Run("ErrMemberMustEnrolWhenTenantRequires", func(t *testing.T) {
			adm := admin.login("alpha", "admin")
			want(t, adm.do("PATCH", "/api/v1/settings", map[string]any{"factor_required": true}), 200)
			user := f.userClient()
			r := user.do("POST", "/api/v1/sessions", map[string]string{"tenant": "alpha", "login_id": "nurse1", "password": password})
			if p := wantProblem(t, r, 401); p["type"] != "urn:renrakucho:problem:second-factor-enrolment-required" {
				t.Errorf("type %v", p["type"])
			}
			want(t, adm.do("PATCH", "/api/v1/settings", map[string]any{"factor_required": false}), 200)
			user.login("alpha", "nurse1")
		})
		t.Run("Sessions", func(t *testing.T) {
			user := f.userClient()
			one, two := user.login("alpha", "nurse1"), user.login("alpha", "nurse1")
			r := one.do("GET", "/api/v1/me/sessions", nil)
			want(t, r, 200)
			items := r.json(t)["items"].([]any)
			var others []string
			current := 0
			for _, it := range items {
				s := it.(map[string]any)
				if s["current"] == true {
					current++
				} else {
					others = append(others, s["id"].(string))
				}
			}
			if current != 1 || len(others) == 0 {
				t.Fatalf("sessions %s", r.body)
			}
			// Another user's session is not found, not ended.
			adm := admin.login("alpha", "admin")
			as := adm.do("GET", "/api/v1/me/sessions", nil).json(t)["items"].([]any)
			wantProblem(t, one.do("DELETE", "/api/v1/me/sessions/"+as[0].(map[string]any)["id"].(string), nil), 404)
			want(t, adm.do("GET", "/api/v1/me", nil), 200)
			// Revoking the others ends them: their tokens are refused.
			for _, id := range others {
				want(t, one.do("DELETE", "/api/v1/me/sessions/"+id, nil), 204)
			}
			wantProblem(t, two.do("GET", "/api/v1/me", nil), 401)
			want(t, one.do("GET", "/api/v1/me", nil), 200)
			// Sign out everywhere, by the admin: every token of the nurse is refused.
			three := user.login("alpha", "nurse1")
			want(t, adm.do("DELETE", "/api/v1/users/"+f.nurse.ID+"/sessions", nil), 204)
			wantProblem(t, three.do("GET", "/api/v1/me", nil), 401)
			wantProblem(t, adm.do("DELETE", "/api/v1/users/"+f.doctor.ID+"/sessions", nil), 404) // beta's user
		})
		t.Run("ResetFactors", func(t *testing.T) {
			adm := admin.login("alpha", "admin")
			want(t, adm.do("DELETE", "/api/v1/users/"+f.nurse.ID+"/factors", nil), 204)
			wantProblem(t, adm.do("DELETE", "/api/v1/users/"+f.doctor.ID+"/factors", nil), 404)
			es, err := f.app.Audit(context.Background(), adminActor(t, f), app.AuditFilter{Action: "factor.reset"})
			if err != nil || len(es) != 1 || es[0].TargetID != f.nurse.ID {
				t.Fatalf("audit %+v %v", es, err)
			}
		})
	})
}

func adminActor(t *testing.T, f *fixture) care.Actor {
	t.Helper()
	a, err := f.app.TenantAdminActor(context.Background(), "alpha", "admin", care.Origin{Listener: care.AdminListener})
	if err != nil {
		t.Fatal(err)
	}
	return a
}

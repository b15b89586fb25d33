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
	"github.com/renrakucho/renrakucho/internal/store/storetest"
)

const pw = "Hanamizuki-2026"

var cheap = auth.Params{Memory: 1024, Time: 1, Threads: 1, KeyLen: 32, SaltLen: 16}

var (
	userO  = care.Origin{IP: "192.0.2.1", UserAgent: "test", Listener: care.UserListener}
	adminO = care.Origin{IP: "192.0.2.1", UserAgent: "test", Listener: care.AdminListener}
)

// fixture is one deployment with two tenants, each with an admin, a
// facility admin and a member.
type fixture struct {
	app   *app.App
	db    *store.DB
	clock *storetest.Clock
	op    care.Actor
	// per tenant slug
	admin, fadmin map[string]care.Actor
	member        map[string]care.User
	clinic, other map[string]care.Facility
}

func setup(t *testing.T, engine string) *fixture {
	t.Helper()
	ctx := context.Background()
	clock := storetest.NewClock(time.Date(2026, 11, 25, 9, 0, 0, 0, time.UTC))
	db := storetest.Open(t, engine, clock.Now)
	ca, err := pki.Create(t.TempDir(), clock.Now())
	if err != nil {
		t.Fatal(err)
	}
	a := app.New(db, auth.NewHasher(cheap, 0), app.Options{CA: ca})
	f := &fixture{app: a, db: db, clock: clock, admin: map[string]care.Actor{}, fadmin: map[string]care.Actor{},
		member: map[string]care.User{}, clinic: map[string]care.Facility{}, other: map[string]care.Facility{}}
	f.op, err = a.InitOperator(ctx, "operator", "運用 太郎", "", pw, adminO)
	if err != nil {
		t.Fatal(err)
	}
	for _, slug := range []string{"alpha", "beta"} {
		if _, err := a.CreateTenant(ctx, f.op, care.NewTenant{Slug: slug, Name: slug + "市", AdminLogin: "admin",
			AdminName: "管理 花子", AdminPassword: pw}); err != nil {
			t.Fatal(err)
		}
		adm, err := a.TenantAdminActor(ctx, slug, "admin", adminO)
		if err != nil {
			t.Fatal(err)
		}
		f.admin[slug] = adm
		f.clinic[slug], err = a.CreateFacility(ctx, adm, care.Facility{Kind: "clinic", Name: "みなと在宅クリニック"})
		if err != nil {
			t.Fatal(err)
		}
		f.other[slug], err = a.CreateFacility(ctx, adm, care.Facility{Kind: "pharmacy", Name: "さくら薬局"})
		if err != nil {
			t.Fatal(err)
		}
		fa, err := a.CreateUser(ctx, adm, care.UserInput{LoginID: "fadmin", Name: "施設 管理", Profession: "doctor",
			Role: care.RoleFacilityAdmin, Facilities: []string{f.clinic[slug].ID}, Password: pw})
		if err != nil {
			t.Fatal(err)
		}
		f.fadmin[slug] = care.Actor{TenantID: adm.TenantID, TenantSlug: slug, UserID: fa.ID, LoginID: fa.LoginID,
			Role: fa.Role, Facilities: fa.Facilities, Listener: care.AdminListener}
		f.member[slug], err = a.CreateUser(ctx, adm, care.UserInput{LoginID: "nurse", Name: "看護 花子", Kana: "カンゴ ハナコ",
			Profession: "nurse", Role: care.RoleMember, Facilities: []string{f.clinic[slug].ID}, Password: pw})
		if err != nil {
			t.Fatal(err)
		}
	}
	return f
}

func each(t *testing.T, fn func(t *testing.T, f *fixture)) {
	for _, engine := range storetest.Engines {
		t.Run(engine, func(t *testing.T) { fn(t, setup(t, engine)) })
	}
}

func TestLogin(t *testing.T) {
	each(t, func(t *testing.T, f *fixture) {
		ctx := context.Background()
		tests := []struct {
			name string
			c    app.Credentials
			code care.Code
		}{
			{"OK", app.Credentials{Tenant: "alpha", LoginID: "nurse", Password: pw, Origin: userO}, ""},
			{"OKNormalisedPassword", app.Credentials{Tenant: "alpha", LoginID: "nurse", Password: "Ｈａｎａｍｉｚｕｋｉ-２０２６", Origin: userO}, ""},
			{"ErrWrongPassword", app.Credentials{Tenant: "alpha", LoginID: "nurse", Password: pw + "x", Origin: userO}, care.EUnauthorized},
			{"ErrUnknownUser", app.Credentials{Tenant: "alpha", LoginID: "ghost", Password: pw, Origin: userO}, care.EUnauthorized},
			{"ErrUnknownTenant", app.Credentials{Tenant: "gamma", LoginID: "nurse", Password: pw, Origin: userO}, care.EUnauthorized},
			{"ErrMemberOnAdminListener", app.Credentials{Tenant: "alpha", LoginID: "nurse", Password: pw, Origin: adminO}, care.EUnauthorized},
			{"ErrAdminWithoutCert", app.Credentials{Tenant: "alpha", LoginID: "admin", Password: pw, Origin: adminO}, care.EUnauthorized},
			{"ErrOperatorOnUserListener", app.Credentials{LoginID: "operator", Password: pw, Origin: userO}, care.EUnauthorized},
		}
		for _, tt := range tests {
			t.Run(tt.name, func(t *testing.T) {
				tok, act, err := f.app.Login(ctx, tt.c)
				if tt.code != "" {
					e := care.AsError(err)
					if e.Code != tt.code || e.Key != "error.login_failed" {
						t.Fatalf("got %v, want %s with the one login message", err, tt.code)
					}
					return
				}
				if err != nil {
					t.Fatal(err)
				}
				got, err := f.app.Authenticate(ctx, tok, tt.c.Origin, "")
				if err != nil || got.UserID != act.UserID || got.TenantSlug != "alpha" {
					t.Fatalf("authenticate: %+v %v", got, err)
				}
			})
		}
		// Every attempt above is in the audit log of its tenant, or the platform's.
		es, err := f.app.Audit(ctx, f.admin["alpha"], app.AuditFilter{Action: string(audit.LoginFailure)})
		if err != nil {
			t.Fatal(err)
		}
		if len(es) != 4 {
			t.Errorf("alpha has %d login failures, want 4", len(es))
		}
		pes, _ := f.app.Audit(ctx, f.op, app.AuditFilter{Action: string(audit.LoginFailure)})
		if len(pes) != 2 {
			t.Errorf("platform has %d login failures, want 2 (unknown tenant, operator on user listener)", len(pes))
		}
	})
}

func TestAdminCertificate(t *testing.T) {
	each(t, func(t *testing.T, f *fixture) {
		ctx := context.Background()
		own, err := f.app.IssueClientCert(ctx, f.op, "alpha", "admin")
		if err != nil {
			t.Fatal(err)
		}
		other, err := f.app.IssueClientCert(ctx, f.op, "beta", "admin")
		if err != nil {
			t.Fatal(err)
		}
		if _, err := f.app.IssueClientCert(ctx, f.op, "alpha", "nurse"); care.ErrorCode(err) != care.EInvalid {
			t.Errorf("cert for a member: got %v, want invalid", err)
		}
		if _, err := f.app.IssueClientCert(ctx, f.admin["alpha"], "beta", "admin"); care.ErrorCode(err) != care.EForbidden {
			t.Errorf("tenant admin issuing for another tenant: got %v, want forbidden", err)
		}
		login := func(fp string) error {
			_, _, err := f.app.Login(ctx, app.Credentials{Tenant: "alpha", LoginID: "admin", Password: pw, Origin: adminO, CertFingerprint: fp})
			return err
		}
		if err := login(pki.Fingerprint(other.Cert)); care.ErrorCode(err) != care.EUnauthorized {
			t.Errorf("another admin's certificate: got %v", err)
		}
		if err := login(pki.Fingerprint(own.Cert)); err != nil {
			t.Errorf("own certificate: %v", err)
		}
		_, pending, _ := f.app.Login(ctx, app.Credentials{Tenant: "alpha", LoginID: "admin", Password: pw, Origin: adminO, CertFingerprint: pki.Fingerprint(own.Cert)})
		_, enrolled := enrolTOTP(t, f, pending) // admins always need a second factor
		tok := enrolled.Token
		if _, err := f.app.Authenticate(ctx, tok, adminO, pki.Fingerprint(own.Cert)); err != nil {
			t.Errorf("own certificate after the second factor: %v", err)
		}
		if _, err := f.app.Authenticate(ctx, tok, adminO, pki.Fingerprint(other.Cert)); care.ErrorCode(err) != care.EUnauthorized {
			t.Errorf("session used with another certificate: got %v", err)
		}
		if _, err := f.app.Authenticate(ctx, tok, userO, ""); care.ErrorCode(err) != care.EUnauthorized {
			t.Errorf("admin session on the user listener: got %v", err)
		}
	})
}

func TestSessionTimeouts(t *testing.T) {
	each(t, func(t *testing.T, f *fixture) {
		ctx := context.Background()
		login := func() string {
			tok, _, err := f.app.Login(ctx, app.Credentials{Tenant: "alpha", LoginID: "nurse", Password: pw, Origin: userO})
			if err != nil {
				t.Fatal(err)
			}
			return tok
		}
		tok := login()
		for i := 0; i < 60; i++ { // 10 hours of activity every 10 minutes stays logged in
			f.clock.Advance(10 * time.Minute)
			if _, err := f.app.Authenticate(ctx, tok, userO, ""); err != nil {
				t.Fatalf("active session refused after %d min: %v", (i+1)*10, err)
			}
		}
		f.clock.Advance(15 * time.Minute)
		if _, err := f.app.Authenticate(ctx, tok, userO, ""); care.ErrorCode(err) != care.EUnauthorized {
			t.Fatalf("idle session: got %v", err)
		}
		tok = login()
		for i := 0; i < 73; i++ {
			f.clock.Advance(10 * time.Minute)
			f.app.Authenticate(ctx, tok, userO, "")
		}
		if _, err := f.app.Authenticate(ctx, tok, userO, ""); care.ErrorCode(err) != care.EUnauthorized {
			t.Fatalf("session past the absolute timeout: got %v", err)
		}
		tok = login()
		act, _ := f.app.Authenticate(ctx, tok, userO, "")
		if err := f.app.Logout(ctx, act); err != nil {
			t.Fatal(err)
		}
		if _, err := f.app.Authenticate(ctx, tok, userO, ""); care.ErrorCode(err) != care.EUnauthorized {
			t.Fatalf("token after logout: got %v", err)
		}
		tok = login()
		u := f.member["alpha"]
		if _, err := f.app.UpdateUser(ctx, f.admin["alpha"], u.ID, app.UserUpdate{UserInput: care.UserInput{Name: u.Name,
			Profession: u.Profession, Role: u.Role, Facilities: u.Facilities}, Active: false}); err != nil {
			t.Fatal(err)
		}
		if _, err := f.app.Authenticate(ctx, tok, userO, ""); care.ErrorCode(err) != care.EUnauthorized {
			t.Fatalf("token after deactivation: got %v", err)
		}
	})
}

func TestTenantScope(t *testing.T) {
	each(t, func(t *testing.T, f *fixture) {
		ctx := context.Background()
		adm := f.admin["alpha"]
		foreignUser := f.member["beta"].ID
		foreignFacility := f.clinic["beta"].ID
		tests := []struct {
			name string
			fn   func() error
		}{
			{"User", func() error { _, err := f.app.User(ctx, adm, foreignUser); return err }},
			{"UpdateUser", func() error {
				_, err := f.app.UpdateUser(ctx, adm, foreignUser, app.UserUpdate{UserInput: care.UserInput{Name: "x", Profession: "nurse",
					Role: care.RoleMember, Facilities: []string{f.clinic["alpha"].ID}}, Active: true})
				return err
			}},
			{"DeleteUser", func() error { return f.app.DeleteUser(ctx, adm, foreignUser) }},
			{"Facility", func() error { _, err := f.app.Facility(ctx, adm, foreignFacility); return err }},
			{"UpdateFacility", func() error {
				_, err := f.app.UpdateFacility(ctx, adm, care.Facility{ID: foreignFacility, Kind: "clinic", Name: "x"})
				return err
			}},
			{"Nonexistent", func() error { _, err := f.app.User(ctx, adm, "00000000-0000-0000-0000-000000000000"); return err }},
		}
		for _, tt := range tests {
			t.Run(tt.name, func(t *testing.T) {
				if err := tt.fn(); care.ErrorCode(err) != care.ENotFound {
					t.Fatalf("got %v, want not found", err)
				}
			})
		}
		t.Run("ErrForeignFacilityOnCreate", func(t *testing.T) {
			_, err := f.app.CreateUser(ctx, adm, care.UserInput{LoginID: "spy", Name: "x", Profession: "nurse", Role: care.RoleMember,
				Facilities: []string{foreignFacility}, Password: pw})
			if care.ErrorCode(err) != care.EInvalid {
				t.Fatalf("got %v, want invalid", err)
			}
		})
		// Nothing of beta changed.
		u, err := f.app.User(ctx, f.admin["beta"], foreignUser)
		if err != nil || u.Name != "看護 花子" || !u.Active {
			t.Errorf("beta's user changed: %+v %v", u, err)
		}
	})
}

func TestPermissions(t *testing.T) {
	each(t, func(t *testing.T, f *fixture) {
		ctx := context.Background()
		fadm := f.fadmin["alpha"]
		adminU := f.admin["alpha"]
		member := care.Actor{TenantID: adminU.TenantID, TenantSlug: "alpha", UserID: f.member["alpha"].ID, Role: care.RoleMember,
			Facilities: f.member["alpha"].Facilities, Listener: care.UserListener}
		adminOnUser := adminU
		adminOnUser.Listener = care.UserListener
		newUser := func(role care.Role, fac string) care.UserInput {
			return care.UserInput{LoginID: "new" + string(role)[:3] + fac[len(fac)-4:], Name: "新規 職員", Profession: "nurse", Role: role,
				Facilities: []string{fac}, Password: pw}
		}
		tests := []struct {
			name string
			fn   func() error
			code care.Code
		}{
			{"FacilityAdminCreatesInOwnFacility", func() error {
				_, err := f.app.CreateUser(ctx, fadm, newUser(care.RoleMember, f.clinic["alpha"].ID))
				return err
			}, ""},
			{"ErrFacilityAdminCreatesElsewhere", func() error {
				_, err := f.app.CreateUser(ctx, fadm, newUser(care.RoleMember, f.other["alpha"].ID))
				return err
			}, care.EForbidden},
			{"ErrFacilityAdminCreatesTenantAdmin", func() error {
				_, err := f.app.CreateUser(ctx, fadm, newUser(care.RoleTenantAdmin, f.clinic["alpha"].ID))
				return err
			}, care.EForbidden},
			{"ErrFacilityAdminManagesFacilities", func() error {
				_, err := f.app.CreateFacility(ctx, fadm, care.Facility{Kind: "clinic", Name: "x"})
				return err
			}, care.EForbidden},
			{"ErrMemberListsUsers", func() error { _, err := f.app.Users(ctx, member, app.UserFilter{}); return err }, care.EForbidden},
			{"MemberDirectory", func() error {
				us, err := f.app.Directory(ctx, member, app.UserFilter{})
				for _, u := range us {
					if u.Email != "" || u.LastLoginAt != nil {
						t.Errorf("directory leaks %+v", u)
					}
				}
				return err
			}, ""},
			{"ErrAdminOnUserListener", func() error {
				_, err := f.app.CreateFacility(ctx, adminOnUser, care.Facility{Kind: "clinic", Name: "x"})
				return err
			}, care.EForbidden},
			{"ErrTenantAdminCreatesTenant", func() error {
				_, err := f.app.CreateTenant(ctx, adminU, care.NewTenant{Slug: "gamma", Name: "g", AdminLogin: "admin", AdminName: "a", AdminPassword: pw})
				return err
			}, care.EForbidden},
			{"ErrSelfDelete", func() error { return f.app.DeleteUser(ctx, adminU, adminU.UserID) }, care.EConflict},
			{"ErrUnauthenticated", func() error { _, err := f.app.Facilities(ctx, care.Actor{}); return err }, care.EUnauthorized},
			{"ErrOperatorReadsTenantFacilities", func() error { _, err := f.app.Facilities(ctx, f.op); return err }, care.EForbidden},
		}
		for _, tt := range tests {
			t.Run(tt.name, func(t *testing.T) {
				err := tt.fn()
				if got := care.ErrorCode(err); err != nil && got != tt.code || err == nil && tt.code != "" {
					t.Fatalf("got %v, want %q", err, tt.code)
				}
			})
		}
	})
}

func TestDeleteUserKeepsAudit(t *testing.T) {
	each(t, func(t *testing.T, f *fixture) {
		ctx := context.Background()
		u := f.member["alpha"]
		if _, _, err := f.app.Login(ctx, app.Credentials{Tenant: "alpha", LoginID: "nurse", Password: pw, Origin: userO}); err != nil {
			t.Fatal(err)
		}
		if err := f.app.DeleteUser(ctx, f.admin["alpha"], u.ID); err != nil {
			t.Fatal(err)
		}
		if _, _, err := f.app.Login(ctx, app.Credentials{Tenant: "alpha", LoginID: "nurse", Password: pw, Origin: userO}); care.ErrorCode(err) != care.EUnauthorized {
			t.Fatalf("deleted user logs in: %v", err)
		}
		es, _ := f.app.Audit(ctx, f.admin["alpha"], app.AuditFilter{ActorID: u.ID, Action: string(audit.LoginSuccess)})
		if len(es) != 1 || es[0].ActorLogin != "nurse" {
			t.Fatalf("the deleted user's login is no longer in the audit trail: %+v", es)
		}
		del, _ := f.app.Audit(ctx, f.admin["alpha"], app.AuditFilter{Action: string(audit.UserDelete)})
		if len(del) != 1 || del[0].TargetID != u.ID {
			t.Fatalf("deletion not audited: %+v", del)
		}
	})
}

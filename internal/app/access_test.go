package app_test

import (
	"context"
	"crypto/x509"
	"encoding/pem"
	"os"
	"path/filepath"
	"slices"
	"testing"
	"time"

	"github.com/renrakucho/renrakucho/internal/app"
	"github.com/renrakucho/renrakucho/internal/audit"
	"github.com/renrakucho/renrakucho/internal/auth"
	"github.com/renrakucho/renrakucho/internal/care"
	"github.com/renrakucho/renrakucho/internal/pki"
	"github.com/renrakucho/renrakucho/internal/realtime"
)

const reason = "夜間の救急搬送に同行、服薬の確認が必要"

// auditCount counts the tenant's audit entries of an action.
func auditCount(t *testing.T, a *app.App, admin care.Actor, action audit.Action) int {
	t.Helper()
	es, err := a.Audit(context.Background(), admin, app.AuditFilter{Action: string(action), Limit: 1000})
	if err != nil {
		t.Fatal(err)
	}
	return len(es)
}

func receive(t *testing.T, ch <-chan realtime.Event, kind string) {
	t.Helper()
	select {
	case ev := <-ch:
		if ev.Kind != kind {
			t.Fatalf("event %q, want %q", ev.Kind, kind)
		}
	case <-time.After(2 * time.Second):
		t.Fatalf("no %s event", kind)
	}
}

func TestBreakGlass(t *testing.T) {
	eachCB(t, func(t *testing.T, c *cbFixture) {
		admin := c.admin["alpha"]
		r := c.newResident(t)
		other := c.newResident(t)
		c.post(t, owner, r.ID, "定期訪問の記録")
		team, cancelTeam := c.hub.Subscribe(admin.TenantID, c.act[owner].UserID)
		defer cancelTeam()
		admins, cancelAdmins := c.hub.Subscribe(admin.TenantID, admin.UserID)
		defer cancelAdmins()

		t.Run("ErrBeforeGrant", func(t *testing.T) {
			_, err := c.cb.Resident(bg, c.act[stranger], r.ID)
			wantNotFound(t, err, "resident")
		})
		t.Run("ErrNoReason", func(t *testing.T) {
			for _, why := range []string{"", "   ", "急ぎ", "123456789"} {
				_, err := c.cb.OpenBreakGlass(bg, c.act[stranger], r.ID, why)
				wantErr(t, err, care.EInvalid, "")
				if f := fieldsOf(err); !slices.Equal(f, []string{"reason"}) {
					t.Errorf("reason %q: fields %v", why, f)
				}
			}
		})
		t.Run("ErrOtherTenant", func(t *testing.T) {
			_, err := c.cb.OpenBreakGlass(bg, c.act[foreign], r.ID, reason)
			wantNotFound(t, err, "resident")
			_, err = c.cb.Resident(bg, c.act[foreign], r.ID)
			wantNotFound(t, err, "resident")
		})
		t.Run("ErrOnTeam", func(t *testing.T) {
			_, err := c.cb.OpenBreakGlass(bg, c.act[owner], r.ID, reason)
			wantErr(t, err, care.EConflict, "breakglass.error_on_team")
		})
		t.Run("ErrResponder", func(t *testing.T) {
			_, err := c.cb.OpenBreakGlass(bg, care.Actor{TenantID: admin.TenantID, UserID: "x", Role: care.RoleResponder,
				Listener: care.UserListener}, r.ID, reason)
			wantErr(t, err, care.EForbidden, "")
		})
		t.Run("Search", func(t *testing.T) {
			found, tooMany, err := c.cb.BreakGlassSearch(bg, c.act[stranger], "さとう", "1938-04-01")
			if err != nil || tooMany || len(found) != 2 {
				t.Fatalf("search = %v %v %v, want the two residents", found, tooMany, err)
			}
			if found[0].BirthDate != "1938-04-01" || found[0].FacilityName == "" || found[0].OnTeam {
				t.Errorf("candidate %+v", found[0])
			}
			if found, _, err := c.cb.BreakGlassSearch(bg, c.act[stranger], "さとう", "1938-04-02"); err != nil || len(found) != 0 {
				t.Errorf("another birth date found %v %v", found, err)
			}
			if found, _, err := c.cb.BreakGlassSearch(bg, c.act[foreign], "さとう", "1938-04-01"); err != nil || len(found) != 0 {
				t.Errorf("beta's search found alpha's residents: %v %v", found, err)
			}
			_, _, err = c.cb.BreakGlassSearch(bg, c.act[stranger], "さ", "1938")
			if f := fieldsOf(err); !slices.Equal(f, []string{"name", "birth_date"}) {
				t.Errorf("fields %v (%v)", f, err)
			}
		})

		start := c.clock.Now()
		g, err := c.cb.OpenBreakGlass(bg, c.act[stranger], r.ID, "  "+reason+" ")
		if err != nil {
			t.Fatal(err)
		}
		if !g.ExpiresAt.Equal(start.Add(time.Hour)) || g.Reason != reason || g.IP != userO.IP {
			t.Errorf("grant %+v, want an hour from %v", g, start)
		}
		receive(t, team, "breakglass.opened")
		receive(t, admins, "breakglass.opened")

		t.Run("OKAccess", func(t *testing.T) {
			before := auditCount(t, c.cb, admin, audit.BreakGlassView)
			if _, err := c.cb.Resident(bg, c.act[stranger], r.ID); err != nil {
				t.Fatal(err)
			}
			pg, err := c.cb.Posts(bg, c.act[stranger], r.ID, "", 10)
			if err != nil || len(pg.Items) != 1 {
				t.Fatalf("posts %v %v", pg.Items, err)
			}
			if _, _, err := c.cb.Reads(bg, c.act[stranger], pg.Items[0].ID); err != nil {
				t.Fatal(err)
			}
			if _, err := c.cb.Team(bg, c.act[stranger], r.ID); err != nil {
				t.Fatal(err)
			}
			if _, err := c.cb.CreatePost(bg, c.act[stranger], r.ID, care.PostInput{Body: "救急搬送に同行しました"}); err != nil {
				t.Fatalf("post under break-glass: %v", err)
			}
			if n := auditCount(t, c.cb, admin, audit.BreakGlassView); n != before+5 {
				t.Errorf("breakglass.view entries %d, want %d", n, before+5)
			}
		})
		t.Run("ErrChange", func(t *testing.T) {
			_, err := c.cb.AddConsent(bg, c.act[stranger], r.ID, care.ConsentInput{Method: "oral", ObtainedAt: "2026-11-20", ObtainedBy: "x"})
			wantErr(t, err, care.EForbidden, "breakglass.error_read_only")
			_, err = c.cb.Invite(bg, c.act[stranger], r.ID, c.act[colleague].UserID)
			wantErr(t, err, care.EForbidden, "breakglass.error_read_only")
		})
		t.Run("ErrOtherResident", func(t *testing.T) {
			_, err := c.cb.Resident(bg, c.act[stranger], other.ID)
			wantNotFound(t, err, "resident")
		})
		t.Run("Notices", func(t *testing.T) {
			for _, who := range []string{owner, stranger} {
				ns, err := c.cb.BreakGlassNotices(bg, c.act[who])
				if err != nil || len(ns) != 1 || ns[0].ID != g.ID {
					t.Errorf("%s: notices %v %v", who, ns, err)
				}
			}
			if ns, err := c.cb.BreakGlassNotices(bg, c.act[outsider]); err != nil || len(ns) != 0 {
				t.Errorf("outsider: notices %v %v", ns, err)
			}
			if ns, err := c.cb.ResidentBreakGlass(bg, c.act[owner], r.ID); err != nil || len(ns) != 1 {
				t.Errorf("resident banner %v %v", ns, err)
			}
		})
		t.Run("Review", func(t *testing.T) {
			_, err := c.cb.BreakGlassReview(bg, c.fadmin["alpha"], true)
			wantErr(t, err, care.EForbidden, "")
			gs, err := c.cb.BreakGlassReview(bg, admin, true)
			if err != nil || len(gs) != 1 || gs[0].UserName != "介護 四郎" || gs[0].ResidentName != r.Name {
				t.Fatalf("review %+v %v", gs, err)
			}
			wantNotFound(t, c.cb.AcknowledgeBreakGlass(bg, c.admin["beta"], g.ID), "break_glass")
			if err := c.cb.AcknowledgeBreakGlass(bg, admin, g.ID); err != nil {
				t.Fatal(err)
			}
			if gs, _ := c.cb.BreakGlassReview(bg, admin, true); len(gs) != 0 {
				t.Errorf("still pending: %v", gs)
			}
			if gs, _ := c.cb.BreakGlassReview(bg, admin, false); len(gs) != 1 || gs[0].AcknowledgedBy != admin.UserID {
				t.Errorf("all: %v", gs)
			}
		})
		t.Run("Expiry", func(t *testing.T) {
			c.clock.Advance(59 * time.Minute)
			if _, err := c.cb.Resident(bg, c.act[stranger], r.ID); err != nil {
				t.Fatalf("a minute before expiry: %v", err)
			}
			c.clock.Advance(time.Minute)
			_, err := c.cb.Resident(bg, c.act[stranger], r.ID)
			wantNotFound(t, err, "resident")
			_, err = c.cb.CreatePost(bg, c.act[stranger], r.ID, care.PostInput{Body: "期限後"})
			wantNotFound(t, err, "resident")
			if ns, _ := c.cb.BreakGlassNotices(bg, c.act[owner]); len(ns) != 0 {
				t.Errorf("notices after expiry: %v", ns)
			}
		})
		t.Run("Duration", func(t *testing.T) {
			s, err := c.cb.AccessSettings(bg, admin)
			if err != nil || s.BreakGlassMinutes != 60 {
				t.Fatalf("settings %+v %v", s, err)
			}
			s.BreakGlassMinutes = 30
			if _, err := c.cb.UpdateAccessSettings(bg, admin, s); err != nil {
				t.Fatal(err)
			}
			g, err := c.cb.OpenBreakGlass(bg, c.act[outsider], r.ID, reason)
			if err != nil {
				t.Fatal(err)
			}
			if want := c.clock.Now().Add(30 * time.Minute); !g.ExpiresAt.Equal(want) {
				t.Errorf("expires %v, want %v", g.ExpiresAt, want)
			}
		})
	})
}

func TestAccessSettings(t *testing.T) {
	each(t, func(t *testing.T, f *fixture) {
		ctx := context.Background()
		admin := f.admin["alpha"] // from 192.0.2.1
		tests := []struct {
			name   string
			in     app.AccessSettings
			fields []string
			want   app.AccessSettings
		}{
			{"OK", app.AccessSettings{AdminAllow: "::ffff:192.0.2.0/120\n2001:db8::/32, 192.0.2.1", UserAllow: "10.1.2.3/8",
				BreakGlassMinutes: 90, DeviceCerts: true}, nil,
				app.AccessSettings{AdminAllow: "192.0.2.0/24 2001:db8::/32 192.0.2.1/32", UserAllow: "10.0.0.0/8", BreakGlassMinutes: 90, DeviceCerts: true}},
			{"OKEmpty", app.AccessSettings{BreakGlassMinutes: 60}, nil, app.AccessSettings{BreakGlassMinutes: 60}},
			{"ErrSelfLockout", app.AccessSettings{AdminAllow: "198.51.100.0/24", BreakGlassMinutes: 60}, []string{"admin_allow"}, app.AccessSettings{}},
			{"ErrCIDR", app.AccessSettings{AdminAllow: "192.0.2.0/33", UserAllow: "intranet", BreakGlassMinutes: 60},
				[]string{"admin_allow", "user_allow"}, app.AccessSettings{}},
			{"ErrMinutes", app.AccessSettings{BreakGlassMinutes: 24*60 + 1}, []string{"break_glass_minutes"}, app.AccessSettings{}},
		}
		for _, tt := range tests {
			t.Run(tt.name, func(t *testing.T) {
				got, err := f.app.UpdateAccessSettings(ctx, admin, tt.in)
				if tt.fields != nil {
					if fs := fieldsOf(err); !slices.Equal(fs, tt.fields) {
						t.Fatalf("fields %v, want %v (%v)", fs, tt.fields, err)
					}
					return
				}
				if err != nil || got != tt.want {
					t.Fatalf("got %+v %v, want %+v", got, err, tt.want)
				}
				if read, err := f.app.AccessSettings(ctx, admin); err != nil || read != tt.want {
					t.Errorf("read back %+v %v", read, err)
				}
			})
		}
		t.Run("ErrOtherRoles", func(t *testing.T) {
			_, err := f.app.UpdateAccessSettings(ctx, f.fadmin["alpha"], app.AccessSettings{BreakGlassMinutes: 60})
			wantErr(t, err, care.EForbidden, "")
		})
		if n := auditCount(t, f.app, admin, audit.AccessUpdate); n != 2 {
			t.Errorf("access.update entries %d, want 2", n)
		}
	})
}

// TestAllowList: the user allow-list applies at login and on every
// request, in every address form, and to its own tenant only.
func TestAllowList(t *testing.T) {
	each(t, func(t *testing.T, f *fixture) {
		ctx := context.Background()
		if _, err := f.app.UpdateAccessSettings(ctx, f.admin["alpha"], app.AccessSettings{UserAllow: "203.0.113.0/24 2001:db8::/32",
			BreakGlassMinutes: 60}); err != nil {
			t.Fatal(err)
		}
		from := func(ip string) care.Origin {
			return care.Origin{IP: ip, UserAgent: "test", Listener: care.UserListener}
		}
		tests := []struct {
			name, ip string
			ok       bool
		}{
			{"OKv4", "203.0.113.7", true},
			{"OKMapped", "::ffff:203.0.113.7", true},
			{"OKv6", "2001:db8::7", true},
			{"ErrV4", "192.0.2.1", false},
			{"ErrV6", "2001:db9::7", false},
			{"ErrMappedOutside", "::ffff:192.0.2.1", false},
			{"ErrGarbage", "not-an-address", false},
		}
		for _, tt := range tests {
			t.Run(tt.name, func(t *testing.T) {
				_, _, err := f.app.Login(ctx, app.Credentials{Tenant: "alpha", LoginID: "nurse", Password: pw, Origin: from(tt.ip)})
				if tt.ok && err != nil {
					t.Fatalf("login from %s: %v", tt.ip, err)
				}
				if !tt.ok {
					wantErr(t, err, care.EForbidden, "access.error_address")
					wantErr(t, f.app.LoginGate(ctx, "alpha", from(tt.ip), ""), care.EForbidden, "access.error_address")
				}
			})
		}
		t.Run("ErrSessionFromElsewhere", func(t *testing.T) {
			tok, _, err := f.app.Login(ctx, app.Credentials{Tenant: "alpha", LoginID: "nurse", Password: pw, Origin: from("203.0.113.7")})
			if err != nil {
				t.Fatal(err)
			}
			if _, err := f.app.Authenticate(ctx, tok, from("203.0.113.8"), ""); err != nil {
				t.Fatal(err)
			}
			_, err = f.app.Authenticate(ctx, tok, from("192.0.2.1"), "")
			wantErr(t, err, care.EForbidden, "access.error_address")
			// The list changes: the open session is refused at once.
			if _, err := f.app.UpdateAccessSettings(ctx, f.admin["alpha"], app.AccessSettings{UserAllow: "2001:db8::/32",
				BreakGlassMinutes: 60}); err != nil {
				t.Fatal(err)
			}
			_, err = f.app.Authenticate(ctx, tok, from("203.0.113.7"), "")
			wantErr(t, err, care.EForbidden, "access.error_address")
		})
		t.Run("OKOtherTenant", func(t *testing.T) {
			if _, _, err := f.app.Login(ctx, app.Credentials{Tenant: "beta", LoginID: "nurse", Password: pw, Origin: from("192.0.2.1")}); err != nil {
				t.Fatal(err)
			}
		})
		t.Run("OKUnknownTenantGate", func(t *testing.T) {
			if err := f.app.LoginGate(ctx, "gamma", from("192.0.2.1"), ""); err != nil {
				t.Fatal(err)
			}
		})
		if n := auditCount(t, f.app, f.admin["alpha"], audit.LoginFailure); n == 0 {
			t.Error("refused logins are not in the audit log")
		}
	})
}

// TestAdminAllowList: the admin allow-list and the operator's own.
func TestAdminAllowList(t *testing.T) {
	each(t, func(t *testing.T, f *fixture) {
		ctx := context.Background()
		c, err := f.app.IssueClientCert(ctx, f.op, "alpha", "admin")
		if err != nil {
			t.Fatal(err)
		}
		fp := pki.Fingerprint(c.Cert)
		from := func(ip string) care.Origin {
			return care.Origin{IP: ip, UserAgent: "test", Listener: care.AdminListener}
		}
		admin := f.admin["alpha"]
		admin.IP = "192.0.2.1"
		if _, err := f.app.UpdateAccessSettings(ctx, admin, app.AccessSettings{AdminAllow: "192.0.2.0/24", BreakGlassMinutes: 60}); err != nil {
			t.Fatal(err)
		}
		if _, _, err := f.app.Login(ctx, app.Credentials{Tenant: "alpha", LoginID: "admin", Password: pw, Origin: from("192.0.2.9"),
			CertFingerprint: fp}); err != nil {
			t.Fatalf("admin from inside: %v", err)
		}
		_, _, err = f.app.Login(ctx, app.Credentials{Tenant: "alpha", LoginID: "admin", Password: pw, Origin: from("198.51.100.1"),
			CertFingerprint: fp})
		wantErr(t, err, care.EForbidden, "access.error_address")
		// The user listener's list is another: empty here.
		if _, _, err := f.app.Login(ctx, app.Credentials{Tenant: "alpha", LoginID: "nurse", Password: pw, Origin: userO}); err != nil {
			t.Fatal(err)
		}

		// The operator console, --operator-allow.
		oa, err := care.ParseAllowList("10.0.0.0/8")
		if err != nil {
			t.Fatal(err)
		}
		a := app.New(f.db, auth.NewHasher(cheap, 0), app.Options{OperatorAllow: oa})
		oc, err := f.app.IssueClientCert(ctx, f.op, "", "operator")
		if err != nil {
			t.Fatal(err)
		}
		ofp := pki.Fingerprint(oc.Cert)
		secret, err := f.app.SeedTOTP(ctx, f.op, "", "operator") // operators always need a second factor
		if err != nil {
			t.Fatal(err)
		}
		_, pending, err := a.Login(ctx, app.Credentials{LoginID: "operator", Password: pw, Origin: from("::ffff:10.9.8.7"), CertFingerprint: ofp})
		if err != nil {
			t.Fatalf("operator from inside: %v", err)
		}
		tok, _, err := a.VerifyFactor(ctx, pending, nextCode(t, f, secret))
		if err != nil {
			t.Fatalf("operator's code: %v", err)
		}
		if _, err := a.Authenticate(ctx, tok, from("10.1.1.1"), ofp); err != nil {
			t.Fatal(err)
		}
		_, err = a.Authenticate(ctx, tok, from("192.0.2.1"), ofp)
		wantErr(t, err, care.EForbidden, "access.error_address")
		_, _, err = a.Login(ctx, app.Credentials{LoginID: "operator", Password: pw, Origin: from("192.0.2.1"), CertFingerprint: ofp})
		wantErr(t, err, care.EUnauthorized, "error.login_failed")
		wantErr(t, a.OperatorLoginGate(from("192.0.2.1")), care.EForbidden, "access.error_address")
	})
}

// TestDeviceCerts: a tenant that requires device certificates lets its
// users in only with a valid one bound to them.
func TestDeviceCerts(t *testing.T) {
	each(t, func(t *testing.T, f *fixture) {
		ctx := context.Background()
		admin := f.admin["alpha"]
		if _, err := f.app.UpdateAccessSettings(ctx, admin, app.AccessSettings{DeviceCerts: true, BreakGlassMinutes: 60}); err != nil {
			t.Fatal(err)
		}
		nurse := f.member["alpha"]
		// A user of the other facility, whom the clinic's admin may not serve.
		pharm, err := f.app.CreateUser(ctx, admin, care.UserInput{LoginID: "pharm", Name: "薬剤 次郎", Profession: "pharmacist",
			Role: care.RoleMember, Facilities: []string{f.other["alpha"].ID}, Password: pw})
		if err != nil {
			t.Fatal(err)
		}
		fadmin := f.fadmin["alpha"]
		_, err = f.app.IssueDeviceCert(ctx, fadmin, pharm.ID)
		wantNotFound(t, err, "user")
		_, err = f.app.IssueDeviceCert(ctx, f.admin["beta"], nurse.ID)
		wantNotFound(t, err, "user")
		dev, err := f.app.IssueDeviceCert(ctx, fadmin, nurse.ID)
		if err != nil {
			t.Fatal(err)
		}
		fp := pki.Fingerprint(dev.Cert)
		other, err := f.app.IssueDeviceCert(ctx, admin, pharm.ID)
		if err != nil {
			t.Fatal(err)
		}
		adminCert, err := f.app.IssueClientCert(ctx, f.op, "alpha", "admin")
		if err != nil {
			t.Fatal(err)
		}
		login := func(fp string) error {
			_, _, err := f.app.Login(ctx, app.Credentials{Tenant: "alpha", LoginID: "nurse", Password: pw, Origin: userO, CertFingerprint: fp})
			return err
		}
		wantErr(t, login(""), care.EForbidden, "access.error_device_cert")
		wantErr(t, f.app.LoginGate(ctx, "alpha", userO, ""), care.EForbidden, "access.error_device_cert")
		wantErr(t, login(pki.Fingerprint(other.Cert)), care.EForbidden, "access.error_device_cert")
		wantErr(t, login(pki.Fingerprint(adminCert.Cert)), care.EForbidden, "access.error_device_cert")
		if err := f.app.LoginGate(ctx, "alpha", userO, fp); err != nil {
			t.Fatal(err)
		}
		tok, _, err := f.app.Login(ctx, app.Credentials{Tenant: "alpha", LoginID: "nurse", Password: pw, Origin: userO, CertFingerprint: fp})
		if err != nil {
			t.Fatalf("login with the device certificate: %v", err)
		}
		if _, err := f.app.Authenticate(ctx, tok, userO, fp); err != nil {
			t.Fatal(err)
		}
		_, err = f.app.Authenticate(ctx, tok, userO, "")
		wantErr(t, err, care.EForbidden, "access.error_device_cert")
		// Beta requires none.
		if _, _, err := f.app.Login(ctx, app.Credentials{Tenant: "beta", LoginID: "nurse", Password: pw, Origin: userO}); err != nil {
			t.Fatal(err)
		}
		// A device certificate never opens the admin console.
		if err := f.app.CheckAdminConnection(ctx, fp); err == nil {
			t.Error("a device certificate passed the admin gate")
		}
		if err := f.app.CheckAdminConnection(ctx, pki.Fingerprint(adminCert.Cert)); err != nil {
			t.Errorf("admin certificate: %v", err)
		}
		// Revoked: refused at once, for the open session too.
		_, err = f.app.RevokeClientCert(ctx, f.admin["beta"], dev.Serial)
		wantNotFound(t, err, "certificate")
		_, err = f.app.RevokeClientCert(ctx, fadmin, dev.Serial)
		wantErr(t, err, care.EForbidden, "")
		if _, err := f.app.RevokeClientCert(ctx, admin, dev.Serial); err != nil {
			t.Fatal(err)
		}
		_, err = f.app.Authenticate(ctx, tok, userO, fp)
		wantErr(t, err, care.EForbidden, "access.error_device_cert")
		wantErr(t, login(fp), care.EForbidden, "access.error_device_cert")
		if n := auditCount(t, f.app, admin, audit.CertDeviceIssue); n != 2 {
			t.Errorf("cert.device_issue entries %d, want 2", n)
		}
		if n := auditCount(t, f.app, admin, audit.CertRevoke); n != 1 {
			t.Errorf("cert.revoke entries %d, want 1", n)
		}
		// Expired: the admin certificate a year and more later.
		f.clock.Advance(app.CertValidity)
		if err := f.app.CheckAdminConnection(ctx, pki.Fingerprint(adminCert.Cert)); err == nil {
			t.Error("an expired certificate passed the admin gate")
		}
	})
}

// TestRevokeWritesCRL: a revocation by an operator is in the operator's
// log and the tenant's, and in the rewritten CRL file.
func TestRevokeWritesCRL(t *testing.T) {
	each(t, func(t *testing.T, f *fixture) {
		ctx := context.Background()
		dir := t.TempDir()
		ca, err := pki.Create(filepath.Join(dir, "ca"), f.clock.Now())
		if err != nil {
			t.Fatal(err)
		}
		crlPath := filepath.Join(dir, "crl.pem")
		a := app.New(f.db, auth.NewHasher(cheap, 0), app.Options{CA: ca, CRLPath: crlPath})
		c, err := a.IssueClientCert(ctx, f.op, "alpha", "admin")
		if err != nil {
			t.Fatal(err)
		}
		keep, err := a.IssueClientCert(ctx, f.op, "beta", "admin")
		if err != nil {
			t.Fatal(err)
		}
		got, err := a.RevokeClientCert(ctx, f.op, c.Serial)
		if err != nil || got.RevokedAt == nil || got.TenantSlug != "alpha" {
			t.Fatalf("revoke = %+v %v", got, err)
		}
		if _, err := a.RevokeClientCert(ctx, f.op, c.Serial); err != nil {
			t.Fatalf("revoking twice: %v", err)
		}
		data, err := os.ReadFile(crlPath)
		if err != nil {
			t.Fatal(err)
		}
		block, _ := pem.Decode(data)
		if block == nil {
			t.Fatalf("no PEM in %s", data)
		}
		crl, err := x509.ParseRevocationList(block.Bytes)
		if err != nil {
			t.Fatal(err)
		}
		if err := crl.CheckSignatureFrom(ca.Cert); err != nil {
			t.Fatal(err)
		}
		var serials []string
		for _, e := range crl.RevokedCertificateEntries {
			serials = append(serials, e.SerialNumber.Text(16))
		}
		if !slices.Contains(serials, pki.Serial(c.Cert)) || slices.Contains(serials, pki.Serial(keep.Cert)) || len(serials) != 1 {
			t.Errorf("CRL serials %v, want only %s", serials, c.Serial)
		}
		ops, err := a.Audit(ctx, f.op, app.AuditFilter{Action: string(audit.CertRevoke)})
		if err != nil || len(ops) != 1 {
			t.Errorf("operator's log: %v %v", ops, err)
		}
		if n := auditCount(t, a, f.admin["alpha"], audit.CertRevoke); n != 1 {
			t.Errorf("tenant's log: %d entries, want 1", n)
		}
		list, err := a.ClientCerts(ctx, f.admin["beta"])
		if err != nil || len(list) != 1 || list[0].Serial != keep.Serial {
			t.Errorf("beta's list %v %v", list, err)
		}
		_, err = a.RevokeClientCert(ctx, f.admin["beta"], c.Serial)
		wantNotFound(t, err, "certificate")
	})
}

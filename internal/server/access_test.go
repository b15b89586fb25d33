package server_test

import (
	"context"
	"crypto/tls"
	"net/http"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/renrakucho/renrakucho/internal/app"
	"github.com/renrakucho/renrakucho/internal/care"
	"github.com/renrakucho/renrakucho/internal/config"
	"github.com/renrakucho/renrakucho/internal/pki"
	"github.com/renrakucho/renrakucho/internal/server"
	"github.com/renrakucho/renrakucho/internal/store"
	"github.com/renrakucho/renrakucho/internal/store/storetest"
)

const accessPW = "Hanamizuki-2026-kaze"

// accessTenant makes tenant "demo" with two tenant admins (admin, admin2)
// and a member (nurse), as the operator "root".
func accessTenant(t *testing.T, e *env) care.Actor {
	t.Helper()
	ctx := context.Background()
	o := care.Origin{IP: "127.0.0.1", UserAgent: "test", Listener: care.AdminListener}
	op, err := e.app.InitOperator(ctx, "root", "運用 太郎", "", accessPW, o)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := e.app.CreateTenant(ctx, op, care.NewTenant{Slug: "demo", Name: "デモ市", AdminLogin: "admin",
		AdminName: "管理 花子", AdminPassword: accessPW}); err != nil {
		t.Fatal(err)
	}
	adm, err := e.app.TenantAdminActor(ctx, "demo", "admin", o)
	if err != nil {
		t.Fatal(err)
	}
	f, err := e.app.CreateFacility(ctx, adm, care.Facility{Kind: "clinic", Name: "デモ診療所"})
	if err != nil {
		t.Fatal(err)
	}
	for _, u := range []care.UserInput{
		{LoginID: "admin2", Name: "管理 次郎", Profession: "other", Role: care.RoleTenantAdmin, Facilities: []string{f.ID}, Password: accessPW},
		{LoginID: "nurse", Name: "看護 花子", Profession: "nurse", Role: care.RoleMember, Facilities: []string{f.ID}, Password: accessPW},
	} {
		if _, err := e.app.CreateUser(ctx, adm, u); err != nil {
			t.Fatal(err)
		}
	}
	return op
}

func issued(t *testing.T, e *env, op care.Actor, tenant, login string) (tls.Certificate, app.IssuedCert) {
	t.Helper()
	c, err := e.app.IssueClientCert(context.Background(), op, tenant, login)
	if err != nil {
		t.Fatal(err)
	}
	return c.TLSCertificate(), c
}

// TestAdminCertificateGate is the client-certificate gate of the admin
// listener, on a real TLS listener: without a certificate, with a
// self-signed one, one of another CA, an expired one, a revoked one and
// another admin's valid one, the admin "demo.admin" never reaches the
// password form or the login API; with their own, they do.
func TestAdminCertificateGate(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		// A CA made three hours ago, so that it can issue a certificate
		// that expired an hour ago.
		ca, err := pki.Create(t.TempDir(), time.Now().Add(-3*time.Hour))
		if err != nil {
			t.Fatal(err)
		}
		e := startWithCA(t, db, ca)
		op := accessTenant(t, e)
		ctx := context.Background()
		otherCA, err := pki.Create(t.TempDir(), time.Now())
		if err != nil {
			t.Fatal(err)
		}
		// Expired: issued two hours ago for one hour, and recorded.
		old, err := e.ca.IssueClient(pki.Subject{Tenant: "demo", Login: "admin"}, time.Hour, time.Now().Add(-2*time.Hour))
		if err != nil {
			t.Fatal(err)
		}
		if err := db.Platform(ctx, func(ptx *store.PlatformTx) error {
			return ptx.RecordClientCert(ctx, store.ClientCert{Serial: old.Serial, TenantID: "x", LoginID: "admin",
				Fingerprint: pki.Fingerprint(old.Cert), NotAfter: old.NotAfter})
		}); err != nil {
			t.Fatal(err)
		}
		expired := old.TLSCertificate()
		revoked, rc := issued(t, e, op, "demo", "admin")
		if _, err := e.app.RevokeClientCert(ctx, op, rc.Serial); err != nil {
			t.Fatal(err)
		}
		another, _ := issued(t, e, op, "demo", "admin2")
		right, _ := issued(t, e, op, "demo", "admin")

		const (
			refused = iota // no TLS session at all
			form           // the password form, but the login API refuses this account
			ok
		)
		tests := []struct {
			name string
			cert *tls.Certificate
			want int
		}{
			{"ErrNoCertificate", nil, refused},
			{"ErrSelfSigned", selfSigned(t), refused},
			{"ErrOtherCA", clientCert(t, otherCA, pki.Subject{Tenant: "demo", Login: "admin"}), refused},
			{"ErrExpired", &expired, refused},
			{"ErrRevoked", &revoked, refused},
			{"ErrAnotherAdmin", &another, form},
			{"OK", &right, ok},
		}
		// Admins always need a second factor: every login carries a code.
		otp := seedTOTP(t, e, op, "demo", "admin")
		body := func(code string) string {
			return `{"tenant":"demo","login_id":"admin","password":"` + accessPW + `","otp":"` + code + `"}`
		}
		for _, tt := range tests {
			t.Run(tt.name, func(t *testing.T) {
				// A right code, not spent unless the login gets past the
				// certificate gate.
				code := otp.peekCode(t)
				if tt.want == ok {
					code = otp.nextCode(t)
				}
				c := e.clientWith(t, tt.cert)
				page, perr := try(c, "GET", e.adminURL+"/login", nil)
				api, aerr := try(c, "POST", e.adminURL+"/api/v1/sessions", strings.NewReader(body(code)), "Content-Type", "application/json")
				switch tt.want {
				case refused:
					if perr == nil || aerr == nil {
						t.Fatalf("GET /login = %d %v, POST /api/v1/sessions = %d %v; want refused handshakes", page.status, perr, api.status, aerr)
					}
				case form:
					if perr != nil || page.status != 200 || !strings.Contains(page.body, `value="admin2"`) {
						t.Fatalf("GET /login = %d %v, want the form bound to admin2", page.status, perr)
					}
					if aerr != nil || api.status != http.StatusUnauthorized {
						t.Fatalf("login as admin with admin2's certificate = %d %v, want 401", api.status, aerr)
					}
				case ok:
					if perr != nil || page.status != 200 || !strings.Contains(page.body, `name="password"`) {
						t.Fatalf("GET /login = %d %v, want the password form", page.status, perr)
					}
					if aerr != nil || api.status != http.StatusCreated {
						t.Fatalf("login = %d %v %s, want 201", api.status, aerr, api.body)
					}
				}
			})
		}

		// A revocation applies without a restart: to a connection already
		// open (refused before any page), to its session, to new
		// connections.
		t.Run("ErrRevokedWhileConnected", func(t *testing.T) {
			cert, ic := issued(t, e, op, "demo", "admin")
			c := e.clientWith(t, &cert)
			r := do(t, c, "POST", e.adminURL+"/api/v1/sessions", strings.NewReader(body(otp.nextCode(t))), "Content-Type", "application/json")
			if r.status != http.StatusCreated {
				t.Fatalf("login = %d %s", r.status, r.body)
			}
			tok := r.header.Get("Set-Cookie")
			tok = strings.TrimPrefix(strings.SplitN(tok, ";", 2)[0], "__Host-rk_admin=")
			bearer := []string{"Authorization", "Bearer " + tok}
			if r := do(t, c, "GET", e.adminURL+"/api/v1/me", nil, bearer...); r.status != 200 {
				t.Fatalf("me = %d %s", r.status, r.body)
			}
			if _, err := e.app.RevokeClientCert(ctx, op, ic.Serial); err != nil {
				t.Fatal(err)
			}
			if r := do(t, c, "GET", e.adminURL+"/api/v1/me", nil, bearer...); r.status != http.StatusForbidden {
				t.Errorf("me after revocation on the open connection = %d, want 403", r.status)
			}
			if r := do(t, c, "GET", e.adminURL+"/login", nil); r.status != http.StatusForbidden || strings.Contains(r.body, `name="password"`) {
				t.Errorf("login page after revocation = %d, want 403 without a form", r.status)
			}
			fresh := e.clientWith(t, &cert)
			if _, err := try(fresh, "GET", e.adminURL+"/login", nil); err == nil {
				t.Error("a new connection with the revoked certificate was accepted")
			}
		})
	})
}

// TestAllowListProxies drives the user allow-list through the user
// listener: X-Forwarded-For is believed only from a trusted proxy, in
// IPv4, IPv6 and IPv4-mapped forms.
func TestAllowListProxies(t *testing.T) {
	for _, tc := range []struct {
		name    string
		proxies []string
	}{{"Untrusted", nil}, {"Trusted", []string{"127.0.0.1"}}} {
		t.Run(tc.name, func(t *testing.T) {
			storetest.Each(t, func(t *testing.T, db *store.DB) {
				e := start(t, db, func(c *config.Config, _ *server.Deps) { c.TrustedProxies = tc.proxies })
				accessTenant(t, e)
				ctx := context.Background()
				adm, err := e.app.TenantAdminActor(ctx, "demo", "admin", care.Origin{IP: "127.0.0.1", Listener: care.AdminListener})
				if err != nil {
					t.Fatal(err)
				}
				if _, err := e.app.UpdateAccessSettings(ctx, adm, app.AccessSettings{UserAllow: "203.0.113.0/24 2001:db8::/32",
					BreakGlassMinutes: 60}); err != nil {
					t.Fatal(err)
				}
				trusted := tc.proxies != nil
				tests := []struct {
					name, xff string
					ok        bool // when the proxy is trusted; untrusted, only the peer (127.0.0.1) counts
				}{
					{"NoHeader", "", false},
					{"v4", "203.0.113.9", true},
					{"v6", "2001:db8::9", true},
					{"Mapped", "::ffff:203.0.113.9", true},
					{"Outside", "198.51.100.1", false},
					{"SpoofedLeftmost", "203.0.113.9, 198.51.100.1", false},
				}
				body := `{"tenant":"demo","login_id":"nurse","password":"` + accessPW + `"}`
				for _, tt := range tests {
					t.Run(tt.name, func(t *testing.T) {
						h := []string{"Content-Type", "application/json"}
						if tt.xff != "" {
							h = append(h, "X-Forwarded-For", tt.xff)
						}
						r := do(t, e.user, "POST", e.userURL+"/api/v1/sessions", strings.NewReader(body), h...)
						want := http.StatusForbidden
						if trusted && tt.ok {
							want = http.StatusCreated
						}
						if r.status != want {
							t.Fatalf("login with X-Forwarded-For %q = %d %s, want %d", tt.xff, r.status, r.body, want)
						}
					})
				}
				if !trusted {
					return
				}
				// A session opened from an allowed address is refused from
				// another, and once the list no longer allows its address.
				r := do(t, e.user, "POST", e.userURL+"/api/v1/sessions", strings.NewReader(body), "Content-Type", "application/json",
					"X-Forwarded-For", "203.0.113.9")
				if r.status != http.StatusCreated {
					t.Fatalf("login = %d", r.status)
				}
				tok := strings.TrimPrefix(strings.SplitN(r.header.Get("Set-Cookie"), ";", 2)[0], "rk_session=")
				bearer := []string{"Authorization", "Bearer " + tok}
				if r := do(t, e.user, "GET", e.userURL+"/api/v1/me", nil, append(bearer, "X-Forwarded-For", "203.0.113.10")...); r.status != 200 {
					t.Fatalf("me = %d", r.status)
				}
				if r := do(t, e.user, "GET", e.userURL+"/api/v1/me", nil, append(bearer, "X-Forwarded-For", "198.51.100.1")...); r.status == 200 {
					t.Errorf("me from outside the list = %d", r.status)
				}
				if _, err := e.app.UpdateAccessSettings(ctx, adm, app.AccessSettings{UserAllow: "2001:db8::/32", BreakGlassMinutes: 60}); err != nil {
					t.Fatal(err)
				}
				if r := do(t, e.user, "GET", e.userURL+"/api/v1/me", nil, append(bearer, "X-Forwarded-For", "203.0.113.10")...); r.status == 200 {
					t.Errorf("me after the list changed = %d", r.status)
				}
				// The member pages say why, before any password form.
				p := do(t, e.user, "GET", e.userURL+"/t/demo/login", nil, "X-Forwarded-For", "203.0.113.10")
				if p.status != http.StatusForbidden || strings.Contains(p.body, `name="password"`) {
					t.Errorf("login page from outside = %d", p.status)
				}
			})
		})
	}
}

// TestDeviceCertificateListener: with TLS on the user listener and the
// tenant's device-certificate policy on, a member logs in only from a
// connection presenting their device certificate.
func TestDeviceCertificateListener(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		ca, err := pki.Create(t.TempDir(), time.Now())
		if err != nil {
			t.Fatal(err)
		}
		e := startWithCA(t, db, ca, userTLS(t, ca))
		accessTenant(t, e)
		ctx := context.Background()
		adm, err := e.app.TenantAdminActor(ctx, "demo", "admin", care.Origin{IP: "127.0.0.1", Listener: care.AdminListener})
		if err != nil {
			t.Fatal(err)
		}
		// asked reports whether the user listener asks for a certificate.
		asked := func() bool {
			t.Helper()
			var n atomic.Int32
			c := e.clientWith(t, nil, func(c *tls.Config) {
				c.GetClientCertificate = func(*tls.CertificateRequestInfo) (*tls.Certificate, error) {
					n.Add(1)
					return &tls.Certificate{}, nil
				}
			})
			if r := do(t, c, "GET", e.userURL+"/healthz", nil); r.status != 200 {
				t.Fatalf("healthz = %d", r.status)
			}
			return n.Load() > 0
		}
		if asked() {
			t.Error("the user listener asks for a certificate while no tenant requires one")
		}
		if _, err := e.app.UpdateAccessSettings(ctx, adm, app.AccessSettings{DeviceCerts: true, BreakGlassMinutes: 60}); err != nil {
			t.Fatal(err)
		}
		if !asked() {
			t.Error("the user listener does not ask for a certificate once a tenant requires one")
		}
		us, err := e.app.Users(ctx, adm, app.UserFilter{Query: "nurse"})
		if err != nil || len(us) != 1 {
			t.Fatalf("nurse: %v %v", us, err)
		}
		dev, err := e.app.IssueDeviceCert(ctx, adm, us[0].ID)
		if err != nil {
			t.Fatal(err)
		}
		devCert := dev.TLSCertificate()
		otherCA, err := pki.Create(t.TempDir(), time.Now())
		if err != nil {
			t.Fatal(err)
		}
		body := `{"tenant":"demo","login_id":"nurse","password":"` + accessPW + `"}`
		without := e.clientWith(t, nil)
		p := do(t, without, "GET", e.userURL+"/t/demo/login", nil)
		if p.status != http.StatusForbidden || strings.Contains(p.body, `name="password"`) {
			t.Errorf("login page without a certificate = %d", p.status)
		}
		if r := do(t, without, "POST", e.userURL+"/api/v1/sessions", strings.NewReader(body), "Content-Type", "application/json"); r.status != http.StatusForbidden {
			t.Errorf("login without a certificate = %d %s", r.status, r.body)
		}
		if _, err := try(e.clientWith(t, clientCert(t, otherCA, pki.Subject{Tenant: "demo", Login: "nurse"})), "GET", e.userURL+"/healthz", nil); err == nil {
			t.Error("a certificate of another CA was accepted")
		}
		with := e.clientWith(t, &devCert)
		if p := do(t, with, "GET", e.userURL+"/t/demo/login", nil); p.status != 200 || !strings.Contains(p.body, `name="password"`) {
			t.Errorf("login page with the device certificate = %d", p.status)
		}
		r := do(t, with, "POST", e.userURL+"/api/v1/sessions", strings.NewReader(body), "Content-Type", "application/json")
		if r.status != http.StatusCreated {
			t.Fatalf("login with the device certificate = %d %s", r.status, r.body)
		}
		tok := strings.TrimPrefix(strings.SplitN(r.header.Get("Set-Cookie"), ";", 2)[0], "__Host-rk_session=")
		bearer := []string{"Authorization", "Bearer " + tok}
		if r := do(t, with, "GET", e.userURL+"/api/v1/me", nil, bearer...); r.status != 200 {
			t.Errorf("me with the certificate = %d", r.status)
		}
		if r := do(t, without, "GET", e.userURL+"/api/v1/me", nil, bearer...); r.status == 200 {
			t.Errorf("the session without the certificate = %d", r.status)
		}
		if _, err := e.app.RevokeClientCert(ctx, adm, dev.Serial); err != nil {
			t.Fatal(err)
		}
		if r := do(t, with, "GET", e.userURL+"/api/v1/me", nil, bearer...); r.status == 200 {
			t.Errorf("the session after revocation = %d", r.status)
		}
	})
}

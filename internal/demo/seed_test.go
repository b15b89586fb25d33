package demo_test

import (
	"context"
	"testing"

	"github.com/renrakucho/renrakucho/internal/app"
	"github.com/renrakucho/renrakucho/internal/auth"
	"github.com/renrakucho/renrakucho/internal/care"
	"github.com/renrakucho/renrakucho/internal/demo"
	"github.com/renrakucho/renrakucho/internal/store"
	"github.com/renrakucho/renrakucho/internal/store/storetest"
)

const password = "Minato-Demo-2026"

var cli = care.Origin{UserAgent: "demo test", Listener: care.AdminListener}

// counts is what the demo put in the database.
type counts struct {
	tenants    int
	facilities map[string]int
	users      map[string]int
}

func count(t *testing.T, a *app.App) counts {
	t.Helper()
	ctx := context.Background()
	op, err := a.OperatorActor(ctx, demo.OperatorLogin, cli)
	if err != nil {
		t.Fatal(err)
	}
	tenants, err := a.Tenants(ctx, op)
	if err != nil {
		t.Fatal(err)
	}
	c := counts{tenants: len(tenants), facilities: map[string]int{}, users: map[string]int{}}
	for _, tn := range tenants {
		ta, err := a.TenantAdminActor(ctx, tn.Slug, demo.AdminLogin, cli)
		if err != nil {
			t.Fatal(err)
		}
		fs, err := a.Facilities(ctx, ta)
		if err != nil {
			t.Fatal(err)
		}
		us, err := a.Users(ctx, ta, app.UserFilter{})
		if err != nil {
			t.Fatal(err)
		}
		c.facilities[tn.Slug], c.users[tn.Slug] = len(fs), len(us)
	}
	return c
}

func TestSeed(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		ctx := context.Background()
		a := app.New(db, auth.NewHasher(auth.Params{Memory: 1024, Time: 1, Threads: 1, KeyLen: 32, SaltLen: 16}, 0), app.Options{})
		if err := demo.Seed(ctx, a, password, cli); err != nil {
			t.Fatalf("Seed: %v", err)
		}
		first := count(t, a)
		if first.tenants != len(demo.Tenants) {
			t.Errorf("%d tenants, want %d", first.tenants, len(demo.Tenants))
		}
		for _, tn := range demo.Tenants {
			// The tenant's own office comes with the tenant.
			if got, want := first.facilities[tn.Slug], len(tn.Facilities)+1; got != want {
				t.Errorf("%s: %d facilities, want %d", tn.Slug, got, want)
			}
			if got, want := first.users[tn.Slug], len(tn.Users); got != want {
				t.Errorf("%s: %d users, want %d", tn.Slug, got, want)
			}
		}

		t.Run("Idempotent", func(t *testing.T) {
			if err := demo.Seed(ctx, a, password, cli); err != nil {
				t.Fatalf("second Seed: %v", err)
			}
			second := count(t, a)
			if second.tenants != first.tenants {
				t.Errorf("tenants %d after the second Seed, %d before", second.tenants, first.tenants)
			}
			for slug := range first.users {
				if second.users[slug] != first.users[slug] || second.facilities[slug] != first.facilities[slug] {
					t.Errorf("%s: users %d→%d, facilities %d→%d", slug, first.users[slug], second.users[slug],
						first.facilities[slug], second.facilities[slug])
				}
			}
		})

		t.Run("Logins", func(t *testing.T) {
			for _, tn := range demo.Tenants {
				for _, u := range tn.Users {
					_, act, err := a.Login(ctx, app.Credentials{Tenant: tn.Slug, LoginID: u.Login, Password: password,
						Origin: care.Origin{Listener: care.UserListener}})
					if err != nil {
						t.Errorf("%s/%s: %v", tn.Slug, u.Login, err)
						continue
					}
					if act.Role != u.Role || act.Name != u.Name {
						t.Errorf("%s/%s: role %s name %s, want %s %s", tn.Slug, u.Login, act.Role, act.Name, u.Role, u.Name)
					}
				}
			}
		})

		t.Run("AdminInCityHall", func(t *testing.T) {
			ta, err := a.TenantAdminActor(ctx, "demo", demo.AdminLogin, cli)
			if err != nil {
				t.Fatal(err)
			}
			me, fs, err := a.Me(ctx, ta)
			if err != nil {
				t.Fatal(err)
			}
			if me.Kana == "" || len(fs) != 2 {
				t.Errorf("admin kana %q, %d facilities; want kana and the office plus the city hall", me.Kana, len(fs))
			}
		})

		t.Run("ErrWeakPassword", func(t *testing.T) {
			db2 := storetest.Open(t, db.Engine(), nil)
			a2 := app.New(db2, auth.NewHasher(auth.Params{Memory: 1024, Time: 1, Threads: 1, KeyLen: 32, SaltLen: 16}, 0), app.Options{})
			if err := demo.Seed(ctx, a2, "short", cli); err == nil {
				t.Fatal("Seed with a weak password succeeded")
			}
		})
	})
}

func TestData(t *testing.T) {
	seen := map[string]bool{}
	for _, tn := range demo.Tenants {
		if seen[tn.Slug] {
			t.Errorf("slug %s twice", tn.Slug)
		}
		seen[tn.Slug] = true
		in := care.NewTenant{Slug: tn.Slug, Name: tn.Name, Options: tn.Options, AdminLogin: demo.AdminLogin,
			AdminName: "x", AdminPassword: password}
		if err := in.Validate(); err != nil {
			t.Errorf("%s: %v", tn.Slug, err)
		}
		keys := map[string]bool{}
		for _, f := range tn.Facilities {
			keys[f.Key] = true
			cf := care.Facility{Kind: f.Kind, Name: f.Name, Address: f.Address, Phone: f.Phone, Area: f.Area}
			if err := cf.Validate(); err != nil {
				t.Errorf("%s/%s: %v", tn.Slug, f.Key, err)
			}
		}
		logins := map[string]bool{}
		for _, u := range tn.Users {
			logins[u.Login] = true
			in := care.UserInput{LoginID: u.Login, Name: u.Name, Kana: u.Kana, Profession: u.Profession, Email: u.Email,
				Role: u.Role, Facilities: u.Facilities, Password: password}
			if err := in.Validate(true); err != nil {
				t.Errorf("%s/%s: %v", tn.Slug, u.Login, err)
			}
			for _, k := range u.Facilities {
				if !keys[k] {
					t.Errorf("%s/%s: unknown facility %s", tn.Slug, u.Login, k)
				}
			}
		}
		// DESIGN §8 fixes these logins.
		for _, l := range []string{"admin", "fadmin", "doctor", "nurse", "caremgr", "pharmacist", "responder"} {
			if !logins[l] {
				t.Errorf("%s: no %s", tn.Slug, l)
			}
		}
		if got := tn.Admins(); len(got) != 2 || got[0] != "admin" || got[1] != "fadmin" {
			t.Errorf("%s: admins %v", tn.Slug, got)
		}
	}
	if !seen["demo"] || !seen["demo2"] {
		t.Error("the demo tenants must be demo and demo2")
	}
}

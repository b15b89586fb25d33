package app_test

import (
	"slices"
	"testing"
	"time"

	"github.com/renrakucho/renrakucho/internal/app"
	"github.com/renrakucho/renrakucho/internal/audit"
	"github.com/renrakucho/renrakucho/internal/care"
)

func TestTenantSettings(t *testing.T) {
	each(t, func(t *testing.T, f *fixture) {
		get := func(act care.Actor) app.Settings {
			t.Helper()
			s, err := f.app.TenantSettings(bg, act)
			if err != nil {
				t.Fatal(err)
			}
			return s
		}
		admin := f.admin["alpha"]
		t.Run("Default", func(t *testing.T) {
			if s := get(admin); s.EndedRetentionYears != 5 {
				t.Fatalf("default %+v, want 5 years", s)
			}
		})
		t.Run("OK", func(t *testing.T) {
			s, err := f.app.UpdateTenantSettings(bg, admin, app.Settings{EndedRetentionYears: 7, IdleMinutes: app.DefaultIdleMinutes})
			if err != nil || s.EndedRetentionYears != 7 {
				t.Fatalf("update: %+v %v", s, err)
			}
			if s := get(admin); s.EndedRetentionYears != 7 {
				t.Fatalf("after update %+v", s)
			}
			if s := get(f.admin["beta"]); s.EndedRetentionYears != 5 {
				t.Fatalf("beta's setting changed: %+v", s)
			}
			es, err := f.app.Audit(bg, admin, app.AuditFilter{Action: string(audit.SettingsUpdate)})
			if err != nil {
				t.Fatal(err)
			}
			if len(es) != 1 || es[0].ActorID != admin.UserID || es[0].TargetID != admin.TenantID ||
				es[0].Detail != "ended_retention_years 5 → 7" || es[0].Result != audit.OK {
				t.Fatalf("audit %+v", es)
			}
			if es, _ := f.app.Audit(bg, f.admin["beta"], app.AuditFilter{Action: string(audit.SettingsUpdate)}); len(es) != 0 {
				t.Fatalf("beta's log has alpha's change: %+v", es)
			}
		})
		for _, tt := range []struct {
			name  string
			years int
		}{{"ErrZero", 0}, {"ErrTooMany", 31}, {"ErrNegative", -1}} {
			t.Run(tt.name, func(t *testing.T) {
				_, err := f.app.UpdateTenantSettings(bg, admin, app.Settings{EndedRetentionYears: tt.years, IdleMinutes: app.DefaultIdleMinutes})
				wantErr(t, err, care.EInvalid, "")
				e := care.AsError(err)
				if len(e.Fields) != 1 || e.Fields[0] != (care.FieldError{Field: "ended_retention_years", Key: "error.retention_years"}) {
					t.Fatalf("fields %+v", e.Fields)
				}
				if s := get(admin); s.EndedRetentionYears != 7 {
					t.Fatalf("a refused change changed the setting: %+v", s)
				}
			})
		}
		t.Run("OKBounds", func(t *testing.T) {
			for _, y := range []int{1, 30, 7} {
				if _, err := f.app.UpdateTenantSettings(bg, admin, app.Settings{EndedRetentionYears: y, IdleMinutes: app.DefaultIdleMinutes}); err != nil {
					t.Fatalf("%d years: %v", y, err)
				}
			}
		})
		member, err := f.app.User(bg, admin, f.member["alpha"].ID)
		if err != nil {
			t.Fatal(err)
		}
		onUser := admin
		onUser.Listener = care.UserListener
		for name, act := range map[string]care.Actor{
			"ErrFacilityAdmin": f.fadmin["alpha"],
			"ErrMember": {TenantID: admin.TenantID, TenantSlug: "alpha", UserID: member.ID, LoginID: member.LoginID,
				Role: care.RoleMember, Facilities: member.Facilities, Listener: care.UserListener},
			"ErrAdminOnUserListener": onUser,
			"ErrOperator":            f.op,
			"ErrAnonymous":           {},
		} {
			t.Run(name, func(t *testing.T) {
				code := care.EForbidden
				if act.UserID == "" {
					code = care.EUnauthorized
				}
				_, err := f.app.TenantSettings(bg, act)
				wantErr(t, err, code, "")
				_, err = f.app.UpdateTenantSettings(bg, act, app.Settings{EndedRetentionYears: 3, IdleMinutes: app.DefaultIdleMinutes})
				wantErr(t, err, code, "")
				if s := get(admin); s.EndedRetentionYears != 7 {
					t.Fatalf("a forbidden change changed the setting: %+v", s)
				}
			})
		}
	})
}

// TestRunRetention: the job purges, in every tenant, what that tenant's
// own setting no longer keeps.
func TestRunRetention(t *testing.T) {
	eachCB(t, func(t *testing.T, c *cbFixture) {
		now := c.clock.Now()
		at := func(ti time.Time) { c.clock.Advance(ti.Sub(c.clock.Now())) }
		ended := func(who string, endedAt time.Time) care.Resident {
			t.Helper()
			at(endedAt.Add(-24 * time.Hour))
			r := c.newResident(t, who)
			at(endedAt)
			day := c.clock.Now().Add(9 * time.Hour).Format("2006-01-02")
			if err := c.cb.EndResident(bg, c.act[who], r.ID, care.EndInput{Date: day, Reason: "moved"}); err != nil {
				t.Fatal(err)
			}
			return r
		}
		alphaOld := ended(owner, now.AddDate(-6, 0, 0))
		alphaRecent := ended(owner, now.AddDate(-3, 0, 0))
		betaOld := ended(foreign, now.AddDate(-6, 0, 0))
		at(now)
		current := c.newResident(t)
		purged := func(act care.Actor) []string {
			t.Helper()
			es, err := c.cb.Audit(bg, act, app.AuditFilter{Action: string(audit.ResidentPurge)})
			if err != nil {
				t.Fatal(err)
			}
			var ids []string
			for _, e := range es {
				ids = append(ids, e.ResidentID)
			}
			slices.Sort(ids)
			return ids
		}

		n, err := c.cb.RunRetention(bg, now)
		if err != nil || n != 2 {
			t.Fatalf("first run purged %d (%v), want alpha's and beta's six-year-old ones", n, err)
		}
		if got := purged(c.admin["alpha"]); !slices.Equal(got, []string{alphaOld.ID}) {
			t.Errorf("alpha's purges %v, want %s", got, alphaOld.ID)
		}
		if got := purged(c.admin["beta"]); !slices.Equal(got, []string{betaOld.ID}) {
			t.Errorf("beta's purges %v, want %s", got, betaOld.ID)
		}
		if n, err := c.cb.RunRetention(bg, now); n != 0 || err != nil {
			t.Fatalf("second run purged %d (%v)", n, err)
		}

		// Alpha now keeps ended residents two years: the three-year-old one
		// goes at the next run; the current one never does.
		if _, err := c.cb.UpdateTenantSettings(bg, c.admin["alpha"], app.Settings{EndedRetentionYears: 2, IdleMinutes: app.DefaultIdleMinutes}); err != nil {
			t.Fatal(err)
		}
		if n, err := c.cb.RunRetention(bg, now); n != 1 || err != nil {
			t.Fatalf("run after shortening purged %d (%v), want 1", n, err)
		}
		_, err = c.cb.Resident(bg, c.act[owner], alphaRecent.ID)
		wantNotFound(t, err, "resident")
		if _, err := c.cb.Resident(bg, c.act[owner], current.ID); err != nil {
			t.Fatalf("the current resident: %v", err)
		}
	})
}

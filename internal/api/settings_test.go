package api_test

import (
	"strings"
	"testing"

	"github.com/renrakucho/renrakucho/internal/i18n"
	"github.com/renrakucho/renrakucho/internal/store"
	"github.com/renrakucho/renrakucho/internal/store/storetest"
)

func TestSettings(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		f := newFixture(t, db)
		admin := f.adminClient(f.admin, f.alphaCert).login("alpha", "admin")
		years := func(c *client) any {
			t.Helper()
			r := c.do("GET", "/api/v1/settings", nil)
			want(t, r, 200)
			return r.json(t)["ended_retention_years"]
		}
		t.Run("Get", func(t *testing.T) {
			if y := years(admin); y != float64(5) {
				t.Fatalf("default %v, want 5", y)
			}
		})
		t.Run("Patch", func(t *testing.T) {
			r := admin.do("PATCH", "/api/v1/settings", map[string]int{"ended_retention_years": 7})
			want(t, r, 200)
			if y := r.json(t)["ended_retention_years"]; y != float64(7) {
				t.Fatalf("patched %s", r.body)
			}
			if y := years(admin); y != float64(7) {
				t.Fatalf("after patch %v", y)
			}
			// An empty patch changes nothing.
			r = admin.do("PATCH", "/api/v1/settings", map[string]any{})
			want(t, r, 200)
			if y := r.json(t)["ended_retention_years"]; y != float64(7) {
				t.Fatalf("empty patch %s", r.body)
			}
			r = admin.do("GET", "/api/v1/audit?action=settings.update", nil)
			want(t, r, 200)
			if !strings.Contains(string(r.body), "ended_retention_years 5 → 7") {
				t.Errorf("the change is not in the audit log: %s", r.body)
			}
		})
		t.Run("OtherTenant", func(t *testing.T) {
			beta := f.adminClient(f.admin, f.betaCert).login("beta", "admin")
			if y := years(beta); y != float64(5) {
				t.Fatalf("beta's setting is %v, want its own 5", y)
			}
		})
		for _, tt := range []struct {
			name  string
			body  any
			field string
		}{
			{"ErrZero", `{"ended_retention_years":0}`, "ended_retention_years"},
			{"ErrTooMany", `{"ended_retention_years":31}`, "ended_retention_years"},
			{"ErrType", `{"ended_retention_years":"seven"}`, "ended_retention_years"},
			{"ErrFraction", `{"ended_retention_years":7.5}`, "ended_retention_years"},
			{"ErrUnknownField", `{"retention":7}`, "retention"},
		} {
			t.Run(tt.name, func(t *testing.T) {
				p := wantProblem(t, admin.english().do("PATCH", "/api/v1/settings", tt.body), 422, tt.field)
				if tt.name == "ErrTooMany" {
					msg := p["errors"].([]any)[0].(map[string]any)["message"]
					if msg != i18n.MustLoad().T(i18n.English, "error.retention_years") {
						t.Errorf("message %v", msg)
					}
				}
				if y := years(admin); y != float64(7) {
					t.Fatalf("a refused patch changed the setting to %v", y)
				}
			})
		}
		t.Run("ErrOperator", func(t *testing.T) {
			op := f.adminClient(f.admin, f.opCert).login("", "ops")
			wantProblem(t, op.do("GET", "/api/v1/settings", nil), 403)
			wantProblem(t, op.do("PATCH", "/api/v1/settings", map[string]int{"ended_retention_years": 9}), 403)
		})
		t.Run("ErrUserListener", func(t *testing.T) {
			// Not on the user listener at all, even for a tenant admin.
			for _, login := range []string{"admin", "nurse1"} {
				c := f.userClient().login("alpha", login)
				want(t, c.do("GET", "/api/v1/settings", nil), 404)
				want(t, c.do("PATCH", "/api/v1/settings", map[string]int{"ended_retention_years": 9}), 404)
			}
		})
		t.Run("ErrAnonymous", func(t *testing.T) {
			wantProblem(t, f.adminClient(f.admin, f.alphaCert).do("GET", "/api/v1/settings", nil), 401)
		})
		if y := years(admin); y != float64(7) {
			t.Fatalf("the refused requests changed the setting to %v", y)
		}
	})
}

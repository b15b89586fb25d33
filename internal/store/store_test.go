package store_test

import (
	"context"
	"testing"
	"time"

	"github.com/renrakucho/renrakucho/internal/audit"
	"github.com/renrakucho/renrakucho/internal/care"
	"github.com/renrakucho/renrakucho/internal/store"
	"github.com/renrakucho/renrakucho/internal/store/storetest"
)

// seed creates two tenants, each with one facility and one user.
func seed(t *testing.T, db *store.DB) (a, b care.Tenant, fa, fb care.Facility, ua, ub care.User) {
	t.Helper()
	ctx := context.Background()
	mk := func(slug string) (care.Tenant, care.Facility, care.User) {
		tn := care.Tenant{Slug: slug, Name: slug + "地域"}
		var f care.Facility
		var u care.User
		err := db.Platform(ctx, func(ptx *store.PlatformTx) error {
			if err := ptx.CreateTenant(ctx, &tn); err != nil {
				return err
			}
			tx, err := ptx.InTenant(ctx, tn.ID)
			if err != nil {
				return err
			}
			f = care.Facility{Kind: "clinic", Name: "みどり診療所"}
			if err := tx.CreateFacility(ctx, &f); err != nil {
				return err
			}
			u = care.User{LoginID: "doctor", Name: "山田 太郎", Kana: "ヤマダ タロウ", Profession: "doctor", Role: care.RoleMember, Facilities: []string{f.ID}}
			return tx.CreateUser(ctx, &u, "hash-"+slug)
		})
		if err != nil {
			t.Fatalf("seed %s: %v", slug, err)
		}
		return tn, f, u
	}
	a, fa, ua = mk("alpha")
	b, fb, ub = mk("beta")
	return
}

func TestTenants(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		ctx := context.Background()
		a, _, _, _, _, _ := seed(t, db)
		t.Run("OK", func(t *testing.T) {
			err := db.Platform(ctx, func(tx *store.PlatformTx) error {
				got, err := tx.TenantBySlug(ctx, "alpha")
				if err != nil {
					return err
				}
				if got.ID != a.ID || got.Name != "alpha地域" || !got.Active {
					t.Errorf("got %+v, want %+v", got, a)
				}
				list, err := tx.Tenants(ctx)
				if len(list) != 2 {
					t.Errorf("got %d tenants, want 2", len(list))
				}
				return err
			})
			if err != nil {
				t.Fatal(err)
			}
		})
		t.Run("ErrConflict", func(t *testing.T) {
			err := db.Platform(ctx, func(tx *store.PlatformTx) error {
				return tx.CreateTenant(ctx, &care.Tenant{Slug: "alpha", Name: "x"})
			})
			if care.ErrorCode(err) != care.EConflict {
				t.Fatalf("got %v, want conflict", err)
			}
		})
		t.Run("ErrNotFound", func(t *testing.T) {
			err := db.Platform(ctx, func(tx *store.PlatformTx) error {
				_, err := tx.TenantBySlug(ctx, "gamma")
				return err
			})
			if care.ErrorCode(err) != care.ENotFound {
				t.Fatalf("got %v, want not found", err)
			}
		})
	})
}

func TestTenantIsolation(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		ctx := context.Background()
		a, b, fa, fb, ua, ub := seed(t, db)
		err := db.InTenant(ctx, a.ID, func(tx *store.Tx) error {
			if _, err := tx.Facility(ctx, fa.ID); err != nil {
				t.Errorf("own facility: %v", err)
			}
			if _, err := tx.Facility(ctx, fb.ID); care.ErrorCode(err) != care.ENotFound {
				t.Errorf("other tenant's facility: got %v, want not found", err)
			}
			if _, err := tx.User(ctx, ub.ID); care.ErrorCode(err) != care.ENotFound {
				t.Errorf("other tenant's user: got %v, want not found", err)
			}
			if err := tx.UpdateFacility(ctx, care.Facility{ID: fb.ID, Kind: "clinic", Name: "乗っ取り"}); care.ErrorCode(err) != care.ENotFound {
				t.Errorf("update other tenant's facility: got %v, want not found", err)
			}
			if err := tx.DeleteUser(ctx, ub.ID); care.ErrorCode(err) != care.ENotFound {
				t.Errorf("delete other tenant's user: got %v, want not found", err)
			}
			users, err := tx.Users(ctx, store.UserFilter{})
			if err != nil || len(users) != 1 || users[0].ID != ua.ID {
				t.Errorf("users: got %v %v, want only %s", users, err, ua.ID)
			}
			// A user may not be put in another tenant's facility.
			u := care.User{LoginID: "nurse", Name: "看護 花子", Profession: "nurse", Role: care.RoleMember, Facilities: []string{fb.ID}}
			if err := tx.CreateUser(ctx, &u, "h"); care.ErrorCode(err) != care.EInvalid {
				t.Errorf("user in foreign facility: got %v, want invalid", err)
			}
			return nil
		})
		if err != nil {
			t.Fatal(err)
		}
		// The failed transaction above must not have half-written the user.
		db.InTenant(ctx, b.ID, func(tx *store.Tx) error {
			f, err := tx.Facility(ctx, fb.ID)
			if err != nil || f.Name != "みどり診療所" {
				t.Errorf("tenant b's facility changed: %+v %v", f, err)
			}
			return nil
		})
	})
}

func TestUsers(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		ctx := context.Background()
		a, _, fa, _, ua, _ := seed(t, db)
		tests := []struct {
			name string
			fn   func(tx *store.Tx) error
			code care.Code
		}{
			{"OK", func(tx *store.Tx) error {
				u, hash, err := tx.UserCredentials(ctx, "doctor")
				if err != nil {
					return err
				}
				if hash != "hash-alpha" || u.ID != ua.ID || len(u.Facilities) != 1 || u.Facilities[0] != fa.ID {
					t.Errorf("got %+v %q", u, hash)
				}
				return nil
			}, ""},
			{"ErrLoginTaken", func(tx *store.Tx) error {
				u := care.User{LoginID: "doctor", Name: "x", Profession: "doctor", Role: care.RoleMember, Facilities: []string{fa.ID}}
				return tx.CreateUser(ctx, &u, "h")
			}, care.EConflict},
			{"Delete", func(tx *store.Tx) error {
				if err := tx.CreateSession(ctx, store.Session{ID: "s1", UserID: ua.ID, Listener: care.UserListener,
					CreatedAt: tx.Now(), LastSeenAt: tx.Now(), ExpiresAt: tx.Now().Add(time.Hour)}); err != nil {
					return err
				}
				if err := tx.DeleteUser(ctx, ua.ID); err != nil {
					return err
				}
				if _, _, _, err := tx.Session(ctx, "s1"); care.ErrorCode(err) != care.ENotFound {
					t.Errorf("session after delete: %v", err)
				}
				if _, _, err := tx.UserCredentials(ctx, "doctor"); care.ErrorCode(err) != care.ENotFound {
					t.Errorf("login after delete: %v", err)
				}
				// The login ID is free again.
				u := care.User{LoginID: "doctor", Name: "新 医師", Profession: "doctor", Role: care.RoleMember, Facilities: []string{fa.ID}}
				return tx.CreateUser(ctx, &u, "h")
			}, ""},
		}
		for _, tt := range tests {
			t.Run(tt.name, func(t *testing.T) {
				err := db.InTenant(ctx, a.ID, tt.fn)
				if got := care.ErrorCode(err); err != nil && got != tt.code || err == nil && tt.code != "" {
					t.Fatalf("got %v, want code %q", err, tt.code)
				}
			})
		}
	})
}

func TestSessionsAndAudit(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		ctx := context.Background()
		a, b, _, _, ua, _ := seed(t, db)
		err := db.InTenant(ctx, a.ID, func(tx *store.Tx) error {
			now := tx.Now()
			if err := tx.CreateSession(ctx, store.Session{ID: "abc", UserID: ua.ID, Listener: care.UserListener, IP: "127.0.0.1",
				CreatedAt: now, LastSeenAt: now, ExpiresAt: now.Add(time.Hour)}); err != nil {
				return err
			}
			s, u, tn, err := tx.Session(ctx, "abc")
			if err != nil {
				return err
			}
			if tn.ID != a.ID || len(u.Facilities) != 1 || u.ID != ua.ID || s.IP != "127.0.0.1" || !s.ExpiresAt.Equal(now.Add(time.Hour).Truncate(time.Microsecond)) && !s.ExpiresAt.Equal(now.Add(time.Hour)) {
				t.Errorf("session %+v user %+v", s, u)
			}
			return tx.AppendAudit(ctx, &audit.Entry{ActorID: ua.ID, Action: audit.LoginSuccess, Result: audit.OK})
		})
		if err != nil {
			t.Fatal(err)
		}
		db.InTenant(ctx, b.ID, func(tx *store.Tx) error {
			if _, _, _, err := tx.Session(ctx, "abc"); care.ErrorCode(err) != care.ENotFound {
				t.Errorf("session from other tenant: %v", err)
			}
			if es, _ := tx.AuditEntries(ctx, store.AuditFilter{}); len(es) != 0 {
				t.Errorf("other tenant sees %d audit entries", len(es))
			}
			return nil
		})
		db.InTenant(ctx, a.ID, func(tx *store.Tx) error {
			es, err := tx.AuditEntries(ctx, store.AuditFilter{Action: string(audit.LoginSuccess)})
			if err != nil || len(es) != 1 || es[0].ActorID != ua.ID {
				t.Errorf("audit: %v %v", es, err)
			}
			return nil
		})
	})
}

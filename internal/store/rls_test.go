package store_test

import (
	"context"
	"database/sql"
	"errors"
	"testing"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgconn"

	"github.com/renrakucho/renrakucho/internal/care"
	"github.com/renrakucho/renrakucho/internal/store"
	"github.com/renrakucho/renrakucho/internal/store/storetest"
)

// These tests prove that PostgreSQL's row-level security, the second wall,
// stands on its own: statements that forget tenant_id altogether still see
// and change only the transaction's tenant. They go around the Tx methods
// (which always name the tenant) through the raw helpers of export_test.go.

// rlsTenant is what rlsSeed creates for one tenant.
type rlsTenant struct {
	ID, FacilityID, UserID string
}

// rlsSeed creates two tenants, each with one facility and one user.
func rlsSeed(t *testing.T, db *store.DB) (a, b rlsTenant) {
	t.Helper()
	ctx := context.Background()
	mk := func(slug string) rlsTenant {
		t.Helper()
		var out rlsTenant
		err := db.Platform(ctx, func(ptx *store.PlatformTx) error {
			tn := care.Tenant{Slug: slug, Name: slug}
			if err := ptx.CreateTenant(ctx, &tn); err != nil {
				return err
			}
			tx, err := ptx.InTenant(ctx, tn.ID)
			if err != nil {
				return err
			}
			f := care.Facility{Kind: "clinic", Name: slug + " clinic"}
			if err := tx.CreateFacility(ctx, &f); err != nil {
				return err
			}
			u := care.User{LoginID: "doctor", Name: "doctor", Profession: "doctor", Role: care.RoleMember, Facilities: []string{f.ID}}
			if err := tx.CreateUser(ctx, &u, "hash"); err != nil {
				return err
			}
			out = rlsTenant{ID: tn.ID, FacilityID: f.ID, UserID: u.ID}
			return nil
		})
		if err != nil {
			t.Fatalf("seed %s: %v", slug, err)
		}
		return out
	}
	return mk("alpha"), mk("beta")
}

// isRLSViolation says whether err is PostgreSQL refusing a row under a
// row-level security policy (SQLSTATE 42501, "new row violates row-level
// security policy"), rather than failing for some other reason.
func isRLSViolation(err error) bool {
	var pgErr *pgconn.PgError
	return errors.As(err, &pgErr) && pgErr.Code == "42501"
}

// adminIsSuperuser opens the admin DSN and reports whether its role bypasses
// row-level security.
func adminIsSuperuser(t *testing.T) (*sql.DB, bool) {
	t.Helper()
	admin, err := sql.Open("pgx", storetest.AdminDSN())
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { admin.Close() })
	var super bool
	if err := admin.QueryRow(`SELECT rolsuper OR rolbypassrls FROM pg_roles WHERE rolname = current_user`).Scan(&super); err != nil {
		t.Fatal(err)
	}
	return admin, super
}

func TestRowLevelSecurity(t *testing.T) {
	ctx := context.Background()
	db := storetest.Open(t, "postgres", nil)
	a, b := rlsSeed(t, db)

	t.Run("Control", func(t *testing.T) {
		// Both tenants' rows really are there: a role that bypasses the
		// policies sees them all. Without this the counts below could pass
		// on an empty table.
		admin, super := adminIsSuperuser(t)
		if !super {
			t.Skip("the admin role of RENRAKUCHO_TEST_POSTGRES does not bypass row-level security")
		}
		var schema string
		if err := db.RawDB().QueryRow(`SELECT current_schema()`).Scan(&schema); err != nil {
			t.Fatal(err)
		}
		for _, table := range []string{"facilities", "users"} {
			var n int
			if err := admin.QueryRow(`SELECT COUNT(*) FROM ` + pgx.Identifier{schema, table}.Sanitize()).Scan(&n); err != nil {
				t.Fatal(err)
			}
			if n != 2 {
				t.Errorf("%s: superuser sees %d rows, want 2", table, n)
			}
		}
	})

	t.Run("Select", func(t *testing.T) {
		for _, tn := range []rlsTenant{a, b} {
			err := db.InTenant(ctx, tn.ID, func(tx *store.Tx) error {
				for _, q := range []string{
					`SELECT COUNT(*) FROM facilities`,
					`SELECT COUNT(*) FROM users`,
					`SELECT COUNT(*) FROM user_facilities`,
				} {
					n, err := tx.RawQueryCount(ctx, q)
					if err != nil {
						return err
					}
					if n != 1 {
						t.Errorf("%s: got %d, want only the tenant's own 1", q, n)
					}
				}
				// Naming the other tenant's rows outright finds nothing.
				other := b
				if tn == b {
					other = a
				}
				n, err := tx.RawQueryCount(ctx, `SELECT COUNT(*) FROM facilities WHERE id = ?`, other.FacilityID)
				if err != nil {
					return err
				}
				if n != 0 {
					t.Errorf("the other tenant's facility is visible")
				}
				return nil
			})
			if err != nil {
				t.Fatal(err)
			}
		}
	})

	t.Run("Update", func(t *testing.T) {
		err := db.InTenant(ctx, a.ID, func(tx *store.Tx) error {
			n, err := tx.RawExec(ctx, `UPDATE facilities SET name = 'x'`)
			if err != nil {
				return err
			}
			if n != 1 {
				t.Errorf("UPDATE without tenant_id changed %d rows, want 1", n)
			}
			n, err = tx.RawExec(ctx, `DELETE FROM sessions`)
			if err != nil {
				return err
			}
			if n != 0 {
				t.Errorf("DELETE without tenant_id removed %d sessions, want 0", n)
			}
			return nil
		})
		if err != nil {
			t.Fatal(err)
		}
		err = db.InTenant(ctx, b.ID, func(tx *store.Tx) error {
			f, err := tx.Facility(ctx, b.FacilityID)
			if err != nil {
				return err
			}
			if f.Name != "beta clinic" {
				t.Errorf("tenant b's facility renamed to %q by tenant a", f.Name)
			}
			return nil
		})
		if err != nil {
			t.Fatal(err)
		}
		err = db.InTenant(ctx, a.ID, func(tx *store.Tx) error {
			f, err := tx.Facility(ctx, a.FacilityID)
			if err != nil {
				return err
			}
			if f.Name != "x" {
				t.Errorf("tenant a's facility is %q, want the update to have applied", f.Name)
			}
			return nil
		})
		if err != nil {
			t.Fatal(err)
		}
	})

	t.Run("ErrInsertOtherTenant", func(t *testing.T) {
		// Tenant b exists, so the foreign key to tenants is satisfied: only the
		// policy's WITH CHECK can refuse the row.
		err := db.InTenant(ctx, a.ID, func(tx *store.Tx) error {
			_, err := tx.RawExec(ctx, `INSERT INTO facilities (tenant_id, id, kind, name, created_at) VALUES (?, ?, 'clinic', 'intruder', ?)`,
				b.ID, store.NewID(), tx.Now())
			return err
		})
		if !isRLSViolation(err) {
			t.Fatalf("insert into another tenant: got %v, want a row-level security violation", err)
		}
	})

	t.Run("ErrMoveToOtherTenant", func(t *testing.T) {
		err := db.InTenant(ctx, a.ID, func(tx *store.Tx) error {
			_, err := tx.RawExec(ctx, `UPDATE facilities SET tenant_id = ? WHERE id = ?`, b.ID, a.FacilityID)
			return err
		})
		if !isRLSViolation(err) {
			t.Fatalf("move a row into another tenant: got %v, want a row-level security violation", err)
		}
	})

	t.Run("Platform", func(t *testing.T) {
		err := db.Platform(ctx, func(tx *store.PlatformTx) error {
			for _, q := range []string{`SELECT COUNT(*) FROM facilities`, `SELECT COUNT(*) FROM users`} {
				n, err := tx.RawQueryCount(ctx, q)
				if err != nil {
					return err
				}
				if n != 0 {
					t.Errorf("platform scope: %s = %d, want 0", q, n)
				}
			}
			// The platform tables themselves are not behind the wall.
			n, err := tx.RawQueryCount(ctx, `SELECT COUNT(*) FROM tenants`)
			if err != nil {
				return err
			}
			if n != 2 {
				t.Errorf("platform scope sees %d tenants, want 2", n)
			}
			return nil
		})
		if err != nil {
			t.Fatal(err)
		}
	})

	t.Run("NoScope", func(t *testing.T) {
		// A statement on the pool outside any store transaction has no
		// tenant at all, and so sees no tenant rows.
		var n int
		if err := db.RawDB().QueryRowContext(ctx, `SELECT COUNT(*) FROM facilities`).Scan(&n); err != nil {
			t.Fatal(err)
		}
		if n != 0 {
			t.Errorf("outside a transaction: %d facilities visible, want 0", n)
		}
	})
}

// TestRowLevelSecurityCoversTenantTables checks, in the catalogue, that every
// PostgreSQL table with a tenant_id column (other than the platform tables)
// has row-level security enabled and forced and at least one policy, so a
// tenant table added later cannot silently go without the wall.
func TestRowLevelSecurityCoversTenantTables(t *testing.T) {
	db := storetest.Open(t, "postgres", nil)
	platform := map[string]bool{"tenants": true, "operators": true, "operator_sessions": true, "client_certs": true, "schema_migrations": true,
		"job_leases": true}
	rows, err := db.RawDB().Query(`
		SELECT c.relname, c.relrowsecurity, c.relforcerowsecurity,
		       (SELECT COUNT(*) FROM pg_policy p WHERE p.polrelid = c.oid)
		FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace
		WHERE n.nspname = current_schema() AND c.relkind = 'r'
		  AND EXISTS (SELECT 1 FROM pg_attribute a WHERE a.attrelid = c.oid AND a.attname = 'tenant_id' AND NOT a.attisdropped)
		ORDER BY c.relname`)
	if err != nil {
		t.Fatal(err)
	}
	defer rows.Close()
	seen := 0
	for rows.Next() {
		var name string
		var enabled, forced bool
		var policies int
		if err := rows.Scan(&name, &enabled, &forced, &policies); err != nil {
			t.Fatal(err)
		}
		if platform[name] {
			continue
		}
		seen++
		if !enabled || !forced || policies == 0 {
			t.Errorf("tenant table %s: row-level security enabled=%v forced=%v, %d policies; want enabled, forced and a policy", name, enabled, forced, policies)
		}
	}
	if err := rows.Err(); err != nil {
		t.Fatal(err)
	}
	if seen == 0 {
		t.Fatal("no tenant tables found: the query is wrong")
	}
}

func TestCheckRole(t *testing.T) {
	ctx := context.Background()
	t.Run("OK", func(t *testing.T) {
		db := storetest.Open(t, "postgres", nil)
		if err := db.CheckRole(ctx); err != nil {
			t.Fatalf("ordinary role refused: %v", err)
		}
	})
	t.Run("ErrSuperuser", func(t *testing.T) {
		if _, super := adminIsSuperuser(t); !super {
			t.Skip("the admin role of RENRAKUCHO_TEST_POSTGRES is not a superuser and has no BYPASSRLS")
		}
		db, err := store.Open(ctx, storetest.AdminDSN(), store.Options{})
		if err != nil {
			t.Fatal(err)
		}
		defer db.Close()
		if err := db.CheckRole(ctx); err == nil {
			t.Fatal("CheckRole accepted a role that bypasses row-level security")
		}
	})
}

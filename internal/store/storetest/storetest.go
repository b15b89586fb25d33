// Package storetest opens fresh, migrated databases of both engines for
// tests: a SQLite file in a temporary directory, and a PostgreSQL schema of
// its own, owned by an ordinary (non-superuser) role so row-level security
// applies exactly as in production. PostgreSQL is required: a test run
// without it fails, it does not skip.
package storetest

import (
	"context"
	"crypto/rand"
	"database/sql"
	"encoding/hex"
	"fmt"
	"net/url"
	"os"
	"path/filepath"
	"sync"
	"testing"
	"time"

	"github.com/renrakucho/renrakucho/internal/audit"
	"github.com/renrakucho/renrakucho/internal/seal"
	"github.com/renrakucho/renrakucho/internal/store"
)

// Key is the audit key of every test database, so tests can verify the
// chains they write.
var Key = audit.NewKey()

// Engines names the engines every storage test runs on.
var Engines = []string{"sqlite", "postgres"}

// AppRole is the ordinary PostgreSQL role the tests connect as.
const AppRole = "renrakucho_test"

// AdminDSN is the PostgreSQL server the tests use, as a role that may create
// roles and schemas: RENRAKUCHO_TEST_POSTGRES, or the local server.
func AdminDSN() string {
	if dsn := os.Getenv("RENRAKUCHO_TEST_POSTGRES"); dsn != "" {
		return dsn
	}
	return "postgres://postgres@127.0.0.1:5432/test?sslmode=disable"
}

var roleOnce sync.Once
var roleErr error

func ensureRole(ctx context.Context, admin *sql.DB) error {
	roleOnce.Do(func() {
		var n int
		if roleErr = admin.QueryRowContext(ctx, `SELECT COUNT(*) FROM pg_roles WHERE rolname = $1`, AppRole).Scan(&n); roleErr != nil {
			return
		}
		if n == 0 {
			_, roleErr = admin.ExecContext(ctx, `CREATE ROLE `+AppRole+` LOGIN NOSUPERUSER NOBYPASSRLS`)
			if roleErr != nil {
				// Another test binary may have created it meanwhile.
				if admin.QueryRowContext(ctx, `SELECT COUNT(*) FROM pg_roles WHERE rolname = $1`, AppRole).Scan(&n) == nil && n > 0 {
					roleErr = nil
				}
			}
		}
	})
	return roleErr
}

// PostgresDSN creates a fresh schema owned by AppRole and returns a DSN that
// connects to it as AppRole. The schema is dropped when the test ends.
func PostgresDSN(t testing.TB) string {
	t.Helper()
	ctx := context.Background()
	admin, err := sql.Open("pgx", AdminDSN())
	if err != nil {
		t.Fatalf("storetest: open postgres: %v", err)
	}
	t.Cleanup(func() { admin.Close() })
	if err := admin.PingContext(ctx); err != nil {
		t.Fatalf("storetest: PostgreSQL at %s does not answer (it is required; .ci/run starts one): %v", AdminDSN(), err)
	}
	if err := ensureRole(ctx, admin); err != nil {
		t.Fatalf("storetest: create role: %v", err)
	}
	b := make([]byte, 6)
	rand.Read(b)
	schema := "t_" + hex.EncodeToString(b)
	if _, err := admin.ExecContext(ctx, `CREATE SCHEMA `+schema+` AUTHORIZATION `+AppRole); err != nil {
		t.Fatalf("storetest: create schema: %v", err)
	}
	t.Cleanup(func() {
		admin.ExecContext(context.Background(), `DROP SCHEMA `+schema+` CASCADE`)
	})
	u, err := url.Parse(AdminDSN())
	if err != nil {
		t.Fatalf("storetest: parse dsn: %v", err)
	}
	u.User = url.User(AppRole)
	q := u.Query()
	q.Set("search_path", schema)
	u.RawQuery = q.Encode()
	return u.String()
}

// DSN returns a fresh database of the engine, for tests that open it
// themselves (the server, the command line).
func DSN(t testing.TB, engine string) string {
	t.Helper()
	switch engine {
	case "sqlite":
		return filepath.Join(t.TempDir(), "renrakucho.db")
	case "postgres":
		return PostgresDSN(t)
	}
	t.Fatalf("storetest: unknown engine %q", engine)
	return ""
}

// Open returns a fresh, migrated database of the engine, closed when the
// test ends. now may be nil.
func Open(t testing.TB, engine string, now func() time.Time) *store.DB {
	t.Helper()
	ctx := context.Background()
	db, err := store.Open(ctx, DSN(t, engine), store.Options{Now: now, Synchronous: "NORMAL", Keys: Keys(t), AuditKey: Key})
	if err != nil {
		t.Fatalf("storetest: open %s: %v", engine, err)
	}
	t.Cleanup(func() { db.Close() })
	if err := db.CheckRole(ctx); err != nil {
		t.Fatal(err)
	}
	if err := db.Migrate(ctx); err != nil {
		t.Fatalf("storetest: migrate %s: %v", engine, err)
	}
	return db
}

// Keys returns a keyring over a fresh key directory of the test's own.
func Keys(t testing.TB) *seal.Keyring {
	t.Helper()
	return seal.NewKeyring(KEK(t, t.TempDir()))
}

// KEK opens (creating if need be) the key directory dir.
func KEK(t testing.TB, dir string) *seal.FileKEK {
	t.Helper()
	if _, err := seal.InitDir(dir); err != nil {
		t.Fatal(err)
	}
	kek, err := seal.OpenDir(dir)
	if err != nil {
		t.Fatal(err)
	}
	return kek
}

// Each runs fn as a subtest on a fresh database of every engine.
func Each(t *testing.T, fn func(t *testing.T, db *store.DB)) {
	t.Helper()
	for _, engine := range Engines {
		t.Run(engine, func(t *testing.T) {
			fn(t, Open(t, engine, nil))
		})
	}
}

// Clock is a settable clock for tests.
type Clock struct {
	mu sync.Mutex
	t  time.Time
}

// NewClock returns a clock reading t.
func NewClock(t time.Time) *Clock { return &Clock{t: t} }

// Now returns the clock's reading.
func (c *Clock) Now() time.Time { c.mu.Lock(); defer c.mu.Unlock(); return c.t }

// Advance moves the clock forward.
func (c *Clock) Advance(d time.Duration) { c.mu.Lock(); c.t = c.t.Add(d); c.mu.Unlock() }

// String names the clock's reading, for messages.
func (c *Clock) String() string { return fmt.Sprint(c.Now()) }

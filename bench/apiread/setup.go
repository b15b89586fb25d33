package main

import (
	"context"
	"crypto/rand"
	"database/sql"
	"encoding/hex"
	"fmt"
	"log/slog"
	"net/url"
	"os"
	"path/filepath"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/stdlib"

	"github.com/renrakucho/renrakucho/internal/app"
	"github.com/renrakucho/renrakucho/internal/auth"
	"github.com/renrakucho/renrakucho/internal/care"
	"github.com/renrakucho/renrakucho/internal/store"
)

// appRole is the ordinary PostgreSQL role the benchmark connects as, the
// same one storetest uses, so row-level security applies as in production.
const appRole = "renrakucho_test"

// adminDSN is the PostgreSQL server, as a role that may create roles and
// schemas: RENRAKUCHO_TEST_POSTGRES, or the local server.
func adminDSN() string {
	if dsn := os.Getenv("RENRAKUCHO_TEST_POSTGRES"); dsn != "" {
		return dsn
	}
	return "postgres://postgres@127.0.0.1:5432/test?sslmode=disable"
}

// database is a fresh database of one engine and what removes it.
type database struct {
	engine  string
	dsn     string // what store.Open gets
	sqlite  string // SQLite: the file
	cleanup func()
}

// newDatabase makes an empty database: a SQLite file in a temporary
// directory, or a PostgreSQL schema of its own owned by appRole (as
// storetest does; storetest itself needs a testing.TB).
func newDatabase(ctx context.Context, engine string) (*database, error) {
	switch engine {
	case "sqlite":
		dir, err := os.MkdirTemp("", "renrakucho-bench-")
		if err != nil {
			return nil, err
		}
		path := filepath.Join(dir, "renrakucho.db")
		return &database{engine: engine, dsn: path, sqlite: path, cleanup: func() { os.RemoveAll(dir) }}, nil
	case "postgres":
		admin, err := sql.Open("pgx", adminDSN())
		if err != nil {
			return nil, err
		}
		if err := admin.PingContext(ctx); err != nil {
			admin.Close()
			return nil, fmt.Errorf("PostgreSQL at %s does not answer: %w", adminDSN(), err)
		}
		var n int
		if err := admin.QueryRowContext(ctx, `SELECT COUNT(*) FROM pg_roles WHERE rolname = $1`, appRole).Scan(&n); err != nil {
			admin.Close()
			return nil, err
		}
		if n == 0 {
			if _, err := admin.ExecContext(ctx, `CREATE ROLE `+appRole+` LOGIN NOSUPERUSER NOBYPASSRLS`); err != nil {
				admin.Close()
				return nil, fmt.Errorf("create role: %w", err)
			}
		}
		b := make([]byte, 6)
		rand.Read(b)
		schema := "bench_" + hex.EncodeToString(b)
		if _, err := admin.ExecContext(ctx, `CREATE SCHEMA `+schema+` AUTHORIZATION `+appRole); err != nil {
			admin.Close()
			return nil, fmt.Errorf("create schema: %w", err)
		}
		cleanup := func() {
			admin.ExecContext(context.Background(), `DROP SCHEMA `+schema+` CASCADE`)
			admin.Close()
		}
		u, err := url.Parse(adminDSN())
		if err != nil {
			cleanup()
			return nil, err
		}
		u.User = url.User(appRole)
		q := u.Query()
		q.Set("search_path", schema)
		u.RawQuery = q.Encode()
		return &database{engine: engine, dsn: u.String(), cleanup: cleanup}, nil
	}
	return nil, fmt.Errorf("unknown engine %q", engine)
}

// Store pool sizes when store.Options.MaxConns is 0 (see store.Open): the
// raw baseline gets the same number of connections as the app.
const (
	sqliteReaders = 4
	postgresConns = 20
)

// openRaw opens the baseline's own database/sql pool on the same database,
// with the settings the store's reader pool uses: for SQLite the same
// pragmas (synchronous=FULL, WAL, query_only); for PostgreSQL the same role
// and schema, with the tenant scope row-level security needs set once per
// connection, so that each measured query is the bare statement.
func (d *database) openRaw(tenantID string) (*sql.DB, error) {
	switch d.engine {
	case "sqlite":
		dsn := "file:" + (&url.URL{Path: d.sqlite}).EscapedPath() + "?_pragma=journal_mode(WAL)&_pragma=foreign_keys(1)" +
			"&_pragma=busy_timeout(10000)&_pragma=synchronous(FULL)&_time_format=sqlite&_pragma=query_only(1)"
		db, err := sql.Open("sqlite", dsn)
		if err != nil {
			return nil, err
		}
		db.SetMaxOpenConns(sqliteReaders)
		db.SetMaxIdleConns(sqliteReaders)
		db.SetConnMaxLifetime(0)
		return db, nil
	case "postgres":
		cfg, err := pgx.ParseConfig(d.dsn)
		if err != nil {
			return nil, err
		}
		db := stdlib.OpenDB(*cfg, stdlib.OptionAfterConnect(func(ctx context.Context, c *pgx.Conn) error {
			_, err := c.Exec(ctx, `SELECT set_config('app.tenant_id', $1, false)`, tenantID)
			return err
		}))
		db.SetMaxOpenConns(postgresConns)
		db.SetMaxIdleConns(postgresConns)
		return db, nil
	}
	return nil, fmt.Errorf("unknown engine %q", d.engine)
}

// The query app.Facilities runs (store.Tx.Facilities), in each engine's
// placeholder syntax.
var rawQuery = map[string]string{
	"sqlite":   `SELECT id, tenant_id, kind, name, address, phone, area, created_at FROM facilities WHERE tenant_id = ? ORDER BY name, id`,
	"postgres": `SELECT id, tenant_id, kind, name, address, phone, area, created_at FROM facilities WHERE tenant_id = $1 ORDER BY name, id`,
}

// rawOp runs the facilities query and scans every row as the store does.
func rawOp(db *sql.DB, engine, tenantID string, want int) func(context.Context) error {
	q := rawQuery[engine]
	return func(ctx context.Context) error {
		rows, err := db.QueryContext(ctx, q, tenantID)
		if err != nil {
			return err
		}
		defer rows.Close()
		var out []care.Facility
		for rows.Next() {
			var f care.Facility
			if err := rows.Scan(&f.ID, &f.TenantID, &f.Kind, &f.Name, &f.Address, &f.Phone, &f.Area, &f.CreatedAt); err != nil {
				return err
			}
			f.CreatedAt = f.CreatedAt.UTC()
			out = append(out, f)
		}
		if err := rows.Err(); err != nil {
			return err
		}
		if len(out) != want {
			return fmt.Errorf("raw query: %d rows, want %d", len(out), want)
		}
		return nil
	}
}

// seeded is the data the measurements read.
type seeded struct {
	app        *app.App
	tenantID   string
	facilities int
	token      string // a member's session on the user listener
}

const benchPassword = "bench-Passw0rd-2026"

// seed migrates db and fills it through the app, as an operator and a
// tenant admin would: one tenant with n facilities (the tenant's office,
// which CreateTenant makes, and n-1 more), one member, logged in on the
// user listener.
func seed(ctx context.Context, db *store.DB, n int, log *slog.Logger) (*seeded, error) {
	if err := db.CheckRole(ctx); err != nil {
		return nil, err
	}
	if err := db.Migrate(ctx); err != nil {
		return nil, err
	}
	a := app.New(db, auth.NewHasher(auth.DefaultParams, 0), app.Options{Log: log})
	cli := care.Origin{IP: "127.0.0.1", UserAgent: "bench/apiread", Listener: care.AdminListener}
	op, err := a.InitOperator(ctx, "operator", "運用 太郎", "", benchPassword, cli)
	if err != nil {
		return nil, fmt.Errorf("init operator: %w", err)
	}
	ct, err := a.CreateTenant(ctx, op, care.NewTenant{Slug: "bench", Name: "ベンチ市", AdminLogin: "admin",
		AdminName: "管理 花子", AdminPassword: benchPassword})
	if err != nil {
		return nil, fmt.Errorf("create tenant: %w", err)
	}
	admin, err := a.TenantAdminActor(ctx, "bench", "admin", cli)
	if err != nil {
		return nil, fmt.Errorf("tenant admin: %w", err)
	}
	kinds := care.FacilityKinds
	for i := 1; i < n; i++ {
		f := care.Facility{Kind: kinds[i%len(kinds)], Name: fmt.Sprintf("ベンチ事業所 %03d", i),
			Address: fmt.Sprintf("東京都千代田区千代田%d-%d", i%9+1, i), Phone: "03-1234-5678", Area: "中部"}
		if _, err := a.CreateFacility(ctx, admin, f); err != nil {
			return nil, fmt.Errorf("create facility: %w", err)
		}
	}
	if _, err := a.CreateUser(ctx, admin, care.UserInput{LoginID: "member", Name: "看護 次郎", Profession: "nurse",
		Role: care.RoleMember, Facilities: []string{ct.Facility.ID}, Password: benchPassword}); err != nil {
		return nil, fmt.Errorf("create member: %w", err)
	}
	token, _, err := a.Login(ctx, app.Credentials{Tenant: "bench", LoginID: "member", Password: benchPassword,
		Origin: care.Origin{IP: "127.0.0.1", UserAgent: "bench/apiread", Listener: care.UserListener}})
	if err != nil {
		return nil, fmt.Errorf("login: %w", err)
	}
	return &seeded{app: a, tenantID: ct.Tenant.ID, facilities: n, token: token}, nil
}

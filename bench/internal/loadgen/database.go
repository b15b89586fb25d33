package loadgen

import (
	"context"
	"crypto/rand"
	"database/sql"
	"encoding/hex"
	"fmt"
	"net/url"
	"os"
	"path/filepath"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/stdlib"
	_ "modernc.org/sqlite" // the "sqlite" database/sql driver
)

// AppRole is the ordinary PostgreSQL role the benchmarks connect as, the
// same one storetest uses, so row-level security applies as in production.
const AppRole = "renrakucho_test"

// AdminDSN is the PostgreSQL server, as a role that may create roles and
// schemas: RENRAKUCHO_TEST_POSTGRES, or the local server.
func AdminDSN() string {
	if dsn := os.Getenv("RENRAKUCHO_TEST_POSTGRES"); dsn != "" {
		return dsn
	}
	return "postgres://postgres@127.0.0.1:5432/test?sslmode=disable"
}

// Engines turns the -engine flag (sqlite, postgres or both) into the list
// of engines to measure.
func Engines(flag string) ([]string, error) {
	switch flag {
	case "both":
		return []string{"sqlite", "postgres"}, nil
	case "sqlite", "postgres":
		return []string{flag}, nil
	}
	return nil, fmt.Errorf("-engine must be sqlite, postgres or both, not %q", flag)
}

// Database is a fresh database of one engine.
type Database struct {
	Engine string
	DSN    string // what store.Open gets
	path   string // SQLite: the file
	clean  func()
}

// Cleanup removes the database: the SQLite directory or the PostgreSQL
// schema.
func (d *Database) Cleanup() { d.clean() }

// NewDatabase makes an empty database: a SQLite file in a temporary
// directory, or a PostgreSQL schema of its own owned by AppRole (as
// storetest does; storetest itself needs a testing.TB).
func NewDatabase(ctx context.Context, engine string) (*Database, error) {
	switch engine {
	case "sqlite":
		dir, err := os.MkdirTemp("", "renrakucho-bench-")
		if err != nil {
			return nil, err
		}
		path := filepath.Join(dir, "renrakucho.db")
		return &Database{Engine: engine, DSN: path, path: path, clean: func() { os.RemoveAll(dir) }}, nil
	case "postgres":
		admin, err := sql.Open("pgx", AdminDSN())
		if err != nil {
			return nil, err
		}
		if err := admin.PingContext(ctx); err != nil {
			admin.Close()
			return nil, fmt.Errorf("PostgreSQL at %s does not answer: %w", AdminDSN(), err)
		}
		var n int
		if err := admin.QueryRowContext(ctx, `SELECT COUNT(*) FROM pg_roles WHERE rolname = $1`, AppRole).Scan(&n); err != nil {
			admin.Close()
			return nil, err
		}
		if n == 0 {
			if _, err := admin.ExecContext(ctx, `CREATE ROLE `+AppRole+` LOGIN NOSUPERUSER NOBYPASSRLS`); err != nil {
				admin.Close()
				return nil, fmt.Errorf("create role: %w", err)
			}
		}
		b := make([]byte, 6)
		rand.Read(b)
		schema := "bench_" + hex.EncodeToString(b)
		if _, err := admin.ExecContext(ctx, `CREATE SCHEMA `+schema+` AUTHORIZATION `+AppRole); err != nil {
			admin.Close()
			return nil, fmt.Errorf("create schema: %w", err)
		}
		clean := func() {
			admin.ExecContext(context.Background(), `DROP SCHEMA `+schema+` CASCADE`)
			admin.Close()
		}
		u, err := url.Parse(AdminDSN())
		if err != nil {
			clean()
			return nil, err
		}
		u.User = url.User(AppRole)
		q := u.Query()
		q.Set("search_path", schema)
		u.RawQuery = q.Encode()
		return &Database{Engine: engine, DSN: u.String(), clean: clean}, nil
	}
	return nil, fmt.Errorf("unknown engine %q", engine)
}

// Store pool sizes when store.Options.MaxConns is 0 (see store.Open): a
// raw baseline gets the same number of connections as the store.
const (
	SQLiteReaders = 4
	PostgresConns = 20
)

// Pool says which of the store's pools a raw pool copies.
type Pool int

// The pools.
const (
	// Reader is the store's reader pool: SQLite with query_only and
	// SQLiteReaders connections, PostgreSQL with PostgresConns.
	Reader Pool = iota
	// Writer is the store's writer: SQLite with one connection and
	// immediate transactions (writers queue in Go, not in busy loops),
	// PostgreSQL with PostgresConns.
	Writer
)

// OpenRaw opens a baseline's own database/sql pool on the same database,
// with the settings of the store's pool p: for SQLite the same pragmas
// (WAL, synchronous=FULL, foreign keys, busy timeout); for PostgreSQL the
// same role and schema, with the tenant scope row-level security needs set
// once per connection, so that each measured statement is the bare one.
func (d *Database) OpenRaw(tenantID string, p Pool) (*sql.DB, error) {
	switch d.Engine {
	case "sqlite":
		dsn := "file:" + (&url.URL{Path: d.path}).EscapedPath() + "?_pragma=journal_mode(WAL)&_pragma=foreign_keys(1)" +
			"&_pragma=busy_timeout(10000)&_pragma=synchronous(FULL)&_time_format=sqlite"
		n := SQLiteReaders
		if p == Writer {
			dsn += "&_txlock=immediate"
			n = 1
		} else {
			dsn += "&_pragma=query_only(1)"
		}
		db, err := sql.Open("sqlite", dsn)
		if err != nil {
			return nil, err
		}
		db.SetMaxOpenConns(n)
		db.SetMaxIdleConns(n)
		db.SetConnMaxLifetime(0)
		return db, nil
	case "postgres":
		cfg, err := pgx.ParseConfig(d.DSN)
		if err != nil {
			return nil, err
		}
		db := stdlib.OpenDB(*cfg, stdlib.OptionAfterConnect(func(ctx context.Context, c *pgx.Conn) error {
			_, err := c.Exec(ctx, `SELECT set_config('app.tenant_id', $1, false)`, tenantID)
			return err
		}))
		db.SetMaxOpenConns(PostgresConns)
		db.SetMaxIdleConns(PostgresConns)
		return db, nil
	}
	return nil, fmt.Errorf("unknown engine %q", d.Engine)
}

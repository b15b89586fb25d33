package store

import (
	"context"
	"database/sql"
	"embed"
	"fmt"
	"io/fs"
	"sort"
	"strings"
)

//go:embed migrations
var migrations embed.FS

// goSteps are the migrations with work SQL cannot do, run after their SQL
// in the same transaction.
var goSteps = map[string]func(*DB, context.Context, *sql.Tx) error{
	"0005_seal.sql": (*DB).sealExisting,
}

// Migrate applies, in name order, every embedded migration of the engine not
// yet recorded in schema_migrations, each in its own transaction. Several
// nodes may start at once on PostgreSQL: an advisory lock serialises them.
func (db *DB) Migrate(ctx context.Context) error {
	names, err := fs.Glob(migrations, "migrations/"+db.dialect.name+"/*.sql")
	if err != nil {
		return fmt.Errorf("store: migrate: %w", err)
	}
	sort.Strings(names)
	for _, name := range names {
		if err := db.migrateOne(ctx, name); err != nil {
			return err
		}
	}
	return nil
}

func (db *DB) migrateOne(ctx context.Context, path string) error {
	name := path[strings.LastIndex(path, "/")+1:]
	tx, err := db.write.BeginTx(ctx, nil)
	if err != nil {
		return fmt.Errorf("store: migrate %s: %w", name, err)
	}
	defer tx.Rollback()
	if db.dialect.name == "postgres" {
		if _, err := tx.ExecContext(ctx, `SELECT pg_advisory_xact_lock(7217)`); err != nil {
			return fmt.Errorf("store: migrate lock: %w", err)
		}
	}
	// Created under the lock: CREATE TABLE IF NOT EXISTS is not safe to run
	// concurrently on PostgreSQL.
	if _, err := tx.ExecContext(ctx, `CREATE TABLE IF NOT EXISTS schema_migrations (name TEXT NOT NULL PRIMARY KEY)`); err != nil {
		return fmt.Errorf("store: migrate: %w", err)
	}
	var n int
	if err := tx.QueryRowContext(ctx, db.dialect.rebind(`SELECT COUNT(*) FROM schema_migrations WHERE name = ?`), name).Scan(&n); err != nil {
		return fmt.Errorf("store: migrate %s: %w", name, err)
	}
	if n > 0 {
		return nil
	}
	body, err := migrations.ReadFile(path)
	if err != nil {
		return fmt.Errorf("store: migrate %s: %w", name, err)
	}
	if _, err := tx.ExecContext(ctx, string(body)); err != nil {
		return fmt.Errorf("store: migrate %s: %w", name, err)
	}
	if step := goSteps[name]; step != nil {
		if err := step(db, ctx, tx); err != nil {
			return fmt.Errorf("store: migrate %s: %w", name, err)
		}
	}
	if _, err := tx.ExecContext(ctx, db.dialect.rebind(`INSERT INTO schema_migrations (name) VALUES (?)`), name); err != nil {
		return fmt.Errorf("store: migrate %s: %w", name, err)
	}
	if err := tx.Commit(); err != nil {
		return fmt.Errorf("store: migrate %s: %w", name, err)
	}
	return nil
}

// CheckRole refuses a PostgreSQL role that would silently bypass row-level
// security (a superuser, or one with BYPASSRLS). SQLite always passes.
func (db *DB) CheckRole(ctx context.Context) error {
	if db.dialect.name != "postgres" {
		return nil
	}
	var user string
	var bypass bool
	err := db.read.QueryRowContext(ctx,
		`SELECT current_user, rolsuper OR rolbypassrls FROM pg_roles WHERE rolname = current_user`).Scan(&user, &bypass)
	if err != nil {
		return fmt.Errorf("store: check role: %w", err)
	}
	if bypass {
		return fmt.Errorf("store: the PostgreSQL role %q is a superuser or has BYPASSRLS, so row-level security would not apply; connect as an ordinary role that owns the schema (see docs/admin.md)", user)
	}
	return nil
}

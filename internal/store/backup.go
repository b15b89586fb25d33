package store

import (
	"context"
	"fmt"
	"os"
)

// BackupSQLite writes a consistent copy of a SQLite database to path with
// VACUUM INTO, while the server may be running: it reads one snapshot on
// a reader connection, so writers carry on meanwhile. path must not exist.
// On PostgreSQL it returns an error: back up with pg_dump.
func (db *DB) BackupSQLite(ctx context.Context, path string) error {
	if db.dialect.name != "sqlite" {
		return fmt.Errorf("store: backup: %s databases are backed up with pg_dump", db.dialect.name)
	}
	if _, err := os.Stat(path); err == nil {
		return fmt.Errorf("store: backup: %s already exists", path)
	}
	if _, err := db.write.ExecContext(ctx, `VACUUM INTO ?`, path); err != nil {
		return fmt.Errorf("store: backup: %w", err)
	}
	return nil
}

// SchemaVersion returns the name of the newest migration applied.
func (db *DB) SchemaVersion(ctx context.Context) (string, error) {
	var name string
	if err := db.read.QueryRowContext(ctx, `SELECT MAX(name) FROM schema_migrations`).Scan(&name); err != nil {
		return "", fmt.Errorf("store: schema version: %w", err)
	}
	return name, nil
}

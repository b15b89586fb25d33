package store

import (
	"context"
	"database/sql"
	"io/fs"
	"sort"
	"strings"
)

// This file is compiled only with the tests. It lets the external tests
// (package store_test, which may import storetest) reach what production
// code must never expose: raw statements that bypass the tenant-bound
// methods, and the raw pool for schema inspection.

// RawDB returns the write pool (on PostgreSQL, the only pool).
func (db *DB) RawDB() *sql.DB { return db.write }

// RawQueryCount runs q, which must return one integer, on the transaction as
// written: no tenant_id is added.
func (c *conn) RawQueryCount(ctx context.Context, q string, args ...any) (int, error) {
	var n int
	err := c.queryRow(ctx, q, args...).Scan(&n)
	return n, err
}

// RawExec runs q on the transaction as written and returns the number of
// rows it affected.
func (c *conn) RawExec(ctx context.Context, q string, args ...any) (int64, error) {
	res, err := c.exec(ctx, q, args...)
	if err != nil {
		return 0, err
	}
	return res.RowsAffected()
}

// RawBytes runs q, which must return one bytes value, on the transaction
// as written.
func (c *conn) RawBytes(ctx context.Context, q string, args ...any) ([]byte, error) {
	var b []byte
	err := c.queryRow(ctx, q, args...).Scan(&b)
	return b, err
}

// SealedColumns returns the sealed columns per table.
func SealedColumns() map[string][]string {
	out := map[string][]string{}
	for _, t := range sealed {
		out[t.name] = t.columns
	}
	return out
}

// SealedCurrent counts the tenant's sealed values and those under the
// primary key.
func (tx *Tx) SealedCurrent(ctx context.Context) (total, current int, err error) {
	keys, err := tx.tenantKeys()
	if err != nil {
		return 0, 0, err
	}
	for _, t := range sealed {
		for _, col := range t.columns {
			rows, err := tx.query(ctx, `SELECT `+col+` FROM `+t.name+` WHERE tenant_id = ?`, tx.tenant)
			if err != nil {
				return 0, 0, err
			}
			for rows.Next() {
				var b []byte
				if err := rows.Scan(&b); err != nil {
					rows.Close()
					return 0, 0, err
				}
				total++
				if keys.Current(b) {
					current++
				}
			}
			rows.Close()
		}
	}
	return total, current, nil
}

// MigrateThrough applies the migrations up to and including name.
func (db *DB) MigrateThrough(ctx context.Context, name string) error {
	names, err := fs.Glob(migrations, "migrations/"+db.dialect.name+"/*.sql")
	if err != nil {
		return err
	}
	sort.Strings(names)
	for _, n := range names {
		if n[strings.LastIndex(n, "/")+1:] > name {
			break
		}
		if err := db.migrateOne(ctx, n); err != nil {
			return err
		}
	}
	return nil
}

package store

import (
	"context"
	"database/sql"
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

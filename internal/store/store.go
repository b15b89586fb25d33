// Package store is renrakucho's SQL: one contract over two engines,
// embedded SQLite (the default) and PostgreSQL. Tenant data is reachable
// only through a Tx bound to one tenant, so no query can leave out the
// tenant; PostgreSQL's row-level security stands behind that as a second
// wall. The store decides nothing about who may do what: that is the app
// layer's.
package store

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"net/url"
	"os"
	"path/filepath"
	"strings"
	"time"

	"github.com/google/uuid"
	_ "github.com/jackc/pgx/v5/stdlib" // the "pgx" database/sql driver
	_ "modernc.org/sqlite"             // the "sqlite" database/sql driver

	"github.com/renrakucho/renrakucho/internal/audit"
	"github.com/renrakucho/renrakucho/internal/care"
)

// DB is an open database of either engine.
type DB struct {
	write   *sql.DB // SQLite: one connection, so writers queue in Go, not in busy loops
	read    *sql.DB // SQLite: a pool of readers; PostgreSQL: the same pool as write
	dialect dialect
	now     func() time.Time
	kc      *keyCache // shared by WithClock copies
	// auditKey MACs the audit chains (see package audit).
	auditKey audit.Key
}

// Options tune Open.
type Options struct {
	// Now is the clock; nil means time.Now. Tests inject their own.
	Now func() time.Time
	// Synchronous is SQLite's synchronous pragma: FULL unless set, because an
	// acknowledged care record must survive a power cut.
	Synchronous string
	// MaxConns bounds the PostgreSQL pool and SQLite's readers (0: default).
	MaxConns int
	// Keys seals and opens resident data (internal/seal). Without it the
	// database opens, but nothing sealed can be written or read.
	Keys Keys
	// AuditKey is the key of the audit log's hash chains, which lives
	// outside the database (audit.LoadKey). Without it nothing can be
	// audited, so every audited change fails.
	AuditKey audit.Key
}

// Open opens the database named by dsn: "postgres://…" or "postgresql://…"
// for PostgreSQL, otherwise a SQLite file path (with an optional "sqlite:"
// prefix). It does not migrate; call Migrate.
func Open(ctx context.Context, dsn string, opt Options) (*DB, error) {
	if opt.Now == nil {
		opt.Now = time.Now
	}
	db := &DB{now: opt.Now, kc: &keyCache{keys: opt.Keys, m: map[string]cachedKeys{}}, auditKey: opt.AuditKey}
	if strings.HasPrefix(dsn, "postgres://") || strings.HasPrefix(dsn, "postgresql://") {
		pool, err := sql.Open("pgx", dsn)
		if err != nil {
			return nil, fmt.Errorf("store: open postgres: %w", err)
		}
		n := opt.MaxConns
		if n == 0 {
			n = 20
		}
		pool.SetMaxOpenConns(n)
		pool.SetMaxIdleConns(n)
		pool.SetConnMaxIdleTime(5 * time.Minute)
		db.write, db.read, db.dialect = pool, pool, postgres
	} else {
		path := strings.TrimPrefix(dsn, "sqlite:")
		if err := os.MkdirAll(filepath.Dir(path), 0o700); err != nil {
			return nil, fmt.Errorf("store: create data directory: %w", err)
		}
		sync := opt.Synchronous
		if sync == "" {
			sync = "FULL"
		}
		switch strings.ToUpper(sync) {
		case "FULL", "NORMAL", "EXTRA":
		default:
			return nil, fmt.Errorf("store: synchronous must be FULL, NORMAL or EXTRA, not %q", sync)
		}
		// Pragmas, and why:
		//   journal_mode WAL: readers never block the writer, nor it them.
		//   synchronous FULL: every commit reaches the disk before it is acknowledged.
		//   foreign_keys: composite keys keep rows inside their tenant.
		//   busy_timeout: a second process (backup, CLI) waits instead of failing.
		base := "file:" + (&url.URL{Path: path}).EscapedPath() + "?_pragma=journal_mode(WAL)&_pragma=foreign_keys(1)" +
			"&_pragma=busy_timeout(10000)&_pragma=synchronous(" + sync + ")&_time_format=sqlite"
		w, err := sql.Open("sqlite", base+"&_txlock=immediate")
		if err != nil {
			return nil, fmt.Errorf("store: open sqlite: %w", err)
		}
		w.SetMaxOpenConns(1)
		w.SetMaxIdleConns(1)
		w.SetConnMaxLifetime(0)
		r, err := sql.Open("sqlite", base+"&_pragma=query_only(1)")
		if err != nil {
			w.Close()
			return nil, fmt.Errorf("store: open sqlite: %w", err)
		}
		n := opt.MaxConns
		if n == 0 {
			n = 4
		}
		r.SetMaxOpenConns(n)
		r.SetMaxIdleConns(n)
		r.SetConnMaxLifetime(0)
		db.write, db.read, db.dialect = w, r, sqlite
	}
	if err := db.write.PingContext(ctx); err != nil {
		db.Close()
		return nil, fmt.Errorf("store: connect: %w", err)
	}
	return db, nil
}

// Engine names the engine: "sqlite" or "postgres".
func (db *DB) Engine() string { return db.dialect.name }

// Close closes the pools.
func (db *DB) Close() error {
	err := db.write.Close()
	if db.read != db.write {
		err = errors.Join(err, db.read.Close())
	}
	return err
}

// Ping checks that the database answers, for readiness.
func (db *DB) Ping(ctx context.Context) error {
	var one int
	if err := db.read.QueryRowContext(ctx, "SELECT 1").Scan(&one); err != nil {
		return fmt.Errorf("store: ping: %w", err)
	}
	return nil
}

// WithClock returns a handle on the same pools that reads another clock:
// the demo seeds months of history through the ordinary use cases this way.
// Close only the original handle.
func (db *DB) WithClock(now func() time.Time) *DB {
	c := *db
	c.now = now
	return &c
}

// Now returns the store's clock reading, in UTC.
func (db *DB) Now() time.Time { return db.now().UTC() }

// NewID returns a new opaque, time-ordered identifier.
func NewID() string { return uuid.Must(uuid.NewV7()).String() }

// conn is what Tx and PlatformTx run statements on.
type conn struct {
	tx       *sql.Tx
	dialect  dialect
	now      time.Time
	kc       *keyCache
	auditKey audit.Key
	// heads caches the audit chain heads this transaction has locked, so
	// further appends in it skip the lock statement.
	heads map[string]chainHead
}

func (c *conn) exec(ctx context.Context, q string, args ...any) (sql.Result, error) {
	return c.tx.ExecContext(ctx, c.dialect.rebind(q), args...)
}

func (c *conn) query(ctx context.Context, q string, args ...any) (*sql.Rows, error) {
	return c.tx.QueryContext(ctx, c.dialect.rebind(q), args...)
}

func (c *conn) queryRow(ctx context.Context, q string, args ...any) *sql.Row {
	return c.tx.QueryRowContext(ctx, c.dialect.rebind(q), args...)
}

// Tx is a transaction bound to one tenant. Every method reads and writes
// that tenant's rows only; there is no way to name another tenant.
type Tx struct {
	conn
	tenant string
	tk     TenantKeys // the tenant's keys (loadKeys)
	tkErr  error      // why there are none
}

// TenantID returns the tenant the transaction is bound to.
func (tx *Tx) TenantID() string { return tx.tenant }

// Now returns the time fixed when the transaction began.
func (tx *Tx) Now() time.Time { return tx.now }

// PlatformTx is a transaction over the platform's own tables (tenants,
// operators, their sessions, client certificates, the platform audit log).
// It cannot read tenant rows except by naming a tenant with InTenant.
type PlatformTx struct {
	conn
}

// Now returns the time fixed when the transaction began.
func (tx *PlatformTx) Now() time.Time { return tx.now }

// InTenant binds the same transaction to one tenant, for the few platform
// actions that act inside a tenant atomically (creating a tenant with its
// first admin, resolving a login). After it, the PlatformTx is scoped to
// that tenant too on PostgreSQL; use the returned Tx.
func (tx *PlatformTx) InTenant(ctx context.Context, tenantID string) (*Tx, error) {
	if tenantID == "" {
		return nil, errors.New("store: empty tenant")
	}
	if err := tx.dialect.setScope(ctx, tx.tx, tenantID); err != nil {
		return nil, err
	}
	t := &Tx{conn: tx.conn, tenant: tenantID}
	t.loadKeys(ctx, true)
	return t, nil
}

// InTenant runs fn in one read-write transaction bound to tenantID,
// committing when fn returns nil.
func (db *DB) InTenant(ctx context.Context, tenantID string, fn func(*Tx) error) error {
	if tenantID == "" {
		return care.Internal(errors.New("store: transaction without a tenant"))
	}
	return db.run(ctx, db.write, false, tenantID, func(c conn) error {
		tx := &Tx{conn: c, tenant: tenantID}
		tx.loadKeys(ctx, true)
		return fn(tx)
	})
}

// ReadTenant runs fn in a read-only transaction bound to tenantID, on the
// reader pool. Use it only where nothing, not even an audit entry, is
// written.
func (db *DB) ReadTenant(ctx context.Context, tenantID string, fn func(*Tx) error) error {
	if tenantID == "" {
		return care.Internal(errors.New("store: transaction without a tenant"))
	}
	return db.run(ctx, db.read, true, tenantID, func(c conn) error {
		tx := &Tx{conn: c, tenant: tenantID}
		tx.loadKeys(ctx, false)
		return fn(tx)
	})
}

// Platform runs fn in one read-write transaction over the platform tables.
func (db *DB) Platform(ctx context.Context, fn func(*PlatformTx) error) error {
	return db.run(ctx, db.write, false, "", func(c conn) error {
		return fn(&PlatformTx{conn: c})
	})
}

func (db *DB) run(ctx context.Context, pool *sql.DB, readOnly bool, scope string, fn func(conn) error) error {
	opts := &sql.TxOptions{ReadOnly: readOnly && db.dialect.name == "postgres"}
	if opts.ReadOnly {
		// One snapshot for the whole read, keyset version included, so no
		// value re-sealed under a newer key meets an older keyset.
		opts.Isolation = sql.LevelRepeatableRead
	}
	sqlTx, err := pool.BeginTx(ctx, opts)
	if err != nil {
		return care.Internal(fmt.Errorf("store: begin: %w", err))
	}
	if err := db.dialect.setScope(ctx, sqlTx, scope); err != nil {
		sqlTx.Rollback()
		return care.Internal(err)
	}
	if err := fn(conn{tx: sqlTx, dialect: db.dialect, now: db.Now(), kc: db.kc, auditKey: db.auditKey,
		heads: map[string]chainHead{}}); err != nil {
		sqlTx.Rollback()
		return err
	}
	if err := sqlTx.Commit(); err != nil {
		return care.Internal(fmt.Errorf("store: commit: %w", err))
	}
	return nil
}

// notFound turns sql.ErrNoRows into the domain's not-found error.
func notFound(err error, what string) error {
	if errors.Is(err, sql.ErrNoRows) {
		return care.NotFound(what)
	}
	return care.Internal(fmt.Errorf("store: %s: %w", what, err))
}

// wrap returns nil or an internal error with context.
func wrap(err error, what string) error {
	if err == nil {
		return nil
	}
	return care.Internal(fmt.Errorf("store: %s: %w", what, err))
}

func nullTime(t *time.Time) sql.NullTime {
	if t == nil {
		return sql.NullTime{}
	}
	return sql.NullTime{Time: t.UTC(), Valid: true}
}

func timePtr(n sql.NullTime) *time.Time {
	if !n.Valid {
		return nil
	}
	t := n.Time.UTC()
	return &t
}

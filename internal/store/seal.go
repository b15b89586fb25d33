package store

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"sync"

	"github.com/renrakucho/renrakucho/internal/care"
)

// Keys is the key service resident data is sealed with (internal/seal):
// it makes, opens, rotates and destroys tenants' data keysets, which the
// store keeps wrapped in tenant_keys.
type Keys interface {
	// NewKeyset returns a new wrapped data keyset for the tenant.
	NewKeyset(ctx context.Context, tenantID string) ([]byte, error)
	// Open unwraps a tenant's keyset.
	Open(ctx context.Context, tenantID string, wrapped []byte) (TenantKeys, error)
	// Rotate returns the keyset with a new primary key, old keys kept.
	Rotate(ctx context.Context, tenantID string, wrapped []byte) ([]byte, error)
	// Destroy erases what unwraps the tenant's keyset, for good.
	Destroy(ctx context.Context, tenantID string) error
}

// TenantKeys are a tenant's opened data keys.
type TenantKeys interface {
	Encrypt(plaintext, associatedData []byte) ([]byte, error)
	Decrypt(ciphertext, associatedData []byte) ([]byte, error)
	// Current reports whether ciphertext was sealed under the primary key.
	Current(ciphertext []byte) bool
}

// sealed lists the columns stored sealed, per table: every field of a
// resident and of a consent that says something about the person, and
// every text of the contact book. The associated data of each value names
// tenant, table, row and column, so a value moved anywhere else does not
// open. Lists, sorting and search over these columns happen after
// opening, in Go.
var sealed = []sealedTable{
	{"residents", []string{"id"}, []string{"name", "kana", "birth_date", "sex", "address", "phone", "care_level",
		"key_person", "notes", "end_date", "end_reason", "end_note"}, true},
	{"consents", []string{"id"}, []string{"obtained_by", "scope"}, true},
	{"posts", []string{"id"}, []string{"body", "fields", "delete_note"}, true},
	{"post_versions", []string{"post_id", "version"}, []string{"body", "fields"}, true},
	{"comments", []string{"id"}, []string{"body"}, true},
	{"break_glass", []string{"id"}, []string{"reason"}, false},
	{"totp_factors", []string{"user_id"}, []string{"secret"}, false},
	{"file_folders", []string{"id"}, []string{"name"}, false},
	{"files", []string{"id"}, []string{"name"}, false},
}

// sealedTable is one table's sealed columns and the key naming its rows
// within the tenant (joined by "/" in the associated data).
type sealedTable struct {
	name    string
	key     []string
	columns []string
	// legacy: the table held plaintext before sealing began (migration
	// 0005 seals it); later tables were sealed from their start.
	legacy bool
}

// keyCache holds opened tenant keysets, shared by the handles of one DB.
type keyCache struct {
	keys Keys
	mu   sync.Mutex
	m    map[string]cachedKeys
}

type cachedKeys struct {
	keys    TenantKeys
	version int
}

// ErrNoKeys is returned when sealed data is touched on a database opened
// without a key service.
var ErrNoKeys = errors.New("store: no key service: resident data cannot be sealed or opened")

// loadKeys looks up the transaction's tenant keys as it begins, before
// any other statement (PostgreSQL cannot run one while another's rows are
// being read). It reads the keyset's version in this transaction, so a
// keyset made earlier in it is seen and a rotation made anywhere takes
// effect at once; the opened keyset comes from the cache while the version
// matches. A writing transaction on PostgreSQL holds the keyset row FOR
// SHARE, so a rotation waits for the writers in flight and no row is ever
// sealed under a key older than the rotation once it has committed (SQLite
// serialises writers anyway). A failure is kept and reported when a sealed
// value is first touched, so transactions that touch none are unaffected.
func (tx *Tx) loadKeys(ctx context.Context, write bool) {
	tx.tk, tx.tkErr = nil, nil
	if tx.kc == nil || tx.kc.keys == nil {
		tx.tkErr = ErrNoKeys
		return
	}
	q := `SELECT version FROM tenant_keys WHERE tenant_id = ?`
	if write && tx.dialect.name == "postgres" {
		q += ` FOR SHARE`
	}
	var version int
	err := tx.queryRow(ctx, q, tx.tenant).Scan(&version)
	if errors.Is(err, sql.ErrNoRows) {
		tx.tkErr = care.Internal(fmt.Errorf("store: tenant %s has no keyset", tx.tenant))
		return
	}
	if err != nil {
		tx.tkErr = wrap(err, "read tenant keyset")
		return
	}
	tx.kc.mu.Lock()
	c, ok := tx.kc.m[tx.tenant]
	tx.kc.mu.Unlock()
	if ok && c.version == version {
		tx.tk = c.keys
		return
	}
	var wrapped []byte
	if err := tx.queryRow(ctx, `SELECT keyset FROM tenant_keys WHERE tenant_id = ?`, tx.tenant).Scan(&wrapped); err != nil {
		tx.tkErr = wrap(err, "read tenant keyset")
		return
	}
	k, err := tx.kc.keys.Open(ctx, tx.tenant, wrapped)
	if err != nil {
		tx.tkErr = care.Internal(fmt.Errorf("store: open tenant keyset: %w", err))
		return
	}
	tx.kc.mu.Lock()
	tx.kc.m[tx.tenant] = cachedKeys{keys: k, version: version}
	tx.kc.mu.Unlock()
	tx.tk = k
}

// tenantKeys returns the keys loadKeys found.
func (tx *Tx) tenantKeys() (TenantKeys, error) {
	if tx.tk == nil && tx.tkErr == nil {
		return nil, care.Internal(errors.New("store: tenant keys not loaded"))
	}
	return tx.tk, tx.tkErr
}

// forget drops a tenant's cached keys.
func (kc *keyCache) forget(tenantID string) {
	if kc == nil {
		return
	}
	kc.mu.Lock()
	delete(kc.m, tenantID)
	kc.mu.Unlock()
}

// AAD is the associated data binding a sealed value to its place: the
// tenant, the table, the row's key (several key columns joined by "/") and
// the column. Exported for tools that load sealed rows in bulk.
func AAD(tenant, table, row, column string) []byte {
	b := make([]byte, 0, 16+len(tenant)+len(table)+len(row)+len(column))
	b = append(b, "renrakucho/v1\x00"...)
	b = append(b, tenant...)
	b = append(b, 0)
	b = append(b, table...)
	b = append(b, 0)
	b = append(b, row...)
	b = append(b, 0)
	return append(b, column...)
}

// seal encrypts one value for its place.
func (tx *Tx) seal(ctx context.Context, table, row, column, v string) ([]byte, error) {
	k, err := tx.tenantKeys()
	if err != nil {
		return nil, err
	}
	ct, err := k.Encrypt([]byte(v), AAD(tx.tenant, table, row, column))
	if err != nil {
		return nil, care.Internal(fmt.Errorf("store: seal %s.%s: %w", table, column, err))
	}
	return ct, nil
}

// open decrypts one value read from its place. A value that does not open
// (moved from elsewhere, altered, or its key destroyed) is an error, never
// shown.
func (tx *Tx) open(ctx context.Context, table, row, column string, ct []byte) (string, error) {
	k, err := tx.tenantKeys()
	if err != nil {
		return "", err
	}
	pt, err := k.Decrypt(ct, AAD(tx.tenant, table, row, column))
	if err != nil {
		return "", care.Internal(fmt.Errorf("store: open %s.%s of %s: %w", table, column, row, err))
	}
	return string(pt), nil
}

// sealer seals several columns of one row.
type sealer struct {
	tx    *Tx
	ctx   context.Context
	table string
	row   string
	err   error
}

func (tx *Tx) sealer(ctx context.Context, table, row string) *sealer {
	return &sealer{tx: tx, ctx: ctx, table: table, row: row}
}

// v returns the sealed value, or nil once an error happened (see err).
func (s *sealer) v(column, value string) []byte {
	if s.err != nil {
		return nil
	}
	ct, err := s.tx.seal(s.ctx, s.table, s.row, column, value)
	s.err = err
	return ct
}

// opener opens several columns of one row.
type opener struct {
	tx    *Tx
	ctx   context.Context
	table string
	row   string
	err   error
}

func (tx *Tx) opener(ctx context.Context, table, row string) *opener {
	return &opener{tx: tx, ctx: ctx, table: table, row: row}
}

// into opens ct into dst.
func (o *opener) into(column string, ct []byte, dst *string) {
	if o.err != nil {
		return
	}
	*dst, o.err = o.tx.open(o.ctx, o.table, o.row, column, ct)
}

// CreateKeyset gives the transaction's tenant its data keyset; a tenant
// has one from its creation on.
func (tx *Tx) CreateKeyset(ctx context.Context) error {
	if tx.kc == nil || tx.kc.keys == nil {
		return care.Internal(ErrNoKeys)
	}
	w, err := tx.kc.keys.NewKeyset(ctx, tx.tenant)
	if err != nil {
		return care.Internal(fmt.Errorf("store: new keyset: %w", err))
	}
	_, err = tx.exec(ctx, `INSERT INTO tenant_keys (tenant_id, keyset, version, created_at, rotated_at) VALUES (?, ?, 1, ?, ?)`,
		tx.tenant, w, tx.now, tx.now)
	return wrap(err, "create keyset")
}

// openInto opens ct into a string-typed dst.
func openInto[T ~string](o *opener, column string, ct []byte, dst *T) {
	var v string
	o.into(column, ct, &v)
	*dst = T(v)
}

// TenantKeys returns the tenant's opened keys, read in a transaction of
// its own: for what is sealed outside the database (file contents).
func (db *DB) TenantKeys(ctx context.Context, tenantID string) (TenantKeys, error) {
	var k TenantKeys
	err := db.ReadTenant(ctx, tenantID, func(tx *Tx) error {
		var err error
		k, err = tx.tenantKeys()
		return err
	})
	return k, err
}

package loadgen

import (
	"context"
	"database/sql"
	"fmt"
	"os"

	"github.com/renrakucho/renrakucho/internal/seal"
	"github.com/renrakucho/renrakucho/internal/store"
)

// NewKeys returns the product's keyring (internal/seal) over a fresh key
// directory in a temporary directory, as `renrakucho serve --keys` uses
// one, and what removes the directory. Every benchmark opens its store
// with it: resident data is sealed at rest, and a store without keys
// cannot write or read it.
func NewKeys() (*seal.Keyring, func(), error) {
	dir, err := os.MkdirTemp("", "renrakucho-bench-keys-")
	if err != nil {
		return nil, nil, err
	}
	cleanup := func() { os.RemoveAll(dir) }
	if _, err := seal.InitDir(dir); err != nil {
		cleanup()
		return nil, nil, err
	}
	kek, err := seal.OpenDir(dir)
	if err != nil {
		cleanup()
		return nil, nil, err
	}
	return seal.NewKeyring(kek), cleanup, nil
}

// TenantKeys opens a tenant's data keys with keys, as the store does, for
// a bulk loader that seals the rows it writes (with store.AAD). raw is a
// pool of d.OpenRaw for the tenant: on PostgreSQL, tenant_keys is read in
// the tenant's scope.
func (d *Database) TenantKeys(ctx context.Context, raw *sql.DB, keys store.Keys, tenantID string) (store.TenantKeys, error) {
	q := `SELECT keyset FROM tenant_keys WHERE tenant_id = ?`
	if d.Engine == "postgres" {
		q = `SELECT keyset FROM tenant_keys WHERE tenant_id = $1`
	}
	var wrapped []byte
	if err := raw.QueryRowContext(ctx, q, tenantID).Scan(&wrapped); err != nil {
		return nil, fmt.Errorf("read tenant keyset: %w", err)
	}
	k, err := keys.Open(ctx, tenantID, wrapped)
	if err != nil {
		return nil, fmt.Errorf("open tenant keyset: %w", err)
	}
	return k, nil
}

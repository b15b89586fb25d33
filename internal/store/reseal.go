package store

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"strconv"
	"strings"
	"time"

	"github.com/renrakucho/renrakucho/internal/care"
)

// resealBatch is the size of one re-encryption step.
const resealBatch = 500

// rowName joins a row's key values as the associated data names the row.
func rowName(key []any) string {
	parts := make([]string, len(key))
	for i, v := range key {
		switch v := v.(type) {
		case []byte:
			parts[i] = string(v)
		default:
			parts[i] = fmt.Sprint(v)
		}
	}
	return strings.Join(parts, "/")
}

// after is the keyset condition "the row's key comes after the cursor".
func (t sealedTable) after(cursor []any) (string, []any) {
	if cursor == nil {
		return "", nil
	}
	if len(t.key) == 1 {
		return ` AND ` + t.key[0] + ` > ?`, cursor
	}
	return ` AND (` + t.key[0] + ` > ? OR (` + t.key[0] + ` = ? AND ` + t.key[1] + ` > ?))`,
		[]any{cursor[0], cursor[0], cursor[1]}
}

// parseCursor reads a cursor saved by rowName.
func (t sealedTable) parseCursor(s string) []any {
	if s == "" {
		return nil
	}
	if len(t.key) == 1 {
		return []any{s}
	}
	i := strings.LastIndex(s, "/")
	n, _ := strconv.Atoi(s[i+1:])
	return []any{s[:i], int64(n)}
}

// reseal seals again, under the primary key, the values of up to limit
// rows of the table after the cursor that are not on it. legacy values are
// plaintext from before sealing (the 0005 migration). It returns the last
// row's key (nil when the table is done) and how many rows it rewrote.
func (tx *Tx) reseal(ctx context.Context, t sealedTable, cursor []any, limit int, legacy bool) ([]any, int, error) {
	keys, err := tx.tenantKeys()
	if err != nil {
		return nil, 0, err
	}
	cond, args := t.after(cursor)
	keyList := strings.Join(t.key, ", ")
	q := `SELECT ` + keyList + `, ` + strings.Join(t.columns, ", ") + ` FROM ` + t.name + ` WHERE tenant_id = ?` + cond +
		` ORDER BY ` + keyList + ` LIMIT ?`
	rows, err := tx.query(ctx, q, append(append([]any{tx.tenant}, args...), limit)...)
	if err != nil {
		return nil, 0, wrap(err, "reseal "+t.name)
	}
	type row struct {
		key  []any
		vals [][]byte
	}
	var batch []row
	for rows.Next() {
		r := row{key: make([]any, len(t.key)), vals: make([][]byte, len(t.columns))}
		dst := make([]any, 0, len(t.key)+len(t.columns))
		for i := range r.key {
			dst = append(dst, &r.key[i])
		}
		for i := range r.vals {
			dst = append(dst, &r.vals[i])
		}
		if err := rows.Scan(dst...); err != nil {
			rows.Close()
			return nil, 0, wrap(err, "reseal "+t.name)
		}
		batch = append(batch, r)
	}
	if err := rows.Close(); err != nil {
		return nil, 0, wrap(err, "reseal "+t.name)
	}
	if err := rows.Err(); err != nil {
		return nil, 0, wrap(err, "reseal "+t.name)
	}
	n := 0
	for _, r := range batch {
		name := rowName(r.key)
		var sets []string
		var vals []any
		for i, col := range t.columns {
			v := r.vals[i]
			var pt string
			switch {
			case legacy:
				pt = string(v)
			case keys.Current(v):
				continue
			default:
				if pt, err = tx.open(ctx, t.name, name, col, v); err != nil {
					return nil, n, err
				}
			}
			ct, err := tx.seal(ctx, t.name, name, col, pt)
			if err != nil {
				return nil, n, err
			}
			sets = append(sets, col+" = ?")
			vals = append(vals, ct)
		}
		if len(sets) == 0 {
			continue
		}
		where := make([]string, len(t.key))
		for i, k := range t.key {
			where[i] = k + " = ?"
		}
		vals = append(append(vals, tx.tenant), r.key...)
		if _, err := tx.exec(ctx, `UPDATE `+t.name+` SET `+strings.Join(sets, ", ")+` WHERE tenant_id = ? AND `+
			strings.Join(where, " AND "), vals...); err != nil {
			return nil, n, wrap(err, "reseal "+t.name)
		}
		n++
	}
	if len(batch) < limit {
		return nil, n, nil
	}
	return batch[len(batch)-1].key, n, nil
}

// sealExisting runs with migration 0005, in its transaction: it gives
// every tenant its keyset and seals the values stored in plaintext before.
func (db *DB) sealExisting(ctx context.Context, sqlTx *sql.Tx) error {
	var tenants []string
	rows, err := sqlTx.QueryContext(ctx, `SELECT id FROM tenants ORDER BY id`)
	if err != nil {
		return fmt.Errorf("store: seal existing data: %w", err)
	}
	for rows.Next() {
		var id string
		if err := rows.Scan(&id); err != nil {
			rows.Close()
			return fmt.Errorf("store: seal existing data: %w", err)
		}
		tenants = append(tenants, id)
	}
	rows.Close()
	if len(tenants) > 0 && db.kc.keys == nil {
		return fmt.Errorf("store: seal existing data: %w (give the key directory with --keys)", ErrNoKeys)
	}
	c := conn{tx: sqlTx, dialect: db.dialect, now: db.Now(), kc: db.kc}
	for _, id := range tenants {
		if err := db.dialect.setScope(ctx, sqlTx, id); err != nil {
			return err
		}
		tx := &Tx{conn: c, tenant: id}
		if err := tx.CreateKeyset(ctx); err != nil {
			return err
		}
		tx.loadKeys(ctx, true)
		for _, t := range sealed {
			if !t.legacy {
				continue
			}
			var cursor []any
			for {
				if cursor, _, err = tx.reseal(ctx, t, cursor, resealBatch, true); err != nil {
					return err
				}
				if cursor == nil {
					break
				}
			}
		}
	}
	return db.dialect.setScope(ctx, sqlTx, "")
}

// KeyStatus is a tenant's keyset state.
type KeyStatus struct {
	Version   int
	CreatedAt time.Time
	RotatedAt time.Time
	// Pending is the open re-encryption, if any.
	Pending *Rotation
}

// Rotation is the re-encryption after one key rotation.
type Rotation struct {
	Version   int
	StartedAt time.Time
	Table     string // where it has got to ("" before it starts)
	Resealed  int
	DoneAt    *time.Time
	rowKey    string // the last row re-sealed in Table
}

// KeyStatus returns the tenant's keyset version and re-encryption state.
func (tx *Tx) KeyStatus(ctx context.Context) (KeyStatus, error) {
	var s KeyStatus
	err := tx.queryRow(ctx, `SELECT version, created_at, rotated_at FROM tenant_keys WHERE tenant_id = ?`, tx.tenant).
		Scan(&s.Version, &s.CreatedAt, &s.RotatedAt)
	if err != nil {
		return s, notFound(err, "keyset")
	}
	s.CreatedAt, s.RotatedAt = s.CreatedAt.UTC(), s.RotatedAt.UTC()
	r, err := tx.pendingRotation(ctx)
	if err != nil {
		return s, err
	}
	s.Pending = r
	return s, nil
}

func (tx *Tx) pendingRotation(ctx context.Context) (*Rotation, error) {
	var r Rotation
	var done sql.NullTime
	err := tx.queryRow(ctx, `SELECT version, started_at, table_name, row_key, resealed, done_at FROM key_rotations
		WHERE tenant_id = ? AND done_at IS NULL ORDER BY version DESC LIMIT 1`, tx.tenant).
		Scan(&r.Version, &r.StartedAt, &r.Table, &r.rowKey, &r.Resealed, &done)
	if errors.Is(err, sql.ErrNoRows) {
		return nil, nil
	}
	if err != nil {
		return nil, wrap(err, "pending rotation")
	}
	r.StartedAt = r.StartedAt.UTC()
	r.DoneAt = timePtr(done)
	return &r, nil
}

// RotateKeys adds a new primary key to the tenant's keysets and opens the
// re-encryption of everything sealed under the old ones (Reencrypt). It
// returns the new keyset version.
func (tx *Tx) RotateKeys(ctx context.Context) (int, error) {
	if tx.kc == nil || tx.kc.keys == nil {
		return 0, care.Internal(ErrNoKeys)
	}
	var wrapped []byte
	var version int
	err := tx.queryRow(ctx, `SELECT keyset, version FROM tenant_keys WHERE tenant_id = ?`, tx.tenant).Scan(&wrapped, &version)
	if err != nil {
		return 0, notFound(err, "keyset")
	}
	next, err := tx.kc.keys.Rotate(ctx, tx.tenant, wrapped)
	if err != nil {
		return 0, care.Internal(fmt.Errorf("store: rotate keys: %w", err))
	}
	version++
	if _, err := tx.exec(ctx, `UPDATE tenant_keys SET keyset = ?, version = ?, rotated_at = ? WHERE tenant_id = ?`,
		next, version, tx.now, tx.tenant); err != nil {
		return 0, wrap(err, "rotate keys")
	}
	// An older re-encryption still open is superseded: the new one
	// covers everything the old one would have.
	if _, err := tx.exec(ctx, `UPDATE key_rotations SET done_at = ? WHERE tenant_id = ? AND done_at IS NULL`,
		tx.now, tx.tenant); err != nil {
		return 0, wrap(err, "rotate keys")
	}
	if _, err := tx.exec(ctx, `INSERT INTO key_rotations (tenant_id, version, started_at) VALUES (?, ?, ?)`,
		tx.tenant, version, tx.now); err != nil {
		return 0, wrap(err, "rotate keys")
	}
	tx.loadKeys(ctx, true)
	return version, nil
}

// ReencryptStep re-seals one batch of the tenant's open re-encryption and
// saves where it got to, in this transaction. It reports whether the
// re-encryption is finished (true also when none is open) and how many
// rows it rewrote.
func (tx *Tx) ReencryptStep(ctx context.Context) (done bool, resealed int, err error) {
	r, err := tx.pendingRotation(ctx)
	if err != nil || r == nil {
		return true, 0, err
	}
	rowKey := r.rowKey
	i := 0
	if r.Table != "" {
		for i < len(sealed) && sealed[i].name != r.Table {
			i++
		}
	}
	if i == len(sealed) {
		i, rowKey = 0, ""
	}
	t := sealed[i]
	cursor, n, err := tx.reseal(ctx, t, t.parseCursor(rowKey), resealBatch, false)
	if err != nil {
		return false, n, err
	}
	table, key := t.name, ""
	var doneAt any
	if cursor != nil {
		key = rowName(cursor)
	} else if i+1 < len(sealed) {
		table = sealed[i+1].name
	} else {
		doneAt = tx.now
	}
	_, err = tx.exec(ctx, `UPDATE key_rotations SET table_name = ?, row_key = ?, resealed = resealed + ?, done_at = ?
		WHERE tenant_id = ? AND version = ?`, table, key, n, doneAt, tx.tenant, r.Version)
	return doneAt != nil, n, wrap(err, "reencrypt")
}

// Reencrypt runs the tenant's open re-encryption to its end, one batch per
// transaction, so it can stop anywhere and resume. It returns how many
// rows it rewrote.
func (db *DB) Reencrypt(ctx context.Context, tenantID string) (int, error) {
	total := 0
	for {
		if err := ctx.Err(); err != nil {
			return total, err
		}
		var done bool
		err := db.InTenant(ctx, tenantID, func(tx *Tx) error {
			var n int
			var err error
			done, n, err = tx.ReencryptStep(ctx)
			total += n
			return err
		})
		if err != nil || done {
			return total, err
		}
	}
}

// ShredKeys destroys the tenant's keys (crypto-shredding, DESIGN 3.12):
// first what unwraps its keyset, outside the database, then the wrapped
// keyset itself. Every sealed value of the tenant, here and in every
// backup, stays unreadable for good.
func (tx *Tx) ShredKeys(ctx context.Context) error {
	if tx.kc == nil || tx.kc.keys == nil {
		return care.Internal(ErrNoKeys)
	}
	if err := tx.kc.keys.Destroy(ctx, tx.tenant); err != nil {
		return care.Internal(fmt.Errorf("store: shred keys: %w", err))
	}
	tx.kc.forget(tx.tenant)
	tx.tk, tx.tkErr = nil, errors.New("store: the tenant's keys were destroyed")
	_, err := tx.exec(ctx, `DELETE FROM tenant_keys WHERE tenant_id = ?`, tx.tenant)
	return wrap(err, "shred keys")
}

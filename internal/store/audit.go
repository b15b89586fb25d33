package store

import (
	"context"
	"database/sql"
	"encoding/hex"
	"errors"
	"time"

	"github.com/renrakucho/renrakucho/internal/audit"
)

// errNoAuditKey is what an append without the audit key returns.
var errNoAuditKey = errors.New("store: no audit key: open the database with Options.AuditKey")

const auditInsert = `INSERT INTO audit_log (tenant_id, id, at, actor_id, actor_login, actor_role, action, target_type,
	target_id, resident_id, ip, user_agent, result, detail, seq, mac) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`

// chainHead is a chain's last seq and MAC, as locked by a transaction.
type chainHead struct {
	seq int64
	mac string
}

// lockHead locks the chain's head row, creating it for the chain's first
// entry, and returns the last seq and MAC. The upsert takes the row lock
// on PostgreSQL, so appends of one chain serialise until commit; SQLite
// has a single writer anyway. A transaction locks each head once.
func lockHead(ctx context.Context, c conn, tenantID string) (int64, string, error) {
	if h, ok := c.heads[tenantID]; ok {
		return h.seq, h.mac, nil
	}
	var h chainHead
	err := c.queryRow(ctx, `INSERT INTO audit_heads (tenant_id, seq, mac) VALUES (?, 0, '')
		ON CONFLICT (tenant_id) DO UPDATE SET seq = audit_heads.seq RETURNING seq, mac`, tenantID).Scan(&h.seq, &h.mac)
	if err != nil {
		return 0, "", wrap(err, "lock audit head")
	}
	if c.heads != nil {
		c.heads[tenantID] = h
	}
	return h.seq, h.mac, nil
}

func setHead(ctx context.Context, c conn, tenantID string, seq int64, mac string) error {
	_, err := c.exec(ctx, `UPDATE audit_heads SET seq = ?, mac = ? WHERE tenant_id = ?`, seq, mac, tenantID)
	if err == nil && c.heads != nil {
		c.heads[tenantID] = chainHead{seq, mac}
	}
	return wrap(err, "set audit head")
}

// auditInsertMoveHead is auditInsert and setHead in one PostgreSQL
// statement: one round trip less while the head is locked.
const auditInsertMoveHead = `WITH e AS (` + auditInsert + `) UPDATE audit_heads SET seq = ?, mac = ? WHERE tenant_id = ?`

// appendAudit writes e as the next entry of tenantID's chain: it takes the
// chain's next seq and computes the entry's MAC over its fields and the
// previous MAC, in the caller's transaction.
func appendAudit(ctx context.Context, c conn, tenantID string, e *audit.Entry) error {
	if c.auditKey == nil {
		return wrap(errNoAuditKey, "append audit")
	}
	e.ID = NewID()
	if e.At.IsZero() {
		e.At = c.now
	}
	e.At = audit.ChainTime(e.At)
	seq, prevHex, err := lockHead(ctx, c, tenantID)
	if err != nil {
		return err
	}
	prev, err := hex.DecodeString(prevHex)
	if err != nil {
		return wrap(err, "append audit: head MAC")
	}
	e.Seq = seq + 1
	e.MAC = hex.EncodeToString(c.auditKey.MAC(tenantID, e.Seq, prev, e))
	args := []any{tenantID, e.ID, e.At, e.ActorID, e.ActorLogin, e.ActorRole, e.Action,
		e.TargetType, e.TargetID, e.ResidentID, e.IP, e.UserAgent, e.Result, e.Detail, e.Seq, e.MAC}
	if c.dialect.name == "postgres" {
		if _, err := c.exec(ctx, auditInsertMoveHead, append(args, e.Seq, e.MAC, tenantID)...); err != nil {
			return wrap(err, "append audit")
		}
		if c.heads != nil {
			c.heads[tenantID] = chainHead{e.Seq, e.MAC}
		}
		return nil
	}
	if _, err := c.exec(ctx, auditInsert, args...); err != nil {
		return wrap(err, "append audit")
	}
	return setHead(ctx, c, tenantID, e.Seq, e.MAC)
}

// AppendAudit writes an entry to the tenant's audit log, in this transaction.
func (tx *Tx) AppendAudit(ctx context.Context, e *audit.Entry) error {
	return appendAudit(ctx, tx.conn, tx.tenant, e)
}

// AppendAudit writes an entry to the platform's own audit log.
func (tx *PlatformTx) AppendAudit(ctx context.Context, e *audit.Entry) error {
	return appendAudit(ctx, tx.conn, "", e)
}

// AuditFilter narrows AuditEntries. Zero fields match everything.
type AuditFilter struct {
	ActorID string
	Action  string
	// Target matches the entry's target id or its resident: a post's id
	// gives who viewed or changed that post, a resident's id everything
	// about that resident.
	Target string
	From   time.Time
	To     time.Time
	Limit  int
}

const auditColumns = `id, at, actor_id, actor_login, actor_role, action, target_type, target_id, resident_id, ip, user_agent, result, detail, seq, mac`

func scanAudit(rows *sql.Rows, e *audit.Entry) error {
	if err := rows.Scan(&e.ID, &e.At, &e.ActorID, &e.ActorLogin, &e.ActorRole, &e.Action, &e.TargetType,
		&e.TargetID, &e.ResidentID, &e.IP, &e.UserAgent, &e.Result, &e.Detail, &e.Seq, &e.MAC); err != nil {
		return err
	}
	e.At = e.At.UTC()
	return nil
}

func auditEntries(ctx context.Context, c conn, tenantID string, f AuditFilter) ([]audit.Entry, error) {
	q := `SELECT ` + auditColumns + ` FROM audit_log WHERE tenant_id = ?`
	args := []any{tenantID}
	if f.ActorID != "" {
		q += ` AND (actor_id = ? OR actor_login = ?)`
		args = append(args, f.ActorID, f.ActorID)
	}
	if f.Action != "" {
		q += ` AND action = ?`
		args = append(args, f.Action)
	}
	if f.Target != "" {
		q += ` AND (target_id = ? OR resident_id = ?)`
		args = append(args, f.Target, f.Target)
	}
	if !f.From.IsZero() {
		q += ` AND at >= ?`
		args = append(args, f.From.UTC())
	}
	if !f.To.IsZero() {
		q += ` AND at < ?`
		args = append(args, f.To.UTC())
	}
	limit := f.Limit
	if limit <= 0 || limit > 10000 {
		limit = 10000
	}
	q += ` ORDER BY at DESC, id DESC LIMIT ?`
	args = append(args, limit)
	rows, err := c.query(ctx, q, args...)
	if err != nil {
		return nil, wrap(err, "list audit")
	}
	defer rows.Close()
	var out []audit.Entry
	for rows.Next() {
		var e audit.Entry
		if err := scanAudit(rows, &e); err != nil {
			return nil, wrap(err, "list audit")
		}
		out = append(out, e)
	}
	return out, wrap(rows.Err(), "list audit")
}

// AuditEntries lists the tenant's audit entries, newest first.
func (tx *Tx) AuditEntries(ctx context.Context, f AuditFilter) ([]audit.Entry, error) {
	return auditEntries(ctx, tx.conn, tx.tenant, f)
}

// AuditEntries lists the platform's own audit entries, newest first.
func (tx *PlatformTx) AuditEntries(ctx context.Context, f AuditFilter) ([]audit.Entry, error) {
	return auditEntries(ctx, tx.conn, "", f)
}

package store

import (
	"context"
	"time"

	"github.com/renrakucho/renrakucho/internal/audit"
)

const auditInsert = `INSERT INTO audit_log (tenant_id, id, at, actor_id, actor_login, actor_role, action, target_type,
	target_id, resident_id, ip, user_agent, result, detail) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`

func appendAudit(ctx context.Context, c conn, tenantID string, e *audit.Entry) error {
	e.ID = NewID()
	if e.At.IsZero() {
		e.At = c.now
	}
	_, err := c.exec(ctx, auditInsert, tenantID, e.ID, e.At.UTC(), e.ActorID, e.ActorLogin, e.ActorRole, e.Action,
		e.TargetType, e.TargetID, e.ResidentID, e.IP, e.UserAgent, e.Result, e.Detail)
	return wrap(err, "append audit")
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
	Target  string
	From    time.Time
	To      time.Time
	Limit   int
}

const auditColumns = `id, at, actor_id, actor_login, actor_role, action, target_type, target_id, resident_id, ip, user_agent, result, detail`

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
		if err := rows.Scan(&e.ID, &e.At, &e.ActorID, &e.ActorLogin, &e.ActorRole, &e.Action, &e.TargetType,
			&e.TargetID, &e.ResidentID, &e.IP, &e.UserAgent, &e.Result, &e.Detail); err != nil {
			return nil, wrap(err, "list audit")
		}
		e.At = e.At.UTC()
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

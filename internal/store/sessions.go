package store

import (
	"context"
	"database/sql"
	"time"
)

// UserSessions lists a user's sessions, the most recently used first.
func (tx *Tx) UserSessions(ctx context.Context, userID string) ([]Session, error) {
	rows, err := tx.query(ctx, `SELECT id, user_id, listener, ip, user_agent, created_at, last_seen_at, expires_at, stage
		FROM sessions WHERE tenant_id = ? AND user_id = ? ORDER BY last_seen_at DESC, id`, tx.tenant, userID)
	if err != nil {
		return nil, wrap(err, "list sessions")
	}
	return scanSessions(rows)
}

// OperatorSessions lists an operator's sessions, the most recently used first.
func (tx *PlatformTx) OperatorSessions(ctx context.Context, operatorID string) ([]Session, error) {
	rows, err := tx.query(ctx, `SELECT id, operator_id, listener, ip, user_agent, created_at, last_seen_at, expires_at, stage
		FROM operator_sessions WHERE operator_id = ? ORDER BY last_seen_at DESC, id`, operatorID)
	if err != nil {
		return nil, wrap(err, "list operator sessions")
	}
	return scanSessions(rows)
}

func scanSessions(rows *sql.Rows) ([]Session, error) {
	defer rows.Close()
	var out []Session
	for rows.Next() {
		var s Session
		if err := rows.Scan(&s.ID, &s.UserID, &s.Listener, &s.IP, &s.UserAgent, &s.CreatedAt, &s.LastSeenAt, &s.ExpiresAt, &s.Stage); err != nil {
			return nil, wrap(err, "list sessions")
		}
		s.CreatedAt, s.LastSeenAt, s.ExpiresAt = s.CreatedAt.UTC(), s.LastSeenAt.UTC(), s.ExpiresAt.UTC()
		out = append(out, s)
	}
	return out, wrap(rows.Err(), "list sessions")
}

// DeleteUserSession ends one of a user's sessions; another user's session
// is not found.
func (tx *Tx) DeleteUserSession(ctx context.Context, userID, id string) error {
	res, err := tx.exec(ctx, `DELETE FROM sessions WHERE tenant_id = ? AND user_id = ? AND id = ?`, tx.tenant, userID, id)
	if err != nil {
		return wrap(err, "delete session")
	}
	if n, _ := res.RowsAffected(); n == 0 {
		return notFound(sql.ErrNoRows, "session")
	}
	return nil
}

// DeleteOperatorSessionOf ends one of an operator's sessions; another
// operator's session is not found.
func (tx *PlatformTx) DeleteOperatorSessionOf(ctx context.Context, operatorID, id string) error {
	res, err := tx.exec(ctx, `DELETE FROM operator_sessions WHERE operator_id = ? AND id = ?`, operatorID, id)
	if err != nil {
		return wrap(err, "delete operator session")
	}
	if n, _ := res.RowsAffected(); n == 0 {
		return notFound(sql.ErrNoRows, "session")
	}
	return nil
}

// SetSessionCeremony keeps a WebAuthn ceremony's state on a session.
func (tx *Tx) SetSessionCeremony(ctx context.Context, id, ceremony string) error {
	_, err := tx.exec(ctx, `UPDATE sessions SET ceremony = ? WHERE tenant_id = ? AND id = ?`, ceremony, tx.tenant, id)
	return wrap(err, "set session ceremony")
}

// SetOperatorSessionCeremony keeps a WebAuthn ceremony's state on an
// operator's session.
func (tx *PlatformTx) SetOperatorSessionCeremony(ctx context.Context, id, ceremony string) error {
	_, err := tx.exec(ctx, `UPDATE operator_sessions SET ceremony = ? WHERE id = ?`, ceremony, id)
	return wrap(err, "set operator session ceremony")
}

// SessionPolicy is a tenant's session and second-factor settings.
type SessionPolicy struct {
	IdleTimeout time.Duration
	// FactorRequired says every member needs a second factor, not only admins.
	FactorRequired bool
}

// SessionPolicy returns the tenant's session policy.
func (tx *Tx) SessionPolicy(ctx context.Context) (SessionPolicy, error) {
	var (
		p    SessionPolicy
		idle int
	)
	err := tx.queryRow(ctx, `SELECT idle_minutes, factor_required FROM tenants WHERE id = ?`, tx.tenant).Scan(&idle, &p.FactorRequired)
	if err != nil {
		return SessionPolicy{}, notFound(err, "tenant")
	}
	p.IdleTimeout = time.Duration(idle) * time.Minute
	return p, nil
}

// SetSessionPolicy replaces the tenant's session policy.
func (tx *Tx) SetSessionPolicy(ctx context.Context, p SessionPolicy) error {
	_, err := tx.exec(ctx, `UPDATE tenants SET idle_minutes = ?, factor_required = ? WHERE id = ?`,
		int(p.IdleTimeout/time.Minute), p.FactorRequired, tx.tenant)
	return wrap(err, "set session policy")
}

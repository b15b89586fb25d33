package store

import (
	"context"
	"database/sql"
	"time"

	"github.com/renrakucho/renrakucho/internal/care"
)

// Operator is a member of the service operator's staff.
type Operator struct {
	ID          string
	LoginID     string
	Name        string
	Email       string
	Active      bool
	LastLoginAt *time.Time
	CreatedAt   time.Time
}

// CountOperators says how many operators exist; zero means uninitialised.
func (tx *PlatformTx) CountOperators(ctx context.Context) (int, error) {
	var n int
	err := tx.queryRow(ctx, `SELECT COUNT(*) FROM operators`).Scan(&n)
	return n, wrap(err, "count operators")
}

// CreateOperator inserts an operator; a taken login ID is a conflict.
func (tx *PlatformTx) CreateOperator(ctx context.Context, o *Operator, passwordHash string) error {
	var n int
	if err := tx.queryRow(ctx, `SELECT COUNT(*) FROM operators WHERE login_id = ?`, o.LoginID).Scan(&n); err != nil {
		return wrap(err, "create operator")
	}
	if n > 0 {
		return &care.Error{Code: care.EConflict, Key: "error.login_taken", Field: "login_id"}
	}
	o.ID = NewID()
	o.CreatedAt = tx.now
	o.Active = true
	_, err := tx.exec(ctx, `INSERT INTO operators (id, login_id, name, email, password_hash, active, created_at)
		VALUES (?, ?, ?, ?, ?, ?, ?)`, o.ID, o.LoginID, o.Name, o.Email, passwordHash, o.Active, o.CreatedAt)
	return wrap(err, "create operator")
}

const operatorColumns = `id, login_id, name, email, active, last_login_at, created_at`

func scanOperator(row interface{ Scan(...any) error }, extra ...any) (Operator, error) {
	var o Operator
	var last sql.NullTime
	err := row.Scan(append([]any{&o.ID, &o.LoginID, &o.Name, &o.Email, &o.Active, &last, &o.CreatedAt}, extra...)...)
	o.LastLoginAt = timePtr(last)
	return o, err
}

// OperatorCredentials returns the operator with the login ID and its hash.
func (tx *PlatformTx) OperatorCredentials(ctx context.Context, loginID string) (Operator, string, error) {
	var hash string
	o, err := scanOperator(tx.queryRow(ctx, `SELECT `+operatorColumns+`, password_hash FROM operators WHERE login_id = ?`, loginID), &hash)
	if err != nil {
		return Operator{}, "", notFound(err, "operator")
	}
	return o, hash, nil
}

// SetOperatorPassword replaces an operator's password hash.
func (tx *PlatformTx) SetOperatorPassword(ctx context.Context, id, hash string) error {
	_, err := tx.exec(ctx, `UPDATE operators SET password_hash = ? WHERE id = ?`, hash, id)
	return wrap(err, "set operator password")
}

// SetOperatorLastLogin records a successful login.
func (tx *PlatformTx) SetOperatorLastLogin(ctx context.Context, id string, at time.Time) error {
	_, err := tx.exec(ctx, `UPDATE operators SET last_login_at = ? WHERE id = ?`, at.UTC(), id)
	return wrap(err, "set operator last login")
}

// CreateOperatorSession stores an operator's session.
func (tx *PlatformTx) CreateOperatorSession(ctx context.Context, operatorID string, s Session) error {
	_, err := tx.exec(ctx, `INSERT INTO operator_sessions (id, operator_id, listener, ip, user_agent, created_at, last_seen_at, expires_at, stage)
		VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)`, s.ID, operatorID, s.Listener, s.IP, s.UserAgent,
		s.CreatedAt.UTC(), s.LastSeenAt.UTC(), s.ExpiresAt.UTC(), s.Stage)
	return wrap(err, "create operator session")
}

// OperatorSession returns an operator's session and the operator.
func (tx *PlatformTx) OperatorSession(ctx context.Context, id string) (Session, Operator, error) {
	var s Session
	o, err := scanOperator(tx.queryRow(ctx, `SELECT o.id, o.login_id, o.name, o.email, o.active, o.last_login_at, o.created_at,
		s.id, s.listener, s.ip, s.user_agent, s.created_at, s.last_seen_at, s.expires_at, s.stage, s.ceremony
		FROM operator_sessions s JOIN operators o ON o.id = s.operator_id WHERE s.id = ?`, id),
		&s.ID, &s.Listener, &s.IP, &s.UserAgent, &s.CreatedAt, &s.LastSeenAt, &s.ExpiresAt, &s.Stage, &s.Ceremony)
	if err != nil {
		return Session{}, Operator{}, notFound(err, "session")
	}
	s.UserID = o.ID
	return s, o, nil
}

// TouchOperatorSession records activity on an operator's session.
func (tx *PlatformTx) TouchOperatorSession(ctx context.Context, id string, at time.Time) error {
	_, err := tx.exec(ctx, `UPDATE operator_sessions SET last_seen_at = ? WHERE id = ?`, at.UTC(), id)
	return wrap(err, "touch operator session")
}

// DeleteOperatorSession ends an operator's session.
func (tx *PlatformTx) DeleteOperatorSession(ctx context.Context, id string) error {
	_, err := tx.exec(ctx, `DELETE FROM operator_sessions WHERE id = ?`, id)
	return wrap(err, "delete operator session")
}

package store

import (
	"context"
	"database/sql"
	"time"
)

// Mail is one message of the outbox.
type Mail struct {
	ID        string
	To        string
	Subject   string
	Body      string
	CreatedAt time.Time
	Attempts  int
	SentAt    *time.Time
	LastError string
}

// QueueMail adds a message to the outbox in the caller's transaction, so
// the mail goes if and only if the use case commits. Tx and PlatformTx
// both have it.
func (c *conn) QueueMail(ctx context.Context, m *Mail) error {
	m.ID = NewID()
	m.CreatedAt = c.now
	_, err := c.exec(ctx, `INSERT INTO mail_outbox (id, recipient, subject, body, created_at, next_attempt_at)
		VALUES (?, ?, ?, ?, ?, ?)`, m.ID, m.To, m.Subject, m.Body, c.now, c.now)
	return wrap(err, "queue mail")
}

// The claim of due messages. PostgreSQL skips rows another node is
// claiming at the same moment; SQLite has one writer, which serialises
// claims by itself.
const (
	claimMailSQLite = `UPDATE mail_outbox SET lease_until = ? WHERE id IN (
		SELECT id FROM mail_outbox WHERE sent_at IS NULL AND attempts < ? AND next_attempt_at <= ?
		AND (lease_until IS NULL OR lease_until <= ?) ORDER BY next_attempt_at LIMIT ?)
		RETURNING id, recipient, subject, body, created_at, attempts`
	claimMailPostgres = `UPDATE mail_outbox SET lease_until = ? WHERE id IN (
		SELECT id FROM mail_outbox WHERE sent_at IS NULL AND attempts < ? AND next_attempt_at <= ?
		AND (lease_until IS NULL OR lease_until <= ?) ORDER BY next_attempt_at LIMIT ? FOR UPDATE SKIP LOCKED)
		RETURNING id, recipient, subject, body, created_at, attempts`
)

// ClaimMail leases up to limit due messages (unsent, under maxAttempts,
// their next attempt due, not leased by a live lease) until lease, so no
// other node sends them meanwhile; a node that dies lets its lease run
// out and another sends the message.
func (tx *PlatformTx) ClaimMail(ctx context.Context, limit, maxAttempts int, lease time.Duration) ([]Mail, error) {
	q := claimMailSQLite
	if tx.dialect.name == "postgres" {
		q = claimMailPostgres
	}
	rows, err := tx.query(ctx, q, tx.now.Add(lease), maxAttempts, tx.now, tx.now, limit)
	if err != nil {
		return nil, wrap(err, "claim mail")
	}
	defer rows.Close()
	var out []Mail
	for rows.Next() {
		var m Mail
		if err := rows.Scan(&m.ID, &m.To, &m.Subject, &m.Body, &m.CreatedAt, &m.Attempts); err != nil {
			return nil, wrap(err, "claim mail")
		}
		m.CreatedAt = m.CreatedAt.UTC()
		out = append(out, m)
	}
	return out, wrap(rows.Err(), "claim mail")
}

// MailSent records a delivered message and clears its body, which may
// hold a single-use link that the outbox need not keep.
func (tx *PlatformTx) MailSent(ctx context.Context, id string) error {
	_, err := tx.exec(ctx, `UPDATE mail_outbox SET sent_at = ?, body = '', lease_until = NULL, attempts = attempts + 1,
		last_error = '' WHERE id = ?`, tx.now, id)
	return wrap(err, "mail sent")
}

// MailFailed records a failed attempt and when to try again.
func (tx *PlatformTx) MailFailed(ctx context.Context, id string, retryAt time.Time, reason string) error {
	if len(reason) > 500 {
		reason = reason[:500]
	}
	_, err := tx.exec(ctx, `UPDATE mail_outbox SET attempts = attempts + 1, next_attempt_at = ?, lease_until = NULL,
		last_error = ? WHERE id = ?`, retryAt.UTC(), reason, id)
	return wrap(err, "mail failed")
}

// Outbox lists the newest messages of the outbox, newest first (bodies
// left out), for operators and tests.
func (tx *PlatformTx) Outbox(ctx context.Context, limit int) ([]Mail, error) {
	rows, err := tx.query(ctx, `SELECT id, recipient, subject, created_at, attempts, sent_at, last_error FROM mail_outbox
		ORDER BY created_at DESC, id DESC LIMIT ?`, limit)
	if err != nil {
		return nil, wrap(err, "outbox")
	}
	defer rows.Close()
	var out []Mail
	for rows.Next() {
		var m Mail
		var sent sql.NullTime
		if err := rows.Scan(&m.ID, &m.To, &m.Subject, &m.CreatedAt, &m.Attempts, &sent, &m.LastError); err != nil {
			return nil, wrap(err, "outbox")
		}
		m.CreatedAt, m.SentAt = m.CreatedAt.UTC(), timePtr(sent)
		out = append(out, m)
	}
	return out, wrap(rows.Err(), "outbox")
}

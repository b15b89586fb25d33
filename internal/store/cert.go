package store

import (
	"context"
	"database/sql"
	"time"
)

// ClientCert is a client certificate issued by the deployment CA and bound
// to one admin account (TenantID "" for an operator).
type ClientCert struct {
	Serial      string
	TenantID    string
	LoginID     string
	Fingerprint string
	NotAfter    time.Time
	RevokedAt   *time.Time
	CreatedAt   time.Time
}

// RecordClientCert stores an issued certificate.
func (tx *PlatformTx) RecordClientCert(ctx context.Context, c ClientCert) error {
	_, err := tx.exec(ctx, `INSERT INTO client_certs (serial, tenant_id, login_id, fingerprint, not_after, created_at)
		VALUES (?, ?, ?, ?, ?, ?)`, c.Serial, c.TenantID, c.LoginID, c.Fingerprint, c.NotAfter.UTC(), tx.now)
	return wrap(err, "record client certificate")
}

// ClientCertByFingerprint returns the recorded certificate.
func (tx *PlatformTx) ClientCertByFingerprint(ctx context.Context, fp string) (ClientCert, error) {
	var c ClientCert
	var revoked sql.NullTime
	err := tx.queryRow(ctx, `SELECT serial, tenant_id, login_id, fingerprint, not_after, revoked_at, created_at
		FROM client_certs WHERE fingerprint = ?`, fp).Scan(&c.Serial, &c.TenantID, &c.LoginID, &c.Fingerprint, &c.NotAfter, &revoked, &c.CreatedAt)
	if err != nil {
		return ClientCert{}, notFound(err, "certificate")
	}
	c.RevokedAt = timePtr(revoked)
	return c, nil
}

// ClientCertsOf lists the certificates bound to one account.
func (tx *PlatformTx) ClientCertsOf(ctx context.Context, tenantID, loginID string) ([]ClientCert, error) {
	rows, err := tx.query(ctx, `SELECT serial, tenant_id, login_id, fingerprint, not_after, revoked_at, created_at
		FROM client_certs WHERE tenant_id = ? AND login_id = ? ORDER BY created_at`, tenantID, loginID)
	if err != nil {
		return nil, wrap(err, "list client certificates")
	}
	defer rows.Close()
	var out []ClientCert
	for rows.Next() {
		var c ClientCert
		var revoked sql.NullTime
		if err := rows.Scan(&c.Serial, &c.TenantID, &c.LoginID, &c.Fingerprint, &c.NotAfter, &revoked, &c.CreatedAt); err != nil {
			return nil, wrap(err, "list client certificates")
		}
		c.RevokedAt = timePtr(revoked)
		out = append(out, c)
	}
	return out, wrap(rows.Err(), "list client certificates")
}

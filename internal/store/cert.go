package store

import (
	"context"
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
	// Kind is CertAdmin (the admin listener) or CertDevice (a member's
	// device on the user listener); "" records CertAdmin.
	Kind string
}

// RecordClientCert stores an issued certificate.
func (tx *PlatformTx) RecordClientCert(ctx context.Context, c ClientCert) error {
	if c.Kind == "" {
		c.Kind = CertAdmin
	}
	_, err := tx.exec(ctx, `INSERT INTO client_certs (serial, tenant_id, login_id, fingerprint, not_after, created_at, kind)
		VALUES (?, ?, ?, ?, ?, ?, ?)`, c.Serial, c.TenantID, c.LoginID, c.Fingerprint, c.NotAfter.UTC(), tx.now, c.Kind)
	return wrap(err, "record client certificate")
}

// ClientCertByFingerprint returns the recorded certificate.
func (tx *PlatformTx) ClientCertByFingerprint(ctx context.Context, fp string) (ClientCert, error) {
	c, err := scanCert(tx.queryRow(ctx, `SELECT `+certColumns+` FROM client_certs WHERE fingerprint = ?`, fp))
	if err != nil {
		return ClientCert{}, notFound(err, "certificate")
	}
	return c, nil
}

// ClientCertsOf lists the certificates bound to one account.
func (tx *PlatformTx) ClientCertsOf(ctx context.Context, tenantID, loginID string) ([]ClientCert, error) {
	return tx.certs(ctx, `SELECT `+certColumns+` FROM client_certs WHERE tenant_id = ? AND login_id = ? ORDER BY created_at`,
		tenantID, loginID)
}

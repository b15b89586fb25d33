package store

import (
	"context"
	"database/sql"

	"github.com/renrakucho/renrakucho/internal/care"
)

const consentColumns = `id, resident_id, method, obtained_at, obtained_by, scope, recorded_by, created_at, revoked_at, revoked_by`

func (tx *Tx) scanConsent(ctx context.Context, row interface{ Scan(...any) error }) (care.Consent, error) {
	var c care.Consent
	var revoked sql.NullTime
	var by, scope []byte
	err := row.Scan(&c.ID, &c.ResidentID, &c.Method, &c.ObtainedAt, &by, &scope, &c.RecordedBy, &c.CreatedAt,
		&revoked, &c.RevokedBy)
	if err != nil {
		return c, err
	}
	c.CreatedAt = c.CreatedAt.UTC()
	c.RevokedAt = timePtr(revoked)
	o := tx.opener(ctx, "consents", c.ID)
	o.into("obtained_by", by, &c.ObtainedBy)
	o.into("scope", scope, &c.Scope)
	return c, o.err
}

// CreateConsent records a resident's consent; it sets the ID and time.
func (tx *Tx) CreateConsent(ctx context.Context, c *care.Consent) error {
	c.ID = NewID()
	c.CreatedAt = tx.now
	s := tx.sealer(ctx, "consents", c.ID)
	args := []any{tx.tenant, c.ID, c.ResidentID, c.Method, c.ObtainedAt, s.v("obtained_by", c.ObtainedBy), s.v("scope", c.Scope),
		c.RecordedBy, c.CreatedAt}
	if s.err != nil {
		return s.err
	}
	_, err := tx.exec(ctx, `INSERT INTO consents (tenant_id, id, resident_id, method, obtained_at, obtained_by, scope,
		recorded_by, created_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)`, args...)
	return wrap(err, "create consent")
}

// Consent returns one consent of the resident.
func (tx *Tx) Consent(ctx context.Context, residentID, id string) (care.Consent, error) {
	c, err := tx.scanConsent(ctx, tx.queryRow(ctx, `SELECT `+consentColumns+` FROM consents
		WHERE tenant_id = ? AND resident_id = ? AND id = ?`, tx.tenant, residentID, id))
	if err != nil {
		return care.Consent{}, notFound(err, "consent")
	}
	return c, nil
}

// Consents lists the resident's consents, newest first.
func (tx *Tx) Consents(ctx context.Context, residentID string) ([]care.Consent, error) {
	rows, err := tx.query(ctx, `SELECT `+consentColumns+` FROM consents WHERE tenant_id = ? AND resident_id = ?
		ORDER BY created_at DESC, id DESC`, tx.tenant, residentID)
	if err != nil {
		return nil, wrap(err, "list consents")
	}
	defer rows.Close()
	var out []care.Consent
	for rows.Next() {
		c, err := tx.scanConsent(ctx, rows)
		if err != nil {
			return nil, wrap(err, "list consents")
		}
		out = append(out, c)
	}
	return out, wrap(rows.Err(), "list consents")
}

// RevokeConsent revokes an active consent of the resident. A missing
// consent is not found; an already revoked one is a conflict.
func (tx *Tx) RevokeConsent(ctx context.Context, residentID, id, by string) error {
	res, err := tx.exec(ctx, `UPDATE consents SET revoked_at = ?, revoked_by = ?
		WHERE tenant_id = ? AND resident_id = ? AND id = ? AND revoked_at IS NULL`, tx.now, by, tx.tenant, residentID, id)
	if err != nil {
		return wrap(err, "revoke consent")
	}
	if n, _ := res.RowsAffected(); n == 0 {
		if _, err := tx.Consent(ctx, residentID, id); err != nil {
			return err
		}
		return &care.Error{Code: care.EConflict, Key: "error.conflict", Field: "consent"}
	}
	return nil
}

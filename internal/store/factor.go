package store

import (
	"context"
	"database/sql"
	"time"
)

// Factors reads and writes one tenant's second factors, or (tenant "")
// the operators'. Get it from Tx.Factors or PlatformTx.OperatorFactors.
type Factors struct {
	c      conn
	tenant string
	tx     *Tx // a tenant's: TOTP secrets are sealed with its keys
}

// Factors returns the second factors of the transaction's tenant.
func (tx *Tx) Factors() Factors { return Factors{c: tx.conn, tenant: tx.tenant, tx: tx} }

// OperatorFactors returns the operators' second factors.
func (tx *PlatformTx) OperatorFactors() Factors { return Factors{c: tx.conn, tenant: ""} }

// TOTP is an account's TOTP factor without its secret.
type TOTP struct {
	Confirmed bool
	LastStep  int64
}

// Passkey is a WebAuthn credential of an account.
type Passkey struct {
	ID         string // the credential ID, base64url
	UserID     string
	Name       string
	Credential string // the library's credential record, JSON
	CreatedAt  time.Time
	LastUsedAt *time.Time
}

// TOTPSecret returns an account's TOTP secret. It and SetTOTPSecret are
// the only functions that touch the secret column. A tenant user's secret
// is sealed with the tenant's keys; an operator's, which belongs to no
// tenant, is stored as it is (the platform has no data keys).
func (f Factors) TOTPSecret(ctx context.Context, userID string) ([]byte, error) {
	var secret []byte
	err := f.c.queryRow(ctx, `SELECT secret FROM totp_factors WHERE tenant_id = ? AND user_id = ?`, f.tenant, userID).Scan(&secret)
	if err != nil {
		return nil, notFound(err, "totp factor")
	}
	if f.tx == nil {
		return secret, nil
	}
	s, err := f.tx.open(ctx, "totp_factors", userID, "secret", secret)
	return []byte(s), err
}

// SetTOTPSecret stores a new, unconfirmed TOTP secret for an account,
// replacing any earlier one.
func (f Factors) SetTOTPSecret(ctx context.Context, userID string, secret []byte) error {
	if _, err := f.c.exec(ctx, `DELETE FROM totp_factors WHERE tenant_id = ? AND user_id = ?`, f.tenant, userID); err != nil {
		return wrap(err, "set totp secret")
	}
	if f.tx != nil {
		sealed, err := f.tx.seal(ctx, "totp_factors", userID, "secret", string(secret))
		if err != nil {
			return err
		}
		secret = sealed
	}
	_, err := f.c.exec(ctx, `INSERT INTO totp_factors (tenant_id, user_id, secret, confirmed, last_step, created_at)
		VALUES (?, ?, ?, ?, ?, ?)`, f.tenant, userID, secret, false, 0, f.c.now)
	return wrap(err, "set totp secret")
}

// TOTP returns the state of an account's TOTP factor.
func (f Factors) TOTP(ctx context.Context, userID string) (TOTP, error) {
	var t TOTP
	err := f.c.queryRow(ctx, `SELECT confirmed, last_step FROM totp_factors WHERE tenant_id = ? AND user_id = ?`,
		f.tenant, userID).Scan(&t.Confirmed, &t.LastStep)
	if err != nil {
		return TOTP{}, notFound(err, "totp factor")
	}
	return t, nil
}

// AcceptTOTPStep records that a code of the time step was accepted, and
// confirms the factor. It reports false when that step or a later one was
// already accepted: a code is good once. The check and the write are one
// statement, so two requests racing with one code cannot both win.
func (f Factors) AcceptTOTPStep(ctx context.Context, userID string, step int64) (bool, error) {
	res, err := f.c.exec(ctx, `UPDATE totp_factors SET last_step = ?, confirmed = ?
		WHERE tenant_id = ? AND user_id = ? AND last_step < ?`, step, true, f.tenant, userID, step)
	if err != nil {
		return false, wrap(err, "accept totp step")
	}
	n, err := res.RowsAffected()
	return n == 1, wrap(err, "accept totp step")
}

// DeleteTOTP removes an account's TOTP factor and its recovery codes.
func (f Factors) DeleteTOTP(ctx context.Context, userID string) error {
	if _, err := f.c.exec(ctx, `DELETE FROM recovery_codes WHERE tenant_id = ? AND user_id = ?`, f.tenant, userID); err != nil {
		return wrap(err, "delete recovery codes")
	}
	_, err := f.c.exec(ctx, `DELETE FROM totp_factors WHERE tenant_id = ? AND user_id = ?`, f.tenant, userID)
	return wrap(err, "delete totp")
}

// SetRecoveryCodes replaces an account's recovery codes by these hashes.
func (f Factors) SetRecoveryCodes(ctx context.Context, userID string, hashes []string) error {
	if _, err := f.c.exec(ctx, `DELETE FROM recovery_codes WHERE tenant_id = ? AND user_id = ?`, f.tenant, userID); err != nil {
		return wrap(err, "set recovery codes")
	}
	for _, h := range hashes {
		if _, err := f.c.exec(ctx, `INSERT INTO recovery_codes (tenant_id, user_id, hash, created_at) VALUES (?, ?, ?, ?)`,
			f.tenant, userID, h, f.c.now); err != nil {
			return wrap(err, "set recovery codes")
		}
	}
	return nil
}

// UseRecoveryCode spends the unused recovery code with this hash,
// reporting false when there is none.
func (f Factors) UseRecoveryCode(ctx context.Context, userID, hash string) (bool, error) {
	res, err := f.c.exec(ctx, `UPDATE recovery_codes SET used_at = ? WHERE tenant_id = ? AND user_id = ? AND hash = ? AND used_at IS NULL`,
		f.c.now, f.tenant, userID, hash)
	if err != nil {
		return false, wrap(err, "use recovery code")
	}
	n, err := res.RowsAffected()
	return n == 1, wrap(err, "use recovery code")
}

// RecoveryCodesLeft counts an account's unused recovery codes.
func (f Factors) RecoveryCodesLeft(ctx context.Context, userID string) (int, error) {
	var n int
	err := f.c.queryRow(ctx, `SELECT COUNT(*) FROM recovery_codes WHERE tenant_id = ? AND user_id = ? AND used_at IS NULL`,
		f.tenant, userID).Scan(&n)
	return n, wrap(err, "count recovery codes")
}

// AddPasskey stores a new passkey.
func (f Factors) AddPasskey(ctx context.Context, p Passkey) error {
	_, err := f.c.exec(ctx, `INSERT INTO passkeys (tenant_id, id, user_id, name, credential, created_at) VALUES (?, ?, ?, ?, ?, ?)`,
		f.tenant, p.ID, p.UserID, p.Name, p.Credential, f.c.now)
	return wrap(err, "add passkey")
}

// Passkeys lists an account's passkeys, oldest first.
func (f Factors) Passkeys(ctx context.Context, userID string) ([]Passkey, error) {
	rows, err := f.c.query(ctx, `SELECT id, user_id, name, credential, created_at, last_used_at FROM passkeys
		WHERE tenant_id = ? AND user_id = ? ORDER BY created_at, id`, f.tenant, userID)
	if err != nil {
		return nil, wrap(err, "list passkeys")
	}
	defer rows.Close()
	var out []Passkey
	for rows.Next() {
		var (
			p    Passkey
			last sql.NullTime
		)
		if err := rows.Scan(&p.ID, &p.UserID, &p.Name, &p.Credential, &p.CreatedAt, &last); err != nil {
			return nil, wrap(err, "list passkeys")
		}
		p.CreatedAt = p.CreatedAt.UTC()
		p.LastUsedAt = timePtr(last)
		out = append(out, p)
	}
	return out, wrap(rows.Err(), "list passkeys")
}

// UsePasskey records a passkey's use and its updated credential record
// (the authenticator's signature counter).
func (f Factors) UsePasskey(ctx context.Context, userID, id, credential string) error {
	_, err := f.c.exec(ctx, `UPDATE passkeys SET credential = ?, last_used_at = ? WHERE tenant_id = ? AND user_id = ? AND id = ?`,
		credential, f.c.now, f.tenant, userID, id)
	return wrap(err, "use passkey")
}

// DeletePasskey removes one of an account's passkeys; another account's
// is not found.
func (f Factors) DeletePasskey(ctx context.Context, userID, id string) error {
	res, err := f.c.exec(ctx, `DELETE FROM passkeys WHERE tenant_id = ? AND user_id = ? AND id = ?`, f.tenant, userID, id)
	if err != nil {
		return wrap(err, "delete passkey")
	}
	if n, _ := res.RowsAffected(); n == 0 {
		return notFound(sql.ErrNoRows, "passkey")
	}
	return nil
}

// DeleteAll removes every second factor of an account and its recovery
// codes (recovery by an admin), reporting how many factors there were.
func (f Factors) DeleteAll(ctx context.Context, userID string) (int, error) {
	n := 0
	for _, d := range []struct {
		q      string
		factor bool // recovery codes are not a factor of their own
	}{
		{`DELETE FROM totp_factors WHERE tenant_id = ? AND user_id = ?`, true},
		{`DELETE FROM passkeys WHERE tenant_id = ? AND user_id = ?`, true},
		{`DELETE FROM recovery_codes WHERE tenant_id = ? AND user_id = ?`, false},
	} {
		res, err := f.c.exec(ctx, d.q, f.tenant, userID)
		if err != nil {
			return 0, wrap(err, "delete factors")
		}
		if d.factor {
			k, _ := res.RowsAffected()
			n += int(k)
		}
	}
	return n, nil
}

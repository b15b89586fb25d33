package store

import (
	"context"
	"database/sql"
	"time"

	"github.com/renrakucho/renrakucho/internal/care"
)

// AccessPolicy is a tenant's access settings (issue 4, items 5–7): the IP
// allow-lists, the device-certificate policy and how long a break-glass
// grant lasts. Allow-lists are normalised CIDR prefixes separated by
// spaces, "" for "every address"; the app parses and validates them.
type AccessPolicy struct {
	AdminAllow        string
	UserAllow         string
	DeviceCerts       bool
	BreakGlassMinutes int
}

// AccessPolicy returns the tenant's access settings.
func (tx *Tx) AccessPolicy(ctx context.Context) (AccessPolicy, error) {
	var p AccessPolicy
	err := tx.queryRow(ctx, `SELECT admin_allow, user_allow, device_certs, break_glass_minutes FROM tenants WHERE id = ?`,
		tx.tenant).Scan(&p.AdminAllow, &p.UserAllow, &p.DeviceCerts, &p.BreakGlassMinutes)
	if err != nil {
		return AccessPolicy{}, notFound(err, "tenant")
	}
	return p, nil
}

// SetAccessPolicy replaces the tenant's access settings. The app
// validates them.
func (tx *Tx) SetAccessPolicy(ctx context.Context, p AccessPolicy) error {
	res, err := tx.exec(ctx, `UPDATE tenants SET admin_allow = ?, user_allow = ?, device_certs = ?, break_glass_minutes = ?
		WHERE id = ?`, p.AdminAllow, p.UserAllow, p.DeviceCerts, p.BreakGlassMinutes, tx.tenant)
	if err != nil {
		return wrap(err, "set access policy")
	}
	if n, err := res.RowsAffected(); err != nil {
		return wrap(err, "set access policy")
	} else if n != 1 {
		return care.NotFound("tenant")
	}
	return nil
}

// The kinds of client certificate.
const (
	CertAdmin  = "admin"  // for the admin listener
	CertDevice = "device" // a member's device, for the user listener
)

const certColumns = `serial, tenant_id, login_id, fingerprint, not_after, revoked_at, created_at, kind`

func scanCert(row interface{ Scan(...any) error }) (ClientCert, error) {
	var c ClientCert
	var revoked sql.NullTime
	err := row.Scan(&c.Serial, &c.TenantID, &c.LoginID, &c.Fingerprint, &c.NotAfter, &revoked, &c.CreatedAt, &c.Kind)
	c.NotAfter, c.CreatedAt = c.NotAfter.UTC(), c.CreatedAt.UTC()
	c.RevokedAt = timePtr(revoked)
	return c, err
}

func (tx *PlatformTx) certs(ctx context.Context, q string, args ...any) ([]ClientCert, error) {
	rows, err := tx.query(ctx, q, args...)
	if err != nil {
		return nil, wrap(err, "list client certificates")
	}
	defer rows.Close()
	out := []ClientCert{}
	for rows.Next() {
		c, err := scanCert(rows)
		if err != nil {
			return nil, wrap(err, "list client certificates")
		}
		out = append(out, c)
	}
	return out, wrap(rows.Err(), "list client certificates")
}

// ClientCerts lists every recorded certificate, newest first.
func (tx *PlatformTx) ClientCerts(ctx context.Context) ([]ClientCert, error) {
	return tx.certs(ctx, `SELECT `+certColumns+` FROM client_certs ORDER BY created_at DESC, serial`)
}

// TenantClientCerts lists the certificates bound to one tenant's
// accounts, newest first.
func (tx *PlatformTx) TenantClientCerts(ctx context.Context, tenantID string) ([]ClientCert, error) {
	return tx.certs(ctx, `SELECT `+certColumns+` FROM client_certs WHERE tenant_id = ? ORDER BY created_at DESC, serial`, tenantID)
}

// ClientCertBySerial returns one recorded certificate.
func (tx *PlatformTx) ClientCertBySerial(ctx context.Context, serial string) (ClientCert, error) {
	c, err := scanCert(tx.queryRow(ctx, `SELECT `+certColumns+` FROM client_certs WHERE serial = ?`, serial))
	if err != nil {
		return ClientCert{}, notFound(err, "certificate")
	}
	return c, nil
}

// RevokeClientCert marks a certificate revoked now. Revoking a revoked
// certificate keeps its first revocation time and reports false.
func (tx *PlatformTx) RevokeClientCert(ctx context.Context, serial string) (bool, error) {
	res, err := tx.exec(ctx, `UPDATE client_certs SET revoked_at = ? WHERE serial = ? AND revoked_at IS NULL`, tx.now, serial)
	if err != nil {
		return false, wrap(err, "revoke client certificate")
	}
	n, err := res.RowsAffected()
	return n == 1, wrap(err, "revoke client certificate")
}

// RevokedSerials lists the serials of every revoked certificate, for the
// CRL.
func (tx *PlatformTx) RevokedSerials(ctx context.Context) ([]string, error) {
	rows, err := tx.query(ctx, `SELECT serial FROM client_certs WHERE revoked_at IS NOT NULL ORDER BY serial`)
	if err != nil {
		return nil, wrap(err, "list revoked serials")
	}
	defer rows.Close()
	var out []string
	for rows.Next() {
		var s string
		if err := rows.Scan(&s); err != nil {
			return nil, wrap(err, "list revoked serials")
		}
		out = append(out, s)
	}
	return out, wrap(rows.Err(), "list revoked serials")
}

// BreakGlass is one break-glass grant: a member opened one resident outside
// their teams, with a reason, until ExpiresAt.
type BreakGlass struct {
	ID             string
	UserID         string
	UserName       string
	LoginID        string
	ResidentID     string
	ResidentName   string
	Reason         string
	IP             string
	CreatedAt      time.Time
	ExpiresAt      time.Time
	AcknowledgedBy string // user ID, "" until an admin acknowledged it
	AcknowledgedAt *time.Time
}

// Active reports whether the grant still opens the resident at now.
func (b BreakGlass) Active(now time.Time) bool { return now.Before(b.ExpiresAt) }

// CreateBreakGlass records a grant; it sets the ID and CreatedAt.
func (tx *Tx) CreateBreakGlass(ctx context.Context, b *BreakGlass) error {
	b.ID, b.CreatedAt = NewID(), tx.now
	reason, err := tx.seal(ctx, "break_glass", b.ID, "reason", b.Reason)
	if err != nil {
		return err
	}
	_, err = tx.exec(ctx, `INSERT INTO break_glass (tenant_id, id, user_id, resident_id, reason, ip, created_at, expires_at)
		VALUES (?, ?, ?, ?, ?, ?, ?, ?)`, tx.tenant, b.ID, b.UserID, b.ResidentID, reason, b.IP, b.CreatedAt, b.ExpiresAt.UTC())
	return wrap(err, "create break-glass grant")
}

const breakGlassSelect = `SELECT b.id, b.user_id, COALESCE(u.name, ''), COALESCE(u.login_id, ''), b.resident_id, COALESCE(r.name, ''),
	b.reason, b.ip, b.created_at, b.expires_at, b.acknowledged_by, b.acknowledged_at
	FROM break_glass b
	LEFT JOIN users u ON u.tenant_id = b.tenant_id AND u.id = b.user_id
	LEFT JOIN residents r ON r.tenant_id = b.tenant_id AND r.id = b.resident_id
	WHERE b.tenant_id = ?`

func (tx *Tx) breakGlass(ctx context.Context, q string, args ...any) ([]BreakGlass, error) {
	rows, err := tx.query(ctx, q, args...)
	if err != nil {
		return nil, wrap(err, "list break-glass grants")
	}
	defer rows.Close()
	out := []BreakGlass{}
	for rows.Next() {
		var b BreakGlass
		var ack sql.NullTime
		var name, reason []byte
		if err := rows.Scan(&b.ID, &b.UserID, &b.UserName, &b.LoginID, &b.ResidentID, &name, &reason, &b.IP,
			&b.CreatedAt, &b.ExpiresAt, &b.AcknowledgedBy, &ack); err != nil {
			return nil, wrap(err, "list break-glass grants")
		}
		if len(name) > 0 { // the resident may have been purged since
			if b.ResidentName, err = tx.open(ctx, "residents", b.ResidentID, "name", name); err != nil {
				return nil, err
			}
		}
		if b.Reason, err = tx.open(ctx, "break_glass", b.ID, "reason", reason); err != nil {
			return nil, err
		}
		b.CreatedAt, b.ExpiresAt = b.CreatedAt.UTC(), b.ExpiresAt.UTC()
		b.AcknowledgedAt = timePtr(ack)
		out = append(out, b)
	}
	return out, wrap(rows.Err(), "list break-glass grants")
}

// ActiveBreakGlass returns the user's grant on the resident that is still
// running at the transaction's time (the latest, if several).
func (tx *Tx) ActiveBreakGlass(ctx context.Context, userID, residentID string) (BreakGlass, error) {
	bs, err := tx.breakGlass(ctx, breakGlassSelect+` AND b.user_id = ? AND b.resident_id = ? AND b.expires_at > ?
		ORDER BY b.expires_at DESC`, tx.tenant, userID, residentID, tx.now)
	if err != nil {
		return BreakGlass{}, err
	}
	if len(bs) == 0 {
		return BreakGlass{}, care.NotFound("break_glass")
	}
	return bs[0], nil
}

// BreakGlassFilter narrows the list of grants.
type BreakGlassFilter struct {
	UserID     string // one member's grants
	ResidentID string // grants on one resident
	ActiveOnly bool   // those still running at the transaction's time
	// Unacknowledged keeps grants no admin has acknowledged yet.
	Unacknowledged bool
	Limit          int // 0: 200
}

// BreakGlassGrants lists grants, newest first.
func (tx *Tx) BreakGlassGrants(ctx context.Context, f BreakGlassFilter) ([]BreakGlass, error) {
	q, args := breakGlassSelect, []any{tx.tenant}
	if f.UserID != "" {
		q += ` AND b.user_id = ?`
		args = append(args, f.UserID)
	}
	if f.ResidentID != "" {
		q += ` AND b.resident_id = ?`
		args = append(args, f.ResidentID)
	}
	if f.ActiveOnly {
		q += ` AND b.expires_at > ?`
		args = append(args, tx.now)
	}
	if f.Unacknowledged {
		q += ` AND b.acknowledged_at IS NULL`
	}
	if f.Limit <= 0 || f.Limit > 1000 {
		f.Limit = 200
	}
	q += ` ORDER BY b.created_at DESC, b.id DESC LIMIT ?`
	args = append(args, f.Limit)
	return tx.breakGlass(ctx, q, args...)
}

// BreakGlassGrant returns one grant.
func (tx *Tx) BreakGlassGrant(ctx context.Context, id string) (BreakGlass, error) {
	bs, err := tx.breakGlass(ctx, breakGlassSelect+` AND b.id = ?`, tx.tenant, id)
	if err != nil {
		return BreakGlass{}, err
	}
	if len(bs) == 0 {
		return BreakGlass{}, care.NotFound("break_glass")
	}
	return bs[0], nil
}

// AcknowledgeBreakGlass records that an admin reviewed the grant. A grant
// acknowledged before keeps its first acknowledgement and reports false.
func (tx *Tx) AcknowledgeBreakGlass(ctx context.Context, id, by string) (bool, error) {
	res, err := tx.exec(ctx, `UPDATE break_glass SET acknowledged_by = ?, acknowledged_at = ?
		WHERE tenant_id = ? AND id = ? AND acknowledged_at IS NULL`, by, tx.now, tx.tenant, id)
	if err != nil {
		return false, wrap(err, "acknowledge break-glass grant")
	}
	n, err := res.RowsAffected()
	if err != nil {
		return false, wrap(err, "acknowledge break-glass grant")
	}
	if n == 0 {
		if _, err := tx.BreakGlassGrant(ctx, id); err != nil {
			return false, err
		}
	}
	return n == 1, nil
}

// UsersWithRole lists the IDs of the tenant's active users with the role.
func (tx *Tx) UsersWithRole(ctx context.Context, role care.Role) ([]string, error) {
	rows, err := tx.query(ctx, `SELECT id FROM users WHERE tenant_id = ? AND role = ? AND active = ? AND deleted_at IS NULL`,
		tx.tenant, role, true)
	if err != nil {
		return nil, wrap(err, "list users by role")
	}
	defer rows.Close()
	var out []string
	for rows.Next() {
		var id string
		if err := rows.Scan(&id); err != nil {
			return nil, wrap(err, "list users by role")
		}
		out = append(out, id)
	}
	return out, wrap(rows.Err(), "list users by role")
}

// ReadPlatform runs fn in a read-only transaction over the platform
// tables, on the reader pool: for checks made on every request (client
// certificates) that must not queue behind the writer.
func (db *DB) ReadPlatform(ctx context.Context, fn func(*PlatformTx) error) error {
	return db.run(ctx, db.read, true, "", func(c conn) error {
		return fn(&PlatformTx{conn: c})
	})
}

// DeviceCertTenants counts the tenants that require device certificates.
func (tx *PlatformTx) DeviceCertTenants(ctx context.Context) (int, error) {
	var n int
	err := tx.queryRow(ctx, `SELECT COUNT(*) FROM tenants WHERE device_certs = ?`, true).Scan(&n)
	return n, wrap(err, "count device-certificate tenants")
}

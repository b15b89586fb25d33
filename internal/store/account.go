package store

import (
	"context"
	"database/sql"
	"time"

	"github.com/renrakucho/renrakucho/internal/care"
)

// Lockout bookkeeping. A login string's row in login_attempts counts the
// attempts reserved since its last success; the app reserves an attempt
// before it checks a password and checks the password only while the
// reserved number is within the threshold, so however many requests race,
// no more than the threshold's passwords are checked before the lock.

// OperatorScope is the login_attempts scope of operator logins.
const OperatorScope = "op"

// UnknownTenantScope is the login_attempts scope of a typed region ID that
// names no tenant: it is tracked like any other, so an unknown region
// answers exactly as a known one.
func UnknownTenantScope(slug string) string { return "slug:" + slug }

// Attempt is the outcome of reserving a login attempt.
type Attempt struct {
	// N is the number of this attempt since the last success (1 for the
	// first); the password may be checked only while N ≤ the threshold.
	N int
	// Locks counts the locks since the last success, this one included
	// when LockedUntil was set by this reservation.
	Locks int
	// LockedUntil is the end of the lock in force, if any.
	LockedUntil *time.Time
	// Locked says the attempt is refused without checking the password.
	Locked bool
	// NewLock says this reservation, the last one allowed, set the lock
	// that stands if its password turns out wrong.
	NewLock bool
}

// ReserveLogin counts one more login attempt for the login string in the
// scope, atomically on either engine (one upsert; the row stays locked to
// the end of the transaction), and says whether its password may be
// checked. A lock that has run out starts the count afresh. The attempt
// that reaches the threshold sets the lock at once, for lockFor(locks so
// far): should that attempt's password be right, ClearLogin lifts it.
func (tx *PlatformTx) ReserveLogin(ctx context.Context, scope, loginID string, threshold int, lockFor func(locks int) time.Duration) (Attempt, error) {
	var a Attempt
	var until sql.NullTime
	err := tx.queryRow(ctx, `INSERT INTO login_attempts (scope, login_id, failed, locks, last_failure_at) VALUES (?, ?, 1, 0, ?)
		ON CONFLICT (scope, login_id) DO UPDATE SET failed = login_attempts.failed + 1, last_failure_at = excluded.last_failure_at
		RETURNING failed, locks, locked_until`, scope, loginID, tx.now).Scan(&a.N, &a.Locks, &until)
	if err != nil {
		return Attempt{}, wrap(err, "reserve login")
	}
	a.LockedUntil = timePtr(until)
	if a.LockedUntil != nil && !tx.now.Before(*a.LockedUntil) {
		// The lock ran out: this is the first attempt of a new count.
		a.N, a.LockedUntil = 1, nil
		if _, err := tx.exec(ctx, `UPDATE login_attempts SET failed = 1, locked_until = NULL WHERE scope = ? AND login_id = ?`,
			scope, loginID); err != nil {
			return Attempt{}, wrap(err, "reserve login")
		}
	}
	switch {
	case a.LockedUntil != nil || a.N > threshold:
		a.Locked = true
	case a.N == threshold:
		t := tx.now.Add(lockFor(a.Locks))
		a.Locks++
		a.LockedUntil, a.NewLock = &t, true
		if _, err := tx.exec(ctx, `UPDATE login_attempts SET locks = ?, locked_until = ? WHERE scope = ? AND login_id = ?`,
			a.Locks, t, scope, loginID); err != nil {
			return Attempt{}, wrap(err, "reserve login")
		}
	}
	return a, nil
}

// LoginFailures returns how many attempts are counted against the login
// string since its last success, when the last was, and whether it is
// locked now.
func (tx *PlatformTx) LoginFailures(ctx context.Context, scope, loginID string) (int, time.Time, bool, error) {
	var n int
	var until, last sql.NullTime
	err := tx.queryRow(ctx, `SELECT failed, last_failure_at, locked_until FROM login_attempts WHERE scope = ? AND login_id = ?`,
		scope, loginID).Scan(&n, &last, &until)
	if err == sql.ErrNoRows {
		return 0, time.Time{}, false, nil
	}
	if err != nil {
		return 0, time.Time{}, false, wrap(err, "login failures")
	}
	locked := until.Valid && tx.now.Before(until.Time)
	return n, last.Time.UTC(), locked, nil
}

// ClearLogin forgets the failures and locks of the login string: after a
// successful login, or when an admin unlocks the account.
func (tx *PlatformTx) ClearLogin(ctx context.Context, scope, loginID string) error {
	_, err := tx.exec(ctx, `DELETE FROM login_attempts WHERE scope = ? AND login_id = ?`, scope, loginID)
	return wrap(err, "clear login")
}

// LoginLock is the lockout state of one of the tenant's login IDs.
type LoginLock struct {
	LoginID     string
	Failed      int
	LockedUntil time.Time
}

// LoginLocks returns the tenant's login IDs that are locked now, by login
// ID. (login_attempts is a platform table: the scope is the tenant.)
func (tx *Tx) LoginLocks(ctx context.Context) (map[string]LoginLock, error) {
	rows, err := tx.query(ctx, `SELECT login_id, failed, locked_until FROM login_attempts
		WHERE scope = ? AND locked_until > ?`, tx.tenant, tx.now)
	if err != nil {
		return nil, wrap(err, "login locks")
	}
	defer rows.Close()
	out := map[string]LoginLock{}
	for rows.Next() {
		var l LoginLock
		if err := rows.Scan(&l.LoginID, &l.Failed, &l.LockedUntil); err != nil {
			return nil, wrap(err, "login locks")
		}
		l.LockedUntil = l.LockedUntil.UTC()
		out[l.LoginID] = l
	}
	return out, wrap(rows.Err(), "login locks")
}

// ClearUserLogin forgets the failures and lock of one of the tenant's
// login IDs (an admin's unlock). It reports whether there was a lock.
func (tx *Tx) ClearUserLogin(ctx context.Context, loginID string) (bool, error) {
	res, err := tx.exec(ctx, `DELETE FROM login_attempts WHERE scope = ? AND login_id = ? AND locked_until > ?`, tx.tenant, loginID, tx.now)
	if err != nil {
		return false, wrap(err, "unlock login")
	}
	n, err := res.RowsAffected()
	if err != nil {
		return false, wrap(err, "unlock login")
	}
	if _, err := tx.exec(ctx, `DELETE FROM login_attempts WHERE scope = ? AND login_id = ?`, tx.tenant, loginID); err != nil {
		return false, wrap(err, "unlock login")
	}
	return n > 0, nil
}

// AccountRules are a tenant's lockout threshold and minimum password
// length.
type AccountRules struct {
	LockoutThreshold  int
	PasswordMinLength int
}

// AccountRules returns the account rules of the tenant with the ID.
func (tx *PlatformTx) AccountRules(ctx context.Context, tenantID string) (AccountRules, error) {
	var r AccountRules
	err := tx.queryRow(ctx, `SELECT lockout_threshold, password_min_length FROM tenants WHERE id = ?`, tenantID).
		Scan(&r.LockoutThreshold, &r.PasswordMinLength)
	if err != nil {
		return AccountRules{}, notFound(err, "tenant")
	}
	return r, nil
}

// AccountRules returns the account rules of this transaction's tenant.
func (tx *Tx) AccountRules(ctx context.Context) (AccountRules, error) {
	var r AccountRules
	err := tx.queryRow(ctx, `SELECT lockout_threshold, password_min_length FROM tenants WHERE id = ?`, tx.tenant).
		Scan(&r.LockoutThreshold, &r.PasswordMinLength)
	if err != nil {
		return AccountRules{}, notFound(err, "tenant")
	}
	return r, nil
}

// SetAccountRules replaces the tenant's account rules; the app validates
// them.
func (tx *Tx) SetAccountRules(ctx context.Context, r AccountRules) error {
	res, err := tx.exec(ctx, `UPDATE tenants SET lockout_threshold = ?, password_min_length = ? WHERE id = ?`,
		r.LockoutThreshold, r.PasswordMinLength, tx.tenant)
	if err != nil {
		return wrap(err, "set account rules")
	}
	if n, _ := res.RowsAffected(); n != 1 {
		return care.NotFound("tenant")
	}
	return nil
}

// FailedLoginsBetween counts the failed logins recorded in the tenant's
// audit log under the login ID after from and before to: the failures a
// user is told of at their next login.
func (tx *Tx) FailedLoginsBetween(ctx context.Context, loginID string, from, to time.Time) (int, error) {
	var n int
	err := tx.queryRow(ctx, `SELECT COUNT(*) FROM audit_log WHERE tenant_id = ? AND action = ? AND actor_login = ?
		AND at > ? AND at < ?`, tx.tenant, "login.failure", loginID, from.UTC(), to.UTC()).Scan(&n)
	return n, wrap(err, "count failed logins")
}

// PasswordReset is a pending self-service reset.
type PasswordReset struct {
	ID        string // SHA-256 of the mailed token
	UserID    string
	CreatedAt time.Time
	ExpiresAt time.Time
	UsedAt    *time.Time
}

// CreatePasswordReset stores a reset; earlier unused resets of the user
// are withdrawn, so only the newest link works.
func (tx *Tx) CreatePasswordReset(ctx context.Context, r PasswordReset) error {
	if _, err := tx.exec(ctx, `DELETE FROM password_resets WHERE tenant_id = ? AND user_id = ? AND used_at IS NULL`,
		tx.tenant, r.UserID); err != nil {
		return wrap(err, "create password reset")
	}
	_, err := tx.exec(ctx, `INSERT INTO password_resets (tenant_id, id, user_id, created_at, expires_at) VALUES (?, ?, ?, ?, ?)`,
		tx.tenant, r.ID, r.UserID, tx.now, r.ExpiresAt.UTC())
	return wrap(err, "create password reset")
}

// PendingPasswordReset reports whether the user has an unused reset made
// after since (the app then mails no other, so a reset form cannot be
// used to flood a mailbox).
func (tx *Tx) PendingPasswordReset(ctx context.Context, userID string, since time.Time) (bool, error) {
	var n int
	err := tx.queryRow(ctx, `SELECT COUNT(*) FROM password_resets WHERE tenant_id = ? AND user_id = ? AND used_at IS NULL
		AND created_at > ?`, tx.tenant, userID, since.UTC()).Scan(&n)
	return n > 0, wrap(err, "pending password reset")
}

// PasswordReset returns the reset with the ID.
func (tx *Tx) PasswordReset(ctx context.Context, id string) (PasswordReset, error) {
	var r PasswordReset
	var used sql.NullTime
	err := tx.queryRow(ctx, `SELECT id, user_id, created_at, expires_at, used_at FROM password_resets
		WHERE tenant_id = ? AND id = ?`, tx.tenant, id).Scan(&r.ID, &r.UserID, &r.CreatedAt, &r.ExpiresAt, &used)
	if err != nil {
		return PasswordReset{}, notFound(err, "password reset")
	}
	r.CreatedAt, r.ExpiresAt, r.UsedAt = r.CreatedAt.UTC(), r.ExpiresAt.UTC(), timePtr(used)
	return r, nil
}

// UsePasswordReset marks the reset used, once: it reports false when the
// reset was already used (or is not the tenant's).
func (tx *Tx) UsePasswordReset(ctx context.Context, id string) (bool, error) {
	res, err := tx.exec(ctx, `UPDATE password_resets SET used_at = ? WHERE tenant_id = ? AND id = ? AND used_at IS NULL`,
		tx.now, tx.tenant, id)
	if err != nil {
		return false, wrap(err, "use password reset")
	}
	n, err := res.RowsAffected()
	return n == 1, wrap(err, "use password reset")
}

// UserByEmail returns the active user with the e-mail address (compared
// case-insensitively), for a self-service reset. Several users sharing an
// address make it ambiguous: not found.
func (tx *Tx) UserByEmail(ctx context.Context, email string) (care.User, error) {
	rows, err := tx.query(ctx, `SELECT `+userColumns+` FROM users WHERE tenant_id = ? AND LOWER(email) = LOWER(?)
		AND email <> '' AND active = ? AND deleted_at IS NULL`, tx.tenant, email, true)
	if err != nil {
		return care.User{}, wrap(err, "user by email")
	}
	defer rows.Close()
	var out []care.User
	for rows.Next() {
		u, err := scanUser(rows)
		if err != nil {
			return care.User{}, wrap(err, "user by email")
		}
		out = append(out, u)
	}
	if err := rows.Err(); err != nil {
		return care.User{}, wrap(err, "user by email")
	}
	if len(out) != 1 {
		return care.User{}, care.NotFound("user")
	}
	return out[0], nil
}

// DeleteOtherUserSessions ends every session of a user but the one kept
// (the session that changed the password); keep "" ends them all.
func (tx *Tx) DeleteOtherUserSessions(ctx context.Context, userID, keep string) error {
	_, err := tx.exec(ctx, `DELETE FROM sessions WHERE tenant_id = ? AND user_id = ? AND id <> ?`, tx.tenant, userID, keep)
	return wrap(err, "delete other sessions")
}

package store

import (
	"context"
	"database/sql"
	"strings"
	"time"

	"github.com/renrakucho/renrakucho/internal/care"
)

const userColumns = `id, tenant_id, login_id, name, kana, profession, email, role, active,
	must_change_password, last_login_at, last_login_ip, previous_login_at, previous_login_ip, created_at`

func scanUser(row interface{ Scan(...any) error }, extra ...any) (care.User, error) {
	var u care.User
	var last, prev sql.NullTime
	dest := append([]any{&u.ID, &u.TenantID, &u.LoginID, &u.Name, &u.Kana, &u.Profession, &u.Email, &u.Role,
		&u.Active, &u.MustChangePassword, &last, &u.LastLoginIP, &prev, &u.PreviousLoginIP, &u.CreatedAt}, extra...)
	err := row.Scan(dest...)
	u.LastLoginAt = timePtr(last)
	u.PreviousLoginAt = timePtr(prev)
	u.CreatedAt = u.CreatedAt.UTC()
	return u, err
}

// CreateUser inserts a user with its facilities. A login ID already used in
// the tenant is a conflict.
func (tx *Tx) CreateUser(ctx context.Context, u *care.User, passwordHash string) error {
	var n int
	if err := tx.queryRow(ctx, `SELECT COUNT(*) FROM users WHERE tenant_id = ? AND login_id = ?`, tx.tenant, u.LoginID).Scan(&n); err != nil {
		return wrap(err, "create user")
	}
	if n > 0 {
		return &care.Error{Code: care.EConflict, Key: "error.login_taken", Field: "login_id"}
	}
	u.ID = NewID()
	u.TenantID = tx.tenant
	u.CreatedAt = tx.now
	u.Active = true
	_, err := tx.exec(ctx, `INSERT INTO users (tenant_id, id, login_id, name, kana, profession, email, role,
		password_hash, active, must_change_password, created_at, updated_at)
		VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`,
		tx.tenant, u.ID, u.LoginID, u.Name, u.Kana, u.Profession, u.Email, u.Role,
		passwordHash, u.Active, u.MustChangePassword, tx.now, tx.now)
	if err != nil {
		return wrap(err, "create user")
	}
	return tx.setUserFacilities(ctx, u.ID, u.Facilities)
}

func (tx *Tx) setUserFacilities(ctx context.Context, userID string, facilities []string) error {
	if _, err := tx.exec(ctx, `DELETE FROM user_facilities WHERE tenant_id = ? AND user_id = ?`, tx.tenant, userID); err != nil {
		return wrap(err, "set user facilities")
	}
	for _, f := range facilities {
		if _, err := tx.Facility(ctx, f); err != nil {
			if care.ErrorCode(err) == care.ENotFound {
				return &care.Error{Code: care.EInvalid, Key: "error.facility_unknown", Fields: []care.FieldError{{Field: "facilities", Key: "error.facility_unknown"}}}
			}
			return err
		}
		if _, err := tx.exec(ctx, `INSERT INTO user_facilities (tenant_id, user_id, facility_id) VALUES (?, ?, ?)`,
			tx.tenant, userID, f); err != nil {
			return wrap(err, "set user facilities")
		}
	}
	return nil
}

// UpdateUser changes a user's profile, role and facilities.
func (tx *Tx) UpdateUser(ctx context.Context, u care.User) error {
	res, err := tx.exec(ctx, `UPDATE users SET name = ?, kana = ?, profession = ?, email = ?, role = ?, active = ?, updated_at = ?
		WHERE tenant_id = ? AND id = ? AND deleted_at IS NULL`,
		u.Name, u.Kana, u.Profession, u.Email, u.Role, u.Active, tx.now, tx.tenant, u.ID)
	if err != nil {
		return wrap(err, "update user")
	}
	if n, _ := res.RowsAffected(); n == 0 {
		return care.NotFound("user")
	}
	return tx.setUserFacilities(ctx, u.ID, u.Facilities)
}

// DeleteUser deactivates a user and anonymises the login, keeping the row so
// the audit trail still names who did what. The user's sessions end.
func (tx *Tx) DeleteUser(ctx context.Context, id string) error {
	res, err := tx.exec(ctx, `UPDATE users SET login_id = ?, name = ?, kana = '', email = '', password_hash = '',
		active = ?, updated_at = ?, deleted_at = ? WHERE tenant_id = ? AND id = ? AND deleted_at IS NULL`,
		"deleted-"+id, "—", false, tx.now, tx.now, tx.tenant, id)
	if err != nil {
		return wrap(err, "delete user")
	}
	if n, _ := res.RowsAffected(); n == 0 {
		return care.NotFound("user")
	}
	if _, err := tx.exec(ctx, `DELETE FROM user_facilities WHERE tenant_id = ? AND user_id = ?`, tx.tenant, id); err != nil {
		return wrap(err, "delete user")
	}
	return tx.DeleteUserSessions(ctx, id)
}

// User returns one user of the tenant, deleted users excluded.
func (tx *Tx) User(ctx context.Context, id string) (care.User, error) {
	u, err := scanUser(tx.queryRow(ctx, `SELECT `+userColumns+` FROM users
		WHERE tenant_id = ? AND id = ? AND deleted_at IS NULL`, tx.tenant, id))
	if err != nil {
		return care.User{}, notFound(err, "user")
	}
	u.Facilities, err = tx.userFacilities(ctx, id)
	return u, err
}

// UserCredentials returns the user with the login ID and the password hash.
func (tx *Tx) UserCredentials(ctx context.Context, loginID string) (care.User, string, error) {
	var hash string
	u, err := scanUser(tx.queryRow(ctx, `SELECT `+userColumns+`, password_hash FROM users
		WHERE tenant_id = ? AND login_id = ? AND deleted_at IS NULL`, tx.tenant, loginID), &hash)
	if err != nil {
		return care.User{}, "", notFound(err, "user")
	}
	u.Facilities, err = tx.userFacilities(ctx, u.ID)
	return u, hash, err
}

// SetPassword replaces a user's password hash.
func (tx *Tx) SetPassword(ctx context.Context, id, hash string, mustChange bool) error {
	_, err := tx.exec(ctx, `UPDATE users SET password_hash = ?, must_change_password = ?, updated_at = ?
		WHERE tenant_id = ? AND id = ?`, hash, mustChange, tx.now, tx.tenant, id)
	return wrap(err, "set password")
}

// SetLastLogin records a successful login; the login before it becomes
// the previous one.
func (tx *Tx) SetLastLogin(ctx context.Context, id string, at time.Time, ip string) error {
	_, err := tx.exec(ctx, `UPDATE users SET previous_login_at = last_login_at, previous_login_ip = last_login_ip,
		last_login_at = ?, last_login_ip = ? WHERE tenant_id = ? AND id = ?`, at, ip, tx.tenant, id)
	return wrap(err, "set last login")
}

func (tx *Tx) userFacilities(ctx context.Context, userID string) ([]string, error) {
	rows, err := tx.query(ctx, `SELECT facility_id FROM user_facilities WHERE tenant_id = ? AND user_id = ? ORDER BY facility_id`,
		tx.tenant, userID)
	if err != nil {
		return nil, wrap(err, "user facilities")
	}
	defer rows.Close()
	var out []string
	for rows.Next() {
		var f string
		if err := rows.Scan(&f); err != nil {
			return nil, wrap(err, "user facilities")
		}
		out = append(out, f)
	}
	return out, wrap(rows.Err(), "user facilities")
}

// UserFilter narrows Users.
type UserFilter struct {
	Facility   string // only members of this facility
	Query      string // words in name, kana or login ID
	Profession care.Profession
	ActiveOnly bool
}

// Users lists the tenant's users (deleted ones excluded) by kana.
func (tx *Tx) Users(ctx context.Context, f UserFilter) ([]care.User, error) {
	q := `SELECT ` + userColumns + ` FROM users u WHERE tenant_id = ? AND deleted_at IS NULL`
	args := []any{tx.tenant}
	if f.Facility != "" {
		q += ` AND EXISTS (SELECT 1 FROM user_facilities uf WHERE uf.tenant_id = u.tenant_id AND uf.user_id = u.id AND uf.facility_id = ?)`
		args = append(args, f.Facility)
	}
	if f.Query != "" {
		like := "%" + escapeLike(f.Query) + "%"
		q += ` AND (name LIKE ? ESCAPE '\' OR kana LIKE ? ESCAPE '\' OR login_id LIKE ? ESCAPE '\')`
		args = append(args, like, like, like)
	}
	if f.Profession != "" {
		q += ` AND profession = ?`
		args = append(args, f.Profession)
	}
	if f.ActiveOnly {
		q += ` AND active = ?`
		args = append(args, true)
	}
	q += ` ORDER BY kana, name, id`
	rows, err := tx.query(ctx, q, args...)
	if err != nil {
		return nil, wrap(err, "list users")
	}
	defer rows.Close()
	var out []care.User
	for rows.Next() {
		u, err := scanUser(rows)
		if err != nil {
			return nil, wrap(err, "list users")
		}
		out = append(out, u)
	}
	if err := rows.Err(); err != nil {
		return nil, wrap(err, "list users")
	}
	return out, tx.fillFacilities(ctx, out)
}

// fillFacilities loads every listed user's facilities in one query.
func (tx *Tx) fillFacilities(ctx context.Context, users []care.User) error {
	if len(users) == 0 {
		return nil
	}
	idx := make(map[string]int, len(users))
	for i, u := range users {
		idx[u.ID] = i
	}
	rows, err := tx.query(ctx, `SELECT user_id, facility_id FROM user_facilities WHERE tenant_id = ? ORDER BY facility_id`, tx.tenant)
	if err != nil {
		return wrap(err, "user facilities")
	}
	defer rows.Close()
	for rows.Next() {
		var u, f string
		if err := rows.Scan(&u, &f); err != nil {
			return wrap(err, "user facilities")
		}
		if i, ok := idx[u]; ok {
			users[i].Facilities = append(users[i].Facilities, f)
		}
	}
	return wrap(rows.Err(), "user facilities")
}

func escapeLike(s string) string {
	return strings.NewReplacer(`\`, `\\`, `%`, `\%`, `_`, `\_`).Replace(s)
}

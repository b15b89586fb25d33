package store

import (
	"context"
	"database/sql"
	"sort"
	"strings"
	"time"

	"github.com/renrakucho/renrakucho/internal/care"
)

// Session is a logged-in browser or API client. ID is the hash of the
// token; the token itself is never stored.
type Session struct {
	ID         string
	UserID     string
	Listener   care.Listener
	IP         string
	UserAgent  string
	CreatedAt  time.Time
	LastSeenAt time.Time
	ExpiresAt  time.Time
	// Stage is "" for a full session, else the step of the login still to
	// come (StageFactor, StageEnrol): such a session authorises nothing else.
	Stage string
	// Ceremony holds a WebAuthn ceremony's state between its two requests.
	Ceremony string
	// Idle is the tenant's idle timeout (Session only; 0 when unknown).
	Idle time.Duration
}

// The stages of a session that waits for the second factor.
const (
	StageFactor = "factor" // the password was right; the second factor is asked
	StageEnrol  = "enrol"  // the password was right; a second factor must be enrolled first
)

// CreateSession stores a tenant user's session.
func (tx *Tx) CreateSession(ctx context.Context, s Session) error {
	_, err := tx.exec(ctx, `INSERT INTO sessions (tenant_id, id, user_id, listener, ip, user_agent, created_at, last_seen_at, expires_at, stage)
		VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`, tx.tenant, s.ID, s.UserID, s.Listener, s.IP, s.UserAgent,
		s.CreatedAt.UTC(), s.LastSeenAt.UTC(), s.ExpiresAt.UTC(), s.Stage)
	return wrap(err, "create session")
}

// Session returns a session with its user (facilities included) and the
// tenant, in one statement: it runs on every authenticated request.
func (tx *Tx) Session(ctx context.Context, id string) (Session, care.User, care.Tenant, error) {
	var (
		s          Session
		t          care.Tenant
		opts, facs sql.NullString
		idle       int
	)
	u, err := scanUser(tx.queryRow(ctx, `SELECT u.id, u.tenant_id, u.login_id, u.name, u.kana, u.profession, u.email, u.role, u.active,
		u.must_change_password, u.last_login_at, u.last_login_ip, u.previous_login_at, u.previous_login_ip, u.created_at, s.id, s.listener, s.ip, s.user_agent, s.created_at, s.last_seen_at, s.expires_at, s.stage, s.ceremony, t.idle_minutes,
		t.id, t.slug, t.name, t.active, t.options, t.created_at,
		(SELECT `+tx.dialect.groupConcat("uf.facility_id")+` FROM user_facilities uf WHERE uf.tenant_id = u.tenant_id AND uf.user_id = u.id)
		FROM sessions s JOIN users u ON u.tenant_id = s.tenant_id AND u.id = s.user_id
		JOIN tenants t ON t.id = s.tenant_id
		WHERE s.tenant_id = ? AND s.id = ? AND u.deleted_at IS NULL`, tx.tenant, id),
		&s.ID, &s.Listener, &s.IP, &s.UserAgent, &s.CreatedAt, &s.LastSeenAt, &s.ExpiresAt, &s.Stage, &s.Ceremony, &idle,
		&t.ID, &t.Slug, &t.Name, &t.Active, &opts, &t.CreatedAt, &facs)
	if err != nil {
		return Session{}, care.User{}, care.Tenant{}, notFound(err, "session")
	}
	s.UserID = u.ID
	s.Idle = time.Duration(idle) * time.Minute
	if opts.String != "" {
		t.Options = strings.Split(opts.String, ",")
	}
	if facs.String != "" {
		u.Facilities = strings.Split(facs.String, ",")
		sort.Strings(u.Facilities)
	}
	return s, u, t, nil
}

// TouchSession records activity on a session.
func (tx *Tx) TouchSession(ctx context.Context, id string, at time.Time) error {
	_, err := tx.exec(ctx, `UPDATE sessions SET last_seen_at = ? WHERE tenant_id = ? AND id = ?`, at.UTC(), tx.tenant, id)
	return wrap(err, "touch session")
}

// DeleteSession ends one session.
func (tx *Tx) DeleteSession(ctx context.Context, id string) error {
	_, err := tx.exec(ctx, `DELETE FROM sessions WHERE tenant_id = ? AND id = ?`, tx.tenant, id)
	return wrap(err, "delete session")
}

// DeleteUserSessions ends every session of a user.
func (tx *Tx) DeleteUserSessions(ctx context.Context, userID string) error {
	_, err := tx.exec(ctx, `DELETE FROM sessions WHERE tenant_id = ? AND user_id = ?`, tx.tenant, userID)
	return wrap(err, "delete user sessions")
}

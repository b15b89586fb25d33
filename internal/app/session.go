package app

import (
	"context"
	"time"

	"github.com/renrakucho/renrakucho/internal/audit"
	"github.com/renrakucho/renrakucho/internal/auth"
	"github.com/renrakucho/renrakucho/internal/care"
	"github.com/renrakucho/renrakucho/internal/store"
)

// Credentials are what a person types to log in, and where from.
type Credentials struct {
	Tenant   string // slug; "" for an operator
	LoginID  string
	Password string
	Origin   care.Origin
	// CertFingerprint is the SHA-256 fingerprint of the verified client
	// certificate the request came with (admin listener), "" otherwise.
	CertFingerprint string
}

// errLogin is the one answer for an unknown tenant, unknown user, wrong
// password, deactivated account or wrong certificate, so an unauthenticated
// caller learns nothing about which.
func errLogin() error { return &care.Error{Code: care.EUnauthorized, Key: "error.login_failed"} }

// Login checks the credentials and opens a session, returning its token and
// the actor. Success and failure are both audited.
func (a *App) Login(ctx context.Context, c Credentials) (string, care.Actor, error) {
	if len(c.LoginID) > 64 || len(c.Password) > 1024 || len(c.Tenant) > 64 {
		return "", care.Actor{}, errLogin()
	}
	if c.Tenant == "" {
		return a.loginOperator(ctx, c)
	}
	var (
		tenant care.Tenant
		user   care.User
		hash   string
		lookup error
	)
	err := a.db.Platform(ctx, func(ptx *store.PlatformTx) error {
		var err error
		if tenant, err = ptx.TenantBySlug(ctx, c.Tenant); err != nil {
			if care.ErrorCode(err) == care.ENotFound {
				lookup = err
				e := &audit.Entry{ActorLogin: c.LoginID, Action: audit.LoginFailure, IP: c.Origin.IP,
					UserAgent: c.Origin.UserAgent, Result: audit.Failed, Detail: "unknown tenant " + c.Tenant}
				return ptx.AppendAudit(ctx, e)
			}
			return err
		}
		tx, err := ptx.InTenant(ctx, tenant.ID)
		if err != nil {
			return err
		}
		user, hash, lookup = tx.UserCredentials(ctx, c.LoginID)
		if lookup != nil && care.ErrorCode(lookup) != care.ENotFound {
			return lookup
		}
		return nil
	})
	if err != nil {
		return "", care.Actor{}, err
	}
	if tenant.ID == "" {
		a.hasher.Verify(ctx, "", c.Password) // the same work as for a known tenant
		return "", care.Actor{}, errLogin()
	}
	// The password is verified outside any transaction: argon2id is slow on
	// purpose and must not hold the writer.
	ok, verr := a.hasher.Verify(ctx, hash, c.Password)
	if verr != nil {
		return "", care.Actor{}, care.Internal(verr)
	}
	reason := ""
	switch {
	case lookup != nil || !ok:
		reason = "bad credentials"
	case !tenant.Active:
		reason = "tenant inactive"
	case !user.Active:
		reason = "user inactive"
	}
	if reason == "" && c.Origin.Listener == care.AdminListener {
		reason = a.checkAdminCert(ctx, tenant.ID, user.LoginID, user.Role, c.CertFingerprint)
	}
	token, sessionID := auth.NewToken(tenant.ID)
	act := care.Actor{
		TenantID: tenant.ID, TenantSlug: tenant.Slug, UserID: user.ID, LoginID: user.LoginID, Name: user.Name,
		Role: user.Role, Facilities: user.Facilities, SessionID: sessionID, Listener: c.Origin.Listener,
		IP: c.Origin.IP, UserAgent: c.Origin.UserAgent,
	}
	err = a.db.InTenant(ctx, tenant.ID, func(tx *store.Tx) error {
		if reason != "" {
			e := &audit.Entry{ActorID: user.ID, ActorLogin: c.LoginID, ActorRole: string(user.Role), Action: audit.LoginFailure,
				IP: c.Origin.IP, UserAgent: c.Origin.UserAgent, Result: audit.Failed, Detail: reason}
			return tx.AppendAudit(ctx, e)
		}
		// Second factor (factors.go): after the right password, a login that
		// needs one opens a pending session instead of a full one.
		pol, err := tx.SessionPolicy(ctx)
		if err != nil {
			return err
		}
		if act.Stage, err = loginStage(ctx, tx.Factors(), user.ID, user.Role, pol.FactorRequired); err != nil {
			return err
		}
		if act.Stage != "" {
			return openPending(ctx, acct{f: tx.Factors(), tx: tx}, act)
		}
		now := tx.Now()
		if err := tx.CreateSession(ctx, store.Session{ID: sessionID, UserID: user.ID, Listener: c.Origin.Listener,
			IP: c.Origin.IP, UserAgent: c.Origin.UserAgent, CreatedAt: now, LastSeenAt: now, ExpiresAt: now.Add(a.absolute)}); err != nil {
			return err
		}
		if err := tx.SetLastLogin(ctx, user.ID, now, c.Origin.IP); err != nil {
			return err
		}
		return tx.AppendAudit(ctx, entry(act, audit.LoginSuccess, "user", user.ID))
	})
	if err != nil {
		return "", care.Actor{}, err
	}
	if reason != "" {
		return "", care.Actor{}, errLogin()
	}
	return token, act, nil
}

// checkAdminCert returns "" when the account may use the admin listener
// with the certificate presented, else the reason it may not.
func (a *App) checkAdminCert(ctx context.Context, tenantID, loginID string, role care.Role, fingerprint string) string {
	if !role.IsAdmin() {
		return "not an admin"
	}
	if fingerprint == "" {
		return "no client certificate"
	}
	var reason string
	err := a.db.Platform(ctx, func(ptx *store.PlatformTx) error {
		c, err := ptx.ClientCertByFingerprint(ctx, fingerprint)
		switch {
		case err != nil:
			reason = "certificate not issued to an account"
		case c.TenantID != tenantID || c.LoginID != loginID:
			reason = "certificate bound to another account"
		case c.RevokedAt != nil:
			reason = "certificate revoked"
		case !ptx.Now().Before(c.NotAfter):
			reason = "certificate expired"
		}
		return nil
	})
	if err != nil {
		return "certificate check failed"
	}
	return reason
}

func (a *App) loginOperator(ctx context.Context, c Credentials) (string, care.Actor, error) {
	if c.Origin.Listener != care.AdminListener {
		a.hasher.Verify(ctx, "", c.Password)
		err := a.db.Platform(ctx, func(ptx *store.PlatformTx) error {
			return ptx.AppendAudit(ctx, &audit.Entry{ActorLogin: c.LoginID, ActorRole: string(care.RoleOperator), Action: audit.LoginFailure,
				IP: c.Origin.IP, UserAgent: c.Origin.UserAgent, Result: audit.Failed, Detail: "operator login on the user listener"})
		})
		if err != nil {
			return "", care.Actor{}, err
		}
		return "", care.Actor{}, errLogin()
	}
	var (
		op     store.Operator
		hash   string
		lookup error
	)
	err := a.db.Platform(ctx, func(ptx *store.PlatformTx) error {
		op, hash, lookup = ptx.OperatorCredentials(ctx, c.LoginID)
		if lookup != nil && care.ErrorCode(lookup) != care.ENotFound {
			return lookup
		}
		return nil
	})
	if err != nil {
		return "", care.Actor{}, err
	}
	ok, verr := a.hasher.Verify(ctx, hash, c.Password)
	if verr != nil {
		return "", care.Actor{}, care.Internal(verr)
	}
	reason := ""
	switch {
	case lookup != nil || !ok:
		reason = "bad credentials"
	case !op.Active:
		reason = "operator inactive"
	default:
		reason = a.checkAdminCert(ctx, "", op.LoginID, care.RoleOperator, c.CertFingerprint)
	}
	token, sessionID := auth.NewToken(auth.OperatorScope)
	act := care.Actor{UserID: op.ID, LoginID: op.LoginID, Name: op.Name, Role: care.RoleOperator, SessionID: sessionID,
		Listener: care.AdminListener, IP: c.Origin.IP, UserAgent: c.Origin.UserAgent}
	err = a.db.Platform(ctx, func(ptx *store.PlatformTx) error {
		if reason != "" {
			return ptx.AppendAudit(ctx, &audit.Entry{ActorID: op.ID, ActorLogin: c.LoginID, ActorRole: string(care.RoleOperator),
				Action: audit.LoginFailure, IP: c.Origin.IP, UserAgent: c.Origin.UserAgent, Result: audit.Failed, Detail: reason})
		}
		// Second factor (factors.go), as for tenant users.
		var err error
		if act.Stage, err = loginStage(ctx, ptx.OperatorFactors(), op.ID, care.RoleOperator, false); err != nil {
			return err
		}
		if act.Stage != "" {
			return openPending(ctx, acct{f: ptx.OperatorFactors(), ptx: ptx}, act)
		}
		now := ptx.Now()
		if err := ptx.CreateOperatorSession(ctx, op.ID, store.Session{ID: sessionID, Listener: care.AdminListener,
			IP: c.Origin.IP, UserAgent: c.Origin.UserAgent, CreatedAt: now, LastSeenAt: now, ExpiresAt: now.Add(a.absolute)}); err != nil {
			return err
		}
		if err := ptx.SetOperatorLastLogin(ctx, op.ID, now); err != nil {
			return err
		}
		return ptx.AppendAudit(ctx, entry(act, audit.LoginSuccess, "operator", op.ID))
	})
	if err != nil {
		return "", care.Actor{}, err
	}
	if reason != "" {
		return "", care.Actor{}, errLogin()
	}
	return token, act, nil
}

// touchEvery bounds how often a session's last-seen time is written: the
// idle timeout is minutes, so a write per request would buy nothing.
const touchEvery = 30 * time.Second

// Authenticate returns the actor of a session token presented through the
// origin's listener. A token from the other listener, an expired or idle
// session, a deactivated user or tenant, or (admin listener) a client
// certificate not bound to the session's account, is unauthorized.
func (a *App) Authenticate(ctx context.Context, token string, o care.Origin, certFingerprint string) (care.Actor, error) {
	return a.authenticate(ctx, token, o, certFingerprint, true, false)
}

// PendingLogin returns the actor of a login that waits for its second
// factor (Stage set): the only thing its token is good for. A full
// session's token is not a pending login.
func (a *App) PendingLogin(ctx context.Context, token string, o care.Origin, certFingerprint string) (care.Actor, error) {
	return a.authenticate(ctx, token, o, certFingerprint, false, true)
}

// CheckSession is Authenticate without counting as activity: a live-event
// stream re-checks its session with it, so an open page does not keep an
// idle session alive past the idle timeout.
func (a *App) CheckSession(ctx context.Context, token string, o care.Origin, certFingerprint string) (care.Actor, error) {
	return a.authenticate(ctx, token, o, certFingerprint, false, false)
}

// authenticate resolves a token: a full session's, or with pending a
// login's that waits for its second factor. Neither kind stands for the other.
func (a *App) authenticate(ctx context.Context, token string, o care.Origin, certFingerprint string, touch, pending bool) (care.Actor, error) {
	scope, id, ok := auth.ParseToken(token)
	if !ok {
		return care.Actor{}, care.Unauthorized()
	}
	if scope == auth.OperatorScope {
		return a.authenticateOperator(ctx, id, o, certFingerprint, touch, pending)
	}
	var (
		s      store.Session
		u      care.User
		tenant care.Tenant
	)
	err := a.db.ReadTenant(ctx, scope, func(tx *store.Tx) error {
		var err error
		s, u, tenant, err = tx.Session(ctx, id)
		return err
	})
	if err != nil {
		if care.ErrorCode(err) == care.ENotFound {
			return care.Actor{}, care.Unauthorized()
		}
		return care.Actor{}, err
	}
	now := a.db.Now()
	if s.Listener != o.Listener || !u.Active || !tenant.Active || (s.Stage != "") != pending {
		return care.Actor{}, care.Unauthorized()
	}
	idle := a.idle
	if s.Idle > 0 { // the tenant's own idle timeout (sessions.go)
		idle = s.Idle
	}
	if expired(s, now, idle) {
		a.db.InTenant(ctx, scope, func(tx *store.Tx) error { return tx.DeleteSession(ctx, id) })
		return care.Actor{}, &care.Error{Code: care.EUnauthorized, Key: "error.session_expired"}
	}
	if o.Listener == care.AdminListener {
		if reason := a.checkAdminCert(ctx, tenant.ID, u.LoginID, u.Role, certFingerprint); reason != "" {
			return care.Actor{}, care.Unauthorized()
		}
	}
	if touch && now.Sub(s.LastSeenAt) > touchEvery {
		if err := a.db.InTenant(ctx, scope, func(tx *store.Tx) error { return tx.TouchSession(ctx, id, now) }); err != nil {
			return care.Actor{}, err
		}
	}
	return care.Actor{
		TenantID: tenant.ID, TenantSlug: tenant.Slug, UserID: u.ID, LoginID: u.LoginID, Name: u.Name, Role: u.Role,
		Facilities: u.Facilities, SessionID: id, Listener: o.Listener, IP: o.IP, UserAgent: o.UserAgent, Stage: s.Stage,
	}, nil
}

func expired(s store.Session, now time.Time, idle time.Duration) bool {
	return !now.Before(s.ExpiresAt) || now.Sub(s.LastSeenAt) >= idle
}

func (a *App) authenticateOperator(ctx context.Context, id string, o care.Origin, certFingerprint string, touch, pending bool) (care.Actor, error) {
	if o.Listener != care.AdminListener {
		return care.Actor{}, care.Unauthorized()
	}
	var (
		s  store.Session
		op store.Operator
	)
	err := a.db.Platform(ctx, func(ptx *store.PlatformTx) error {
		var err error
		if s, op, err = ptx.OperatorSession(ctx, id); err != nil {
			return err
		}
		now := ptx.Now()
		if expired(s, now, a.idle) {
			return ptx.DeleteOperatorSession(ctx, id)
		}
		if touch && now.Sub(s.LastSeenAt) > touchEvery {
			return ptx.TouchOperatorSession(ctx, id, now)
		}
		return nil
	})
	if err != nil {
		if care.ErrorCode(err) == care.ENotFound {
			return care.Actor{}, care.Unauthorized()
		}
		return care.Actor{}, err
	}
	if (s.Stage != "") != pending {
		return care.Actor{}, care.Unauthorized()
	}
	if expired(s, a.db.Now(), a.idle) || !op.Active {
		return care.Actor{}, &care.Error{Code: care.EUnauthorized, Key: "error.session_expired"}
	}
	if reason := a.checkAdminCert(ctx, "", op.LoginID, care.RoleOperator, certFingerprint); reason != "" {
		return care.Actor{}, care.Unauthorized()
	}
	return care.Actor{UserID: op.ID, LoginID: op.LoginID, Name: op.Name, Role: care.RoleOperator, SessionID: id,
		Listener: care.AdminListener, IP: o.IP, UserAgent: o.UserAgent, Stage: s.Stage}, nil
}

// Logout ends the actor's session.
func (a *App) Logout(ctx context.Context, act care.Actor) error {
	if act.SessionID == "" {
		return care.Unauthorized()
	}
	if act.IsOperator() {
		return a.db.Platform(ctx, func(ptx *store.PlatformTx) error {
			if err := ptx.DeleteOperatorSession(ctx, act.SessionID); err != nil {
				return err
			}
			return ptx.AppendAudit(ctx, entry(act, audit.Logout, "operator", act.UserID))
		})
	}
	return a.inTenant(ctx, act, func(tx *store.Tx) error {
		if err := tx.DeleteSession(ctx, act.SessionID); err != nil {
			return err
		}
		return tx.AppendAudit(ctx, entry(act, audit.Logout, "user", act.UserID))
	})
}

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

// loginTenantGate refuses, audited, a login the tenant's gates do not let
// through; an unknown tenant passes (the login answers it like a wrong
// password).
func (a *App) loginTenantGate(ctx context.Context, c Credentials) error {
	var tenantID string
	err := a.db.ReadPlatform(ctx, func(ptx *store.PlatformTx) error {
		t, err := ptx.TenantBySlug(ctx, c.Tenant)
		tenantID = t.ID
		return err
	})
	switch {
	case care.ErrorCode(err) == care.ENotFound:
		return nil
	case err != nil:
		return err
	}
	if reason, err := a.tenantGate(ctx, tenantID, c.LoginID, c.Origin, c.CertFingerprint); reason != "" {
		return a.refuseLogin(ctx, tenantID, c, reason, err)
	}
	return nil
}

// Login checks the credentials and opens a session, returning its token and
// the actor. Success and failure are both audited. The attempt is reserved
// before the password is checked (lockout.go): a locked login ID answers
// 423 and an address over its failure budget 429, known account or not.
func (a *App) Login(ctx context.Context, c Credentials) (string, care.Actor, error) {
	if len(c.LoginID) > 64 || len(c.Password) > 1024 || len(c.Tenant) > 64 {
		return "", care.Actor{}, errLogin()
	}
	if c.Tenant == "" {
		return a.loginOperator(ctx, c)
	}
	// The tenant's own gates (allow-list, device certificate) come before
	// the attempt is reserved and the password checked: a request they
	// refuse guesses nothing, so it must not count towards the lockout, and
	// they must never reveal anything about the password or the lock.
	if err := a.loginTenantGate(ctx, c); err != nil {
		return "", care.Actor{}, err
	}
	var (
		tenant care.Tenant
		user   care.User
		hash   string
		lookup error
		att    store.Attempt
		wait   time.Duration
	)
	err := a.db.Platform(ctx, func(ptx *store.PlatformTx) error {
		var err error
		if tenant, err = ptx.TenantBySlug(ctx, c.Tenant); err != nil {
			if care.ErrorCode(err) != care.ENotFound {
				return err
			}
			lookup = err
			att, wait, err = a.reserveLogin(ctx, ptx, store.UnknownTenantScope(c.Tenant), c.LoginID, c.Origin.IP, DefaultLockoutThreshold)
			return err
		}
		rules, err := ptx.AccountRules(ctx, tenant.ID)
		if err != nil {
			return err
		}
		if att, wait, err = a.reserveLogin(ctx, ptx, tenant.ID, c.LoginID, c.Origin.IP, rules.LockoutThreshold); err != nil {
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
	reason := ""
	switch {
	case wait > 0:
		reason = "throttled: too many failures from the address"
	case att.Locked:
		reason = "locked"
	default:
		// The password is verified outside any transaction: argon2id is slow
		// on purpose and must not hold the writer.
		ok, verr := a.hasher.Verify(ctx, hash, c.Password)
		if verr != nil {
			return "", care.Actor{}, care.Internal(verr)
		}
		switch {
		case tenant.ID == "":
			reason = "unknown tenant " + c.Tenant
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
	}
	if reason != "" {
		return "", care.Actor{}, a.loginFailed(ctx, tenant.ID, user, c, reason, att, wait)
	}
	token, sessionID := auth.NewToken(tenant.ID)
	act := care.Actor{
		TenantID: tenant.ID, TenantSlug: tenant.Slug, UserID: user.ID, LoginID: user.LoginID, Name: user.Name,
		Role: user.Role, Facilities: user.Facilities, SessionID: sessionID, Listener: c.Origin.Listener,
		IP: c.Origin.IP, UserAgent: c.Origin.UserAgent, MustChangePassword: user.MustChangePassword,
	}
	err = a.db.InTenant(ctx, tenant.ID, func(tx *store.Tx) error {
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
			if _, err := tx.ClearUserLogin(ctx, user.LoginID); err != nil {
				return err
			}
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
		if _, err := tx.ClearUserLogin(ctx, user.LoginID); err != nil {
			return err
		}
		return tx.AppendAudit(ctx, entry(act, audit.LoginSuccess, "user", user.ID))
	})
	if err != nil {
		return "", care.Actor{}, err
	}
	return token, act, nil
}

// loginFailed audits a failed login (in the tenant's log, or the
// platform's for an unknown region), counts it against the address, and
// returns the answer: 429 when throttled, 423 when locked (or locked by
// this very attempt), else the one login error.
func (a *App) loginFailed(ctx context.Context, tenantID string, user care.User, c Credentials, reason string, att store.Attempt, wait time.Duration) error {
	base := audit.Entry{ActorID: user.ID, ActorLogin: c.LoginID, ActorRole: string(user.Role), IP: c.Origin.IP,
		UserAgent: c.Origin.UserAgent, TargetType: "user", TargetID: user.ID}
	if tenantID == "" && c.Tenant == "" {
		base.ActorRole, base.TargetType = string(care.RoleOperator), "operator"
	}
	entries := failureEntries(base, reason, att)
	write := func(app func(context.Context, *audit.Entry) error) error {
		for _, e := range entries {
			if err := app(ctx, e); err != nil {
				return err
			}
		}
		return nil
	}
	var err error
	if tenantID != "" {
		err = a.db.InTenant(ctx, tenantID, func(tx *store.Tx) error { return write(tx.AppendAudit) })
	} else {
		err = a.db.Platform(ctx, func(ptx *store.PlatformTx) error { return write(ptx.AppendAudit) })
	}
	if err != nil {
		return err
	}
	switch {
	case wait > 0:
		return errThrottled(wait)
	case att.Locked || att.NewLock:
		a.throttle.Fail(c.Origin.IP, a.db.Now())
		return errLocked()
	}
	a.throttle.Fail(c.Origin.IP, a.db.Now())
	return errLogin()
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
		case c.Kind == store.CertDevice:
			reason = "a device certificate is not an admin certificate"
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
	var (
		op     store.Operator
		hash   string
		lookup error
		att    store.Attempt
		wait   time.Duration
	)
	err := a.db.Platform(ctx, func(ptx *store.PlatformTx) error {
		var err error
		if att, wait, err = a.reserveLogin(ctx, ptx, store.OperatorScope, c.LoginID, c.Origin.IP, DefaultLockoutThreshold); err != nil {
			return err
		}
		op, hash, lookup = ptx.OperatorCredentials(ctx, c.LoginID)
		if lookup != nil && care.ErrorCode(lookup) != care.ENotFound {
			return lookup
		}
		return nil
	})
	if err != nil {
		return "", care.Actor{}, err
	}
	reason := ""
	switch {
	case wait > 0:
		reason = "throttled: too many failures from the address"
	case att.Locked:
		reason = "locked"
	default:
		ok, verr := a.hasher.Verify(ctx, hash, c.Password)
		if verr != nil {
			return "", care.Actor{}, care.Internal(verr)
		}
		switch {
		case c.Origin.Listener != care.AdminListener:
			reason = "operator login on the user listener"
		case lookup != nil || !ok:
			reason = "bad credentials"
		case !op.Active:
			reason = "operator inactive"
		default:
			reason = a.checkAdminCert(ctx, "", op.LoginID, care.RoleOperator, c.CertFingerprint)
		}
		if reason == "" {
			reason = a.operatorGate(c.Origin.IP)
		}
	}
	if reason != "" {
		return "", care.Actor{}, a.loginFailed(ctx, "", care.User{ID: op.ID, Role: care.RoleOperator}, c, reason, att, wait)
	}
	token, sessionID := auth.NewToken(auth.OperatorScope)
	act := care.Actor{UserID: op.ID, LoginID: op.LoginID, Name: op.Name, Role: care.RoleOperator, SessionID: sessionID,
		Listener: care.AdminListener, IP: c.Origin.IP, UserAgent: c.Origin.UserAgent}
	err = a.db.Platform(ctx, func(ptx *store.PlatformTx) error {
		// Second factor (factors.go), as for tenant users.
		var err error
		if act.Stage, err = loginStage(ctx, ptx.OperatorFactors(), op.ID, care.RoleOperator, false); err != nil {
			return err
		}
		if act.Stage != "" {
			if err := ptx.ClearLogin(ctx, store.OperatorScope, op.LoginID); err != nil {
				return err
			}
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
		if err := ptx.ClearLogin(ctx, store.OperatorScope, op.LoginID); err != nil {
			return err
		}
		return ptx.AppendAudit(ctx, entry(act, audit.LoginSuccess, "operator", op.ID))
	})
	if err != nil {
		return "", care.Actor{}, err
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
	if reason, err := a.tenantGate(ctx, tenant.ID, u.LoginID, o, certFingerprint); reason != "" {
		return care.Actor{}, err
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
		MustChangePassword: u.MustChangePassword,
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
	if reason := a.operatorGate(o.IP); reason != "" {
		return care.Actor{}, errAddress()
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

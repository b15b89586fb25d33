package app

import (
	"context"
	"time"

	"github.com/renrakucho/renrakucho/internal/audit"
	"github.com/renrakucho/renrakucho/internal/auth"
	"github.com/renrakucho/renrakucho/internal/care"
	"github.com/renrakucho/renrakucho/internal/store"
)

// pendingTTL bounds a login that waits for its second factor or its
// enrolment: long enough to find the phone or read the QR code.
const pendingTTL = 10 * time.Minute

// errFactor is the one answer for a wrong, reused or malformed second
// factor: the pending login is over and must start again from the password.
func errFactor() error { return &care.Error{Code: care.EUnauthorized, Key: "error.factor_failed"} }

// ErrFactorRequired is the answer of the API's login when the password was
// right but the second factor was missing or wrong.
func ErrFactorRequired() error {
	return &care.Error{Code: care.EUnauthorized, Key: "error.factor_required"}
}

// acct is one transaction over one account's factors and sessions: a
// tenant user's (tx set) or an operator's (ptx set). It lets one use case
// serve both kinds of account.
type acct struct {
	f   store.Factors
	tx  *store.Tx
	ptx *store.PlatformTx
}

func (t acct) now() time.Time {
	if t.tx != nil {
		return t.tx.Now()
	}
	return t.ptx.Now()
}

func (t acct) audit(ctx context.Context, e *audit.Entry) error {
	if t.tx != nil {
		return t.tx.AppendAudit(ctx, e)
	}
	return t.ptx.AppendAudit(ctx, e)
}

func (t acct) createSession(ctx context.Context, userID string, s store.Session) error {
	if t.tx != nil {
		s.UserID = userID
		return t.tx.CreateSession(ctx, s)
	}
	return t.ptx.CreateOperatorSession(ctx, userID, s)
}

func (t acct) deleteSession(ctx context.Context, id string) error {
	if t.tx != nil {
		return t.tx.DeleteSession(ctx, id)
	}
	return t.ptx.DeleteOperatorSession(ctx, id)
}

func (t acct) session(ctx context.Context, id string) (store.Session, error) {
	if t.tx != nil {
		s, _, _, err := t.tx.Session(ctx, id)
		return s, err
	}
	s, _, err := t.ptx.OperatorSession(ctx, id)
	return s, err
}

func (t acct) setCeremony(ctx context.Context, id, c string) error {
	if t.tx != nil {
		return t.tx.SetSessionCeremony(ctx, id, c)
	}
	return t.ptx.SetOperatorSessionCeremony(ctx, id, c)
}

// inAccount runs fn in one read-write transaction over the actor's account.
func (a *App) inAccount(ctx context.Context, act care.Actor, fn func(acct) error) error {
	if act.UserID == "" || act.SessionID == "" {
		return care.Unauthorized()
	}
	if act.IsOperator() {
		return a.db.Platform(ctx, func(ptx *store.PlatformTx) error {
			return fn(acct{f: ptx.OperatorFactors(), ptx: ptx})
		})
	}
	return a.inTenant(ctx, act, func(tx *store.Tx) error {
		return fn(acct{f: tx.Factors(), tx: tx})
	})
}

// targetType names the kind of account an actor is, as audit entries do.
func targetType(act care.Actor) string {
	if act.IsOperator() {
		return "operator"
	}
	return "user"
}

// factorRequired says whether the account must have a second factor:
// admins always, members when their tenant requires it of everyone.
func factorRequired(role care.Role, tenantRequires bool) bool {
	return role.IsAdmin() || tenantRequires
}

// hasFactor says whether an account has a working second factor: a
// confirmed TOTP or a passkey. A password-derived step never counts.
func hasFactor(ctx context.Context, f store.Factors, userID string) (totp bool, passkeys int, err error) {
	t, err := f.TOTP(ctx, userID)
	switch {
	case err == nil:
		totp = t.Confirmed
	case care.ErrorCode(err) != care.ENotFound:
		return false, 0, err
	}
	ps, err := f.Passkeys(ctx, userID)
	if err != nil {
		return false, 0, err
	}
	return totp, len(ps), nil
}

// loginStage returns the stage a login opens with after the right
// password: "" (a full session), store.StageFactor or store.StageEnrol.
func loginStage(ctx context.Context, f store.Factors, userID string, role care.Role, tenantRequires bool) (string, error) {
	totp, passkeys, err := hasFactor(ctx, f, userID)
	switch {
	case err != nil:
		return "", err
	case totp || passkeys > 0:
		return store.StageFactor, nil
	case factorRequired(role, tenantRequires):
		return store.StageEnrol, nil
	}
	return "", nil
}

// openPending stores the session of a login that waits for its second
// factor, instead of a full one. Its token authorises only that step.
func openPending(ctx context.Context, t acct, act care.Actor) error {
	now := t.now()
	if err := t.createSession(ctx, act.UserID, store.Session{ID: act.SessionID, Listener: act.Listener, IP: act.IP,
		UserAgent: act.UserAgent, CreatedAt: now, LastSeenAt: now, ExpiresAt: now.Add(pendingTTL), Stage: act.Stage}); err != nil {
		return err
	}
	e := entry(act, audit.LoginPassword, targetType(act), act.UserID)
	e.Detail = act.Stage
	return t.audit(ctx, e)
}

// rotate ends the actor's session and opens a full one in its place, with
// a new token: after the second factor (the pending token never becomes
// the full one) and after an enrolment (a change of privilege).
func (a *App) rotate(ctx context.Context, t acct, act care.Actor) (string, care.Actor, error) {
	// The session must still be the one the actor was read from: a pending
	// login ended by a wrong code (or a concurrent request) stays ended.
	s, err := t.session(ctx, act.SessionID)
	if err != nil || s.UserID != act.UserID || s.Stage != act.Stage {
		return "", care.Actor{}, care.Unauthorized()
	}
	if err := t.deleteSession(ctx, act.SessionID); err != nil {
		return "", care.Actor{}, err
	}
	scope := act.TenantID
	if act.IsOperator() {
		scope = auth.OperatorScope
	}
	token, id := auth.NewToken(scope)
	now := t.now()
	if err := t.createSession(ctx, act.UserID, store.Session{ID: id, Listener: act.Listener, IP: act.IP,
		UserAgent: act.UserAgent, CreatedAt: now, LastSeenAt: now, ExpiresAt: now.Add(a.absolute)}); err != nil {
		return "", care.Actor{}, err
	}
	wasPending := act.Stage != ""
	act.SessionID, act.Stage = id, ""
	if wasPending {
		if t.tx != nil {
			if err := t.tx.SetLastLogin(ctx, act.UserID, now, act.IP); err != nil {
				return "", care.Actor{}, err
			}
		} else if err := t.ptx.SetOperatorLastLogin(ctx, act.UserID, now); err != nil {
			return "", care.Actor{}, err
		}
		if err := t.audit(ctx, entry(act, audit.LoginSuccess, targetType(act), act.UserID)); err != nil {
			return "", care.Actor{}, err
		}
	}
	return token, act, nil
}

// failFactor ends a pending login after a wrong second factor, audited.
// It runs in its own transaction: the failed use case's rolls back.
func (a *App) failFactor(ctx context.Context, act care.Actor, detail string) error {
	err := a.inAccount(ctx, act, func(t acct) error {
		if err := t.deleteSession(ctx, act.SessionID); err != nil {
			return err
		}
		e := entry(act, audit.LoginFactorBad, targetType(act), act.UserID)
		e.Result, e.Detail = audit.Failed, detail
		return t.audit(ctx, e)
	})
	if err != nil {
		return err
	}
	return errFactor()
}

// FactorState is what a login page or the factors page needs to know of
// an account's second factors.
type FactorState struct {
	TOTP          bool // a confirmed TOTP
	Passkeys      []store.Passkey
	RecoveryLeft  int
	Required      bool // the account may not be left without a factor
	TenantRequire bool // the tenant requires a factor of everyone
}

// Factors returns the state of the actor's second factors. It works for a
// pending login too (the second-factor page offers what the account has).
func (a *App) Factors(ctx context.Context, act care.Actor) (FactorState, error) {
	var st FactorState
	err := a.inAccount(ctx, act, func(t acct) error {
		var err error
		if st.TOTP, _, err = hasFactor(ctx, t.f, act.UserID); err != nil {
			return err
		}
		if st.Passkeys, err = t.f.Passkeys(ctx, act.UserID); err != nil {
			return err
		}
		if st.RecoveryLeft, err = t.f.RecoveryCodesLeft(ctx, act.UserID); err != nil {
			return err
		}
		if t.tx != nil {
			p, err := t.tx.SessionPolicy(ctx)
			if err != nil {
				return err
			}
			st.TenantRequire = p.FactorRequired
		}
		st.Required = factorRequired(act.Role, st.TenantRequire)
		return nil
	})
	return st, err
}

// VerifyFactor completes a pending login with a TOTP code or a recovery
// code and returns the full session's new token. A wrong, reused or
// malformed code ends the pending login (the person starts again from the
// password, so guessing codes costs a password attempt each).
func (a *App) VerifyFactor(ctx context.Context, act care.Actor, code string) (string, care.Actor, error) {
	if act.Stage != store.StageFactor {
		return "", care.Actor{}, care.Unauthorized()
	}
	if len(code) > 32 {
		return "", care.Actor{}, a.failFactor(ctx, act, "malformed code")
	}
	var (
		token string
		out   care.Actor
		ok    bool
	)
	err := a.inAccount(ctx, act, func(t acct) error {
		if ok = a.checkCode(ctx, t, act.UserID, code); !ok {
			return nil
		}
		var err error
		token, out, err = a.rotate(ctx, t, act)
		return err
	})
	if err != nil {
		return "", care.Actor{}, err
	}
	if !ok {
		return "", care.Actor{}, a.failFactor(ctx, act, "wrong code")
	}
	return token, out, nil
}

// checkCode accepts a TOTP code of a step not used before, or an unused
// recovery code, spending it.
func (a *App) checkCode(ctx context.Context, t acct, userID, code string) bool {
	if secret, err := t.f.TOTPSecret(ctx, userID); err == nil {
		if step, match := auth.CheckTOTP(secret, code, t.now()); match {
			tt, err := t.f.TOTP(ctx, userID)
			if err != nil || !tt.Confirmed {
				return false
			}
			accepted, err := t.f.AcceptTOTPStep(ctx, userID, step)
			return err == nil && accepted
		}
	}
	used, err := t.f.UseRecoveryCode(ctx, userID, auth.HashRecoveryCode(code))
	return err == nil && used
}

// TOTPEnrolment is a TOTP secret being enrolled, for the enrolment page.
type TOTPEnrolment = auth.TOTPEnrolment

func issuer() string { return "renrakucho" }

func accountName(act care.Actor) string {
	if act.IsOperator() {
		return "operator/" + act.LoginID
	}
	return act.TenantSlug + "/" + act.LoginID
}

// mayEnrol checks that the actor is signed in fully or is in the
// enrolment step of a login.
func mayEnrol(act care.Actor) error {
	if act.UserID == "" || (act.Stage != "" && act.Stage != store.StageEnrol) {
		return care.Unauthorized()
	}
	return nil
}

// BeginTOTP returns the TOTP secret the actor is enrolling: the pending
// one if the page is shown again, else a new one. An account with a
// confirmed TOTP must remove it first.
func (a *App) BeginTOTP(ctx context.Context, act care.Actor) (TOTPEnrolment, error) {
	if err := mayEnrol(act); err != nil {
		return TOTPEnrolment{}, err
	}
	var out TOTPEnrolment
	err := a.inAccount(ctx, act, func(t acct) error {
		tt, err := t.f.TOTP(ctx, act.UserID)
		switch {
		case err == nil && tt.Confirmed:
			return &care.Error{Code: care.EConflict, Key: "error.totp_exists"}
		case err == nil:
			secret, err := t.f.TOTPSecret(ctx, act.UserID)
			if err != nil {
				return err
			}
			out, err = auth.TOTPEnrolmentOf(issuer(), accountName(act), secret)
			return err
		case care.ErrorCode(err) != care.ENotFound:
			return err
		}
		if out, err = auth.NewTOTP(issuer(), accountName(act)); err != nil {
			return care.Internal(err)
		}
		return t.f.SetTOTPSecret(ctx, act.UserID, out.Secret)
	})
	return out, err
}

// Enrolled is the result of an enrolment: the session's new token and the
// recovery codes to show once (TOTP).
type Enrolled struct {
	Token         string
	Actor         care.Actor
	RecoveryCodes []string
}

// ConfirmTOTP confirms the TOTP secret being enrolled with a first code,
// issues fresh recovery codes and rotates the session (which becomes full
// if it was a login's enrolment step).
func (a *App) ConfirmTOTP(ctx context.Context, act care.Actor, code string) (Enrolled, error) {
	if err := mayEnrol(act); err != nil {
		return Enrolled{}, err
	}
	var out Enrolled
	err := a.inAccount(ctx, act, func(t acct) error {
		tt, err := t.f.TOTP(ctx, act.UserID)
		if err != nil {
			return err
		}
		if tt.Confirmed {
			return &care.Error{Code: care.EConflict, Key: "error.totp_exists"}
		}
		secret, err := t.f.TOTPSecret(ctx, act.UserID)
		if err != nil {
			return err
		}
		step, match := auth.CheckTOTP(secret, code, t.now())
		if !match {
			return &care.Error{Code: care.EInvalid, Key: "error.totp_code", Field: "code"}
		}
		if ok, err := t.f.AcceptTOTPStep(ctx, act.UserID, step); err != nil || !ok {
			return &care.Error{Code: care.EInvalid, Key: "error.totp_code", Field: "code", Err: err}
		}
		codes, hashes := auth.NewRecoveryCodes()
		if err := t.f.SetRecoveryCodes(ctx, act.UserID, hashes); err != nil {
			return err
		}
		e := entry(act, audit.FactorEnrol, "user", act.UserID)
		e.Detail = "totp"
		if err := t.audit(ctx, e); err != nil {
			return err
		}
		out.RecoveryCodes = codes
		out.Token, out.Actor, err = a.rotate(ctx, t, act)
		return err
	})
	return out, err
}

// NewRecoveryCodes replaces the actor's recovery codes by fresh ones,
// returned to show once. Only an account with TOTP has recovery codes.
func (a *App) NewRecoveryCodes(ctx context.Context, act care.Actor) ([]string, error) {
	if act.Stage != "" {
		return nil, care.Unauthorized()
	}
	var codes []string
	err := a.inAccount(ctx, act, func(t acct) error {
		totp, _, err := hasFactor(ctx, t.f, act.UserID)
		if err != nil {
			return err
		}
		if !totp {
			return &care.Error{Code: care.EConflict, Key: "error.totp_missing"}
		}
		var hashes []string
		codes, hashes = auth.NewRecoveryCodes()
		if err := t.f.SetRecoveryCodes(ctx, act.UserID, hashes); err != nil {
			return err
		}
		return t.audit(ctx, entry(act, audit.FactorRecovery, "user", act.UserID))
	})
	return codes, err
}

// RemoveFactor removes the actor's TOTP (kind "totp") or one passkey
// (kind "passkey", its id). The last factor cannot go while one is
// required.
func (a *App) RemoveFactor(ctx context.Context, act care.Actor, kind, id string) error {
	if act.Stage != "" {
		return care.Unauthorized()
	}
	return a.inAccount(ctx, act, func(t acct) error {
		totp, passkeys, err := hasFactor(ctx, t.f, act.UserID)
		if err != nil {
			return err
		}
		tenantRequires := false
		if t.tx != nil {
			p, err := t.tx.SessionPolicy(ctx)
			if err != nil {
				return err
			}
			tenantRequires = p.FactorRequired
		}
		left := passkeys
		if totp {
			left++
		}
		switch kind {
		case "totp":
			if _, err := t.f.TOTP(ctx, act.UserID); err != nil {
				return err
			}
			if err := t.f.DeleteTOTP(ctx, act.UserID); err != nil {
				return err
			}
		case "passkey":
			if err := t.f.DeletePasskey(ctx, act.UserID, id); err != nil {
				return err
			}
		default:
			return care.NotFound("factor")
		}
		if left <= 1 && factorRequired(act.Role, tenantRequires) {
			return &care.Error{Code: care.EConflict, Key: "error.last_factor"}
		}
		e := entry(act, audit.FactorRemove, "user", act.UserID)
		e.Detail = kind
		return t.audit(ctx, e)
	})
}

// ResetFactors clears a user's second factors after they lost them: a
// tenant admin for the tenant's users, a facility admin for their
// facility's members. The user's sessions end and, where a factor is
// required, the next login walks them through enrolment.
func (a *App) ResetFactors(ctx context.Context, act care.Actor, userID string) error {
	if err := require(act, care.ActUserManage); err != nil {
		return err
	}
	return a.inTenant(ctx, act, func(tx *store.Tx) error {
		u, err := managedUser(ctx, tx, act, userID)
		if err != nil {
			return err
		}
		n, err := tx.Factors().DeleteAll(ctx, u.ID)
		if err != nil {
			return err
		}
		if err := tx.DeleteUserSessions(ctx, u.ID); err != nil {
			return err
		}
		e := entry(act, audit.FactorReset, "user", u.ID)
		e.Detail = u.LoginID
		if n == 0 {
			e.Detail += " (no factors)"
		}
		return tx.AppendAudit(ctx, e)
	})
}

// managedUser returns a user the admin may manage: another facility's
// user is not found by a facility admin, a tenant admin is forbidden.
func managedUser(ctx context.Context, tx *store.Tx, act care.Actor, id string) (care.User, error) {
	u, err := tx.User(ctx, id)
	if err != nil {
		return care.User{}, err
	}
	if act.Role != care.RoleTenantAdmin && !sharesFacility(act, u) {
		return care.User{}, care.NotFound("user")
	}
	if !mayManage(act, u.Role, u.Facilities) {
		return care.User{}, care.Forbidden()
	}
	return u, nil
}

// SeedTOTP enrols an account with a TOTP secret for the command line's
// audited bootstrap (the demo, whose admins must have a second factor and
// whose scripts must log in): the operator names the account by tenant
// slug ("" for an operator) and login. An account already enrolled keeps
// its secret, which is returned, so a restart changes nothing. The secret
// is confirmed without a first code: it goes to a file, not to a person.
func (a *App) SeedTOTP(ctx context.Context, op care.Actor, tenantSlug, loginID string) ([]byte, error) {
	if !op.IsOperator() {
		return nil, care.Forbidden()
	}
	var secret []byte
	seed := func(t acct, userID string, e *audit.Entry) error {
		if tt, err := t.f.TOTP(ctx, userID); err == nil && tt.Confirmed {
			var err error
			secret, err = t.f.TOTPSecret(ctx, userID)
			return err
		}
		account := tenantSlug + "/" + loginID
		if tenantSlug == "" {
			account = "operator/" + loginID
		}
		en, err := auth.NewTOTP(issuer(), account)
		if err != nil {
			return care.Internal(err)
		}
		secret = en.Secret
		if err := t.f.SetTOTPSecret(ctx, userID, secret); err != nil {
			return err
		}
		// Step 1 (1970) confirms the factor and lets every real code through.
		if _, err := t.f.AcceptTOTPStep(ctx, userID, 1); err != nil {
			return err
		}
		e.Detail = "totp, seeded from the command line"
		return t.audit(ctx, e)
	}
	err := a.db.Platform(ctx, func(ptx *store.PlatformTx) error {
		if tenantSlug == "" {
			o, _, err := ptx.OperatorCredentials(ctx, loginID)
			if err != nil {
				return err
			}
			return seed(acct{f: ptx.OperatorFactors(), ptx: ptx}, o.ID, entry(op, audit.FactorEnrol, "operator", o.ID))
		}
		t, err := ptx.TenantBySlug(ctx, tenantSlug)
		if err != nil {
			return err
		}
		tx, err := ptx.InTenant(ctx, t.ID)
		if err != nil {
			return err
		}
		u, _, err := tx.UserCredentials(ctx, loginID)
		if err != nil {
			return err
		}
		return seed(acct{f: tx.Factors(), tx: tx}, u.ID, entry(op, audit.FactorEnrol, "user", u.ID))
	})
	return secret, err
}

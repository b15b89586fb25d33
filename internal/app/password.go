package app

import (
	"context"
	"crypto/rand"
	"crypto/sha256"
	"encoding/base64"
	"encoding/hex"
	"strings"
	"sync"
	"time"

	"github.com/renrakucho/renrakucho/internal/audit"
	"github.com/renrakucho/renrakucho/internal/auth"
	"github.com/renrakucho/renrakucho/internal/care"
	"github.com/renrakucho/renrakucho/internal/i18n"
	"github.com/renrakucho/renrakucho/internal/store"
)

// The password lifecycle (DESIGN §3.3): a change with the current
// password, an admin's reissue of a temporary password that must be
// changed at first use, and a self-service reset by a mailed single-use
// link. No use case returns or mails a password, except the temporary one
// that ReissuePassword returns to the admin to hand over once.

// ResetValidity is how long a mailed reset link works.
const ResetValidity = 30 * time.Minute

// ResetResend is how long after a reset mail another request for the same
// user mails nothing: the form cannot flood a mailbox.
const ResetResend = 2 * time.Minute

// errCurrentPassword is the answer to a change with a wrong current password.
func errCurrentPassword() error {
	return &care.Error{Code: care.EInvalid, Key: "error.invalid",
		Fields: []care.FieldError{{Field: "current_password", Key: "login.error_current_password"}}}
}

// errResetLink is the one answer for a reset link that is unknown, used or
// expired.
func errResetLink() error { return &care.Error{Code: care.ENotFound, Key: "login.error_reset_link"} }

// policyFor returns the password policy of a user of the tenant.
// hasSecondFactor says whether the account has a second factor enrolled
// (issue 4, item 3); until second factors exist every account has the
// full-length rule.
func policyFor(rules store.AccountRules, hasSecondFactor bool) auth.Policy {
	return auth.Policy{MinLength: rules.PasswordMinLength, HasSecondFactor: hasSecondFactor}
}

// checkNewPassword applies the policy with the user's own words as context.
func checkNewPassword(pw string, p auth.Policy, u care.User) error {
	if key := auth.CheckPassword(pw, p, u.LoginID, u.Name, u.Kana, emailLocal(u.Email)); key != "" {
		return &care.Error{Code: care.EInvalid, Key: "error.invalid", Fields: []care.FieldError{{Field: "password", Key: key}}}
	}
	return nil
}

func emailLocal(e string) string {
	local, _, _ := strings.Cut(e, "@")
	return local
}

// checkPolicyInTenant applies the tenant's password policy to a password
// an admin chose for a user (create), as a field error on "password".
func (a *App) checkPolicyInTenant(ctx context.Context, tenantID, pw string, u care.User) error {
	var rules store.AccountRules
	err := a.db.ReadTenant(ctx, tenantID, func(tx *store.Tx) error {
		var err error
		rules, err = tx.AccountRules(ctx)
		return err
	})
	if err != nil {
		return err
	}
	return checkNewPassword(pw, policyFor(rules, false), u)
}

// ChangePassword replaces the actor's own password after checking the
// current one. Every other session of the user ends; the one that made
// the change stays, and a forced change is thereby done.
func (a *App) ChangePassword(ctx context.Context, act care.Actor, current, next string) error {
	if err := require(act, care.ActProfileView); err != nil {
		return err
	}
	if act.IsOperator() || act.TenantID == "" {
		return care.Forbidden()
	}
	var (
		u        care.User
		hash     string
		rules    store.AccountRules
		hasTOTP  bool
		passkeys int
	)
	err := a.readTenant(ctx, act, func(tx *store.Tx) error {
		var err error
		if u, hash, err = tx.UserCredentials(ctx, act.LoginID); err != nil {
			return err
		}
		if rules, err = tx.AccountRules(ctx); err != nil {
			return err
		}
		// With a second factor the guideline's shorter minimum applies.
		hasTOTP, passkeys, err = hasFactor(ctx, tx.Factors(), u.ID)
		return err
	})
	if err != nil {
		return err
	}
	if len(current) > 1024 || len(next) > 1024 {
		return errCurrentPassword()
	}
	ok, err := a.hasher.Verify(ctx, hash, current)
	if err != nil {
		return care.Internal(err)
	}
	if !ok {
		return errCurrentPassword()
	}
	if err := checkNewPassword(next, policyFor(rules, hasTOTP || passkeys > 0), u); err != nil {
		return err
	}
	if current == next {
		return &care.Error{Code: care.EInvalid, Key: "error.invalid",
			Fields: []care.FieldError{{Field: "password", Key: "login.error_password_same"}}}
	}
	newHash, err := a.hasher.Hash(ctx, next)
	if err != nil {
		return care.Internal(err)
	}
	return a.inTenant(ctx, act, func(tx *store.Tx) error {
		if err := tx.SetPassword(ctx, u.ID, newHash, false); err != nil {
			return err
		}
		if err := tx.DeleteOtherUserSessions(ctx, u.ID, act.SessionID); err != nil {
			return err
		}
		e := entry(act, audit.PasswordChange, "user", u.ID)
		if u.MustChangePassword {
			e.Detail = "forced change after reissue"
		}
		return tx.AppendAudit(ctx, e)
	})
}

// ReissuePassword gives a user the admin manages a new temporary password,
// returned once for the admin to hand over; the user must change it at
// first use. The user's sessions end and a lockout is lifted.
func (a *App) ReissuePassword(ctx context.Context, act care.Actor, id string) (string, error) {
	if err := require(act, care.ActUserManage); err != nil {
		return "", err
	}
	var u care.User
	err := a.readTenant(ctx, act, func(tx *store.Tx) error {
		var err error
		u, err = tx.User(ctx, id)
		return err
	})
	if err != nil {
		return "", err
	}
	if act.Role != care.RoleTenantAdmin && !sharesFacility(act, u) {
		return "", care.NotFound("user")
	}
	if !mayManage(act, u.Role, u.Facilities) {
		return "", care.Forbidden()
	}
	if id == act.UserID {
		return "", &care.Error{Code: care.EConflict, Key: "error.self_change"}
	}
	temp := temporaryPassword(u)
	hash, err := a.hasher.Hash(ctx, temp)
	if err != nil {
		return "", care.Internal(err)
	}
	err = a.inTenant(ctx, act, func(tx *store.Tx) error {
		if err := tx.SetPassword(ctx, id, hash, true); err != nil {
			return err
		}
		if err := tx.DeleteUserSessions(ctx, id); err != nil {
			return err
		}
		if _, err := tx.ClearUserLogin(ctx, u.LoginID); err != nil {
			return err
		}
		return tx.AppendAudit(ctx, entry(act, audit.PasswordReissue, "user", id))
	})
	if err != nil {
		return "", err
	}
	return temp, nil
}

// tempAlphabet leaves out characters read alike (0/O, 1/l/I).
const tempAlphabet = "abcdefghijkmnpqrstuvwxyzABCDEFGHJKLMNPQRSTUVWXYZ23456789"

// temporaryPassword returns 16 random characters in four groups (about 93
// bits), readable aloud, that meets the policy.
func temporaryPassword(u care.User) string {
	limit := 256 - 256%len(tempAlphabet) // bytes above it would bias the choice
	for {
		var sb strings.Builder
		for n := 0; n < 16; {
			var one [1]byte
			if _, err := rand.Read(one[:]); err != nil {
				panic("app: no randomness: " + err.Error())
			}
			if int(one[0]) >= limit {
				continue
			}
			if n > 0 && n%4 == 0 {
				sb.WriteByte('-')
			}
			sb.WriteByte(tempAlphabet[int(one[0])%len(tempAlphabet)])
			n++
		}
		pw := sb.String()
		if auth.CheckPassword(pw, auth.Policy{}, u.LoginID, u.Name) == "" {
			return pw
		}
	}
}

// resetID is the stored form of a reset token: its SHA-256.
func resetID(token string) string {
	sum := sha256.Sum256([]byte(token))
	return hex.EncodeToString(sum[:])
}

var (
	mailCatOnce sync.Once
	mailCat     *i18n.Catalogs
)

func mailCatalogs() *i18n.Catalogs {
	mailCatOnce.Do(func() { mailCat = i18n.MustLoad() })
	return mailCat
}

// RequestPasswordReset mails a single-use reset link to the active user of
// the region whose login ID or e-mail address is given, if there is one
// with an address. The caller learns nothing either way: the answer is
// the same, and only the audit log says what happened.
func (a *App) RequestPasswordReset(ctx context.Context, slug, who string, o care.Origin) error {
	who = strings.TrimSpace(who)
	if who == "" || len(who) > 254 || len(slug) > 64 {
		return nil
	}
	b := make([]byte, 32)
	if _, err := rand.Read(b); err != nil {
		return care.Internal(err)
	}
	token := base64.RawURLEncoding.EncodeToString(b)
	return a.db.Platform(ctx, func(ptx *store.PlatformTx) error {
		base := &audit.Entry{ActorLogin: who, Action: audit.PasswordResetRequest, IP: o.IP, UserAgent: o.UserAgent, Result: audit.Failed}
		tenant, err := ptx.TenantBySlug(ctx, slug)
		if err != nil {
			if care.ErrorCode(err) == care.ENotFound {
				base.Detail = "unknown tenant " + slug
				return ptx.AppendAudit(ctx, base)
			}
			return err
		}
		tx, err := ptx.InTenant(ctx, tenant.ID)
		if err != nil {
			return err
		}
		u, _, err := tx.UserCredentials(ctx, who)
		if care.ErrorCode(err) == care.ENotFound {
			u, err = tx.UserByEmail(ctx, who)
		}
		switch {
		case care.ErrorCode(err) == care.ENotFound:
			base.Detail = "no such user or address"
			return tx.AppendAudit(ctx, base)
		case err != nil:
			return err
		case !tenant.Active || !u.Active:
			base.ActorID, base.TargetType, base.TargetID, base.Detail = u.ID, "user", u.ID, "inactive"
			return tx.AppendAudit(ctx, base)
		case u.Email == "":
			base.ActorID, base.TargetType, base.TargetID, base.Detail = u.ID, "user", u.ID, "no e-mail address"
			return tx.AppendAudit(ctx, base)
		}
		now := tx.Now()
		pending, err := tx.PendingPasswordReset(ctx, u.ID, now.Add(-ResetResend))
		if err != nil {
			return err
		}
		if pending {
			base.ActorID, base.TargetType, base.TargetID, base.Detail = u.ID, "user", u.ID, "a reset mailed less than 2 minutes ago; not mailed again"
			return tx.AppendAudit(ctx, base)
		}
		if err := tx.CreatePasswordReset(ctx, store.PasswordReset{ID: resetID(token), UserID: u.ID, ExpiresAt: now.Add(ResetValidity)}); err != nil {
			return err
		}
		link := a.publicURL + "/t/" + tenant.Slug + "/password/reset/" + token
		cat := mailCatalogs()
		subject := cat.T("ja", "login.reset_mail_subject") + " / " + cat.T("en", "login.reset_mail_subject")
		body := cat.T("ja", "login.reset_mail_body", u.Name, tenant.Name, link, int(ResetValidity/time.Minute)) +
			"\n\n----\n\n" + cat.T("en", "login.reset_mail_body", u.Name, tenant.Name, link, int(ResetValidity/time.Minute))
		if err := tx.QueueMail(ctx, &store.Mail{To: u.Email, Subject: subject, Body: body}); err != nil {
			return err
		}
		base.ActorID, base.ActorRole, base.TargetType, base.TargetID, base.Result = u.ID, string(u.Role), "user", u.ID, audit.OK
		base.ActorLogin, base.Detail = u.LoginID, "reset link mailed"
		return tx.AppendAudit(ctx, base)
	})
}

// resolveReset returns the tenant, reset and user of a reset link, or the
// one link error.
func (a *App) resolveReset(ctx context.Context, slug, token string) (care.Tenant, store.PasswordReset, care.User, store.AccountRules, error) {
	var (
		tenant care.Tenant
		r      store.PasswordReset
		u      care.User
		rules  store.AccountRules
	)
	if len(token) != 43 || len(slug) > 64 {
		return tenant, r, u, rules, errResetLink()
	}
	err := a.db.Platform(ctx, func(ptx *store.PlatformTx) error {
		var err error
		if tenant, err = ptx.TenantBySlug(ctx, slug); err != nil {
			return err
		}
		tx, err := ptx.InTenant(ctx, tenant.ID)
		if err != nil {
			return err
		}
		if r, err = tx.PasswordReset(ctx, resetID(token)); err != nil {
			return err
		}
		if u, err = tx.User(ctx, r.UserID); err != nil {
			return err
		}
		rules, err = tx.AccountRules(ctx)
		return err
	})
	if err != nil {
		if care.ErrorCode(err) == care.ENotFound {
			return tenant, r, u, rules, errResetLink()
		}
		return tenant, r, u, rules, err
	}
	if r.UsedAt != nil || !a.db.Now().Before(r.ExpiresAt) || !u.Active || !tenant.Active {
		return tenant, r, u, rules, errResetLink()
	}
	return tenant, r, u, rules, nil
}

// CheckPasswordReset says whether a reset link still works, so its page
// shows the form or says the link is spent.
func (a *App) CheckPasswordReset(ctx context.Context, slug, token string) error {
	_, _, _, _, err := a.resolveReset(ctx, slug, token)
	return err
}

// ResetPassword sets a new password through a reset link, once: the link
// is spent, every session of the user ends and any lockout is lifted.
func (a *App) ResetPassword(ctx context.Context, slug, token, next string, o care.Origin) error {
	tenant, r, u, rules, err := a.resolveReset(ctx, slug, token)
	if err != nil {
		return err
	}
	if err := checkNewPassword(next, policyFor(rules, false), u); err != nil {
		return err
	}
	hash, err := a.hasher.Hash(ctx, next)
	if err != nil {
		return care.Internal(err)
	}
	return a.db.InTenant(ctx, tenant.ID, func(tx *store.Tx) error {
		ok, err := tx.UsePasswordReset(ctx, r.ID)
		if err != nil {
			return err
		}
		if !ok || !tx.Now().Before(r.ExpiresAt) {
			return errResetLink()
		}
		if err := tx.SetPassword(ctx, u.ID, hash, false); err != nil {
			return err
		}
		if err := tx.DeleteUserSessions(ctx, u.ID); err != nil {
			return err
		}
		if _, err := tx.ClearUserLogin(ctx, u.LoginID); err != nil {
			return err
		}
		return tx.AppendAudit(ctx, &audit.Entry{ActorID: u.ID, ActorLogin: u.LoginID, ActorRole: string(u.Role),
			Action: audit.PasswordReset, TargetType: "user", TargetID: u.ID, IP: o.IP, UserAgent: o.UserAgent, Result: audit.OK})
	})
}

// failedSincePrevious counts the failed logins under the user's login ID
// between their previous login and this one: what they are told at login.
func failedSincePrevious(ctx context.Context, tx *store.Tx, u care.User) (int, error) {
	if u.LastLoginAt == nil {
		return 0, nil
	}
	from := u.CreatedAt
	if u.PreviousLoginAt != nil {
		from = *u.PreviousLoginAt
	}
	return tx.FailedLoginsBetween(ctx, u.LoginID, from, *u.LastLoginAt)
}

package app

import (
	"context"
	"fmt"
	"time"

	"github.com/renrakucho/renrakucho/internal/audit"
	"github.com/renrakucho/renrakucho/internal/care"
	"github.com/renrakucho/renrakucho/internal/store"
)

// Lockout (DESIGN §3.2). Every login attempt is first reserved in the
// database (store.ReserveLogin): only an attempt whose number is within
// the threshold has its password checked, so however many requests race
// for one login ID, at most the threshold's passwords are checked before
// the lock, and none while it stands, the right one included. Unknown
// login IDs and unknown regions are counted exactly like real accounts,
// so the answers (401, then 423) and the work done (one argon2id check,
// then none) never tell whether an account exists.

// DefaultLockoutThreshold is the number of consecutive failures that lock
// a login ID unless the tenant set fewer; operators always have it.
const DefaultLockoutThreshold = 5

// The bounds of the tenant's threshold: it may tighten (fewer tries), never
// loosen.
const (
	MinLockoutThreshold = 3
	MaxLockoutThreshold = DefaultLockoutThreshold
)

// The lock lasts FirstLock, doubling for each further lock without a
// success in between, up to LongestLock; or until an admin unlocks.
const (
	FirstLock   = 15 * time.Minute
	LongestLock = 24 * time.Hour
)

// lockFor is how long the lock after the given number of earlier locks lasts.
func lockFor(earlier int) time.Duration {
	d := FirstLock
	for i := 0; i < earlier && d < LongestLock; i++ {
		d *= 2
	}
	return min(d, LongestLock)
}

// errLocked is the one answer for a locked login ID, known or not.
func errLocked() error { return &care.Error{Code: care.ELocked, Key: "login.error_locked"} }

// errThrottled is the answer to an address that spent its failure budget.
func errThrottled(wait time.Duration) error {
	return &care.Error{Code: care.ETooMany, Key: "login.error_throttled", RetryAfter: wait}
}

// reserveLogin applies the address throttle, then reserves the attempt.
// Throttling (DESIGN §3.2): once the source address has spent its budget
// of failures, an attempt on a login ID that has failed since its last
// success within the throttle window is refused (429) without a check;
// a login ID with no recent failure still gets its password checked, so the people behind a busy clinic
// address who type their password right are never held up by another's
// typos, and a guesser from that address gets at most one more guess per
// account. It returns the wait when throttled.
func (a *App) reserveLogin(ctx context.Context, ptx *store.PlatformTx, scope, loginID, ip string, threshold int) (store.Attempt, time.Duration, error) {
	if over, wait := a.throttle.Over(ip, ptx.Now()); over {
		n, last, locked, err := ptx.LoginFailures(ctx, scope, loginID)
		if err != nil {
			return store.Attempt{}, 0, err
		}
		if locked || n > 0 && ptx.Now().Sub(last) < ThrottleWindow {
			return store.Attempt{}, wait, nil
		}
	}
	att, err := ptx.ReserveLogin(ctx, scope, loginID, threshold, lockFor)
	return att, 0, err
}

// failureEntries are the audit entries of a failed login: the failure,
// and the lock when this attempt set it.
func failureEntries(base audit.Entry, reason string, att store.Attempt) []*audit.Entry {
	f := base
	f.Action, f.Result, f.Detail = audit.LoginFailure, audit.Failed, reason
	out := []*audit.Entry{&f}
	if att.NewLock && att.LockedUntil != nil {
		l := base
		l.Action, l.Result = audit.AccountLock, audit.OK
		l.Detail = fmt.Sprintf("%d failed logins; locked until %s (lock %d)", att.N, att.LockedUntil.UTC().Format(time.RFC3339), att.Locks)
		out = append(out, &l)
	}
	return out
}

// UnlockUser lifts the lockout of a user the admin manages, audited. It is
// a conflict when the user is not locked.
func (a *App) UnlockUser(ctx context.Context, act care.Actor, id string) error {
	if err := require(act, care.ActUserManage); err != nil {
		return err
	}
	return a.inTenant(ctx, act, func(tx *store.Tx) error {
		u, err := tx.User(ctx, id)
		if err != nil {
			return err
		}
		if act.Role != care.RoleTenantAdmin && !sharesFacility(act, u) {
			return care.NotFound("user")
		}
		if !mayManage(act, u.Role, u.Facilities) {
			return care.Forbidden()
		}
		was, err := tx.ClearUserLogin(ctx, u.LoginID)
		if err != nil {
			return err
		}
		if !was {
			return &care.Error{Code: care.EConflict, Key: "login.error_not_locked"}
		}
		return tx.AppendAudit(ctx, entry(act, audit.AccountUnlock, "user", id))
	})
}

// fillLocks sets LockedUntil on the listed users that are locked now.
func fillLocks(ctx context.Context, tx *store.Tx, users []care.User) error {
	locks, err := tx.LoginLocks(ctx)
	if err != nil {
		return err
	}
	for i := range users {
		if l, ok := locks[users[i].LoginID]; ok {
			t := l.LockedUntil
			users[i].LockedUntil = &t
		}
	}
	return nil
}

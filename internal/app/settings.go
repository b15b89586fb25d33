package app

import (
	"context"
	"fmt"
	"slices"
	"strings"
	"time"

	"github.com/renrakucho/renrakucho/internal/audit"
	"github.com/renrakucho/renrakucho/internal/auth"
	"github.com/renrakucho/renrakucho/internal/care"
	"github.com/renrakucho/renrakucho/internal/store"
)

// Settings are a tenant's own settings, kept by its tenant admins.
type Settings struct {
	// EndedRetentionYears is how many years a resident whose sharing ended
	// is kept before the retention job purges them (1–30; 5 by default).
	EndedRetentionYears int
	// AuditRetentionDays is how many days the tenant's audit log keeps
	// entries (MinAuditRetentionDays–MaxAuditRetentionDays; 365 by
	// default). The platform's retention applies when longer. In an
	// update, 0 leaves it unchanged.
	AuditRetentionDays int
	// LockoutThreshold is how many consecutive failed logins lock a login
	// ID (MinLockoutThreshold–5; 5 by default): a tenant may only tighten it.
	LockoutThreshold int
	// PasswordMinLength is the minimum password length without a second
	// factor (13–64; 13 by default); what it adds to 13 is added to the
	// second-factor minimum of 8 as well. A tenant may only tighten it.
	PasswordMinLength int
	// IdleMinutes is the idle timeout of the tenant's sessions
	// (MinIdleMinutes–MaxIdleMinutes; 15 by default; never off).
	IdleMinutes int
	// FactorRequired makes every member, not only admins, sign in with a
	// second factor; those without one enrol at their next login.
	FactorRequired bool
	// FileMaxMB is the largest file one upload may be, in MB of
	// 1,048,576 bytes (1–10240; 100 by default).
	FileMaxMB int64
	// FileQuotaMB bounds all stored files of the tenant together, trash
	// and earlier versions included (1–10,485,760; 10,240 by default).
	FileQuotaMB int64
	// FileTypes are the kinds of content members may upload (FileKinds).
	// In an update, zero FileMaxMB and FileQuotaMB and a nil FileTypes
	// keep the stored values.
	FileTypes []string
	// FileUsedBytes is what the tenant's files take now (read only).
	FileUsedBytes int64
}

// The bounds of Settings.PasswordMinLength.
const (
	MinPasswordMinLength = auth.DefaultMinLength
	MaxPasswordMinLength = 64
)

// MaxAuditRetentionDays bounds Settings.AuditRetentionDays: thirty years.
const MaxAuditRetentionDays = 30 * 365

// The bounds of the file settings, in MB.
const (
	MaxFileMB  = 10240
	MaxQuotaMB = 10 << 20
)

// The bounds of Settings.EndedRetentionYears. Below a year an ended care
// record could vanish before anyone notices a mistaken end; beyond thirty
// the setting stops meaning anything.
const (
	MinRetentionYears = 1
	MaxRetentionYears = 30
)

// Validate reports invalid settings, naming each field.
func (s Settings) Validate() error {
	var v care.Invalid
	if s.EndedRetentionYears < MinRetentionYears || s.EndedRetentionYears > MaxRetentionYears {
		v.Add("ended_retention_years", "error.retention_years")
	}
	if s.AuditRetentionDays != 0 && (s.AuditRetentionDays < MinAuditRetentionDays || s.AuditRetentionDays > MaxAuditRetentionDays) {
		v.Add("audit_retention_days", "audit_chain.error.retention_days")
	}
	if s.LockoutThreshold < MinLockoutThreshold || s.LockoutThreshold > MaxLockoutThreshold {
		v.Add("lockout_threshold", "login.error_lockout_threshold")
	}
	if s.PasswordMinLength < MinPasswordMinLength || s.PasswordMinLength > MaxPasswordMinLength {
		v.Add("password_min_length", "login.error_password_min_length")
	}
	if s.IdleMinutes < MinIdleMinutes || s.IdleMinutes > MaxIdleMinutes {
		v.Add("idle_minutes", "error.idle_minutes")
	}
	if s.FileMaxMB < 0 || s.FileMaxMB > MaxFileMB {
		v.Add("file_max_mb", "error.file_max_mb")
	}
	if s.FileQuotaMB < 0 || s.FileQuotaMB > MaxQuotaMB {
		v.Add("file_quota_mb", "error.file_quota_mb")
	}
	for _, k := range s.FileTypes {
		if !slices.Contains(FileKinds, k) {
			v.Add("file_types", "error.choice")
			break
		}
	}
	return v.Err()
}

// TenantSettings returns the settings of the actor's tenant.
func (a *App) TenantSettings(ctx context.Context, act care.Actor) (Settings, error) {
	if err := require(act, care.ActSettingsManage); err != nil {
		return Settings{}, err
	}
	var out Settings
	err := a.readTenant(ctx, act, func(tx *store.Tx) error {
		var err error
		if out.EndedRetentionYears, err = tx.EndedRetentionYears(ctx); err != nil {
			return err
		}
		if out.AuditRetentionDays, err = tx.AuditRetentionDays(ctx); err != nil {
			return err
		}
		rules, err := tx.AccountRules(ctx)
		if err != nil {
			return err
		}
		out.LockoutThreshold, out.PasswordMinLength = rules.LockoutThreshold, rules.PasswordMinLength
		p, err := tx.SessionPolicy(ctx)
		if err != nil {
			return err
		}
		out.IdleMinutes, out.FactorRequired = int(p.IdleTimeout/time.Minute), p.FactorRequired
		l, err := tx.FileLimits(ctx)
		out.FileMaxMB, out.FileQuotaMB, out.FileTypes, out.FileUsedBytes = l.MaxBytes>>20, l.QuotaBytes>>20, l.Types, l.UsedBytes
		return err
	})
	return out, err
}

// UpdateTenantSettings replaces the settings of the actor's tenant,
// audited with the old and new values. LockoutThreshold and
// PasswordMinLength left at 0 keep their current values.
func (a *App) UpdateTenantSettings(ctx context.Context, act care.Actor, in Settings) (Settings, error) {
	if err := require(act, care.ActSettingsManage); err != nil {
		return Settings{}, err
	}
	err := a.inTenant(ctx, act, func(tx *store.Tx) error {
		oldRules, err := tx.AccountRules(ctx)
		if err != nil {
			return err
		}
		// The account rules left at 0 keep their values: callers that
		// predate them replace only what they know of.
		if in.LockoutThreshold == 0 {
			in.LockoutThreshold = oldRules.LockoutThreshold
		}
		if in.PasswordMinLength == 0 {
			in.PasswordMinLength = oldRules.PasswordMinLength
		}
		oldPol, err := tx.SessionPolicy(ctx)
		if err != nil {
			return err
		}
		if in.IdleMinutes == 0 {
			in.IdleMinutes = int(oldPol.IdleTimeout / time.Minute)
		}
		if err := in.Validate(); err != nil {
			return err
		}
		old, err := tx.EndedRetentionYears(ctx)
		if err != nil {
			return err
		}
		if err := tx.SetEndedRetentionYears(ctx, in.EndedRetentionYears); err != nil {
			return err
		}
		if err := tx.SetAccountRules(ctx, store.AccountRules{LockoutThreshold: in.LockoutThreshold, PasswordMinLength: in.PasswordMinLength}); err != nil {
			return err
		}
		if err := tx.SetSessionPolicy(ctx, store.SessionPolicy{IdleTimeout: time.Duration(in.IdleMinutes) * time.Minute,
			FactorRequired: in.FactorRequired}); err != nil {
			return err
		}
		l, err := tx.FileLimits(ctx)
		if err != nil {
			return err
		}
		if in.FileMaxMB == 0 {
			in.FileMaxMB = l.MaxBytes >> 20
		}
		if in.FileQuotaMB == 0 {
			in.FileQuotaMB = l.QuotaBytes >> 20
		}
		if in.FileTypes == nil {
			in.FileTypes = l.Types
		}
		types := ordered(in.FileTypes)
		if err := tx.SetFileLimits(ctx, in.FileMaxMB<<20, in.FileQuotaMB<<20, types); err != nil {
			return err
		}
		in.FileTypes, in.FileUsedBytes = types, l.UsedBytes
		e := entry(act, audit.SettingsUpdate, "tenant", act.TenantID)
		e.Detail = fmt.Sprintf("ended_retention_years %d → %d", old, in.EndedRetentionYears)
		oldDays, err := tx.AuditRetentionDays(ctx)
		if err != nil {
			return err
		}
		if in.AuditRetentionDays == 0 {
			in.AuditRetentionDays = oldDays
		} else if in.AuditRetentionDays != oldDays {
			if err := tx.SetAuditRetentionDays(ctx, in.AuditRetentionDays); err != nil {
				return err
			}
			e.Detail += fmt.Sprintf("; audit_retention_days %d → %d", oldDays, in.AuditRetentionDays)
		}
		if oldRules.LockoutThreshold != in.LockoutThreshold {
			e.Detail += fmt.Sprintf(", lockout_threshold %d → %d", oldRules.LockoutThreshold, in.LockoutThreshold)
		}
		if oldRules.PasswordMinLength != in.PasswordMinLength {
			e.Detail += fmt.Sprintf(", password_min_length %d → %d", oldRules.PasswordMinLength, in.PasswordMinLength)
		}
		if oldIdle := int(oldPol.IdleTimeout / time.Minute); oldIdle != in.IdleMinutes {
			e.Detail += fmt.Sprintf(", idle_minutes %d → %d", oldIdle, in.IdleMinutes)
		}
		if oldPol.FactorRequired != in.FactorRequired {
			e.Detail += ", factor_required " + boolWord(oldPol.FactorRequired) + " → " + boolWord(in.FactorRequired)
		}
		if l.MaxBytes>>20 != in.FileMaxMB {
			e.Detail += fmt.Sprintf("; file_max_mb %d → %d", l.MaxBytes>>20, in.FileMaxMB)
		}
		if l.QuotaBytes>>20 != in.FileQuotaMB {
			e.Detail += fmt.Sprintf("; file_quota_mb %d → %d", l.QuotaBytes>>20, in.FileQuotaMB)
		}
		if was, now := strings.Join(l.Types, ","), strings.Join(types, ","); was != now {
			e.Detail += fmt.Sprintf("; file_types %s → %s", was, now)
		}
		return tx.AppendAudit(ctx, e)
	})
	if err != nil {
		return Settings{}, err
	}
	return in, nil
}

// ordered returns the kinds in FileKinds order, each once.
func ordered(kinds []string) []string {
	out := []string{}
	for _, k := range FileKinds {
		if slices.Contains(kinds, k) {
			out = append(out, k)
		}
	}
	return out
}

package app

import (
	"context"
	"fmt"
	"time"

	"github.com/renrakucho/renrakucho/internal/audit"
	"github.com/renrakucho/renrakucho/internal/care"
	"github.com/renrakucho/renrakucho/internal/store"
)

// Settings are a tenant's own settings, kept by its tenant admins.
type Settings struct {
	// EndedRetentionYears is how many years a resident whose sharing ended
	// is kept before the retention job purges them (1–30; 5 by default).
	EndedRetentionYears int
	// IdleMinutes is the idle timeout of the tenant's sessions
	// (MinIdleMinutes–MaxIdleMinutes; 15 by default; never off).
	IdleMinutes int
	// FactorRequired makes every member, not only admins, sign in with a
	// second factor; those without one enrol at their next login.
	FactorRequired bool
}

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
	if s.IdleMinutes < MinIdleMinutes || s.IdleMinutes > MaxIdleMinutes {
		v.Add("idle_minutes", "error.idle_minutes")
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
		p, err := tx.SessionPolicy(ctx)
		out.IdleMinutes, out.FactorRequired = int(p.IdleTimeout/time.Minute), p.FactorRequired
		return err
	})
	return out, err
}

// UpdateTenantSettings replaces the settings of the actor's tenant,
// audited with the old and new values.
func (a *App) UpdateTenantSettings(ctx context.Context, act care.Actor, in Settings) (Settings, error) {
	if err := require(act, care.ActSettingsManage); err != nil {
		return Settings{}, err
	}
	if err := in.Validate(); err != nil {
		return Settings{}, err
	}
	err := a.inTenant(ctx, act, func(tx *store.Tx) error {
		old, err := tx.EndedRetentionYears(ctx)
		if err != nil {
			return err
		}
		if err := tx.SetEndedRetentionYears(ctx, in.EndedRetentionYears); err != nil {
			return err
		}
		oldPol, err := tx.SessionPolicy(ctx)
		if err != nil {
			return err
		}
		if err := tx.SetSessionPolicy(ctx, store.SessionPolicy{IdleTimeout: time.Duration(in.IdleMinutes) * time.Minute,
			FactorRequired: in.FactorRequired}); err != nil {
			return err
		}
		e := entry(act, audit.SettingsUpdate, "tenant", act.TenantID)
		e.Detail = fmt.Sprintf("ended_retention_years %d → %d", old, in.EndedRetentionYears)
		if oldIdle := int(oldPol.IdleTimeout / time.Minute); oldIdle != in.IdleMinutes {
			e.Detail += fmt.Sprintf(", idle_minutes %d → %d", oldIdle, in.IdleMinutes)
		}
		if oldPol.FactorRequired != in.FactorRequired {
			e.Detail += ", factor_required " + boolWord(oldPol.FactorRequired) + " → " + boolWord(in.FactorRequired)
		}
		return tx.AppendAudit(ctx, e)
	})
	if err != nil {
		return Settings{}, err
	}
	return in, nil
}

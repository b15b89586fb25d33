package app

import (
	"context"
	"fmt"

	"github.com/renrakucho/renrakucho/internal/audit"
	"github.com/renrakucho/renrakucho/internal/care"
	"github.com/renrakucho/renrakucho/internal/store"
)

// Settings are a tenant's own settings, kept by its tenant admins.
type Settings struct {
	// EndedRetentionYears is how many years a resident whose sharing ended
	// is kept before the retention job purges them (1–30; 5 by default).
	EndedRetentionYears int
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
		out.EndedRetentionYears, err = tx.EndedRetentionYears(ctx)
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
		e := entry(act, audit.SettingsUpdate, "tenant", act.TenantID)
		e.Detail = fmt.Sprintf("ended_retention_years %d → %d", old, in.EndedRetentionYears)
		return tx.AppendAudit(ctx, e)
	})
	if err != nil {
		return Settings{}, err
	}
	return in, nil
}

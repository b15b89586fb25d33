package app

import (
	"context"

	"github.com/renrakucho/renrakucho/internal/audit"
	"github.com/renrakucho/renrakucho/internal/care"
	"github.com/renrakucho/renrakucho/internal/store"
)

// Facilities lists the facilities of the actor's tenant.
func (a *App) Facilities(ctx context.Context, act care.Actor) ([]care.Facility, error) {
	if err := require(act, care.ActFacilityList); err != nil {
		return nil, err
	}
	var out []care.Facility
	err := a.readTenant(ctx, act, func(tx *store.Tx) error {
		var err error
		out, err = tx.Facilities(ctx)
		return err
	})
	return out, err
}

// Facility returns one facility of the actor's tenant.
func (a *App) Facility(ctx context.Context, act care.Actor, id string) (care.Facility, error) {
	if err := require(act, care.ActFacilityList); err != nil {
		return care.Facility{}, err
	}
	var out care.Facility
	err := a.readTenant(ctx, act, func(tx *store.Tx) error {
		var err error
		out, err = tx.Facility(ctx, id)
		return err
	})
	return out, err
}

// CreateFacility adds a facility to the actor's tenant.
func (a *App) CreateFacility(ctx context.Context, act care.Actor, f care.Facility) (care.Facility, error) {
	if err := require(act, care.ActFacilityManage); err != nil {
		return care.Facility{}, err
	}
	if err := f.Validate(); err != nil {
		return care.Facility{}, err
	}
	err := a.inTenant(ctx, act, func(tx *store.Tx) error {
		if err := tx.CreateFacility(ctx, &f); err != nil {
			return err
		}
		return tx.AppendAudit(ctx, entry(act, audit.FacilityCreate, "facility", f.ID))
	})
	return f, err
}

// UpdateFacility changes a facility of the actor's tenant.
func (a *App) UpdateFacility(ctx context.Context, act care.Actor, f care.Facility) (care.Facility, error) {
	if err := require(act, care.ActFacilityManage); err != nil {
		return care.Facility{}, err
	}
	if err := f.Validate(); err != nil {
		return care.Facility{}, err
	}
	err := a.inTenant(ctx, act, func(tx *store.Tx) error {
		if err := tx.UpdateFacility(ctx, f); err != nil {
			return err
		}
		return tx.AppendAudit(ctx, entry(act, audit.FacilityUpdate, "facility", f.ID))
	})
	if err != nil {
		return care.Facility{}, err
	}
	return a.Facility(ctx, act, f.ID)
}

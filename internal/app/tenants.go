package app

import (
	"context"

	"github.com/renrakucho/renrakucho/internal/audit"
	"github.com/renrakucho/renrakucho/internal/care"
	"github.com/renrakucho/renrakucho/internal/store"
)

// Tenants lists every tenant, for operators.
func (a *App) Tenants(ctx context.Context, act care.Actor) ([]care.Tenant, error) {
	if err := require(act, care.ActTenantList); err != nil {
		return nil, err
	}
	var out []care.Tenant
	err := a.db.Platform(ctx, func(ptx *store.PlatformTx) error {
		var err error
		out, err = ptx.Tenants(ctx)
		return err
	})
	return out, err
}

// CreatedTenant is what CreateTenant made.
type CreatedTenant struct {
	Tenant   care.Tenant
	Admin    care.User
	Facility care.Facility
}

// CreateTenant creates a tenant with its first facility (the tenant's
// administration office) and its first tenant admin, in one transaction,
// audited both in the platform log and in the new tenant's own log.
func (a *App) CreateTenant(ctx context.Context, act care.Actor, in care.NewTenant) (CreatedTenant, error) {
	if err := require(act, care.ActTenantCreate); err != nil {
		return CreatedTenant{}, err
	}
	if err := in.Validate(); err != nil {
		return CreatedTenant{}, err
	}
	hash, err := a.hasher.Hash(ctx, in.AdminPassword)
	if err != nil {
		return CreatedTenant{}, care.Internal(err)
	}
	out := CreatedTenant{Tenant: care.Tenant{Slug: in.Slug, Name: in.Name, Options: in.Options}}
	err = a.db.Platform(ctx, func(ptx *store.PlatformTx) error {
		if err := ptx.CreateTenant(ctx, &out.Tenant); err != nil {
			return err
		}
		if err := ptx.AppendAudit(ctx, entry(act, audit.TenantCreate, "tenant", out.Tenant.ID)); err != nil {
			return err
		}
		tx, err := ptx.InTenant(ctx, out.Tenant.ID)
		if err != nil {
			return err
		}
		out.Facility = care.Facility{Kind: "municipality", Name: in.Name + " 事務局"}
		if err := tx.CreateFacility(ctx, &out.Facility); err != nil {
			return err
		}
		out.Admin = care.User{LoginID: in.AdminLogin, Name: in.AdminName, Email: in.AdminEmail, Profession: "municipal_staff",
			Role: care.RoleTenantAdmin, Facilities: []string{out.Facility.ID}}
		if err := tx.CreateUser(ctx, &out.Admin, hash); err != nil {
			return err
		}
		e := entry(act, audit.TenantCreate, "tenant", out.Tenant.ID)
		e.Detail = "first admin " + out.Admin.LoginID
		return tx.AppendAudit(ctx, e)
	})
	if err != nil {
		return CreatedTenant{}, err
	}
	return out, nil
}

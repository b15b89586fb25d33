package app

import (
	"context"
	"fmt"
	"time"

	"github.com/renrakucho/renrakucho/internal/audit"
	"github.com/renrakucho/renrakucho/internal/care"
	"github.com/renrakucho/renrakucho/internal/seal"
	"github.com/renrakucho/renrakucho/internal/store"
)

// TenantKeyStatus is one tenant's keyset state, for `renrakucho keys status`.
type TenantKeyStatus struct {
	Slug string
	store.KeyStatus
}

// KeyStatus lists every tenant's keyset version and re-encryption.
func (a *App) KeyStatus(ctx context.Context, act care.Actor) ([]TenantKeyStatus, error) {
	if err := require(act, care.ActKeysManage); err != nil {
		return nil, err
	}
	var out []TenantKeyStatus
	err := a.db.Platform(ctx, func(ptx *store.PlatformTx) error {
		tenants, err := ptx.Tenants(ctx)
		if err != nil {
			return err
		}
		for _, t := range tenants {
			tx, err := ptx.InTenant(ctx, t.ID)
			if err != nil {
				return err
			}
			s, err := tx.KeyStatus(ctx)
			if err != nil {
				return err
			}
			out = append(out, TenantKeyStatus{Slug: t.Slug, KeyStatus: s})
		}
		return nil
	})
	return out, err
}

// RotateKeys gives the tenant (every tenant when slug is "") a new primary
// data key. Re-sealing what the old keys sealed follows in the background
// (ReencryptAll) or at once with Reencrypt. Audited in the platform's log
// and in each tenant's own.
func (a *App) RotateKeys(ctx context.Context, act care.Actor, slug string) (map[string]int, error) {
	if err := require(act, care.ActKeysManage); err != nil {
		return nil, err
	}
	versions := map[string]int{}
	err := a.db.Platform(ctx, func(ptx *store.PlatformTx) error {
		tenants, err := tenantsNamed(ctx, ptx, slug)
		if err != nil {
			return err
		}
		for _, t := range tenants {
			e := entry(act, audit.KeysRotate, "tenant", t.ID)
			if err := ptx.AppendAudit(ctx, e); err != nil {
				return err
			}
			tx, err := ptx.InTenant(ctx, t.ID)
			if err != nil {
				return err
			}
			v, err := tx.RotateKeys(ctx)
			if err != nil {
				return err
			}
			versions[t.Slug] = v
			e = entry(act, audit.KeysRotate, "tenant", t.ID)
			e.Detail = fmt.Sprintf("keyset version %d", v)
			if err := tx.AppendAudit(ctx, e); err != nil {
				return err
			}
		}
		return nil
	})
	return versions, err
}

func tenantsNamed(ctx context.Context, ptx *store.PlatformTx, slug string) ([]care.Tenant, error) {
	if slug == "" {
		return ptx.Tenants(ctx)
	}
	t, err := ptx.TenantBySlug(ctx, slug)
	if err != nil {
		return nil, err
	}
	return []care.Tenant{t}, nil
}

// Reencrypt runs the tenant's open re-encryption to its end now (slug ""
// for every tenant), and returns the rows re-sealed per tenant.
func (a *App) Reencrypt(ctx context.Context, act care.Actor, slug string) (map[string]int, error) {
	if err := require(act, care.ActKeysManage); err != nil {
		return nil, err
	}
	var tenants []care.Tenant
	if err := a.db.Platform(ctx, func(ptx *store.PlatformTx) error {
		var err error
		tenants, err = tenantsNamed(ctx, ptx, slug)
		return err
	}); err != nil {
		return nil, err
	}
	out := map[string]int{}
	for _, t := range tenants {
		n, err := a.reencryptTenant(ctx, act, t.ID)
		out[t.Slug] = n
		if err != nil {
			return out, err
		}
	}
	return out, nil
}

// reencryptTenant finishes one tenant's open re-encryption and, when there
// was one, writes what it did to the tenant's log.
func (a *App) reencryptTenant(ctx context.Context, act care.Actor, tenantID string) (int, error) {
	var pending bool
	if err := a.db.ReadTenant(ctx, tenantID, func(tx *store.Tx) error {
		s, err := tx.KeyStatus(ctx)
		pending = s.Pending != nil
		return err
	}); err != nil || !pending {
		return 0, err
	}
	n, err := a.db.Reencrypt(ctx, tenantID)
	if err != nil {
		return n, err
	}
	return n, a.db.InTenant(ctx, tenantID, func(tx *store.Tx) error {
		e := entry(act, audit.KeysReencrypt, "tenant", tenantID)
		e.Detail = fmt.Sprintf("%d rows re-sealed", n)
		return tx.AppendAudit(ctx, e)
	})
}

// systemActor is the background jobs' actor in the audit log.
var systemActor = care.Actor{UserID: "system", LoginID: "system", Role: care.RoleOperator, UserAgent: "renrakucho background job"}

// ReencryptAll is the background job behind key rotation: it finishes
// every tenant's open re-encryption, one batch per transaction, so a
// crash loses at most a batch and the next run resumes.
func (a *App) ReencryptAll(ctx context.Context, _ time.Time) error {
	var ids []string
	if err := a.db.Platform(ctx, func(ptx *store.PlatformTx) error {
		tenants, err := ptx.Tenants(ctx)
		for _, t := range tenants {
			ids = append(ids, t.ID)
		}
		return err
	}); err != nil {
		return err
	}
	for _, id := range ids {
		n, err := a.reencryptTenant(ctx, systemActor, id)
		if err != nil {
			return fmt.Errorf("app: re-encrypt tenant %s: %w", id, err)
		}
		if n > 0 {
			a.log.Info("re-encrypted under the new key", "tenant", id, "rows", n)
		}
	}
	return nil
}

// RotateKEK starts a new master key-encryption key and re-wraps every
// tenant's key under it; running it again after a crash finishes the job.
func (a *App) RotateKEK(ctx context.Context, act care.Actor) (seal.RotateReport, error) {
	if err := require(act, care.ActKeysManage); err != nil {
		return seal.RotateReport{}, err
	}
	if a.keys == nil {
		return seal.RotateReport{}, care.Internal(store.ErrNoKeys)
	}
	rep, err := a.keys.KEK().Rotate(ctx)
	// Logged whatever happened: a half-done rotation is worth knowing.
	e := entry(act, audit.KeysRotateKEK, "keys", "")
	e.Detail = fmt.Sprintf("master key %d, %d tenant keys re-wrapped", rep.MasterKeyID, rep.Rewrapped)
	if err != nil {
		e.Result, e.Detail = audit.Failed, e.Detail+": "+err.Error()
	}
	if lerr := a.db.Platform(ctx, func(ptx *store.PlatformTx) error { return ptx.AppendAudit(ctx, e) }); err == nil {
		err = lerr
	}
	return rep, err
}

// ShredTenant ends a tenant and destroys its keys (crypto-shredding,
// DESIGN 3.12): the tenant is deactivated, and every sealed value it
// had — in the database and in every backup — becomes unreadable for
// good. Audited in the platform's log.
func (a *App) ShredTenant(ctx context.Context, act care.Actor, slug string) error {
	if err := require(act, care.ActKeysManage); err != nil {
		return err
	}
	return a.db.Platform(ctx, func(ptx *store.PlatformTx) error {
		t, err := ptx.TenantBySlug(ctx, slug)
		if err != nil {
			return err
		}
		if err := ptx.SetTenantActive(ctx, t.ID, false); err != nil {
			return err
		}
		e := entry(act, audit.KeysShred, "tenant", t.ID)
		e.Detail = "tenant " + t.Slug + " deactivated, keys destroyed"
		if err := ptx.AppendAudit(ctx, e); err != nil {
			return err
		}
		tx, err := ptx.InTenant(ctx, t.ID)
		if err != nil {
			return err
		}
		return tx.ShredKeys(ctx)
	})
}

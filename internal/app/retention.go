package app

import (
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/renrakucho/renrakucho/internal/audit"
	"github.com/renrakucho/renrakucho/internal/care"
	"github.com/renrakucho/renrakucho/internal/store"
)

// RunRetention is the daily retention job of the whole deployment: it
// purges, tenant by tenant, the ended residents each tenant's setting no
// longer keeps (PurgeEndedResidents). One tenant's failure does not stop
// the others; the errors come back joined, so the job runner records the
// run as failed and tries again. It returns how many residents it purged.
func (a *App) RunRetention(ctx context.Context, now time.Time) (int, error) {
	var tenants []care.Tenant
	err := a.db.Platform(ctx, func(ptx *store.PlatformTx) error {
		var err error
		tenants, err = ptx.Tenants(ctx)
		return err
	})
	if err != nil {
		return 0, err
	}
	total := 0
	var errs []error
	for _, t := range tenants {
		if err := ctx.Err(); err != nil {
			return total, errors.Join(append(errs, err)...)
		}
		n, err := a.PurgeEndedResidents(ctx, t.ID, now)
		total += n
		if n > 0 {
			a.log.Info("retention: purged ended residents", "tenant", t.Slug, "residents", n)
		}
		if err != nil {
			a.log.Error("retention: purge failed", "tenant", t.Slug, "purged", n, "err", err)
			errs = append(errs, fmt.Errorf("retention: tenant %s: %w", t.Slug, err))
		}
	}
	return total, errors.Join(errs...)
}

// PurgeEndedResidents is the retention job of one tenant: residents whose
// sharing ended more than the tenant's ended_retention_years before now
// are deleted with their posts, versions, comments, receipts, consents and
// team. Each purge is its own transaction with its audit entry
// (resident.purge, with the counts), so a failure part-way loses nothing
// unrecorded. It returns how many residents were purged.
func (a *App) PurgeEndedResidents(ctx context.Context, tenantID string, now time.Time) (int, error) {
	var ended []store.EndedResident
	err := a.db.ReadTenant(ctx, tenantID, func(tx *store.Tx) error {
		years, err := tx.EndedRetentionYears(ctx)
		if err != nil {
			return err
		}
		if years < 1 {
			years = 1 // never sooner than a year, whatever the setting
		}
		ended, err = tx.ResidentsEndedBefore(ctx, now.AddDate(-years, 0, 0))
		return err
	})
	if err != nil {
		return 0, err
	}
	n := 0
	for _, r := range ended {
		var blobKeys []string
		err := a.db.InTenant(ctx, tenantID, func(tx *store.Tx) error {
			// The resident's files go with it; their blobs after the commit.
			vs, err := tx.PurgeResidentFiles(ctx, r.ID)
			if err != nil {
				return err
			}
			var freed int64
			for _, v := range vs {
				blobKeys = append(blobKeys, v.BlobKey, v.ThumbKey)
				freed += v.SealedSize + v.ThumbSize
			}
			if err := tx.ReleaseFileBytes(ctx, freed); err != nil {
				return err
			}
			c, err := tx.PurgeResident(ctx, r.ID)
			if err != nil {
				return err
			}
			return tx.AppendAudit(ctx, &audit.Entry{ActorLogin: "system", ActorRole: "system", Action: audit.ResidentPurge,
				TargetType: "resident", TargetID: r.ID, ResidentID: r.ID, Result: audit.OK,
				Detail: fmt.Sprintf("ended %s; posts %d, versions %d, addressees %d, comments %d, receipts %d, consents %d, team %d, file versions %d",
					r.EndedAt.Format(time.RFC3339), c.Posts, c.Versions, c.Addressees, c.Comments, c.Receipts, c.Consents, c.Team, len(vs))})
		})
		if err != nil {
			return n, err
		}
		if a.blobs != nil {
			a.deleteBlobs(ctx, blobKeys...)
		}
		n++
	}
	return n, nil
}

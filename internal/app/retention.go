package app

import (
	"context"
	"fmt"
	"time"

	"github.com/renrakucho/renrakucho/internal/audit"
	"github.com/renrakucho/renrakucho/internal/store"
)

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
		err := a.db.InTenant(ctx, tenantID, func(tx *store.Tx) error {
			c, err := tx.PurgeResident(ctx, r.ID)
			if err != nil {
				return err
			}
			return tx.AppendAudit(ctx, &audit.Entry{ActorLogin: "system", ActorRole: "system", Action: audit.ResidentPurge,
				TargetType: "resident", TargetID: r.ID, ResidentID: r.ID, Result: audit.OK,
				Detail: fmt.Sprintf("ended %s; posts %d, versions %d, addressees %d, comments %d, receipts %d, consents %d, team %d",
					r.EndedAt.Format(time.RFC3339), c.Posts, c.Versions, c.Addressees, c.Comments, c.Receipts, c.Consents, c.Team)})
		})
		if err != nil {
			return n, err
		}
		n++
	}
	return n, nil
}

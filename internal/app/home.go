package app

import (
	"context"
	"time"

	"github.com/renrakucho/renrakucho/internal/audit"
	"github.com/renrakucho/renrakucho/internal/care"
	"github.com/renrakucho/renrakucho/internal/store"
)

// Home is what the landing page shows a user.
type Home struct {
	User       care.User
	Tenant     care.Tenant
	Facilities []care.Facility
	// Recent is the user's own latest activity, newest first.
	Recent []audit.Entry
}

// Home returns the actor's landing page: their facilities and latest
// activity.
func (a *App) Home(ctx context.Context, act care.Actor) (Home, error) {
	if err := require(act, care.ActHomeView); err != nil {
		return Home{}, err
	}
	var h Home
	err := a.readTenant(ctx, act, func(tx *store.Tx) error {
		var err error
		if h.Tenant, err = tx.Tenant(ctx); err != nil {
			return err
		}
		if h.User, err = tx.User(ctx, act.UserID); err != nil {
			return err
		}
		if h.User.FailedLoginsSince, err = failedSincePrevious(ctx, tx, h.User); err != nil {
			return err
		}
		for _, id := range h.User.Facilities {
			f, err := tx.Facility(ctx, id)
			if err != nil {
				return err
			}
			h.Facilities = append(h.Facilities, f)
		}
		h.Recent, err = tx.AuditEntries(ctx, store.AuditFilter{ActorID: act.UserID, Limit: 10})
		return err
	})
	return h, err
}

// AuditFilter narrows an audit listing.
type AuditFilter = store.AuditFilter

// Audit lists audit entries: a tenant admin sees the tenant's log, an
// operator only the platform's own log, never a tenant's. Reading the log
// is itself logged (who looked at whose activity), in the same
// transaction.
func (a *App) Audit(ctx context.Context, act care.Actor, f AuditFilter) ([]audit.Entry, error) {
	return a.readAudit(ctx, act, f, audit.AuditView)
}

// ExportAudit is Audit for a download, logged as an export (DESIGN §3.5).
func (a *App) ExportAudit(ctx context.Context, act care.Actor, f AuditFilter) ([]audit.Entry, error) {
	return a.readAudit(ctx, act, f, audit.AuditExport)
}

func (a *App) readAudit(ctx context.Context, act care.Actor, f AuditFilter, action audit.Action) ([]audit.Entry, error) {
	e := entry(act, action, "audit", "")
	e.Detail = auditFilterDetail(f)
	var out []audit.Entry
	if act.IsOperator() && act.Listener == care.AdminListener {
		err := a.db.Platform(ctx, func(ptx *store.PlatformTx) error {
			var err error
			if out, err = ptx.AuditEntries(ctx, f); err != nil {
				return err
			}
			return ptx.AppendAudit(ctx, e)
		})
		return out, err
	}
	if err := require(act, care.ActAuditView); err != nil {
		return nil, err
	}
	err := a.inTenant(ctx, act, func(tx *store.Tx) error {
		var err error
		if out, err = tx.AuditEntries(ctx, f); err != nil {
			return err
		}
		return tx.AppendAudit(ctx, e)
	})
	return out, err
}

func auditFilterDetail(f AuditFilter) string {
	d := "actor=" + f.ActorID + " action=" + f.Action + " target=" + f.Target
	if !f.From.IsZero() {
		d += " from=" + f.From.UTC().Format(time.RFC3339)
	}
	if !f.To.IsZero() {
		d += " to=" + f.To.UTC().Format(time.RFC3339)
	}
	return d
}

package app

import (
	"context"

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
// operator only the platform's own log, never a tenant's.
func (a *App) Audit(ctx context.Context, act care.Actor, f AuditFilter) ([]audit.Entry, error) {
	if act.IsOperator() && act.Listener == care.AdminListener {
		var out []audit.Entry
		err := a.db.Platform(ctx, func(ptx *store.PlatformTx) error {
			var err error
			out, err = ptx.AuditEntries(ctx, f)
			return err
		})
		return out, err
	}
	if err := require(act, care.ActAuditView); err != nil {
		return nil, err
	}
	var out []audit.Entry
	err := a.readTenant(ctx, act, func(tx *store.Tx) error {
		var err error
		out, err = tx.AuditEntries(ctx, f)
		return err
	})
	return out, err
}

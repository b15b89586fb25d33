package app

import (
	"context"

	"github.com/renrakucho/renrakucho/internal/audit"
	"github.com/renrakucho/renrakucho/internal/care"
	"github.com/renrakucho/renrakucho/internal/realtime"
	"github.com/renrakucho/renrakucho/internal/store"
)

// AddConsent records the resident's consent to sharing. Only one consent is
// active at a time (error.consent_active).
func (a *App) AddConsent(ctx context.Context, act care.Actor, residentID string, in care.ConsentInput) (care.Consent, error) {
	if err := require(act, care.ActContactBook); err != nil {
		return care.Consent{}, err
	}
	if err := in.Validate(a.today()); err != nil {
		return care.Consent{}, err
	}
	c := care.Consent{ResidentID: residentID, Method: in.Method, ObtainedAt: in.ObtainedAt, ObtainedBy: in.ObtainedBy,
		Scope: in.Scope, RecordedBy: act.UserID}
	var audience []string
	err := a.inTenant(ctx, act, func(tx *store.Tx) error {
		r, err := a.residentAccess(ctx, tx, act, residentID, true)
		if err != nil {
			return err
		}
		if r.ConsentActive {
			return care.Errorf(care.EConflict, "error.consent_active")
		}
		if err := tx.CreateConsent(ctx, &c); err != nil {
			return err
		}
		r.ConsentActive = true
		if audience, err = a.residentAudience(ctx, tx, r); err != nil {
			return err
		}
		return tx.AppendAudit(ctx, residentEntry(act, audit.ConsentCreate, "consent", c.ID, residentID))
	})
	if err != nil {
		return care.Consent{}, err
	}
	a.publish(act, audience, realtime.Event{Kind: "team.changed", ResidentID: residentID})
	return c, nil
}

// RevokeConsent revokes the resident's consent. Team members outside the
// owning facility lose access at once: the access rule needs the consent.
// Revoking only narrows sharing, so it is allowed after the end of service.
func (a *App) RevokeConsent(ctx context.Context, act care.Actor, residentID, consentID string) error {
	if err := require(act, care.ActContactBook); err != nil {
		return err
	}
	var audience []string
	err := a.inTenant(ctx, act, func(tx *store.Tx) error {
		r, err := a.residentAccess(ctx, tx, act, residentID, false)
		if err != nil {
			return err
		}
		// Those losing access hear of it too, so their pages stop showing it.
		if audience, err = a.residentAudience(ctx, tx, r); err != nil {
			return err
		}
		if err := tx.RevokeConsent(ctx, residentID, consentID, act.UserID); err != nil {
			return err
		}
		return tx.AppendAudit(ctx, residentEntry(act, audit.ConsentRevoke, "consent", consentID, residentID))
	})
	if err != nil {
		return err
	}
	a.publish(act, audience, realtime.Event{Kind: "team.changed", ResidentID: residentID})
	return nil
}

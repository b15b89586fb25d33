package app

import (
	"context"

	"github.com/renrakucho/renrakucho/internal/audit"
	"github.com/renrakucho/renrakucho/internal/care"
	"github.com/renrakucho/renrakucho/internal/realtime"
	"github.com/renrakucho/renrakucho/internal/store"
)

// Team returns the resident's care-team roster: every row, all statuses,
// with each member's profession and facilities.
func (a *App) Team(ctx context.Context, act care.Actor, residentID string) ([]care.TeamMember, error) {
	if err := require(act, care.ActContactBook); err != nil {
		return nil, err
	}
	out := []care.TeamMember{}
	// A write transaction: a use through a break-glass grant is audited.
	err := a.inTenant(ctx, act, func(tx *store.Tx) error {
		if _, err := a.residentAccess(ctx, tx, act, residentID, false); err != nil {
			return err
		}
		team, err := tx.Team(ctx, residentID)
		for _, m := range team {
			out = append(out, m.TeamMember)
		}
		return err
	})
	return out, err
}

// Invite invites an active user of the tenant to the resident's care team.
// Without an active consent only users of the owning facility may be
// invited (error.no_consent). A user of another tenant is not found.
func (a *App) Invite(ctx context.Context, act care.Actor, residentID, userID string) (care.TeamMember, error) {
	if err := require(act, care.ActContactBook); err != nil {
		return care.TeamMember{}, err
	}
	var (
		m        care.TeamMember
		audience []string
	)
	err := a.inTenant(ctx, act, func(tx *store.Tx) error {
		r, err := a.residentAccess(ctx, tx, act, residentID, true)
		if err != nil {
			return err
		}
		u, err := tx.User(ctx, userID)
		if err != nil {
			return err
		}
		// Only active users who can use a contact book at all can join one.
		if !u.Active || !(care.Actor{Role: u.Role, Listener: care.UserListener}).Can(care.ActContactBook) {
			return care.NotFound("user")
		}
		_, standing, err := tx.ResidentFor(ctx, residentID, userID)
		if err != nil {
			return err
		}
		switch {
		case standing.Status == care.TeamActive || standing.Status == care.TeamInvited:
			return &care.Error{Code: care.EConflict, Key: "error.already_member", Field: "user_id"}
		case !r.ConsentActive && !standing.InFacility:
			return &care.Error{Code: care.EConflict, Key: "error.no_consent", Field: "user_id"}
		}
		m = care.TeamMember{ResidentID: residentID, UserID: userID, Status: care.TeamInvited, InvitedBy: act.UserID,
			CreatedAt: tx.Now(), Name: u.Name, Kana: u.Kana, Profession: u.Profession, Facilities: u.Facilities}
		if err := tx.PutTeamMember(ctx, m); err != nil {
			return err
		}
		if audience, err = a.residentAudience(ctx, tx, r); err != nil {
			return err
		}
		audience = append(audience, userID)
		return tx.AppendAudit(ctx, residentEntry(act, audit.TeamInvite, "user", userID, residentID))
	})
	if err != nil {
		return care.TeamMember{}, err
	}
	a.publish(act, audience, realtime.Event{Kind: "team.changed", ResidentID: residentID})
	return m, nil
}

// invitation loads a resident the actor is invited to; anything else is
// not found.
func invitation(ctx context.Context, tx *store.Tx, act care.Actor, residentID string) (care.Resident, store.Member, error) {
	r, m, err := tx.ResidentFor(ctx, residentID, act.UserID)
	if err != nil {
		return r, m, err
	}
	if !m.UserActive || m.Status != care.TeamInvited {
		return care.Resident{}, m, care.NotFound("resident")
	}
	return r, m, nil
}

// AcceptInvitation makes the invited actor an active team member. Without
// an active consent only users of the owning facility may join.
func (a *App) AcceptInvitation(ctx context.Context, act care.Actor, residentID string) error {
	if err := require(act, care.ActContactBook); err != nil {
		return err
	}
	var audience []string
	err := a.inTenant(ctx, act, func(tx *store.Tx) error {
		r, m, err := invitation(ctx, tx, act, residentID)
		if err != nil {
			return err
		}
		if r.Ended() {
			return care.Errorf(care.EConflict, "error.resident_ended")
		}
		if !r.ConsentActive && !m.InFacility {
			return care.Errorf(care.EConflict, "error.no_consent")
		}
		if err := tx.SetTeamStatus(ctx, residentID, act.UserID, care.TeamInvited, care.TeamActive); err != nil {
			return err
		}
		if audience, err = a.residentAudience(ctx, tx, r); err != nil {
			return err
		}
		return tx.AppendAudit(ctx, residentEntry(act, audit.TeamAccept, "user", act.UserID, residentID))
	})
	if err != nil {
		return err
	}
	a.publish(act, audience, realtime.Event{Kind: "team.changed", ResidentID: residentID})
	return nil
}

// DeclineInvitation declines the actor's invitation.
func (a *App) DeclineInvitation(ctx context.Context, act care.Actor, residentID string) error {
	if err := require(act, care.ActContactBook); err != nil {
		return err
	}
	var audience []string
	err := a.inTenant(ctx, act, func(tx *store.Tx) error {
		r, _, err := invitation(ctx, tx, act, residentID)
		if err != nil {
			return err
		}
		if err := tx.SetTeamStatus(ctx, residentID, act.UserID, care.TeamInvited, care.TeamDeclined); err != nil {
			return err
		}
		if audience, err = a.residentAudience(ctx, tx, r); err != nil {
			return err
		}
		return tx.AppendAudit(ctx, residentEntry(act, audit.TeamDecline, "user", act.UserID, residentID))
	})
	if err != nil {
		return err
	}
	a.publish(act, audience, realtime.Event{Kind: "team.changed", ResidentID: residentID})
	return nil
}

// Invitations lists the residents the actor is invited to and may join,
// with nothing but their names: the actor has no access yet.
func (a *App) Invitations(ctx context.Context, act care.Actor) ([]care.Resident, error) {
	if err := require(act, care.ActContactBook); err != nil {
		return nil, err
	}
	out := []care.Resident{}
	err := a.readTenant(ctx, act, func(tx *store.Tx) error {
		rows, err := tx.MemberResidents(ctx, act.UserID, care.TeamInvited, store.ResidentFilter{})
		for _, row := range rows {
			if row.Member.UserActive && (row.ConsentActive || row.Member.InFacility) {
				out = append(out, care.Resident{ID: row.ID, TenantID: row.TenantID, FacilityID: row.FacilityID,
					Name: row.Name, Kana: row.Kana})
			}
		}
		return err
	})
	return out, err
}

// LeaveTeam takes the actor off the resident's care team.
func (a *App) LeaveTeam(ctx context.Context, act care.Actor, residentID string) error {
	if err := require(act, care.ActContactBook); err != nil {
		return err
	}
	var audience []string
	err := a.inTenant(ctx, act, func(tx *store.Tx) error {
		// A member who lost access (consent revoked) may still leave.
		r, m, err := tx.ResidentFor(ctx, residentID, act.UserID)
		if err != nil {
			return err
		}
		if !m.UserActive || m.Status != care.TeamActive {
			return care.NotFound("resident")
		}
		if audience, err = a.residentAudience(ctx, tx, r); err != nil {
			return err
		}
		if err := tx.SetTeamStatus(ctx, residentID, act.UserID, care.TeamActive, care.TeamLeft); err != nil {
			return err
		}
		return tx.AppendAudit(ctx, residentEntry(act, audit.TeamLeave, "user", act.UserID, residentID))
	})
	if err != nil {
		return err
	}
	a.publish(act, audience, realtime.Event{Kind: "team.changed", ResidentID: residentID})
	return nil
}

// RemoveFromTeam takes another member (or an invitee) off the resident's
// care team; the removal is audited.
func (a *App) RemoveFromTeam(ctx context.Context, act care.Actor, residentID, userID string) error {
	if err := require(act, care.ActContactBook); err != nil {
		return err
	}
	var audience []string
	err := a.inTenant(ctx, act, func(tx *store.Tx) error {
		r, err := a.residentAccess(ctx, tx, act, residentID, true)
		if err != nil {
			return err
		}
		_, m, err := tx.ResidentFor(ctx, residentID, userID)
		if err != nil {
			return err
		}
		if m.Status != care.TeamActive && m.Status != care.TeamInvited {
			return care.NotFound("user")
		}
		if audience, err = a.residentAudience(ctx, tx, r); err != nil {
			return err
		}
		audience = append(audience, userID)
		if err := tx.SetTeamStatus(ctx, residentID, userID, m.Status, care.TeamRemoved); err != nil {
			return err
		}
		e := residentEntry(act, audit.TeamRemove, "user", userID, residentID)
		e.Detail = "was " + string(m.Status)
		return tx.AppendAudit(ctx, e)
	})
	if err != nil {
		return err
	}
	a.publish(act, audience, realtime.Event{Kind: "team.changed", ResidentID: residentID})
	return nil
}

package app

import (
	"context"
	"fmt"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/renrakucho/renrakucho/internal/audit"
	"github.com/renrakucho/renrakucho/internal/care"
	"github.com/renrakucho/renrakucho/internal/realtime"
	"github.com/renrakucho/renrakucho/internal/store"
)

// Break-glass (DESIGN §3.15): in an emergency a member may open one
// resident outside their teams by giving a reason. The grant lasts the
// tenant's set time (1 h by default, at most 24 h) and ends by itself:
// mayAccess honours it only until it expires. While it runs the member
// may READ the resident's contact book (profile, timeline, posts, team,
// search within it) and ADD POSTS (what they did in the emergency belongs
// in the record); everything else that changes the resident (profile,
// consents, team, comments, edits, ending) stays the team's. Every use is
// a breakglass.view audit entry beside the usual one; the tenant admins
// and the resident's team are told at once (a live event) and see a
// notice until it expires; admins review and acknowledge each grant.

// The bounds of a break-glass reason, in characters.
const (
	MinBreakGlassReason = 10
	MaxBreakGlassReason = 1000
)

// BreakGlassGrant is one break-glass grant.
type BreakGlassGrant = store.BreakGlass

// accessMode is what a use of a resident's contact book does.
type accessMode int

const (
	accessRead accessMode = iota
	accessWrite
	accessPost
)

// breakGlassUse checks and audits a use of a resident that the actor may
// access only through a break-glass grant; a member of the team passes.
func (a *App) breakGlassUse(ctx context.Context, tx *store.Tx, act care.Actor, r care.Resident, m store.Member, mode accessMode) error {
	if m.Status == care.TeamActive && (r.ConsentActive || m.InFacility) {
		return nil
	}
	if mode == accessWrite {
		return &care.Error{Code: care.EForbidden, Key: "breakglass.error_read_only"}
	}
	g, err := tx.ActiveBreakGlass(ctx, act.UserID, r.ID)
	if err != nil {
		return err
	}
	e := residentEntry(act, audit.BreakGlassView, "break_glass", g.ID, r.ID)
	e.Detail = "until " + g.ExpiresAt.Format(time.RFC3339)
	if mode == accessPost {
		e.Detail = "post; " + e.Detail
	}
	return tx.AppendAudit(ctx, e)
}

// residentAccessToPost is residentAccess for adding a post: a break-glass
// grant allows it, unlike other changes.
func (a *App) residentAccessToPost(ctx context.Context, tx *store.Tx, act care.Actor, residentID string) (care.Resident, error) {
	r, m, err := tx.ResidentFor(ctx, residentID, act.UserID)
	if err != nil {
		return care.Resident{}, err
	}
	if !mayAccess(r, m) {
		return care.Resident{}, care.NotFound("resident")
	}
	if err := a.breakGlassUse(ctx, tx, act, r, m, accessPost); err != nil {
		return care.Resident{}, err
	}
	if r.Ended() {
		return care.Resident{}, care.Errorf(care.EConflict, "error.resident_ended")
	}
	return r, nil
}

// BreakGlassCandidate is a resident found by the break-glass search, with
// the minimum needed to confirm who it is.
type BreakGlassCandidate struct {
	ID           string
	Name         string
	Kana         string
	BirthDate    string
	FacilityName string
	// OnTeam: the member already has access; no grant is needed.
	OnTeam bool
}

// MaxBreakGlassCandidates is how many residents the search shows at most;
// beyond it the member must say more (DESIGN §3.15: exact enough to find
// one person).
const MaxBreakGlassCandidates = 5

// BreakGlassSearch finds current residents of the tenant by name or kana
// AND birth date (YYYY-MM-DD), both required, for a member about to open
// one under break-glass. It answers at most MaxBreakGlassCandidates, and
// none with tooMany when more match. Audited (what was asked, how many
// found).
func (a *App) BreakGlassSearch(ctx context.Context, act care.Actor, name, birthDate string) (found []BreakGlassCandidate, tooMany bool, err error) {
	if err := require(act, care.ActBreakGlass); err != nil {
		return nil, false, err
	}
	name, birthDate = strings.TrimSpace(name), strings.TrimSpace(birthDate)
	var v care.Invalid
	if utf8.RuneCountInString(name) < 2 || utf8.RuneCountInString(name) > 64 {
		v.Add("name", "breakglass.error_name")
	}
	if _, perr := time.Parse("2006-01-02", birthDate); perr != nil {
		v.Add("birth_date", "breakglass.error_birth_date")
	}
	if err := v.Err(); err != nil {
		return nil, false, err
	}
	found = []BreakGlassCandidate{}
	err = a.inTenant(ctx, act, func(tx *store.Tx) error {
		rs, err := tx.Residents(ctx, store.ResidentFilter{Query: name})
		if err != nil {
			return err
		}
		var match []care.Resident
		for _, r := range rs {
			if r.BirthDate == birthDate {
				match = append(match, r)
			}
		}
		if len(match) > MaxBreakGlassCandidates {
			tooMany = true
			match = nil
		}
		for _, r := range match {
			_, m, err := tx.ResidentFor(ctx, r.ID, act.UserID)
			if err != nil {
				return err
			}
			c := BreakGlassCandidate{ID: r.ID, Name: r.Name, Kana: r.Kana, BirthDate: r.BirthDate,
				OnTeam: m.UserActive && m.Status == care.TeamActive && (r.ConsentActive || m.InFacility)}
			if f, err := tx.Facility(ctx, r.FacilityID); err == nil {
				c.FacilityName = f.Name
			} else if care.ErrorCode(err) != care.ENotFound {
				return err
			}
			found = append(found, c)
		}
		e := entry(act, audit.BreakGlassSearch, "resident", "")
		// The audit log is not sealed: what identifies the person searched
		// for stays out of it.
		e.Detail = fmt.Sprintf("%d found", len(match))
		return tx.AppendAudit(ctx, e)
	})
	return found, tooMany, err
}

// OpenBreakGlass opens one current resident of the tenant to the actor
// for the tenant's break-glass time, with a reason of at least
// MinBreakGlassReason characters. Audited; the tenant admins and the
// resident's team get a live event and, until the grant expires, a
// notice. A member who already has access needs no grant (conflict).
func (a *App) OpenBreakGlass(ctx context.Context, act care.Actor, residentID, reason string) (BreakGlassGrant, error) {
	if err := require(act, care.ActBreakGlass); err != nil {
		return BreakGlassGrant{}, err
	}
	reason = strings.TrimSpace(reason)
	if n := utf8.RuneCountInString(reason); n < MinBreakGlassReason || n > MaxBreakGlassReason {
		return BreakGlassGrant{}, invalid(nil, "reason", "breakglass.error_reason")
	}
	p, err := a.policy(ctx, act.TenantID)
	if err != nil {
		return BreakGlassGrant{}, err
	}
	minutes := p.breakGlassMinutes
	if minutes < MinBreakGlassMinutes || minutes > MaxBreakGlassMinutes {
		minutes = DefaultBreakGlassMinutes
	}
	var (
		g        BreakGlassGrant
		audience []string
	)
	err = a.inTenant(ctx, act, func(tx *store.Tx) error {
		r, m, err := tx.ResidentFor(ctx, residentID, act.UserID)
		if err != nil {
			return err
		}
		if r.Ended() {
			return care.Errorf(care.EConflict, "error.resident_ended")
		}
		if m.UserActive && m.Status == care.TeamActive && (r.ConsentActive || m.InFacility) {
			return care.Errorf(care.EConflict, "breakglass.error_on_team")
		}
		if !m.UserActive {
			return care.Forbidden()
		}
		g = BreakGlassGrant{UserID: act.UserID, UserName: act.Name, LoginID: act.LoginID, ResidentID: r.ID, ResidentName: r.Name,
			Reason: reason, IP: act.IP, ExpiresAt: tx.Now().Add(time.Duration(minutes) * time.Minute)}
		if err := tx.CreateBreakGlass(ctx, &g); err != nil {
			return err
		}
		if audience, err = a.residentAudience(ctx, tx, r); err != nil {
			return err
		}
		admins, err := tx.UsersWithRole(ctx, care.RoleTenantAdmin)
		if err != nil {
			return err
		}
		audience = append(audience, admins...)
		e := residentEntry(act, audit.BreakGlassOpen, "break_glass", g.ID, r.ID)
		// The reason is kept sealed with the grant (the review list shows
		// it); the unsealed audit log names the grant only.
		e.Detail = "until " + g.ExpiresAt.Format(time.RFC3339)
		return tx.AppendAudit(ctx, e)
	})
	if err != nil {
		return BreakGlassGrant{}, err
	}
	a.publish(act, audience, realtime.Event{Kind: "breakglass.opened", ResidentID: g.ResidentID, At: g.CreatedAt})
	return g, nil
}

// BreakGlassNotices returns the running grants the actor should be told
// about on their home page: those on residents of their teams (by anyone
// else) and their own.
func (a *App) BreakGlassNotices(ctx context.Context, act care.Actor) ([]BreakGlassGrant, error) {
	if err := require(act, care.ActContactBook); err != nil {
		return nil, err
	}
	out := []BreakGlassGrant{}
	err := a.readTenant(ctx, act, func(tx *store.Tx) error {
		running, err := tx.BreakGlassGrants(ctx, store.BreakGlassFilter{ActiveOnly: true})
		if err != nil || len(running) == 0 {
			return err
		}
		rows, err := tx.MemberResidents(ctx, act.UserID, care.TeamActive, store.ResidentFilter{All: true})
		if err != nil {
			return err
		}
		mine := map[string]bool{}
		for _, row := range rows {
			if mayAccess(row.Resident, row.Member) {
				mine[row.ID] = true
			}
		}
		for _, g := range running {
			if g.UserID == act.UserID || mine[g.ResidentID] {
				out = append(out, g)
			}
		}
		return nil
	})
	return out, err
}

// ResidentBreakGlass returns the running grants on a resident the actor
// may access, for the banner of the resident's page.
func (a *App) ResidentBreakGlass(ctx context.Context, act care.Actor, residentID string) ([]BreakGlassGrant, error) {
	if err := require(act, care.ActContactBook); err != nil {
		return nil, err
	}
	var out []BreakGlassGrant
	err := a.readTenant(ctx, act, func(tx *store.Tx) error {
		r, m, err := tx.ResidentFor(ctx, residentID, act.UserID)
		if err != nil {
			return err
		}
		if !mayAccess(r, m) {
			return care.NotFound("resident")
		}
		out, err = tx.BreakGlassGrants(ctx, store.BreakGlassFilter{ResidentID: residentID, ActiveOnly: true})
		return err
	})
	return out, err
}

// BreakGlassReview lists the tenant's grants for its admins, newest
// first (only those not yet acknowledged with pending). The listing shows
// reasons and names, so it is audited.
func (a *App) BreakGlassReview(ctx context.Context, act care.Actor, pending bool) ([]BreakGlassGrant, error) {
	if err := require(act, care.ActBreakGlassReview); err != nil {
		return nil, err
	}
	var out []BreakGlassGrant
	err := a.inTenant(ctx, act, func(tx *store.Tx) error {
		var err error
		if out, err = tx.BreakGlassGrants(ctx, store.BreakGlassFilter{Unacknowledged: pending}); err != nil {
			return err
		}
		e := entry(act, audit.BreakGlassReview, "break_glass", "")
		e.Detail = fmt.Sprintf("%d grants", len(out))
		return tx.AppendAudit(ctx, e)
	})
	return out, err
}

// AcknowledgeBreakGlass records that the actor, a tenant admin, reviewed
// a grant. Audited; acknowledging twice keeps the first.
func (a *App) AcknowledgeBreakGlass(ctx context.Context, act care.Actor, id string) error {
	if err := require(act, care.ActBreakGlassReview); err != nil {
		return err
	}
	return a.inTenant(ctx, act, func(tx *store.Tx) error {
		g, err := tx.BreakGlassGrant(ctx, id)
		if err != nil {
			return err
		}
		changed, err := tx.AcknowledgeBreakGlass(ctx, id, act.UserID)
		if err != nil || !changed {
			return err
		}
		return tx.AppendAudit(ctx, residentEntry(act, audit.BreakGlassAck, "break_glass", id, g.ResidentID))
	})
}

package app

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"time"
	_ "time/tzdata" // Asia/Tokyo without the system's zoneinfo

	"github.com/renrakucho/renrakucho/internal/audit"
	"github.com/renrakucho/renrakucho/internal/care"
	"github.com/renrakucho/renrakucho/internal/realtime"
	"github.com/renrakucho/renrakucho/internal/store"
)

// jst is Japan's time zone: dates people type ("today", "not in the
// future") are Japan's dates (DESIGN §3.14).
var jst = func() *time.Location {
	loc, err := time.LoadLocation("Asia/Tokyo")
	if err != nil {
		panic(err)
	}
	return loc
}()

// today returns today's date in Japan as midnight UTC, the form care's
// validators compare parsed YYYY-MM-DD dates with.
func (a *App) today() time.Time {
	y, m, d := a.db.Now().In(jst).Date()
	return time.Date(y, m, d, 0, 0, 0, 0, time.UTC)
}

// mayAccess is the contact book's access rule (DESIGN §2.1), the one
// place it is decided: an active user who is an active member of the
// resident's care team, and either the resident has an active consent or
// the user belongs to the resident's owning facility. (The tenant is
// active: sessions guarantee it.)
//
// A running break-glass grant (DESIGN §3.15) opens the one resident to the
// user outside the team and the consent rule; m.BreakGlass is true only
// until the grant's expiry, compared with the transaction's clock, so the
// access ends by itself. See breakglass.go for what it allows.
func mayAccess(r care.Resident, m store.Member) bool {
	return m.UserActive && (m.Status == care.TeamActive && (r.ConsentActive || m.InFacility) || m.BreakGlass)
}

// residentAccess loads a resident the actor may access, or returns
// NotFound("resident") exactly as for a resident that does not exist. With
// write, a resident whose sharing ended is a conflict (read-only).
func (a *App) residentAccess(ctx context.Context, tx *store.Tx, act care.Actor, residentID string, write bool) (care.Resident, error) {
	r, m, err := tx.ResidentFor(ctx, residentID, act.UserID)
	if err != nil {
		return care.Resident{}, err
	}
	if !mayAccess(r, m) {
		return care.Resident{}, care.NotFound("resident")
	}
	mode := accessRead
	if write {
		mode = accessWrite
	}
	if err := a.breakGlassUse(ctx, tx, act, r, m, mode); err != nil {
		return care.Resident{}, err
	}
	if write && r.Ended() {
		return care.Resident{}, care.Errorf(care.EConflict, "error.resident_ended")
	}
	return r, nil
}

// teamWithAccess returns the resident's team members who may access it.
func teamWithAccess(r care.Resident, team []store.Member) []care.TeamMember {
	var out []care.TeamMember
	for _, m := range team {
		if mayAccess(r, m) {
			out = append(out, m.TeamMember)
		}
	}
	return out
}

// residentAudience returns the users a live event about the resident may
// reach: the team members who may access it.
func (a *App) residentAudience(ctx context.Context, tx *store.Tx, r care.Resident) ([]string, error) {
	team, err := tx.Team(ctx, r.ID)
	if err != nil {
		return nil, err
	}
	return memberIDs(teamWithAccess(r, team)), nil
}

func memberIDs(ms []care.TeamMember) []string {
	out := make([]string, 0, len(ms))
	for _, m := range ms {
		out = append(out, m.UserID)
	}
	return out
}

// publish sends a live event, after the transaction committed, to the
// audience and the actor.
func (a *App) publish(act care.Actor, audience []string, ev realtime.Event) {
	ev.UserID = act.UserID
	if ev.At.IsZero() {
		ev.At = a.db.Now()
	}
	if !slices.Contains(audience, act.UserID) {
		audience = append(audience, act.UserID)
	}
	a.hub.Publish(act.TenantID, audience, ev)
}

// residentEntry is an audit entry about a resident.
func residentEntry(act care.Actor, action audit.Action, targetType, targetID, residentID string) *audit.Entry {
	e := entry(act, action, targetType, targetID)
	e.ResidentID = residentID
	return e
}

// invalid adds a field error to err (nil or an EInvalid error).
func invalid(err error, field, key string) error {
	var e *care.Error
	if err == nil {
		return &care.Error{Code: care.EInvalid, Key: "error.invalid", Fields: []care.FieldError{{Field: field, Key: key}},
			Err: fmt.Errorf("invalid: %s: %s", field, key)}
	}
	if errors.As(err, &e) && e.Code == care.EInvalid {
		e.Fields = append(e.Fields, care.FieldError{Field: field, Key: key})
		return e
	}
	return err
}

// ResidentFilter narrows the member's resident list.
type ResidentFilter struct {
	Query      string // name or kana words
	FacilityID string
	CareLevel  care.CareLevel
	Ended      bool // the ended list instead of the active one
}

func (f ResidentFilter) store() store.ResidentFilter {
	return store.ResidentFilter{Query: f.Query, FacilityID: f.FacilityID, CareLevel: f.CareLevel, Ended: f.Ended}
}

// ResidentSummary is a resident in the member's list.
type ResidentSummary struct {
	care.Resident
	Unread   int
	Urgent   int // unread urgent posts
	TeamSize int
}

// Residents lists the residents whose contact book the actor may use,
// newest activity first, with the actor's unread counts.
func (a *App) Residents(ctx context.Context, act care.Actor, f ResidentFilter) ([]ResidentSummary, error) {
	if err := require(act, care.ActContactBook); err != nil {
		return nil, err
	}
	out := []ResidentSummary{}
	err := a.readTenant(ctx, act, func(tx *store.Tx) error {
		rows, err := tx.MemberResidents(ctx, act.UserID, care.TeamActive, f.store())
		if err != nil {
			return err
		}
		var ids []string
		for _, row := range rows {
			if mayAccess(row.Resident, row.Member) {
				out = append(out, ResidentSummary{Resident: row.Resident, TeamSize: row.TeamSize})
				ids = append(ids, row.ID)
			}
		}
		counts, err := tx.UnreadCounts(ctx, act.UserID, ids)
		if err != nil {
			return err
		}
		for i := range out {
			c := counts[out[i].ID]
			out[i].Unread, out[i].Urgent = c.Posts, c.Urgent
		}
		return nil
	})
	return out, err
}

// CreateResident registers a resident owned by one of the actor's
// facilities; the actor becomes the first active member of the care team.
func (a *App) CreateResident(ctx context.Context, act care.Actor, in care.ResidentInput) (care.Resident, error) {
	if err := require(act, care.ActResidentCreate); err != nil {
		return care.Resident{}, err
	}
	err := in.Validate(a.today())
	switch {
	case in.FacilityID == "" && len(act.Facilities) == 0:
		err = invalid(err, "facility_id", "error.required")
	case in.FacilityID == "":
		in.FacilityID = act.Facilities[0]
	case !act.InFacility(in.FacilityID):
		err = invalid(err, "facility_id", "error.facility_unknown")
	}
	if err != nil {
		return care.Resident{}, err
	}
	r := care.Resident{FacilityID: in.FacilityID, Name: in.Name, Kana: in.Kana, BirthDate: in.BirthDate, Sex: in.Sex,
		Address: in.Address, Phone: in.Phone, CareLevel: in.CareLevel, Child: in.Child, Disability: in.Disability,
		KeyPerson: in.KeyPerson, Notes: in.Notes, CreatedBy: act.UserID}
	err = a.inTenant(ctx, act, func(tx *store.Tx) error {
		if err := tx.CreateResident(ctx, &r); err != nil {
			return err
		}
		now := tx.Now()
		if err := tx.PutTeamMember(ctx, care.TeamMember{ResidentID: r.ID, UserID: act.UserID, Status: care.TeamActive,
			InvitedBy: act.UserID, CreatedAt: now, JoinedAt: &now}); err != nil {
			return err
		}
		return tx.AppendAudit(ctx, residentEntry(act, audit.ResidentCreate, "resident", r.ID, r.ID))
	})
	if err != nil {
		return care.Resident{}, err
	}
	return r, nil
}

// ResidentPage is what the resident page shows.
type ResidentPage struct {
	Resident care.Resident
	Consents []care.Consent
	Team     []care.TeamMember // every team row, all statuses, by kana
	Summary  Summary
	MyStatus care.TeamStatus
}

// Summary is the resident summary built from structured posts.
type Summary struct {
	Diagnoses, Medications string
	LatestHandover         *care.Post
	LatestMedication       *care.Post
	LatestVisit            *care.Post
}

// Resident returns the resident page; the view is audited.
func (a *App) Resident(ctx context.Context, act care.Actor, id string) (ResidentPage, error) {
	if err := require(act, care.ActContactBook); err != nil {
		return ResidentPage{}, err
	}
	var p ResidentPage
	err := a.inTenant(ctx, act, func(tx *store.Tx) error {
		var err error
		if p.Resident, err = a.residentAccess(ctx, tx, act, id, false); err != nil {
			return err
		}
		p.MyStatus = care.TeamActive
		if p.Consents, err = tx.Consents(ctx, id); err != nil {
			return err
		}
		team, err := tx.Team(ctx, id)
		if err != nil {
			return err
		}
		for _, m := range team {
			p.Team = append(p.Team, m.TeamMember)
		}
		if p.Summary, err = summary(ctx, tx, act, id); err != nil {
			return err
		}
		return tx.AppendAudit(ctx, residentEntry(act, audit.ResidentView, "resident", id, id))
	})
	return p, err
}

// summary builds the resident summary from the latest structured posts:
// the newest handover and visit report, the newest medication change for
// the medications, and the newest medication change naming diagnoses.
func summary(ctx context.Context, tx *store.Tx, act care.Actor, residentID string) (Summary, error) {
	var s Summary
	latest := func(t care.Template, n int) ([]care.Post, error) {
		return tx.LatestTemplatePosts(ctx, residentID, t, n, act.UserID)
	}
	ps, err := latest(care.TemplateHandover, 1)
	if err != nil {
		return s, err
	}
	if len(ps) > 0 {
		s.LatestHandover = &ps[0]
	}
	if ps, err = latest(care.TemplateVisit, 1); err != nil {
		return s, err
	}
	if len(ps) > 0 {
		s.LatestVisit = &ps[0]
	}
	if ps, err = latest(care.TemplateMedication, 20); err != nil {
		return s, err
	}
	if len(ps) > 0 {
		s.LatestMedication = &ps[0]
		s.Medications = ps[0].Fields["medications"]
	}
	for _, p := range ps {
		if d := p.Fields["diagnoses"]; d != "" {
			s.Diagnoses = d
			break
		}
	}
	return s, nil
}

// UpdateResident changes a resident's profile. in.Version must be the
// stored version: a change made against an older one is a conflict
// (error.stale), never a silent overwrite.
func (a *App) UpdateResident(ctx context.Context, act care.Actor, id string, in care.ResidentInput) (care.Resident, error) {
	if err := require(act, care.ActContactBook); err != nil {
		return care.Resident{}, err
	}
	if err := in.Validate(a.today()); err != nil {
		return care.Resident{}, err
	}
	var r care.Resident
	err := a.inTenant(ctx, act, func(tx *store.Tx) error {
		var err error
		if r, err = a.residentAccess(ctx, tx, act, id, true); err != nil {
			return err
		}
		if in.Version != r.Version {
			return &care.Error{Code: care.EConflict, Key: "error.stale", Field: "version"}
		}
		r.Name, r.Kana, r.BirthDate, r.Sex, r.Address, r.Phone = in.Name, in.Kana, in.BirthDate, in.Sex, in.Address, in.Phone
		r.CareLevel, r.Child, r.Disability, r.KeyPerson, r.Notes = in.CareLevel, in.Child, in.Disability, in.KeyPerson, in.Notes
		if err := tx.UpdateResident(ctx, &r); err != nil {
			return err
		}
		return tx.AppendAudit(ctx, residentEntry(act, audit.ResidentUpdate, "resident", id, id))
	})
	if err != nil {
		return care.Resident{}, err
	}
	return r, nil
}

// EndResident ends a resident's sharing: the contact book becomes
// read-only and the resident moves to the ended list.
func (a *App) EndResident(ctx context.Context, act care.Actor, id string, in care.EndInput) error {
	if err := require(act, care.ActContactBook); err != nil {
		return err
	}
	if err := in.Validate(a.today()); err != nil {
		return err
	}
	var audience []string
	err := a.inTenant(ctx, act, func(tx *store.Tx) error {
		r, err := a.residentAccess(ctx, tx, act, id, true)
		if err != nil {
			return err
		}
		if audience, err = a.residentAudience(ctx, tx, r); err != nil {
			return err
		}
		if err := tx.EndResident(ctx, id, in); err != nil {
			return err
		}
		e := residentEntry(act, audit.ResidentEnd, "resident", id, id)
		e.Detail = "reason " + string(in.Reason) + ", date " + in.Date
		return tx.AppendAudit(ctx, e)
	})
	if err != nil {
		return err
	}
	a.publish(act, audience, realtime.Event{Kind: "team.changed", ResidentID: id})
	return nil
}

// RegisterEntry is one line of the admins' resident register: never posts.
type RegisterEntry struct {
	Resident      care.Resident
	ConsentActive bool
	Team          []care.TeamMember // active and invited members
}

// ResidentRegister lists the resident register for admins on the admin
// listener: a tenant admin sees every resident, a facility admin those of
// their facilities. Names, consent state and team, never posts; the
// listing is audited.
func (a *App) ResidentRegister(ctx context.Context, act care.Actor, f ResidentFilter) ([]RegisterEntry, error) {
	if err := require(act, care.ActResidentRegister); err != nil {
		return nil, err
	}
	sf := f.store()
	if act.Role != care.RoleTenantAdmin {
		sf.Facilities = append([]string{}, act.Facilities...)
	}
	out := []RegisterEntry{}
	err := a.inTenant(ctx, act, func(tx *store.Tx) error {
		rs, err := tx.Residents(ctx, sf)
		if err != nil {
			return err
		}
		ids := make([]string, len(rs))
		for i, r := range rs {
			ids[i] = r.ID
		}
		teams, err := tx.Teams(ctx, ids)
		if err != nil {
			return err
		}
		for _, r := range rs {
			e := RegisterEntry{Resident: r, ConsentActive: r.ConsentActive}
			for _, m := range teams[r.ID] {
				if m.Status == care.TeamActive || m.Status == care.TeamInvited {
					e.Team = append(e.Team, m.TeamMember)
				}
			}
			out = append(out, e)
		}
		e := entry(act, audit.ResidentRegister, "resident", "")
		e.Detail = fmt.Sprintf("%d residents", len(rs))
		return tx.AppendAudit(ctx, e)
	})
	return out, err
}

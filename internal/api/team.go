package api

import (
	"net/http"
	"time"

	"github.com/renrakucho/renrakucho/internal/care"
	"github.com/renrakucho/renrakucho/internal/httpx"
)

// memberJSON is one member of a resident's care team.
type memberJSON struct {
	UserID     string          `json:"user_id"`
	Name       string          `json:"name"`
	Profession care.Profession `json:"profession"`
	Facilities []string        `json:"facilities"`
	Status     care.TeamStatus `json:"status"`
	InvitedBy  string          `json:"invited_by"`
	JoinedAt   *time.Time      `json:"joined_at"`
}

func renderMember(m care.TeamMember) memberJSON {
	return memberJSON{UserID: m.UserID, Name: m.Name, Profession: m.Profession, Facilities: strs(m.Facilities),
		Status: m.Status, InvitedBy: m.InvitedBy, JoinedAt: utcPtr(m.JoinedAt)}
}

// invitationJSON is a resident the caller is invited to look after: the
// name only, until the caller accepts.
type invitationJSON struct {
	ResidentID string `json:"resident_id"`
	Name       string `json:"name"`
	Kana       string `json:"kana"`
}

func renderInvitation(r care.Resident) invitationJSON {
	return invitationJSON{ResidentID: r.ID, Name: r.Name, Kana: r.Kana}
}

type inviteIn struct {
	UserID string `json:"user_id"`
}

func (a *API) team(w http.ResponseWriter, r *http.Request, act care.Actor) error {
	ms, err := a.app.Team(r.Context(), act, httpx.PathParam(r, "id"))
	if err != nil {
		return err
	}
	httpx.WriteJSON(w, http.StatusOK, newList(mapSlice(ms, renderMember)))
	return nil
}

// invite invites a user of the tenant to the team; the invitee accepts or
// declines.
func (a *API) invite(w http.ResponseWriter, r *http.Request, act care.Actor) error {
	var in inviteIn
	if err := a.decode(w, r, &in); err != nil {
		return err
	}
	if in.UserID == "" {
		return &care.Error{Code: care.EInvalid, Key: "error.required", Field: "user_id"}
	}
	m, err := a.app.Invite(r.Context(), act, httpx.PathParam(r, "id"), in.UserID)
	if err != nil {
		return err
	}
	httpx.WriteJSON(w, http.StatusCreated, renderMember(m))
	return nil
}

// teamChange answers 204 to a change of the caller's own membership.
func (a *API) teamChange(fn func(r *http.Request, act care.Actor, residentID string) error) actorFunc {
	return func(w http.ResponseWriter, r *http.Request, act care.Actor) error {
		if err := fn(r, act, httpx.PathParam(r, "id")); err != nil {
			return err
		}
		w.WriteHeader(http.StatusNoContent)
		return nil
	}
}

func (a *API) acceptInvitation(r *http.Request, act care.Actor, residentID string) error {
	return a.app.AcceptInvitation(r.Context(), act, residentID)
}

func (a *API) declineInvitation(r *http.Request, act care.Actor, residentID string) error {
	return a.app.DeclineInvitation(r.Context(), act, residentID)
}

func (a *API) leaveTeam(r *http.Request, act care.Actor, residentID string) error {
	return a.app.LeaveTeam(r.Context(), act, residentID)
}

// removeFromTeam removes another member from the team (logged).
func (a *API) removeFromTeam(w http.ResponseWriter, r *http.Request, act care.Actor) error {
	err := a.app.RemoveFromTeam(r.Context(), act, httpx.PathParam(r, "id"), httpx.PathParam(r, "uid"))
	if err != nil {
		return err
	}
	w.WriteHeader(http.StatusNoContent)
	return nil
}

// invitations lists the residents whose team the caller is invited to.
func (a *API) invitations(w http.ResponseWriter, r *http.Request, act care.Actor) error {
	rs, err := a.app.Invitations(r.Context(), act)
	if err != nil {
		return err
	}
	httpx.WriteJSON(w, http.StatusOK, newList(mapSlice(rs, renderInvitation)))
	return nil
}

package api

import (
	"net/http"
	"time"

	"github.com/renrakucho/renrakucho/internal/care"
	"github.com/renrakucho/renrakucho/internal/httpx"
)

// groupJSON is a board not tied to a resident, with its members' user IDs.
type groupJSON struct {
	ID          string    `json:"id"`
	Name        string    `json:"name"`
	Description string    `json:"description"`
	CreatedBy   string    `json:"created_by"`
	CreatedAt   time.Time `json:"created_at"`
	Members     []string  `json:"members"`
}

func renderGroup(g care.Group) groupJSON {
	return groupJSON{ID: g.ID, Name: g.Name, Description: g.Description, CreatedBy: g.CreatedBy,
		CreatedAt: g.CreatedAt.UTC(), Members: strs(g.Members)}
}

type groupIn struct {
	Name        string   `json:"name"`
	Description string   `json:"description"`
	Members     []string `json:"members"`
}

type membersIn struct {
	Add    []string `json:"add"`
	Remove []string `json:"remove"`
}

// maxMembersChange bounds the user IDs of one membership change.
const maxMembersChange = 200

// groups lists the groups the caller belongs to.
func (a *API) groups(w http.ResponseWriter, r *http.Request, act care.Actor) error {
	gs, err := a.app.Groups(r.Context(), act)
	if err != nil {
		return err
	}
	httpx.WriteJSON(w, http.StatusOK, newList(mapSlice(gs, renderGroup)))
	return nil
}

// createGroup creates a group; the caller is a member.
func (a *API) createGroup(w http.ResponseWriter, r *http.Request, act care.Actor) error {
	var in groupIn
	if err := a.decode(w, r, &in); err != nil {
		return err
	}
	if len(in.Members) > maxMembersChange {
		return &care.Error{Code: care.EInvalid, Key: "error.length", Field: "members"}
	}
	g, err := a.app.CreateGroup(r.Context(), act, care.GroupInput{Name: in.Name, Description: in.Description,
		Members: in.Members})
	if err != nil {
		return err
	}
	w.Header().Set("Location", "/api/v1/groups/"+g.ID)
	httpx.WriteJSON(w, http.StatusCreated, renderGroup(g))
	return nil
}

func (a *API) group(w http.ResponseWriter, r *http.Request, act care.Actor) error {
	g, err := a.app.Group(r.Context(), act, httpx.PathParam(r, "id"))
	if err != nil {
		return err
	}
	httpx.WriteJSON(w, http.StatusOK, renderGroup(g))
	return nil
}

// updateGroupMembers adds and removes members.
func (a *API) updateGroupMembers(w http.ResponseWriter, r *http.Request, act care.Actor) error {
	var in membersIn
	if err := a.decode(w, r, &in); err != nil {
		return err
	}
	var v care.Invalid
	if len(in.Add) > maxMembersChange {
		v.Add("add", "error.length")
	}
	if len(in.Remove) > maxMembersChange {
		v.Add("remove", "error.length")
	}
	if err := v.Err(); err != nil {
		return err
	}
	g, err := a.app.UpdateGroupMembers(r.Context(), act, httpx.PathParam(r, "id"), in.Add, in.Remove)
	if err != nil {
		return err
	}
	httpx.WriteJSON(w, http.StatusOK, renderGroup(g))
	return nil
}

// groupPosts is a group's board, newest first, a page at a time.
func (a *API) groupPosts(w http.ResponseWriter, r *http.Request, act care.Actor) error {
	before, limit, err := pageParams(r)
	if err != nil {
		return err
	}
	p, err := a.app.GroupPosts(r.Context(), act, httpx.PathParam(r, "id"), before, limit)
	if err != nil {
		return err
	}
	httpx.WriteJSON(w, http.StatusOK, renderPage(p))
	return nil
}

func (a *API) createGroupPost(w http.ResponseWriter, r *http.Request, act care.Actor) error {
	var in postIn
	if err := a.decode(w, r, &in); err != nil {
		return err
	}
	p, err := a.app.CreateGroupPost(r.Context(), act, httpx.PathParam(r, "id"), in.input())
	if err != nil {
		return err
	}
	writeCreatedPost(w, p)
	return nil
}

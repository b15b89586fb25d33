package web

import (
	"net/http"
	"net/url"

	"github.com/renrakucho/renrakucho/internal/app"
	"github.com/renrakucho/renrakucho/internal/care"
	"github.com/renrakucho/renrakucho/internal/httpx"
)

var (
	groupSpec = &formSpec{fields: []specField{
		{name: "name", label: "group.name"},
		{name: "description", label: "group.description"},
		{name: "members", label: "group.members"},
	}}
	groupMembersSpec = &formSpec{fields: []specField{
		{name: "add", label: "group.add"},
		{name: "remove", label: "group.remove"},
	}, alias: map[string]string{"members": "add"}}
)

func groupPath(act care.Actor, id string) string {
	return tenantPath(act.TenantSlug, "groups/"+url.PathEscape(id))
}

type groupsData struct {
	Tenant string
	Groups []care.Group
	// Unread are the boards' unread counts by data-badge-for key.
	Unread map[string]badge
}

// groups lists the boards the member belongs to.
func (w *Web) groups(rw http.ResponseWriter, r *http.Request, act care.Actor) error {
	gs, err := w.app.Groups(r.Context(), act)
	if err != nil {
		return err
	}
	ps, err := w.app.Unread(r.Context(), act)
	if err != nil {
		return err
	}
	d := groupsData{Tenant: act.TenantSlug, Groups: gs, Unread: map[string]badge{}}
	for _, b := range countBadges(ps) {
		d.Unread[b.Key] = b
	}
	return w.render(rw, r, http.StatusOK, pageGroups, view{Notice: noticeKey(r), Data: d})
}

type groupFormData struct {
	Tenant  string
	Members []Choice
}

// userChoices are the directory's users, named with their profession's
// label key beside the name; me is left out (a creator is a member).
func userChoices(us []care.User, me string) []Choice {
	var out []Choice
	for _, u := range us {
		if u.ID != me {
			out = append(out, Choice{Value: u.ID, Text: u.Name})
		}
	}
	return out
}

func (w *Web) renderGroupForm(rw http.ResponseWriter, r *http.Request, act care.Actor, status int, f *Form) error {
	us, err := w.app.Directory(r.Context(), act, app.UserFilter{})
	if err != nil {
		return err
	}
	return w.render(rw, r, status, pageGroupForm, view{Form: f,
		Data: groupFormData{Tenant: act.TenantSlug, Members: userChoices(us, act.UserID)}})
}

// newGroup shows an empty group form.
func (w *Web) newGroup(rw http.ResponseWriter, r *http.Request, act care.Actor) error {
	if !act.Can(care.ActGroupUse) {
		return care.Forbidden()
	}
	return w.renderGroupForm(rw, r, act, http.StatusOK, newForm(groupSpec, nil))
}

// createGroup creates a board; its creator is a member.
func (w *Web) createGroup(rw http.ResponseWriter, r *http.Request, act care.Actor) error {
	f, err := w.parseForm(rw, r, groupSpec)
	if err != nil {
		return err
	}
	g, err := w.app.CreateGroup(r.Context(), act, care.GroupInput{Name: f.Get("name"), Description: f.Get("description"),
		Members: f.Values["members"]})
	if err != nil {
		return refill(f, err, func(status int) error { return w.renderGroupForm(rw, r, act, status, f) })
	}
	return redirect(rw, r, groupPath(act, g.ID)+"?notice=created")
}

type groupData struct {
	Tenant   string
	Group    care.Group
	Timeline []postItem
	Older    string
	Paged    bool
	Compose  composeData
	// Members are the group's members as shown; Others are the users
	// who may be added.
	Members     []care.User
	Others      []Choice
	MembersForm *Form
}

// groupForms are the forms of a board's page.
type groupForms struct {
	post, members *Form
	template      care.Template
}

// group shows a board: its posts, the post form and its members.
func (w *Web) group(rw http.ResponseWriter, r *http.Request, act care.Actor) error {
	t := chosenTemplate(r.URL.Query().Get("template"))
	return w.renderGroup(rw, r, act, http.StatusOK, httpx.PathParam(r, "id"),
		groupForms{post: newPostForm(t, nil), members: newForm(groupMembersSpec, nil), template: t})
}

func (w *Web) renderGroup(rw http.ResponseWriter, r *http.Request, act care.Actor, status int, id string, forms groupForms) error {
	ctx := r.Context()
	g, err := w.app.Group(ctx, act, id)
	if err != nil {
		return err
	}
	before := ""
	if r.Method == http.MethodGet {
		before = r.URL.Query().Get("before")
	}
	tl, err := w.app.GroupPosts(ctx, act, id, before, timelineLimit)
	if err != nil {
		return err
	}
	us, err := w.app.Directory(ctx, act, app.UserFilter{})
	if err != nil {
		return err
	}
	base := groupPath(act, id)
	d := groupData{Tenant: act.TenantSlug, Group: g, Paged: before != "", MembersForm: forms.members}
	names := map[string]string{}
	var members []Choice
	for _, u := range us {
		names[u.ID] = u.Name
		if known(g.Members, u.ID) {
			d.Members = append(d.Members, u)
			if u.ID != act.UserID {
				members = append(members, Choice{Value: u.ID, Text: u.Name})
			}
		} else {
			d.Others = append(d.Others, Choice{Value: u.ID, Text: u.Name})
		}
	}
	d.Timeline = postItems(act, tl.Items, names, base)
	if tl.Next != "" {
		d.Older = base + "?before=" + url.QueryEscape(tl.Next) + "#timeline"
	}
	d.Compose = newCompose(base+"/posts", forms.post, forms.template, templateTabs(base, forms.template), members)
	d.Compose.Open = r.URL.Query().Get("compose") != ""
	return w.render(rw, r, status, pageGroup, view{Notice: noticeKey(r), Data: d})
}

// createGroupPost writes a post on a board.
func (w *Web) createGroupPost(rw http.ResponseWriter, r *http.Request, act care.Actor) error {
	f, t, err := w.parsePostForm(rw, r)
	if err != nil {
		return err
	}
	id := httpx.PathParam(r, "id")
	p, err := w.app.CreateGroupPost(r.Context(), act, id, postInput(f, t))
	if err != nil {
		return refill(f, err, func(status int) error {
			return w.renderGroup(rw, r, act, status, id, groupForms{post: f, members: newForm(groupMembersSpec, nil), template: t})
		})
	}
	return redirect(rw, r, groupPath(act, id)+"?notice=posted#post-"+url.PathEscape(p.ID))
}

// updateGroupMembers adds and removes a board's members.
func (w *Web) updateGroupMembers(rw http.ResponseWriter, r *http.Request, act care.Actor) error {
	f, err := w.parseForm(rw, r, groupMembersSpec)
	if err != nil {
		return err
	}
	id := httpx.PathParam(r, "id")
	if _, err := w.app.UpdateGroupMembers(r.Context(), act, id, f.Values["add"], f.Values["remove"]); err != nil {
		return refill(f, err, func(status int) error {
			return w.renderGroup(rw, r, act, status, id, groupForms{post: newPostForm("", nil), members: f})
		})
	}
	return redirect(rw, r, groupPath(act, id)+"?notice=saved#members")
}

// groupTimeline is a board's newest posts as a fragment.
func (w *Web) groupTimeline(rw http.ResponseWriter, r *http.Request, act care.Actor) error {
	tl, err := w.app.GroupPosts(r.Context(), act, httpx.PathParam(r, "id"), "", liveLimit)
	if err != nil {
		return err
	}
	us, err := w.app.Directory(r.Context(), act, app.UserFilter{})
	if err != nil {
		return err
	}
	names := map[string]string{}
	for _, u := range us {
		names[u.ID] = u.Name
	}
	return w.fragment(rw, r, "timeline_fragment", timelineFragment{Items: postItems(act, tl.Items, names, groupPath(act, httpx.PathParam(r, "id")))})
}

package app

import (
	"context"
	"fmt"
	"slices"
	"strings"

	"github.com/renrakucho/renrakucho/internal/audit"
	"github.com/renrakucho/renrakucho/internal/care"
	"github.com/renrakucho/renrakucho/internal/realtime"
	"github.com/renrakucho/renrakucho/internal/store"
)

// groupAccess returns NotFound("group") unless the actor is an active
// member of the group, exactly as for a group that does not exist.
func groupAccess(ctx context.Context, tx *store.Tx, act care.Actor, groupID string) error {
	member, active, err := tx.GroupFor(ctx, groupID, act.UserID)
	if err != nil {
		return err
	}
	if !member || !active {
		return care.NotFound("group")
	}
	return nil
}

// cleanIDs trims IDs and drops blanks and repeats.
func cleanIDs(ids []string) []string {
	var out []string
	for _, id := range ids {
		if id = strings.TrimSpace(id); id != "" && !slices.Contains(out, id) {
			out = append(out, id)
		}
	}
	return out
}

// checkActiveUsers returns an invalid "members" error unless every ID is
// an active user of the tenant.
func checkActiveUsers(ctx context.Context, tx *store.Tx, ids []string) error {
	users, err := tx.UserBriefs(ctx, ids)
	if err != nil {
		return err
	}
	for _, id := range ids {
		if !users[id].Active {
			return invalid(nil, "members", "error.choice")
		}
	}
	return nil
}

// Groups lists the groups the actor belongs to.
func (a *App) Groups(ctx context.Context, act care.Actor) ([]care.Group, error) {
	if err := require(act, care.ActGroupUse); err != nil {
		return nil, err
	}
	out := []care.Group{}
	err := a.readTenant(ctx, act, func(tx *store.Tx) error {
		if ok, err := actorActive(ctx, tx, act); !ok || err != nil {
			return err
		}
		gs, err := tx.UserGroups(ctx, act.UserID)
		if gs != nil {
			out = gs
		}
		return err
	})
	return out, err
}

// CreateGroup creates a board with members; the creator is one. Members
// must be active users of the tenant.
func (a *App) CreateGroup(ctx context.Context, act care.Actor, in care.GroupInput) (care.Group, error) {
	if err := require(act, care.ActGroupUse); err != nil {
		return care.Group{}, err
	}
	if err := in.Validate(); err != nil {
		return care.Group{}, err
	}
	members := cleanIDs(append([]string{act.UserID}, in.Members...))
	if len(members) > 1000 {
		return care.Group{}, invalid(nil, "members", "error.length")
	}
	g := care.Group{Name: in.Name, Description: in.Description, CreatedBy: act.UserID, Members: members}
	err := a.inTenant(ctx, act, func(tx *store.Tx) error {
		if err := checkActiveUsers(ctx, tx, members); err != nil {
			return err
		}
		if err := tx.CreateGroup(ctx, &g); err != nil {
			return err
		}
		e := entry(act, audit.GroupCreate, "group", g.ID)
		e.Detail = fmt.Sprintf("%d members", len(members))
		return tx.AppendAudit(ctx, e)
	})
	if err != nil {
		return care.Group{}, err
	}
	return g, nil
}

// Group returns a group the actor belongs to; the view is audited.
func (a *App) Group(ctx context.Context, act care.Actor, id string) (care.Group, error) {
	if err := require(act, care.ActGroupUse); err != nil {
		return care.Group{}, err
	}
	var g care.Group
	err := a.inTenant(ctx, act, func(tx *store.Tx) error {
		if err := groupAccess(ctx, tx, act, id); err != nil {
			return err
		}
		var err error
		if g, err = tx.Group(ctx, id); err != nil {
			return err
		}
		return tx.AppendAudit(ctx, entry(act, audit.GroupView, "group", id))
	})
	return g, err
}

// UpdateGroupMembers adds and removes members of a group the actor belongs
// to (removing oneself is leaving). Added members must be active users of
// the tenant; a group keeps at least one member.
func (a *App) UpdateGroupMembers(ctx context.Context, act care.Actor, id string, add, remove []string) (care.Group, error) {
	if err := require(act, care.ActGroupUse); err != nil {
		return care.Group{}, err
	}
	add, remove = cleanIDs(add), cleanIDs(remove)
	if len(add)+len(remove) > 1000 {
		return care.Group{}, invalid(nil, "members", "error.length")
	}
	var (
		g        care.Group
		audience []string
	)
	err := a.inTenant(ctx, act, func(tx *store.Tx) error {
		if err := groupAccess(ctx, tx, act, id); err != nil {
			return err
		}
		old, err := tx.Group(ctx, id)
		if err != nil {
			return err
		}
		if err := checkActiveUsers(ctx, tx, add); err != nil {
			return err
		}
		var added, removed int
		for _, u := range add {
			if !slices.Contains(old.Members, u) && !slices.Contains(remove, u) {
				if err := tx.AddGroupMember(ctx, id, u); err != nil {
					return err
				}
				added++
			}
		}
		for _, u := range remove {
			if slices.Contains(old.Members, u) {
				if err := tx.RemoveGroupMember(ctx, id, u); err != nil {
					return err
				}
				removed++
			}
		}
		if g, err = tx.Group(ctx, id); err != nil {
			return err
		}
		if len(g.Members) == 0 {
			return invalid(nil, "members", "error.required")
		}
		audience = append(slices.Clone(old.Members), g.Members...)
		e := entry(act, audit.GroupUpdate, "group", id)
		e.Detail = fmt.Sprintf("added %d, removed %d", added, removed)
		return tx.AppendAudit(ctx, e)
	})
	if err != nil {
		return care.Group{}, err
	}
	a.publish(act, audience, realtime.Event{Kind: "team.changed", GroupID: id})
	return g, nil
}

// GroupPosts returns a page of a group's board, newest first, like Posts.
func (a *App) GroupPosts(ctx context.Context, act care.Actor, groupID, before string, limit int) (PostPage, error) {
	if err := require(act, care.ActGroupUse); err != nil {
		return PostPage{}, err
	}
	if err := checkCursor(before); err != nil {
		return PostPage{}, err
	}
	limit = pageLimit(limit)
	var pg PostPage
	err := a.inTenant(ctx, act, func(tx *store.Tx) error {
		if err := groupAccess(ctx, tx, act, groupID); err != nil {
			return err
		}
		posts, err := tx.Posts(ctx, store.PostFilter{GroupID: groupID, Before: before, Limit: limit + 1}, act.UserID)
		if err != nil {
			return err
		}
		pg = page(posts, limit)
		e := entry(act, audit.GroupView, "group", groupID)
		e.Detail = timelineDetail(pg, before)
		return tx.AppendAudit(ctx, e)
	})
	return pg, err
}

// CreateGroupPost writes a post to a group's board. Addressees must be
// group members.
func (a *App) CreateGroupPost(ctx context.Context, act care.Actor, groupID string, in care.PostInput) (care.Post, error) {
	if err := require(act, care.ActGroupUse); err != nil {
		return care.Post{}, err
	}
	if err := validatePost(&in, a.today()); err != nil {
		return care.Post{}, err
	}
	var (
		p        care.Post
		audience []string
	)
	err := a.inTenant(ctx, act, func(tx *store.Tx) error {
		if err := groupAccess(ctx, tx, act, groupID); err != nil {
			return err
		}
		members, err := boardMembers(ctx, tx, care.Resident{}, groupID)
		if err != nil {
			return err
		}
		if p, err = a.writePost(ctx, tx, act, in, members, care.Post{GroupID: groupID}); err != nil {
			return err
		}
		audience = memberIDs(members)
		return tx.AppendAudit(ctx, postEntry(act, audit.PostCreate, p))
	})
	if err != nil {
		return care.Post{}, err
	}
	a.publish(act, audience, realtime.Event{Kind: "post.created", GroupID: groupID, PostID: p.ID, At: p.CreatedAt})
	return p, nil
}

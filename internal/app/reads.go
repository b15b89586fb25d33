package app

import (
	"context"

	"github.com/renrakucho/renrakucho/internal/audit"
	"github.com/renrakucho/renrakucho/internal/care"
	"github.com/renrakucho/renrakucho/internal/realtime"
	"github.com/renrakucho/renrakucho/internal/store"
)

// MarkRead records that the actor read the post. It is idempotent: the
// first read time is kept. A post's author has read it when writing it; no
// receipt is stored for them.
func (a *App) MarkRead(ctx context.Context, act care.Actor, postID string) (care.ReadReceipt, error) {
	if err := require(act, care.ActContactBook); err != nil {
		return care.ReadReceipt{}, err
	}
	var (
		rr       care.ReadReceipt
		p        care.Post
		created  bool
		audience []string
	)
	err := a.inTenant(ctx, act, func(tx *store.Tx) error {
		var (
			r   care.Resident
			err error
		)
		if p, r, err = a.postAccess(ctx, tx, act, postID, false); err != nil {
			return err
		}
		if p.AuthorID == act.UserID {
			rr = care.ReadReceipt{PostID: postID, UserID: act.UserID, ReadAt: p.CreatedAt, Name: act.Name}
			return nil
		}
		if rr, created, err = tx.MarkRead(ctx, postID, act.UserID); err != nil || !created {
			return err
		}
		members, err := boardMembers(ctx, tx, r, p.GroupID)
		if err != nil {
			return err
		}
		audience = memberIDs(members)
		return tx.AppendAudit(ctx, postEntry(act, audit.PostRead, p))
	})
	if err != nil {
		return care.ReadReceipt{}, err
	}
	rr.Name = act.Name
	if created {
		a.publish(act, audience, realtime.Event{Kind: "post.read", ResidentID: p.ResidentID, GroupID: p.GroupID, PostID: postID, At: rr.ReadAt})
	}
	return rr, nil
}

// Reads returns who has read the post (first read time, first reader
// first) and the board members who have not yet.
func (a *App) Reads(ctx context.Context, act care.Actor, postID string) ([]care.ReadReceipt, []care.TeamMember, error) {
	if err := require(act, care.ActContactBook); err != nil {
		return nil, nil, err
	}
	var (
		reads   []care.ReadReceipt
		notRead []care.TeamMember
	)
	// A write transaction: a use through a break-glass grant is audited.
	err := a.inTenant(ctx, act, func(tx *store.Tx) error {
		p, r, err := a.postAccess(ctx, tx, act, postID, false)
		if err != nil {
			return err
		}
		members, err := boardMembers(ctx, tx, r, p.GroupID)
		if err != nil {
			return err
		}
		reads, notRead, err = readState(ctx, tx, p, members)
		return err
	})
	return reads, notRead, err
}

// actorActive reports whether the actor's user still exists and is
// active: lists check it since they do not go through the access rule.
func actorActive(ctx context.Context, tx *store.Tx, act care.Actor) (bool, error) {
	u, err := tx.User(ctx, act.UserID)
	if care.ErrorCode(err) == care.ENotFound {
		return false, nil
	}
	return err == nil && u.Active, err
}

// visibleBoards returns the residents (current and ended) and groups whose
// posts the actor may see.
func visibleBoards(ctx context.Context, tx *store.Tx, act care.Actor) (residents, groups []string, err error) {
	if ok, err := actorActive(ctx, tx, act); !ok || err != nil {
		return nil, nil, err
	}
	rows, err := tx.MemberResidents(ctx, act.UserID, care.TeamActive, store.ResidentFilter{All: true})
	if err != nil {
		return nil, nil, err
	}
	for _, row := range rows {
		if mayAccess(row.Resident, row.Member) {
			residents = append(residents, row.ID)
		}
	}
	gs, err := tx.UserGroups(ctx, act.UserID)
	for _, g := range gs {
		groups = append(groups, g.ID)
	}
	return residents, groups, err
}

// Unread returns the actor's unread posts across the residents and groups
// they may see, newest first, at most 100.
func (a *App) Unread(ctx context.Context, act care.Actor) ([]care.Post, error) {
	if err := require(act, care.ActContactBook); err != nil {
		return nil, err
	}
	var out []care.Post
	err := a.readTenant(ctx, act, func(tx *store.Tx) error {
		residents, groups, err := visibleBoards(ctx, tx, act)
		if err != nil {
			return err
		}
		out, err = tx.UnreadPosts(ctx, act.UserID, residents, groups, maxLimit)
		return err
	})
	return out, err
}

package app

import (
	"context"

	"github.com/renrakucho/renrakucho/internal/audit"
	"github.com/renrakucho/renrakucho/internal/care"
	"github.com/renrakucho/renrakucho/internal/realtime"
	"github.com/renrakucho/renrakucho/internal/store"
)

// AddComment replies to a post of a resident's contact book or a group's
// board.
func (a *App) AddComment(ctx context.Context, act care.Actor, postID, body string) (care.Comment, error) {
	if err := require(act, care.ActContactBook); err != nil {
		return care.Comment{}, err
	}
	body, err := care.CheckCommentBody(body)
	if err != nil {
		return care.Comment{}, err
	}
	c := care.Comment{PostID: postID, AuthorID: act.UserID, AuthorName: act.Name, Body: body}
	var (
		p        care.Post
		audience []string
	)
	err = a.inTenant(ctx, act, func(tx *store.Tx) error {
		var (
			r   care.Resident
			err error
		)
		if p, r, err = a.postAccess(ctx, tx, act, postID, true); err != nil {
			return err
		}
		if p.Deleted() {
			return care.NotFound("post")
		}
		if err := tx.CreateComment(ctx, &c); err != nil {
			return err
		}
		if p.ResidentID != "" {
			if err := tx.TouchResident(ctx, p.ResidentID); err != nil {
				return err
			}
		}
		members, err := boardMembers(ctx, tx, r, p.GroupID)
		if err != nil {
			return err
		}
		audience = memberIDs(members)
		for _, m := range members {
			if m.UserID == act.UserID {
				c.AuthorName = m.Name
			}
		}
		e := residentEntry(act, audit.CommentCreate, "comment", c.ID, p.ResidentID)
		e.Detail = "post " + postID
		return tx.AppendAudit(ctx, e)
	})
	if err != nil {
		return care.Comment{}, err
	}
	a.publish(act, audience, realtime.Event{Kind: "comment.created", ResidentID: p.ResidentID, GroupID: p.GroupID, PostID: postID, At: c.CreatedAt})
	return c, nil
}

package app

import (
	"context"
	"fmt"
	"slices"
	"sort"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/renrakucho/renrakucho/internal/audit"
	"github.com/renrakucho/renrakucho/internal/care"
	"github.com/renrakucho/renrakucho/internal/realtime"
	"github.com/renrakucho/renrakucho/internal/store"
)

// Page sizes of timelines and lists.
const (
	defaultLimit = 50
	maxLimit     = 100
)

func pageLimit(n int) int {
	switch {
	case n <= 0:
		return defaultLimit
	case n > maxLimit:
		return maxLimit
	}
	return n
}

// pastFields are template dates that record what happened, so they cannot
// lie in the future (a next visit may).
var pastFields = []string{"visited_on", "changed_on"}

// validatePost checks a post against today's date in Japan.
func validatePost(in *care.PostInput, today time.Time) error {
	err := in.Validate(today)
	for _, name := range pastFields {
		if d, ok := care.ParseDate(in.Fields[name]); ok && d.After(today) {
			err = invalid(err, "fields."+name, "error.date_future")
		}
	}
	return err
}

// redact hides a deleted post's content: it stays stored (care records)
// but is shown as deleted.
func redact(p *care.Post) {
	if p.Deleted() {
		p.Body, p.Fields = "", nil
	}
}

// PostPage is one page of a timeline, newest first.
type PostPage struct {
	Items []care.Post
	Next  string // cursor for the next (older) page, "" at the end
}

func page(posts []care.Post, limit int) PostPage {
	pg := PostPage{Items: posts}
	if len(posts) > limit {
		pg.Items = posts[:limit]
		pg.Next = posts[limit-1].ID
	}
	for i := range pg.Items {
		redact(&pg.Items[i])
	}
	return pg
}

func checkCursor(before string) error {
	if len(before) > 64 || strings.ContainsFunc(before, func(r rune) bool { return r < 0x20 || r == '"' || r == '\\' }) {
		return invalid(nil, "before", "error.invalid")
	}
	return nil
}

// Posts returns a page of the resident's contact book, newest first: posts
// older than the cursor before ("" for the newest), at most limit (≤ 100,
// 50 by default), with the actor's read state.
func (a *App) Posts(ctx context.Context, act care.Actor, residentID string, before string, limit int) (PostPage, error) {
	if err := require(act, care.ActContactBook); err != nil {
		return PostPage{}, err
	}
	if err := checkCursor(before); err != nil {
		return PostPage{}, err
	}
	limit = pageLimit(limit)
	var pg PostPage
	// A write transaction: reading the timeline shows posts, and every view
	// of them is in the audit log (DESIGN §2.1, view log).
	err := a.inTenant(ctx, act, func(tx *store.Tx) error {
		if _, err := a.residentAccess(ctx, tx, act, residentID, false); err != nil {
			return err
		}
		posts, err := tx.Posts(ctx, store.PostFilter{ResidentID: residentID, Before: before, Limit: limit + 1}, act.UserID)
		if err != nil {
			return err
		}
		pg = page(posts, limit)
		e := entry(act, audit.ResidentView, "resident", residentID)
		e.ResidentID = residentID
		e.Detail = timelineDetail(pg, before)
		return tx.AppendAudit(ctx, e)
	})
	return pg, err
}

// boardMembers returns who may read a post's board: the resident's team
// members with access, or the group's active members.
func boardMembers(ctx context.Context, tx *store.Tx, r care.Resident, groupID string) ([]care.TeamMember, error) {
	if groupID == "" {
		team, err := tx.Team(ctx, r.ID)
		if err != nil {
			return nil, err
		}
		return teamWithAccess(r, team), nil
	}
	ms, err := tx.GroupMembers(ctx, groupID)
	if err != nil {
		return nil, err
	}
	var out []care.TeamMember
	for _, m := range ms {
		if m.Active {
			out = append(out, care.TeamMember{UserID: m.ID, Status: care.TeamActive, Name: m.Name, Kana: m.Kana, Profession: m.Profession})
		}
	}
	return out, nil
}

// checkAddressees normalises addressees (no blanks, no repeats) and checks
// each is on the board's members, or, when editing, was already addressed.
func checkAddressees(in []string, members []care.TeamMember, already []string) ([]string, error) {
	var out []string
	for _, id := range in {
		id = strings.TrimSpace(id)
		if id == "" || slices.Contains(out, id) {
			continue
		}
		if !slices.Contains(already, id) && !slices.ContainsFunc(members, func(m care.TeamMember) bool { return m.UserID == id }) {
			return nil, invalid(nil, "addressees", "error.not_team_member")
		}
		out = append(out, id)
	}
	return out, nil
}

// CreatePost writes a post to the resident's contact book. Addressees must
// be team members who may access it.
func (a *App) CreatePost(ctx context.Context, act care.Actor, residentID string, in care.PostInput) (care.Post, error) {
	if err := require(act, care.ActContactBook); err != nil {
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
		r, err := a.residentAccessToPost(ctx, tx, act, residentID)
		if err != nil {
			return err
		}
		members, err := boardMembers(ctx, tx, r, "")
		if err != nil {
			return err
		}
		p, err = a.writePost(ctx, tx, act, in, members, care.Post{ResidentID: residentID})
		if err != nil {
			return err
		}
		if err := tx.TouchResident(ctx, residentID); err != nil {
			return err
		}
		audience = memberIDs(members)
		return tx.AppendAudit(ctx, residentEntry(act, audit.PostCreate, "post", p.ID, residentID))
	})
	if err != nil {
		return care.Post{}, err
	}
	a.publish(act, audience, realtime.Event{Kind: "post.created", ResidentID: p.ResidentID, PostID: p.ID, At: p.CreatedAt})
	return p, nil
}

// writePost stores a new post on a board (p carries the resident or group).
func (a *App) writePost(ctx context.Context, tx *store.Tx, act care.Actor, in care.PostInput, members []care.TeamMember, p care.Post) (care.Post, error) {
	addressees, err := checkAddressees(in.Addressees, members, nil)
	if err != nil {
		return p, err
	}
	p.AuthorID, p.Category, p.Importance, p.Body = act.UserID, in.Category, in.Importance, in.Body
	p.Template, p.Fields, p.Addressees = in.Template, in.Fields, addressees
	if err := tx.CreatePost(ctx, &p); err != nil {
		return p, err
	}
	p.AuthorName = act.Name
	for _, m := range members {
		if m.UserID == act.UserID {
			p.AuthorName = m.Name
		}
	}
	return p, nil
}

// postAccess loads a post the actor may see: a resident's post under the
// contact book's access rule, a group's post for group members. Anything
// else is NotFound("post"). With write, a post of an ended resident is a
// conflict.
func (a *App) postAccess(ctx context.Context, tx *store.Tx, act care.Actor, postID string, write bool) (care.Post, care.Resident, error) {
	p, err := tx.Post(ctx, postID, act.UserID)
	if err != nil {
		return care.Post{}, care.Resident{}, err
	}
	var r care.Resident
	if p.ResidentID != "" {
		r, err = a.residentAccess(ctx, tx, act, p.ResidentID, write)
	} else {
		err = groupAccess(ctx, tx, act, p.GroupID)
	}
	if care.ErrorCode(err) == care.ENotFound {
		return care.Post{}, care.Resident{}, care.NotFound("post")
	}
	return p, r, err
}

// postEntry is an audit entry about a post.
func postEntry(act care.Actor, action audit.Action, p care.Post) *audit.Entry {
	e := residentEntry(act, action, "post", p.ID, p.ResidentID)
	if p.GroupID != "" {
		e.Detail = "group " + p.GroupID
	}
	return e
}

// PostDetail is what the post page shows.
type PostDetail struct {
	Post     care.Post
	Comments []care.Comment
	Versions []care.PostVersion // prior versions, oldest first
	Reads    []care.ReadReceipt
	NotRead  []care.TeamMember
}

// Post returns a post with its comments, prior versions and read state,
// and marks it read for the actor (the first read time is kept). The view
// is audited.
func (a *App) Post(ctx context.Context, act care.Actor, postID string) (PostDetail, error) {
	if err := require(act, care.ActContactBook); err != nil {
		return PostDetail{}, err
	}
	var (
		d        PostDetail
		read     bool
		audience []string
	)
	err := a.inTenant(ctx, act, func(tx *store.Tx) error {
		p, r, err := a.postAccess(ctx, tx, act, postID, false)
		if err != nil {
			return err
		}
		if p.AuthorID != act.UserID {
			if _, read, err = tx.MarkRead(ctx, postID, act.UserID); err != nil {
				return err
			}
			if read {
				p.ReadByMe = true
				p.ReadCount++
			}
		}
		if d.Comments, err = tx.Comments(ctx, postID); err != nil {
			return err
		}
		if d.Versions, err = tx.PostVersions(ctx, postID); err != nil {
			return err
		}
		members, err := boardMembers(ctx, tx, r, p.GroupID)
		if err != nil {
			return err
		}
		if d.Reads, d.NotRead, err = readState(ctx, tx, p, members); err != nil {
			return err
		}
		if p.Deleted() {
			for i := range d.Versions {
				d.Versions[i].Body, d.Versions[i].Fields = "", nil
			}
		}
		redact(&p)
		d.Post = p
		audience = memberIDs(members)
		if err := tx.AppendAudit(ctx, postEntry(act, audit.PostView, p)); err != nil {
			return err
		}
		if read {
			return tx.AppendAudit(ctx, postEntry(act, audit.PostRead, p))
		}
		return nil
	})
	if err != nil {
		return PostDetail{}, err
	}
	if read {
		a.publish(act, audience, realtime.Event{Kind: "post.read", ResidentID: d.Post.ResidentID, GroupID: d.Post.GroupID, PostID: postID})
	}
	return d, nil
}

// readState returns who has read the post, first reader first, and the
// board members (the author aside) who have not.
func readState(ctx context.Context, tx *store.Tx, p care.Post, members []care.TeamMember) ([]care.ReadReceipt, []care.TeamMember, error) {
	reads, err := tx.Reads(ctx, p.ID)
	if err != nil {
		return nil, nil, err
	}
	notRead := []care.TeamMember{}
	for _, m := range members {
		if m.UserID == p.AuthorID || slices.ContainsFunc(reads, func(r care.ReadReceipt) bool { return r.UserID == m.UserID }) {
			continue
		}
		notRead = append(notRead, m)
	}
	sort.SliceStable(notRead, func(i, j int) bool { return notRead[i].Kana < notRead[j].Kana })
	if reads == nil {
		reads = []care.ReadReceipt{}
	}
	return reads, notRead, nil
}

// UpdatePost changes a post; only its author may (error.not_author).
// in.Version must be the stored version: an edit made against an older one
// is a conflict (error.stale) and changes nothing. The replaced state is
// kept in the post's versions.
func (a *App) UpdatePost(ctx context.Context, act care.Actor, postID string, in care.PostInput) (care.Post, error) {
	if err := require(act, care.ActContactBook); err != nil {
		return care.Post{}, err
	}
	var (
		p        care.Post
		audience []string
	)
	err := a.inTenant(ctx, act, func(tx *store.Tx) error {
		prev, r, err := a.postAccess(ctx, tx, act, postID, true)
		if err != nil {
			return err
		}
		if prev.Deleted() {
			return care.NotFound("post")
		}
		if prev.AuthorID != act.UserID {
			return &care.Error{Code: care.EForbidden, Key: "error.not_author"}
		}
		in.Template = prev.Template // a post keeps its form
		if err := validatePost(&in, a.today()); err != nil {
			return err
		}
		if in.Version != prev.Version {
			return &care.Error{Code: care.EConflict, Key: "error.stale", Field: "version"}
		}
		members, err := boardMembers(ctx, tx, r, prev.GroupID)
		if err != nil {
			return err
		}
		p = prev
		if p.Addressees, err = checkAddressees(in.Addressees, members, prev.Addressees); err != nil {
			return err
		}
		p.Category, p.Importance, p.Body, p.Fields = in.Category, in.Importance, in.Body, in.Fields
		if err := tx.UpdatePost(ctx, &p, prev); err != nil {
			return err
		}
		audience = memberIDs(members)
		return tx.AppendAudit(ctx, postEntry(act, audit.PostUpdate, p))
	})
	if err != nil {
		return care.Post{}, err
	}
	a.publish(act, audience, realtime.Event{Kind: "post.updated", ResidentID: p.ResidentID, GroupID: p.GroupID, PostID: p.ID})
	return p, nil
}

// DeletePost soft-deletes the actor's own post with a reason (required):
// the post stays stored, shown as deleted.
func (a *App) DeletePost(ctx context.Context, act care.Actor, postID, reason string) error {
	if err := require(act, care.ActContactBook); err != nil {
		return err
	}
	reason = strings.TrimSpace(reason)
	switch n := utf8.RuneCountInString(reason); {
	case n == 0:
		return invalid(nil, "reason", "error.required")
	case n > 500:
		return invalid(nil, "reason", "error.length")
	}
	var (
		p        care.Post
		audience []string
	)
	err := a.inTenant(ctx, act, func(tx *store.Tx) error {
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
		if p.AuthorID != act.UserID {
			return &care.Error{Code: care.EForbidden, Key: "error.not_author"}
		}
		if err := tx.DeletePost(ctx, postID, act.UserID, reason); err != nil {
			return err
		}
		members, err := boardMembers(ctx, tx, r, p.GroupID)
		if err != nil {
			return err
		}
		audience = memberIDs(members)
		return tx.AppendAudit(ctx, postEntry(act, audit.PostDelete, p))
	})
	if err != nil {
		return err
	}
	a.publish(act, audience, realtime.Event{Kind: "post.deleted", ResidentID: p.ResidentID, GroupID: p.GroupID, PostID: postID})
	return nil
}

// timelineDetail names the posts a timeline page showed, for the view log.
func timelineDetail(pg PostPage, before string) string {
	d := "timeline"
	if before != "" {
		d += " before " + before
	}
	if n := len(pg.Items); n > 0 {
		d += fmt.Sprintf(": %d posts %s…%s", n, pg.Items[0].ID, pg.Items[n-1].ID)
	}
	return d
}

package store

import (
	"context"

	"github.com/renrakucho/renrakucho/internal/care"
)

// MarkRead records that the user read the post, keeping the first read
// time when there is one already; created says whether this was the first.
func (tx *Tx) MarkRead(ctx context.Context, postID, userID string) (rr care.ReadReceipt, created bool, err error) {
	res, err := tx.exec(ctx, `INSERT INTO read_receipts (tenant_id, post_id, user_id, read_at) VALUES (?, ?, ?, ?)
		ON CONFLICT (tenant_id, post_id, user_id) DO NOTHING`, tx.tenant, postID, userID, tx.now)
	if err != nil {
		return rr, false, wrap(err, "mark read")
	}
	n, _ := res.RowsAffected()
	rr = care.ReadReceipt{PostID: postID, UserID: userID}
	if err := tx.queryRow(ctx, `SELECT read_at FROM read_receipts WHERE tenant_id = ? AND post_id = ? AND user_id = ?`,
		tx.tenant, postID, userID).Scan(&rr.ReadAt); err != nil {
		return rr, false, wrap(err, "mark read")
	}
	rr.ReadAt = rr.ReadAt.UTC()
	return rr, n > 0, nil
}

// Reads lists a post's read receipts, first reader first, with each
// reader's name and profession.
func (tx *Tx) Reads(ctx context.Context, postID string) ([]care.ReadReceipt, error) {
	rows, err := tx.query(ctx, `SELECT rr.post_id, rr.user_id, rr.read_at, COALESCE(u.name, ''), COALESCE(u.profession, '')
		FROM read_receipts rr LEFT JOIN users u ON u.tenant_id = rr.tenant_id AND u.id = rr.user_id
		WHERE rr.tenant_id = ? AND rr.post_id = ? ORDER BY rr.read_at, rr.user_id`, tx.tenant, postID)
	if err != nil {
		return nil, wrap(err, "list reads")
	}
	defer rows.Close()
	var out []care.ReadReceipt
	for rows.Next() {
		var r care.ReadReceipt
		if err := rows.Scan(&r.PostID, &r.UserID, &r.ReadAt, &r.Name, &r.Profession); err != nil {
			return nil, wrap(err, "list reads")
		}
		r.ReadAt = r.ReadAt.UTC()
		out = append(out, r)
	}
	return out, wrap(rows.Err(), "list reads")
}

// Unread counts a user's unread posts in a contact book: live posts by
// others that the user has no read receipt for.
type Unread struct {
	Posts  int
	Urgent int
}

// UnreadCounts returns the user's unread counts for each of the residents
// that has any.
func (tx *Tx) UnreadCounts(ctx context.Context, userID string, residentIDs []string) (map[string]Unread, error) {
	out := map[string]Unread{}
	if len(residentIDs) == 0 {
		return out, nil
	}
	rows, err := tx.query(ctx, `SELECT p.resident_id, COUNT(*), SUM(CASE WHEN p.importance = 'urgent' THEN 1 ELSE 0 END)
		FROM posts p WHERE p.tenant_id = ? AND `+tx.dialect.inList("p.resident_id")+`
		AND p.author_id <> ? AND p.deleted_at IS NULL
		AND NOT EXISTS (SELECT 1 FROM read_receipts ur WHERE ur.tenant_id = p.tenant_id AND ur.post_id = p.id AND ur.user_id = ?)
		GROUP BY p.resident_id`, tx.tenant, jsonList(residentIDs), userID, userID)
	if err != nil {
		return nil, wrap(err, "unread counts")
	}
	defer rows.Close()
	for rows.Next() {
		var id string
		var u Unread
		if err := rows.Scan(&id, &u.Posts, &u.Urgent); err != nil {
			return nil, wrap(err, "unread counts")
		}
		out[id] = u
	}
	return out, wrap(rows.Err(), "unread counts")
}

// UnreadPosts returns the user's unread posts on the given residents'
// contact books and groups' boards, newest first.
func (tx *Tx) UnreadPosts(ctx context.Context, userID string, residentIDs, groupIDs []string, limit int) ([]care.Post, error) {
	if len(residentIDs) == 0 && len(groupIDs) == 0 {
		return []care.Post{}, nil
	}
	rows, err := tx.query(ctx, `SELECT `+postColumns+postFrom+` WHERE p.tenant_id = ? AND (`+
		tx.dialect.inList("p.resident_id")+` OR `+tx.dialect.inList("p.group_id")+`)
		AND p.author_id <> ? AND p.deleted_at IS NULL
		AND NOT EXISTS (SELECT 1 FROM read_receipts ur WHERE ur.tenant_id = p.tenant_id AND ur.post_id = p.id AND ur.user_id = ?)
		ORDER BY p.id DESC LIMIT ?`, userID, tx.tenant, jsonList(residentIDs), jsonList(groupIDs), userID, userID, limit)
	if err != nil {
		return nil, wrap(err, "unread posts")
	}
	return tx.scanPosts(ctx, rows, "unread posts")
}

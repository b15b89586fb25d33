package store

import (
	"context"
	"database/sql"

	"github.com/renrakucho/renrakucho/internal/care"
)

// CreateComment writes a reply to a post; it sets the ID and time.
func (tx *Tx) CreateComment(ctx context.Context, c *care.Comment) error {
	c.ID = NewID()
	c.CreatedAt = tx.now
	body, err := tx.seal(ctx, "comments", c.ID, "body", c.Body)
	if err != nil {
		return err
	}
	_, err = tx.exec(ctx, `INSERT INTO comments (tenant_id, id, post_id, author_id, body, created_at) VALUES (?, ?, ?, ?, ?, ?)`,
		tx.tenant, c.ID, c.PostID, c.AuthorID, body, c.CreatedAt)
	return wrap(err, "create comment")
}

// Comments lists a post's comments, oldest first, with the authors' names.
func (tx *Tx) Comments(ctx context.Context, postID string) ([]care.Comment, error) {
	rows, err := tx.query(ctx, `SELECT c.id, c.post_id, c.author_id, COALESCE(u.name, ''), c.body, c.created_at, c.deleted_at
		FROM comments c LEFT JOIN users u ON u.tenant_id = c.tenant_id AND u.id = c.author_id
		WHERE c.tenant_id = ? AND c.post_id = ? ORDER BY c.id`, tx.tenant, postID)
	if err != nil {
		return nil, wrap(err, "list comments")
	}
	defer rows.Close()
	var out []care.Comment
	for rows.Next() {
		var c care.Comment
		var deleted sql.NullTime
		var body []byte
		if err := rows.Scan(&c.ID, &c.PostID, &c.AuthorID, &c.AuthorName, &body, &c.CreatedAt, &deleted); err != nil {
			return nil, wrap(err, "list comments")
		}
		if c.Body, err = tx.open(ctx, "comments", c.ID, "body", body); err != nil {
			return nil, err
		}
		c.CreatedAt = c.CreatedAt.UTC()
		c.DeletedAt = timePtr(deleted)
		out = append(out, c)
	}
	return out, wrap(rows.Err(), "list comments")
}

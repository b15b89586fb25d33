package store

import (
	"bytes"
	"context"
	"database/sql"
	"encoding/json"
	"fmt"
	"time"

	"github.com/renrakucho/renrakucho/internal/care"
)

// postColumns reads a post (alias p, author u) with what lists show: the
// author's name, the comment count, the read count and whether the reader
// (the first parameter) has read it.
const postColumns = `p.id, p.resident_id, p.group_id, p.author_id, p.category, p.importance, p.body, p.template, p.fields,
	p.addressees, p.version, p.created_at, p.updated_at, p.deleted_at, p.deleted_by, p.delete_note, COALESCE(u.name, ''),
	(SELECT COUNT(*) FROM comments c WHERE c.tenant_id = p.tenant_id AND c.post_id = p.id AND c.deleted_at IS NULL),
	(SELECT COUNT(*) FROM read_receipts rc WHERE rc.tenant_id = p.tenant_id AND rc.post_id = p.id),
	EXISTS (SELECT 1 FROM read_receipts rm WHERE rm.tenant_id = p.tenant_id AND rm.post_id = p.id AND rm.user_id = ?)`

const postFrom = ` FROM posts p LEFT JOIN users u ON u.tenant_id = p.tenant_id AND u.id = p.author_id`

func scanPost(row interface{ Scan(...any) error }) (care.Post, error) {
	var p care.Post
	var fields, addressees string
	var deleted sql.NullTime
	err := row.Scan(&p.ID, &p.ResidentID, &p.GroupID, &p.AuthorID, &p.Category, &p.Importance, &p.Body, &p.Template, &fields,
		&addressees, &p.Version, &p.CreatedAt, &p.UpdatedAt, &deleted, &p.DeletedBy, &p.DeleteNote, &p.AuthorName,
		&p.CommentCount, &p.ReadCount, &p.ReadByMe)
	if err != nil {
		return p, err
	}
	p.CreatedAt, p.UpdatedAt = p.CreatedAt.UTC(), p.UpdatedAt.UTC()
	p.DeletedAt = timePtr(deleted)
	if p.Fields, err = decodeFields(fields); err != nil {
		return p, err
	}
	if addressees != "" {
		if err := json.Unmarshal([]byte(addressees), &p.Addressees); err != nil {
			return p, fmt.Errorf("post %s addressees: %w", p.ID, err)
		}
	}
	return p, nil
}

func scanPosts(rows *sql.Rows, what string) ([]care.Post, error) {
	defer rows.Close()
	out := []care.Post{}
	for rows.Next() {
		p, err := scanPost(rows)
		if err != nil {
			return nil, wrap(err, what)
		}
		out = append(out, p)
	}
	return out, wrap(rows.Err(), what)
}

// encodeJSON encodes v without HTML escaping, so stored text is what was
// written (and what search looks for); nil and empty encode as "".
func encodeJSON(v any, empty bool) (string, error) {
	if empty {
		return "", nil
	}
	var b bytes.Buffer
	enc := json.NewEncoder(&b)
	enc.SetEscapeHTML(false)
	if err := enc.Encode(v); err != nil {
		return "", err
	}
	return string(bytes.TrimRight(b.Bytes(), "\n")), nil
}

func encodeFields(f map[string]string) (string, error) { return encodeJSON(f, len(f) == 0) }

func decodeFields(s string) (map[string]string, error) {
	if s == "" {
		return nil, nil
	}
	var f map[string]string
	if err := json.Unmarshal([]byte(s), &f); err != nil {
		return nil, fmt.Errorf("post fields: %w", err)
	}
	return f, nil
}

// CreatePost writes a post with its addressees; it sets the ID, times and
// first version. The caller touches the resident's activity.
func (tx *Tx) CreatePost(ctx context.Context, p *care.Post) error {
	fields, err := encodeFields(p.Fields)
	if err != nil {
		return wrap(err, "create post")
	}
	addressees, err := encodeJSON(p.Addressees, len(p.Addressees) == 0)
	if err != nil {
		return wrap(err, "create post")
	}
	p.ID = NewID()
	p.CreatedAt, p.UpdatedAt = tx.now, tx.now
	p.Version = 1
	_, err = tx.exec(ctx, `INSERT INTO posts (tenant_id, id, resident_id, group_id, author_id, category, importance, body,
		template, fields, addressees, version, created_at, updated_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`,
		tx.tenant, p.ID, p.ResidentID, p.GroupID, p.AuthorID, p.Category, p.Importance, p.Body, p.Template, fields, addressees,
		p.Version, p.CreatedAt, p.UpdatedAt)
	if err != nil {
		return wrap(err, "create post")
	}
	return tx.addAddressees(ctx, p.ID, p.Addressees)
}

func (tx *Tx) setAddressees(ctx context.Context, postID string, users []string) error {
	if _, err := tx.exec(ctx, `DELETE FROM post_addressees WHERE tenant_id = ? AND post_id = ?`, tx.tenant, postID); err != nil {
		return wrap(err, "set addressees")
	}
	return tx.addAddressees(ctx, postID, users)
}

func (tx *Tx) addAddressees(ctx context.Context, postID string, users []string) error {
	for _, u := range users {
		if _, err := tx.exec(ctx, `INSERT INTO post_addressees (tenant_id, post_id, user_id) VALUES (?, ?, ?)`,
			tx.tenant, postID, u); err != nil {
			return wrap(err, "set addressees")
		}
	}
	return nil
}

// Post returns one post of the tenant as reader sees it in lists.
func (tx *Tx) Post(ctx context.Context, id, reader string) (care.Post, error) {
	p, err := scanPost(tx.queryRow(ctx, `SELECT `+postColumns+postFrom+` WHERE p.tenant_id = ? AND p.id = ?`,
		reader, tx.tenant, id))
	if err != nil {
		return care.Post{}, notFound(err, "post")
	}
	return p, nil
}

// PostFilter picks one timeline page: a resident's or a group's posts
// older than Before (a post ID; "" for the newest), at most Limit.
type PostFilter struct {
	ResidentID string
	GroupID    string
	Before     string
	Limit      int
}

// Posts returns a timeline page, newest first, as reader sees it. The
// index (tenant_id, resident_id|group_id, id) serves it whatever the
// length of the history.
func (tx *Tx) Posts(ctx context.Context, f PostFilter, reader string) ([]care.Post, error) {
	// One board's column only: a resident's posts have group_id '' and a
	// group's resident_id '', and naming both lets SQLite's planner pick the
	// other board's index and walk every post of the tenant.
	q := `SELECT ` + postColumns + postFrom + ` WHERE p.tenant_id = ? AND p.resident_id = ?`
	args := []any{reader, tx.tenant, f.ResidentID}
	if f.ResidentID == "" {
		q = `SELECT ` + postColumns + postFrom + ` WHERE p.tenant_id = ? AND p.group_id = ?`
		args = []any{reader, tx.tenant, f.GroupID}
	}
	if f.Before != "" {
		q += ` AND p.id < ?`
		args = append(args, f.Before)
	}
	q += ` ORDER BY p.id DESC LIMIT ?`
	args = append(args, f.Limit)
	rows, err := tx.query(ctx, q, args...)
	if err != nil {
		return nil, wrap(err, "list posts")
	}
	return scanPosts(rows, "list posts")
}

// LatestTemplatePosts returns a resident's newest live posts of a
// template, newest first.
func (tx *Tx) LatestTemplatePosts(ctx context.Context, residentID string, t care.Template, limit int, reader string) ([]care.Post, error) {
	rows, err := tx.query(ctx, `SELECT `+postColumns+postFrom+` WHERE p.tenant_id = ? AND p.resident_id = ?
		AND p.template = ? AND p.deleted_at IS NULL ORDER BY p.id DESC LIMIT ?`, reader, tx.tenant, residentID, t, limit)
	if err != nil {
		return nil, wrap(err, "latest template posts")
	}
	return scanPosts(rows, "latest template posts")
}

// UpdatePost replaces a post's content if prev.Version is still the stored
// version, keeping prev (the state being replaced) in post_versions with
// who wrote it and when; otherwise it is a conflict (error.stale) and
// nothing changes. p.Version and p.UpdatedAt are advanced.
func (tx *Tx) UpdatePost(ctx context.Context, p *care.Post, prev care.Post) error {
	fields, err := encodeFields(p.Fields)
	if err != nil {
		return wrap(err, "update post")
	}
	addressees, err := encodeJSON(p.Addressees, len(p.Addressees) == 0)
	if err != nil {
		return wrap(err, "update post")
	}
	res, err := tx.exec(ctx, `UPDATE posts SET category = ?, importance = ?, body = ?, fields = ?, addressees = ?,
		updated_at = ?, version = version + 1 WHERE tenant_id = ? AND id = ? AND version = ? AND deleted_at IS NULL`,
		p.Category, p.Importance, p.Body, fields, addressees, tx.now, tx.tenant, p.ID, prev.Version)
	if err != nil {
		return wrap(err, "update post")
	}
	if n, _ := res.RowsAffected(); n == 0 {
		return &care.Error{Code: care.EConflict, Key: "error.stale", Field: "version"}
	}
	prevFields, err := encodeFields(prev.Fields)
	if err != nil {
		return wrap(err, "update post")
	}
	// Only the author edits a post, so whoever wrote the replaced state is
	// the author; it was written when the post was last updated.
	if _, err := tx.exec(ctx, `INSERT INTO post_versions (tenant_id, post_id, version, category, importance, body, fields,
		edited_by, edited_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)`,
		tx.tenant, prev.ID, prev.Version, prev.Category, prev.Importance, prev.Body, prevFields, prev.AuthorID,
		prev.UpdatedAt.UTC()); err != nil {
		return wrap(err, "update post")
	}
	p.Version = prev.Version + 1
	p.UpdatedAt = tx.now
	return tx.setAddressees(ctx, p.ID, p.Addressees)
}

// PostVersions lists a post's prior versions, oldest first.
func (tx *Tx) PostVersions(ctx context.Context, postID string) ([]care.PostVersion, error) {
	rows, err := tx.query(ctx, `SELECT post_id, version, category, importance, body, fields, edited_by, edited_at
		FROM post_versions WHERE tenant_id = ? AND post_id = ? ORDER BY version`, tx.tenant, postID)
	if err != nil {
		return nil, wrap(err, "list post versions")
	}
	defer rows.Close()
	var out []care.PostVersion
	for rows.Next() {
		var v care.PostVersion
		var fields string
		if err := rows.Scan(&v.PostID, &v.Version, &v.Category, &v.Importance, &v.Body, &fields, &v.EditedBy, &v.EditedAt); err != nil {
			return nil, wrap(err, "list post versions")
		}
		v.EditedAt = v.EditedAt.UTC()
		if v.Fields, err = decodeFields(fields); err != nil {
			return nil, wrap(err, "list post versions")
		}
		out = append(out, v)
	}
	return out, wrap(rows.Err(), "list post versions")
}

// DeletePost soft-deletes a post with the reason; the row and its versions
// stay (care records). A post already deleted is not found.
func (tx *Tx) DeletePost(ctx context.Context, id, by, reason string) error {
	res, err := tx.exec(ctx, `UPDATE posts SET deleted_at = ?, deleted_by = ?, delete_note = ?, version = version + 1
		WHERE tenant_id = ? AND id = ? AND deleted_at IS NULL`, tx.now, by, reason, tx.tenant, id)
	if err != nil {
		return wrap(err, "delete post")
	}
	if n, _ := res.RowsAffected(); n == 0 {
		return care.NotFound("post")
	}
	return nil
}

// SearchFilter narrows a search. Every word must occur (case-insensitively
// where the engine can) in the post's body, its fields or one of its
// comments. ResidentIDs and GroupIDs are the boards the searcher may see:
// nothing outside them is returned.
type SearchFilter struct {
	Words       []string
	ResidentIDs []string
	GroupIDs    []string
	Category    care.Category
	Importance  care.Importance
	AuthorID    string
	From, To    time.Time // created_at in [From, To); zero: open
	Limit       int
}

// SearchPosts returns live posts matching the filter, newest first.
func (tx *Tx) SearchPosts(ctx context.Context, f SearchFilter, reader string) ([]care.Post, error) {
	if len(f.ResidentIDs) == 0 && len(f.GroupIDs) == 0 {
		return []care.Post{}, nil
	}
	q := `SELECT ` + postColumns + postFrom + ` WHERE p.tenant_id = ? AND p.deleted_at IS NULL AND (` +
		tx.dialect.inList("p.resident_id") + ` OR ` + tx.dialect.inList("p.group_id") + `)`
	args := []any{reader, tx.tenant, jsonList(f.ResidentIDs), jsonList(f.GroupIDs)}
	for _, w := range f.Words {
		like := "%" + escapeLike(w) + "%"
		q += ` AND (LOWER(p.body) LIKE LOWER(?) ESCAPE '\' OR ` + tx.dialect.fieldValueLike() + `
			OR EXISTS (SELECT 1 FROM comments sc WHERE sc.tenant_id = p.tenant_id AND sc.post_id = p.id
				AND sc.deleted_at IS NULL AND LOWER(sc.body) LIKE LOWER(?) ESCAPE '\'))`
		args = append(args, like, like, like)
	}
	if f.Category != "" {
		q += ` AND p.category = ?`
		args = append(args, f.Category)
	}
	if f.Importance != "" {
		q += ` AND p.importance = ?`
		args = append(args, f.Importance)
	}
	if f.AuthorID != "" {
		q += ` AND p.author_id = ?`
		args = append(args, f.AuthorID)
	}
	if !f.From.IsZero() {
		q += ` AND p.created_at >= ?`
		args = append(args, f.From.UTC())
	}
	if !f.To.IsZero() {
		q += ` AND p.created_at < ?`
		args = append(args, f.To.UTC())
	}
	q += ` ORDER BY p.id DESC LIMIT ?`
	args = append(args, f.Limit)
	rows, err := tx.query(ctx, q, args...)
	if err != nil {
		return nil, wrap(err, "search posts")
	}
	return scanPosts(rows, "search posts")
}

// fieldValueLike is the condition "one of the post's (alias p) field values
// is LIKE the parameter": values only, so neither the JSON syntax nor the
// field names (next_visit…) match a search.
func (d dialect) fieldValueLike() string {
	if d.name == "postgres" {
		return `EXISTS (SELECT 1 FROM jsonb_each_text(CAST(NULLIF(p.fields, '') AS jsonb)) fv
			WHERE LOWER(fv.value) LIKE LOWER(?) ESCAPE '\')`
	}
	return `EXISTS (SELECT 1 FROM json_each(NULLIF(p.fields, '')) fv WHERE LOWER(fv.value) LIKE LOWER(?) ESCAPE '\')`
}

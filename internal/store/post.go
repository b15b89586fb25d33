package store

import (
	"bytes"
	"context"
	"database/sql"
	"encoding/json"
	"fmt"
	"strconv"
	"strings"
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

// scanPost reads postColumns and opens the sealed texts.
func (tx *Tx) scanPost(ctx context.Context, row interface{ Scan(...any) error }) (care.Post, error) {
	var p care.Post
	var body, fields, note []byte
	var addressees string
	var deleted sql.NullTime
	err := row.Scan(&p.ID, &p.ResidentID, &p.GroupID, &p.AuthorID, &p.Category, &p.Importance, &body, &p.Template, &fields,
		&addressees, &p.Version, &p.CreatedAt, &p.UpdatedAt, &deleted, &p.DeletedBy, &note, &p.AuthorName,
		&p.CommentCount, &p.ReadCount, &p.ReadByMe)
	if err != nil {
		return p, err
	}
	p.CreatedAt, p.UpdatedAt = p.CreatedAt.UTC(), p.UpdatedAt.UTC()
	p.DeletedAt = timePtr(deleted)
	var fieldsText string
	o := tx.opener(ctx, "posts", p.ID)
	o.into("body", body, &p.Body)
	o.into("fields", fields, &fieldsText)
	o.into("delete_note", note, &p.DeleteNote)
	if o.err != nil {
		return p, o.err
	}
	if p.Fields, err = decodeFields(fieldsText); err != nil {
		return p, err
	}
	if addressees != "" {
		if err := json.Unmarshal([]byte(addressees), &p.Addressees); err != nil {
			return p, fmt.Errorf("post %s addressees: %w", p.ID, err)
		}
	}
	return p, nil
}

func (tx *Tx) scanPosts(ctx context.Context, rows *sql.Rows, what string) ([]care.Post, error) {
	defer rows.Close()
	out := []care.Post{}
	for rows.Next() {
		p, err := tx.scanPost(ctx, rows)
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
	s := tx.sealer(ctx, "posts", p.ID)
	args := []any{tx.tenant, p.ID, p.ResidentID, p.GroupID, p.AuthorID, p.Category, p.Importance, s.v("body", p.Body),
		p.Template, s.v("fields", fields), addressees, p.Version, p.CreatedAt, p.UpdatedAt, s.v("delete_note", "")}
	if s.err != nil {
		return s.err
	}
	_, err = tx.exec(ctx, `INSERT INTO posts (tenant_id, id, resident_id, group_id, author_id, category, importance, body,
		template, fields, addressees, version, created_at, updated_at, delete_note)
		VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`, args...)
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
	p, err := tx.scanPost(ctx, tx.queryRow(ctx, `SELECT `+postColumns+postFrom+` WHERE p.tenant_id = ? AND p.id = ?`,
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
	return tx.scanPosts(ctx, rows, "list posts")
}

// LatestTemplatePosts returns a resident's newest live posts of a
// template, newest first.
func (tx *Tx) LatestTemplatePosts(ctx context.Context, residentID string, t care.Template, limit int, reader string) ([]care.Post, error) {
	rows, err := tx.query(ctx, `SELECT `+postColumns+postFrom+` WHERE p.tenant_id = ? AND p.resident_id = ?
		AND p.template = ? AND p.deleted_at IS NULL ORDER BY p.id DESC LIMIT ?`, reader, tx.tenant, residentID, t, limit)
	if err != nil {
		return nil, wrap(err, "latest template posts")
	}
	return tx.scanPosts(ctx, rows, "latest template posts")
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
	s := tx.sealer(ctx, "posts", p.ID)
	args := []any{p.Category, p.Importance, s.v("body", p.Body), s.v("fields", fields), addressees, tx.now, tx.tenant, p.ID,
		prev.Version}
	if s.err != nil {
		return s.err
	}
	res, err := tx.exec(ctx, `UPDATE posts SET category = ?, importance = ?, body = ?, fields = ?, addressees = ?,
		updated_at = ?, version = version + 1 WHERE tenant_id = ? AND id = ? AND version = ? AND deleted_at IS NULL`, args...)
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
	vs := tx.sealer(ctx, "post_versions", prev.ID+"/"+strconv.Itoa(prev.Version))
	vargs := []any{tx.tenant, prev.ID, prev.Version, prev.Category, prev.Importance, vs.v("body", prev.Body),
		vs.v("fields", prevFields), prev.AuthorID, prev.UpdatedAt.UTC()}
	if vs.err != nil {
		return vs.err
	}
	if _, err := tx.exec(ctx, `INSERT INTO post_versions (tenant_id, post_id, version, category, importance, body, fields,
		edited_by, edited_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)`, vargs...); err != nil {
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
		var body, sealedFields []byte
		var fields string
		if err := rows.Scan(&v.PostID, &v.Version, &v.Category, &v.Importance, &body, &sealedFields, &v.EditedBy, &v.EditedAt); err != nil {
			return nil, wrap(err, "list post versions")
		}
		o := tx.opener(ctx, "post_versions", v.PostID+"/"+strconv.Itoa(v.Version))
		o.into("body", body, &v.Body)
		o.into("fields", sealedFields, &fields)
		if o.err != nil {
			return nil, o.err
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
	note, err := tx.seal(ctx, "posts", id, "delete_note", reason)
	if err != nil {
		return err
	}
	res, err := tx.exec(ctx, `UPDATE posts SET deleted_at = ?, deleted_by = ?, delete_note = ?, version = version + 1
		WHERE tenant_id = ? AND id = ? AND deleted_at IS NULL`, tx.now, by, note, tx.tenant, id)
	if err != nil {
		return wrap(err, "delete post")
	}
	if n, _ := res.RowsAffected(); n == 0 {
		return care.NotFound("post")
	}
	return nil
}

// SearchFilter narrows a search. Every word must occur, case-insensitively,
// in the post's body, one of its field values or one of its live
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

// SearchScan bounds how many posts, newest first, one search opens to
// look for its words: texts are sealed, so the words are matched here
// after opening, not by the database. The other conditions are the
// database's.
const SearchScan = 20000

// searchBatch is how many posts a search opens at a time.
const searchBatch = 200

// SearchPosts returns live posts matching the filter, newest first. With
// words, it looks through at most SearchScan posts.
func (tx *Tx) SearchPosts(ctx context.Context, f SearchFilter, reader string) ([]care.Post, error) {
	out := []care.Post{}
	if len(f.ResidentIDs) == 0 && len(f.GroupIDs) == 0 {
		return out, nil
	}
	q := `SELECT ` + postColumns + postFrom + ` WHERE p.tenant_id = ? AND p.deleted_at IS NULL AND (` +
		tx.dialect.inList("p.resident_id") + ` OR ` + tx.dialect.inList("p.group_id") + `)`
	args := []any{reader, tx.tenant, jsonList(f.ResidentIDs), jsonList(f.GroupIDs)}
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
	words := make([]string, len(f.Words))
	for i, w := range f.Words {
		words[i] = strings.ToLower(w)
	}
	batch := f.Limit
	if len(words) > 0 {
		batch = searchBatch
	}
	before := ""
	for scanned := 0; scanned < SearchScan; {
		page, pargs := q, args
		if before != "" {
			page += ` AND p.id < ?`
			pargs = append(pargs[:len(pargs):len(pargs)], before)
		}
		page += ` ORDER BY p.id DESC LIMIT ?`
		rows, err := tx.query(ctx, page, append(pargs[:len(pargs):len(pargs)], batch)...)
		if err != nil {
			return nil, wrap(err, "search posts")
		}
		posts, err := tx.scanPosts(ctx, rows, "search posts")
		if err != nil {
			return nil, err
		}
		scanned += len(posts)
		matched, err := tx.matchWords(ctx, posts, words)
		if err != nil {
			return nil, err
		}
		for _, p := range matched {
			if len(out) == f.Limit {
				return out, nil
			}
			out = append(out, p)
		}
		if len(posts) < batch || len(words) == 0 {
			break
		}
		before = posts[len(posts)-1].ID
	}
	return out, nil
}

// matchWords keeps the posts holding every word (lower-cased) in their
// body, field values or live comments.
func (tx *Tx) matchWords(ctx context.Context, posts []care.Post, words []string) ([]care.Post, error) {
	if len(words) == 0 {
		return posts, nil
	}
	texts := make(map[string][]string, len(posts))
	var ids []string
	for _, p := range posts {
		t := []string{strings.ToLower(p.Body)}
		for _, v := range p.Fields {
			t = append(t, strings.ToLower(v))
		}
		texts[p.ID] = t
		if p.CommentCount > 0 {
			ids = append(ids, p.ID)
		}
	}
	if len(ids) > 0 {
		rows, err := tx.query(ctx, `SELECT c.id, c.post_id, c.body FROM comments c WHERE c.tenant_id = ? AND `+
			tx.dialect.inList("c.post_id")+` AND c.deleted_at IS NULL`, tx.tenant, jsonList(ids))
		if err != nil {
			return nil, wrap(err, "search comments")
		}
		type sealedComment struct {
			id, post string
			body     []byte
		}
		var cs []sealedComment
		for rows.Next() {
			var c sealedComment
			if err := rows.Scan(&c.id, &c.post, &c.body); err != nil {
				rows.Close()
				return nil, wrap(err, "search comments")
			}
			cs = append(cs, c)
		}
		rows.Close()
		if err := rows.Err(); err != nil {
			return nil, wrap(err, "search comments")
		}
		for _, c := range cs {
			body, err := tx.open(ctx, "comments", c.id, "body", c.body)
			if err != nil {
				return nil, err
			}
			texts[c.post] = append(texts[c.post], strings.ToLower(body))
		}
	}
	var out []care.Post
	for _, p := range posts {
		if containsAll(texts[p.ID], words) {
			out = append(out, p)
		}
	}
	return out, nil
}

// containsAll reports whether every word occurs in one of the texts.
func containsAll(texts, words []string) bool {
	for _, w := range words {
		found := false
		for _, t := range texts {
			if strings.Contains(t, w) {
				found = true
				break
			}
		}
		if !found {
			return false
		}
	}
	return true
}

package store

import (
	"cmp"
	"context"
	"database/sql"
	"slices"
	"strings"

	"github.com/renrakucho/renrakucho/internal/care"
)

// spaceCond is the condition selecting one space's rows of a table
// aliased x; its arguments come from spaceArgs.
const spaceCond = `x.space = ? AND COALESCE(x.resident_id, '') = ? AND COALESCE(x.group_id, '') = ?`

func spaceArgs(s care.Space) []any {
	var r, g string
	switch s.Kind {
	case care.SpaceResident:
		r = s.ID
	case care.SpaceGroup:
		g = s.ID
	}
	return []any{string(s.Kind), r, g}
}

func spaceCols(s care.Space) (resident, group sql.NullString) {
	switch s.Kind {
	case care.SpaceResident:
		resident = sql.NullString{String: s.ID, Valid: true}
	case care.SpaceGroup:
		group = sql.NullString{String: s.ID, Valid: true}
	}
	return
}

func spaceOf(kind string, resident, group sql.NullString) care.Space {
	s := care.Space{Kind: care.SpaceKind(kind)}
	switch s.Kind {
	case care.SpaceResident:
		s.ID = resident.String
	case care.SpaceGroup:
		s.ID = group.String
	}
	return s
}

func nullID(s string) sql.NullString { return sql.NullString{String: s, Valid: s != ""} }

// FileLimits are a tenant's file settings and its usage.
type FileLimits struct {
	MaxBytes   int64    // largest upload
	QuotaBytes int64    // all blobs of the tenant together
	Types      []string // allowed kinds: pdf, image, office, text, csv, archive
	UsedBytes  int64    // sealed bytes stored now, trash included
}

// FileLimits returns the tenant's file settings and usage.
func (tx *Tx) FileLimits(ctx context.Context) (FileLimits, error) {
	var l FileLimits
	var types string
	err := tx.queryRow(ctx, `SELECT file_max_bytes, file_quota_bytes, file_types, file_bytes_used FROM tenants WHERE id = ?`, tx.tenant).
		Scan(&l.MaxBytes, &l.QuotaBytes, &types, &l.UsedBytes)
	if err != nil {
		return FileLimits{}, notFound(err, "tenant")
	}
	for _, t := range strings.Split(types, ",") {
		if t = strings.TrimSpace(t); t != "" {
			l.Types = append(l.Types, t)
		}
	}
	return l, nil
}

// SetFileLimits changes the tenant's size limit, quota and allowed kinds.
func (tx *Tx) SetFileLimits(ctx context.Context, maxBytes, quotaBytes int64, types []string) error {
	_, err := tx.exec(ctx, `UPDATE tenants SET file_max_bytes = ?, file_quota_bytes = ?, file_types = ? WHERE id = ?`,
		maxBytes, quotaBytes, strings.Join(types, ","), tx.tenant)
	return wrap(err, "set file limits")
}

// ReserveFileBytes adds n bytes to the tenant's usage if the quota allows
// it, in one conditional statement, so parallel uploads cannot pass the
// quota together. It reports whether the bytes fitted.
func (tx *Tx) ReserveFileBytes(ctx context.Context, n int64) (bool, error) {
	res, err := tx.exec(ctx, `UPDATE tenants SET file_bytes_used = file_bytes_used + ?
		WHERE id = ? AND file_bytes_used + ? <= file_quota_bytes`, n, tx.tenant, n)
	if err != nil {
		return false, wrap(err, "reserve file bytes")
	}
	k, err := res.RowsAffected()
	return k == 1, wrap(err, "reserve file bytes")
}

// ReleaseFileBytes takes n bytes off the tenant's usage.
func (tx *Tx) ReleaseFileBytes(ctx context.Context, n int64) error {
	_, err := tx.exec(ctx, `UPDATE tenants SET file_bytes_used = CASE WHEN file_bytes_used > ? THEN file_bytes_used - ? ELSE 0 END
		WHERE id = ?`, n, n, tx.tenant)
	return wrap(err, "release file bytes")
}

// CreateFolder writes a folder; it sets the ID and time.
func (tx *Tx) CreateFolder(ctx context.Context, f *care.Folder) error {
	f.ID = NewID()
	f.CreatedAt = tx.now
	r, g := spaceCols(f.Space)
	name, err := tx.seal(ctx, "file_folders", f.ID, "name", f.Name)
	if err != nil {
		return err
	}
	_, err = tx.exec(ctx, `INSERT INTO file_folders (tenant_id, id, space, resident_id, group_id, parent_id, name, created_by, created_at)
		VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)`, tx.tenant, f.ID, string(f.Space.Kind), r, g, nullID(f.ParentID), name, f.CreatedBy, f.CreatedAt)
	return wrap(err, "create folder")
}

const folderColumns = `x.id, x.space, x.resident_id, x.group_id, COALESCE(x.parent_id, ''), x.name, x.created_by, x.created_at, x.deleted_at`

// scanFolder reads folderColumns and opens the sealed name.
func (tx *Tx) scanFolder(ctx context.Context, row interface{ Scan(...any) error }) (care.Folder, error) {
	var f care.Folder
	var kind string
	var r, g sql.NullString
	var del sql.NullTime
	var name []byte
	if err := row.Scan(&f.ID, &kind, &r, &g, &f.ParentID, &name, &f.CreatedBy, &f.CreatedAt, &del); err != nil {
		return f, err
	}
	f.Space = spaceOf(kind, r, g)
	f.CreatedAt = f.CreatedAt.UTC()
	f.DeletedAt = timePtr(del)
	var err error
	f.Name, err = tx.open(ctx, "file_folders", f.ID, "name", name)
	return f, err
}

// Folder returns one folder that is not deleted.
func (tx *Tx) Folder(ctx context.Context, id string) (care.Folder, error) {
	f, err := tx.scanFolder(ctx, tx.queryRow(ctx, `SELECT `+folderColumns+` FROM file_folders x
		WHERE x.tenant_id = ? AND x.id = ? AND x.deleted_at IS NULL`, tx.tenant, id))
	if err != nil {
		return care.Folder{}, notFound(err, "folder")
	}
	return f, nil
}

// Folders lists a space's folders under parentID ("" for the top), by name.
func (tx *Tx) Folders(ctx context.Context, s care.Space, parentID string) ([]care.Folder, error) {
	args := append([]any{tx.tenant}, spaceArgs(s)...)
	args = append(args, parentID)
	rows, err := tx.query(ctx, `SELECT `+folderColumns+` FROM file_folders x
		WHERE x.tenant_id = ? AND `+spaceCond+` AND COALESCE(x.parent_id, '') = ? AND x.deleted_at IS NULL`, args...)
	if err != nil {
		return nil, wrap(err, "list folders")
	}
	defer rows.Close()
	out := []care.Folder{}
	for rows.Next() {
		f, err := tx.scanFolder(ctx, rows)
		if err != nil {
			return nil, wrap(err, "list folders")
		}
		out = append(out, f)
	}
	// By name; sealed, so sorted here.
	slices.SortFunc(out, func(a, b care.Folder) int {
		return cmp.Or(strings.Compare(a.Name, b.Name), strings.Compare(a.ID, b.ID))
	})
	return out, wrap(rows.Err(), "list folders")
}

// RenameFolder changes a folder's name.
func (tx *Tx) RenameFolder(ctx context.Context, id, name string) error {
	sealed, err := tx.seal(ctx, "file_folders", id, "name", name)
	if err != nil {
		return err
	}
	return one(tx.exec(ctx, `UPDATE file_folders SET name = ? WHERE tenant_id = ? AND id = ? AND deleted_at IS NULL`, sealed, tx.tenant, id))("folder")
}

// FolderEmpty reports whether a folder holds no live file or folder.
func (tx *Tx) FolderEmpty(ctx context.Context, id string) (bool, error) {
	var n int
	err := tx.queryRow(ctx, `SELECT (SELECT COUNT(*) FROM files WHERE tenant_id = ? AND folder_id = ? AND deleted_at IS NULL)
		+ (SELECT COUNT(*) FROM file_folders WHERE tenant_id = ? AND parent_id = ? AND deleted_at IS NULL)`,
		tx.tenant, id, tx.tenant, id).Scan(&n)
	return n == 0, wrap(err, "folder empty")
}

// DeleteFolder marks an (empty) folder deleted.
func (tx *Tx) DeleteFolder(ctx context.Context, id, by string) error {
	return one(tx.exec(ctx, `UPDATE file_folders SET deleted_at = ?, deleted_by = ? WHERE tenant_id = ? AND id = ? AND deleted_at IS NULL`,
		tx.now, by, tx.tenant, id))("folder")
}

// one turns an UPDATE's result into NotFound when it touched no row.
func one(res sql.Result, err error) func(what string) error {
	return func(what string) error {
		if err != nil {
			return wrap(err, "update "+what)
		}
		n, err := res.RowsAffected()
		if err != nil {
			return wrap(err, "update "+what)
		}
		if n == 0 {
			return care.NotFound(what)
		}
		return nil
	}
}

const fileColumns = `x.id, x.space, x.resident_id, x.group_id, COALESCE(x.folder_id, ''), x.name, x.version, v.size, v.content_type,
	v.thumb_key <> '', COALESCE(x.consent_id, ''), x.created_by, COALESCE(u.name, ''), x.created_at, x.updated_at, x.deleted_at, x.deleted_by`

const fileFrom = ` FROM files x JOIN file_versions v ON v.tenant_id = x.tenant_id AND v.file_id = x.id AND v.version_no = x.version
	LEFT JOIN users u ON u.tenant_id = x.tenant_id AND u.id = x.created_by `

// scanFile reads fileColumns (after extra) and opens the sealed name.
func (tx *Tx) scanFile(ctx context.Context, row interface{ Scan(...any) error }, extra ...any) (care.File, error) {
	var f care.File
	var kind string
	var r, g sql.NullString
	var del sql.NullTime
	var name []byte
	dest := append(extra, &f.ID, &kind, &r, &g, &f.FolderID, &name, &f.Version, &f.Size, &f.ContentType, &f.HasThumb,
		&f.ConsentID, &f.CreatedBy, &f.CreatedByName, &f.CreatedAt, &f.UpdatedAt, &del, &f.DeletedBy)
	if err := row.Scan(dest...); err != nil {
		return f, err
	}
	f.Space = spaceOf(kind, r, g)
	f.CreatedAt, f.UpdatedAt = f.CreatedAt.UTC(), f.UpdatedAt.UTC()
	f.DeletedAt = timePtr(del)
	var err error
	f.Name, err = tx.open(ctx, "files", f.ID, "name", name)
	return f, err
}

// byName sorts files by name (sealed, so here rather than in SQL).
func byName(fs []care.File) {
	slices.SortFunc(fs, func(a, b care.File) int { return cmp.Or(strings.Compare(a.Name, b.Name), strings.Compare(a.ID, b.ID)) })
}

func (tx *Tx) scanFiles(ctx context.Context, rows *sql.Rows, what string) ([]care.File, error) {
	defer rows.Close()
	out := []care.File{}
	for rows.Next() {
		f, err := tx.scanFile(ctx, rows)
		if err != nil {
			return nil, wrap(err, what)
		}
		out = append(out, f)
	}
	return out, wrap(rows.Err(), what)
}

// CreateFile writes a file with its first version; it sets the IDs and
// times (f.ID must be set already when the blob's seal names it).
func (tx *Tx) CreateFile(ctx context.Context, f *care.File, v *care.FileVersion) error {
	if f.ID == "" {
		f.ID = NewID()
	}
	f.CreatedAt, f.UpdatedAt, f.Version = tx.now, tx.now, 1
	r, g := spaceCols(f.Space)
	name, err := tx.seal(ctx, "files", f.ID, "name", f.Name)
	if err != nil {
		return err
	}
	if _, err := tx.exec(ctx, `INSERT INTO files (tenant_id, id, space, resident_id, group_id, folder_id, name, version, consent_id,
		created_by, created_at, updated_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`,
		tx.tenant, f.ID, string(f.Space.Kind), r, g, nullID(f.FolderID), name, 1, nullID(f.ConsentID), f.CreatedBy, tx.now, tx.now); err != nil {
		return wrap(err, "create file")
	}
	v.FileID, v.No = f.ID, 1
	if err := tx.insertVersion(ctx, v); err != nil {
		return err
	}
	f.Size, f.ContentType, f.HasThumb = v.Size, v.ContentType, v.ThumbKey != ""
	return nil
}

func (tx *Tx) insertVersion(ctx context.Context, v *care.FileVersion) error {
	v.UploadedAt = tx.now
	_, err := tx.exec(ctx, `INSERT INTO file_versions (tenant_id, file_id, version_no, blob_key, size, sealed_size, content_type, sha256,
		thumb_key, thumb_size, uploaded_by, uploaded_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`,
		tx.tenant, v.FileID, v.No, v.BlobKey, v.Size, v.SealedSize, v.ContentType, v.SHA256, v.ThumbKey, v.ThumbSize, v.UploadedBy, tx.now)
	return wrap(err, "create file version")
}

// NextVersionNo returns the number the file's next version takes.
func (tx *Tx) NextVersionNo(ctx context.Context, fileID string) (int, error) {
	var n int
	err := tx.queryRow(ctx, `SELECT COALESCE(MAX(version_no), 0) + 1 FROM file_versions WHERE tenant_id = ? AND file_id = ?`,
		tx.tenant, fileID).Scan(&n)
	return n, wrap(err, "next version")
}

// AddVersion writes a new version (v.No set by the caller from
// NextVersionNo) and makes it current.
func (tx *Tx) AddVersion(ctx context.Context, v *care.FileVersion) error {
	if err := tx.insertVersion(ctx, v); err != nil {
		return err
	}
	return tx.SetCurrentVersion(ctx, v.FileID, v.No)
}

// SetCurrentVersion makes version no of the file current (a restore).
func (tx *Tx) SetCurrentVersion(ctx context.Context, fileID string, no int) error {
	return one(tx.exec(ctx, `UPDATE files SET version = ?, updated_at = ? WHERE tenant_id = ? AND id = ? AND deleted_at IS NULL`,
		no, tx.now, tx.tenant, fileID))("file")
}

// File returns one file, deleted or not.
func (tx *Tx) File(ctx context.Context, id string) (care.File, error) {
	f, err := tx.scanFile(ctx, tx.queryRow(ctx, `SELECT `+fileColumns+fileFrom+`WHERE x.tenant_id = ? AND x.id = ?`, tx.tenant, id))
	if err != nil {
		return care.File{}, notFound(err, "file")
	}
	return f, nil
}

// Files lists the live files of a space's folder ("" for the top), by name.
func (tx *Tx) Files(ctx context.Context, s care.Space, folderID string) ([]care.File, error) {
	args := append([]any{tx.tenant}, spaceArgs(s)...)
	args = append(args, folderID)
	rows, err := tx.query(ctx, `SELECT `+fileColumns+fileFrom+`WHERE x.tenant_id = ? AND `+spaceCond+`
		AND COALESCE(x.folder_id, '') = ? AND x.deleted_at IS NULL`, args...)
	if err != nil {
		return nil, wrap(err, "list files")
	}
	fs, err := tx.scanFiles(ctx, rows, "list files")
	byName(fs)
	return fs, err
}

// FileNamed finds a live file by name in a space's folder; NotFound when
// there is none.
func (tx *Tx) FileNamed(ctx context.Context, s care.Space, folderID, name string) (care.File, error) {
	// Names are sealed: the folder's files are opened and compared here.
	fs, err := tx.Files(ctx, s, folderID)
	if err != nil {
		return care.File{}, err
	}
	for _, f := range fs {
		if f.Name == name {
			return f, nil
		}
	}
	return care.File{}, care.NotFound("file")
}

// Trash lists the tenant's deleted files, latest first.
func (tx *Tx) Trash(ctx context.Context) ([]care.File, error) {
	rows, err := tx.query(ctx, `SELECT `+fileColumns+fileFrom+`WHERE x.tenant_id = ? AND x.deleted_at IS NOT NULL
		ORDER BY x.deleted_at DESC, x.id`, tx.tenant)
	if err != nil {
		return nil, wrap(err, "list trash")
	}
	return tx.scanFiles(ctx, rows, "list trash")
}

// ConsentScans returns the live scanned forms of the resident's consents,
// by consent ID.
func (tx *Tx) ConsentScans(ctx context.Context, residentID string) (map[string]care.File, error) {
	rows, err := tx.query(ctx, `SELECT `+fileColumns+fileFrom+`WHERE x.tenant_id = ? AND x.resident_id = ?
		AND x.consent_id IS NOT NULL AND x.deleted_at IS NULL ORDER BY x.created_at`, tx.tenant, residentID)
	if err != nil {
		return nil, wrap(err, "consent scans")
	}
	fs, err := tx.scanFiles(ctx, rows, "consent scans")
	out := map[string]care.File{}
	for _, f := range fs {
		out[f.ConsentID] = f
	}
	return out, err
}

// UpdateFile renames or moves a live file.
func (tx *Tx) UpdateFile(ctx context.Context, id, folderID, name string) error {
	sealed, err := tx.seal(ctx, "files", id, "name", name)
	if err != nil {
		return err
	}
	return one(tx.exec(ctx, `UPDATE files SET folder_id = ?, name = ?, updated_at = ? WHERE tenant_id = ? AND id = ? AND deleted_at IS NULL`,
		nullID(folderID), sealed, tx.now, tx.tenant, id))("file")
}

// DeleteFile moves a live file to the trash.
func (tx *Tx) DeleteFile(ctx context.Context, id, by string) error {
	return one(tx.exec(ctx, `UPDATE files SET deleted_at = ?, deleted_by = ? WHERE tenant_id = ? AND id = ? AND deleted_at IS NULL`,
		tx.now, by, tx.tenant, id))("file")
}

// Versions lists a file's versions, newest first.
func (tx *Tx) Versions(ctx context.Context, fileID string) ([]care.FileVersion, error) {
	rows, err := tx.query(ctx, `SELECT v.file_id, v.version_no, v.blob_key, v.size, v.sealed_size, v.content_type, v.sha256, v.thumb_key,
		v.thumb_size, v.uploaded_by, COALESCE(u.name, ''), v.uploaded_at
		FROM file_versions v LEFT JOIN users u ON u.tenant_id = v.tenant_id AND u.id = v.uploaded_by
		WHERE v.tenant_id = ? AND v.file_id = ? ORDER BY v.version_no DESC`, tx.tenant, fileID)
	if err != nil {
		return nil, wrap(err, "list versions")
	}
	defer rows.Close()
	out := []care.FileVersion{}
	for rows.Next() {
		var v care.FileVersion
		if err := rows.Scan(&v.FileID, &v.No, &v.BlobKey, &v.Size, &v.SealedSize, &v.ContentType, &v.SHA256, &v.ThumbKey,
			&v.ThumbSize, &v.UploadedBy, &v.UploadedByName, &v.UploadedAt); err != nil {
			return nil, wrap(err, "list versions")
		}
		v.UploadedAt = v.UploadedAt.UTC()
		out = append(out, v)
	}
	return out, wrap(rows.Err(), "list versions")
}

// Version returns one version of a file.
func (tx *Tx) Version(ctx context.Context, fileID string, no int) (care.FileVersion, error) {
	vs, err := tx.Versions(ctx, fileID)
	if err != nil {
		return care.FileVersion{}, err
	}
	for _, v := range vs {
		if v.No == no {
			return v, nil
		}
	}
	return care.FileVersion{}, care.NotFound("version")
}

// PurgeFile removes a deleted file's rows for good and returns its
// versions, whose blobs the caller deletes.
func (tx *Tx) PurgeFile(ctx context.Context, id string) ([]care.FileVersion, error) {
	vs, err := tx.Versions(ctx, id)
	if err != nil {
		return nil, err
	}
	for _, q := range []string{
		`DELETE FROM file_attachments WHERE tenant_id = ? AND file_id = ?`,
		`DELETE FROM file_versions WHERE tenant_id = ? AND file_id = ?`,
	} {
		if _, err := tx.exec(ctx, q, tx.tenant, id); err != nil {
			return nil, wrap(err, "purge file")
		}
	}
	if err := one(tx.exec(ctx, `DELETE FROM files WHERE tenant_id = ? AND id = ? AND deleted_at IS NOT NULL`, tx.tenant, id))("file"); err != nil {
		return nil, err
	}
	return vs, nil
}

// AttachFile attaches a file to a post (commentID "") or a comment.
func (tx *Tx) AttachFile(ctx context.Context, postID, commentID, fileID string) error {
	_, err := tx.exec(ctx, `INSERT INTO file_attachments (tenant_id, post_id, comment_id, file_id) VALUES (?, ?, ?, ?)
		ON CONFLICT (tenant_id, post_id, comment_id, file_id) DO NOTHING`, tx.tenant, postID, commentID, fileID)
	return wrap(err, "attach file")
}

// Attachment is a live file attached to a post or one of its comments.
type Attachment struct {
	PostID    string
	CommentID string
	File      care.File
}

// Attachments lists the live files attached to the posts and their
// comments, by post ID.
func (tx *Tx) Attachments(ctx context.Context, postIDs []string) (map[string][]Attachment, error) {
	out := map[string][]Attachment{}
	if len(postIDs) == 0 {
		return out, nil
	}
	rows, err := tx.query(ctx, `SELECT a.post_id, a.comment_id, `+fileColumns+fileFrom+`JOIN file_attachments a
		ON a.tenant_id = x.tenant_id AND a.file_id = x.id
		WHERE x.tenant_id = ? AND x.deleted_at IS NULL AND `+tx.dialect.inList("a.post_id"),
		tx.tenant, jsonList(postIDs))
	if err != nil {
		return nil, wrap(err, "list attachments")
	}
	defer rows.Close()
	for rows.Next() {
		var a Attachment
		var err error
		if a.File, err = tx.scanFile(ctx, rows, &a.PostID, &a.CommentID); err != nil {
			return nil, wrap(err, "list attachments")
		}
		out[a.PostID] = append(out[a.PostID], a)
	}
	for _, as := range out {
		slices.SortFunc(as, func(a, b Attachment) int {
			return cmp.Or(strings.Compare(a.File.Name, b.File.Name), strings.Compare(a.File.ID, b.File.ID))
		})
	}
	return out, wrap(rows.Err(), "list attachments")
}

// ConsentOf reports whether consentID is a consent of the resident.
func (tx *Tx) ConsentOf(ctx context.Context, residentID, consentID string) bool {
	var n int
	err := tx.queryRow(ctx, `SELECT COUNT(*) FROM consents WHERE tenant_id = ? AND resident_id = ? AND id = ?`,
		tx.tenant, residentID, consentID).Scan(&n)
	return err == nil && n == 1
}

// CommentOf reports whether commentID is a comment on the post.
func (tx *Tx) CommentOf(ctx context.Context, postID, commentID string) bool {
	var n int
	err := tx.queryRow(ctx, `SELECT COUNT(*) FROM comments WHERE tenant_id = ? AND post_id = ? AND id = ?`,
		tx.tenant, postID, commentID).Scan(&n)
	return err == nil && n == 1
}

// PurgeResidentFiles deletes every file and folder of a resident's space,
// trash included, with their versions and attachments, before the
// resident is purged. It returns the versions, whose blobs the caller
// deletes after the commit.
func (tx *Tx) PurgeResidentFiles(ctx context.Context, residentID string) ([]care.FileVersion, error) {
	rows, err := tx.query(ctx, `SELECT v.file_id, v.version_no, v.blob_key, v.size, v.sealed_size, v.thumb_key, v.thumb_size
		FROM file_versions v JOIN files x ON x.tenant_id = v.tenant_id AND x.id = v.file_id
		WHERE v.tenant_id = ? AND x.resident_id = ?`, tx.tenant, residentID)
	if err != nil {
		return nil, wrap(err, "purge resident files")
	}
	var vs []care.FileVersion
	for rows.Next() {
		var v care.FileVersion
		if err := rows.Scan(&v.FileID, &v.No, &v.BlobKey, &v.Size, &v.SealedSize, &v.ThumbKey, &v.ThumbSize); err != nil {
			rows.Close()
			return nil, wrap(err, "purge resident files")
		}
		vs = append(vs, v)
	}
	rows.Close()
	if err := rows.Err(); err != nil {
		return nil, wrap(err, "purge resident files")
	}
	for _, q := range []string{
		`DELETE FROM file_attachments WHERE tenant_id = ? AND (file_id IN (SELECT x.id FROM files x WHERE x.tenant_id = ? AND x.resident_id = ?)
			OR post_id IN (SELECT p.id FROM posts p WHERE p.tenant_id = ? AND p.resident_id = ?))`,
		`DELETE FROM file_versions WHERE tenant_id = ? AND file_id IN (SELECT x.id FROM files x WHERE x.tenant_id = ? AND x.resident_id = ?)`,
		`DELETE FROM files WHERE tenant_id = ? AND resident_id = ?`,
		`DELETE FROM file_folders WHERE tenant_id = ? AND resident_id = ?`,
	} {
		var args []any
		switch strings.Count(q, "?") {
		case 5:
			args = []any{tx.tenant, tx.tenant, residentID, tx.tenant, residentID}
		case 3:
			args = []any{tx.tenant, tx.tenant, residentID}
		default:
			args = []any{tx.tenant, residentID}
		}
		if _, err := tx.exec(ctx, q, args...); err != nil {
			return nil, wrap(err, "purge resident files")
		}
	}
	return vs, nil
}

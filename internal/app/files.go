package app

import (
	"bufio"
	"bytes"
	"context"
	"errors"
	"io"
	"slices"
	"strconv"

	"github.com/renrakucho/renrakucho/internal/audit"
	"github.com/renrakucho/renrakucho/internal/care"
	"github.com/renrakucho/renrakucho/internal/store"
)

// spaceAccess returns NotFound unless the actor may use the space: a
// resident's space by the contact book's rule (write: not ended), a
// group's by membership, the library for reading by every member and for
// writing by ActLibraryPublish (tenant admins on the admin listener).
func (a *App) spaceAccess(ctx context.Context, tx *store.Tx, act care.Actor, s care.Space, write bool) error {
	switch s.Kind {
	case care.SpaceResident:
		_, err := a.residentAccess(ctx, tx, act, s.ID, write)
		return err
	case care.SpaceGroup:
		return groupAccess(ctx, tx, act, s.ID)
	case care.SpaceLibrary:
		if write && !act.Can(care.ActLibraryPublish) {
			return care.Forbidden()
		}
		if !write && !act.Can(care.ActFileUse) && !act.Can(care.ActLibraryPublish) {
			return care.Forbidden()
		}
		return nil
	}
	return care.NotFound("space")
}

// requireFiles checks the role for a space: the library's publishers
// come through the admin listener, everyone else through ActFileUse.
func requireFiles(act care.Actor, s care.Space, write bool) error {
	if s.Kind == care.SpaceLibrary && (write || !act.Can(care.ActFileUse)) {
		return require(act, care.ActLibraryPublish)
	}
	return require(act, care.ActFileUse)
}

// fileEntry is an audit entry about a file, naming its space.
func fileEntry(act care.Actor, action audit.Action, fileID string, s care.Space) *audit.Entry {
	e := entry(act, action, "file", fileID)
	switch s.Kind {
	case care.SpaceResident:
		e.ResidentID = s.ID
	case care.SpaceGroup:
		e.Detail = "group " + s.ID
	case care.SpaceLibrary:
		e.Detail = "library"
	}
	return e
}

// folderIn checks that a folder ("" for the top) is a live folder of the space.
func folderIn(ctx context.Context, tx *store.Tx, s care.Space, folderID string) (care.Folder, error) {
	if folderID == "" {
		return care.Folder{}, nil
	}
	f, err := tx.Folder(ctx, folderID)
	if err != nil {
		return care.Folder{}, invalid(nil, "folder", "error.choice")
	}
	if f.Space != s {
		return care.Folder{}, invalid(nil, "folder", "error.choice")
	}
	return f, nil
}

// fileAccess loads a live file the actor may use, or NotFound("file").
func (a *App) fileAccess(ctx context.Context, tx *store.Tx, act care.Actor, fileID string, write bool) (care.File, error) {
	f, err := tx.File(ctx, fileID)
	if err != nil {
		return care.File{}, err
	}
	if f.Deleted() {
		return care.File{}, care.NotFound("file")
	}
	if err := requireFiles(act, f.Space, write); err != nil {
		return care.File{}, care.NotFound("file")
	}
	if err := a.spaceAccess(ctx, tx, act, f.Space, write); err != nil {
		if care.ErrorCode(err) == care.EConflict {
			return care.File{}, err
		}
		return care.File{}, care.NotFound("file")
	}
	return f, nil
}

// Listing is one folder of a space as the actor sees it.
type Listing struct {
	Space care.Space
	// Title names the space: the resident's or the group's name ("" for
	// the library).
	Title    string
	Folder   care.Folder // zero at the top
	Folders  []care.Folder
	Files    []care.File
	CanWrite bool
}

// Files lists a folder ("" for the top) of a space. The view is audited.
func (a *App) Files(ctx context.Context, act care.Actor, s care.Space, folderID string) (Listing, error) {
	if !s.Valid() {
		return Listing{}, care.NotFound("space")
	}
	if err := requireFiles(act, s, false); err != nil {
		return Listing{}, err
	}
	out := Listing{Space: s}
	err := a.inTenant(ctx, act, func(tx *store.Tx) error {
		if err := a.spaceAccess(ctx, tx, act, s, false); err != nil {
			return err
		}
		var err error
		switch s.Kind {
		case care.SpaceResident:
			r, err := a.residentAccess(ctx, tx, act, s.ID, false)
			if err != nil {
				return err
			}
			out.Title = r.Name
		case care.SpaceGroup:
			g, err := tx.Group(ctx, s.ID)
			if err != nil {
				return err
			}
			out.Title = g.Name
		}
		if folderID != "" {
			if out.Folder, err = tx.Folder(ctx, folderID); err != nil || out.Folder.Space != s {
				return care.NotFound("folder")
			}
		}
		if out.Folders, err = tx.Folders(ctx, s, folderID); err != nil {
			return err
		}
		if out.Files, err = tx.Files(ctx, s, folderID); err != nil {
			return err
		}
		out.CanWrite = requireFiles(act, s, true) == nil && a.spaceAccess(ctx, tx, act, s, true) == nil
		e := fileEntry(act, audit.FileView, "", s)
		e.TargetType, e.TargetID = "space", string(s.Kind)+":"+s.ID
		if folderID != "" {
			e.TargetType, e.TargetID = "folder", folderID
		}
		return tx.AppendAudit(ctx, e)
	})
	return out, err
}

// UploadInput is one uploaded file: its name as sent, the folder ("" for
// the top) and the contents, read once as a stream.
type UploadInput struct {
	Name     string
	FolderID string
	Body     io.Reader
	// ConsentID makes the file the scanned form of that consent of the
	// resident (resident spaces only).
	ConsentID string
}

// FileDetail is a file with its versions, newest first.
type FileDetail struct {
	File     care.File
	Versions []care.FileVersion
	CanWrite bool
	// Folders are the top folders of the file's space, where it may move.
	Folders []care.Folder
}

// bodyReader remembers the first failure of the uploaded stream, so a
// cut-off upload is told apart from a failing blob store.
type bodyReader struct {
	r   io.Reader
	err error
}

func (b *bodyReader) Read(p []byte) (int, error) {
	n, err := b.r.Read(p)
	if err != nil && err != io.EOF && b.err == nil {
		b.err = err
	}
	return n, err
}

// seal checks the tenant's limits, sniffs the content from its first
// bytes and streams it, sealed, into the blob store under a fresh key,
// with a sealed thumbnail for raster images. Nothing is recorded: the
// caller records the version, or deletes its blobs.
func (a *App) seal(ctx context.Context, act care.Actor, fileID string, no int, name string, body io.Reader) (care.FileVersion, error) {
	var limits store.FileLimits
	if err := a.readTenant(ctx, act, func(tx *store.Tx) error {
		var err error
		limits, err = tx.FileLimits(ctx)
		return err
	}); err != nil {
		return care.FileVersion{}, err
	}
	room := limits.QuotaBytes - limits.UsedBytes
	if room <= 0 {
		return care.FileVersion{}, care.Errorf(care.ETooLarge, "error.file_quota")
	}
	src := &bodyReader{r: body}
	br := bufio.NewReaderSize(src, 512)
	// A file shorter than 512 bytes peeks short with io.EOF: only a
	// failure of the upload itself matters here.
	head, _ := br.Peek(512)
	if src.err != nil {
		return care.FileVersion{}, &care.Error{Code: care.EInvalid, Key: "error.upload_cut", Field: "file", Err: src.err}
	}
	if len(head) == 0 {
		return care.FileVersion{}, invalid(nil, "file", "error.file_empty")
	}
	ct, kind, err := sniff(bytes.Clone(head), name)
	if err != nil {
		return care.FileVersion{}, err
	}
	if !slices.Contains(limits.Types, kind) {
		return care.FileVersion{}, care.Errorf(care.EUnsupported, "error.file_type_denied")
	}
	limit := min(limits.MaxBytes, room)
	v := care.FileVersion{FileID: fileID, No: no, BlobKey: blobKey(act.TenantID), ContentType: ct, UploadedBy: act.UserID}
	s, err := a.putSealed(ctx, act.TenantID, fileID, versionLabel(no), v.BlobKey, br, limit)
	switch {
	case src.err != nil:
		return care.FileVersion{}, &care.Error{Code: care.EInvalid, Key: "error.upload_cut", Field: "file", Err: src.err}
	case errors.Is(err, errTooLarge) && limits.MaxBytes <= room:
		return care.FileVersion{}, &care.Error{Code: care.ETooLarge, Key: "error.file_too_large", Field: "file", Err: err}
	case errors.Is(err, errTooLarge):
		return care.FileVersion{}, &care.Error{Code: care.ETooLarge, Key: "error.file_quota", Field: "file", Err: err}
	case err != nil:
		return care.FileVersion{}, care.AsError(err)
	}
	v.Size, v.SealedSize, v.SHA256 = s.Size, s.SealedSize, s.SHA256
	if png, ok := a.makeThumb(ctx, act.TenantID, fileID, v); ok {
		key := blobKey(act.TenantID)
		if ts, err := a.putSealed(ctx, act.TenantID, fileID, thumbLabel(no), key, bytes.NewReader(png), int64(len(png))); err == nil {
			v.ThumbKey, v.ThumbSize = key, ts.SealedSize
		} else {
			a.log.Warn("store thumbnail", "file", fileID, "err", err)
		}
	}
	return v, nil
}

// checkNewName returns a conflict when a live file of the folder already
// has the name (except the file itself).
func checkNewName(ctx context.Context, tx *store.Tx, s care.Space, folderID, name, self string) error {
	f, err := tx.FileNamed(ctx, s, folderID, name)
	if err == nil && f.ID != self {
		return &care.Error{Code: care.EConflict, Key: "error.file_exists", Field: "file"}
	}
	if err != nil && care.ErrorCode(err) != care.ENotFound {
		return err
	}
	return nil
}

// checkUpload re-checks, inside a transaction, everything an upload into
// a space depends on.
func (a *App) checkUpload(ctx context.Context, tx *store.Tx, act care.Actor, s care.Space, in UploadInput, name string) error {
	if err := a.spaceAccess(ctx, tx, act, s, true); err != nil {
		return err
	}
	if _, err := folderIn(ctx, tx, s, in.FolderID); err != nil {
		return err
	}
	if in.ConsentID != "" {
		if s.Kind != care.SpaceResident || !tx.ConsentOf(ctx, s.ID, in.ConsentID) {
			return invalid(nil, "consent", "error.choice")
		}
	}
	return checkNewName(ctx, tx, s, in.FolderID, name, "")
}

// Upload stores a new file in a space: checked, sniffed and sealed on the
// way to the blob store in constant memory, then recorded with the quota
// reserved in the same transaction. A failure at any step leaves neither
// a blob nor a row behind. The upload is audited.
func (a *App) Upload(ctx context.Context, act care.Actor, s care.Space, in UploadInput) (care.File, error) {
	if !s.Valid() {
		return care.File{}, care.NotFound("space")
	}
	if err := requireFiles(act, s, true); err != nil {
		return care.File{}, err
	}
	name, err := CleanName("file", in.Name)
	if err != nil {
		return care.File{}, err
	}
	// Refuse early what would be refused after the upload.
	if err := a.readTenant(ctx, act, func(tx *store.Tx) error { return a.checkUpload(ctx, tx, act, s, in, name) }); err != nil {
		return care.File{}, err
	}
	f := care.File{ID: store.NewID(), Space: s, FolderID: in.FolderID, Name: name, ConsentID: in.ConsentID, CreatedBy: act.UserID,
		CreatedByName: act.Name}
	v, err := a.seal(ctx, act, f.ID, 1, name, in.Body)
	if err != nil {
		return care.File{}, err
	}
	err = a.inTenant(ctx, act, func(tx *store.Tx) error {
		if err := a.checkUpload(ctx, tx, act, s, in, name); err != nil {
			return err
		}
		if err := reserve(ctx, tx, v); err != nil {
			return err
		}
		if err := tx.CreateFile(ctx, &f, &v); err != nil {
			return err
		}
		e := fileEntry(act, audit.FileUpload, f.ID, s)
		e.Detail = versionDetail(e.Detail, v)
		return tx.AppendAudit(ctx, e)
	})
	if err != nil {
		a.deleteBlobs(ctx, v.BlobKey, v.ThumbKey)
		return care.File{}, err
	}
	return f, nil
}

// reserve adds a version's blobs to the tenant's usage, or fails with
// error.file_quota when they do not fit.
func reserve(ctx context.Context, tx *store.Tx, v care.FileVersion) error {
	ok, err := tx.ReserveFileBytes(ctx, v.SealedSize+v.ThumbSize)
	if err != nil {
		return err
	}
	if !ok {
		return &care.Error{Code: care.ETooLarge, Key: "error.file_quota", Field: "file"}
	}
	return nil
}

func versionDetail(prefix string, v care.FileVersion) string {
	d := "version " + strconv.Itoa(v.No) + ", " + strconv.FormatInt(v.Size, 10) + " bytes, " + v.ContentType
	if prefix != "" {
		d = prefix + "; " + d
	}
	return d
}

// UploadVersion stores a new version of a file and makes it current. The
// content is sniffed against the file's name like a first upload.
func (a *App) UploadVersion(ctx context.Context, act care.Actor, fileID string, body io.Reader) (care.File, error) {
	if err := require(act, care.ActFileUse); err != nil && !act.Can(care.ActLibraryPublish) {
		return care.File{}, err
	}
	var (
		f  care.File
		no int
	)
	err := a.inTenant(ctx, act, func(tx *store.Tx) error {
		var err error
		if f, err = a.fileAccess(ctx, tx, act, fileID, true); err != nil {
			return err
		}
		no, err = tx.NextVersionNo(ctx, fileID)
		return err
	})
	if err != nil {
		return care.File{}, err
	}
	v, err := a.seal(ctx, act, f.ID, no, f.Name, body)
	if err != nil {
		return care.File{}, err
	}
	err = a.inTenant(ctx, act, func(tx *store.Tx) error {
		var err error
		if f, err = a.fileAccess(ctx, tx, act, fileID, true); err != nil {
			return err
		}
		// The version number is sealed into the blob: a version uploaded
		// meanwhile by someone else took it.
		if n, err := tx.NextVersionNo(ctx, fileID); err != nil || n != no {
			if err != nil {
				return err
			}
			return care.Errorf(care.EConflict, "error.file_changed")
		}
		if err := reserve(ctx, tx, v); err != nil {
			return err
		}
		if err := tx.AddVersion(ctx, &v); err != nil {
			return err
		}
		f.Version, f.Size, f.ContentType, f.HasThumb, f.UpdatedAt = no, v.Size, v.ContentType, v.ThumbKey != "", tx.Now()
		e := fileEntry(act, audit.FileUpload, f.ID, f.Space)
		e.Detail = versionDetail(e.Detail, v)
		return tx.AppendAudit(ctx, e)
	})
	if err != nil {
		a.deleteBlobs(ctx, v.BlobKey, v.ThumbKey)
		return care.File{}, err
	}
	return f, nil
}

// File returns a file's details and versions. The view is audited.
func (a *App) File(ctx context.Context, act care.Actor, fileID string) (FileDetail, error) {
	if !act.Can(care.ActFileUse) && !act.Can(care.ActLibraryPublish) {
		return FileDetail{}, require(act, care.ActFileUse)
	}
	var d FileDetail
	err := a.inTenant(ctx, act, func(tx *store.Tx) error {
		var err error
		if d.File, err = a.fileAccess(ctx, tx, act, fileID, false); err != nil {
			return err
		}
		if d.Versions, err = tx.Versions(ctx, fileID); err != nil {
			return err
		}
		if d.Folders, err = tx.Folders(ctx, d.File.Space, ""); err != nil {
			return err
		}
		d.CanWrite = requireFiles(act, d.File.Space, true) == nil && a.spaceAccess(ctx, tx, act, d.File.Space, true) == nil
		return tx.AppendAudit(ctx, fileEntry(act, audit.FileView, fileID, d.File.Space))
	})
	return d, err
}

// Download opens a version of a file (0: the current one) for reading.
// The download is audited when it is opened.
func (a *App) Download(ctx context.Context, act care.Actor, fileID string, no int) (*Content, error) {
	if !act.Can(care.ActFileUse) && !act.Can(care.ActLibraryPublish) {
		return nil, require(act, care.ActFileUse)
	}
	c := &Content{ctx: ctx}
	err := a.inTenant(ctx, act, func(tx *store.Tx) error {
		var err error
		if c.File, err = a.fileAccess(ctx, tx, act, fileID, false); err != nil {
			return err
		}
		if no == 0 {
			no = c.File.Version
		}
		if c.Version, err = tx.Version(ctx, fileID, no); err != nil {
			return err
		}
		e := fileEntry(act, audit.FileDownload, fileID, c.File.Space)
		e.Detail = versionDetail(e.Detail, c.Version)
		return tx.AppendAudit(ctx, e)
	})
	if err != nil {
		return nil, err
	}
	tenant, v := act.TenantID, c.Version
	c.open = func() (io.ReadCloser, error) { return a.openSealed(ctx, tenant, fileID, versionLabel(v.No), v.BlobKey) }
	return c, nil
}

// Thumbnail opens the PNG preview of a file's current version; NotFound
// when it has none. Thumbnails are shown in listings, whose view is
// audited, so a thumbnail is not audited again.
func (a *App) Thumbnail(ctx context.Context, act care.Actor, fileID string) (io.ReadCloser, error) {
	if !act.Can(care.ActFileUse) && !act.Can(care.ActLibraryPublish) {
		return nil, require(act, care.ActFileUse)
	}
	var v care.FileVersion
	err := a.inTenant(ctx, act, func(tx *store.Tx) error {
		f, err := a.fileAccess(ctx, tx, act, fileID, false)
		if err != nil {
			return err
		}
		v, err = tx.Version(ctx, fileID, f.Version)
		return err
	})
	if err != nil {
		return nil, err
	}
	if v.ThumbKey == "" {
		return nil, care.NotFound("thumbnail")
	}
	return a.openSealed(ctx, act.TenantID, fileID, thumbLabel(v.No), v.ThumbKey)
}

// RestoreVersion makes an earlier version current again. The restore is
// audited.
func (a *App) RestoreVersion(ctx context.Context, act care.Actor, fileID string, no int) (care.File, error) {
	if !act.Can(care.ActFileUse) && !act.Can(care.ActLibraryPublish) {
		return care.File{}, require(act, care.ActFileUse)
	}
	var f care.File
	err := a.inTenant(ctx, act, func(tx *store.Tx) error {
		var err error
		if f, err = a.fileAccess(ctx, tx, act, fileID, true); err != nil {
			return err
		}
		v, err := tx.Version(ctx, fileID, no)
		if err != nil {
			return err
		}
		old := f.Version
		if err := tx.SetCurrentVersion(ctx, fileID, no); err != nil {
			return err
		}
		f.Version, f.Size, f.ContentType, f.HasThumb, f.UpdatedAt = no, v.Size, v.ContentType, v.ThumbKey != "", tx.Now()
		e := fileEntry(act, audit.FileRestore, fileID, f.Space)
		e.Detail += "; version " + strconv.Itoa(old) + " → " + strconv.Itoa(no)
		return tx.AppendAudit(ctx, e)
	})
	return f, err
}

// UpdateFile renames a file and moves it to another folder of its space
// ("" for the top). The change is audited.
func (a *App) UpdateFile(ctx context.Context, act care.Actor, fileID, name, folderID string) (care.File, error) {
	if !act.Can(care.ActFileUse) && !act.Can(care.ActLibraryPublish) {
		return care.File{}, require(act, care.ActFileUse)
	}
	name, err := CleanName("name", name)
	if err != nil {
		return care.File{}, err
	}
	var f care.File
	err = a.inTenant(ctx, act, func(tx *store.Tx) error {
		var err error
		if f, err = a.fileAccess(ctx, tx, act, fileID, true); err != nil {
			return err
		}
		if _, err := folderIn(ctx, tx, f.Space, folderID); err != nil {
			return err
		}
		if err := checkNewName(ctx, tx, f.Space, folderID, name, f.ID); err != nil {
			return invalid(nil, "name", "error.file_exists")
		}
		if err := tx.UpdateFile(ctx, fileID, folderID, name); err != nil {
			return err
		}
		f.Name, f.FolderID, f.UpdatedAt = name, folderID, tx.Now()
		return tx.AppendAudit(ctx, fileEntry(act, audit.FileUpdate, fileID, f.Space))
	})
	return f, err
}

// DeleteFile moves a file to the trash and returns it; an admin empties
// the trash. The deletion is audited.
func (a *App) DeleteFile(ctx context.Context, act care.Actor, fileID string) (care.File, error) {
	if !act.Can(care.ActFileUse) && !act.Can(care.ActLibraryPublish) {
		return care.File{}, require(act, care.ActFileUse)
	}
	var f care.File
	err := a.inTenant(ctx, act, func(tx *store.Tx) error {
		var err error
		if f, err = a.fileAccess(ctx, tx, act, fileID, true); err != nil {
			return err
		}
		if err := tx.DeleteFile(ctx, fileID, act.UserID); err != nil {
			return err
		}
		return tx.AppendAudit(ctx, fileEntry(act, audit.FileDelete, fileID, f.Space))
	})
	return f, err
}

// CreateFolder makes a folder in a space, under parentID ("" for the top).
func (a *App) CreateFolder(ctx context.Context, act care.Actor, s care.Space, parentID, name string) (care.Folder, error) {
	if !s.Valid() {
		return care.Folder{}, care.NotFound("space")
	}
	if err := requireFiles(act, s, true); err != nil {
		return care.Folder{}, err
	}
	name, err := CleanName("name", name)
	if err != nil {
		return care.Folder{}, err
	}
	f := care.Folder{Space: s, ParentID: parentID, Name: name, CreatedBy: act.UserID}
	err = a.inTenant(ctx, act, func(tx *store.Tx) error {
		if err := a.spaceAccess(ctx, tx, act, s, true); err != nil {
			return err
		}
		if _, err := folderIn(ctx, tx, s, parentID); err != nil {
			return err
		}
		siblings, err := tx.Folders(ctx, s, parentID)
		if err != nil {
			return err
		}
		for _, o := range siblings {
			if o.Name == name {
				return invalid(nil, "name", "error.folder_exists")
			}
		}
		if err := tx.CreateFolder(ctx, &f); err != nil {
			return err
		}
		e := fileEntry(act, audit.FolderCreate, "", s)
		e.TargetType, e.TargetID = "folder", f.ID
		return tx.AppendAudit(ctx, e)
	})
	return f, err
}

// folderAccess loads a live folder whose space the actor may write.
func (a *App) folderAccess(ctx context.Context, tx *store.Tx, act care.Actor, folderID string) (care.Folder, error) {
	f, err := tx.Folder(ctx, folderID)
	if err != nil {
		return care.Folder{}, err
	}
	if requireFiles(act, f.Space, true) != nil {
		return care.Folder{}, care.NotFound("folder")
	}
	if err := a.spaceAccess(ctx, tx, act, f.Space, true); err != nil {
		if care.ErrorCode(err) == care.EConflict {
			return care.Folder{}, err
		}
		return care.Folder{}, care.NotFound("folder")
	}
	return f, nil
}

// RenameFolder changes a folder's name.
func (a *App) RenameFolder(ctx context.Context, act care.Actor, folderID, name string) (care.Folder, error) {
	name, err := CleanName("name", name)
	if err != nil {
		return care.Folder{}, err
	}
	var f care.Folder
	err = a.inTenant(ctx, act, func(tx *store.Tx) error {
		var err error
		if f, err = a.folderAccess(ctx, tx, act, folderID); err != nil {
			return err
		}
		if err := tx.RenameFolder(ctx, folderID, name); err != nil {
			return err
		}
		f.Name = name
		e := fileEntry(act, audit.FolderUpdate, "", f.Space)
		e.TargetType, e.TargetID = "folder", f.ID
		return tx.AppendAudit(ctx, e)
	})
	return f, err
}

// DeleteFolder deletes an empty folder.
func (a *App) DeleteFolder(ctx context.Context, act care.Actor, folderID string) (care.Folder, error) {
	var f care.Folder
	err := a.inTenant(ctx, act, func(tx *store.Tx) error {
		var err error
		if f, err = a.folderAccess(ctx, tx, act, folderID); err != nil {
			return err
		}
		empty, err := tx.FolderEmpty(ctx, folderID)
		if err != nil {
			return err
		}
		if !empty {
			return care.Errorf(care.EConflict, "error.folder_not_empty")
		}
		if err := tx.DeleteFolder(ctx, folderID, act.UserID); err != nil {
			return err
		}
		e := fileEntry(act, audit.FolderDelete, "", f.Space)
		e.TargetType, e.TargetID = "folder", f.ID
		return tx.AppendAudit(ctx, e)
	})
	return f, err
}

// Trash lists the tenant's deleted files, for the admin who empties it.
func (a *App) Trash(ctx context.Context, act care.Actor) ([]care.File, error) {
	if err := require(act, care.ActFileTrash); err != nil {
		return nil, err
	}
	var out []care.File
	err := a.inTenant(ctx, act, func(tx *store.Tx) error {
		var err error
		if out, err = tx.Trash(ctx); err != nil {
			return err
		}
		e := entry(act, audit.FileView, "trash", act.TenantID)
		return tx.AppendAudit(ctx, e)
	})
	return out, err
}

// EmptyTrash deletes every file in the trash for good: rows in one
// transaction (each purge audited, the usage released), then the blobs.
// It returns how many files went.
func (a *App) EmptyTrash(ctx context.Context, act care.Actor) (int, error) {
	if err := require(act, care.ActFileTrash); err != nil {
		return 0, err
	}
	var keys []string
	n := 0
	err := a.inTenant(ctx, act, func(tx *store.Tx) error {
		files, err := tx.Trash(ctx)
		if err != nil {
			return err
		}
		var freed int64
		for _, f := range files {
			vs, err := tx.PurgeFile(ctx, f.ID)
			if err != nil {
				return err
			}
			for _, v := range vs {
				keys = append(keys, v.BlobKey, v.ThumbKey)
				freed += v.SealedSize + v.ThumbSize
			}
			e := fileEntry(act, audit.FilePurge, f.ID, f.Space)
			e.Detail += "; " + strconv.Itoa(len(vs)) + " versions"
			if err := tx.AppendAudit(ctx, e); err != nil {
				return err
			}
			n++
		}
		return tx.ReleaseFileBytes(ctx, freed)
	})
	if err != nil {
		return 0, err
	}
	a.deleteBlobs(ctx, keys...)
	return n, nil
}

// AttachFile attaches a file of the post's space (the resident's or the
// group's) to a post, or to one of its comments. The attachment is
// audited.
func (a *App) AttachFile(ctx context.Context, act care.Actor, postID, commentID, fileID string) error {
	if err := require(act, care.ActContactBook); err != nil {
		return err
	}
	return a.inTenant(ctx, act, func(tx *store.Tx) error {
		p, _, err := a.postAccess(ctx, tx, act, postID, true)
		if err != nil {
			return err
		}
		f, err := a.fileAccess(ctx, tx, act, fileID, false)
		if err != nil {
			return invalid(nil, "file", "error.choice")
		}
		want := care.Space{Kind: care.SpaceResident, ID: p.ResidentID}
		if p.GroupID != "" {
			want = care.Space{Kind: care.SpaceGroup, ID: p.GroupID}
		}
		if f.Space != want {
			return invalid(nil, "file", "error.choice")
		}
		if commentID != "" && !tx.CommentOf(ctx, postID, commentID) {
			return care.NotFound("comment")
		}
		if err := tx.AttachFile(ctx, postID, commentID, fileID); err != nil {
			return err
		}
		e := fileEntry(act, audit.FileAttach, fileID, f.Space)
		e.Detail += "; post " + postID
		if commentID != "" {
			e.Detail += " comment " + commentID
		}
		return tx.AppendAudit(ctx, e)
	})
}

// Attachment is a file attached to a post or to one of its comments.
type Attachment = store.Attachment

// Attachments returns the live files attached to a post and its comments
// that the actor may see (the post's own space).
func (a *App) Attachments(ctx context.Context, act care.Actor, postID string) ([]Attachment, error) {
	if err := require(act, care.ActContactBook); err != nil {
		return nil, err
	}
	var out []Attachment
	err := a.readTenant(ctx, act, func(tx *store.Tx) error {
		if _, _, err := a.postAccess(ctx, tx, act, postID, false); err != nil {
			return err
		}
		m, err := tx.Attachments(ctx, []string{postID})
		out = m[postID]
		return err
	})
	return out, err
}

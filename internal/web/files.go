package web

import (
	"io"
	"mime"
	"net/http"
	"net/url"
	"strconv"

	"github.com/renrakucho/renrakucho/internal/app"
	"github.com/renrakucho/renrakucho/internal/care"
	"github.com/renrakucho/renrakucho/internal/httpx"
)

var (
	uploadSpec = &formSpec{fields: []specField{
		{name: "file", label: "files.file"},
		{name: "folder", label: "files.folder"},
		{name: "consent", label: "files.consent"},
	}}
	folderSpec = &formSpec{fields: []specField{{name: "name", label: "files.folder_name"}, {name: "parent", label: "files.folder"}},
		alias: map[string]string{"folder": "parent"}}
	fileEditSpec = &formSpec{fields: []specField{{name: "name", label: "files.name"}, {name: "folder", label: "files.folder"}}}
	versionSpec  = &formSpec{fields: []specField{{name: "file", label: "files.file"}}}
)

// filesData is a folder of a space as its page shows it.
type filesData struct {
	Tenant  string
	Listing app.Listing
	// Base is the listing's path; uploads post to it, folders to Base/../folders.
	Base, FolderAction string
	// FileBase prefixes a file's ID for its pages and downloads.
	FileBase string
	// Back is the resident's or group's page, "" for the library.
	Back       string
	Upload     *Form
	FolderForm *Form
	Admin      bool
}

// spaceOf returns the space a files route names.
func spaceOf(r *http.Request, kind care.SpaceKind) care.Space {
	if kind == care.SpaceLibrary {
		return care.Space{Kind: kind}
	}
	return care.Space{Kind: kind, ID: httpx.PathParam(r, "id")}
}

// spacePaths returns a space's listing path, folder action and the page
// of its resident or group.
func (w *Web) spacePaths(act care.Actor, s care.Space) (base, folders, back string) {
	if w.admin() {
		return "/admin/library", "/admin/library/folders", ""
	}
	t := tenantPath(act.TenantSlug, "")
	switch s.Kind {
	case care.SpaceResident:
		return t + "residents/" + s.ID + "/files", t + "residents/" + s.ID + "/folders", t + "residents/" + s.ID
	case care.SpaceGroup:
		return t + "groups/" + s.ID + "/files", t + "groups/" + s.ID + "/folders", t + "groups/" + s.ID
	}
	return t + "library", t + "library/folders", ""
}

func (w *Web) fileBase(act care.Actor) string {
	if w.admin() {
		return "/admin/files/"
	}
	return tenantPath(act.TenantSlug, "files/")
}

// renderFiles shows a folder of a space with its upload and folder forms.
func (w *Web) renderFiles(rw http.ResponseWriter, r *http.Request, act care.Actor, status int, s care.Space, folderID string,
	up, ff *Form) error {
	l, err := w.app.Files(r.Context(), act, s, folderID)
	if err != nil {
		return err
	}
	d := filesData{Tenant: act.TenantSlug, Listing: l, FileBase: w.fileBase(act), Upload: up, FolderForm: ff, Admin: w.admin()}
	d.Base, d.FolderAction, d.Back = w.spacePaths(act, s)
	if d.Upload == nil {
		d.Upload = newForm(uploadSpec, url.Values{"folder": {folderID}})
	}
	if d.FolderForm == nil {
		d.FolderForm = newForm(folderSpec, url.Values{"parent": {folderID}})
	}
	return w.render(rw, r, status, pageFiles, view{Notice: noticeKey(r), Data: d})
}

// files shows a folder (?folder=ID) of a resident's, a group's or the
// library's space.
func (w *Web) files(kind care.SpaceKind) pageFunc {
	return func(rw http.ResponseWriter, r *http.Request, act care.Actor) error {
		return w.renderFiles(rw, r, act, http.StatusOK, spaceOf(r, kind), r.URL.Query().Get("folder"), nil, nil)
	}
}

// uploadFailed shows the space again with the upload's error on the
// file field: too large, refused type and cut-off uploads included.
func (w *Web) uploadFailed(rw http.ResponseWriter, r *http.Request, act care.Actor, s care.Space, f *Form, err error) error {
	e := care.AsError(err)
	switch e.Code {
	case care.EInvalid, care.EConflict, care.ETooLarge, care.EUnsupported:
	default:
		return err
	}
	f.SetError(err)
	if len(e.Fields) == 0 {
		f.Add("file", e.Key)
	}
	if rerr := w.renderFiles(rw, r, act, httpx.Status(e.Code), s, f.Get("folder"), f, nil); rerr != nil {
		return rerr
	}
	return nil
}

// multipart reads an upload form up to its file part.
func multipartUpload(r *http.Request) (*httpx.Upload, error) {
	mt, _, err := mime.ParseMediaType(r.Header.Get("Content-Type"))
	if err != nil || mt != "multipart/form-data" {
		return nil, &care.Error{Code: care.EInvalid, Key: "error.upload_form", Field: "file"}
	}
	return httpx.ReadUpload(r, "file")
}

// upload stores a file sent by the page's form (multipart, streamed).
func (w *Web) upload(kind care.SpaceKind) pageFunc {
	return func(rw http.ResponseWriter, r *http.Request, act care.Actor) error {
		s := spaceOf(r, kind)
		f := newForm(uploadSpec, nil)
		up, err := multipartUpload(r)
		if err != nil {
			return w.uploadFailed(rw, r, act, s, f, err)
		}
		for k, v := range up.Fields {
			f.Values[k] = v
		}
		file, err := w.app.Upload(r.Context(), act, s, app.UploadInput{Name: up.Name, FolderID: f.Get("folder"),
			ConsentID: f.Get("consent"), Body: up.Body})
		if err != nil {
			return w.uploadFailed(rw, r, act, s, f, err)
		}
		base, _, _ := w.spacePaths(act, s)
		target := base + "?notice=uploaded"
		if file.FolderID != "" {
			target += "&folder=" + url.QueryEscape(file.FolderID)
		}
		return redirect(rw, r, target+"#file-"+file.ID)
	}
}

// createFolder makes a folder in a space.
func (w *Web) createFolder(kind care.SpaceKind) pageFunc {
	return func(rw http.ResponseWriter, r *http.Request, act care.Actor) error {
		s := spaceOf(r, kind)
		f, err := w.parseForm(rw, r, folderSpec)
		if err != nil {
			return err
		}
		folder, err := w.app.CreateFolder(r.Context(), act, s, f.Get("parent"), f.Get("name"))
		if err != nil {
			return refill(f, err, func(status int) error {
				return w.renderFiles(rw, r, act, status, s, f.Get("parent"), nil, f)
			})
		}
		base, _, _ := w.spacePaths(act, s)
		return redirect(rw, r, base+"?folder="+url.QueryEscape(folder.ID))
	}
}

// deleteFolder deletes an empty folder and shows its parent.
func (w *Web) deleteFolder(rw http.ResponseWriter, r *http.Request, act care.Actor) error {
	f, err := w.app.DeleteFolder(r.Context(), act, httpx.PathParam(r, "id"))
	if err != nil {
		return err
	}
	base, _, _ := w.spacePaths(act, f.Space)
	target := base + "?notice=deleted"
	if f.ParentID != "" {
		target += "&folder=" + url.QueryEscape(f.ParentID)
	}
	return redirect(rw, r, target)
}

// fileData is a file's page.
type fileData struct {
	Tenant   string
	Detail   app.FileDetail
	FileBase string
	Back     string // the listing of its folder
	Edit     *Form
	Version  *Form
	Inline   bool
}

func (w *Web) renderFile(rw http.ResponseWriter, r *http.Request, act care.Actor, status int, id string, edit, ver *Form) error {
	d, err := w.app.File(r.Context(), act, id)
	if err != nil {
		return err
	}
	base, _, _ := w.spacePaths(act, d.File.Space)
	if d.File.FolderID != "" {
		base += "?folder=" + url.QueryEscape(d.File.FolderID)
	}
	if edit == nil {
		edit = newForm(fileEditSpec, url.Values{"name": {d.File.Name}, "folder": {d.File.FolderID}})
	}
	if ver == nil {
		ver = newForm(versionSpec, nil)
	}
	fd := fileData{Tenant: act.TenantSlug, Detail: d, FileBase: w.fileBase(act), Back: base, Edit: edit, Version: ver,
		Inline: app.InlineType(d.File.ContentType)}
	return w.render(rw, r, status, pageFile, view{Notice: noticeKey(r), Data: fd})
}

// file shows a file's details, versions and forms (audited as a view).
func (w *Web) file(rw http.ResponseWriter, r *http.Request, act care.Actor) error {
	return w.renderFile(rw, r, act, http.StatusOK, httpx.PathParam(r, "id"), nil, nil)
}

// fileContent sends a file: ?version=N, ?inline=1 for PDF and images.
func (w *Web) fileContent(rw http.ResponseWriter, r *http.Request, act care.Actor) error {
	q := r.URL.Query()
	no := 0
	if v := q.Get("version"); v != "" {
		n, err := strconv.Atoi(v)
		if err != nil || n < 1 {
			return care.NotFound("version")
		}
		no = n
	}
	c, err := w.app.Download(r.Context(), act, httpx.PathParam(r, "id"), no)
	if err != nil {
		return err
	}
	defer c.Close()
	inline := q.Get("inline") == "1" && app.InlineType(c.Version.ContentType)
	httpx.ServeFile(rw, r, c.File.Name, c.Version.ContentType, c.File.ID+"."+strconv.Itoa(c.Version.No), c.Version.UploadedAt, inline, c)
	return nil
}

// fileThumbnail sends an image file's preview.
func (w *Web) fileThumbnail(rw http.ResponseWriter, r *http.Request, act care.Actor) error {
	rc, err := w.app.Thumbnail(r.Context(), act, httpx.PathParam(r, "id"))
	if err != nil {
		return err
	}
	defer rc.Close()
	h := rw.Header()
	h.Set("Content-Type", "image/png")
	h.Set("Content-Security-Policy", httpx.FileCSP)
	h.Set("Cache-Control", "private, no-store")
	_, err = io.Copy(rw, rc)
	return err
}

// uploadVersion stores a new version of a file.
func (w *Web) uploadVersion(rw http.ResponseWriter, r *http.Request, act care.Actor) error {
	id := httpx.PathParam(r, "id")
	f := newForm(versionSpec, nil)
	up, err := multipartUpload(r)
	if err == nil {
		_, err = w.app.UploadVersion(r.Context(), act, id, up.Body)
	}
	if err != nil {
		e := care.AsError(err)
		switch e.Code {
		case care.EInvalid, care.EConflict, care.ETooLarge, care.EUnsupported:
			f.SetError(err)
			if len(e.Fields) == 0 {
				f.Add("file", e.Key)
			}
			return w.renderFile(rw, r, act, httpx.Status(e.Code), id, nil, f)
		}
		return err
	}
	return redirect(rw, r, w.fileBase(act)+id+"?notice=uploaded")
}

// restoreVersion makes an earlier version current.
func (w *Web) restoreVersion(rw http.ResponseWriter, r *http.Request, act care.Actor) error {
	id := httpx.PathParam(r, "id")
	no, err := strconv.Atoi(httpx.PathParam(r, "no"))
	if err != nil || no < 1 {
		return care.NotFound("version")
	}
	if _, err := w.app.RestoreVersion(r.Context(), act, id, no); err != nil {
		return err
	}
	return redirect(rw, r, w.fileBase(act)+id+"?notice=restored")
}

// updateFile renames or moves a file.
func (w *Web) updateFile(rw http.ResponseWriter, r *http.Request, act care.Actor) error {
	id := httpx.PathParam(r, "id")
	f, err := w.parseForm(rw, r, fileEditSpec)
	if err != nil {
		return err
	}
	if _, err := w.app.UpdateFile(r.Context(), act, id, f.Get("name"), f.Get("folder")); err != nil {
		return refill(f, err, func(status int) error { return w.renderFile(rw, r, act, status, id, f, nil) })
	}
	return redirect(rw, r, w.fileBase(act)+id+"?notice=saved")
}

// deleteFile moves a file to the trash and shows its folder.
func (w *Web) deleteFile(rw http.ResponseWriter, r *http.Request, act care.Actor) error {
	f, err := w.app.DeleteFile(r.Context(), act, httpx.PathParam(r, "id"))
	if err != nil {
		return err
	}
	base, _, _ := w.spacePaths(act, f.Space)
	target := base + "?notice=deleted"
	if f.FolderID != "" {
		target += "&folder=" + url.QueryEscape(f.FolderID)
	}
	return redirect(rw, r, target)
}

// attachFile attaches a file of the post's space to the post.
func (w *Web) attachFile(rw http.ResponseWriter, r *http.Request, act care.Actor) error {
	id := httpx.PathParam(r, "id")
	f, err := w.parseForm(rw, r, &formSpec{fields: []specField{{name: "file", label: "files.file"}}})
	if err != nil {
		return err
	}
	if err := w.app.AttachFile(r.Context(), act, id, "", f.Get("file")); err != nil {
		return err
	}
	return redirect(rw, r, tenantPath(act.TenantSlug, "posts/"+id+"?notice=saved"))
}

// trashData is the admin's trash page.
type trashData struct {
	Files []care.File
}

// trash lists the tenant's deleted files for its tenant admins.
func (w *Web) trash(rw http.ResponseWriter, r *http.Request, act care.Actor) error {
	fs, err := w.app.Trash(r.Context(), act)
	if err != nil {
		return err
	}
	return w.render(rw, r, http.StatusOK, pageTrash, view{Notice: noticeKey(r), Data: trashData{Files: fs}})
}

// emptyTrash deletes the trash for good.
func (w *Web) emptyTrash(rw http.ResponseWriter, r *http.Request, act care.Actor) error {
	if _, err := w.app.EmptyTrash(r.Context(), act); err != nil {
		return err
	}
	return redirect(rw, r, "/admin/trash?notice=deleted")
}

// fileSize formats a byte count for people: 1 decimal above a kilobyte.
func fileSize(n int64) string {
	const unit = 1024
	if n < unit {
		return strconv.FormatInt(n, 10) + " B"
	}
	v, suffix := float64(n)/unit, "KB"
	for _, s := range []string{"MB", "GB", "TB"} {
		if v < unit {
			break
		}
		v, suffix = v/unit, s
	}
	return strconv.FormatFloat(v, 'f', 1, 64) + " " + suffix
}

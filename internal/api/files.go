package api

import (
	"io"
	"mime"
	"net/http"
	"strconv"
	"time"

	"github.com/renrakucho/renrakucho/internal/app"
	"github.com/renrakucho/renrakucho/internal/care"
	"github.com/renrakucho/renrakucho/internal/httpx"
)

// fileJSON is a file's metadata; its contents are at content_url.
type fileJSON struct {
	ID          string     `json:"id"`
	Space       string     `json:"space"`
	ResidentID  string     `json:"resident_id,omitempty"`
	GroupID     string     `json:"group_id,omitempty"`
	FolderID    string     `json:"folder"`
	Name        string     `json:"name"`
	Version     int        `json:"version"`
	Size        int64      `json:"size"`
	ContentType string     `json:"content_type"`
	Thumbnail   bool       `json:"thumbnail"`
	ConsentID   string     `json:"consent_id,omitempty"`
	CreatedBy   string     `json:"created_by"`
	CreatedAt   time.Time  `json:"created_at"`
	UpdatedAt   time.Time  `json:"updated_at"`
	DeletedAt   *time.Time `json:"deleted_at,omitempty"`
	ContentURL  string     `json:"content_url"`
}

func renderFile(f care.File) fileJSON {
	out := fileJSON{ID: f.ID, Space: string(f.Space.Kind), FolderID: f.FolderID, Name: f.Name, Version: f.Version,
		Size: f.Size, ContentType: f.ContentType, Thumbnail: f.HasThumb, ConsentID: f.ConsentID, CreatedBy: f.CreatedBy,
		CreatedAt: f.CreatedAt.UTC(), UpdatedAt: f.UpdatedAt.UTC(), DeletedAt: utcPtr(f.DeletedAt),
		ContentURL: "/api/v1/files/" + f.ID + "/content"}
	switch f.Space.Kind {
	case care.SpaceResident:
		out.ResidentID = f.Space.ID
	case care.SpaceGroup:
		out.GroupID = f.Space.ID
	}
	return out
}

type fileVersionJSON struct {
	Version     int       `json:"version"`
	Size        int64     `json:"size"`
	ContentType string    `json:"content_type"`
	SHA256      string    `json:"sha256"`
	UploadedBy  string    `json:"uploaded_by"`
	UploadedAt  time.Time `json:"uploaded_at"`
}

func renderFileVersion(v care.FileVersion) fileVersionJSON {
	return fileVersionJSON{Version: v.No, Size: v.Size, ContentType: v.ContentType, SHA256: v.SHA256, UploadedBy: v.UploadedBy,
		UploadedAt: v.UploadedAt.UTC()}
}

type folderJSON struct {
	ID        string    `json:"id"`
	Parent    string    `json:"parent"`
	Name      string    `json:"name"`
	CreatedBy string    `json:"created_by"`
	CreatedAt time.Time `json:"created_at"`
}

func renderFolder(f care.Folder) folderJSON {
	return folderJSON{ID: f.ID, Parent: f.ParentID, Name: f.Name, CreatedBy: f.CreatedBy, CreatedAt: f.CreatedAt.UTC()}
}

// filesList is one folder of a space: its folders and files.
type filesList struct {
	Items   []fileJSON   `json:"items"`
	Folders []folderJSON `json:"folders"`
	Next    *string      `json:"next"`
}

type fileDetailJSON struct {
	fileJSON
	Versions []fileVersionJSON `json:"versions"`
}

func residentSpace(r *http.Request) care.Space {
	return care.Space{Kind: care.SpaceResident, ID: httpx.PathParam(r, "id")}
}

func groupSpace(r *http.Request) care.Space {
	return care.Space{Kind: care.SpaceGroup, ID: httpx.PathParam(r, "id")}
}

func librarySpace(*http.Request) care.Space { return care.Space{Kind: care.SpaceLibrary} }

// listFiles answers GET …/files?folder=ID for the space the path names.
func (a *API) listFiles(space func(*http.Request) care.Space) actorFunc {
	return func(w http.ResponseWriter, r *http.Request, act care.Actor) error {
		s := space(r)
		if s.Kind != care.SpaceLibrary && s.ID == "" {
			return care.NotFound("space")
		}
		l, err := a.app.Files(r.Context(), act, s, r.URL.Query().Get("folder"))
		if err != nil {
			return err
		}
		httpx.WriteJSON(w, http.StatusOK, filesList{Items: mapSlice(l.Files, renderFile), Folders: mapSlice(l.Folders, renderFolder)})
		return nil
	}
}

// readUpload checks the request is multipart and reads up to its file part.
func readUpload(r *http.Request) (*httpx.Upload, error) {
	mt, _, err := mime.ParseMediaType(r.Header.Get("Content-Type"))
	if err != nil || mt != "multipart/form-data" {
		return nil, &care.Error{Code: care.EUnsupported, Key: keyMediaType}
	}
	return httpx.ReadUpload(r, "file")
}

// uploadFile answers POST …/files: a multipart upload with the field
// "file" and, before it, optionally "folder" (and "consent" for a
// resident's consent form).
func (a *API) uploadFile(space func(*http.Request) care.Space) actorFunc {
	return func(w http.ResponseWriter, r *http.Request, act care.Actor) error {
		s := space(r)
		if s.Kind != care.SpaceLibrary && s.ID == "" {
			return care.NotFound("space")
		}
		up, err := readUpload(r)
		if err != nil {
			return err
		}
		f, err := a.app.Upload(r.Context(), act, s, app.UploadInput{Name: up.Name, FolderID: up.Fields.Get("folder"),
			ConsentID: up.Fields.Get("consent"), Body: up.Body})
		if err != nil {
			return err
		}
		w.Header().Set("Location", "/api/v1/files/"+f.ID)
		httpx.WriteJSON(w, http.StatusCreated, renderFile(f))
		return nil
	}
}

func (a *API) file(w http.ResponseWriter, r *http.Request, act care.Actor) error {
	d, err := a.app.File(r.Context(), act, httpx.PathParam(r, "id"))
	if err != nil {
		return err
	}
	httpx.WriteJSON(w, http.StatusOK, fileDetailJSON{fileJSON: renderFile(d.File), Versions: mapSlice(d.Versions, renderFileVersion)})
	return nil
}

// fileContent answers a download: ?version=N for an earlier version,
// ?inline=1 to show a PDF or raster image in the browser (sandboxed).
func (a *API) fileContent(w http.ResponseWriter, r *http.Request, act care.Actor) error {
	q := r.URL.Query()
	no := 0
	if v := q.Get("version"); v != "" {
		n, err := strconv.Atoi(v)
		if err != nil || n < 1 {
			return &care.Error{Code: care.EInvalid, Key: "error.invalid", Field: "version"}
		}
		no = n
	}
	c, err := a.app.Download(r.Context(), act, httpx.PathParam(r, "id"), no)
	if err != nil {
		return err
	}
	defer c.Close()
	inline := q.Get("inline") == "1" && app.InlineType(c.Version.ContentType)
	httpx.ServeFile(w, r, c.File.Name, c.Version.ContentType, c.File.ID+"."+strconv.Itoa(c.Version.No), c.Version.UploadedAt,
		inline, c)
	return nil
}

func (a *API) fileThumbnail(w http.ResponseWriter, r *http.Request, act care.Actor) error {
	rc, err := a.app.Thumbnail(r.Context(), act, httpx.PathParam(r, "id"))
	if err != nil {
		return err
	}
	defer rc.Close()
	h := w.Header()
	h.Set("Content-Type", "image/png")
	h.Set("Content-Security-Policy", httpx.FileCSP)
	h.Set("Cache-Control", "private, no-store")
	_, err = io.Copy(w, rc)
	return err
}

type filePatch struct {
	Name   *string `json:"name"`
	Folder *string `json:"folder"`
}

// updateFile renames or moves a file; absent members stay.
func (a *API) updateFile(w http.ResponseWriter, r *http.Request, act care.Actor) error {
	var in filePatch
	if err := a.decode(w, r, &in); err != nil {
		return err
	}
	d, err := a.app.File(r.Context(), act, httpx.PathParam(r, "id"))
	if err != nil {
		return err
	}
	name, folder := d.File.Name, d.File.FolderID
	set(&name, in.Name)
	set(&folder, in.Folder)
	f, err := a.app.UpdateFile(r.Context(), act, d.File.ID, name, folder)
	if err != nil {
		return renamed(err, map[string]string{"folder": "folder"})
	}
	httpx.WriteJSON(w, http.StatusOK, renderFile(f))
	return nil
}

func (a *API) deleteFile(w http.ResponseWriter, r *http.Request, act care.Actor) error {
	if _, err := a.app.DeleteFile(r.Context(), act, httpx.PathParam(r, "id")); err != nil {
		return err
	}
	w.WriteHeader(http.StatusNoContent)
	return nil
}

// uploadVersion answers POST /files/{id}/versions (multipart, field "file").
func (a *API) uploadVersion(w http.ResponseWriter, r *http.Request, act care.Actor) error {
	up, err := readUpload(r)
	if err != nil {
		return err
	}
	f, err := a.app.UploadVersion(r.Context(), act, httpx.PathParam(r, "id"), up.Body)
	if err != nil {
		return err
	}
	httpx.WriteJSON(w, http.StatusCreated, renderFile(f))
	return nil
}

func (a *API) restoreVersion(w http.ResponseWriter, r *http.Request, act care.Actor) error {
	no, err := strconv.Atoi(httpx.PathParam(r, "no"))
	if err != nil || no < 1 {
		return care.NotFound("version")
	}
	f, err := a.app.RestoreVersion(r.Context(), act, httpx.PathParam(r, "id"), no)
	if err != nil {
		return err
	}
	httpx.WriteJSON(w, http.StatusOK, renderFile(f))
	return nil
}

type folderIn struct {
	Name   string `json:"name"`
	Parent string `json:"parent"`
}

// createFolder answers POST …/folders {"name","parent"}.
func (a *API) createFolder(space func(*http.Request) care.Space) actorFunc {
	return func(w http.ResponseWriter, r *http.Request, act care.Actor) error {
		var in folderIn
		if err := a.decode(w, r, &in); err != nil {
			return err
		}
		s := space(r)
		if s.Kind != care.SpaceLibrary && s.ID == "" {
			return care.NotFound("space")
		}
		f, err := a.app.CreateFolder(r.Context(), act, s, in.Parent, in.Name)
		if err != nil {
			return renamed(err, map[string]string{"folder": "parent"})
		}
		httpx.WriteJSON(w, http.StatusCreated, renderFolder(f))
		return nil
	}
}

type folderPatch struct {
	Name string `json:"name"`
}

func (a *API) renameFolder(w http.ResponseWriter, r *http.Request, act care.Actor) error {
	var in folderPatch
	if err := a.decode(w, r, &in); err != nil {
		return err
	}
	f, err := a.app.RenameFolder(r.Context(), act, httpx.PathParam(r, "id"), in.Name)
	if err != nil {
		return err
	}
	httpx.WriteJSON(w, http.StatusOK, renderFolder(f))
	return nil
}

func (a *API) deleteFolder(w http.ResponseWriter, r *http.Request, act care.Actor) error {
	if _, err := a.app.DeleteFolder(r.Context(), act, httpx.PathParam(r, "id")); err != nil {
		return err
	}
	w.WriteHeader(http.StatusNoContent)
	return nil
}

type attachIn struct {
	FileID    string `json:"file_id"`
	CommentID string `json:"comment_id"`
}

// attachFile answers POST /posts/{id}/attachments.
func (a *API) attachFile(w http.ResponseWriter, r *http.Request, act care.Actor) error {
	var in attachIn
	if err := a.decode(w, r, &in); err != nil {
		return err
	}
	if err := a.app.AttachFile(r.Context(), act, httpx.PathParam(r, "id"), in.CommentID, in.FileID); err != nil {
		return renamed(err, map[string]string{"file": "file_id"})
	}
	w.WriteHeader(http.StatusNoContent)
	return nil
}

// attachments answers GET /posts/{id}/attachments.
func (a *API) attachments(w http.ResponseWriter, r *http.Request, act care.Actor) error {
	as, err := a.app.Attachments(r.Context(), act, httpx.PathParam(r, "id"))
	if err != nil {
		return err
	}
	type item struct {
		fileJSON
		CommentID string `json:"comment_id"`
	}
	out := make([]item, 0, len(as))
	for _, x := range as {
		out = append(out, item{fileJSON: renderFile(x.File), CommentID: x.CommentID})
	}
	httpx.WriteJSON(w, http.StatusOK, newList(out))
	return nil
}

// trash lists the tenant's deleted files (tenant admins, admin listener).
func (a *API) trash(w http.ResponseWriter, r *http.Request, act care.Actor) error {
	fs, err := a.app.Trash(r.Context(), act)
	if err != nil {
		return err
	}
	httpx.WriteJSON(w, http.StatusOK, newList(mapSlice(fs, renderFile)))
	return nil
}

// emptyTrash deletes every file in the trash for good.
func (a *API) emptyTrash(w http.ResponseWriter, r *http.Request, act care.Actor) error {
	n, err := a.app.EmptyTrash(r.Context(), act)
	if err != nil {
		return err
	}
	httpx.WriteJSON(w, http.StatusOK, map[string]int{"purged": n})
	return nil
}

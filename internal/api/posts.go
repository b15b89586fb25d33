package api

import (
	"net/http"
	"strconv"
	"strings"
	"time"

	"github.com/renrakucho/renrakucho/internal/app"
	"github.com/renrakucho/renrakucho/internal/care"
	"github.com/renrakucho/renrakucho/internal/httpx"
)

// maxLimit is the largest page a list returns.
const maxLimit = 100

// postJSON is a post of a contact book or group board. A deleted post
// keeps its place in the timeline with its body hidden. resident_id and
// group_id say where it belongs (the other is null).
type postJSON struct {
	ID           string            `json:"id"`
	ResidentID   *string           `json:"resident_id"`
	GroupID      *string           `json:"group_id"`
	Category     care.Category     `json:"category"`
	Importance   care.Importance   `json:"importance"`
	Body         string            `json:"body"`
	Addressees   []string          `json:"addressees"`
	Template     care.Template     `json:"template"`
	Fields       map[string]string `json:"fields"`
	Author       string            `json:"author"`
	AuthorName   string            `json:"author_name"`
	CreatedAt    time.Time         `json:"created_at"`
	UpdatedAt    time.Time         `json:"updated_at"`
	Version      int               `json:"version"`
	Deleted      bool              `json:"deleted"`
	CommentCount int               `json:"comment_count"`
	Read         bool              `json:"read"`
	ReadCount    int               `json:"read_count"`
}

func renderPost(p care.Post) postJSON {
	fields := p.Fields
	if fields == nil {
		fields = map[string]string{}
	}
	return postJSON{ID: p.ID, ResidentID: optional(p.ResidentID), GroupID: optional(p.GroupID), Category: p.Category,
		Importance: p.Importance, Body: p.Body, Addressees: strs(p.Addressees), Template: p.Template, Fields: fields,
		Author: p.AuthorID, AuthorName: p.AuthorName, CreatedAt: p.CreatedAt.UTC(), UpdatedAt: p.UpdatedAt.UTC(),
		Version: p.Version, Deleted: p.Deleted(), CommentCount: p.CommentCount, Read: p.ReadByMe, ReadCount: p.ReadCount}
}

// optional is s, or nil (JSON null) for "".
func optional(s string) *string {
	if s == "" {
		return nil
	}
	return &s
}

// postDetailJSON is one post with its comments, prior versions and who
// has and has not read it.
type postDetailJSON struct {
	postJSON
	Comments []commentJSON `json:"comments"`
	Versions []versionJSON `json:"versions"`
	Reads    readsJSON     `json:"reads"`
}

type commentJSON struct {
	ID         string    `json:"id"`
	PostID     string    `json:"post_id"`
	Author     string    `json:"author"`
	AuthorName string    `json:"author_name"`
	Body       string    `json:"body"`
	CreatedAt  time.Time `json:"created_at"`
}

func renderComment(c care.Comment) commentJSON {
	return commentJSON{ID: c.ID, PostID: c.PostID, Author: c.AuthorID, AuthorName: c.AuthorName, Body: c.Body,
		CreatedAt: c.CreatedAt.UTC()}
}

// versionJSON is a post as it was before an edit: what, by whom, when.
type versionJSON struct {
	Version    int               `json:"version"`
	Category   care.Category     `json:"category"`
	Importance care.Importance   `json:"importance"`
	Body       string            `json:"body"`
	Fields     map[string]string `json:"fields"`
	EditedBy   string            `json:"edited_by"`
	EditedAt   time.Time         `json:"edited_at"`
}

func renderVersion(v care.PostVersion) versionJSON {
	fields := v.Fields
	if fields == nil {
		fields = map[string]string{}
	}
	return versionJSON{Version: v.Version, Category: v.Category, Importance: v.Importance, Body: v.Body,
		Fields: fields, EditedBy: v.EditedBy, EditedAt: v.EditedAt.UTC()}
}

// readsJSON says who has read a post (first read time) and who has not.
type readsJSON struct {
	Read    []readJSON    `json:"read"`
	NotRead []notReadJSON `json:"not_read"`
}

type readJSON struct {
	UserID     string          `json:"user_id"`
	Name       string          `json:"name"`
	Profession care.Profession `json:"profession"`
	ReadAt     time.Time       `json:"read_at"`
}

type notReadJSON struct {
	UserID     string          `json:"user_id"`
	Name       string          `json:"name"`
	Profession care.Profession `json:"profession"`
}

func renderReads(read []care.ReadReceipt, notRead []care.TeamMember) readsJSON {
	return readsJSON{
		Read: mapSlice(read, func(r care.ReadReceipt) readJSON {
			return readJSON{UserID: r.UserID, Name: r.Name, Profession: r.Profession, ReadAt: r.ReadAt.UTC()}
		}),
		NotRead: mapSlice(notRead, func(m care.TeamMember) notReadJSON {
			return notReadJSON{UserID: m.UserID, Name: m.Name, Profession: m.Profession}
		}),
	}
}

// receiptJSON is the caller's read receipt of one post.
type receiptJSON struct {
	PostID string    `json:"post_id"`
	UserID string    `json:"user_id"`
	ReadAt time.Time `json:"read_at"`
}

type postIn struct {
	Category   care.Category     `json:"category"`
	Importance care.Importance   `json:"importance"`
	Body       string            `json:"body"`
	Template   care.Template     `json:"template"`
	Fields     map[string]string `json:"fields"`
	Addressees []string          `json:"addressees"`
}

func (in postIn) input() care.PostInput {
	return care.PostInput{Category: in.Category, Importance: in.Importance, Body: in.Body, Template: in.Template,
		Fields: in.Fields, Addressees: in.Addressees}
}

// postPatch holds the members a PATCH sent; absent ones stay nil. A
// post's template does not change.
type postPatch struct {
	Category   *care.Category     `json:"category"`
	Importance *care.Importance   `json:"importance"`
	Body       *string            `json:"body"`
	Fields     *map[string]string `json:"fields"`
	Addressees *[]string          `json:"addressees"`
	Version    *int               `json:"version"`
}

type deleteIn struct {
	Reason string `json:"reason"`
}

type commentIn struct {
	Body string `json:"body"`
}

// pageParams reads the query parameters before (a cursor from an earlier
// page's next) and limit (1 to 100; 0 lets the app choose).
func pageParams(r *http.Request) (before string, limit int, err error) {
	q := r.URL.Query()
	var v care.Invalid
	before = q.Get("before")
	if len(before) > 100 {
		v.Add("before", "error.length")
	}
	if s := q.Get("limit"); s != "" {
		n, perr := strconv.Atoi(s)
		if perr != nil || n < 1 || n > maxLimit {
			v.Add("limit", keyLimit)
		}
		limit = n
	}
	return before, limit, v.Err()
}

// renderPage renders a page of posts with the cursor of the next one.
func renderPage(p app.PostPage) list[postJSON] {
	l := newList(mapSlice(p.Items, renderPost))
	l.Next = optional(p.Next)
	return l
}

// residentPosts is a resident's contact book, newest first, a page at a time.
func (a *API) residentPosts(w http.ResponseWriter, r *http.Request, act care.Actor) error {
	before, limit, err := pageParams(r)
	if err != nil {
		return err
	}
	p, err := a.app.Posts(r.Context(), act, httpx.PathParam(r, "id"), before, limit)
	if err != nil {
		return err
	}
	httpx.WriteJSON(w, http.StatusOK, renderPage(p))
	return nil
}

// createResidentPost writes a post in a resident's contact book.
func (a *API) createResidentPost(w http.ResponseWriter, r *http.Request, act care.Actor) error {
	var in postIn
	if err := a.decode(w, r, &in); err != nil {
		return err
	}
	p, err := a.app.CreatePost(r.Context(), act, httpx.PathParam(r, "id"), in.input())
	if err != nil {
		return err
	}
	writeCreatedPost(w, p)
	return nil
}

func writeCreatedPost(w http.ResponseWriter, p care.Post) {
	w.Header().Set("Location", "/api/v1/posts/"+p.ID)
	httpx.WriteJSON(w, http.StatusCreated, renderPost(p))
}

// post shows one post with comments, versions and read state; the app logs
// the view and records the caller's first reading.
func (a *API) post(w http.ResponseWriter, r *http.Request, act care.Actor) error {
	d, err := a.app.Post(r.Context(), act, httpx.PathParam(r, "id"))
	if err != nil {
		return err
	}
	httpx.WriteJSON(w, http.StatusOK, postDetailJSON{postJSON: renderPost(d.Post),
		Comments: mapSlice(d.Comments, renderComment), Versions: mapSlice(d.Versions, renderVersion),
		Reads: renderReads(d.Reads, d.NotRead)})
	return nil
}

// updatePost applies a PATCH made against the version sent: it reads the
// post (a view, like opening it to edit), replaces the members sent and
// writes it back. Only the author may; a stale version is 409 and the
// prior version is kept.
func (a *API) updatePost(w http.ResponseWriter, r *http.Request, act care.Actor) error {
	var in postPatch
	if err := a.decode(w, r, &in); err != nil {
		return err
	}
	if err := requireVersion(in.Version); err != nil {
		return err
	}
	id := httpx.PathParam(r, "id")
	d, err := a.app.Post(r.Context(), act, id)
	if err != nil {
		return err
	}
	cur := d.Post
	u := care.PostInput{Category: cur.Category, Importance: cur.Importance, Body: cur.Body, Template: cur.Template,
		Fields: cur.Fields, Addressees: cur.Addressees, Version: *in.Version}
	set(&u.Category, in.Category)
	set(&u.Importance, in.Importance)
	set(&u.Body, in.Body)
	set(&u.Fields, in.Fields)
	set(&u.Addressees, in.Addressees)
	p, err := a.app.UpdatePost(r.Context(), act, id, u)
	if err != nil {
		return err
	}
	httpx.WriteJSON(w, http.StatusOK, renderPost(p))
	return nil
}

// deletePost soft-deletes the caller's own post with a reason, sent as
// {"reason"} or as ?reason=.
func (a *API) deletePost(w http.ResponseWriter, r *http.Request, act care.Actor) error {
	reason := r.URL.Query().Get("reason")
	if r.ContentLength != 0 && r.Body != nil && r.Body != http.NoBody {
		var in deleteIn
		if err := a.decode(w, r, &in); err != nil {
			return err
		}
		if in.Reason != "" {
			reason = in.Reason
		}
	}
	reason = strings.TrimSpace(reason)
	if reason == "" {
		return &care.Error{Code: care.EInvalid, Key: "error.required", Field: "reason"}
	}
	if err := a.app.DeletePost(r.Context(), act, httpx.PathParam(r, "id"), reason); err != nil {
		return err
	}
	w.WriteHeader(http.StatusNoContent)
	return nil
}

func (a *API) addComment(w http.ResponseWriter, r *http.Request, act care.Actor) error {
	var in commentIn
	if err := a.decode(w, r, &in); err != nil {
		return err
	}
	c, err := a.app.AddComment(r.Context(), act, httpx.PathParam(r, "id"), in.Body)
	if err != nil {
		return err
	}
	httpx.WriteJSON(w, http.StatusCreated, renderComment(c))
	return nil
}

// markRead records the caller's reading of a post; again, it answers the
// first reading's time.
func (a *API) markRead(w http.ResponseWriter, r *http.Request, act care.Actor) error {
	rr, err := a.app.MarkRead(r.Context(), act, httpx.PathParam(r, "id"))
	if err != nil {
		return err
	}
	httpx.WriteJSON(w, http.StatusOK, receiptJSON{PostID: rr.PostID, UserID: rr.UserID, ReadAt: rr.ReadAt.UTC()})
	return nil
}

func (a *API) reads(w http.ResponseWriter, r *http.Request, act care.Actor) error {
	read, notRead, err := a.app.Reads(r.Context(), act, httpx.PathParam(r, "id"))
	if err != nil {
		return err
	}
	httpx.WriteJSON(w, http.StatusOK, renderReads(read, notRead))
	return nil
}

// unread lists the caller's unread posts across residents and groups.
func (a *API) unread(w http.ResponseWriter, r *http.Request, act care.Actor) error {
	ps, err := a.app.Unread(r.Context(), act)
	if err != nil {
		return err
	}
	httpx.WriteJSON(w, http.StatusOK, newList(mapSlice(ps, renderPost)))
	return nil
}

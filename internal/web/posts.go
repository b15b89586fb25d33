package web

import (
	"net/http"
	"net/url"
	"strconv"

	"github.com/renrakucho/renrakucho/internal/app"
	"github.com/renrakucho/renrakucho/internal/care"
	"github.com/renrakucho/renrakucho/internal/httpx"
)

// postSpecs are the post form of each template: the template's fields
// come first, as the form shows them.
var postSpecs = func() map[care.Template]*formSpec {
	out := map[care.Template]*formSpec{}
	for _, t := range []care.Template{care.TemplateNone, care.TemplateHandover, care.TemplateVisit, care.TemplateMedication} {
		s := &formSpec{fields: []specField{{name: "template", label: "post.template"}}}
		for _, tf := range care.TemplateFields[t] {
			s.fields = append(s.fields, specField{name: "fields." + tf.Name, label: "post.field." + tf.Name})
		}
		s.fields = append(s.fields, []specField{
			{name: "body", label: "post.body"},
			{name: "category", label: "post.category"},
			{name: "importance", label: "post.importance"},
			{name: "addressees", label: "post.addressees"},
			{name: "fields", label: "post.template"},
		}...)
		out[t] = s
	}
	return out
}()

var (
	commentSpec = &formSpec{fields: []specField{{name: "body", label: "comment.body"}}}
	deleteSpec  = &formSpec{fields: []specField{{name: "reason", label: "post.delete_reason"}}}
	returnSpec  = &formSpec{fields: []specField{{name: "return", label: "lang.return"}}}
)

// liveLimit is how many of the newest posts a live fragment carries.
const liveLimit = 20

// newPostForm is an empty (or refilled) post form with the defaults set.
func newPostForm(t care.Template, vals url.Values) *Form {
	f := newForm(postSpecs[t], vals)
	if f.Get("category") == "" {
		f.Set("category", string(care.Categories[0]))
	}
	if f.Get("importance") == "" {
		f.Set("importance", string(care.Importances[0]))
	}
	f.Set("template", string(t))
	return f
}

// parsePostForm reads a post form with the spec of the template it names.
func (w *Web) parsePostForm(rw http.ResponseWriter, r *http.Request) (*Form, care.Template, error) {
	f, err := w.parseForm(rw, r, postSpecs[care.TemplateNone])
	if err != nil {
		return nil, "", err
	}
	t := chosenTemplate(f.Get("template"))
	f.spec = postSpecs[t]
	return f, t, nil
}

func postInput(f *Form, t care.Template) care.PostInput {
	v, _ := strconv.Atoi(f.Get("version"))
	in := care.PostInput{Category: care.Category(f.Get("category")), Importance: care.Importance(f.Get("importance")),
		Body: f.Get("body"), Template: t, Addressees: f.Values["addressees"], Version: v}
	if fields := care.TemplateFields[t]; len(fields) > 0 {
		in.Fields = map[string]string{}
		for _, tf := range fields {
			in.Fields[tf.Name] = f.Get("fields." + tf.Name)
		}
	}
	return in
}

// composeData is what the post form partial shows.
type composeData struct {
	Action     string
	Form       *Form
	Template   care.Template
	Tabs       []templateTab
	Categories []Choice
	Importance []Choice
	Members    []Choice
	// Edit says the form edits a post: its template is fixed.
	Edit bool
	// Open says the form was asked for (?compose=1): shown unfolded.
	Open bool
}

// templateInput is one of a template's fields in the post form.
type templateInput struct {
	Field
	Kind care.FieldKind
}

// Inputs are the fields of the form's template.
func (c composeData) Inputs() ([]templateInput, error) {
	var out []templateInput
	for _, tf := range care.TemplateFields[c.Template] {
		opts := []string{"help=post.field." + tf.Name + "_help"}
		if tf.Required {
			opts = append(opts, "required")
		}
		switch tf.Kind {
		case care.FieldDate:
			opts = append(opts, "type=date")
		case care.FieldText:
			opts = append(opts, "rows=3", "maxlength=2000")
		}
		fd, err := c.Form.Field("fields."+tf.Name, opts...)
		if err != nil {
			return nil, err
		}
		if tf.Kind == care.FieldYesNo {
			fd = fd.With(choices("yesno", []string{"yes", "no"}))
		}
		out = append(out, templateInput{Field: fd, Kind: tf.Kind})
	}
	return out, nil
}

func newCompose(action string, f *Form, t care.Template, tabs []templateTab, members []Choice) composeData {
	return composeData{Action: action, Form: f, Template: t, Tabs: tabs, Categories: choices("category", care.Categories),
		Importance: choices("importance", care.Importances), Members: members}
}

// summaryPost is the latest post of a kind in a resident's summary.
type summaryPost struct {
	Tenant, Key string
	Post        *care.Post
}

// postItem is a post as a timeline shows it.
type postItem struct {
	care.Post
	Tenant string
	// Names maps the team's user IDs to names, for the addressees.
	Names map[string]string
	Me    string
	// Context names the contact book or board the post is in, on lists
	// across them (unread, search); "" on a timeline.
	Context     string
	ContextHref string
	// Back is where marking the post read from a list returns to, ""
	// where the list offers no such button.
	Back string
}

// postItems prepares posts for a list whose page is back.
func postItems(act care.Actor, ps []care.Post, names map[string]string, back string) []postItem {
	out := make([]postItem, len(ps))
	for i, p := range ps {
		out[i] = postItem{Post: p, Tenant: act.TenantSlug, Names: names, Me: act.UserID}
		if back != "" {
			out[i].Back = back + "#post-" + p.ID
		}
	}
	return out
}

// Href is the post's page.
func (p postItem) Href() string { return tenantPath(p.Tenant, "posts/"+url.PathEscape(p.ID)) }

// ToMe says the post names the reader among its addressees.
func (p postItem) ToMe() bool { return known(p.Addressees, p.Me) }

// Mine says the reader wrote it.
func (p postItem) Mine() bool { return p.AuthorID == p.Me }

// Unread says the reader has yet to read it: never one's own post, nor a
// deleted one.
func (p postItem) Unread() bool { return !p.ReadByMe && !p.Mine() && !p.Deleted() }

// AddresseeNames are the named addressees' names, as far as known.
func (p postItem) AddresseeNames() []string {
	var out []string
	for _, id := range p.Addressees {
		if n := p.Names[id]; n != "" {
			out = append(out, n)
		}
	}
	return out
}

// fieldRow is one filled field of a structured post.
type fieldRow struct {
	Name  string
	Kind  care.FieldKind
	Value string
}

// FieldRows are the post's template fields in the template's order.
func (p postItem) FieldRows() []fieldRow { return fieldRows(p.Template, p.Fields) }

func fieldRows(t care.Template, fields map[string]string) []fieldRow {
	var out []fieldRow
	for _, tf := range care.TemplateFields[t] {
		if v := fields[tf.Name]; v != "" {
			out = append(out, fieldRow{Name: tf.Name, Kind: tf.Kind, Value: v})
		}
	}
	return out
}

type timelineFragment struct {
	Items []postItem
}

type postData struct {
	Tenant string
	Item   postItem
	Detail app.PostDetail
	// Back is the contact book or board the post belongs to.
	Back     string
	BackKey  string
	Versions []versionItem
	// Comments keep their order, oldest first.
	Comments    []care.Comment
	Reads       readsData
	CommentForm *Form
	DeleteForm  *Form
	// Attachments are the files attached to the post and its comments;
	// Attachable the files of the post's space that could be.
	Attachments []app.Attachment
	Attachable  []care.File
}

type versionItem struct {
	care.PostVersion
	Template care.Template
	Editor   string
}

// FieldRows are the version's template fields.
func (v versionItem) FieldRows() []fieldRow { return fieldRows(v.Template, v.Fields) }

// postForms are the forms of a post's page.
type postForms struct{ comment, del *Form }

// post shows a post with its comments, readers and earlier versions;
// viewing it marks it read.
func (w *Web) post(rw http.ResponseWriter, r *http.Request, act care.Actor) error {
	return w.renderPost(rw, r, act, http.StatusOK, httpx.PathParam(r, "id"),
		postForms{comment: newForm(commentSpec, nil), del: newForm(deleteSpec, nil)})
}

func (w *Web) renderPost(rw http.ResponseWriter, r *http.Request, act care.Actor, status int, id string, forms postForms) error {
	det, err := w.app.Post(r.Context(), act, id)
	if err != nil {
		return err
	}
	names := teamNames(det)
	d := postData{Tenant: act.TenantSlug, Detail: det, CommentForm: forms.comment, DeleteForm: forms.del,
		Item: postItem{Post: det.Post, Tenant: act.TenantSlug, Names: names, Me: act.UserID}, Comments: det.Comments,
		Reads: readsData{Reads: det.Reads, NotRead: det.NotRead}}
	d.Back, d.BackKey = postBack(act, det.Post)
	if d.Attachments, err = w.app.Attachments(r.Context(), act, id); err != nil {
		return err
	}
	if !det.Post.Deleted() {
		space := care.Space{Kind: care.SpaceResident, ID: det.Post.ResidentID}
		if det.Post.GroupID != "" {
			space = care.Space{Kind: care.SpaceGroup, ID: det.Post.GroupID}
		}
		if l, err := w.app.Files(r.Context(), act, space, ""); err == nil && l.CanWrite {
			d.Attachable = l.Files
		}
	}
	for _, v := range det.Versions {
		ed := names[v.EditedBy]
		if ed == "" && v.EditedBy == det.Post.AuthorID {
			ed = det.Post.AuthorName
		}
		d.Versions = append(d.Versions, versionItem{PostVersion: v, Template: det.Post.Template, Editor: ed})
	}
	return w.render(rw, r, status, pagePost, view{Notice: noticeKey(r), Data: d})
}

// postBack is the contact book or board of a post.
func postBack(act care.Actor, p care.Post) (string, string) {
	if p.GroupID != "" {
		return groupPath(act, p.GroupID), "post.back_group"
	}
	return residentPath(act, p.ResidentID), "post.back_resident"
}

// teamNames maps the team (or group) of a post's page to names.
func teamNames(det app.PostDetail) map[string]string {
	names := map[string]string{det.Post.AuthorID: det.Post.AuthorName}
	for _, rr := range det.Reads {
		names[rr.UserID] = rr.Name
	}
	for _, m := range det.NotRead {
		names[m.UserID] = m.Name
	}
	return names
}

// addComment replies to a post.
func (w *Web) addComment(rw http.ResponseWriter, r *http.Request, act care.Actor) error {
	f, err := w.parseForm(rw, r, commentSpec)
	if err != nil {
		return err
	}
	id := httpx.PathParam(r, "id")
	c, err := w.app.AddComment(r.Context(), act, id, f.Get("body"))
	if err != nil {
		return refill(f, err, func(status int) error {
			return w.renderPost(rw, r, act, status, id, postForms{comment: f, del: newForm(deleteSpec, nil)})
		})
	}
	return redirect(rw, r, postPath(act, id)+"?notice=commented#comment-"+url.PathEscape(c.ID))
}

func postPath(act care.Actor, id string) string {
	return tenantPath(act.TenantSlug, "posts/"+url.PathEscape(id))
}

// deletePost withdraws the author's post, with a reason; the record stays.
func (w *Web) deletePost(rw http.ResponseWriter, r *http.Request, act care.Actor) error {
	f, err := w.parseForm(rw, r, deleteSpec)
	if err != nil {
		return err
	}
	id := httpx.PathParam(r, "id")
	if err := w.app.DeletePost(r.Context(), act, id, f.Get("reason")); err != nil {
		return refill(f, err, func(status int) error {
			return w.renderPost(rw, r, act, status, id, postForms{comment: newForm(commentSpec, nil), del: f})
		})
	}
	return redirect(rw, r, postPath(act, id)+"?notice=deleted")
}

// markRead marks a post read from a timeline and goes back there.
func (w *Web) markRead(rw http.ResponseWriter, r *http.Request, act care.Actor) error {
	f, err := w.parseForm(rw, r, returnSpec)
	if err != nil {
		return err
	}
	id := httpx.PathParam(r, "id")
	if _, err := w.app.MarkRead(r.Context(), act, id); err != nil {
		return err
	}
	back := f.Get("return")
	if back == "" {
		back = postPath(act, id)
	}
	return redirect(rw, r, safeReturn(back))
}

type postFormData struct {
	Tenant  string
	Item    postItem
	Compose composeData
	// Current is the stored post when an edit was refused as stale.
	Current *postItem
}

// editPost shows the author's post in its form.
func (w *Web) editPost(rw http.ResponseWriter, r *http.Request, act care.Actor) error {
	det, err := w.app.Post(r.Context(), act, httpx.PathParam(r, "id"))
	if err != nil {
		return err
	}
	if det.Post.AuthorID != act.UserID {
		return care.Errorf(care.EForbidden, "error.not_author")
	}
	p := det.Post
	v := url.Values{"category": {string(p.Category)}, "importance": {string(p.Importance)}, "body": {p.Body},
		"addressees": p.Addressees, "version": {strconv.Itoa(p.Version)}}
	for k, val := range p.Fields {
		v.Set("fields."+k, val)
	}
	return w.renderPostForm(rw, r, act, http.StatusOK, newPostForm(p.Template, v), det)
}

func (w *Web) renderPostForm(rw http.ResponseWriter, r *http.Request, act care.Actor, status int, f *Form, det app.PostDetail) error {
	// The template of a post never changes: the stored one decides.
	f.spec = postSpecs[det.Post.Template]
	f.Set("template", string(det.Post.Template))
	names := teamNames(det)
	var members []Choice
	seen := map[string]bool{act.UserID: true}
	add := func(id, name string) {
		if !seen[id] {
			seen[id] = true
			members = append(members, Choice{Value: id, Text: name})
		}
	}
	for _, rr := range det.Reads {
		add(rr.UserID, rr.Name)
	}
	for _, m := range det.NotRead {
		add(m.UserID, m.Name)
	}
	item := postItem{Post: det.Post, Tenant: act.TenantSlug, Names: names, Me: act.UserID}
	c := newCompose(postPath(act, det.Post.ID)+"/edit", f, det.Post.Template, nil, members)
	c.Edit = true
	d := postFormData{Tenant: act.TenantSlug, Item: item, Compose: c}
	if f.Message == "error.stale" {
		d.Current = &item
		f.Set("version", strconv.Itoa(det.Post.Version))
	}
	return w.render(rw, r, status, pagePostForm, view{Form: f, Data: d})
}

// updatePost saves the author's edit; the earlier text is kept as a
// version, and an edit made against an older version is a conflict.
func (w *Web) updatePost(rw http.ResponseWriter, r *http.Request, act care.Actor) error {
	f, t, err := w.parsePostForm(rw, r)
	if err != nil {
		return err
	}
	id := httpx.PathParam(r, "id")
	if _, err := w.app.UpdatePost(r.Context(), act, id, postInput(f, t)); err != nil {
		return refill(f, err, func(status int) error {
			det, err := w.app.Post(r.Context(), act, id)
			if err != nil {
				return err
			}
			return w.renderPostForm(rw, r, act, status, f, det)
		})
	}
	return redirect(rw, r, postPath(act, id)+"?notice=saved")
}

// postComments is a post's comments as a fragment, for the live script.
func (w *Web) postComments(rw http.ResponseWriter, r *http.Request, act care.Actor) error {
	det, err := w.app.Post(r.Context(), act, httpx.PathParam(r, "id"))
	if err != nil {
		return err
	}
	return w.fragment(rw, r, "comments", det.Comments)
}

type readsData struct {
	Reads   []care.ReadReceipt
	NotRead []care.TeamMember
}

// postReads is who has and has not read a post, as a fragment.
func (w *Web) postReads(rw http.ResponseWriter, r *http.Request, act care.Actor) error {
	reads, notRead, err := w.app.Reads(r.Context(), act, httpx.PathParam(r, "id"))
	if err != nil {
		return err
	}
	return w.fragment(rw, r, "reads", readsData{Reads: reads, NotRead: notRead})
}

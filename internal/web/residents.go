package web

import (
	"net/http"
	"net/url"
	"strconv"
	"strings"

	"github.com/renrakucho/renrakucho/internal/app"
	"github.com/renrakucho/renrakucho/internal/care"
	"github.com/renrakucho/renrakucho/internal/httpx"
)

var (
	residentFilterSpec = &formSpec{fields: []specField{
		{name: "q", label: "residents.filter_words"},
		{name: "facility", label: "residents.filter_facility"},
		{name: "care_level", label: "resident.care_level"},
	}}
	residentSpec = &formSpec{fields: []specField{
		{name: "name", label: "resident.name"},
		{name: "kana", label: "resident.kana"},
		{name: "birth_date", label: "resident.birth_date"},
		{name: "sex", label: "resident.sex"},
		{name: "care_level", label: "resident.care_level"},
		{name: "facility", label: "resident.facility"},
		{name: "address", label: "resident.address"},
		{name: "phone", label: "resident.phone"},
		{name: "key_person", label: "resident.key_person"},
		{name: "child", label: "resident.child"},
		{name: "disability", label: "resident.disability"},
		{name: "notes", label: "resident.notes"},
	}, alias: map[string]string{"facility_id": "facility"}}
	endSpec = &formSpec{fields: []specField{
		{name: "date", label: "end.date"},
		{name: "reason", label: "end.reason"},
		{name: "note", label: "end.note"},
	}}
	consentSpec = &formSpec{fields: []specField{
		{name: "method", label: "consent.method"},
		{name: "obtained_at", label: "consent.obtained_at"},
		{name: "obtained_by", label: "consent.obtained_by"},
		{name: "scope", label: "consent.scope"},
	}}
	inviteSpec = &formSpec{fields: []specField{
		{name: "q", label: "invite.words"},
		{name: "facility", label: "invite.facility"},
		{name: "profession", label: "invite.profession"},
		{name: "user_id", label: "invite.user"},
	}}
)

// timelineLimit is how many posts one page of a contact book shows.
const timelineLimit = 30

// facilityNames maps the tenant's facility IDs to their names.
func facilityNames(fs []care.Facility) map[string]string {
	m := make(map[string]string, len(fs))
	for _, f := range fs {
		m[f.ID] = f.Name
	}
	return m
}

// allFacilities are every facility of the tenant as choices.
func allFacilities(fs []care.Facility) []Choice {
	out := make([]Choice, len(fs))
	for i, f := range fs {
		out[i] = Choice{Value: f.ID, Text: f.Name}
	}
	return out
}

type residentsData struct {
	Tenant     string
	Ended      bool
	Residents  []app.ResidentSummary
	Facilities map[string]string
	FacilityCh []Choice
	CareLevels []Choice
	// Filtered says a filter is set, so "none" means none match.
	Filtered bool
}

// residents lists the residents whose care team the member is on, the
// latest activity first; ?ended=1 lists those whose sharing ended.
func (w *Web) residents(rw http.ResponseWriter, r *http.Request, act care.Actor) error {
	q := r.URL.Query()
	f := newForm(residentFilterSpec, q)
	fs, err := w.app.Facilities(r.Context(), act)
	if err != nil {
		return err
	}
	d := residentsData{Tenant: act.TenantSlug, Ended: q.Get("ended") != "", Facilities: facilityNames(fs),
		FacilityCh: allFacilities(fs), CareLevels: choices("care_level", care.CareLevels)}
	filter := app.ResidentFilter{Query: strings.TrimSpace(f.Get("q")), FacilityID: f.Get("facility"),
		CareLevel: care.CareLevel(f.Get("care_level")), Ended: d.Ended}
	d.Filtered = filter.Query != "" || filter.FacilityID != "" || filter.CareLevel != ""
	var v care.Invalid
	if filter.CareLevel != "" && !known(care.CareLevels, filter.CareLevel) {
		v.Add("care_level", "error.choice")
	}
	if filter.FacilityID != "" && d.Facilities[filter.FacilityID] == "" {
		v.Add("facility", "error.choice")
	}
	render := func(status int) error {
		return w.render(rw, r, status, pageResidents, view{Form: f, Notice: noticeKey(r), Data: d})
	}
	if err := v.Err(); err != nil {
		return refill(f, err, render)
	}
	if d.Residents, err = w.app.Residents(r.Context(), act, filter); err != nil {
		return refill(f, err, render)
	}
	return render(http.StatusOK)
}

func known[T comparable](list []T, v T) bool {
	for _, x := range list {
		if x == v {
			return true
		}
	}
	return false
}

type residentFormData struct {
	Tenant string
	// Resident is the one edited, nil for a new one.
	Resident   *care.Resident
	Action     string
	Sexes      []Choice
	CareLevels []Choice
	// Facilities are the member's own, for the owning facility of a new
	// resident; empty when there is only one to choose.
	Facilities []Choice
	// Current is the stored resident when an edit was refused as stale:
	// what the other person saved, shown beside the user's input.
	Current *care.Resident
}

func (w *Web) renderResidentForm(rw http.ResponseWriter, r *http.Request, act care.Actor, status int, f *Form, res *care.Resident) error {
	d := residentFormData{Tenant: act.TenantSlug, Resident: res, Action: tenantPath(act.TenantSlug, "residents/new"),
		Sexes: choices("sex", care.Sexes), CareLevels: choices("care_level", care.CareLevels)}
	if res != nil {
		d.Action = tenantPath(act.TenantSlug, "residents/"+url.PathEscape(res.ID)+"/edit")
	} else if len(act.Facilities) > 1 {
		fs, err := w.app.Facilities(r.Context(), act)
		if err != nil {
			return err
		}
		for _, fac := range fs {
			if act.InFacility(fac.ID) {
				d.Facilities = append(d.Facilities, Choice{Value: fac.ID, Text: fac.Name})
			}
		}
	}
	if f.Message == "error.stale" && res != nil {
		// Show what is stored now, and let a deliberate resubmission
		// replace that version rather than fail again.
		d.Current = res
		f.Set("version", strconv.Itoa(res.Version))
	}
	return w.render(rw, r, status, pageResidentForm, view{Form: f, Data: d})
}

func residentInput(f *Form) care.ResidentInput {
	v, _ := strconv.Atoi(f.Get("version"))
	return care.ResidentInput{Name: f.Get("name"), Kana: f.Get("kana"), BirthDate: strings.TrimSpace(f.Get("birth_date")),
		Sex: care.Sex(f.Get("sex")), Address: f.Get("address"), Phone: f.Get("phone"),
		CareLevel: care.CareLevel(f.Get("care_level")), Child: f.Get("child") != "", Disability: f.Get("disability") != "",
		KeyPerson: f.Get("key_person"), Notes: f.Get("notes"), FacilityID: f.Get("facility"), Version: v}
}

func residentValues(res care.Resident) url.Values {
	v := url.Values{"name": {res.Name}, "kana": {res.Kana}, "birth_date": {res.BirthDate}, "sex": {string(res.Sex)},
		"address": {res.Address}, "phone": {res.Phone}, "care_level": {string(res.CareLevel)}, "key_person": {res.KeyPerson},
		"notes": {res.Notes}, "version": {strconv.Itoa(res.Version)}}
	if res.Child {
		v.Set("child", "1")
	}
	if res.Disability {
		v.Set("disability", "1")
	}
	return v
}

// newResident shows an empty registration form.
func (w *Web) newResident(rw http.ResponseWriter, r *http.Request, act care.Actor) error {
	if !act.Can(care.ActResidentCreate) {
		return care.Forbidden()
	}
	return w.renderResidentForm(rw, r, act, http.StatusOK, newForm(residentSpec, nil), nil)
}

// createResident registers a resident; the member joins the care team.
func (w *Web) createResident(rw http.ResponseWriter, r *http.Request, act care.Actor) error {
	f, err := w.parseForm(rw, r, residentSpec)
	if err != nil {
		return err
	}
	res, err := w.app.CreateResident(r.Context(), act, residentInput(f))
	if err != nil {
		return refill(f, err, func(status int) error { return w.renderResidentForm(rw, r, act, status, f, nil) })
	}
	return redirect(rw, r, residentPath(act, res.ID)+"?notice=created")
}

// residentPath is the page of a resident.
func residentPath(act care.Actor, id string) string {
	return tenantPath(act.TenantSlug, "residents/"+url.PathEscape(id))
}

// editResident shows a resident's form filled in.
func (w *Web) editResident(rw http.ResponseWriter, r *http.Request, act care.Actor) error {
	p, err := w.app.Resident(r.Context(), act, httpx.PathParam(r, "id"))
	if err != nil {
		return err
	}
	if p.Resident.Ended() {
		return care.Errorf(care.EConflict, "error.resident_ended")
	}
	return w.renderResidentForm(rw, r, act, http.StatusOK, newForm(residentSpec, residentValues(p.Resident)), &p.Resident)
}

// updateResident saves a resident's changes made against the version the
// form was filled with; another person's change in between is a conflict.
func (w *Web) updateResident(rw http.ResponseWriter, r *http.Request, act care.Actor) error {
	f, err := w.parseForm(rw, r, residentSpec)
	if err != nil {
		return err
	}
	id := httpx.PathParam(r, "id")
	if _, err := w.app.UpdateResident(r.Context(), act, id, residentInput(f)); err != nil {
		return refill(f, err, func(status int) error {
			p, err := w.app.Resident(r.Context(), act, id)
			if err != nil {
				return err
			}
			return w.renderResidentForm(rw, r, act, status, f, &p.Resident)
		})
	}
	return redirect(rw, r, residentPath(act, id)+"?notice=saved")
}

type endData struct {
	Tenant   string
	Resident care.Resident
	Reasons  []Choice
}

// confirmEnd shows the form that ends a resident's sharing.
func (w *Web) confirmEnd(rw http.ResponseWriter, r *http.Request, act care.Actor) error {
	p, err := w.app.Resident(r.Context(), act, httpx.PathParam(r, "id"))
	if err != nil {
		return err
	}
	if p.Resident.Ended() {
		return care.Errorf(care.EConflict, "error.resident_ended")
	}
	return w.render(rw, r, http.StatusOK, pageResidentEnd, view{Form: newForm(endSpec, nil),
		Data: endData{Tenant: act.TenantSlug, Resident: p.Resident, Reasons: choices("end_reason", care.EndReasons)}})
}

// endResident ends a resident's sharing: the contact book becomes
// read-only and the resident moves to the ended list.
func (w *Web) endResident(rw http.ResponseWriter, r *http.Request, act care.Actor) error {
	f, err := w.parseForm(rw, r, endSpec)
	if err != nil {
		return err
	}
	id := httpx.PathParam(r, "id")
	in := care.EndInput{Date: strings.TrimSpace(f.Get("date")), Reason: care.EndReason(f.Get("reason")), Note: f.Get("note")}
	if err := w.app.EndResident(r.Context(), act, id, in); err != nil {
		return refill(f, err, func(status int) error {
			p, err := w.app.Resident(r.Context(), act, id)
			if err != nil {
				return err
			}
			return w.render(rw, r, status, pageResidentEnd, view{Form: f,
				Data: endData{Tenant: act.TenantSlug, Resident: p.Resident, Reasons: choices("end_reason", care.EndReasons)}})
		})
	}
	return redirect(rw, r, residentPath(act, id)+"?notice=ended")
}

// residentForms are the forms of a resident's page: one of them comes
// back with the user's input and errors after a refused submission.
type residentForms struct {
	post, consent, invite *Form
	// template is the post form's template.
	template care.Template
}

type residentData struct {
	Tenant   string
	Me       string
	Page     app.ResidentPage
	Writable bool // not ended
	// Manage: the reader may change the profile, consents and team (on
	// the team, not only under break-glass) and the resident is not ended.
	Manage   bool
	Timeline []postItem
	// Older is the link to the next page of older posts, "" at the end.
	Older string
	// Paged says the timeline does not start at the newest post.
	Paged      bool
	Facilities map[string]string
	// Team is the roster in display order: active, then invited.
	Team    []care.TeamMember
	Compose composeData

	ConsentForm *Form
	Methods     []Choice

	InviteForm  *Form
	Professions []Choice
	FacilityCh  []Choice
	// Searched says the directory was searched; Found are the results.
	Searched bool
	Found    []directoryRow
	// BreakGlass are the running break-glass grants on the resident.
	BreakGlass []app.BreakGlassGrant
}

type templateTab struct {
	Template care.Template
	Key      string
	Href     string
	Current  bool
}

type directoryRow struct {
	care.User
	FacilityNames []string
	// Status is the user's place on the team, "" when not on it.
	Status care.TeamStatus
}

// resident shows a resident's page: profile, summary, care team,
// consents and the contact book with its post form.
func (w *Web) resident(rw http.ResponseWriter, r *http.Request, act care.Actor) error {
	q := r.URL.Query()
	forms := residentForms{consent: newForm(consentSpec, nil), invite: newForm(inviteSpec, q),
		template: chosenTemplate(q.Get("template"))}
	forms.post = newPostForm(forms.template, nil)
	return w.renderResident(rw, r, act, http.StatusOK, httpx.PathParam(r, "id"), forms)
}

// chosenTemplate is the template a chooser link names; anything unknown
// is a plain post.
func chosenTemplate(s string) care.Template {
	if _, ok := care.TemplateFields[care.Template(s)]; ok {
		return care.Template(s)
	}
	return care.TemplateNone
}

func (w *Web) renderResident(rw http.ResponseWriter, r *http.Request, act care.Actor, status int, id string, forms residentForms) error {
	ctx := r.Context()
	p, err := w.app.Resident(ctx, act, id)
	if err != nil {
		return err
	}
	before := r.URL.Query().Get("before")
	if r.Method != http.MethodGet {
		before = ""
	}
	tl, err := w.app.Posts(ctx, act, id, before, timelineLimit)
	if err != nil {
		return err
	}
	fs, err := w.app.Facilities(ctx, act)
	if err != nil {
		return err
	}
	bg, err := w.app.ResidentBreakGlass(ctx, act, id)
	if err != nil {
		return err
	}
	base := residentPath(act, id)
	onTeam := false
	for _, m := range p.Team {
		if m.UserID == act.UserID && m.Status == care.TeamActive {
			onTeam = true
		}
	}
	d := residentData{BreakGlass: bg, Manage: onTeam && !p.Resident.Ended(), Tenant: act.TenantSlug, Me: act.UserID, Page: p, Writable: !p.Resident.Ended(),
		Facilities: facilityNames(fs), Paged: before != "",
		ConsentForm: forms.consent, Methods: choices("consent_method", care.ConsentMethods),
		InviteForm: forms.invite, Professions: choices("profession", care.Professions), FacilityCh: allFacilities(fs)}
	names := map[string]string{}
	// The active team members but the writer are the addressees' choices.
	var members []Choice
	status2 := map[string]care.TeamStatus{}
	for _, st := range []care.TeamStatus{care.TeamActive, care.TeamInvited} {
		for _, m := range p.Team {
			if m.Status == st {
				d.Team = append(d.Team, m)
			}
		}
	}
	for _, m := range p.Team {
		names[m.UserID] = m.Name
		status2[m.UserID] = m.Status
		if m.Status == care.TeamActive && m.UserID != act.UserID {
			members = append(members, Choice{Value: m.UserID, Text: m.Name})
		}
	}
	d.Timeline = postItems(act, tl.Items, names, base)
	if tl.Next != "" {
		d.Older = base + "?before=" + url.QueryEscape(tl.Next) + "#timeline"
	}
	d.Compose = newCompose(base+"/posts", forms.post, forms.template, templateTabs(base, forms.template), members)
	d.Compose.Open = r.URL.Query().Get("compose") != ""
	iq := forms.invite
	if iq.Get("q") != "" || iq.Get("facility") != "" || iq.Get("profession") != "" {
		d.Searched = true
		us, err := w.app.Directory(ctx, act, app.UserFilter{Query: strings.TrimSpace(iq.Get("q")), Facility: iq.Get("facility"),
			Profession: care.Profession(iq.Get("profession"))})
		if err != nil {
			return err
		}
		for _, u := range us {
			row := directoryRow{User: u, Status: status2[u.ID]}
			for _, fid := range u.Facilities {
				row.FacilityNames = append(row.FacilityNames, d.Facilities[fid])
			}
			d.Found = append(d.Found, row)
		}
	}
	notice := noticeKey(r)
	if !d.Writable {
		// The refused form is not shown on a read-only page: say why.
		for _, f := range []*Form{forms.post, forms.consent, forms.invite} {
			if f.Message != "" {
				notice = f.Message
			}
		}
	}
	return w.render(rw, r, status, pageResident, view{Notice: notice, Data: d})
}

// templateTabs are the post form's template chooser: links that show the
// form with another template's fields, so it works without a script.
func templateTabs(base string, current care.Template) []templateTab {
	tabs := []templateTab{{Template: care.TemplateNone, Key: "template.plain", Href: base + "#post-form"}}
	for _, t := range []care.Template{care.TemplateHandover, care.TemplateVisit, care.TemplateMedication} {
		tabs = append(tabs, templateTab{Template: t, Key: "template." + string(t),
			Href: base + "?template=" + string(t) + "#post-form"})
	}
	for i := range tabs {
		tabs[i].Current = tabs[i].Template == current
	}
	return tabs
}

// createPost writes a post in a resident's contact book.
func (w *Web) createPost(rw http.ResponseWriter, r *http.Request, act care.Actor) error {
	f, tmpl, err := w.parsePostForm(rw, r)
	if err != nil {
		return err
	}
	id := httpx.PathParam(r, "id")
	p, err := w.app.CreatePost(r.Context(), act, id, postInput(f, tmpl))
	if err != nil {
		return refill(f, err, func(status int) error {
			return w.renderResident(rw, r, act, status, id, residentForms{post: f, template: tmpl,
				consent: newForm(consentSpec, nil), invite: newForm(inviteSpec, nil)})
		})
	}
	return redirect(rw, r, residentPath(act, id)+"?notice=posted#post-"+url.PathEscape(p.ID))
}

// addConsent records a consent.
func (w *Web) addConsent(rw http.ResponseWriter, r *http.Request, act care.Actor) error {
	f, err := w.parseForm(rw, r, consentSpec)
	if err != nil {
		return err
	}
	id := httpx.PathParam(r, "id")
	in := care.ConsentInput{Method: care.ConsentMethod(f.Get("method")), ObtainedAt: strings.TrimSpace(f.Get("obtained_at")),
		ObtainedBy: f.Get("obtained_by"), Scope: f.Get("scope")}
	if _, err := w.app.AddConsent(r.Context(), act, id, in); err != nil {
		return refill(f, err, func(status int) error {
			return w.renderResident(rw, r, act, status, id, residentForms{consent: f, post: newPostForm("", nil),
				invite: newForm(inviteSpec, nil)})
		})
	}
	return redirect(rw, r, residentPath(act, id)+"?notice=consent_added#consents")
}

// revokeConsent revokes a consent: members outside the owning facility
// lose access at once.
func (w *Web) revokeConsent(rw http.ResponseWriter, r *http.Request, act care.Actor) error {
	id := httpx.PathParam(r, "id")
	if err := w.app.RevokeConsent(r.Context(), act, id, httpx.PathParam(r, "cid")); err != nil {
		return err
	}
	return redirect(rw, r, residentPath(act, id)+"?notice=consent_revoked#consents")
}

// invite invites a member of the tenant to the care team.
func (w *Web) invite(rw http.ResponseWriter, r *http.Request, act care.Actor) error {
	f, err := w.parseForm(rw, r, inviteSpec)
	if err != nil {
		return err
	}
	id := httpx.PathParam(r, "id")
	if _, err := w.app.Invite(r.Context(), act, id, f.Get("user_id")); err != nil {
		return refill(f, err, func(status int) error {
			return w.renderResident(rw, r, act, status, id, residentForms{invite: f, post: newPostForm("", nil),
				consent: newForm(consentSpec, nil)})
		})
	}
	return redirect(rw, r, residentPath(act, id)+"?notice=invited#team")
}

// acceptInvitation joins the care team the member was invited to.
func (w *Web) acceptInvitation(rw http.ResponseWriter, r *http.Request, act care.Actor) error {
	id := httpx.PathParam(r, "id")
	if err := w.app.AcceptInvitation(r.Context(), act, id); err != nil {
		return err
	}
	return redirect(rw, r, residentPath(act, id)+"?notice=accepted")
}

// declineInvitation declines it.
func (w *Web) declineInvitation(rw http.ResponseWriter, r *http.Request, act care.Actor) error {
	if err := w.app.DeclineInvitation(r.Context(), act, httpx.PathParam(r, "id")); err != nil {
		return err
	}
	return redirect(rw, r, tenantPath(act.TenantSlug, "?notice=declined"))
}

// leaveTeam leaves a care team; the resident is no longer the member's.
func (w *Web) leaveTeam(rw http.ResponseWriter, r *http.Request, act care.Actor) error {
	if err := w.app.LeaveTeam(r.Context(), act, httpx.PathParam(r, "id")); err != nil {
		return err
	}
	return redirect(rw, r, tenantPath(act.TenantSlug, "residents?notice=left"))
}

// removeFromTeam removes another member from the care team.
func (w *Web) removeFromTeam(rw http.ResponseWriter, r *http.Request, act care.Actor) error {
	id := httpx.PathParam(r, "id")
	if err := w.app.RemoveFromTeam(r.Context(), act, id, httpx.PathParam(r, "uid")); err != nil {
		return err
	}
	return redirect(rw, r, residentPath(act, id)+"?notice=removed#team")
}

// residentTimeline is the newest posts of a contact book as a fragment,
// for the live script to merge into the page.
func (w *Web) residentTimeline(rw http.ResponseWriter, r *http.Request, act care.Actor) error {
	id := httpx.PathParam(r, "id")
	tl, err := w.app.Posts(r.Context(), act, id, "", liveLimit)
	if err != nil {
		return err
	}
	team, err := w.app.Team(r.Context(), act, id)
	if err != nil {
		return err
	}
	names := map[string]string{}
	for _, m := range team {
		names[m.UserID] = m.Name
	}
	return w.fragment(rw, r, "timeline_fragment", timelineFragment{Items: postItems(act, tl.Items, names, residentPath(act, id))})
}

type registerData struct {
	Ended      bool
	Entries    []app.RegisterEntry
	Facilities map[string]string
	FacilityCh []Choice
}

var registerFilterSpec = &formSpec{fields: []specField{
	{name: "q", label: "residents.filter_words"},
	{name: "facility", label: "residents.filter_facility"},
}}

// register is the resident register of the admin console: who is
// registered, by which facility, consent and team — never the posts.
func (w *Web) register(rw http.ResponseWriter, r *http.Request, act care.Actor) error {
	q := r.URL.Query()
	f := newForm(registerFilterSpec, q)
	fs, err := w.app.Facilities(r.Context(), act)
	if err != nil {
		return err
	}
	d := registerData{Ended: q.Get("ended") != "", Facilities: facilityNames(fs), FacilityCh: facilityChoices(act, fs)}
	if d.Entries, err = w.app.ResidentRegister(r.Context(), act, app.ResidentFilter{Query: strings.TrimSpace(f.Get("q")),
		FacilityID: f.Get("facility"), Ended: d.Ended}); err != nil {
		return err
	}
	return w.render(rw, r, http.StatusOK, pageRegister, view{Form: f, Data: d})
}

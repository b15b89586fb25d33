package api

import (
	"net/http"
	"slices"
	"strconv"
	"time"
	"unicode/utf8"

	"github.com/renrakucho/renrakucho/internal/app"
	"github.com/renrakucho/renrakucho/internal/care"
	"github.com/renrakucho/renrakucho/internal/httpx"
)

// residentJSON is a resident as DESIGN §8 names one. The end_* members are
// "" and ended_at null while the resident's sharing goes on.
type residentJSON struct {
	ID            string         `json:"id"`
	Name          string         `json:"name"`
	Kana          string         `json:"kana"`
	BirthDate     string         `json:"birth_date"`
	Sex           care.Sex       `json:"sex"`
	Address       string         `json:"address"`
	Phone         string         `json:"phone"`
	CareLevel     care.CareLevel `json:"care_level"`
	KeyPerson     string         `json:"key_person"`
	Notes         string         `json:"notes"`
	Child         bool           `json:"child"`
	Disability    bool           `json:"disability"`
	FacilityID    string         `json:"facility_id"`
	Version       int            `json:"version"`
	ConsentActive bool           `json:"consent_active"`
	EndedAt       *time.Time     `json:"ended_at"`
	EndDate       string         `json:"end_date"`
	EndReason     care.EndReason `json:"end_reason"`
	EndNote       string         `json:"end_note"`
	CreatedAt     time.Time      `json:"created_at"`
	UpdatedAt     time.Time      `json:"updated_at"`
	LastActivity  time.Time      `json:"last_activity"`
}

func renderResident(r care.Resident) residentJSON {
	return residentJSON{ID: r.ID, Name: r.Name, Kana: r.Kana, BirthDate: r.BirthDate, Sex: r.Sex, Address: r.Address,
		Phone: r.Phone, CareLevel: r.CareLevel, KeyPerson: r.KeyPerson, Notes: r.Notes, Child: r.Child,
		Disability: r.Disability, FacilityID: r.FacilityID, Version: r.Version, ConsentActive: r.ConsentActive,
		EndedAt: utcPtr(r.EndedAt), EndDate: r.EndDate, EndReason: r.EndReason, EndNote: r.EndNote,
		CreatedAt: r.CreatedAt.UTC(), UpdatedAt: r.UpdatedAt.UTC(), LastActivity: r.LastActivity.UTC()}
}

// residentSummaryJSON is a resident in the member's list, with the
// caller's unread and unread-urgent counts.
type residentSummaryJSON struct {
	residentJSON
	Unread   int `json:"unread"`
	Urgent   int `json:"urgent"`
	TeamSize int `json:"team_size"`
}

func renderResidentSummary(s app.ResidentSummary) residentSummaryJSON {
	return residentSummaryJSON{residentJSON: renderResident(s.Resident), Unread: s.Unread, Urgent: s.Urgent,
		TeamSize: s.TeamSize}
}

// residentPageJSON is one resident with everything the resident page
// shows besides the timeline.
type residentPageJSON struct {
	residentJSON
	Consents []consentJSON `json:"consents"`
	Team     []memberJSON  `json:"team"`
	Summary  summaryJSON   `json:"summary"`
	MyStatus string        `json:"my_status"`
}

type summaryJSON struct {
	Diagnoses        string    `json:"diagnoses"`
	Medications      string    `json:"medications"`
	LatestHandover   *postJSON `json:"latest_handover"`
	LatestMedication *postJSON `json:"latest_medication"`
	LatestVisit      *postJSON `json:"latest_visit"`
}

func renderSummary(s app.Summary) summaryJSON {
	opt := func(p *care.Post) *postJSON {
		if p == nil {
			return nil
		}
		j := renderPost(*p)
		return &j
	}
	return summaryJSON{Diagnoses: s.Diagnoses, Medications: s.Medications, LatestHandover: opt(s.LatestHandover),
		LatestMedication: opt(s.LatestMedication), LatestVisit: opt(s.LatestVisit)}
}

type consentJSON struct {
	ID         string             `json:"id"`
	Method     care.ConsentMethod `json:"method"`
	ObtainedAt string             `json:"obtained_at"`
	ObtainedBy string             `json:"obtained_by"`
	Scope      string             `json:"scope"`
	RecordedBy string             `json:"recorded_by"`
	CreatedAt  time.Time          `json:"created_at"`
	RevokedAt  *time.Time         `json:"revoked_at"`
}

func renderConsent(c care.Consent) consentJSON {
	return consentJSON{ID: c.ID, Method: c.Method, ObtainedAt: c.ObtainedAt, ObtainedBy: c.ObtainedBy, Scope: c.Scope,
		RecordedBy: c.RecordedBy, CreatedAt: c.CreatedAt.UTC(), RevokedAt: utcPtr(c.RevokedAt)}
}

// registerJSON is a resident as the admins' register shows one: who, where
// and with whose consent and team — never a post.
type registerJSON struct {
	ID            string       `json:"id"`
	Name          string       `json:"name"`
	Kana          string       `json:"kana"`
	BirthDate     string       `json:"birth_date"`
	FacilityID    string       `json:"facility_id"`
	ConsentActive bool         `json:"consent_active"`
	EndedAt       *time.Time   `json:"ended_at"`
	Team          []memberJSON `json:"team"`
}

func renderRegisterEntry(e app.RegisterEntry) registerJSON {
	return registerJSON{ID: e.Resident.ID, Name: e.Resident.Name, Kana: e.Resident.Kana,
		BirthDate: e.Resident.BirthDate, FacilityID: e.Resident.FacilityID, ConsentActive: e.ConsentActive,
		EndedAt: utcPtr(e.Resident.EndedAt), Team: mapSlice(e.Team, renderMember)}
}

type residentIn struct {
	Name       string         `json:"name"`
	Kana       string         `json:"kana"`
	BirthDate  string         `json:"birth_date"`
	Sex        care.Sex       `json:"sex"`
	Address    string         `json:"address"`
	Phone      string         `json:"phone"`
	CareLevel  care.CareLevel `json:"care_level"`
	Child      bool           `json:"child"`
	Disability bool           `json:"disability"`
	KeyPerson  string         `json:"key_person"`
	Notes      string         `json:"notes"`
	FacilityID string         `json:"facility_id"`
}

// residentPatch holds the members a PATCH sent; absent ones stay nil. The
// owning facility does not change.
type residentPatch struct {
	Name       *string         `json:"name"`
	Kana       *string         `json:"kana"`
	BirthDate  *string         `json:"birth_date"`
	Sex        *care.Sex       `json:"sex"`
	Address    *string         `json:"address"`
	Phone      *string         `json:"phone"`
	CareLevel  *care.CareLevel `json:"care_level"`
	Child      *bool           `json:"child"`
	Disability *bool           `json:"disability"`
	KeyPerson  *string         `json:"key_person"`
	Notes      *string         `json:"notes"`
	Version    *int            `json:"version"`
}

type endIn struct {
	Date   string         `json:"date"`
	Reason care.EndReason `json:"reason"`
	Note   string         `json:"note"`
}

type consentIn struct {
	Method     care.ConsentMethod `json:"method"`
	ObtainedAt string             `json:"obtained_at"`
	ObtainedBy string             `json:"obtained_by"`
	Scope      string             `json:"scope"`
}

// residentFilter reads the query parameters q, facility, care_level and
// ended.
func residentFilter(r *http.Request) (app.ResidentFilter, error) {
	q := r.URL.Query()
	f := app.ResidentFilter{Query: q.Get("q"), FacilityID: q.Get("facility"), CareLevel: care.CareLevel(q.Get("care_level"))}
	var v care.Invalid
	if utf8.RuneCountInString(f.Query) > 100 {
		v.Add("q", "error.length")
	}
	if len(f.FacilityID) > 100 {
		v.Add("facility", "error.length")
	}
	if f.CareLevel != "" && !slices.Contains(care.CareLevels, f.CareLevel) {
		v.Add("care_level", "error.choice")
	}
	if s := q.Get("ended"); s != "" {
		ended, err := strconv.ParseBool(s)
		if err != nil {
			v.Add("ended", "error.choice")
		}
		f.Ended = ended
	}
	return f, v.Err()
}

// residents lists, on the user listener, the residents whose care team the
// caller is on; on the admin listener, the register of the residents the
// admin oversees.
func (a *API) residents(w http.ResponseWriter, r *http.Request, act care.Actor) error {
	f, err := residentFilter(r)
	if err != nil {
		return err
	}
	if a.sessions.Listener == care.AdminListener {
		es, err := a.app.ResidentRegister(r.Context(), act, f)
		if err != nil {
			return err
		}
		httpx.WriteJSON(w, http.StatusOK, newList(mapSlice(es, renderRegisterEntry)))
		return nil
	}
	rs, err := a.app.Residents(r.Context(), act, f)
	if err != nil {
		return err
	}
	httpx.WriteJSON(w, http.StatusOK, newList(mapSlice(rs, renderResidentSummary)))
	return nil
}

// createResident registers a resident; the caller joins the care team.
func (a *API) createResident(w http.ResponseWriter, r *http.Request, act care.Actor) error {
	var in residentIn
	if err := a.decode(w, r, &in); err != nil {
		return err
	}
	res, err := a.app.CreateResident(r.Context(), act, care.ResidentInput{Name: in.Name, Kana: in.Kana,
		BirthDate: in.BirthDate, Sex: in.Sex, Address: in.Address, Phone: in.Phone, CareLevel: in.CareLevel,
		Child: in.Child, Disability: in.Disability, KeyPerson: in.KeyPerson, Notes: in.Notes, FacilityID: in.FacilityID})
	if err != nil {
		return err
	}
	w.Header().Set("Location", "/api/v1/residents/"+res.ID)
	httpx.WriteJSON(w, http.StatusCreated, renderResident(res))
	return nil
}

// resident shows one resident with consents, team and summary (a view the
// app logs).
func (a *API) resident(w http.ResponseWriter, r *http.Request, act care.Actor) error {
	p, err := a.app.Resident(r.Context(), act, httpx.PathParam(r, "id"))
	if err != nil {
		return err
	}
	httpx.WriteJSON(w, http.StatusOK, residentPageJSON{residentJSON: renderResident(p.Resident),
		Consents: mapSlice(p.Consents, renderConsent), Team: mapSlice(p.Team, renderMember),
		Summary: renderSummary(p.Summary), MyStatus: string(p.MyStatus)})
	return nil
}

// requireVersion is the error for a PATCH without the version it was made
// against: a change to shared records is never applied blind.
func requireVersion(v *int) error {
	if v == nil {
		return &care.Error{Code: care.EInvalid, Key: "error.required", Field: "version"}
	}
	return nil
}

// updateResident applies a PATCH made against the version sent: it reads
// the resident, replaces the members sent and writes the result back; the
// app refuses it with 409 when the stored version has moved on.
func (a *API) updateResident(w http.ResponseWriter, r *http.Request, act care.Actor) error {
	var in residentPatch
	if err := a.decode(w, r, &in); err != nil {
		return err
	}
	if err := requireVersion(in.Version); err != nil {
		return err
	}
	id := httpx.PathParam(r, "id")
	p, err := a.app.Resident(r.Context(), act, id)
	if err != nil {
		return err
	}
	cur := p.Resident
	u := care.ResidentInput{Name: cur.Name, Kana: cur.Kana, BirthDate: cur.BirthDate, Sex: cur.Sex,
		Address: cur.Address, Phone: cur.Phone, CareLevel: cur.CareLevel, Child: cur.Child, Disability: cur.Disability,
		KeyPerson: cur.KeyPerson, Notes: cur.Notes, FacilityID: cur.FacilityID, Version: *in.Version}
	set(&u.Name, in.Name)
	set(&u.Kana, in.Kana)
	set(&u.BirthDate, in.BirthDate)
	set(&u.Sex, in.Sex)
	set(&u.Address, in.Address)
	set(&u.Phone, in.Phone)
	set(&u.CareLevel, in.CareLevel)
	set(&u.Child, in.Child)
	set(&u.Disability, in.Disability)
	set(&u.KeyPerson, in.KeyPerson)
	set(&u.Notes, in.Notes)
	res, err := a.app.UpdateResident(r.Context(), act, id, u)
	if err != nil {
		return err
	}
	httpx.WriteJSON(w, http.StatusOK, renderResident(res))
	return nil
}

// endResident ends the resident's sharing: the contact book becomes
// read-only and the resident moves to the ended list.
func (a *API) endResident(w http.ResponseWriter, r *http.Request, act care.Actor) error {
	var in endIn
	if err := a.decode(w, r, &in); err != nil {
		return err
	}
	err := a.app.EndResident(r.Context(), act, httpx.PathParam(r, "id"),
		care.EndInput{Date: in.Date, Reason: in.Reason, Note: in.Note})
	if err != nil {
		return err
	}
	w.WriteHeader(http.StatusNoContent)
	return nil
}

func (a *API) addConsent(w http.ResponseWriter, r *http.Request, act care.Actor) error {
	var in consentIn
	if err := a.decode(w, r, &in); err != nil {
		return err
	}
	id := httpx.PathParam(r, "id")
	c, err := a.app.AddConsent(r.Context(), act, id, care.ConsentInput{Method: in.Method, ObtainedAt: in.ObtainedAt,
		ObtainedBy: in.ObtainedBy, Scope: in.Scope})
	if err != nil {
		return err
	}
	httpx.WriteJSON(w, http.StatusCreated, renderConsent(c))
	return nil
}

// revokeConsent revokes a consent; members outside the owning facility
// lose access at once.
func (a *API) revokeConsent(w http.ResponseWriter, r *http.Request, act care.Actor) error {
	if err := a.app.RevokeConsent(r.Context(), act, httpx.PathParam(r, "id"), httpx.PathParam(r, "cid")); err != nil {
		return err
	}
	w.WriteHeader(http.StatusNoContent)
	return nil
}

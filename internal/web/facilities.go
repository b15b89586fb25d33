package web

import (
	"net/http"
	"net/url"

	"github.com/renrakucho/renrakucho/internal/care"
	"github.com/renrakucho/renrakucho/internal/httpx"
)

var facilitySpec = &formSpec{fields: []specField{
	{name: "kind", label: "facility.kind"},
	{name: "name", label: "facility.name"},
	{name: "area", label: "facility.area"},
	{name: "address", label: "facility.address"},
	{name: "phone", label: "facility.phone"},
}}

type facilitiesData struct {
	Facilities []care.Facility
	Manage     bool
}

// facilities lists the tenant's facilities.
func (w *Web) facilities(rw http.ResponseWriter, r *http.Request, act care.Actor) error {
	fs, err := w.app.Facilities(r.Context(), act)
	if err != nil {
		return err
	}
	return w.render(rw, r, http.StatusOK, pageFacilities, view{Notice: noticeKey(r),
		Data: facilitiesData{Facilities: fs, Manage: act.Can(care.ActFacilityManage)}})
}

type facilityFormData struct {
	// ID is the facility edited, "" for a new one.
	ID     string
	Action string
	Kinds  []Choice
}

func (w *Web) renderFacilityForm(rw http.ResponseWriter, r *http.Request, status int, f *Form, id string) error {
	d := facilityFormData{ID: id, Action: "/admin/facilities/new", Kinds: choices("kind", care.FacilityKinds)}
	if id != "" {
		d.Action = "/admin/facilities/" + url.PathEscape(id)
	}
	return w.render(rw, r, status, pageFacilityForm, view{Form: f, Data: d})
}

func facilityFrom(f *Form, id string) care.Facility {
	return care.Facility{ID: id, Kind: care.FacilityKind(f.Get("kind")), Name: f.Get("name"), Area: f.Get("area"),
		Address: f.Get("address"), Phone: f.Get("phone")}
}

// newFacility shows an empty facility form.
func (w *Web) newFacility(rw http.ResponseWriter, r *http.Request, act care.Actor) error {
	if !act.Can(care.ActFacilityManage) {
		return care.Forbidden()
	}
	return w.renderFacilityForm(rw, r, http.StatusOK, newForm(facilitySpec, nil), "")
}

// createFacility adds a facility.
func (w *Web) createFacility(rw http.ResponseWriter, r *http.Request, act care.Actor) error {
	f, err := w.parseForm(rw, r, facilitySpec)
	if err != nil {
		return err
	}
	if _, err := w.app.CreateFacility(r.Context(), act, facilityFrom(f, "")); err != nil {
		return refill(f, err, func(status int) error { return w.renderFacilityForm(rw, r, status, f, "") })
	}
	return redirect(rw, r, "/admin/facilities?notice=created")
}

// editFacility shows a facility's form filled in.
func (w *Web) editFacility(rw http.ResponseWriter, r *http.Request, act care.Actor) error {
	if !act.Can(care.ActFacilityManage) {
		return care.Forbidden()
	}
	fac, err := w.app.Facility(r.Context(), act, httpx.PathParam(r, "id"))
	if err != nil {
		return err
	}
	f := newForm(facilitySpec, nil)
	f.Set("kind", string(fac.Kind))
	f.Set("name", fac.Name)
	f.Set("area", fac.Area)
	f.Set("address", fac.Address)
	f.Set("phone", fac.Phone)
	return w.renderFacilityForm(rw, r, http.StatusOK, f, fac.ID)
}

// updateFacility saves a facility's changes.
func (w *Web) updateFacility(rw http.ResponseWriter, r *http.Request, act care.Actor) error {
	f, err := w.parseForm(rw, r, facilitySpec)
	if err != nil {
		return err
	}
	id := httpx.PathParam(r, "id")
	if _, err := w.app.UpdateFacility(r.Context(), act, facilityFrom(f, id)); err != nil {
		return refill(f, err, func(status int) error { return w.renderFacilityForm(rw, r, status, f, id) })
	}
	return redirect(rw, r, "/admin/facilities?notice=saved")
}

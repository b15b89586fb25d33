package api

import (
	"net/http"

	"github.com/renrakucho/renrakucho/internal/care"
	"github.com/renrakucho/renrakucho/internal/httpx"
)

type facilityIn struct {
	Kind    care.FacilityKind `json:"kind"`
	Name    string            `json:"name"`
	Address string            `json:"address"`
	Phone   string            `json:"phone"`
	Area    string            `json:"area"`
}

// facilityPatch holds the members a PATCH sent; absent ones stay nil.
type facilityPatch struct {
	Kind    *care.FacilityKind `json:"kind"`
	Name    *string            `json:"name"`
	Address *string            `json:"address"`
	Phone   *string            `json:"phone"`
	Area    *string            `json:"area"`
}

func (a *API) facilities(w http.ResponseWriter, r *http.Request, act care.Actor) error {
	fs, err := a.app.Facilities(r.Context(), act)
	if err != nil {
		return err
	}
	httpx.WriteJSON(w, http.StatusOK, newList(mapSlice(fs, renderFacility)))
	return nil
}

func (a *API) facility(w http.ResponseWriter, r *http.Request, act care.Actor) error {
	f, err := a.app.Facility(r.Context(), act, httpx.PathParam(r, "id"))
	if err != nil {
		return err
	}
	httpx.WriteJSON(w, http.StatusOK, renderFacility(f))
	return nil
}

func (a *API) createFacility(w http.ResponseWriter, r *http.Request, act care.Actor) error {
	var in facilityIn
	if err := a.decode(w, r, &in); err != nil {
		return err
	}
	f, err := a.app.CreateFacility(r.Context(), act, care.Facility{Kind: in.Kind, Name: in.Name, Address: in.Address,
		Phone: in.Phone, Area: in.Area})
	if err != nil {
		return err
	}
	w.Header().Set("Location", "/api/v1/facilities/"+f.ID)
	httpx.WriteJSON(w, http.StatusCreated, renderFacility(f))
	return nil
}

// updateFacility applies a PATCH: it reads the facility, replaces the
// members sent and writes it back. The read is a separate use case, so a
// concurrent PATCH of another member can be overwritten (last write wins).
func (a *API) updateFacility(w http.ResponseWriter, r *http.Request, act care.Actor) error {
	var in facilityPatch
	if err := a.decode(w, r, &in); err != nil {
		return err
	}
	f, err := a.app.Facility(r.Context(), act, httpx.PathParam(r, "id"))
	if err != nil {
		return err
	}
	set(&f.Kind, in.Kind)
	set(&f.Name, in.Name)
	set(&f.Address, in.Address)
	set(&f.Phone, in.Phone)
	set(&f.Area, in.Area)
	if f, err = a.app.UpdateFacility(r.Context(), act, f); err != nil {
		return err
	}
	httpx.WriteJSON(w, http.StatusOK, renderFacility(f))
	return nil
}

// set replaces *dst by *v when the PATCH sent v.
func set[T any](dst *T, v *T) {
	if v != nil {
		*dst = *v
	}
}

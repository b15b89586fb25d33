package web

import (
	"net/http"
	"net/url"

	"github.com/renrakucho/renrakucho/internal/app"
	"github.com/renrakucho/renrakucho/internal/care"
	"github.com/renrakucho/renrakucho/internal/httpx"
)

var (
	userFilterSpec = &formSpec{fields: []specField{
		{name: "facility", label: "users.filter_facility"},
		{name: "q", label: "users.filter_words"},
	}}
	userSpec = &formSpec{fields: []specField{
		{name: "login_id", label: "user.login_id"},
		{name: "name", label: "user.name"},
		{name: "kana", label: "user.kana"},
		{name: "profession", label: "user.profession"},
		{name: "email", label: "user.email"},
		{name: "role", label: "user.role"},
		{name: "facilities", label: "user.facilities"},
		{name: "password", label: "user.password", secret: true},
		{name: "active", label: "user.active"},
	}}
)

// facilityChoices are the facilities an admin may put users in: all of
// the tenant's for a tenant admin, their own for a facility admin.
func facilityChoices(act care.Actor, fs []care.Facility) []Choice {
	var out []Choice
	for _, f := range fs {
		if act.Role == care.RoleTenantAdmin || act.InFacility(f.ID) {
			out = append(out, Choice{Value: f.ID, Text: f.Name})
		}
	}
	return out
}

// roleChoices are the roles an admin may give: a facility admin never
// makes a tenant admin.
func roleChoices(act care.Actor) []Choice {
	var roles []care.Role
	for _, r := range care.TenantRoles {
		if r != care.RoleTenantAdmin || act.Role == care.RoleTenantAdmin {
			roles = append(roles, r)
		}
	}
	return choices("role", roles)
}

type userRow struct {
	care.User
	FacilityNames []string
}

type usersData struct {
	Users      []userRow
	Facilities []Choice
}

// users lists the users an admin manages, filtered by facility and words.
func (w *Web) users(rw http.ResponseWriter, r *http.Request, act care.Actor) error {
	f := newForm(userFilterSpec, r.URL.Query())
	fs, err := w.app.Facilities(r.Context(), act)
	if err != nil {
		return err
	}
	us, err := w.app.Users(r.Context(), act, app.UserFilter{Facility: f.Get("facility"), Query: f.Get("q")})
	if err != nil {
		return err
	}
	names := map[string]string{}
	for _, fac := range fs {
		names[fac.ID] = fac.Name
	}
	rows := make([]userRow, len(us))
	for i, u := range us {
		rows[i].User = u
		for _, id := range u.Facilities {
			rows[i].FacilityNames = append(rows[i].FacilityNames, names[id])
		}
	}
	return w.render(rw, r, http.StatusOK, pageUsers, view{Form: f, Notice: noticeKey(r),
		Data: usersData{Users: rows, Facilities: facilityChoices(act, fs)}})
}

type userFormData struct {
	// User is the user edited, nil for a new one.
	User        *care.User
	Action      string
	Professions []Choice
	Roles       []Choice
	Facilities  []Choice
	// CanCert says whether the actor may issue this user a client
	// certificate.
	CanCert bool
}

// renderUserForm shows the user form with the choices the actor may make.
func (w *Web) renderUserForm(rw http.ResponseWriter, r *http.Request, act care.Actor, status int, f *Form, u *care.User) error {
	fs, err := w.app.Facilities(r.Context(), act)
	if err != nil {
		return err
	}
	d := userFormData{User: u, Action: "/admin/users/new", Professions: choices("profession", care.Professions),
		Roles: roleChoices(act), Facilities: facilityChoices(act, fs)}
	if u != nil {
		d.Action = "/admin/users/" + url.PathEscape(u.ID)
		d.CanCert = act.Role == care.RoleTenantAdmin && u.Role.IsAdmin() && u.Active
	}
	return w.render(rw, r, status, pageUserForm, view{Form: f, Notice: noticeKey(r), Data: d})
}

func userInput(f *Form) care.UserInput {
	return care.UserInput{LoginID: f.Get("login_id"), Name: f.Get("name"), Kana: f.Get("kana"),
		Profession: care.Profession(f.Get("profession")), Email: f.Get("email"), Role: care.Role(f.Get("role")),
		Facilities: f.Values["facilities"], Password: f.Get("password")}
}

// newUser shows an empty user form.
func (w *Web) newUser(rw http.ResponseWriter, r *http.Request, act care.Actor) error {
	if !act.Can(care.ActUserManage) {
		return care.Forbidden()
	}
	f := newForm(userSpec, nil)
	f.Set("role", string(care.RoleMember))
	return w.renderUserForm(rw, r, act, http.StatusOK, f, nil)
}

// createUser registers a user.
func (w *Web) createUser(rw http.ResponseWriter, r *http.Request, act care.Actor) error {
	f, err := w.parseForm(rw, r, userSpec)
	if err != nil {
		return err
	}
	if _, err := w.app.CreateUser(r.Context(), act, userInput(f)); err != nil {
		return refill(f, err, func(status int) error { return w.renderUserForm(rw, r, act, status, f, nil) })
	}
	return redirect(rw, r, "/admin/users?notice=created")
}

// editUser shows a user's form filled in.
func (w *Web) editUser(rw http.ResponseWriter, r *http.Request, act care.Actor) error {
	u, err := w.app.User(r.Context(), act, httpx.PathParam(r, "id"))
	if err != nil {
		return err
	}
	f := newForm(userSpec, url.Values{
		"name": {u.Name}, "kana": {u.Kana}, "profession": {string(u.Profession)}, "email": {u.Email},
		"role": {string(u.Role)}, "facilities": u.Facilities,
	})
	if u.Active {
		f.Set("active", "1")
	}
	return w.renderUserForm(rw, r, act, http.StatusOK, f, &u)
}

// updateUser saves a user's changes.
func (w *Web) updateUser(rw http.ResponseWriter, r *http.Request, act care.Actor) error {
	f, err := w.parseForm(rw, r, userSpec)
	if err != nil {
		return err
	}
	id := httpx.PathParam(r, "id")
	in := userInput(f)
	in.LoginID, in.Password = "", ""
	if _, err := w.app.UpdateUser(r.Context(), act, id, app.UserUpdate{UserInput: in, Active: f.Get("active") != ""}); err != nil {
		return refill(f, err, func(status int) error {
			u, err := w.app.User(r.Context(), act, id)
			if err != nil {
				return err
			}
			return w.renderUserForm(rw, r, act, status, f, &u)
		})
	}
	return redirect(rw, r, "/admin/users?notice=saved")
}

// confirmDeleteUser asks before deleting a user.
func (w *Web) confirmDeleteUser(rw http.ResponseWriter, r *http.Request, act care.Actor) error {
	u, err := w.app.User(r.Context(), act, httpx.PathParam(r, "id"))
	if err != nil {
		return err
	}
	return w.render(rw, r, http.StatusOK, pageUserDelete, view{Data: u})
}

// deleteUser deletes a user.
func (w *Web) deleteUser(rw http.ResponseWriter, r *http.Request, act care.Actor) error {
	if err := w.app.DeleteUser(r.Context(), act, httpx.PathParam(r, "id")); err != nil {
		return err
	}
	return redirect(rw, r, "/admin/users?notice=deleted")
}

// issueUserCert issues a client certificate to an admin of the actor's
// own tenant. The path names the user; the certificate binds the login.
func (w *Web) issueUserCert(rw http.ResponseWriter, r *http.Request, act care.Actor) error {
	u, err := w.app.User(r.Context(), act, httpx.PathParam(r, "id"))
	if err != nil {
		return err
	}
	c, err := w.app.IssueClientCert(r.Context(), act, act.TenantSlug, u.LoginID)
	if err != nil {
		return err
	}
	return w.renderCert(rw, r, c, "/admin/users/"+url.PathEscape(u.ID))
}

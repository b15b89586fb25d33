package api

import (
	"net/http"
	"unicode/utf8"

	"github.com/renrakucho/renrakucho/internal/app"
	"github.com/renrakucho/renrakucho/internal/care"
	"github.com/renrakucho/renrakucho/internal/httpx"
)

type userIn struct {
	LoginID    string          `json:"login_id"`
	Name       string          `json:"name"`
	Kana       string          `json:"kana"`
	Profession care.Profession `json:"profession"`
	Email      string          `json:"email"`
	Role       care.Role       `json:"role"`
	Facilities []string        `json:"facilities"`
	Password   string          `json:"password"`
}

// userPatch holds the members a PATCH sent; absent ones stay nil.
type userPatch struct {
	Name       *string          `json:"name"`
	Kana       *string          `json:"kana"`
	Profession *care.Profession `json:"profession"`
	Email      *string          `json:"email"`
	Role       *care.Role       `json:"role"`
	Facilities *[]string        `json:"facilities"`
	Active     *bool            `json:"active"`
}

// userFilter reads the query parameters q, facility and profession.
func userFilter(r *http.Request) (app.UserFilter, error) {
	q := r.URL.Query()
	f := app.UserFilter{Query: q.Get("q"), Facility: q.Get("facility"), Profession: care.Profession(q.Get("profession"))}
	var v care.Invalid
	if utf8.RuneCountInString(f.Query) > 100 {
		v.Add("q", "error.length")
	}
	if len(f.Facility) > 100 {
		v.Add("facility", "error.length")
	}
	if f.Profession != "" && !validProfession(f.Profession) {
		v.Add("profession", "error.choice")
	}
	return f, v.Err()
}

func validProfession(p care.Profession) bool {
	for _, x := range care.Professions {
		if x == p {
			return true
		}
	}
	return false
}

// directory lists the tenant's active users for members building a team.
func (a *API) directory(w http.ResponseWriter, r *http.Request, act care.Actor) error {
	f, err := userFilter(r)
	if err != nil {
		return err
	}
	us, err := a.app.Directory(r.Context(), act, f)
	if err != nil {
		return err
	}
	httpx.WriteJSON(w, http.StatusOK, newList(mapSlice(us, renderDirectoryEntry)))
	return nil
}

// users lists the users an admin manages.
func (a *API) users(w http.ResponseWriter, r *http.Request, act care.Actor) error {
	f, err := userFilter(r)
	if err != nil {
		return err
	}
	us, err := a.app.Users(r.Context(), act, f)
	if err != nil {
		return err
	}
	httpx.WriteJSON(w, http.StatusOK, newList(mapSlice(us, renderUser)))
	return nil
}

func (a *API) user(w http.ResponseWriter, r *http.Request, act care.Actor) error {
	u, err := a.app.User(r.Context(), act, httpx.PathParam(r, "id"))
	if err != nil {
		return err
	}
	httpx.WriteJSON(w, http.StatusOK, renderUser(u))
	return nil
}

func (a *API) createUser(w http.ResponseWriter, r *http.Request, act care.Actor) error {
	var in userIn
	if err := a.decode(w, r, &in); err != nil {
		return err
	}
	u, err := a.app.CreateUser(r.Context(), act, care.UserInput{LoginID: in.LoginID, Name: in.Name, Kana: in.Kana,
		Profession: in.Profession, Email: in.Email, Role: in.Role, Facilities: in.Facilities, Password: in.Password})
	if err != nil {
		return err
	}
	w.Header().Set("Location", "/api/v1/users/"+u.ID)
	httpx.WriteJSON(w, http.StatusCreated, renderUser(u))
	return nil
}

// updateUser applies a PATCH: it reads the user, replaces the members sent
// and writes the result back (last write wins, as for facilities).
func (a *API) updateUser(w http.ResponseWriter, r *http.Request, act care.Actor) error {
	var in userPatch
	if err := a.decode(w, r, &in); err != nil {
		return err
	}
	id := httpx.PathParam(r, "id")
	u, err := a.app.User(r.Context(), act, id)
	if err != nil {
		return err
	}
	set(&u.Name, in.Name)
	set(&u.Kana, in.Kana)
	set(&u.Profession, in.Profession)
	set(&u.Email, in.Email)
	set(&u.Role, in.Role)
	set(&u.Facilities, in.Facilities)
	set(&u.Active, in.Active)
	u, err = a.app.UpdateUser(r.Context(), act, id, app.UserUpdate{Active: u.Active, UserInput: care.UserInput{
		LoginID: u.LoginID, Name: u.Name, Kana: u.Kana, Profession: u.Profession, Email: u.Email, Role: u.Role,
		Facilities: u.Facilities}})
	if err != nil {
		return err
	}
	httpx.WriteJSON(w, http.StatusOK, renderUser(u))
	return nil
}

func (a *API) deleteUser(w http.ResponseWriter, r *http.Request, act care.Actor) error {
	if err := a.app.DeleteUser(r.Context(), act, httpx.PathParam(r, "id")); err != nil {
		return err
	}
	w.WriteHeader(http.StatusNoContent)
	return nil
}

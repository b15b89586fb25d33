package api

import (
	"net/http"
	"strings"
	"time"

	"github.com/renrakucho/renrakucho/internal/care"
	"github.com/renrakucho/renrakucho/internal/httpx"
)

// passwordChangeAllowed says whether a request may go through while the
// caller must change their password: the change itself, reading one's own
// account, and logging out.
func passwordChangeAllowed(r *http.Request) bool {
	p := strings.TrimSuffix(r.URL.Path, "/")
	switch {
	case r.Method == http.MethodPost && p == "/api/v1/me/password",
		r.Method == http.MethodGet && p == "/api/v1/me",
		r.Method == http.MethodDelete && p == "/api/v1/sessions/current":
		return true
	}
	return false
}

type passwordIn struct {
	CurrentPassword string `json:"current_password"`
	NewPassword     string `json:"new_password"`
}

// changePassword changes the caller's own password; every other session
// of theirs ends. 204.
func (a *API) changePassword(w http.ResponseWriter, r *http.Request, act care.Actor) error {
	var in passwordIn
	if err := a.decode(w, r, &in); err != nil {
		return err
	}
	if err := a.app.ChangePassword(r.Context(), act, in.CurrentPassword, in.NewPassword); err != nil {
		return renameField(err, "password", "new_password")
	}
	w.WriteHeader(http.StatusNoContent)
	return nil
}

// renameField gives a field error the API's member name.
func renameField(err error, from, to string) error {
	e := care.AsError(err)
	if len(e.Fields) == 0 {
		return err
	}
	c := *e
	c.Fields = append([]care.FieldError(nil), e.Fields...)
	for i := range c.Fields {
		if c.Fields[i].Field == from {
			c.Fields[i].Field = to
		}
	}
	return &c
}

// unlockUser lifts a user's lockout. 204; 409 when not locked.
func (a *API) unlockUser(w http.ResponseWriter, r *http.Request, act care.Actor) error {
	if err := a.app.UnlockUser(r.Context(), act, httpx.PathParam(r, "id")); err != nil {
		return err
	}
	w.WriteHeader(http.StatusNoContent)
	return nil
}

// tokyo is where times are shown to users.
var tokyo = func() *time.Location {
	l, err := time.LoadLocation("Asia/Tokyo")
	if err != nil {
		return time.FixedZone("JST", 9*60*60)
	}
	return l
}()

// previousLoginJSON is what a user is told of at login: the login before
// this one (Japan time) and the failed attempts since.
type previousLoginJSON struct {
	At                  *time.Time `json:"at"`
	IP                  string     `json:"ip"`
	FailedAttemptsSince int        `json:"failed_attempts_since"`
}

func renderPreviousLogin(u care.User) previousLoginJSON {
	out := previousLoginJSON{IP: u.PreviousLoginIP, FailedAttemptsSince: u.FailedLoginsSince}
	if u.PreviousLoginAt != nil {
		t := u.PreviousLoginAt.In(tokyo)
		out.At = &t
	}
	return out
}

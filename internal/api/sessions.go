package api

import (
	"net/http"

	"github.com/renrakucho/renrakucho/internal/app"
	"github.com/renrakucho/renrakucho/internal/care"
	"github.com/renrakucho/renrakucho/internal/httpx"
)

type loginIn struct {
	Tenant   string `json:"tenant"`
	LoginID  string `json:"login_id"`
	Password string `json:"password"`
	// OTP is the TOTP code (or a recovery code) of an account with a
	// second factor.
	OTP string `json:"otp"`
}

type meJSON struct {
	User       userJSON       `json:"user"`
	Facilities []facilityJSON `json:"facilities"`
	// PreviousLogin is the login before this session's, with the failed
	// attempts since.
	PreviousLogin previousLoginJSON `json:"previous_login"`
	// MustChangePassword: an admin reissued the password; every other
	// request answers 403 password_change_required until it is changed.
	MustChangePassword bool `json:"must_change_password"`
}

// login opens a session: 201 with the token (also set as the listener's
// cookie) and the user. Every kind of failure is the same 401.
func (a *API) login(w http.ResponseWriter, r *http.Request) error {
	var in loginIn
	if err := a.decode(w, r, &in); err != nil {
		return err
	}
	token, act, err := a.app.Login(r.Context(), app.Credentials{
		Tenant: in.Tenant, LoginID: in.LoginID, Password: in.Password,
		Origin:          a.sessions.Proxies.Origin(r, a.sessions.Listener),
		CertFingerprint: httpx.CertFingerprint(r),
	})
	if err != nil {
		return err
	}
	if act.Stage != "" {
		// The second factor (mfa.go) completes the login or ends it.
		if token, act, err = a.secondFactor(r, act, in.OTP); err != nil {
			return err
		}
	}
	// The response carries the whole account, as GET /me does; reading it
	// is a second, read-only use case on the session just opened.
	u, _, err := a.app.Me(r.Context(), act)
	if err != nil {
		return err
	}
	a.sessions.SetCookie(w, token)
	httpx.WriteJSON(w, http.StatusCreated, struct {
		Token string   `json:"token"`
		User  userJSON `json:"user"`
	}{token, renderUser(u)})
	return nil
}

// logout ends the caller's session.
func (a *API) logout(w http.ResponseWriter, r *http.Request, act care.Actor) error {
	if err := a.app.Logout(r.Context(), act); err != nil {
		return err
	}
	a.sessions.ClearCookie(w)
	w.WriteHeader(http.StatusNoContent)
	return nil
}

// me returns the caller's account and facilities.
func (a *API) me(w http.ResponseWriter, r *http.Request, act care.Actor) error {
	u, fs, err := a.app.Me(r.Context(), act)
	if err != nil {
		return err
	}
	httpx.WriteJSON(w, http.StatusOK, meJSON{User: renderUser(u), Facilities: mapSlice(fs, renderFacility),
		PreviousLogin: renderPreviousLogin(u), MustChangePassword: u.MustChangePassword})
	return nil
}

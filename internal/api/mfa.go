package api

import (
	"net/http"
	"time"

	"github.com/renrakucho/renrakucho/internal/app"
	"github.com/renrakucho/renrakucho/internal/care"
	"github.com/renrakucho/renrakucho/internal/httpx"
)

// secondFactor completes a login whose password was right with the otp
// sent along. A missing or wrong otp gets one and the same answer (the
// problem type second-factor-required) and ends the pending login. An
// account that must first enrol a factor does so in the browser.
func (a *API) secondFactor(r *http.Request, act care.Actor, otp string) (string, care.Actor, error) {
	if act.Stage != "factor" {
		if err := a.app.Logout(r.Context(), act); err != nil {
			return "", care.Actor{}, err
		}
		return "", care.Actor{}, &care.Error{Code: care.EUnauthorized, Key: "error.factor_enrol"}
	}
	// A missing code is a wrong one: the pending login ends, audited.
	token, full, err := a.app.VerifyFactor(r.Context(), act, otp)
	if err != nil {
		if care.ErrorCode(err) == care.EUnauthorized {
			return "", care.Actor{}, app.ErrFactorRequired()
		}
		return "", care.Actor{}, err
	}
	return token, full, nil
}

type sessionJSON struct {
	ID         string    `json:"id"`
	Device     string    `json:"device"`
	Listener   string    `json:"listener"`
	IP         string    `json:"ip"`
	CreatedAt  time.Time `json:"created_at"`
	LastSeenAt time.Time `json:"last_seen_at"`
	ExpiresAt  time.Time `json:"expires_at"`
	Current    bool      `json:"current"`
}

// mySessions lists the caller's sessions on both listeners.
func (a *API) mySessions(w http.ResponseWriter, r *http.Request, act care.Actor) error {
	ss, err := a.app.MySessions(r.Context(), act)
	if err != nil {
		return err
	}
	items := make([]sessionJSON, 0, len(ss))
	for _, s := range ss {
		items = append(items, sessionJSON{ID: s.ID, Device: s.Device, Listener: string(s.Listener), IP: s.IP,
			CreatedAt: s.CreatedAt, LastSeenAt: s.LastSeenAt, ExpiresAt: s.ExpiresAt, Current: s.Current})
	}
	httpx.WriteJSON(w, http.StatusOK, struct {
		Items []sessionJSON `json:"items"`
	}{items})
	return nil
}

// revokeSession ends one of the caller's sessions.
func (a *API) revokeSession(w http.ResponseWriter, r *http.Request, act care.Actor) error {
	id := r.PathValue("id")
	if err := a.app.RevokeSession(r.Context(), act, id); err != nil {
		return err
	}
	if id == act.SessionID {
		a.sessions.ClearCookie(w)
	}
	w.WriteHeader(http.StatusNoContent)
	return nil
}

// signOutUser ends every session of a user (admin).
func (a *API) signOutUser(w http.ResponseWriter, r *http.Request, act care.Actor) error {
	if err := a.app.SignOutEverywhere(r.Context(), act, r.PathValue("id")); err != nil {
		return err
	}
	w.WriteHeader(http.StatusNoContent)
	return nil
}

// resetFactors clears a user's second factors after a loss (admin).
func (a *API) resetFactors(w http.ResponseWriter, r *http.Request, act care.Actor) error {
	if err := a.app.ResetFactors(r.Context(), act, r.PathValue("id")); err != nil {
		return err
	}
	w.WriteHeader(http.StatusNoContent)
	return nil
}

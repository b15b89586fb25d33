package app

import (
	"context"
	"strings"
	"time"

	"github.com/renrakucho/renrakucho/internal/audit"
	"github.com/renrakucho/renrakucho/internal/care"
	"github.com/renrakucho/renrakucho/internal/store"
)

// The bounds of a tenant's idle timeout: it can be shortened or lengthened
// but never turned off (DESIGN §3.3).
const (
	MinIdleMinutes     = 1
	MaxIdleMinutes     = 60
	DefaultIdleMinutes = 15
)

// SessionInfo is one of a person's sessions as their sessions page shows it.
type SessionInfo struct {
	ID         string
	Device     string // browser and system, read from the User-Agent
	Listener   care.Listener
	IP         string
	CreatedAt  time.Time
	LastSeenAt time.Time
	ExpiresAt  time.Time
	Current    bool // the session of this request
}

// MySessions lists the actor's own signed-in sessions, the most recently
// used first. Logins still waiting for their second factor are not listed.
func (a *App) MySessions(ctx context.Context, act care.Actor) ([]SessionInfo, error) {
	if act.UserID == "" || act.Stage != "" {
		return nil, care.Unauthorized()
	}
	var ss []store.Session
	err := a.inAccount(ctx, act, func(t acct) error {
		var err error
		if t.tx != nil {
			ss, err = t.tx.UserSessions(ctx, act.UserID)
		} else {
			ss, err = t.ptx.OperatorSessions(ctx, act.UserID)
		}
		return err
	})
	if err != nil {
		return nil, err
	}
	out := make([]SessionInfo, 0, len(ss))
	for _, s := range ss {
		if s.Stage != "" {
			continue
		}
		out = append(out, SessionInfo{ID: s.ID, Device: Device(s.UserAgent), Listener: s.Listener, IP: s.IP,
			CreatedAt: s.CreatedAt, LastSeenAt: s.LastSeenAt, ExpiresAt: s.ExpiresAt, Current: s.ID == act.SessionID})
	}
	return out, nil
}

// RevokeSession ends one of the actor's own sessions (the current one
// too: that is a logout). Another person's session is not found.
func (a *App) RevokeSession(ctx context.Context, act care.Actor, id string) error {
	if act.UserID == "" || act.Stage != "" {
		return care.Unauthorized()
	}
	if len(id) > 128 {
		return care.NotFound("session")
	}
	return a.inAccount(ctx, act, func(t acct) error {
		var err error
		if t.tx != nil {
			err = t.tx.DeleteUserSession(ctx, act.UserID, id)
		} else {
			err = t.ptx.DeleteOperatorSessionOf(ctx, act.UserID, id)
		}
		if err != nil {
			return err
		}
		e := entry(act, audit.SessionRevoke, "session", id[:min(len(id), 12)])
		if id == act.SessionID {
			e.Detail = "current"
		}
		return t.audit(ctx, e)
	})
}

// SignOutEverywhere ends every session of a user, by an admin who may
// manage them (a lost phone, a shared computer).
func (a *App) SignOutEverywhere(ctx context.Context, act care.Actor, userID string) error {
	if err := require(act, care.ActUserManage); err != nil {
		return err
	}
	return a.inTenant(ctx, act, func(tx *store.Tx) error {
		u, err := managedUser(ctx, tx, act, userID)
		if err != nil {
			return err
		}
		if err := tx.DeleteUserSessions(ctx, u.ID); err != nil {
			return err
		}
		e := entry(act, audit.SessionsEnd, "user", u.ID)
		e.Detail = u.LoginID
		return tx.AppendAudit(ctx, e)
	})
}

// Device names the browser and system of a User-Agent in a few words
// ("Chrome / Windows"), enough for a person to recognise their devices.
func Device(ua string) string {
	if ua == "" {
		return "?"
	}
	browser := ""
	for _, b := range []struct{ token, name string }{
		{"Edg/", "Edge"}, {"OPR/", "Opera"}, {"Firefox/", "Firefox"}, {"HeadlessChrome/", "Chromium (headless)"},
		{"Chrome/", "Chrome"}, {"CriOS/", "Chrome"}, {"Safari/", "Safari"}, {"curl/", "curl"}, {"Go-http-client/", "Go"},
	} {
		if strings.Contains(ua, b.token) {
			browser = b.name
			break
		}
	}
	system := ""
	for _, s := range []struct{ token, name string }{
		{"iPhone", "iPhone"}, {"iPad", "iPad"}, {"Android", "Android"}, {"Windows", "Windows"},
		{"Mac OS X", "macOS"}, {"CrOS", "ChromeOS"}, {"Linux", "Linux"},
	} {
		if strings.Contains(ua, s.token) {
			system = s.name
			break
		}
	}
	switch {
	case browser != "" && system != "":
		return browser + " / " + system
	case browser != "":
		return browser
	case system != "":
		return system
	}
	if r := []rune(ua); len(r) > 40 {
		ua = string(r[:40]) + "…"
	}
	return ua
}

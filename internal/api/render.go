package api

import (
	"time"

	"github.com/renrakucho/renrakucho/internal/audit"
	"github.com/renrakucho/renrakucho/internal/care"
)

// The JSON documents of the API. Names are snake_case; IDs are opaque
// strings; times are RFC 3339 in UTC.

type userJSON struct {
	ID          string          `json:"id"`
	LoginID     string          `json:"login_id"`
	Name        string          `json:"name"`
	Kana        string          `json:"kana"`
	Profession  care.Profession `json:"profession"`
	Email       string          `json:"email"`
	Role        care.Role       `json:"role"`
	Facilities  []string        `json:"facilities"`
	Active      bool            `json:"active"`
	LastLoginAt *time.Time      `json:"last_login_at"`
	CreatedAt   *time.Time      `json:"created_at"`
	// LockedUntil is the end of a lockout in force (admin views).
	LockedUntil *time.Time `json:"locked_until,omitempty"`
}

func renderUser(u care.User) userJSON {
	out := userJSON{ID: u.ID, LoginID: u.LoginID, Name: u.Name, Kana: u.Kana, Profession: u.Profession, Email: u.Email,
		Role: u.Role, Facilities: strs(u.Facilities), Active: u.Active, LastLoginAt: utcPtr(u.LastLoginAt),
		LockedUntil: utcPtr(u.LockedUntil)}
	if !u.CreatedAt.IsZero() {
		out.CreatedAt = utcPtr(&u.CreatedAt)
	}
	return out
}

// directoryJSON is a user as the directory shows one to members: no
// e-mail address, no last login.
type directoryJSON struct {
	ID         string          `json:"id"`
	LoginID    string          `json:"login_id"`
	Name       string          `json:"name"`
	Kana       string          `json:"kana"`
	Profession care.Profession `json:"profession"`
	Role       care.Role       `json:"role"`
	Facilities []string        `json:"facilities"`
	Active     bool            `json:"active"`
	CreatedAt  time.Time       `json:"created_at"`
}

func renderDirectoryEntry(u care.User) directoryJSON {
	return directoryJSON{ID: u.ID, LoginID: u.LoginID, Name: u.Name, Kana: u.Kana, Profession: u.Profession,
		Role: u.Role, Facilities: strs(u.Facilities), Active: u.Active, CreatedAt: u.CreatedAt.UTC()}
}

type facilityJSON struct {
	ID        string            `json:"id"`
	Kind      care.FacilityKind `json:"kind"`
	Name      string            `json:"name"`
	Address   string            `json:"address"`
	Phone     string            `json:"phone"`
	Area      string            `json:"area"`
	CreatedAt time.Time         `json:"created_at"`
}

func renderFacility(f care.Facility) facilityJSON {
	return facilityJSON{ID: f.ID, Kind: f.Kind, Name: f.Name, Address: f.Address, Phone: f.Phone, Area: f.Area,
		CreatedAt: f.CreatedAt.UTC()}
}

type tenantJSON struct {
	ID        string    `json:"id"`
	Slug      string    `json:"slug"`
	Name      string    `json:"name"`
	Active    bool      `json:"active"`
	Options   []string  `json:"options"`
	CreatedAt time.Time `json:"created_at"`
}

func renderTenant(t care.Tenant) tenantJSON {
	return tenantJSON{ID: t.ID, Slug: t.Slug, Name: t.Name, Active: t.Active, Options: strs(t.Options),
		CreatedAt: t.CreatedAt.UTC()}
}

type auditJSON struct {
	ID         string       `json:"id"`
	At         time.Time    `json:"at"`
	ActorID    string       `json:"actor_id"`
	ActorLogin string       `json:"actor_login"`
	ActorRole  string       `json:"actor_role"`
	Action     audit.Action `json:"action"`
	TargetType string       `json:"target_type"`
	TargetID   string       `json:"target_id"`
	ResidentID string       `json:"resident_id"`
	IP         string       `json:"ip"`
	UserAgent  string       `json:"user_agent"`
	Result     audit.Result `json:"result"`
	Detail     string       `json:"detail"`
}

func renderAudit(e audit.Entry) auditJSON {
	return auditJSON{ID: e.ID, At: e.At.UTC(), ActorID: e.ActorID, ActorLogin: e.ActorLogin, ActorRole: e.ActorRole,
		Action: e.Action, TargetType: e.TargetType, TargetID: e.TargetID, ResidentID: e.ResidentID, IP: e.IP,
		UserAgent: e.UserAgent, Result: e.Result, Detail: e.Detail}
}

// mapSlice renders each element of in.
func mapSlice[T, U any](in []T, fn func(T) U) []U {
	out := make([]U, len(in))
	for i, x := range in {
		out[i] = fn(x)
	}
	return out
}

// strs returns s, or an empty slice for nil, so JSON shows [] not null.
func strs(s []string) []string {
	if s == nil {
		return []string{}
	}
	return s
}

func utcPtr(t *time.Time) *time.Time {
	if t == nil {
		return nil
	}
	u := t.UTC()
	return &u
}

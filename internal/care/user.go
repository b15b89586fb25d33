package care

import (
	"regexp"
	"strings"
	"time"
)

// Profession is a user's job (職種), from GLOSSARY.md.
type Profession string

// Professions lists every profession in display order.
var Professions = []Profession{
	"doctor", "dentist", "pharmacist", "nurse", "public_health_nurse",
	"pt", "ot", "st", "dietitian", "care_manager", "care_worker",
	"home_helper", "social_worker", "msw", "municipal_staff", "paramedic", "other",
}

// User is a professional who logs in, in one tenant.
type User struct {
	ID          string
	TenantID    string
	LoginID     string
	Name        string
	Kana        string
	Profession  Profession
	Email       string
	Role        Role
	Facilities  []string
	Active      bool
	LastLoginAt *time.Time
	LastLoginIP string
	// PreviousLoginAt is the login before the current one: what a user is
	// shown to spot a login that was not theirs.
	PreviousLoginAt *time.Time
	PreviousLoginIP string
	CreatedAt       time.Time
	// MustChangePassword is set after an admin reissues a password.
	MustChangePassword bool
	// LockedUntil is the end of a lockout in force (admin views only).
	LockedUntil *time.Time
	// FailedLoginsSince counts the failed logins under the login ID
	// between the previous login and the current one (the user's own view).
	FailedLoginsSince int
}

var loginRE = regexp.MustCompile(`^[A-Za-z0-9][A-Za-z0-9._-]{1,62}[A-Za-z0-9]$`)

var kanaRE = regexp.MustCompile(`^[\p{Katakana}\p{Hiragana}ー・　 ]*$`)

// UserInput is what an admin sends to create or change a user. Password is
// used only on creation.
type UserInput struct {
	LoginID    string
	Name       string
	Kana       string
	Profession Profession
	Email      string
	Role       Role
	Facilities []string
	Password   string
}

// Validate checks and normalises the input; creating says whether the login
// ID and password are required.
func (u *UserInput) Validate(creating bool) error {
	var v Invalid
	u.LoginID = strings.TrimSpace(u.LoginID)
	u.Name = strings.TrimSpace(u.Name)
	u.Kana = strings.TrimSpace(u.Kana)
	u.Email = strings.TrimSpace(u.Email)
	if creating && !loginRE.MatchString(u.LoginID) {
		v.Add("login_id", "error.login_id")
	}
	checkText(&v, "name", u.Name, 1, 100)
	checkText(&v, "kana", u.Kana, 0, 100)
	if !kanaRE.MatchString(u.Kana) {
		v.Add("kana", "error.kana")
	}
	if !contains(Professions, u.Profession) {
		v.Add("profession", "error.choice")
	}
	if u.Email != "" && !validEmail(u.Email) {
		v.Add("email", "error.email")
	}
	if !u.Role.Valid() {
		v.Add("role", "error.choice")
	}
	if len(u.Facilities) == 0 {
		v.Add("facilities", "error.required")
	}
	if creating {
		if key := CheckPassword(u.Password, u.LoginID, u.Name); key != "" {
			v.Add("password", key)
		}
	}
	return v.Err()
}

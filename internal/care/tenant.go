package care

import (
	"regexp"
	"strings"
	"time"
	"unicode/utf8"
)

// Tenant is one customer: a region's care network.
type Tenant struct {
	ID        string
	Slug      string
	Name      string
	Active    bool
	Options   []string
	CreatedAt time.Time
}

// TenantOptions are the contractable options of DESIGN §4.
var TenantOptions = []string{"disaster", "emergency"}

var slugRE = regexp.MustCompile(`^[a-z0-9][a-z0-9-]{1,30}[a-z0-9]$`)

// reservedSlugs cannot name a tenant because they name other things.
var reservedSlugs = map[string]bool{"api": true, "static": true, "admin": true, "operator": true, "login": true}

// NewTenant is the input for creating a tenant with its first tenant admin.
type NewTenant struct {
	Slug       string
	Name       string
	Options    []string
	AdminLogin string
	AdminName  string
	AdminEmail string
	// AdminPassword is the first admin's initial password.
	AdminPassword string
}

// Validate checks the input, trimming spaces in place.
func (n *NewTenant) Validate() error {
	var v Invalid
	n.Slug = strings.TrimSpace(strings.ToLower(n.Slug))
	n.Name = strings.TrimSpace(n.Name)
	if !slugRE.MatchString(n.Slug) || reservedSlugs[n.Slug] {
		v.Add("slug", "error.slug")
	}
	checkText(&v, "name", n.Name, 1, 100)
	for _, o := range n.Options {
		if !contains(TenantOptions, o) {
			v.Add("options", "error.option")
		}
	}
	n.AdminLogin = strings.TrimSpace(n.AdminLogin)
	n.AdminName = strings.TrimSpace(n.AdminName)
	n.AdminEmail = strings.TrimSpace(n.AdminEmail)
	if !loginRE.MatchString(n.AdminLogin) {
		v.Add("admin_login", "error.login_id")
	}
	checkText(&v, "admin_name", n.AdminName, 1, 100)
	if n.AdminEmail != "" && !validEmail(n.AdminEmail) {
		v.Add("admin_email", "error.email")
	}
	if err := CheckPassword(n.AdminPassword, n.AdminLogin, n.AdminName); err != "" {
		v.Add("admin_password", err)
	}
	return v.Err()
}

func contains[T comparable](list []T, x T) bool {
	for _, y := range list {
		if y == x {
			return true
		}
	}
	return false
}

// checkText checks a required or optional text field's length in characters
// and refuses control characters.
func checkText(v *Invalid, field, s string, min, max int) {
	n := utf8.RuneCountInString(s)
	switch {
	case min > 0 && n == 0:
		v.Add(field, "error.required")
	case n < min || n > max:
		v.Add(field, "error.length")
	case !utf8.ValidString(s) || hasControl(s):
		v.Add(field, "error.characters")
	}
}

func hasControl(s string) bool {
	for _, r := range s {
		if r < 0x20 && r != '\n' && r != '\t' || r == 0x7f {
			return true
		}
	}
	return false
}

var emailRE = regexp.MustCompile(`^[^@\s]+@[^@\s]+\.[^@\s]+$`)

func validEmail(s string) bool { return len(s) <= 254 && emailRE.MatchString(s) }

package care

import (
	"strings"
	"time"
)

// FacilityKind is a facility's type (事業所種別), from GLOSSARY.md.
type FacilityKind string

// FacilityKinds lists every kind in display order.
var FacilityKinds = []FacilityKind{
	"hospital", "clinic", "dental_clinic", "pharmacy", "home_nursing",
	"care_management", "community_support", "home_help", "day_service",
	"care_home", "disability_service", "municipality", "fire_department", "other",
}

// Facility is a hospital, clinic, pharmacy, care office, city-hall section…
type Facility struct {
	ID        string
	TenantID  string
	Kind      FacilityKind
	Name      string
	Address   string
	Phone     string
	Area      string
	CreatedAt time.Time
}

// Validate checks and normalises a facility's fields in place.
func (f *Facility) Validate() error {
	var v Invalid
	f.Name = strings.TrimSpace(f.Name)
	f.Address = strings.TrimSpace(f.Address)
	f.Phone = strings.TrimSpace(f.Phone)
	f.Area = strings.TrimSpace(f.Area)
	if !contains(FacilityKinds, f.Kind) {
		v.Add("kind", "error.choice")
	}
	checkText(&v, "name", f.Name, 1, 100)
	checkText(&v, "address", f.Address, 0, 200)
	checkPhone(&v, "phone", f.Phone)
	checkText(&v, "area", f.Area, 0, 50)
	return v.Err()
}

func checkPhone(v *Invalid, field, s string) {
	if s == "" {
		return
	}
	if len(s) > 20 {
		v.Add(field, "error.phone")
		return
	}
	for _, r := range s {
		if !(r >= '0' && r <= '9' || r == '-' || r == '+' || r == '(' || r == ')' || r == ' ') {
			v.Add(field, "error.phone")
			return
		}
	}
}

package care

import (
	"regexp"
	"strings"
	"time"
)

// CareLevel is a resident's certified long-term care level (要介護度).
type CareLevel string

// CareLevels lists every care level in display order.
var CareLevels = []CareLevel{"none", "support1", "support2", "care1", "care2", "care3", "care4", "care5"}

// Sex is a resident's sex as recorded (性別).
type Sex string

// Sexes lists the recorded values.
var Sexes = []Sex{"female", "male", "other", "unknown"}

// EndReason says why a resident's sharing ended (利用終了).
type EndReason string

// EndReasons lists every reason to end a resident's sharing.
var EndReasons = []EndReason{"death", "end_of_care", "moved", "consent_withdrawn", "other"}

// Resident is a person the care team supports (利用者). The registering
// member's facility owns the record.
type Resident struct {
	ID            string
	TenantID      string
	FacilityID    string // the owning (registering) facility
	Name          string
	Kana          string
	BirthDate     string // YYYY-MM-DD
	Sex           Sex
	Address       string
	Phone         string
	CareLevel     CareLevel
	Child         bool
	Disability    bool
	KeyPerson     string
	Notes         string
	CreatedBy     string
	CreatedAt     time.Time
	UpdatedAt     time.Time
	LastActivity  time.Time // latest post or comment, for sorting lists
	EndedAt       *time.Time
	EndDate       string // YYYY-MM-DD the sharing ended, as reported
	EndReason     EndReason
	EndNote       string
	Version       int // optimistic concurrency: incremented on every change
	ConsentActive bool
}

// Ended reports whether the resident's sharing has ended (read-only).
func (r Resident) Ended() bool { return r.EndedAt != nil }

// ResidentInput is what a member sends to register or change a resident.
type ResidentInput struct {
	Name       string
	Kana       string
	BirthDate  string
	Sex        Sex
	Address    string
	Phone      string
	CareLevel  CareLevel
	Child      bool
	Disability bool
	KeyPerson  string
	Notes      string
	// FacilityID is the owning facility on registration: one of the
	// member's facilities (the first when empty).
	FacilityID string
	// Version is the version the change was made against (PATCH); a
	// mismatch is a conflict, never a silent overwrite.
	Version int
}

var dateRE = regexp.MustCompile(`^\d{4}-\d{2}-\d{2}$`)

// ParseDate parses a YYYY-MM-DD date; ok is false for anything else.
func ParseDate(s string) (time.Time, bool) {
	if !dateRE.MatchString(s) {
		return time.Time{}, false
	}
	t, err := time.Parse("2006-01-02", s)
	return t, err == nil
}

// Validate checks and normalises the input; today is the date in Japan,
// for refusing future birth dates.
func (in *ResidentInput) Validate(today time.Time) error {
	var v Invalid
	in.Name = strings.TrimSpace(in.Name)
	in.Kana = strings.TrimSpace(in.Kana)
	in.Address = strings.TrimSpace(in.Address)
	in.Phone = strings.TrimSpace(in.Phone)
	in.KeyPerson = strings.TrimSpace(in.KeyPerson)
	in.Notes = strings.TrimSpace(in.Notes)
	in.BirthDate = strings.TrimSpace(in.BirthDate)
	checkText(&v, "name", in.Name, 1, 100)
	checkText(&v, "kana", in.Kana, 1, 100)
	if !kanaRE.MatchString(in.Kana) {
		v.Add("kana", "error.kana")
	}
	if d, ok := ParseDate(in.BirthDate); !ok {
		v.Add("birth_date", "error.date")
	} else if d.After(today) || d.Year() < 1880 {
		v.Add("birth_date", "error.date_range")
	}
	if in.Sex == "" {
		in.Sex = "unknown"
	}
	if !contains(Sexes, in.Sex) {
		v.Add("sex", "error.choice")
	}
	if in.CareLevel == "" {
		in.CareLevel = "none"
	}
	if !contains(CareLevels, in.CareLevel) {
		v.Add("care_level", "error.choice")
	}
	checkText(&v, "address", in.Address, 0, 200)
	checkPhone(&v, "phone", in.Phone)
	checkText(&v, "key_person", in.KeyPerson, 0, 200)
	checkText(&v, "notes", in.Notes, 0, 2000)
	return v.Err()
}

// EndInput ends a resident's sharing.
type EndInput struct {
	Date   string // YYYY-MM-DD, not in the future
	Reason EndReason
	Note   string
}

// Validate checks the input against today's date in Japan.
func (in *EndInput) Validate(today time.Time) error {
	var v Invalid
	in.Note = strings.TrimSpace(in.Note)
	if d, ok := ParseDate(in.Date); !ok {
		v.Add("date", "error.date")
	} else if d.After(today) {
		v.Add("date", "error.date_future")
	}
	if !contains(EndReasons, in.Reason) {
		v.Add("reason", "error.choice")
	}
	checkText(&v, "note", in.Note, 0, 500)
	return v.Err()
}

// ConsentMethod is how consent was obtained (書面/口頭/代諾).
type ConsentMethod string

// ConsentMethods lists the methods.
var ConsentMethods = []ConsentMethod{"written", "oral", "proxy"}

// Consent is a resident's (or guardian's) agreement to sharing (同意).
type Consent struct {
	ID         string
	ResidentID string
	Method     ConsentMethod
	ObtainedAt string // YYYY-MM-DD
	ObtainedBy string // who obtained it (a name, free text)
	Scope      string
	RecordedBy string // user ID
	CreatedAt  time.Time
	RevokedAt  *time.Time
	RevokedBy  string
}

// Active reports whether the consent is in force.
func (c Consent) Active() bool { return c.RevokedAt == nil }

// ConsentInput records a consent.
type ConsentInput struct {
	Method     ConsentMethod
	ObtainedAt string
	ObtainedBy string
	Scope      string
}

// Validate checks the input against today's date in Japan.
func (in *ConsentInput) Validate(today time.Time) error {
	var v Invalid
	in.ObtainedBy = strings.TrimSpace(in.ObtainedBy)
	in.Scope = strings.TrimSpace(in.Scope)
	if !contains(ConsentMethods, in.Method) {
		v.Add("method", "error.choice")
	}
	if d, ok := ParseDate(in.ObtainedAt); !ok {
		v.Add("obtained_at", "error.date")
	} else if d.After(today) {
		v.Add("obtained_at", "error.date_future")
	}
	checkText(&v, "obtained_by", in.ObtainedBy, 1, 100)
	checkText(&v, "scope", in.Scope, 0, 500)
	return v.Err()
}

// TeamStatus is a care-team membership's state.
type TeamStatus string

// The membership states.
const (
	TeamInvited  TeamStatus = "invited"
	TeamActive   TeamStatus = "active"
	TeamDeclined TeamStatus = "declined"
	TeamLeft     TeamStatus = "left"
	TeamRemoved  TeamStatus = "removed"
)

// TeamMember is one member's place in a resident's care team (連携チーム).
type TeamMember struct {
	ResidentID string
	UserID     string
	Status     TeamStatus
	InvitedBy  string
	CreatedAt  time.Time
	JoinedAt   *time.Time
	EndedAt    *time.Time
	// Filled for display: the user's name, profession and facilities.
	Name       string
	Kana       string
	Profession Profession
	Facilities []string
}

package care

import (
	"strings"
	"time"
	"unicode/utf8"
)

// Category is a post's kind (分類).
type Category string

// Categories lists every category in display order.
var Categories = []Category{"notice", "report", "consultation", "request", "other"}

// Importance is a post's urgency (重要度).
type Importance string

// Importances lists every importance, least urgent first.
var Importances = []Importance{"normal", "important", "urgent"}

// Template names a structured post's form (DESIGN §2.1).
type Template string

// The templates; "" is a plain post.
const (
	TemplateNone       Template = ""
	TemplateHandover   Template = "handover"   // 在宅医療情報連携加算 handover
	TemplateVisit      Template = "visit"      // visit report
	TemplateMedication Template = "medication" // medication change
)

// TemplateFields lists each template's fields in display order. Field
// values are strings; dates are YYYY-MM-DD and yes/no fields "yes"/"no".
var TemplateFields = map[Template][]TemplateField{
	TemplateHandover: {
		{Name: "next_visit", Kind: FieldDate},
		{Name: "plan_changed", Kind: FieldYesNo, Required: true},
		{Name: "plan_change", Kind: FieldText},
		{Name: "cautions", Kind: FieldText},
	},
	TemplateVisit: {
		{Name: "visited_on", Kind: FieldDate, Required: true},
		{Name: "vitals", Kind: FieldText},
		{Name: "observations", Kind: FieldText, Required: true},
		{Name: "next_visit", Kind: FieldDate},
	},
	TemplateMedication: {
		{Name: "changed_on", Kind: FieldDate, Required: true},
		{Name: "medications", Kind: FieldText, Required: true},
		{Name: "reason", Kind: FieldText},
		{Name: "diagnoses", Kind: FieldText},
	},
}

// FieldKind is a template field's type.
type FieldKind string

// The field kinds.
const (
	FieldText  FieldKind = "text"
	FieldDate  FieldKind = "date"
	FieldYesNo FieldKind = "yesno"
)

// TemplateField describes one field of a structured post.
type TemplateField struct {
	Name     string
	Kind     FieldKind
	Required bool
}

// MaxBody is the longest post or comment body, in characters.
const MaxBody = 10000

// Post is an entry in a resident's contact book or a group board (記事).
// Exactly one of ResidentID and GroupID is set.
type Post struct {
	ID         string
	ResidentID string
	GroupID    string
	AuthorID   string
	Category   Category
	Importance Importance
	Body       string
	Template   Template
	Fields     map[string]string
	Addressees []string // user IDs; empty means the whole team or group
	Version    int
	CreatedAt  time.Time
	UpdatedAt  time.Time
	DeletedAt  *time.Time
	DeletedBy  string
	DeleteNote string
	// Filled for display.
	AuthorName   string
	CommentCount int
	ReadByMe     bool
	ReadCount    int
}

// Deleted reports whether the post was soft-deleted.
func (p Post) Deleted() bool { return p.DeletedAt != nil }

// PostVersion is one prior state of an edited post: who wrote it, when.
type PostVersion struct {
	PostID     string
	Version    int
	Category   Category
	Importance Importance
	Body       string
	Fields     map[string]string
	EditedBy   string
	EditedAt   time.Time
}

// PostInput is what a member sends to write or edit a post.
type PostInput struct {
	Category   Category
	Importance Importance
	Body       string
	Template   Template
	Fields     map[string]string
	Addressees []string
	// Version is the version an edit was made against; a mismatch is a
	// conflict, never a silent overwrite.
	Version int
}

// Validate checks and normalises the input; today is the date in Japan.
func (in *PostInput) Validate(today time.Time) error {
	var v Invalid
	in.Body = strings.TrimSpace(strings.ReplaceAll(in.Body, "\r\n", "\n"))
	if in.Category == "" {
		in.Category = "notice"
	}
	if in.Importance == "" {
		in.Importance = "normal"
	}
	if !contains(Categories, in.Category) {
		v.Add("category", "error.choice")
	}
	if !contains(Importances, in.Importance) {
		v.Add("importance", "error.choice")
	}
	fields, known := TemplateFields[in.Template]
	if in.Template != TemplateNone && !known {
		v.Add("template", "error.choice")
	}
	if in.Template == TemplateNone {
		checkText(&v, "body", in.Body, 1, MaxBody)
		if len(in.Fields) > 0 {
			v.Add("fields", "error.fields_without_template")
		}
	} else {
		checkText(&v, "body", in.Body, 0, MaxBody)
		in.Fields = checkFields(&v, fields, in.Fields, today)
	}
	if len(in.Addressees) > 200 {
		v.Add("addressees", "error.length")
	}
	return v.Err()
}

func checkFields(v *Invalid, spec []TemplateField, in map[string]string, today time.Time) map[string]string {
	out := map[string]string{}
	allowed := map[string]bool{}
	for _, f := range spec {
		allowed[f.Name] = true
		val := strings.TrimSpace(in[f.Name])
		name := "fields." + f.Name
		switch {
		case val == "" && f.Required:
			v.Add(name, "error.required")
		case val == "":
		case f.Kind == FieldDate:
			if _, ok := ParseDate(val); !ok {
				v.Add(name, "error.date")
			}
		case f.Kind == FieldYesNo:
			if val != "yes" && val != "no" {
				v.Add(name, "error.choice")
			}
		default:
			if utf8.RuneCountInString(val) > 2000 || hasControl(val) {
				v.Add(name, "error.length")
			}
		}
		if val != "" {
			out[f.Name] = val
		}
	}
	for k := range in {
		if !allowed[k] {
			v.Add("fields."+k, "error.unknown_field")
		}
	}
	return out
}

// Comment is a reply to a post (コメント).
type Comment struct {
	ID         string
	PostID     string
	AuthorID   string
	AuthorName string
	Body       string
	CreatedAt  time.Time
	DeletedAt  *time.Time
}

// CheckCommentBody validates a comment's body.
func CheckCommentBody(body string) (string, error) {
	var v Invalid
	body = strings.TrimSpace(strings.ReplaceAll(body, "\r\n", "\n"))
	checkText(&v, "body", body, 1, MaxBody)
	return body, v.Err()
}

// ReadReceipt is a member's first reading of a post (既読).
type ReadReceipt struct {
	PostID string
	UserID string
	ReadAt time.Time
	// Filled for display.
	Name       string
	Profession Profession
}

// Group is a board not tied to a resident (グループ).
type Group struct {
	ID          string
	TenantID    string
	Name        string
	Description string
	CreatedBy   string
	CreatedAt   time.Time
	Members     []string // user IDs
}

// GroupInput creates or changes a group.
type GroupInput struct {
	Name        string
	Description string
	Members     []string
}

// Validate checks and normalises the input.
func (in *GroupInput) Validate() error {
	var v Invalid
	in.Name = strings.TrimSpace(in.Name)
	in.Description = strings.TrimSpace(in.Description)
	checkText(&v, "name", in.Name, 1, 100)
	checkText(&v, "description", in.Description, 0, 1000)
	return v.Err()
}

package web

import (
	"errors"
	"fmt"
	"net/http"
	"net/url"
	"strconv"
	"strings"

	"github.com/renrakucho/renrakucho/internal/care"
)

// formSpec lists a form's fields in display order with their labels, so
// the error summary can name each field and link to it.
type formSpec struct {
	fields []specField
	// alias maps a field name the app reports to this form's field
	// (the tenant form's admin login is the app's login_id).
	alias map[string]string
}

type specField struct {
	name, label string
	// secret fields (passwords) are never written back into the page.
	secret bool
}

func (s *formSpec) field(name string) (specField, bool) {
	for _, f := range s.fields {
		if f.name == name {
			return f, true
		}
	}
	return specField{}, false
}

// Form is a submitted (or prefilled) form: its values, kept across a
// failed submission, and the errors the app found.
type Form struct {
	spec   *formSpec
	Values url.Values
	// Errors maps a field to the catalog key of its message.
	Errors map[string]string
	// general are messages that belong to no field of this form.
	general []string
	// Message is the catalog key of the app's error as a whole.
	Message string
}

func newForm(s *formSpec, vals url.Values) *Form {
	f := &Form{spec: s, Values: url.Values{}, Errors: map[string]string{}}
	for k, v := range vals {
		f.Values[k] = append([]string(nil), v...)
	}
	return f
}

// parseForm reads a url-encoded form of at most the body limit.
func (w *Web) parseForm(rw http.ResponseWriter, r *http.Request, s *formSpec) (*Form, error) {
	r.Body = http.MaxBytesReader(rw, r.Body, w.maxBody)
	if err := r.ParseForm(); err != nil {
		var tooBig *http.MaxBytesError
		if errors.As(err, &tooBig) {
			return nil, &care.Error{Code: care.ETooLarge, Key: "error.too_large", Err: err}
		}
		return nil, &care.Error{Code: care.EInvalid, Key: "error.invalid", Err: err}
	}
	return newForm(s, r.PostForm), nil
}

// Get returns a field's value.
func (f *Form) Get(name string) string { return f.Values.Get(name) }

// Set sets a field's value.
func (f *Form) Set(name, value string) { f.Values.Set(name, value) }

// Add records an error on a field (the first one per field is shown).
func (f *Form) Add(field, key string) {
	if a, ok := f.spec.alias[field]; ok {
		field = a
	}
	if _, ok := f.spec.field(field); !ok {
		f.general = append(f.general, key)
		return
	}
	if _, seen := f.Errors[field]; !seen {
		f.Errors[field] = key
	}
}

// SetError records the app's error: its field errors, or its message.
func (f *Form) SetError(err error) {
	e := care.AsError(err)
	f.Message = e.Key
	for _, fe := range e.Fields {
		f.Add(fe.Field, fe.Key)
	}
	if e.Field != "" && (e.Code == care.EInvalid || e.Code == care.EConflict) {
		f.Add(e.Field, e.Key)
	}
}

// Failed reports whether the form carries any error to show.
func (f *Form) Failed() bool { return f.Message != "" || len(f.Errors) > 0 || len(f.general) > 0 }

// Problem is one line of the error summary.
type Problem struct {
	// Href links to the field, "" for a message about the whole form.
	Href  string
	Label string // catalog key of the field's label
	Key   string // catalog key of the message
}

// Heading is the catalog key of the error summary's heading.
func (f *Form) Heading() string {
	if len(f.Errors) > 0 || f.Message == "" {
		return "form.error_summary"
	}
	return f.Message
}

// Problems lists the errors for the summary: general messages first,
// then the fields' in the order the form shows them.
func (f *Form) Problems() []Problem {
	var out []Problem
	for _, k := range f.general {
		if k != f.Heading() {
			out = append(out, Problem{Key: k})
		}
	}
	for _, sf := range f.spec.fields {
		if k, ok := f.Errors[sf.name]; ok {
			out = append(out, Problem{Href: "#" + fieldID(sf.name), Label: sf.label, Key: k})
		}
	}
	return out
}

func fieldID(name string) string { return "f-" + strings.NewReplacer("_", "-", ".", "-").Replace(name) }

// Field is what the field partials render: label, required mark,
// support text, the control, and the error under it.
type Field struct {
	ID, Name     string
	Label        string // catalog key
	Help         string // catalog key of the support text, or ""
	Type         string
	Autocomplete string
	Inputmode    string
	Maxlength    int
	Rows         int // a textarea's height in lines
	Required     bool
	Value        string
	Values       []string
	Error        string // catalog key, or ""
	Choices      []Choice
	// Blank labels a select's empty choice.
	Blank string
}

// Choice is one option of a select or checkbox group: Key is translated,
// Text (a facility's name) is shown as it is.
type Choice struct {
	Value, Key, Text string
	Selected         bool
	ID               string
}

// Field describes one field for a partial. opts are "required",
// "type=email", "help=KEY", "blank=KEY" (a select's empty choice),
// "autocomplete=…", "inputmode=…", "maxlength=N", "rows=N" (a textarea);
// an unknown one fails the render.
func (f *Form) Field(name string, opts ...string) (Field, error) {
	sf, ok := f.spec.field(name)
	if !ok {
		return Field{}, fmt.Errorf("web: form has no field %q", name)
	}
	fd := Field{ID: fieldID(name), Name: name, Label: sf.label, Type: "text", Error: f.Errors[name], Blank: "form.choose"}
	if !sf.secret {
		fd.Value, fd.Values = f.Values.Get(name), f.Values[name]
	}
	for _, o := range opts {
		k, v, _ := strings.Cut(o, "=")
		switch k {
		case "required":
			fd.Required = true
		case "type":
			fd.Type = v
		case "help":
			fd.Help = v
		case "blank":
			fd.Blank = v
		case "autocomplete":
			fd.Autocomplete = v
		case "inputmode":
			fd.Inputmode = v
		case "maxlength":
			n, err := strconv.Atoi(v)
			if err != nil {
				return Field{}, fmt.Errorf("web: field %s: bad maxlength %q", name, v)
			}
			fd.Maxlength = n
		case "rows":
			n, err := strconv.Atoi(v)
			if err != nil {
				return Field{}, fmt.Errorf("web: field %s: bad rows %q", name, v)
			}
			fd.Rows = n
		default:
			return Field{}, fmt.Errorf("web: field %s: unknown option %q", name, o)
		}
	}
	return fd, nil
}

// With returns the field with its choices, marking those the form holds.
func (fd Field) With(choices []Choice) Field {
	fd.Choices = make([]Choice, len(choices))
	for i, c := range choices {
		c.ID = fmt.Sprintf("%s-%d", fd.ID, i)
		for _, v := range fd.Values {
			if v == c.Value {
				c.Selected = true
			}
		}
		fd.Choices[i] = c
	}
	return fd
}

// Checked reports whether a single checkbox is ticked.
func (fd Field) Checked() bool { return fd.Value != "" }

// Describedby lists the IDs of the support and error texts.
func (fd Field) Describedby() string {
	var ids []string
	if fd.Help != "" {
		ids = append(ids, fd.ID+"-help")
	}
	if fd.Error != "" {
		ids = append(ids, fd.ID+"-error")
	}
	return strings.Join(ids, " ")
}

// choices makes the choices of a list of codes, labelled by prefix.code.
func choices[T ~string](prefix string, codes []T) []Choice {
	out := make([]Choice, len(codes))
	for i, c := range codes {
		out[i] = Choice{Value: string(c), Key: prefix + "." + string(c)}
	}
	return out
}

// formError is an error the app returned for a submitted form; Web.fail
// shows the form again with it when it is about the input.
type formError struct {
	err    error
	form   *Form
	login  bool // refused credentials also show the form again
	render func(status int) error
}

func (e *formError) Error() string { return e.err.Error() }
func (e *formError) Unwrap() error { return e.err }

// refill wraps err so the form is shown again, with the user's input,
// when the app refused the input.
func refill(f *Form, err error, render func(status int) error) error {
	return &formError{err: err, form: f, render: render}
}

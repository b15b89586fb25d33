package httpx

import (
	"encoding/json"
	"errors"
	"log/slog"
	"net/http"
	"strconv"
	"time"

	"github.com/renrakucho/renrakucho/internal/care"
	"github.com/renrakucho/renrakucho/internal/i18n"
)

// Problem is an RFC 9457 problem document.
type Problem struct {
	Type      string         `json:"type"`
	Title     string         `json:"title"`
	Status    int            `json:"status"`
	Detail    string         `json:"detail,omitempty"`
	Code      care.Code      `json:"code"`
	RequestID string         `json:"request_id,omitempty"`
	Errors    []ProblemField `json:"errors,omitempty"`
}

// ProblemField is one invalid field of the request.
type ProblemField struct {
	Field   string `json:"field"`
	Message string `json:"message"`
}

// problemTypes are the problem types a client acts on by type rather than
// by status: a 401 that asks for the second factor is not a wrong password.
var problemTypes = map[string]string{
	"error.factor_required": "urn:renrakucho:problem:second-factor-required",
	"error.factor_enrol":    "urn:renrakucho:problem:second-factor-enrolment-required",
}

// NewProblem builds the problem document of err in the request's language.
func NewProblem(r *http.Request, cat *i18n.Catalogs, err error) Problem {
	e := care.AsError(err)
	lang := cat.AcceptLanguage(r.Header.Get("Accept-Language"))
	p := Problem{
		Type:      "about:blank",
		Title:     cat.T(lang, e.Key),
		Status:    Status(e.Code),
		Code:      e.Code,
		RequestID: RequestID(r.Context()),
	}
	if t, ok := problemTypes[e.Key]; ok {
		p.Type = t
	}
	if e.Field != "" && e.Code == care.EInvalid {
		p.Errors = append(p.Errors, ProblemField{Field: e.Field, Message: cat.T(lang, e.Key)})
	}
	for _, f := range e.Fields {
		p.Errors = append(p.Errors, ProblemField{Field: f.Field, Message: cat.T(lang, f.Key)})
	}
	if e.Code == care.EConflict && e.Field != "" {
		p.Errors = append(p.Errors, ProblemField{Field: e.Field, Message: cat.T(lang, e.Key)})
	}
	return p
}

// LogError logs an error's cause: internal errors at error level with the
// wrapped cause, which is never shown to the user.
func LogError(log *slog.Logger, r *http.Request, err error) {
	e := care.AsError(err)
	if e.Code != care.EInternal {
		return
	}
	cause := err
	if e.Err != nil {
		cause = e.Err
	}
	log.ErrorContext(r.Context(), "request failed", "method", r.Method, "path", r.URL.Path,
		"request_id", RequestID(r.Context()), "err", cause.Error())
}

// WriteProblem writes err as application/problem+json.
func WriteProblem(w http.ResponseWriter, r *http.Request, cat *i18n.Catalogs, err error) {
	p := NewProblem(r, cat, err)
	w.Header().Set("Content-Type", "application/problem+json")
	w.Header().Set("Cache-Control", "no-store")
	SetRetryAfter(w, err)
	w.WriteHeader(p.Status)
	json.NewEncoder(w).Encode(p)
}

// DecodeJSON reads a JSON body of at most max bytes into v, refusing
// unknown fields and trailing data, with a clear error for each failure.
func DecodeJSON(w http.ResponseWriter, r *http.Request, max int64, v any) error {
	r.Body = http.MaxBytesReader(w, r.Body, max)
	dec := json.NewDecoder(r.Body)
	dec.DisallowUnknownFields()
	if err := dec.Decode(v); err != nil {
		var tooBig *http.MaxBytesError
		if errors.As(err, &tooBig) {
			return &care.Error{Code: care.ETooLarge, Key: "error.too_large", Err: err}
		}
		return &care.Error{Code: care.EInvalid, Key: "error.bad_json", Err: err}
	}
	if dec.More() {
		return &care.Error{Code: care.EInvalid, Key: "error.bad_json"}
	}
	return nil
}

// WriteJSON writes v as JSON with the status.
func WriteJSON(w http.ResponseWriter, status int, v any) {
	w.Header().Set("Content-Type", "application/json; charset=utf-8")
	w.Header().Set("Cache-Control", "no-store")
	w.WriteHeader(status)
	json.NewEncoder(w).Encode(v)
}

// SetRetryAfter sets the Retry-After header (whole seconds, rounded up)
// of an error that says when to try again.
func SetRetryAfter(w http.ResponseWriter, err error) {
	e := care.AsError(err)
	if e.RetryAfter <= 0 {
		return
	}
	secs := int64((e.RetryAfter + time.Second - 1) / time.Second)
	w.Header().Set("Retry-After", strconv.FormatInt(secs, 10))
}

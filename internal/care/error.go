package care

import (
	"errors"
	"fmt"
	"time"
)

// Code classifies an error for the caller. The HTTP layer maps each code to
// one status in one place; nothing else decides statuses.
type Code string

// The error codes. Another tenant's object is NotFound, exactly like a
// missing one.
const (
	ENotFound     Code = "not_found"
	EInvalid      Code = "invalid"
	EConflict     Code = "conflict"
	EForbidden    Code = "forbidden"
	EUnauthorized Code = "unauthorized"
	ELocked       Code = "locked"
	ETooLarge     Code = "too_large"
	// ETooMany: too many failed attempts from one address (HTTP 429, with
	// Error.RetryAfter).
	ETooMany Code = "too_many_requests"
	// EPasswordChange: the account must change its password first (an
	// admin reissued it); a forbidden request of its own kind.
	EPasswordChange Code = "password_change_required"
	EUnsupported    Code = "unsupported_media_type"
	EInternal       Code = "internal"
)

// Error is an error that is safe to show to a user. Key names a message in
// the catalogs (the user sees its translation); Field, when set, names the
// form field or JSON member at fault; Err is the wrapped cause, logged and
// never shown.
type Error struct {
	Code   Code
	Key    string
	Field  string
	Fields []FieldError
	Err    error
	// RetryAfter, when set, is how long the caller should wait before
	// trying again (ETooMany).
	RetryAfter time.Duration
}

// FieldError is one invalid field of a form or document.
type FieldError struct {
	Field string
	Key   string
}

func (e *Error) Error() string {
	msg := string(e.Code) + ": " + e.Key
	if e.Field != "" {
		msg += " (" + e.Field + ")"
	}
	if e.Err != nil {
		msg += ": " + e.Err.Error()
	}
	return msg
}

func (e *Error) Unwrap() error { return e.Err }

// Errorf returns an *Error with the given code and message key.
func Errorf(code Code, key string) *Error { return &Error{Code: code, Key: key} }

// NotFound is the error for a missing object, or one the actor may not know of.
func NotFound(what string) *Error {
	return &Error{Code: ENotFound, Key: "error.not_found", Field: what}
}

// Forbidden is the error for an action the actor's role does not allow.
func Forbidden() *Error { return &Error{Code: EForbidden, Key: "error.forbidden"} }

// Unauthorized is the error for a request without a valid principal.
func Unauthorized() *Error { return &Error{Code: EUnauthorized, Key: "error.unauthorized"} }

// Internal wraps an unexpected failure; its cause is logged, never shown.
func Internal(err error) *Error { return &Error{Code: EInternal, Key: "error.internal", Err: err} }

// ErrorCode returns the code of err, EInternal for errors not from this package.
func ErrorCode(err error) Code {
	var e *Error
	if errors.As(err, &e) {
		return e.Code
	}
	return EInternal
}

// AsError returns err as an *Error, wrapping unknown errors as internal.
func AsError(err error) *Error {
	var e *Error
	if errors.As(err, &e) {
		return e
	}
	return Internal(err)
}

// Invalid collects field errors while validating input.
type Invalid struct{ fields []FieldError }

// Add records that field is invalid, with the message key.
func (v *Invalid) Add(field, key string) { v.fields = append(v.fields, FieldError{field, key}) }

// Err returns nil when nothing was added, otherwise an EInvalid *Error.
func (v *Invalid) Err() error {
	if len(v.fields) == 0 {
		return nil
	}
	return &Error{Code: EInvalid, Key: "error.invalid", Fields: v.fields, Err: fmt.Errorf("invalid: %v", v.fields)}
}

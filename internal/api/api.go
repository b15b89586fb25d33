// Package api is renrakucho's JSON API under /api/v1, on both listeners:
// each listener gets its own route table (Routes), documented in
// openapi.yaml, which a test keeps equal to the tables. A handler parses
// the request, calls one app method and renders the result; every error
// becomes an RFC 9457 problem document in Japanese or English.
package api

import (
	"encoding/json"
	"errors"
	"log/slog"
	"mime"
	"net/http"
	"strconv"
	"strings"
	"time"

	"github.com/renrakucho/renrakucho/internal/app"
	"github.com/renrakucho/renrakucho/internal/care"
	"github.com/renrakucho/renrakucho/internal/httpx"
	"github.com/renrakucho/renrakucho/internal/i18n"
)

// DefaultMaxBody bounds a JSON request body when Deps.MaxBody is zero.
const DefaultMaxBody = 1 << 20

// Deps are what the API needs.
type Deps struct {
	App      *app.App
	Cat      *i18n.Catalogs
	Log      *slog.Logger
	Sessions httpx.Sessions
	// MaxBody bounds a JSON request body in bytes; larger ones get 413.
	MaxBody int64
}

// API serves the JSON API of one listener.
type API struct {
	app      *app.App
	cat      *i18n.Catalogs
	log      *slog.Logger
	sessions httpx.Sessions
	maxBody  int64
	// The event stream's timers (eventPing, eventRecheck; shorter in tests).
	eventPing, eventRecheck time.Duration
}

// New returns the API of d.Sessions.Listener.
func New(d Deps) *API {
	if d.Log == nil {
		d.Log = slog.Default()
	}
	if d.MaxBody <= 0 {
		d.MaxBody = DefaultMaxBody
	}
	return &API{app: d.App, cat: d.Cat, log: d.Log, sessions: d.Sessions, maxBody: d.MaxBody,
		eventPing: eventPing, eventRecheck: eventRecheck}
}

// Message keys of the API's own errors (messages/*/api.json).
const (
	keyMediaType    = "error.media_type"
	keyUnknownField = "error.unknown_field"
	keyJSONType     = "error.json_type"
	keyDateTime     = "error.datetime"
	keyLimit        = "error.limit"
)

// handle turns a handler that returns its error into an http.Handler that
// renders the error as a problem document.
func (a *API) handle(fn httpx.HandlerFunc) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if err := fn(w, r); err != nil {
			a.problem(w, r, err)
		}
	})
}

// actorFunc is a handler that runs for an authenticated actor.
type actorFunc func(w http.ResponseWriter, r *http.Request, act care.Actor) error

// authed is handle for routes that need a session: without one the answer
// is 401, saying why a presented session was refused (expired, …).
func (a *API) authed(fn actorFunc) http.Handler {
	return a.handle(func(w http.ResponseWriter, r *http.Request) error {
		act, ok := httpx.ActorFrom(r.Context())
		if !ok {
			if err := httpx.AuthError(r.Context()); err != nil {
				return err
			}
			return care.Unauthorized()
		}
		if act.MustChangePassword && !passwordChangeAllowed(r) {
			return &care.Error{Code: care.EPasswordChange, Key: "login.error_password_change_required"}
		}
		return fn(w, r, act)
	})
}

// problem writes err as a problem document.
func (a *API) problem(w http.ResponseWriter, r *http.Request, err error) {
	httpx.LogError(a.log, r, err)
	httpx.WriteProblem(w, r, a.cat, err)
}

// decode reads the JSON body of a POST or PATCH into v: it must be declared
// as JSON, fit in MaxBody and name no unknown member. Errors name the
// member at fault where the decoder says which.
func (a *API) decode(w http.ResponseWriter, r *http.Request, v any) error {
	mt, _, err := mime.ParseMediaType(r.Header.Get("Content-Type"))
	if err != nil || !(mt == "application/json" || strings.HasPrefix(mt, "application/") && strings.HasSuffix(mt, "+json")) {
		return &care.Error{Code: care.EUnsupported, Key: keyMediaType}
	}
	err = httpx.DecodeJSON(w, r, a.maxBody, v)
	var ce *care.Error
	if err == nil || !errors.As(err, &ce) || ce.Key != "error.bad_json" || ce.Err == nil {
		return err
	}
	var typeErr *json.UnmarshalTypeError
	if errors.As(ce.Err, &typeErr) && typeErr.Field != "" {
		return &care.Error{Code: care.EInvalid, Key: keyJSONType, Field: typeErr.Field, Err: ce.Err}
	}
	// encoding/json reports an unknown member only in its message.
	if rest, ok := strings.CutPrefix(ce.Err.Error(), "json: unknown field "); ok {
		if name, uerr := strconv.Unquote(rest); uerr == nil {
			if len(name) > 100 {
				name = name[:100]
			}
			return &care.Error{Code: care.EInvalid, Key: keyUnknownField, Field: name, Err: ce.Err}
		}
	}
	return err
}

// list is the envelope of every list; next is the cursor of the following
// page, null while lists are not paginated.
type list[T any] struct {
	Items []T     `json:"items"`
	Next  *string `json:"next"`
}

func newList[T any](items []T) list[T] {
	if items == nil {
		items = []T{}
	}
	return list[T]{Items: items}
}

// renamed returns err with its field names mapped through names, so a
// domain input's field errors name the JSON members the client sent.
func renamed(err error, names map[string]string) error {
	var ce *care.Error
	if !errors.As(err, &ce) {
		return err
	}
	out := *ce
	if n, ok := names[out.Field]; ok {
		out.Field = n
	}
	out.Fields = make([]care.FieldError, len(ce.Fields))
	for i, f := range ce.Fields {
		if n, ok := names[f.Field]; ok {
			f.Field = n
		}
		out.Fields[i] = f
	}
	return &out
}

// Package httpx is what the web pages and the JSON API share: handlers that
// return errors, the one mapping from error codes to HTTP status, problem
// documents, the typed context values (the actor and the request ID), the
// request's origin, and the security headers.
package httpx

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"net/http"

	"github.com/renrakucho/renrakucho/internal/care"
)

// HandlerFunc is an HTTP handler that returns its error instead of writing
// it, so each error is rendered in one place.
type HandlerFunc func(w http.ResponseWriter, r *http.Request) error

// Status maps an error code to its HTTP status. It is the only such mapping.
func Status(code care.Code) int {
	switch code {
	case care.ENotFound:
		return http.StatusNotFound
	case care.EInvalid:
		return http.StatusUnprocessableEntity
	case care.EConflict:
		return http.StatusConflict
	case care.EForbidden, care.EPasswordChange:
		return http.StatusForbidden
	case care.ETooMany:
		return http.StatusTooManyRequests
	case care.EUnauthorized:
		return http.StatusUnauthorized
	case care.ELocked:
		return http.StatusLocked
	case care.ETooLarge:
		return http.StatusRequestEntityTooLarge
	case care.EUnsupported:
		return http.StatusUnsupportedMediaType
	default:
		return http.StatusInternalServerError
	}
}

type ctxKey int

const (
	actorKey ctxKey = iota
	requestIDKey
	shutdownKey
)

// WithShutdown returns ctx carrying a channel closed when the server begins
// a graceful shutdown. Ordinary requests finish; long-lived streams watch
// it and end, so the shutdown need not wait for them.
func WithShutdown(ctx context.Context, done <-chan struct{}) context.Context {
	return context.WithValue(ctx, shutdownKey, done)
}

// ShuttingDown returns the channel closed at shutdown (nil, never ready,
// outside a server).
func ShuttingDown(ctx context.Context) <-chan struct{} {
	ch, _ := ctx.Value(shutdownKey).(<-chan struct{})
	return ch
}

// WithActor returns ctx carrying the authenticated actor.
func WithActor(ctx context.Context, a care.Actor) context.Context {
	return context.WithValue(ctx, actorKey, a)
}

// ActorFrom returns the authenticated actor, if any.
func ActorFrom(ctx context.Context) (care.Actor, bool) {
	a, ok := ctx.Value(actorKey).(care.Actor)
	return a, ok
}

// WithRequestID returns ctx carrying the request ID.
func WithRequestID(ctx context.Context, id string) context.Context {
	return context.WithValue(ctx, requestIDKey, id)
}

// RequestID returns the request ID, "" outside a request.
func RequestID(ctx context.Context) string {
	id, _ := ctx.Value(requestIDKey).(string)
	return id
}

// NewRequestID returns a random request ID.
func NewRequestID() string {
	b := make([]byte, 8)
	rand.Read(b)
	return hex.EncodeToString(b)
}

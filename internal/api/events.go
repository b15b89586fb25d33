package api

import (
	"encoding/json"
	"errors"
	"io"
	"net/http"
	"strings"
	"time"

	"github.com/renrakucho/renrakucho/internal/care"
	"github.com/renrakucho/renrakucho/internal/httpx"
)

// The event stream's timers: a comment line keeps proxies and the browser
// from closing a quiet stream, and the session is checked again now and
// then so a stream ends with its session (logout, expiry, deactivation).
const (
	eventPing    = 25 * time.Second
	eventRecheck = time.Minute
)

// events streams the caller's live events as server-sent events: one
// "event: KIND" and "data: JSON" per event, IDs only; the page fetches
// what it may see. The hub delivers only events whose audience includes
// the caller, so a stream carries nothing of residents or groups the
// caller has no access to.
func (a *API) events(w http.ResponseWriter, r *http.Request, act care.Actor) error {
	rc := http.NewResponseController(w)
	// A stream lasts as long as the session; a server write timeout must
	// not cut it. The server sets none today; where the writer cannot
	// say, there is nothing to clear.
	_ = rc.SetWriteDeadline(time.Time{})

	// Subscribe before answering, so an event that happens once the client
	// has the headers is not lost.
	events, cancel := a.app.Hub().Subscribe(act.TenantID, act.UserID)
	defer cancel()

	h := w.Header()
	h.Set("Content-Type", "text/event-stream")
	h.Set("Cache-Control", "no-store")
	h.Set("X-Accel-Buffering", "no")
	w.WriteHeader(http.StatusOK)
	// Once the status is sent, an error can only end the stream.
	send := func(s string) bool {
		if _, err := io.WriteString(w, s); err != nil {
			return false
		}
		return rc.Flush() == nil
	}
	if !send("retry: 5000\n\n") {
		return nil
	}

	ping := time.NewTicker(a.eventPing)
	defer ping.Stop()
	recheck := time.NewTicker(a.eventRecheck)
	defer recheck.Stop()
	stopping := httpx.ShuttingDown(r.Context())
	for {
		select {
		case <-stopping:
			return nil
		case <-r.Context().Done():
			return nil
		case ev, ok := <-events:
			if !ok {
				return nil
			}
			data, err := json.Marshal(ev)
			if err == nil && strings.ContainsAny(ev.Kind, "\r\n") {
				err = errors.New("event kind with a line break")
			}
			if err != nil {
				a.log.ErrorContext(r.Context(), "event stream", "err", err.Error())
				continue
			}
			if !send("event: " + ev.Kind + "\ndata: " + string(data) + "\n\n") {
				return nil
			}
		case <-ping.C:
			if !send(": ping\n\n") {
				return nil
			}
		case <-recheck.C:
			now, err := a.sessions.Recheck(r)
			if err != nil || now.UserID != act.UserID || now.TenantID != act.TenantID {
				return nil
			}
		}
	}
}

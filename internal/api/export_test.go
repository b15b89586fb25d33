package api

import "time"

// SetEventTimers shortens the event stream's heartbeat and session
// re-check for tests.
func (a *API) SetEventTimers(ping, recheck time.Duration) *API {
	a.eventPing, a.eventRecheck = ping, recheck
	return a
}

// Package realtime is the live-event hub: the app publishes what happened
// (IDs only, never resident data) to the users who may see it, and each
// connected client's server-sent-event stream subscribes. Local is the
// in-process hub of a single node; a PostgreSQL LISTEN/NOTIFY hub for
// several nodes implements the same interface.
package realtime

import (
	"sync"
	"time"
)

// Event is one thing that happened, named by IDs.
type Event struct {
	Kind       string    `json:"kind"` // post.created, post.updated, post.deleted, comment.created, post.read, team.changed
	ResidentID string    `json:"resident_id,omitempty"`
	GroupID    string    `json:"group_id,omitempty"`
	PostID     string    `json:"post_id,omitempty"`
	UserID     string    `json:"user_id,omitempty"` // who did it
	At         time.Time `json:"at"`
}

// Hub delivers events to subscribers.
type Hub interface {
	// Publish sends ev to the subscribers among audience (user IDs) in the
	// tenant. It never blocks on a slow subscriber.
	Publish(tenantID string, audience []string, ev Event)
	// Subscribe returns the user's event stream; cancel ends it.
	Subscribe(tenantID, userID string) (events <-chan Event, cancel func())
}

// Buffer is how many events a subscriber may fall behind before events to
// it are dropped (its page then catches up on the next reload).
const Buffer = 64

// Local is the in-process hub.
type Local struct {
	mu   sync.RWMutex
	subs map[key]map[*sub]struct{}
}

type key struct{ tenant, user string }

type sub struct{ ch chan Event }

// NewLocal returns an empty in-process hub.
func NewLocal() *Local { return &Local{subs: map[key]map[*sub]struct{}{}} }

// Publish implements Hub.
func (h *Local) Publish(tenantID string, audience []string, ev Event) {
	h.mu.RLock()
	defer h.mu.RUnlock()
	for _, u := range audience {
		for s := range h.subs[key{tenantID, u}] {
			select {
			case s.ch <- ev:
			default: // a slow client loses the event, never the publisher's time
			}
		}
	}
}

// Subscribe implements Hub.
func (h *Local) Subscribe(tenantID, userID string) (<-chan Event, func()) {
	s := &sub{ch: make(chan Event, Buffer)}
	k := key{tenantID, userID}
	h.mu.Lock()
	if h.subs[k] == nil {
		h.subs[k] = map[*sub]struct{}{}
	}
	h.subs[k][s] = struct{}{}
	h.mu.Unlock()
	var once sync.Once
	return s.ch, func() {
		once.Do(func() {
			h.mu.Lock()
			delete(h.subs[k], s)
			if len(h.subs[k]) == 0 {
				delete(h.subs, k)
			}
			h.mu.Unlock()
		})
	}
}

// Subscribers returns how many streams are open, for metrics.
func (h *Local) Subscribers() int {
	h.mu.RLock()
	defer h.mu.RUnlock()
	n := 0
	for _, m := range h.subs {
		n += len(m)
	}
	return n
}

// Nop is a hub that delivers nothing.
type Nop struct{}

// Publish implements Hub.
func (Nop) Publish(string, []string, Event) {}

// Subscribe implements Hub: a stream that never delivers.
func (Nop) Subscribe(string, string) (<-chan Event, func()) { return make(chan Event), func() {} }

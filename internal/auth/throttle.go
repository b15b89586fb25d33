package auth

import (
	"sync"
	"time"
)

// Throttle counts failed logins per source address in fixed windows and
// says when an address has spent its budget. It is in memory and per
// node: it slows one address's guessing down, while the lockout in the
// database (per account, shared by all nodes) is what bounds the guesses
// against any one account.
type Throttle struct {
	budget int
	window time.Duration
	mu     sync.Mutex
	by     map[string]*bucket
}

type bucket struct {
	start time.Time
	fails int
}

// maxTracked bounds the addresses held; past it, windows that have ended
// are dropped.
const maxTracked = 100000

// NewThrottle allows budget failures per address in each window; a
// budget ≤ 0 never throttles.
func NewThrottle(budget int, window time.Duration) *Throttle {
	return &Throttle{budget: budget, window: window, by: map[string]*bucket{}}
}

// Budget returns the failures allowed per window and the window.
func (t *Throttle) Budget() (int, time.Duration) { return t.budget, t.window }

// Fail counts a failed login from the address.
func (t *Throttle) Fail(addr string, now time.Time) {
	if t.budget <= 0 || addr == "" {
		return
	}
	t.mu.Lock()
	defer t.mu.Unlock()
	w := t.by[addr]
	if w == nil || now.Sub(w.start) >= t.window {
		if len(t.by) >= maxTracked {
			t.prune(now)
		}
		w = &bucket{start: now}
		t.by[addr] = w
	}
	w.fails++
}

// Over reports whether the address has spent its budget in the current
// window, and if so how long until the window ends.
func (t *Throttle) Over(addr string, now time.Time) (bool, time.Duration) {
	if t.budget <= 0 || addr == "" {
		return false, 0
	}
	t.mu.Lock()
	defer t.mu.Unlock()
	w := t.by[addr]
	if w == nil || now.Sub(w.start) >= t.window || w.fails < t.budget {
		return false, 0
	}
	return true, w.start.Add(t.window).Sub(now)
}

func (t *Throttle) prune(now time.Time) {
	for a, w := range t.by {
		if now.Sub(w.start) >= t.window {
			delete(t.by, a)
		}
	}
}

// Package ratelimit holds what both sides of the provider boundary use to
// count requests: the sliding-window counter (the simulator enforces the
// providers' published limits with it, Webrana's pacer stays under them),
// and the path template that groups requests per endpoint.
package ratelimit

import (
	"regexp"
	"strings"
	"time"
)

// Window allows at most Limit events in any period of length Per. It keeps
// the times of the events in the current period. It is not safe for
// concurrent use; its owner locks.
type Window struct {
	Limit  int
	Per    time.Duration
	events []time.Time // oldest first
}

// New returns an empty window.
func New(limit int, per time.Duration) *Window { return &Window{Limit: limit, Per: per} }

// expire drops events older than the period.
func (w *Window) expire(now time.Time) {
	cut := 0
	for cut < len(w.events) && !w.events[cut].After(now.Add(-w.Per)) {
		cut++
	}
	w.events = w.events[cut:]
}

// Allow records an event at now if the window has room, and reports whether
// it did.
func (w *Window) Allow(now time.Time) bool {
	w.expire(now)
	if len(w.events) >= w.Limit {
		return false
	}
	w.events = append(w.events, now)
	return true
}

// Add records an event at t without checking the limit.
func (w *Window) Add(t time.Time) { w.events = append(w.events, t) }

// Count is how many events are in the period ending now.
func (w *Window) Count(now time.Time) int {
	w.expire(now)
	return len(w.events)
}

// WaitFor is how long until k events have left the period; false when fewer
// than k are counted (the rest are someone else's to release).
func (w *Window) WaitFor(now time.Time, k int) (time.Duration, bool) {
	w.expire(now)
	if k <= 0 {
		return 0, true
	}
	if k > len(w.events) {
		return 0, false
	}
	return w.events[k-1].Add(w.Per).Sub(now), true
}

// Remaining is how many more events fit now.
func (w *Window) Remaining(now time.Time) int {
	w.expire(now)
	return max(0, w.Limit-len(w.events))
}

// ResetAt is when the oldest counted event leaves the window (now when empty).
func (w *Window) ResetAt(now time.Time) time.Time {
	w.expire(now)
	if len(w.events) == 0 {
		return now
	}
	return w.events[0].Add(w.Per)
}

// Wait is how long until one more event fits.
func (w *Window) Wait(now time.Time) time.Duration {
	w.expire(now)
	if len(w.events) < w.Limit {
		return 0
	}
	return w.events[len(w.events)-w.Limit].Add(w.Per).Sub(now)
}

// Template replaces the id segments of an API path (numbers, UUIDs, SSH key
// fingerprints) with {id}, so that limits and counts apply per endpoint.
func Template(path string) string {
	parts := strings.Split(path, "/")
	for i, p := range parts {
		if idSegment.MatchString(p) {
			parts[i] = "{id}"
		}
	}
	return strings.Join(parts, "/")
}

var idSegment = regexp.MustCompile(`^([0-9]+|[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}|([0-9a-f]{2}:){15}[0-9a-f]{2})$`)

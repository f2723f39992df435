package cloudsim

import "time"

// window is a sliding-window rate limit: at most limit events in any period
// of length per. It keeps the times of recent events. Guarded by Sim.mu.
type window struct {
	limit  int
	per    time.Duration
	events []time.Time // oldest first
}

func newWindow(limit int, per time.Duration) *window { return &window{limit: limit, per: per} }

// expire drops events older than the window.
func (w *window) expire(now time.Time) {
	cut := 0
	for cut < len(w.events) && !w.events[cut].After(now.Add(-w.per)) {
		cut++
	}
	w.events = w.events[cut:]
}

// allow records an event at now if the window has room, and reports whether
// it did.
func (w *window) allow(now time.Time) bool {
	w.expire(now)
	if len(w.events) >= w.limit {
		return false
	}
	w.events = append(w.events, now)
	return true
}

// remaining is how many more events fit now.
func (w *window) remaining(now time.Time) int {
	w.expire(now)
	return max(0, w.limit-len(w.events))
}

// resetAt is when the oldest counted event leaves the window (now when empty).
func (w *window) resetAt(now time.Time) time.Time {
	w.expire(now)
	if len(w.events) == 0 {
		return now
	}
	return w.events[0].Add(w.per)
}

// retryAfter is how long until one more event fits.
func (w *window) retryAfter(now time.Time) time.Duration {
	w.expire(now)
	if len(w.events) < w.limit {
		return 0
	}
	return w.events[len(w.events)-w.limit].Add(w.per).Sub(now)
}

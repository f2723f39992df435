package cloud

import (
	"context"
	"sync"
)

// failures is where the Client notes, for one caller, the last transient
// failure of the calls made under its context.
type failures struct {
	mu   sync.Mutex
	last error
}

type failuresKey struct{}

// NoteFailures returns ctx under which every Client call that fails
// transiently (rate-limited, unavailable, timed out: the provider did not
// serve it) is noted, for LastFailure. It is for callers above a service
// that records such a failure instead of returning it (an account's health
// check stores DEGRADED and succeeds) but which must still tell their user
// that the provider did not answer.
func NoteFailures(ctx context.Context) context.Context {
	return context.WithValue(ctx, failuresKey{}, &failures{})
}

// LastFailure returns the last transient failure of a Client call made
// under ctx since NoteFailures, or nil.
func LastFailure(ctx context.Context) error {
	f, _ := ctx.Value(failuresKey{}).(*failures)
	if f == nil {
		return nil
	}
	f.mu.Lock()
	defer f.mu.Unlock()
	return f.last
}

// noteFailure notes err under ctx if it is a transient failure.
func noteFailure(ctx context.Context, err error) {
	f, _ := ctx.Value(failuresKey{}).(*failures)
	if f == nil || err == nil || !Transient(err) {
		return
	}
	f.mu.Lock()
	defer f.mu.Unlock()
	f.last = err
}

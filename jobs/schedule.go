package jobs

import (
	"errors"
	"time"

	"github.com/riverqueue/river"
)

// Backoff is when a job that talks to providers runs again after its
// attempt-th transient failure: 2 s, 4 s, 8 s … never more than 5 minutes
// apart, so twelve attempts span about half an hour.
func Backoff(attempt int) time.Time {
	return time.Now().Add(min(time.Duration(1<<min(attempt, 10))*time.Second, 5*time.Minute))
}

// IsSnooze reports whether err asks River to run the job again later
// (river.JobSnooze) rather than reporting a failure.
func IsSnooze(err error) bool {
	var s *river.JobSnoozeError
	return errors.As(err, &s)
}

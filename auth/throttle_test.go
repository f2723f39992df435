package auth_test

import (
	"context"
	"sync"
	"testing"
	"time"

	"github.com/webrana/webrana"
	"github.com/webrana/webrana/auth"
	"github.com/webrana/webrana/store"
)

// TestThrottleConcurrent: guesses sent at once get no more tries than the
// limit. Each attempt is counted before its password or code is checked,
// in one step with the check of the count, so parallel requests cannot all
// pass the check before any failure is recorded.
func TestThrottleConcurrent(t *testing.T) {
	t.Parallel()
	const limit = 3
	cases := []struct {
		name    string
		n       int
		attempt func(s *totpSetup, pending string) error
	}{
		{"two-factor codes", 30, func(s *totpSetup, pending string) error {
			_, _, err := s.svc.LoginPending(context.Background(), pending, "000000", "192.0.2.7", auth.LoginBrowser)
			return err
		}},
		{"passwords", 8, func(s *totpSetup, _ string) error {
			_, _, err := s.svc.Login(context.Background(), s.user.Email, "wrong password 123", "192.0.2.7", auth.LoginAPI)
			return err
		}},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			bothEngines(t, auth.ThrottlePolicy{PerAccount: limit, PerSource: 50, Window: 15 * time.Minute}, func(t *testing.T, s *totpSetup) {
				ctx := context.Background()
				s.enrol(t)
				s.clock.Advance(time.Minute)
				_, _, err := s.svc.LoginWithCode(ctx, s.user.Email, password, "", "192.0.2.7", auth.LoginBrowser)
				pending := auth.PendingLogin(err)
				if pending == "" {
					t.Fatalf("no pending sign-in: %v", err)
				}
				errs := make([]error, tc.n)
				var wg sync.WaitGroup
				start := make(chan struct{})
				for i := range tc.n {
					wg.Go(func() {
						<-start
						errs[i] = tc.attempt(s, pending)
					})
				}
				close(start)
				wg.Wait()
				checked := 0
				for _, err := range errs {
					switch webrana.ErrorCode(err) {
					case webrana.ERATELIMITED:
					case webrana.ETOTPREQUIRED, webrana.EUNAUTHORIZED:
						checked++
					default:
						t.Errorf("attempt: %v", err)
					}
				}
				if checked != limit {
					t.Errorf("%d of %d concurrent wrong guesses were checked, want the limit %d (the rest refused)", checked, tc.n, limit)
				}
				failed, _, err := s.db.ListAudit(ctx, store.AuditFilter{Action: "login.failed"})
				if err != nil || len(failed) != limit {
					t.Errorf("%d login.failed entries (%v), want %d", len(failed), err, limit)
				}
			})
		})
	}
}

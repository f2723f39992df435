package auth_test

import (
	"context"
	"runtime"
	"testing"
	"time"

	"github.com/webrana/webrana"
	"github.com/webrana/webrana/auth"
	"github.com/webrana/webrana/mail"
	"github.com/webrana/webrana/store"
	"github.com/webrana/webrana/store/storetest"
)

// linkSets are the two ways to set a password through an e-mailed link.
var linkSets = []struct {
	name string
	set  func(f *flows, token, source string) error
}{
	{"reset", func(f *flows, token, source string) error {
		_, err := f.svc.ResetPassword(context.Background(), token, "a brand new passphrase", source)
		return err
	}},
	{"invite", func(f *flows, token, source string) error {
		_, _, err := f.svc.AcceptInvite(context.Background(), token, "a brand new passphrase", source, auth.LoginAPI)
		return err
	}},
}

// TestBogusLinkCostsNoHashing: a password set through an unknown link is
// refused before the new password is hashed (argon2id takes 32 MiB), so
// bogus links cannot make the server hash. Not parallel: it measures what
// the calls allocate.
func TestBogusLinkCostsNoHashing(t *testing.T) {
	for _, e := range []struct {
		name string
		open func(testing.TB) *store.DB
	}{{"sqlite", storetest.OpenSQLite}, {"postgres", storetest.OpenPostgres}} {
		f := newFlows(t, e.open, auth.SignupClosed)
		for _, ls := range linkSets {
			var before, after runtime.MemStats
			runtime.ReadMemStats(&before)
			err := ls.set(f, "bogus-token-0123456789abcdefghij", "198.51.100.1")
			runtime.ReadMemStats(&after)
			wantCode(t, err, webrana.EINVALID, "token")
			if n := after.TotalAlloc - before.TotalAlloc; n > 8<<20 {
				t.Errorf("%s, %s: a bogus link allocated %d MiB: the password was hashed before the link was checked", e.name, ls.name, n>>20)
			}
		}
	}
}

// TestLinkSetsPerSource: one address may try only so many password links
// within the window (AccountLimits.LinkPerSource); others are not held
// back, and a real link works again once the window has passed.
func TestLinkSetsPerSource(t *testing.T) {
	t.Parallel()
	engines(t, func(t *testing.T, open func(testing.TB) *store.DB) {
		ctx := t.Context()
		for _, ls := range linkSets {
			f := newFlows(t, open, auth.SignupClosed)
			f.svc = auth.New(f.db, &auth.Config{Now: f.clock.Now, Mailer: f.mail, Limits: auth.AccountLimits{LinkPerSource: 3}})
			var token string
			if ls.name == "reset" {
				must(t, f.svc.RequestPasswordReset(ctx, f.user.Email, "192.0.2.1"))
				token = f.mail.one(t, mail.PasswordReset, f.user.Email)
			} else {
				admin := &auth.Principal{User: &webrana.User{ID: f.user.ID, Email: f.user.Email, Role: webrana.RoleAdmin}}
				_, err := f.svc.Invite(ctx, admin, "bob@example.com", webrana.RoleCustomer, "192.0.2.1")
				must(t, err)
				token = f.mail.one(t, mail.Invite, "bob@example.com")
			}
			for range 3 {
				wantCode(t, ls.set(f, "bogus-token-0123456789abcdefghij", "198.51.100.1"), webrana.EINVALID, "token")
			}
			if err := ls.set(f, token, "198.51.100.1"); webrana.ErrorCode(err) != webrana.ERATELIMITED {
				t.Fatalf("%s: fourth try from one address: %v, want rate_limited", ls.name, err)
			}
			wantCode(t, ls.set(f, "bogus-token-0123456789abcdefghij", "198.51.100.2"), webrana.EINVALID, "token")
			f.clock.Advance(time.Hour)
			if ls.name == "reset" { // its link lasts an hour: ask again
				must(t, f.svc.RequestPasswordReset(ctx, f.user.Email, "192.0.2.1"))
				token = f.mail.one(t, mail.PasswordReset, f.user.Email)
			}
			if err := ls.set(f, token, "198.51.100.1"); err != nil {
				t.Fatalf("%s: after the window: %v", ls.name, err)
			}
		}
	})
}

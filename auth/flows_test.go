package auth_test

import (
	"context"
	"errors"
	"net/url"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/webrana/webrana"
	"github.com/webrana/webrana/auth"
	"github.com/webrana/webrana/mail"
	"github.com/webrana/webrana/secrets"
	"github.com/webrana/webrana/store"
	"github.com/webrana/webrana/store/storetest"
)

// recorder is a Mailer keeping the messages whose transaction committed.
type recorder struct {
	mu   sync.Mutex
	sent []mail.Message
}

func (r *recorder) QueueTx(_ context.Context, tx *store.Tx, m mail.Message) error {
	// Kept at once; a rolled-back transaction's message is dropped below by
	// the tests' expectations (flows only queue as their last steps).
	r.mu.Lock()
	defer r.mu.Unlock()
	r.sent = append(r.sent, m)
	return nil
}

// take returns the messages queued since the last take.
func (r *recorder) take() []mail.Message {
	r.mu.Lock()
	defer r.mu.Unlock()
	out := r.sent
	r.sent = nil
	return out
}

// one returns the one message queued since the last take, of the kind, to
// the address, and the token of its link.
func (r *recorder) one(t *testing.T, kind mail.Kind, to string) string {
	t.Helper()
	msgs := r.take()
	if len(msgs) != 1 {
		t.Fatalf("queued %d messages, want one %s to %s: %+v", len(msgs), kind, to, msgs)
	}
	m := msgs[0]
	if m.Kind != kind || m.To != to {
		t.Fatalf("queued %s to %s, want %s to %s", m.Kind, m.To, kind, to)
	}
	d, ok := m.Data.(mail.LinkData)
	if !ok {
		t.Fatalf("message data is %T, want mail.LinkData", m.Data)
	}
	u, err := url.Parse(d.Path)
	if err != nil || u.Host != "" || !strings.HasPrefix(d.Path, "/") {
		t.Fatalf("link %q is not a site-relative path", d.Path)
	}
	token := u.Query().Get("token")
	if len(token) < 26 || d.ExpiresIn == "" {
		t.Fatalf("link %q (expires in %q) lacks a token or its expiry", d.Path, d.ExpiresIn)
	}
	return token
}

// flows is a Service with a mailer on one engine, its clock and a
// verified customer.
type flows struct {
	db    *store.DB
	svc   *auth.Service
	mail  *recorder
	clock *clock
	user  *webrana.User
}

func newFlows(t *testing.T, open func(testing.TB) *store.DB, mode auth.SignupMode) *flows {
	t.Helper()
	db := open(t)
	c := &clock{now: time.Date(2031, 5, 1, 9, 0, 0, 0, time.UTC)}
	db.Now = c.Now
	hash, err := secrets.HashPassword(password)
	if err != nil {
		t.Fatal(err)
	}
	u := &webrana.User{Email: "alice@example.com", Role: webrana.RoleCustomer, PasswordHash: hash, EmailVerified: true}
	if err := db.CreateUser(t.Context(), u); err != nil {
		t.Fatal(err)
	}
	rec := &recorder{}
	return &flows{db: db, mail: rec, clock: c, user: u,
		svc: auth.New(db, &auth.Config{Now: c.Now, Mailer: rec, Signup: mode})}
}

// engines runs a test on SQLite and PostgreSQL.
func engines(t *testing.T, fn func(t *testing.T, open func(testing.TB) *store.DB)) {
	for _, e := range []struct {
		name string
		open func(testing.TB) *store.DB
	}{{"sqlite", storetest.OpenSQLite}, {"postgres", storetest.OpenPostgres}} {
		t.Run(e.name, func(t *testing.T) {
			t.Parallel()
			fn(t, e.open)
		})
	}
}

func wantCode(t *testing.T, err error, code, field string) {
	t.Helper()
	if webrana.ErrorCode(err) != code || webrana.ErrorField(err) != field {
		t.Fatalf("err = %v, want code %s field %q", err, code, field)
	}
}

func must(t *testing.T, err error) {
	t.Helper()
	if err != nil {
		t.Fatal(err)
	}
}

func TestSignupModes(t *testing.T) {
	t.Parallel()
	engines(t, func(t *testing.T, open func(testing.TB) *store.DB) {
		f := newFlows(t, open, auth.SignupClosed)
		ctx := t.Context()
		for _, tt := range []struct {
			mode    auth.SignupMode
			wantErr string
			message string
		}{
			{auth.SignupClosed, webrana.EFORBIDDEN, "closed"},
			{auth.SignupInvite, webrana.EFORBIDDEN, "invitation"},
			{auth.SignupOpen, "", ""},
		} {
			mode := string(tt.mode)
			if _, err := f.svc.ChangeSettings(ctx, webrana.Actor{User: f.user, Source: "192.0.2.1"}, auth.SettingsChange{Signup: &mode}); err != nil {
				t.Fatal(err)
			}
			err := f.svc.Signup(ctx, "new-"+string(tt.mode)+"@example.com", password, "192.0.2.9")
			if webrana.ErrorCode(err) != tt.wantErr && !(tt.wantErr == "" && err == nil) {
				t.Fatalf("%s: err = %v, want %q", tt.mode, err, tt.wantErr)
			}
			if !strings.Contains(webrana.ErrorMessage(err), tt.message) {
				t.Errorf("%s: message %q does not say %q", tt.mode, webrana.ErrorMessage(err), tt.message)
			}
			f.clock.Advance(time.Second)
		}
		sometimes, on := "sometimes", true
		_, err := f.svc.ChangeSettings(ctx, webrana.Actor{}, auth.SettingsChange{Signup: &sometimes, AdminTOTP: &on})
		wantCode(t, err, webrana.EINVALID, "signup")
		if m, err := f.svc.SignupMode(ctx); err != nil || m != auth.SignupOpen {
			t.Fatalf("mode = %q, %v; want open (the refused change changed nothing)", m, err)
		}
		if st, err := f.svc.Settings(ctx); err != nil || st.AdminTOTP || st.Signup != auth.SignupOpen {
			t.Fatalf("settings = %+v, %v; want the refused change's other setting unchanged too", st, err)
		}
		entries, _, err := f.db.ListAudit(ctx, store.AuditFilter{Action: "settings.changed"})
		must(t, err)
		if len(entries) != 3 || entries[0].Detail != "signup=open" || entries[0].ActorID != f.user.ID {
			t.Fatalf("audit = %+v, want three changes, the last signup=open by the operator", entries)
		}
	})
}

func TestSignupAndVerify(t *testing.T) {
	t.Parallel()
	engines(t, func(t *testing.T, open func(testing.TB) *store.DB) {
		f := newFlows(t, open, auth.SignupOpen)
		ctx := t.Context()

		wantCode(t, f.svc.Signup(ctx, "not an address", password, "192.0.2.9"), webrana.EINVALID, "email")
		wantCode(t, f.svc.Signup(ctx, "bob@example.com", "short", "192.0.2.9"), webrana.EINVALID, "password")

		must(t, f.svc.Signup(ctx, " Bob@Example.com ", password, "192.0.2.9"))
		first := f.mail.one(t, mail.Verify, "bob@example.com")
		bob, err := f.db.UserByEmail(ctx, "bob@example.com")
		must(t, err)
		if bob.EmailVerified || bob.Role != webrana.RoleCustomer {
			t.Fatalf("signed-up user = %+v, want an unconfirmed customer", bob)
		}
		_, firstSession, err := f.svc.Login(ctx, "bob@example.com", password, "192.0.2.9", auth.LoginAPI)
		if err != nil {
			t.Fatalf("an unconfirmed customer cannot sign in: %v", err)
		}
		// Until the address is confirmed, no lasting credential: whoever
		// signed up may not own the address.
		unconfirmed := &auth.Principal{User: bob}
		if _, _, err := f.svc.CreateAPIToken(ctx, unconfirmed, "ci", 0, ""); webrana.ErrorCode(err) != webrana.EFORBIDDEN {
			t.Fatalf("an API token before confirming: %v, want forbidden", err)
		}
		if _, err := f.svc.AddSSHKey(ctx, unconfirmed, "laptop", "ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIOMqqnkVzrm0SdG6UOoqKLsabgH5C9okWi0dh2l9GKJl x"); webrana.ErrorCode(err) != webrana.EFORBIDDEN {
			t.Fatalf("an SSH key before confirming: %v, want forbidden", err)
		}
		if _, err := f.svc.BeginTOTP(ctx, unconfirmed, password, ""); webrana.ErrorCode(err) != webrana.EFORBIDDEN {
			t.Fatalf("two factors before confirming: %v, want forbidden", err)
		}
		if err := bob.MayOrder(); webrana.ErrorCode(err) != webrana.EFORBIDDEN || !strings.Contains(webrana.ErrorMessage(err), "/api/auth/verify/resend") {
			t.Fatalf("MayOrder before confirming = %v, want forbidden naming how to get a new link", err)
		}

		// A second sign-up with the address: no second account, no other
		// answer, and a new link (the first stops working).
		must(t, f.svc.Signup(ctx, "bob@example.com", "another password!", "192.0.2.9"))
		second := f.mail.one(t, mail.Verify, "bob@example.com")
		if _, err := f.svc.Verify(ctx, first, "192.0.2.9"); webrana.ErrorField(err) != "token" {
			t.Fatalf("a replaced link = %v, want refused with field token", err)
		}
		// Nobody has shown they own the address yet: the second sign-up's
		// password is the account's, and the first one's session ended.
		if _, _, err := f.svc.Login(ctx, "bob@example.com", password, "192.0.2.9", auth.LoginAPI); err == nil {
			t.Fatal("the first sign-up's password still works after a second sign-up of the unconfirmed address")
		}
		if _, err := f.svc.Authenticate(ctx, firstSession); err == nil {
			t.Fatal("the first sign-up's session survived a second sign-up of the unconfirmed address")
		}
		if _, _, err := f.svc.Login(ctx, "bob@example.com", "another password!", "192.0.2.9", auth.LoginAPI); err != nil {
			t.Fatalf("the second sign-up's password: %v", err)
		}

		// Expired after 48 hours.
		f.clock.Advance(auth.VerifyTTL)
		if _, err := f.svc.Verify(ctx, second, "192.0.2.9"); webrana.ErrorField(err) != "token" {
			t.Fatalf("an expired link = %v, want refused", err)
		}
		p := &auth.Principal{User: bob}
		must(t, f.svc.ResendVerification(ctx, p, "192.0.2.9"))
		third := f.mail.one(t, mail.Verify, "bob@example.com")
		f.clock.Advance(auth.VerifyTTL - time.Minute)
		c, err := f.svc.Verify(ctx, third, "192.0.2.9")
		must(t, err)
		if !c.User.EmailVerified || c.NewEmail || c.User.Email != "bob@example.com" {
			t.Fatalf("confirmed = %+v", c)
		}
		if _, err := f.svc.Verify(ctx, third, "192.0.2.9"); webrana.ErrorField(err) != "token" {
			t.Fatalf("a used link = %v, want refused", err)
		}
		wantCode(t, f.svc.ResendVerification(ctx, &auth.Principal{User: c.User}, ""), webrana.ECONFLICT, "")

		// A confirmed owner's address signed up with again: nothing sent.
		must(t, f.svc.Signup(ctx, "bob@example.com", password, "192.0.2.9"))
		if msgs := f.mail.take(); len(msgs) != 0 {
			t.Fatalf("sign-up with a confirmed address queued %+v", msgs)
		}
		users, total, err := f.db.ListUsers(ctx, store.UserFilter{})
		must(t, err)
		if total != 2 {
			t.Fatalf("%d users (%+v), want alice and one bob", total, users)
		}
	})
}

func TestPasswordReset(t *testing.T) {
	t.Parallel()
	engines(t, func(t *testing.T, open func(testing.TB) *store.DB) {
		f := newFlows(t, open, auth.SignupClosed)
		ctx := t.Context()
		browser, _, err := f.svc.Login(ctx, "alice@example.com", password, "192.0.2.1", auth.LoginBrowser)
		must(t, err)
		_, apiToken, err := f.svc.CreateAPIToken(ctx, &auth.Principal{User: f.user, Session: browser}, "script", 0, "")
		must(t, err)

		// An unknown address: the same answer, nothing sent.
		must(t, f.svc.RequestPasswordReset(ctx, "nobody@example.com", "192.0.2.9"))
		if msgs := f.mail.take(); len(msgs) != 0 {
			t.Fatalf("a reset for an unknown address queued %+v", msgs)
		}
		must(t, f.svc.RequestPasswordReset(ctx, "ALICE@example.com", "192.0.2.9"))
		old := f.mail.one(t, mail.PasswordReset, "alice@example.com")
		must(t, f.svc.RequestPasswordReset(ctx, "alice@example.com", "192.0.2.9"))
		link := f.mail.one(t, mail.PasswordReset, "alice@example.com")

		const next = "a brand new passphrase"
		if _, err := f.svc.ResetPassword(ctx, old, next, "192.0.2.9"); webrana.ErrorField(err) != "token" {
			t.Fatalf("an older link = %v, want refused", err)
		}
		_, err = f.svc.ResetPassword(ctx, link, "short", "192.0.2.9")
		wantCode(t, err, webrana.EINVALID, "password")
		u, err := f.svc.ResetPassword(ctx, link, next, "192.0.2.9")
		must(t, err)
		if u.ID != f.user.ID {
			t.Fatalf("reset %s, want alice", u.Email)
		}
		if _, err := f.svc.ResetPassword(ctx, link, "yet another passphrase", "192.0.2.9"); webrana.ErrorField(err) != "token" {
			t.Fatalf("a used link = %v, want refused", err)
		}
		if _, _, err := f.svc.Login(ctx, "alice@example.com", next, "192.0.2.1", auth.LoginAPI); err != nil {
			t.Fatalf("the new password does not work: %v", err)
		}
		if _, _, err := f.svc.Login(ctx, "alice@example.com", password, "192.0.2.1", auth.LoginAPI); err == nil {
			t.Fatal("the old password still works")
		}
		if _, err := f.db.SessionByTokenHash(ctx, browser.TokenHash); webrana.ErrorCode(err) != webrana.ENOTFOUND {
			t.Fatalf("the session open before the reset = %v, want ended", err)
		}
		if _, err := f.svc.Authenticate(ctx, apiToken); err != nil {
			t.Fatalf("an API token stopped working after a reset: %v", err)
		}
		entries, _, err := f.db.ListAudit(ctx, store.AuditFilter{Action: "password.reset"})
		must(t, err)
		if len(entries) != 1 || entries[0].TargetID != f.user.ID {
			t.Fatalf("audit = %+v", entries)
		}

		// A link expires after an hour.
		must(t, f.svc.RequestPasswordReset(ctx, "alice@example.com", "192.0.2.10"))
		late := f.mail.one(t, mail.PasswordReset, "alice@example.com")
		f.clock.Advance(auth.ResetTTL)
		if _, err := f.svc.ResetPassword(ctx, late, next, ""); webrana.ErrorField(err) != "token" {
			t.Fatalf("an expired link = %v, want refused", err)
		}
	})
}

func TestAccountThrottles(t *testing.T) {
	t.Parallel()
	engines(t, func(t *testing.T, open func(testing.TB) *store.DB) {
		f := newFlows(t, open, auth.SignupOpen)
		ctx := t.Context()
		for _, tt := range []struct {
			name  string
			n     int // allowed within the window
			try   func(i int) error
			reset time.Duration
		}{
			{"sign-ups per source", 10, func(i int) error {
				return f.svc.Signup(ctx, "s"+string(rune('a'+i))+"@example.com", password, "198.51.100.1")
			}, time.Hour},
			// The per-address limit holds whether or not the address has an
			// account: its refusal says nothing.
			{"resets per unknown address", 3, func(int) error {
				return f.svc.RequestPasswordReset(ctx, "ghost@example.com", "198.51.100.2")
			}, time.Hour},
			{"resets per known address", 3, func(int) error {
				return f.svc.RequestPasswordReset(ctx, "alice@example.com", "198.51.100.3")
			}, time.Hour},
		} {
			for i := range tt.n {
				if err := tt.try(i); err != nil {
					t.Fatalf("%s: attempt %d refused: %v", tt.name, i+1, err)
				}
			}
			err := tt.try(tt.n)
			var e *webrana.Error
			if !errors.As(err, &e) || e.Code != webrana.ERATELIMITED || e.RetryAfter <= 0 {
				t.Fatalf("%s: attempt %d = %v, want rate limited with a retry time", tt.name, tt.n+1, err)
			}
			f.clock.Advance(tt.reset)
			if err := tt.try(tt.n + 1); err != nil {
				t.Fatalf("%s: after the window: %v", tt.name, err)
			}
		}
		f.mail.take()
	})
}

func TestInvite(t *testing.T) {
	t.Parallel()
	engines(t, func(t *testing.T, open func(testing.TB) *store.DB) {
		f := newFlows(t, open, auth.SignupClosed)
		ctx := t.Context()
		admin := &auth.Principal{User: &webrana.User{ID: f.user.ID, Email: "alice@example.com", Role: webrana.RoleAdmin}}

		_, err := f.svc.Invite(ctx, admin, "alice@example.com", webrana.RoleCustomer, "")
		wantCode(t, err, webrana.ECONFLICT, "email")
		_, err = f.svc.Invite(ctx, admin, "op@example.com", "root", "")
		wantCode(t, err, webrana.EINVALID, "role")

		u, err := f.svc.Invite(ctx, admin, "op@example.com", webrana.RoleAdmin, "192.0.2.1")
		must(t, err)
		msgs := f.mail.take()
		if len(msgs) != 1 || msgs[0].Data.(mail.LinkData).Inviter != "alice@example.com" || msgs[0].Kind != mail.Invite {
			t.Fatalf("queued %+v, want one invitation naming the inviter", msgs)
		}
		f.mail.sent = msgs
		token := f.mail.one(t, mail.Invite, "op@example.com")
		if u.EmailVerified {
			t.Fatal("an invited user is confirmed before accepting")
		}
		if _, _, err := f.svc.Login(ctx, "op@example.com", "", "192.0.2.1", auth.LoginAPI); err == nil {
			t.Fatal("an invited user signs in without a password")
		}

		f.clock.Advance(auth.InviteTTL - time.Minute)
		_, _, err = f.svc.AcceptInvite(ctx, token, "short", "192.0.2.5", auth.LoginBrowser)
		wantCode(t, err, webrana.EINVALID, "password")
		sess, plain, err := f.svc.AcceptInvite(ctx, token, "the operator's passphrase", "192.0.2.5", auth.LoginBrowser)
		must(t, err)
		p, err := f.svc.Authenticate(ctx, plain)
		must(t, err)
		if p.User.ID != u.ID || !p.User.EmailVerified || p.User.Role != webrana.RoleAdmin || sess.CSRFToken == "" {
			t.Fatalf("signed in as %+v", p.User)
		}
		if _, _, err := f.svc.AcceptInvite(ctx, token, "another passphrase!", "", auth.LoginAPI); webrana.ErrorField(err) != "token" {
			t.Fatalf("an accepted invitation used again = %v, want refused", err)
		}

		// Expired after 7 days.
		_, err = f.svc.Invite(ctx, admin, "late@example.com", webrana.RoleCustomer, "")
		must(t, err)
		late := f.mail.one(t, mail.Invite, "late@example.com")
		f.clock.Advance(auth.InviteTTL)
		if _, _, err := f.svc.AcceptInvite(ctx, late, "a good passphrase", "", auth.LoginAPI); webrana.ErrorField(err) != "token" {
			t.Fatalf("an expired invitation = %v, want refused", err)
		}
	})
}

func TestSetup(t *testing.T) {
	t.Parallel()
	engines(t, func(t *testing.T, open func(testing.TB) *store.DB) {
		f := newFlows(t, open, auth.SignupClosed) // alice is a customer: no administrator yet
		ctx := t.Context()
		old, err := f.svc.SetupLink(ctx)
		must(t, err)
		link, err := f.svc.SetupLink(ctx) // a restart logs a new link
		must(t, err)
		token := strings.TrimPrefix(link, "/setup?token=")
		if token == link || len(token) < 26 {
			t.Fatalf("setup link %q", link)
		}
		stored, _, err := f.db.Setting(ctx, "setup_token")
		must(t, err)
		if strings.Contains(stored, token) {
			t.Fatal("the setup token is stored in clear")
		}
		wantCode(t, f.svc.CheckSetup(ctx, strings.TrimPrefix(old, "/setup?token=")), webrana.EINVALID, "token")
		wantCode(t, f.svc.CheckSetup(ctx, "guess"), webrana.EINVALID, "token")
		must(t, f.svc.CheckSetup(ctx, token))
		_, _, err = f.svc.Setup(ctx, token, "root@example.com", "short", "192.0.2.1")
		wantCode(t, err, webrana.EINVALID, "password")

		_, plain, err := f.svc.Setup(ctx, token, "Root@Example.com", "the first operator", "192.0.2.1")
		must(t, err)
		p, err := f.svc.Authenticate(ctx, plain)
		must(t, err)
		if !p.IsAdmin() || !p.User.EmailVerified || p.User.Email != "root@example.com" {
			t.Fatalf("setup made %+v", p.User)
		}
		_, _, err = f.svc.Setup(ctx, token, "second@example.com", "the second operator", "192.0.2.1")
		wantCode(t, err, webrana.ENOTFOUND, "")
		wantCode(t, f.svc.CheckSetup(ctx, token), webrana.ENOTFOUND, "")
		if link, err := f.svc.SetupLink(ctx); err != nil || link != "" {
			t.Fatalf("SetupLink with an administrator = %q, %v; want none", link, err)
		}
	})
}

func TestAccountChanges(t *testing.T) {
	t.Parallel()
	engines(t, func(t *testing.T, open func(testing.TB) *store.DB) {
		f := newFlows(t, open, auth.SignupClosed)
		ctx := t.Context()
		here, _, err := f.svc.Login(ctx, "alice@example.com", password, "192.0.2.1", auth.LoginBrowser)
		must(t, err)
		there, _, err := f.svc.Login(ctx, "alice@example.com", password, "192.0.2.2", auth.LoginAPI)
		must(t, err)
		p := &auth.Principal{User: f.user, Session: here}

		wantCode(t, f.svc.ChangePassword(ctx, p, password, "short", ""), webrana.EINVALID, "new_password")
		wantCode(t, f.svc.ChangePassword(ctx, p, "wrong password", "a new passphrase", ""), webrana.EINVALID, "current_password")
		must(t, f.svc.ChangePassword(ctx, p, password, "a new passphrase", "192.0.2.1"))
		if _, err := f.db.SessionByTokenHash(ctx, here.TokenHash); err != nil {
			t.Fatalf("the session in use was ended: %v", err)
		}
		if _, err := f.db.SessionByTokenHash(ctx, there.TokenHash); webrana.ErrorCode(err) != webrana.ENOTFOUND {
			t.Fatalf("another session = %v, want ended", err)
		}

		// Wrong current passwords are throttled: five within the window.
		for range 4 {
			wantCode(t, f.svc.ChangePassword(ctx, p, "wrong password", "another passphrase", ""), webrana.EINVALID, "current_password")
		}
		wantCode(t, f.svc.ChangePassword(ctx, p, "a new passphrase", "another passphrase", ""), webrana.ERATELIMITED, "")
		f.clock.Advance(time.Hour)

		f.mail.take() // the new-sign-in notice of the second session's address, not this test's point

		// An address change: confirmed by the link sent to the new address.
		other := &webrana.User{Email: "taken@example.com", Role: webrana.RoleCustomer, PasswordHash: "x", EmailVerified: true}
		must(t, f.db.CreateUser(ctx, other))
		wantCode(t, f.svc.RequestEmailChange(ctx, p, "new@example.com", "wrong password", ""), webrana.EINVALID, "password")
		wantCode(t, f.svc.RequestEmailChange(ctx, p, "alice@example.com", "a new passphrase", ""), webrana.EINVALID, "email")
		must(t, f.svc.RequestEmailChange(ctx, p, "taken@example.com", "a new passphrase", ""))
		if msgs := f.mail.take(); len(msgs) != 0 {
			t.Fatalf("a change to a taken address queued %+v", msgs)
		}
		must(t, f.svc.RequestEmailChange(ctx, p, "New@example.com", "a new passphrase", "192.0.2.1"))
		token := f.mail.one(t, mail.EmailChange, "new@example.com")
		if u, _ := f.db.UserByID(ctx, f.user.ID); u.Email != "alice@example.com" {
			t.Fatalf("the address changed to %s before it was confirmed", u.Email)
		}
		c, err := f.svc.Verify(ctx, token, "192.0.2.1")
		must(t, err)
		if !c.NewEmail || c.User.Email != "new@example.com" || !c.User.EmailVerified {
			t.Fatalf("confirmed = %+v", c.User)
		}
		entries, _, err := f.db.ListAudit(ctx, store.AuditFilter{Action: "user.email_changed"})
		must(t, err)
		if len(entries) != 1 || entries[0].Detail != "alice@example.com -> new@example.com" {
			t.Fatalf("audit = %+v", entries)
		}
		if _, err := f.svc.Verify(ctx, token, ""); webrana.ErrorField(err) != "token" {
			t.Fatalf("a used link = %v, want refused", err)
		}
	})
}

func TestNoMailerRefuses(t *testing.T) {
	t.Parallel()
	db := storetest.OpenSQLite(t)
	svc := auth.New(db, &auth.Config{Signup: auth.SignupOpen})
	for _, err := range []error{
		svc.Signup(t.Context(), "x@example.com", password, ""),
		svc.RequestPasswordReset(t.Context(), "x@example.com", ""),
	} {
		wantCode(t, err, webrana.EUNAVAILABLE, "")
	}
	if _, total, _ := db.ListUsers(t.Context(), store.UserFilter{}); total != 0 {
		t.Fatalf("a sign-up without a mailer made %d users", total)
	}
}

// TestLinkUsedOnceUnderRace: of requests using one link at the same time,
// exactly one succeeds.
func TestLinkUsedOnceUnderRace(t *testing.T) {
	t.Parallel()
	engines(t, func(t *testing.T, open func(testing.TB) *store.DB) {
		f := newFlows(t, open, auth.SignupClosed)
		ctx := t.Context()
		must(t, f.svc.RequestPasswordReset(ctx, "alice@example.com", ""))
		token := f.mail.one(t, mail.PasswordReset, "alice@example.com")
		const n = 4
		errs := make(chan error, n)
		var start sync.WaitGroup
		start.Add(1)
		for i := range n {
			go func() {
				start.Wait()
				_, err := f.svc.ResetPassword(ctx, token, "passphrase number "+string(rune('a'+i)), "")
				errs <- err
			}()
		}
		start.Done()
		ok := 0
		for range n {
			err := <-errs
			switch {
			case err == nil:
				ok++
			case webrana.ErrorField(err) != "token":
				t.Errorf("a losing use = %v, want refused with field token", err)
			}
		}
		if ok != 1 {
			t.Fatalf("%d uses of one link succeeded, want 1", ok)
		}
	})
}

// TestPasswordSetUsesUpOtherLinks: once a password is set through one
// link, the user's other links that set one (an invitation not yet
// accepted) work no more, so none can set it again past a second factor.
func TestPasswordSetUsesUpOtherLinks(t *testing.T) {
	t.Parallel()
	engines(t, func(t *testing.T, open func(testing.TB) *store.DB) {
		f := newFlows(t, open, auth.SignupClosed)
		ctx := t.Context()
		admin := &auth.Principal{User: &webrana.User{ID: f.user.ID, Email: f.user.Email, Role: webrana.RoleAdmin}}
		_, err := f.svc.Invite(ctx, admin, "carol@example.com", webrana.RoleCustomer, "")
		must(t, err)
		invite := f.mail.one(t, mail.Invite, "carol@example.com")
		must(t, f.svc.RequestPasswordReset(ctx, "carol@example.com", "192.0.2.7"))
		reset := f.mail.one(t, mail.PasswordReset, "carol@example.com")
		if _, err := f.svc.ResetPassword(ctx, reset, "carol's own passphrase", "192.0.2.7"); err != nil {
			t.Fatal(err)
		}
		_, _, err = f.svc.AcceptInvite(ctx, invite, "someone else's passphrase", "192.0.2.8", auth.LoginBrowser)
		wantCode(t, err, webrana.EINVALID, "token")
		if _, _, err := f.svc.Login(ctx, "carol@example.com", "carol's own passphrase", "192.0.2.7", auth.LoginAPI); err != nil {
			t.Fatalf("the password the reset set: %v", err)
		}
	})
}

// TestAddressChangeEndsOldLinks: when an address change is confirmed, the
// links e-mailed to the old address (a reset asked for before) stop
// working, and the old address is told of the change, in the same
// transaction.
func TestAddressChangeEndsOldLinks(t *testing.T) {
	t.Parallel()
	engines(t, func(t *testing.T, open func(testing.TB) *store.DB) {
		f := newFlows(t, open, auth.SignupClosed)
		ctx := t.Context()
		p := &auth.Principal{User: f.user}
		must(t, f.svc.RequestPasswordReset(ctx, "alice@example.com", "192.0.2.1"))
		reset := f.mail.one(t, mail.PasswordReset, "alice@example.com")
		must(t, f.svc.RequestEmailChange(ctx, p, "new@example.com", password, "192.0.2.1"))
		change := f.mail.one(t, mail.EmailChange, "new@example.com")
		f.clock.Advance(time.Minute)
		_, err := f.svc.Verify(ctx, change, "192.0.2.1")
		must(t, err)

		msgs := f.mail.take()
		if len(msgs) != 1 || msgs[0].Kind != mail.EmailChanged || msgs[0].To != "alice@example.com" || msgs[0].UserID != f.user.ID {
			t.Fatalf("queued %+v, want one email_changed notice to the old address", msgs)
		}
		if d, ok := msgs[0].Data.(mail.EmailChangedData); !ok || d.New != "new@example.com" || d.When == "" {
			t.Fatalf("notice data %+v, want the new address and when", msgs[0].Data)
		}
		if _, err := f.svc.ResetPassword(ctx, reset, "a brand new passphrase", "192.0.2.1"); webrana.ErrorField(err) != "token" {
			t.Fatalf("a reset link sent to the old address, after the change: %v, want refused", err)
		}
		// The new address gets its own.
		must(t, f.svc.RequestPasswordReset(ctx, "new@example.com", "192.0.2.1"))
		_, err = f.svc.ResetPassword(ctx, f.mail.one(t, mail.PasswordReset, "new@example.com"), "a brand new passphrase", "192.0.2.1")
		must(t, err)
	})
}

package auth_test

import (
	"context"
	"errors"
	"strings"
	"testing"
	"time"

	"github.com/pquerna/otp"
	"github.com/pquerna/otp/totp"

	"github.com/webrana/webrana"
	"github.com/webrana/webrana/auth"
	"github.com/webrana/webrana/mail"
	"github.com/webrana/webrana/mail/queuetest"
	"github.com/webrana/webrana/secrets"
	"github.com/webrana/webrana/store"
	"github.com/webrana/webrana/store/storetest"
)

// totpSetup is a Service with a keyring and a mail recorder over db (only
// the messages of committed transactions count).
type totpSetup struct {
	*setup
	keys   *secrets.Keyring
	mailer *queuetest.Recorder
}

func newTOTPSetup(t *testing.T, db *store.DB, policy auth.ThrottlePolicy) *totpSetup {
	t.Helper()
	c := &clock{now: time.Date(2031, 5, 1, 9, 0, 0, 0, time.UTC)}
	db.Now = c.Now
	hash, err := secrets.HashPassword(password)
	if err != nil {
		t.Fatal(err)
	}
	u := &webrana.User{Email: "alice@example.com", Role: webrana.RoleAdmin, PasswordHash: hash, EmailVerified: true}
	if err := db.CreateUser(context.Background(), u); err != nil {
		t.Fatal(err)
	}
	keys := secrets.NewKeyring(secrets.NewKey(), nil)
	rec := queuetest.New(db)
	svc := auth.New(db, &auth.Config{Now: c.Now, Keys: keys, Mailer: rec, Throttle: policy})
	return &totpSetup{setup: &setup{db: db, svc: svc, user: u, clock: c}, keys: keys, mailer: rec}
}

// bothEngines runs fn on SQLite and PostgreSQL.
func bothEngines(t *testing.T, policy auth.ThrottlePolicy, fn func(t *testing.T, s *totpSetup)) {
	t.Run("sqlite", func(t *testing.T) { t.Parallel(); fn(t, newTOTPSetup(t, storetest.OpenSQLite(t), policy)) })
	t.Run("postgres", func(t *testing.T) { t.Parallel(); fn(t, newTOTPSetup(t, storetest.OpenPostgres(t), policy)) })
}

// codeAt is what an authenticator app shows for secret at time at.
func codeAt(t *testing.T, secret string, at time.Time) string {
	t.Helper()
	code, err := totp.GenerateCodeCustom(secret, at, totp.ValidateOpts{Period: 30, Digits: otp.DigitsSix, Algorithm: otp.AlgorithmSHA1})
	if err != nil {
		t.Fatal(err)
	}
	return code
}

func (s *totpSetup) principal() *auth.Principal { return &auth.Principal{User: s.user} }

// enrol turns two factors on for the user and returns the secret and the
// recovery codes.
func (s *totpSetup) enrol(t *testing.T) (string, []string) {
	t.Helper()
	ctx := context.Background()
	e, err := s.svc.BeginTOTP(ctx, s.principal(), password, "192.0.2.1")
	if err != nil {
		t.Fatal(err)
	}
	codes, err := s.svc.ConfirmTOTP(ctx, s.principal(), codeAt(t, e.Secret, s.clock.Now()), "192.0.2.1")
	if err != nil {
		t.Fatal(err)
	}
	return e.Secret, codes
}

func (s *totpSetup) login(code string) error {
	_, _, err := s.svc.LoginWithCode(context.Background(), s.user.Email, password, code, "192.0.2.1", auth.LoginAPI)
	return err
}

func TestTOTPEnrolment(t *testing.T) {
	t.Parallel()
	bothEngines(t, auth.ThrottlePolicy{PerAccount: 50, PerSource: 50}, func(t *testing.T, s *totpSetup) {
		ctx := context.Background()
		p := s.principal()
		if _, err := s.svc.ConfirmTOTP(ctx, p, "123456", ""); webrana.ErrorCode(err) != webrana.ECONFLICT {
			t.Fatalf("confirm before enrolling: %v, want conflict", err)
		}
		// Beginning asks for the current password; wrong ones are counted.
		for range 5 {
			if _, err := s.svc.BeginTOTP(ctx, p, "wrong password 123", ""); webrana.ErrorCode(err) != webrana.EINVALID || webrana.ErrorField(err) != "password" {
				t.Fatalf("begin with a wrong password: %v, want invalid password", err)
			}
		}
		if _, err := s.svc.BeginTOTP(ctx, p, password, ""); webrana.ErrorCode(err) != webrana.ERATELIMITED {
			t.Fatalf("begin after five wrong passwords: %v, want rate_limited", err)
		}
		if _, err := s.svc.PendingEnrolment(ctx, p); webrana.ErrorCode(err) != webrana.ENOTFOUND {
			t.Fatalf("an enrolment began without the password: %v", err)
		}
		s.clock.Advance(time.Hour)
		e, err := s.svc.BeginTOTP(ctx, p, password, "")
		if err != nil {
			t.Fatal(err)
		}
		if !strings.HasPrefix(e.URL, "otpauth://totp/Webrana:alice@example.com?") || !strings.Contains(e.URL, "secret="+e.Secret) ||
			!strings.Contains(e.URL, "digits=6") || !strings.Contains(e.URL, "period=30") || !strings.Contains(e.URL, "algorithm=SHA1") {
			t.Fatalf("otpauth URL %q", e.URL)
		}
		// Pending: sign-ins ask no code yet, and the page can show it again.
		if err := s.login(""); err != nil {
			t.Fatalf("sign-in while pending: %v", err)
		}
		if again, err := s.svc.PendingEnrolment(ctx, p); err != nil || again.Secret != e.Secret || again.URL != e.URL {
			t.Fatalf("pending enrolment %+v, %v; want the same secret", again, err)
		}
		// A wrong code is refused with the field named.
		if _, err := s.svc.ConfirmTOTP(ctx, p, flipDigit(codeAt(t, e.Secret, s.clock.Now())), ""); webrana.ErrorField(err) != "code" {
			t.Fatalf("wrong confirmation code: %v, want a field error on code", err)
		}
		codes, err := s.svc.ConfirmTOTP(ctx, p, codeAt(t, e.Secret, s.clock.Now()), "")
		if err != nil {
			t.Fatal(err)
		}
		if len(codes) != auth.RecoveryCodeCount {
			t.Fatalf("%d recovery codes, want %d", len(codes), auth.RecoveryCodeCount)
		}
		seen := map[string]bool{}
		for _, c := range codes {
			if len(c) != 19 || seen[c] {
				t.Fatalf("recovery code %q: want xxxx-xxxx-xxxx-xxxx, each different", c)
			}
			seen[c] = true
		}
		// On: never shown again, not re-enrolled over, stored sealed.
		if _, err := s.svc.PendingEnrolment(ctx, p); webrana.ErrorCode(err) != webrana.ENOTFOUND {
			t.Fatalf("pending enrolment after confirmation: %v, want not found", err)
		}
		if _, err := s.svc.BeginTOTP(ctx, p, password, ""); webrana.ErrorCode(err) != webrana.ECONFLICT {
			t.Fatalf("enrolling again: %v, want conflict", err)
		}
		row, err := s.db.TOTPOf(ctx, s.user.ID)
		if err != nil {
			t.Fatal(err)
		}
		if strings.Contains(row.SecretCiphertext, e.Secret) || !s.keys.Current(row.SecretCiphertext) {
			t.Fatalf("stored secret %q: want it sealed under the current key", row.SecretCiphertext)
		}
		if got, err := s.keys.Open(row.SecretCiphertext); err != nil || got != e.Secret {
			t.Fatalf("sealed secret opens to %q, %v", got, err)
		}
		st, err := s.svc.TOTPStatus(ctx, p)
		if err != nil || !st.Enabled || st.Pending || st.RecoveryCodesLeft != auth.RecoveryCodeCount {
			t.Fatalf("status %+v, %v", st, err)
		}
		entries, _, _ := s.db.ListAudit(ctx, store.AuditFilter{TargetID: s.user.ID})
		actions := map[string]bool{}
		for _, a := range entries {
			actions[a.Action] = true
			if strings.Contains(a.Detail, e.Secret) {
				t.Fatal("the secret reached the audit log")
			}
		}
		if !actions["totp.enrolment_started"] || !actions["totp.enabled"] {
			t.Fatalf("audit actions %v", actions)
		}
	})
}

// flipMiddle changes one character in the middle of a token (the last may
// only carry padding bits).
func flipMiddle(s string) string {
	i := len(s) / 2
	c := byte('A')
	if s[i] == 'A' {
		c = 'B'
	}
	return s[:i] + string(c) + s[i+1:]
}

func flipDigit(code string) string {
	last := code[len(code)-1]
	return code[:len(code)-1] + string('0'+(last-'0'+1)%10)
}

func TestTOTPSignIn(t *testing.T) {
	t.Parallel()
	bothEngines(t, auth.ThrottlePolicy{PerAccount: 50, PerSource: 50}, func(t *testing.T, s *totpSetup) {
		secret, recovery := s.enrol(t)

		// No code: ETOTPREQUIRED, with a pending sign-in for a browser.
		err := s.login("")
		if webrana.ErrorCode(err) != webrana.ETOTPREQUIRED || auth.PendingLogin(err) == "" {
			t.Fatalf("sign-in without a code: %v, want totp_required with a pending sign-in", err)
		}
		// The confirmation's code was taken: not again in its window.
		if err := s.login(codeAt(t, secret, s.clock.Now())); webrana.ErrorCode(err) != webrana.ETOTPREQUIRED {
			t.Fatalf("the confirmation's code again: %v, want refused", err)
		}
		// Skew: one step either way is accepted, two are not. Each case
		// starts five minutes later, at steps never used.
		for _, c := range []struct {
			name   string
			offset time.Duration
			ok     bool
		}{
			{"two steps early", -60 * time.Second, false},
			{"one step early", -30 * time.Second, true},
			{"now", 0, true},
			{"one step late", 30 * time.Second, true},
			{"two steps late", 60 * time.Second, false},
		} {
			t.Run(c.name, func(t *testing.T) {
				s.clock.Advance(5 * time.Minute)
				code := codeAt(t, secret, s.clock.Now().Add(c.offset))
				err := s.login(code)
				if c.ok && err != nil {
					t.Fatalf("code at %v: %v, want a session", c.offset, err)
				}
				if !c.ok && webrana.ErrorCode(err) != webrana.ETOTPREQUIRED {
					t.Fatalf("code at %v: %v, want totp_required", c.offset, err)
				}
				if c.ok {
					// Replayed at once: refused.
					if err := s.login(code); webrana.ErrorCode(err) != webrana.ETOTPREQUIRED {
						t.Fatalf("replayed code: %v, want totp_required", err)
					}
				}
			})
		}
		// A recovery code signs in once, however it is typed.
		typed := strings.ToUpper(strings.ReplaceAll(recovery[3], "-", " "))
		if err := s.login(typed); err != nil {
			t.Fatalf("recovery code %q: %v", typed, err)
		}
		if err := s.login(recovery[3]); webrana.ErrorCode(err) != webrana.ETOTPREQUIRED {
			t.Fatalf("recovery code used twice: %v, want refused", err)
		}
		if st, _ := s.svc.TOTPStatus(context.Background(), s.principal()); st.RecoveryCodesLeft != auth.RecoveryCodeCount-1 {
			t.Fatalf("%d recovery codes left, want %d", st.RecoveryCodesLeft, auth.RecoveryCodeCount-1)
		}
		// A wrong password still says nothing about two factors.
		_, _, err = s.svc.LoginWithCode(context.Background(), s.user.Email, "wrong password!", "", "192.0.2.1", auth.LoginAPI)
		if webrana.ErrorCode(err) != webrana.EUNAUTHORIZED || auth.PendingLogin(err) != "" {
			t.Fatalf("wrong password: %v, want plain unauthorized", err)
		}
	})
}

// TestTOTPThrottle: wrong codes count as failed sign-ins of the account;
// once over the limit, even the right password and code wait.
func TestTOTPThrottle(t *testing.T) {
	t.Parallel()
	bothEngines(t, auth.ThrottlePolicy{PerAccount: 3, PerSource: 20, Window: 15 * time.Minute}, func(t *testing.T, s *totpSetup) {
		secret, _ := s.enrol(t)
		s.clock.Advance(time.Minute)
		// Asking for the code costs nothing.
		for range 5 {
			if err := s.login(""); webrana.ErrorCode(err) != webrana.ETOTPREQUIRED {
				t.Fatalf("no code: %v", err)
			}
		}
		for range 3 {
			if err := s.login("000000"); webrana.ErrorCode(err) != webrana.ETOTPREQUIRED {
				t.Fatalf("wrong code: %v, want totp_required", err)
			}
		}
		err := s.login(codeAt(t, secret, s.clock.Now()))
		var e *webrana.Error
		if webrana.ErrorCode(err) != webrana.ERATELIMITED || !errors.As(err, &e) || e.RetryAfter <= 0 {
			t.Fatalf("right code after three wrong ones: %v, want rate_limited", err)
		}
		s.clock.Advance(15 * time.Minute)
		if err := s.login(codeAt(t, secret, s.clock.Now())); err != nil {
			t.Fatalf("after the window: %v", err)
		}
		failed, _, _ := s.db.ListAudit(context.Background(), store.AuditFilter{Action: "login.failed"})
		if len(failed) != 3 {
			t.Fatalf("%d login.failed entries, want the 3 wrong codes", len(failed))
		}
	})
}

// TestPendingLogin: a browser's second step, with the pending sign-in
// instead of the password.
func TestPendingLogin(t *testing.T) {
	t.Parallel()
	bothEngines(t, auth.ThrottlePolicy{PerAccount: 50, PerSource: 50}, func(t *testing.T, s *totpSetup) {
		ctx := context.Background()
		secret, _ := s.enrol(t)
		start := func(kind auth.LoginKind) string {
			t.Helper()
			_, _, err := s.svc.LoginWithCode(ctx, s.user.Email, password, "", "192.0.2.1", kind)
			pending := auth.PendingLogin(err)
			if pending == "" || strings.Contains(pending, s.user.ID) || strings.Contains(pending, password) {
				t.Fatalf("pending sign-in %q: want an opaque token", pending)
			}
			return pending
		}
		s.clock.Advance(time.Minute)
		pending := start(auth.LoginBrowser)
		// Another kind, a forged token, a wrong code.
		if _, _, err := s.svc.LoginPending(ctx, pending, codeAt(t, secret, s.clock.Now()), "192.0.2.1", auth.LoginAPI); webrana.ErrorCode(err) != webrana.EUNAUTHORIZED {
			t.Fatalf("pending browser sign-in completed as API: %v", err)
		}
		if _, _, err := s.svc.LoginPending(ctx, flipMiddle(pending), codeAt(t, secret, s.clock.Now()), "192.0.2.1", auth.LoginBrowser); webrana.ErrorCode(err) != webrana.EUNAUTHORIZED {
			t.Fatalf("tampered pending sign-in: %v", err)
		}
		_, _, err := s.svc.LoginPending(ctx, pending, "000000", "192.0.2.1", auth.LoginBrowser)
		if webrana.ErrorCode(err) != webrana.ETOTPREQUIRED || auth.PendingLogin(err) == "" {
			t.Fatalf("wrong code: %v, want totp_required and a new pending sign-in", err)
		}
		sess, token, err := s.svc.LoginPending(ctx, pending, codeAt(t, secret, s.clock.Now()), "192.0.2.1", auth.LoginBrowser)
		if err != nil || sess.Kind != "browser" || sess.CSRFToken == "" || token == "" {
			t.Fatalf("second step: %+v, %v", sess, err)
		}
		// It lapses after five minutes, and when the password changes.
		s.clock.Advance(time.Minute)
		pending = start(auth.LoginBrowser)
		s.clock.Advance(5*time.Minute + time.Second)
		if _, _, err := s.svc.LoginPending(ctx, pending, codeAt(t, secret, s.clock.Now()), "192.0.2.1", auth.LoginBrowser); webrana.ErrorCode(err) != webrana.EUNAUTHORIZED {
			t.Fatalf("expired pending sign-in: %v", err)
		}
		pending = start(auth.LoginBrowser)
		hash, _ := secrets.HashPassword("another password 123")
		if _, err := s.db.UpdateUser(ctx, s.user.ID, store.UserUpdate{PasswordHash: &hash}); err != nil {
			t.Fatal(err)
		}
		s.clock.Advance(30 * time.Second)
		if _, _, err := s.svc.LoginPending(ctx, pending, codeAt(t, secret, s.clock.Now()), "192.0.2.1", auth.LoginBrowser); webrana.ErrorCode(err) != webrana.EUNAUTHORIZED {
			t.Fatalf("pending sign-in after a password change: %v", err)
		}
	})
}

func TestDisableTOTP(t *testing.T) {
	t.Parallel()
	bothEngines(t, auth.ThrottlePolicy{PerAccount: 50, PerSource: 50}, func(t *testing.T, s *totpSetup) {
		ctx := context.Background()
		p := s.principal()
		if err := s.svc.DisableTOTP(ctx, p, password, "", ""); webrana.ErrorCode(err) != webrana.ECONFLICT {
			t.Fatalf("disable when off: %v, want conflict", err)
		}
		secret, _ := s.enrol(t)
		s.clock.Advance(time.Minute)
		for _, c := range []struct {
			name, password, code, field string
		}{
			{"no proof", "", "", "password"},
			{"wrong password", "wrong password!", "", "password"},
			{"wrong code", "", "000000", "code"},
		} {
			if err := s.svc.DisableTOTP(ctx, p, c.password, c.code, ""); webrana.ErrorField(err) != c.field {
				t.Fatalf("%s: %v, want a field error on %s", c.name, err, c.field)
			}
		}
		if n, _, _ := s.db.LoginFailures(ctx, store.ByEmail, s.user.Email, s.clock.Now().Add(-time.Hour)); n != 2 {
			t.Fatalf("%d failures counted, want the wrong password and the wrong code", n)
		}
		if err := s.svc.DisableTOTP(ctx, p, "", codeAt(t, secret, s.clock.Now()), ""); err != nil {
			t.Fatal(err)
		}
		if err := s.login(""); err != nil {
			t.Fatalf("sign-in once off: %v", err)
		}
		// A pending enrolment is dropped without proof.
		if _, err := s.svc.BeginTOTP(ctx, p, password, ""); err != nil {
			t.Fatal(err)
		}
		if err := s.svc.DisableTOTP(ctx, p, "", "", ""); err != nil {
			t.Fatalf("cancelling a pending enrolment: %v", err)
		}
	})
}

// TestAdminTOTPPolicy: while the operator requires two factors of
// administrators, one without them is marked to enrol (the web layer lets
// them do nothing else), cannot turn them off, and customers are not
// concerned; an administrator resets a user's two factors, ending their
// sessions.
func TestAdminTOTPPolicy(t *testing.T) {
	t.Parallel()
	bothEngines(t, auth.ThrottlePolicy{PerAccount: 50, PerSource: 50}, func(t *testing.T, s *totpSetup) {
		ctx := context.Background()
		admin := s.principal()
		hash, _ := secrets.HashPassword(password)
		cust := &webrana.User{Email: "bob@example.com", Role: webrana.RoleCustomer, PasswordHash: hash, EmailVerified: true}
		if err := s.db.CreateUser(ctx, cust); err != nil {
			t.Fatal(err)
		}
		mustEnrol := func(email string) bool {
			t.Helper()
			_, token, err := s.svc.Login(ctx, email, password, "192.0.2.1", auth.LoginAPI)
			if err != nil {
				t.Fatal(err)
			}
			p, err := s.svc.Authenticate(ctx, token)
			if err != nil {
				t.Fatal(err)
			}
			return p.MustEnrolTOTP
		}
		if mustEnrol(s.user.Email) {
			t.Fatal("marked to enrol before the operator requires it")
		}
		on := true
		if _, err := s.svc.ChangeSettings(ctx, admin.Actor("192.0.2.1"), auth.SettingsChange{AdminTOTP: &on}); err != nil {
			t.Fatal(err)
		}
		if st, err := s.svc.Settings(ctx); err != nil || !st.AdminTOTP {
			t.Fatalf("settings %+v, %v", st, err)
		}
		if !mustEnrol(s.user.Email) || mustEnrol(cust.Email) {
			t.Fatal("want the administrator, and only them, marked to enrol")
		}
		secret, _ := s.enrol(t)
		s.clock.Advance(time.Minute)
		_, token, err := s.svc.LoginWithCode(ctx, s.user.Email, password, codeAt(t, secret, s.clock.Now()), "192.0.2.1", auth.LoginAPI)
		if err != nil {
			t.Fatal(err)
		}
		if p, err := s.svc.Authenticate(ctx, token); err != nil || p.MustEnrolTOTP {
			t.Fatalf("enrolled administrator: %+v, %v", p, err)
		}
		if err := s.svc.DisableTOTP(ctx, admin, password, "", ""); webrana.ErrorCode(err) != webrana.ECONFLICT {
			t.Fatalf("turning off a required second factor: %v, want conflict", err)
		}

		// The customer enrols, loses their phone; an administrator resets.
		custSvc := &totpSetup{setup: &setup{db: s.db, svc: s.svc, user: cust, clock: s.clock}, keys: s.keys, mailer: s.mailer}
		custSvc.enrol(t)
		s.clock.Advance(time.Minute)
		_, _, err = s.svc.Login(ctx, cust.Email, password, "192.0.2.1", auth.LoginAPI)
		if webrana.ErrorCode(err) != webrana.ETOTPREQUIRED {
			t.Fatalf("customer with two factors: %v", err)
		}
		if err := s.svc.ResetTOTP(ctx, admin, cust.ID, "192.0.2.1"); err != nil {
			t.Fatal(err)
		}
		if err := s.svc.ResetTOTP(ctx, admin, cust.ID, "192.0.2.1"); webrana.ErrorCode(err) != webrana.ECONFLICT {
			t.Fatalf("second reset: %v, want conflict", err)
		}
		if n, err := s.db.DeleteUserSessions(ctx, cust.ID); err != nil || n != 0 {
			t.Fatalf("customer's sessions after the reset: %d, %v; want none", n, err)
		}
		if _, _, err := s.svc.Login(ctx, cust.Email, password, "192.0.2.1", auth.LoginAPI); err != nil {
			t.Fatalf("sign-in after the reset: %v", err)
		}
		resets, _, _ := s.db.ListAudit(ctx, store.AuditFilter{Action: "totp.reset", TargetID: cust.ID})
		if len(resets) != 1 || resets[0].ActorID != s.user.ID {
			t.Fatalf("reset audit %+v", resets)
		}
	})
}

// TestNewSignInNotice: a sign-in from an address the user never signed in
// from queues mail.NewSignIn once; the first sign-in ever does not; the
// notice's failure does not refuse the sign-in.
func TestNewSignInNotice(t *testing.T) {
	t.Parallel()
	bothEngines(t, auth.ThrottlePolicy{PerAccount: 50, PerSource: 50}, func(t *testing.T, s *totpSetup) {
		ctx := context.Background()
		for _, addr := range []string{"192.0.2.1", "192.0.2.1", "198.51.100.7", "198.51.100.7", "192.0.2.1", "2001:db8::1"} {
			if _, _, err := s.svc.Login(ctx, s.user.Email, password, addr, auth.LoginBrowser); err != nil {
				t.Fatal(err)
			}
			s.clock.Advance(time.Minute)
		}
		msgs := s.mailer.Committed(t)
		if len(msgs) != 2 {
			t.Fatalf("%d notices, want 2 (one per new address after the first): %+v", len(msgs), msgs)
		}
		for i, addr := range []string{"198.51.100.7", "2001:db8::1"} {
			m := msgs[i]
			d, ok := m.Data.(mail.SignInData)
			if m.Kind != mail.NewSignIn || m.To != s.user.Email || m.UserID != s.user.ID || !ok || d.Address != addr || !strings.HasSuffix(d.When, "UTC") {
				t.Fatalf("notice %d: %+v", i, m)
			}
		}
		// A notice that cannot be queued does not refuse the sign-in; the
		// address stays unremembered, so the next sign-in from it tells.
		s.mailer.FailNext(1)
		if _, _, err := s.svc.Login(ctx, s.user.Email, password, "203.0.113.5", auth.LoginAPI); err != nil {
			t.Fatalf("a notice that could not be queued refused the sign-in: %v", err)
		}
		if _, _, err := s.svc.Login(ctx, s.user.Email, password, "203.0.113.5", auth.LoginAPI); err != nil {
			t.Fatal(err)
		}
		if n := len(s.mailer.Committed(t)); n != 3 {
			t.Fatalf("%d notices, want the address told of once it was recorded", n)
		}
	})
}

// TestResealTOTPSecrets: a key rotation re-seals two-factor secrets with
// provider tokens, and codes still work under the new key alone.
func TestResealTOTPSecrets(t *testing.T) {
	t.Parallel()
	bothEngines(t, auth.ThrottlePolicy{PerAccount: 50, PerSource: 50}, func(t *testing.T, s *totpSetup) {
		ctx := context.Background()
		secret, _ := s.enrol(t)
		newKey := secrets.NewKey()
		row, _ := s.db.TOTPOf(ctx, s.user.ID)
		plain, err := s.keys.Open(row.SecretCiphertext)
		if err != nil {
			t.Fatal(err)
		}
		next := secrets.NewKeyring(newKey, nil)
		n, err := s.db.ResealSecrets(ctx, func(sealed string) (string, error) {
			p, err := s.keys.Open(sealed)
			if err != nil {
				return "", err
			}
			return next.Seal(p)
		})
		if err != nil || n != 1 {
			t.Fatalf("resealed %d, %v; want 1", n, err)
		}
		row, _ = s.db.TOTPOf(ctx, s.user.ID)
		if got, err := next.Open(row.SecretCiphertext); err != nil || got != plain {
			t.Fatalf("resealed secret opens to %q, %v", got, err)
		}
		svc := auth.New(s.db, &auth.Config{Now: s.clock.Now, Keys: next})
		s.clock.Advance(time.Minute)
		if _, _, err := svc.LoginWithCode(ctx, s.user.Email, password, codeAt(t, secret, s.clock.Now()), "192.0.2.1", auth.LoginAPI); err != nil {
			t.Fatalf("sign-in under the new key: %v", err)
		}
	})
}

package auth

import (
	"context"
	"fmt"
	"math"
	"strconv"
	"time"

	"github.com/webrana/webrana"
	"github.com/webrana/webrana/secrets"
	"github.com/webrana/webrana/store"
)

// ThrottlePolicy bounds failed logins within a sliding window, per account
// and per source address. Counts live in the database, so they hold across
// replicas and restarts; a successful login resets its account's count.
type ThrottlePolicy struct {
	Window     time.Duration // default 15 minutes
	PerAccount int           // default 5 failures
	PerSource  int           // default 20 failures
}

func (p ThrottlePolicy) withDefaults() ThrottlePolicy {
	if p.Window <= 0 {
		p.Window = 15 * time.Minute
	}
	if p.PerAccount <= 0 {
		p.PerAccount = 5
	}
	if p.PerSource <= 0 {
		p.PerSource = 20
	}
	return p
}

// LoginKind says what the login is for.
type LoginKind string

const (
	LoginAPI     LoginKind = "api"     // a bearer token for the JSON API
	LoginBrowser LoginKind = "browser" // a cookie session with a CSRF token
)

// Login checks an e-mail and password and opens a session. It returns the
// session and its token (shown to the client once). Wrong e-mail and wrong
// password give the same error after the same work, so that answers reveal
// nothing about which accounts exist; too many failures give ERATELIMITED
// with RetryAfter, checked before any password work. Each attempt is
// counted as a failure before its password is checked (see takeAttempt). A user with two
// factors on gets ETOTPREQUIRED: see LoginWithCode.
func (s *Service) Login(ctx context.Context, email, password, source string, kind LoginKind) (*webrana.Session, string, error) {
	return s.LoginWithCode(ctx, email, password, "", source, kind)
}

// LoginWithCode is Login with a second factor: for a user with two factors
// on, code must be a current TOTP code (not used before) or an unused
// recovery code. Without one, once the password is right, the answer is
// ETOTPREQUIRED (nothing counted); with a wrong one, ETOTPREQUIRED counted
// as a failed login. Either error carries a pending sign-in (PendingLogin)
// with which a browser asks for the code alone (LoginPending).
func (s *Service) LoginWithCode(ctx context.Context, email, password, code, source string, kind LoginKind) (*webrana.Session, string, error) {
	normalized, err := webrana.NormalizeEmail(email)
	if err != nil {
		// Not an address, so no account's: still counted and answered like
		// any wrong login, but not stored, for it is often a password typed
		// into the wrong field.
		normalized = ""
	}
	attempt, err := s.takeAttempt(ctx, normalized, source)
	if err != nil {
		return nil, "", err
	}
	u, err := s.db.UserByEmail(ctx, normalized)
	if err != nil && webrana.ErrorCode(err) != webrana.ENOTFOUND {
		return nil, "", err
	}
	ok := false
	if u != nil {
		ok, err = secrets.VerifyPassword(u.PasswordHash, password)
		if err != nil {
			return nil, "", err
		}
	} else {
		s.verifyDummy(password)
	}
	if !ok || u.Disabled {
		return nil, "", s.loginFailed(ctx, u, normalized, source, ok)
	}
	return s.secondFactor(ctx, u, code, source, kind, attempt)
}

// openSession completes a sign-in: the session, its audit and the attempt
// counted a success, in one transaction; check runs first in it (the
// second factor's code, taken there). Then the address is remembered and
// the user told of a new one, in a transaction of their own: a notice
// that cannot be queued is logged and leaves the address unremembered
// (the next sign-in from it tells), but does not refuse the sign-in.
func (s *Service) openSession(ctx context.Context, u *webrana.User, source string, kind LoginKind, attempt string, check func(*store.Tx) (string, error)) (*webrana.Session, string, error) {
	sess, token := s.newSession(u, source, kind)
	err := s.db.InTx(ctx, func(tx *store.Tx) error {
		how := "via " + string(kind)
		if check != nil {
			factor, err := check(tx)
			if err != nil {
				return err
			}
			how += " with " + factor
		}
		if err := tx.CreateSession(ctx, sess); err != nil {
			return err
		}
		if err := tx.SucceedLoginAttempt(ctx, attempt); err != nil {
			return err
		}
		by := webrana.Actor{User: u, Source: source}
		return tx.AppendAudit(ctx, by.Entry("login.succeeded", "session", sess.ID, how))
	})
	if err != nil {
		return nil, "", fmt.Errorf("open session: %w", err)
	}
	if err := s.db.InTx(ctx, func(tx *store.Tx) error { return s.noticeAddress(ctx, tx, u, source) }); err != nil {
		s.logger.Error("new-sign-in notice not queued", "user", u.ID, "source", source, "err", err)
	}
	return sess, token, nil
}

var errBadLogin = webrana.Errorf(webrana.EUNAUTHORIZED, "Incorrect e-mail or password.")

// loginFailed audits the failure (its attempt stays counted) and returns
// the error to show. A disabled account is named only to a caller who knew
// its password.
func (s *Service) loginFailed(ctx context.Context, u *webrana.User, email, source string, passwordOK bool) error {
	detail := "email=" + email
	if email == "" {
		detail = "email not valid"
	}
	e := &webrana.AuditEntry{Action: "login.failed", TargetType: "user", Detail: detail, SourceAddr: source}
	if u != nil {
		e.TargetID = u.ID
	}
	if err := s.db.AppendAudit(ctx, e); err != nil {
		return err
	}
	if passwordOK && u != nil && u.Disabled {
		return webrana.Errorf(webrana.EFORBIDDEN, "This account is disabled; contact the operator.")
	}
	return errBadLogin
}

// takeAttempt counts a sign-in attempt (or a proof of identity that the
// login throttle bounds) as failed before anything is checked, or refuses
// it while the account or the source address has too many recent
// failures. The check and the count are one step in the store, so that
// guesses sent at once get no more tries than the limit. It returns the
// attempt's id: openSession turns it into a success; an attempt that
// proves to be no failure is forgotten (ForgetLoginAttempt).
func (s *Service) takeAttempt(ctx context.Context, email, source string) (string, error) {
	now := s.now()
	t, err := s.db.TakeLoginAttempt(ctx, email, source, now.Add(-s.policy.Window), s.policy.PerAccount, s.policy.PerSource)
	if err != nil {
		return "", err
	}
	if t.ID == "" {
		wait := t.Oldest.Add(s.policy.Window).Sub(now)
		return "", &webrana.Error{Code: webrana.ERATELIMITED, RetryAfter: wait,
			Message: "Too many failed sign-in attempts; try again in " + humanMinutes(wait) + "."}
	}
	return t.ID, nil
}

func humanMinutes(d time.Duration) string {
	m := int(math.Ceil(d.Minutes()))
	if m <= 1 {
		return "a minute"
	}
	return strconv.Itoa(m) + " minutes"
}

func (s *Service) newSession(u *webrana.User, source string, kind LoginKind) (*webrana.Session, string) {
	token, hash := newToken(SessionPrefix)
	ttl := APISessionTTL
	sess := &webrana.Session{UserID: u.ID, TokenHash: hash, Kind: string(kind), SourceAddr: source}
	if kind == LoginBrowser {
		ttl = BrowserSessionTTL
		csrf, _ := newToken("")
		sess.CSRFToken = csrf
	}
	sess.ExpiresAt = s.now().Add(ttl)
	return sess, token
}

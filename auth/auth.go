// Package auth decides who is calling Webrana and what they may do: password
// logins with throttling, login sessions (API bearer tokens and browser
// cookies), long-lived API tokens, customers' SSH keys, user administration,
// and the audit trail of every security event.
//
// Tokens are random, shown once, and stored only as SHA-256 hashes; a token's
// prefix says what it is (wbr_s_ a login session, wbr_t_ an API token), so a
// leaked one is recognisable in a secret scanner.
package auth

import (
	"cmp"
	"context"
	"crypto/rand"
	"crypto/sha256"
	"fmt"
	"log/slog"
	"strings"
	"sync"
	"time"

	"github.com/webrana/webrana"
	"github.com/webrana/webrana/secrets"
	"github.com/webrana/webrana/store"
)

// Token prefixes.
const (
	SessionPrefix  = "wbr_s_"
	APITokenPrefix = "wbr_t_"
)

// Session lifetimes. Fixed from login: a stolen session expires on schedule.
const (
	APISessionTTL     = 24 * time.Hour
	BrowserSessionTTL = 12 * time.Hour
)

// Service implements authentication and authorization over the store.
type Service struct {
	db     *store.DB
	logger *slog.Logger
	now    func() time.Time
	policy ThrottlePolicy
	keys   *secrets.Keyring
	mailer Mailer
	issuer string
	signup SignupMode // the sign-up mode while no operator has set one
	limits AccountLimits

	dummyOnce sync.Once
	dummyHash string
}

// Config holds a Service's optional settings; zero values take defaults.
type Config struct {
	Logger   *slog.Logger     // default discards
	Now      func() time.Time // default webrana.Now
	Throttle ThrottlePolicy
	// Mailer queues the e-mails of sign-up, confirmation, password reset,
	// invitations and address changes (without one those refuse with
	// EUNAVAILABLE, never silently sending nothing), and new-sign-in
	// notices (without one none are sent).
	Mailer Mailer
	// Signup is the sign-up mode until an operator sets one (default
	// closed); WEBRANA_SIGNUP in cmd/webrana.
	Signup SignupMode
	// Limits throttles sign-ups and the e-mails anyone may ask for.
	Limits AccountLimits

	// Two-factor sign-in.
	Keys   *secrets.Keyring // seals TOTP secrets and pending sign-ins; without it two factors cannot be turned on
	Issuer string           // the name authenticator apps show; default "Webrana"
}

// New returns a Service on db. cfg may be nil.
func New(db *store.DB, cfg *Config) *Service {
	var c Config
	if cfg != nil {
		c = *cfg
	}
	if c.Now == nil {
		c.Now = webrana.Now
	}
	if !c.Signup.Valid() {
		c.Signup = SignupClosed
	}
	return &Service{db: db, logger: cmp.Or(c.Logger, slog.New(slog.DiscardHandler)), now: c.Now, policy: c.Throttle.withDefaults(),
		mailer: c.Mailer, signup: c.Signup, limits: c.Limits.withDefaults(), keys: c.Keys, issuer: cmp.Or(c.Issuer, "Webrana")}
}

// Principal is an authenticated caller.
type Principal struct {
	User    *webrana.User
	Session *webrana.Session  // set when calling with a login session (bearer or cookie)
	Token   *webrana.APIToken // set when calling with an API token

	// MustEnrolTOTP is set for an administrator without two factors while
	// the operator requires them: they may only enrol (and sign out).
	MustEnrolTOTP bool
}

// IsAdmin reports whether the caller is an administrator.
func (p *Principal) IsAdmin() bool { return p != nil && p.User.Role == webrana.RoleAdmin }

type principalKey struct{}

// WithPrincipal returns ctx carrying p.
func WithPrincipal(ctx context.Context, p *Principal) context.Context {
	return context.WithValue(ctx, principalKey{}, p)
}

// PrincipalFrom returns the caller in ctx, or nil for an anonymous one.
func PrincipalFrom(ctx context.Context) *Principal {
	p, _ := ctx.Value(principalKey{}).(*Principal)
	return p
}

// newToken returns a fresh token with the given prefix and its hash.
func newToken(prefix string) (string, []byte) {
	plain := prefix + strings.ToLower(rand.Text()) + strings.ToLower(rand.Text())[:6]
	return plain, HashToken(plain)
}

// HashToken is the stored form of a token.
func HashToken(plain string) []byte {
	sum := sha256.Sum256([]byte(plain))
	return sum[:]
}

// ErrUnauthenticated answers a request that carries no credentials.
var ErrUnauthenticated = webrana.Errorf(webrana.EUNAUTHORIZED, "Sign in first: send Authorization: Bearer <token>, or use the login page.")

// Authenticate returns the caller a token belongs to: a login session or an
// API token. Expired, revoked, unknown and malformed tokens, and tokens of
// disabled users, are all EUNAUTHORIZED with one message.
func (s *Service) Authenticate(ctx context.Context, token string) (*Principal, error) {
	switch {
	case strings.HasPrefix(token, SessionPrefix):
		return s.authenticateSession(ctx, token)
	case strings.HasPrefix(token, APITokenPrefix):
		return s.authenticateAPIToken(ctx, token)
	default:
		return nil, errInvalidToken
	}
}

var errInvalidToken = webrana.Errorf(webrana.EUNAUTHORIZED, "The token is invalid, expired or revoked; sign in again.")

func (s *Service) authenticateSession(ctx context.Context, token string) (*Principal, error) {
	sess, u, err := s.db.SessionWithUser(ctx, HashToken(token))
	if err != nil {
		return nil, unauthorizedIfMissing(err)
	}
	if u.Disabled {
		return nil, errInvalidToken
	}
	// Record activity at most once a minute, not on every request.
	if s.now().Sub(sess.LastSeenAt) > time.Minute {
		if err := s.db.TouchSession(ctx, sess.ID); err != nil {
			s.logger.WarnContext(ctx, "touch session", "err", err)
		}
	}
	return s.withPolicy(ctx, &Principal{User: u, Session: sess})
}

func (s *Service) authenticateAPIToken(ctx context.Context, token string) (*Principal, error) {
	t, u, err := s.db.APITokenWithUser(ctx, HashToken(token))
	if err != nil {
		return nil, unauthorizedIfMissing(err)
	}
	if u.Disabled {
		return nil, errInvalidToken
	}
	if t.LastUsedAt == nil || s.now().Sub(*t.LastUsedAt) > time.Minute {
		if err := s.db.TouchAPIToken(ctx, t.ID); err != nil {
			s.logger.WarnContext(ctx, "touch api token", "err", err)
		}
	}
	return s.withPolicy(ctx, &Principal{User: u, Token: t})
}

func unauthorizedIfMissing(err error) error {
	if webrana.ErrorCode(err) == webrana.ENOTFOUND {
		return errInvalidToken
	}
	return err
}

// Logout ends the caller's login session. API tokens are revoked through
// RevokeAPIToken instead.
func (s *Service) Logout(ctx context.Context, p *Principal, source string) error {
	if p.Session == nil {
		return webrana.Errorf(webrana.EINVALID, "This is an API token, not a login session; revoke it with DELETE /api/tokens/{id}.")
	}
	err := s.db.InTx(ctx, func(tx *store.Tx) error {
		if err := tx.DeleteSession(ctx, p.Session.ID); err != nil {
			return err
		}
		return tx.AppendAudit(ctx, p.Actor(source).Entry("logout", "session", p.Session.ID, ""))
	})
	if err != nil {
		return fmt.Errorf("logout: %w", err)
	}
	return nil
}

// EndSession deletes a session by its token, if it exists; used to discard a
// browser's previous session at login (no session fixation).
func (s *Service) EndSession(ctx context.Context, token string) {
	if sess, err := s.db.SessionByTokenHash(ctx, HashToken(token)); err == nil {
		_ = s.db.DeleteSession(ctx, sess.ID)
	}
}

// Actor is the caller as the audit log records them, from an address.
func (p *Principal) Actor(source string) webrana.Actor {
	if p == nil {
		return webrana.Actor{Source: source}
	}
	return webrana.Actor{User: p.User, Source: source}
}

// verifyDummy spends the time of one password check, so that an unknown
// e-mail answers as slowly as a wrong password.
func (s *Service) verifyDummy(pw string) {
	s.dummyOnce.Do(func() { s.dummyHash, _ = secrets.HashPassword(rand.Text()) })
	_, _ = secrets.VerifyPassword(s.dummyHash, pw)
}

package auth

import (
	"context"
	"crypto/subtle"
	"errors"
	"fmt"
	"strings"
	"time"

	"github.com/webrana/webrana"
)

// A browser signs in with two factors in two steps: the password, then the
// code. Between them it holds a pending sign-in, sealed with the master key,
// never the password.

// pendingLoginTTL is how long a browser has to type the code after its
// password was accepted.
const pendingLoginTTL = 5 * time.Minute

// codeRequired is the ETOTPREQUIRED answer with a pending sign-in.
func (s *Service) codeRequired(u *webrana.User, kind LoginKind, message string) error {
	e := &codeRequiredError{err: webrana.Errorf(webrana.ETOTPREQUIRED, "%s", message)}
	if s.keys != nil {
		e.pending, _ = s.keys.Seal(strings.Join([]string{"login", u.ID, string(kind),
			fmt.Sprint(s.now().Add(pendingLoginTTL).Unix()), passwordMark(u)}, "|"))
	}
	return e
}

// codeRequiredError is ETOTPREQUIRED carrying a pending sign-in.
type codeRequiredError struct {
	err     *webrana.Error
	pending string
}

func (e *codeRequiredError) Error() string { return e.err.Error() }
func (e *codeRequiredError) Unwrap() error { return e.err }

// PendingLogin returns the pending sign-in an ETOTPREQUIRED error carries:
// an opaque token, sealed with the master key, naming the user whose
// password was right, for a few minutes. It is no password: it can only be
// completed with a code, through LoginPending. Empty for other errors.
func PendingLogin(err error) string {
	var e *codeRequiredError
	if errors.As(err, &e) {
		return e.pending
	}
	return ""
}

var errPendingStale = webrana.Errorf(webrana.EUNAUTHORIZED, "The sign-in took too long or is no longer valid; enter your e-mail and password again.")

// LoginPending completes a pending sign-in with its second factor, as
// LoginWithCode would with the password. Wrong codes count as failed
// sign-ins of the account; the throttle applies.
func (s *Service) LoginPending(ctx context.Context, pending, code, source string, kind LoginKind) (*webrana.Session, string, error) {
	if s.keys == nil {
		return nil, "", errPendingStale
	}
	plain, err := s.keys.Open(pending)
	parts := strings.Split(plain, "|")
	if err != nil || len(parts) != 5 || parts[0] != "login" || parts[2] != string(kind) {
		return nil, "", errPendingStale
	}
	var until int64
	if _, err := fmt.Sscan(parts[3], &until); err != nil || s.now().Unix() > until {
		return nil, "", errPendingStale
	}
	u, err := s.db.UserByID(ctx, parts[1])
	if webrana.ErrorCode(err) == webrana.ENOTFOUND {
		return nil, "", errPendingStale
	}
	if err != nil {
		return nil, "", err
	}
	// A password changed, or an account disabled, since: start again.
	if u.Disabled || subtle.ConstantTimeCompare([]byte(parts[4]), []byte(passwordMark(u))) != 1 {
		return nil, "", errPendingStale
	}
	attempt, err := s.takeAttempt(ctx, u.Email, source)
	if err != nil {
		return nil, "", err
	}
	return s.secondFactor(ctx, u, code, source, kind, attempt)
}

// passwordMark is a short digest of the user's password hash: a pending
// sign-in lapses when the password changes.
func passwordMark(u *webrana.User) string {
	return fmt.Sprintf("%x", HashToken("pending\x00" + u.PasswordHash)[:8])
}

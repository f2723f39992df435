package auth

import (
	"context"
	"fmt"

	"github.com/webrana/webrana"
	"github.com/webrana/webrana/mail"
	"github.com/webrana/webrana/secrets"
	"github.com/webrana/webrana/store"
)

// SignupMode says who may make an account for themselves.
type SignupMode string

const (
	SignupOpen   SignupMode = "open"   // anyone, confirming their address
	SignupInvite SignupMode = "invite" // only those an operator invites
	SignupClosed SignupMode = "closed" // no one: operators add users
)

// Valid reports whether m is a known mode.
func (m SignupMode) Valid() bool { return m == SignupOpen || m == SignupInvite || m == SignupClosed }

// ParseSignupMode reads a mode as written in settings and requests.
func ParseSignupMode(s string) (SignupMode, error) {
	m := SignupMode(s)
	if !m.Valid() {
		return "", webrana.FieldError("signup", "signup must be open, invite or closed.")
	}
	return m, nil
}

// signupKey is the operators' setting of the sign-up mode.
const signupKey = "signup"

// SignupMode is the sign-up mode in force: the operators' setting, else
// the configured default.
func (s *Service) SignupMode(ctx context.Context) (SignupMode, error) {
	v, ok, err := s.db.Setting(ctx, signupKey)
	if err != nil {
		return "", fmt.Errorf("read sign-up mode: %w", err)
	}
	if m := SignupMode(v); ok && m.Valid() {
		return m, nil
	}
	return s.signup, nil
}

// Signup makes a customer account for whoever asks, when sign-up is open:
// unconfirmed, with a confirmation link e-mailed in the same transaction.
// Its answer says nothing of whether the address had an account: for one
// that has, no second account is made, and a confirmation link goes again
// to an owner who has not confirmed yet; the same work (a password hash, a
// transaction) is done either way. Throttled per source address.
func (s *Service) Signup(ctx context.Context, email, password, source string) error {
	mode, err := s.SignupMode(ctx)
	if err != nil {
		return err
	}
	switch mode {
	case SignupInvite:
		return webrana.Errorf(webrana.EFORBIDDEN, "Sign-up is by invitation only: ask the operator for an invitation.")
	case SignupClosed:
		return webrana.Errorf(webrana.EFORBIDDEN, "Sign-up is closed: the operator adds users.")
	}
	if err := s.canMail(); err != nil {
		return err
	}
	addr, err := webrana.NormalizeEmail(email)
	if err != nil {
		return err
	}
	if err := webrana.ValidatePassword(password); err != nil {
		return err
	}
	if _, err := s.limit(ctx, actSignup, source, s.limits.SignupPerSource, "sign-ups from your address"); err != nil {
		return err
	}
	hash, err := secrets.HashPassword(password)
	if err != nil {
		return err
	}
	err = s.db.InTx(ctx, func(tx *store.Tx) error {
		existing, err := tx.UserByEmail(ctx, addr)
		switch {
		case err == nil:
			return s.signupAgain(ctx, tx, existing, hash, source)
		case webrana.ErrorCode(err) != webrana.ENOTFOUND:
			return err
		}
		u := &webrana.User{Email: addr, Role: webrana.RoleCustomer, PasswordHash: hash}
		if err := tx.CreateUser(ctx, u); err != nil {
			return err
		}
		if err := s.link(ctx, tx, u, store.PurposeVerify, u.Email, mail.Verify, ""); err != nil {
			return err
		}
		return tx.AppendAudit(ctx, webrana.Actor{User: u, Source: source}.Entry("user.signed_up", "user", u.ID, ""))
	})
	if webrana.ErrorCode(err) == webrana.ECONFLICT {
		return nil // the same address signed up at the same moment: one account, the same answer
	}
	if err != nil {
		return fmt.Errorf("sign up: %w", err)
	}
	return nil
}

// signupAgain is a sign-up with an address that has an account. A
// confirmed account is left alone. One not confirmed yet takes the new
// password, and the earlier sign-up's sessions end: until someone confirms
// it, nobody has shown they own the address, so an earlier sign-up by
// someone else (who may hold no lasting credential: MayHoldCredentials)
// keeps nothing when the owner signs up. Its owner gets a new link.
func (s *Service) signupAgain(ctx context.Context, tx *store.Tx, u *webrana.User, hash, source string) error {
	e := webrana.Actor{Source: source}.Entry("signup.existing", "user", u.ID, "")
	if err := tx.AppendAudit(ctx, e); err != nil {
		return err
	}
	if u.EmailVerified || u.Disabled {
		return nil
	}
	if _, err := tx.UpdateUser(ctx, u.ID, store.UserUpdate{PasswordHash: &hash}); err != nil {
		return err
	}
	if _, err := tx.DeleteUserSessions(ctx, u.ID); err != nil {
		return err
	}
	return s.link(ctx, tx, u, store.PurposeVerify, u.Email, mail.Verify, "")
}

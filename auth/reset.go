package auth

import (
	"context"
	"fmt"

	"github.com/webrana/webrana"
	"github.com/webrana/webrana/mail"
	"github.com/webrana/webrana/secrets"
	"github.com/webrana/webrana/store"
)

// RequestPasswordReset e-mails a link to choose a new password to the
// address's owner, if there is one. The answer is the same either way
// (nil, or the same refusal), after the same steps: a transaction with an
// audit entry. Throttled per address (whether or not it has an account)
// and per source; a new link replaces the older ones.
func (s *Service) RequestPasswordReset(ctx context.Context, email, source string) error {
	if err := s.canMail(); err != nil {
		return err
	}
	addr, err := webrana.NormalizeEmail(email)
	if err != nil {
		return err
	}
	if _, err := s.limit(ctx, actResetSource, source, s.limits.ResetPerSource, "password resets from your address"); err != nil {
		return err
	}
	if _, err := s.limit(ctx, actResetEmail, addr, s.limits.ResetPerEmail, "password resets for this address"); err != nil {
		return err
	}
	err = s.db.InTx(ctx, func(tx *store.Tx) error {
		u, err := tx.UserByEmail(ctx, addr)
		if err != nil && webrana.ErrorCode(err) != webrana.ENOTFOUND {
			return err
		}
		e := webrana.Actor{Source: source}.Entry("password_reset.requested", "user", "", "email="+addr)
		if u == nil || u.Disabled {
			return tx.AppendAudit(ctx, e)
		}
		e.TargetID = u.ID
		if err := s.link(ctx, tx, u, store.PurposeReset, u.Email, mail.PasswordReset, ""); err != nil {
			return err
		}
		return tx.AppendAudit(ctx, e)
	})
	if err != nil {
		return fmt.Errorf("request password reset: %w", err)
	}
	return nil
}

// ResetPassword follows a reset link: it sets the new password, ends every
// session of the user (API tokens stay), and, the link having reached
// them, marks the address confirmed. The link is used once. It is looked
// up before the password is hashed, and each address may try only so many
// links (AccountLimits.LinkPerSource).
func (s *Service) ResetPassword(ctx context.Context, token, password, source string) (*webrana.User, error) {
	hash, err := s.linkPassword(ctx, token, password, source, store.PurposeReset)
	if err != nil {
		return nil, err
	}
	var u *webrana.User
	err = s.db.InTx(ctx, func(tx *store.Tx) error {
		t, err := useLink(ctx, tx, token, store.PurposeReset)
		if err != nil {
			return err
		}
		if u, err = s.setPassword(ctx, tx, t.UserID, hash, "", true); err != nil {
			return err
		}
		return tx.AppendAudit(ctx, webrana.Actor{User: u, Source: source}.Entry("password.reset", "user", u.ID, ""))
	})
	if err != nil {
		return nil, fmt.Errorf("reset password: %w", err)
	}
	return u, nil
}

// setPassword sets a user's password hash and ends their sessions but keep
// (API tokens stay); with confirmed (a link e-mailed to them was followed)
// it marks their address confirmed if it was not.
func (s *Service) setPassword(ctx context.Context, tx *store.Tx, userID, hash, keep string, confirmed bool) (*webrana.User, error) {
	before, err := tx.UserByID(ctx, userID)
	if err != nil {
		return nil, err
	}
	upd := store.UserUpdate{PasswordHash: &hash}
	if confirmed && !before.EmailVerified {
		now := s.now()
		upd.VerifiedAt = &now
	}
	u, err := tx.UpdateUser(ctx, userID, upd)
	if err != nil {
		return nil, err
	}
	if _, err := tx.DeleteOtherSessions(ctx, userID, keep); err != nil {
		return nil, err
	}
	// Any other link that sets a password (an old invitation, another
	// reset) would set it again without the second factor: used up.
	if err := tx.UseUpUserTokens(ctx, userID, store.PurposeReset, store.PurposeInvite); err != nil {
		return nil, err
	}
	return u, nil
}

// newPasswordHash checks a password someone chose against the rules and
// hashes it.
func newPasswordHash(password string) (string, error) {
	if err := webrana.ValidatePassword(password); err != nil {
		return "", err
	}
	return secrets.HashPassword(password)
}

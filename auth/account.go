package auth

import (
	"context"
	"fmt"

	"github.com/webrana/webrana"
	"github.com/webrana/webrana/mail"
	"github.com/webrana/webrana/secrets"
	"github.com/webrana/webrana/store"
)

// checkCurrentPassword is the account page's proof that the person at the
// keyboard is the user: their current password. Wrong ones are counted
// and throttled per user, so a session left open cannot be used to guess:
// each is counted before it is checked, and forgotten when right.
func (s *Service) checkCurrentPassword(ctx context.Context, p *Principal, field, password string) error {
	attempt, err := s.limit(ctx, actWrongPass, p.User.ID, s.limits.WrongPerUser, "wrong passwords")
	if err != nil {
		return err
	}
	u, err := s.db.UserByID(ctx, p.User.ID) // the password now, not as the principal was read
	if err != nil {
		return err
	}
	ok, err := secrets.VerifyPassword(u.PasswordHash, password)
	if err != nil {
		return err
	}
	if !ok {
		return webrana.FieldError(field, "Your current password is not correct.")
	}
	return s.db.ForgetAttempt(ctx, attempt)
}

// ChangePassword sets the caller's new password, given their current one,
// and ends their other sessions (the one in use stays; API tokens stay).
func (s *Service) ChangePassword(ctx context.Context, p *Principal, current, next, source string) error {
	if err := webrana.ValidatePassword(next); err != nil {
		return webrana.FieldError("new_password", "%s", webrana.ErrorMessage(err))
	}
	if err := s.checkCurrentPassword(ctx, p, "current_password", current); err != nil {
		return err
	}
	hash, err := secrets.HashPassword(next)
	if err != nil {
		return err
	}
	keep := ""
	if p.Session != nil {
		keep = p.Session.ID
	}
	err = s.db.InTx(ctx, func(tx *store.Tx) error {
		if _, err := s.setPassword(ctx, tx, p.User.ID, hash, keep, false); err != nil {
			return err
		}
		return tx.AppendAudit(ctx, p.Actor(source).Entry("password.changed", "user", p.User.ID, ""))
	})
	if err != nil {
		return fmt.Errorf("change password: %w", err)
	}
	return nil
}

// RequestEmailChange e-mails a confirmation link to the new address the
// caller asks for, given their password; the address changes only when the
// link is followed (Verify). The answer does not say whether the new
// address belongs to someone else: then no e-mail is sent (the audit log
// says so). Throttled per user.
func (s *Service) RequestEmailChange(ctx context.Context, p *Principal, email, password, source string) error {
	addr, err := webrana.NormalizeEmail(email)
	if err != nil {
		return err
	}
	if addr == p.User.Email {
		return webrana.FieldError("email", "This is your address already.")
	}
	if err := s.canMail(); err != nil {
		return err
	}
	if err := s.checkCurrentPassword(ctx, p, "password", password); err != nil {
		return err
	}
	if _, err := s.limit(ctx, actEmailChange, p.User.ID, s.limits.ChangePerUser, "address changes"); err != nil {
		return err
	}
	err = s.db.InTx(ctx, func(tx *store.Tx) error {
		e := p.Actor(source).Entry("email_change.requested", "user", p.User.ID, p.User.Email+" -> "+addr)
		if _, err := tx.UserByEmail(ctx, addr); err == nil {
			e.Detail += " (taken: no e-mail sent)"
			return tx.AppendAudit(ctx, e)
		} else if webrana.ErrorCode(err) != webrana.ENOTFOUND {
			return err
		}
		if err := s.link(ctx, tx, p.User, store.PurposeEmailChange, addr, mail.EmailChange, ""); err != nil {
			return err
		}
		return tx.AppendAudit(ctx, e)
	})
	if err != nil {
		return fmt.Errorf("change address: %w", err)
	}
	return nil
}

package auth

import (
	"context"
	"fmt"

	"github.com/webrana/webrana"
	"github.com/webrana/webrana/mail"
	"github.com/webrana/webrana/store"
)

// Confirmed is what following a confirmation link did.
type Confirmed struct {
	User     *webrana.User
	NewEmail bool // the link confirmed a new address (the user's Email now)
}

// Verify follows a link e-mailed to confirm an address: the account's own
// address (sign-up) or a new one the user asked for (which becomes theirs
// only now: the old address's links are used up and it is told). The link
// is used once; an unknown, used, replaced or expired one is refused with
// field "token".
func (s *Service) Verify(ctx context.Context, token, source string) (*Confirmed, error) {
	var out Confirmed
	err := s.db.InTx(ctx, func(tx *store.Tx) error {
		t, err := useLink(ctx, tx, token, store.PurposeVerify, store.PurposeEmailChange)
		if err != nil {
			return err
		}
		before, err := tx.UserByID(ctx, t.UserID)
		if err != nil {
			return err
		}
		now := s.now()
		upd := store.UserUpdate{VerifiedAt: &now}
		action, detail := "user.verified", before.Email
		if t.Purpose == store.PurposeEmailChange {
			if other, err := tx.UserByEmail(ctx, t.Email); err == nil && other.ID != before.ID {
				return webrana.Errorf(webrana.ECONFLICT, "%s belongs to another account now; choose another address on your account page.", t.Email)
			}
			upd.Email, out.NewEmail = &t.Email, true
			action, detail = "user.email_changed", before.Email+" -> "+t.Email
		} else if before.EmailVerified {
			upd.VerifiedAt = nil // confirmed already: the first time stays
		}
		if out.User, err = tx.UpdateUser(ctx, before.ID, upd); err != nil {
			return err
		}
		if out.NewEmail {
			if err := s.addressChanged(ctx, tx, before, t.Email); err != nil {
				return err
			}
		}
		return tx.AppendAudit(ctx, webrana.Actor{User: before, Source: source}.Entry(action, "user", before.ID, detail))
	})
	if err != nil {
		return nil, fmt.Errorf("confirm address: %w", err)
	}
	return &out, nil
}

// AddressChangeOf returns the new address a usable address-change link
// would confirm, without using it, and "" for any other token: the page
// that link opens asks before it changes anything (a mail scanner
// following links must not change an account's address).
func (s *Service) AddressChangeOf(ctx context.Context, token string) (string, error) {
	t, err := s.db.UsableUserToken(ctx, HashToken(token), store.PurposeEmailChange)
	if webrana.ErrorCode(err) == webrana.ENOTFOUND {
		return "", nil
	}
	if err != nil {
		return "", err
	}
	return t.Email, nil
}

// addressChanged ends what the old address could still do, in the
// change's transaction: the links e-mailed to it (a reset, a confirmation,
// another change asked for) are used up, and it is told of the change, so
// that whoever took an account over by changing its address is noticed.
func (s *Service) addressChanged(ctx context.Context, tx *store.Tx, before *webrana.User, to string) error {
	if err := tx.UseUpUserTokens(ctx, before.ID, store.PurposeReset, store.PurposeVerify, store.PurposeEmailChange); err != nil {
		return err
	}
	if s.mailer == nil {
		return nil
	}
	return s.mailer.QueueTx(ctx, tx, mail.Message{To: before.Email, UserID: before.ID, Kind: mail.EmailChanged,
		Data: mail.EmailChangedData{New: to, When: s.now().UTC().Format("2 January 2006, 15:04 UTC")}})
}

// ResendVerification e-mails the caller a new confirmation link (older
// ones stop working). Throttled per user.
func (s *Service) ResendVerification(ctx context.Context, p *Principal, source string) error {
	if p.User.EmailVerified {
		return webrana.Errorf(webrana.ECONFLICT, "Your address %s is confirmed already.", p.User.Email)
	}
	if err := s.canMail(); err != nil {
		return err
	}
	if _, err := s.limit(ctx, actResend, p.User.ID, s.limits.ResendPerUser, "confirmation e-mails"); err != nil {
		return err
	}
	err := s.db.InTx(ctx, func(tx *store.Tx) error {
		if err := s.link(ctx, tx, p.User, store.PurposeVerify, p.User.Email, mail.Verify, ""); err != nil {
			return err
		}
		return tx.AppendAudit(ctx, p.Actor(source).Entry("verify.resent", "user", p.User.ID, ""))
	})
	if err != nil {
		return fmt.Errorf("resend confirmation: %w", err)
	}
	return nil
}

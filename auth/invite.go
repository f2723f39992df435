package auth

import (
	"context"
	"crypto/rand"
	"fmt"

	"github.com/webrana/webrana"
	"github.com/webrana/webrana/mail"
	"github.com/webrana/webrana/secrets"
	"github.com/webrana/webrana/store"
)

// Invite makes an account for someone an administrator invites, customer
// or operator, and e-mails them a link to choose their password (valid
// InviteTTL). Until then the account has no password anyone knows. An
// address that has an account is ECONFLICT: administrators may know.
func (s *Service) Invite(ctx context.Context, admin *Principal, email string, role webrana.Role, source string) (*webrana.User, error) {
	addr, err := webrana.NormalizeEmail(email)
	if err != nil {
		return nil, err
	}
	if !role.Valid() {
		return nil, webrana.FieldError("role", "Role must be admin or customer.")
	}
	if err := s.canMail(); err != nil {
		return nil, err
	}
	unusable, err := secrets.HashPassword(rand.Text() + rand.Text())
	if err != nil {
		return nil, err
	}
	u := &webrana.User{Email: addr, Role: role, PasswordHash: unusable}
	err = s.db.InTx(ctx, func(tx *store.Tx) error {
		if _, err := tx.UserByEmail(ctx, addr); err == nil {
			return errUserExists
		} else if webrana.ErrorCode(err) != webrana.ENOTFOUND {
			return err
		}
		if err := tx.CreateUser(ctx, u); err != nil {
			return err
		}
		if err := s.link(ctx, tx, u, store.PurposeInvite, u.Email, mail.Invite, admin.User.Email); err != nil {
			return err
		}
		return tx.AppendAudit(ctx, admin.Actor(source).Entry("user.invited", "user", u.ID, "role="+string(role)))
	})
	if webrana.ErrorCode(err) == webrana.ECONFLICT {
		return nil, errUserExists
	}
	if err != nil {
		return nil, fmt.Errorf("invite %s: %w", addr, err)
	}
	return u, nil
}

var errUserExists = &webrana.Error{Code: webrana.ECONFLICT, Field: "email", Message: "A user with this e-mail already exists."}

// AcceptInvite follows an invitation's link: it sets the password, marks
// the address confirmed and opens a session (as Login does). The link is
// used once; a user disabled meanwhile is refused. As with ResetPassword,
// the link is looked up before the password is hashed, and limited per
// address.
func (s *Service) AcceptInvite(ctx context.Context, token, password, source string, kind LoginKind) (*webrana.Session, string, error) {
	hash, err := s.linkPassword(ctx, token, password, source, store.PurposeInvite)
	if err != nil {
		return nil, "", err
	}
	var sess *webrana.Session
	var plain string
	err = s.db.InTx(ctx, func(tx *store.Tx) error {
		t, err := useLink(ctx, tx, token, store.PurposeInvite)
		if err != nil {
			return err
		}
		u, err := s.setPassword(ctx, tx, t.UserID, hash, "", true)
		if err != nil {
			return err
		}
		if u.Disabled {
			return webrana.Errorf(webrana.EFORBIDDEN, "This account is disabled; contact the operator.")
		}
		sess, plain = s.newSession(u, source, kind)
		if err := tx.CreateSession(ctx, sess); err != nil {
			return err
		}
		return tx.AppendAudit(ctx, webrana.Actor{User: u, Source: source}.Entry("invite.accepted", "user", u.ID, "via "+string(kind)))
	})
	if err != nil {
		return nil, "", fmt.Errorf("accept invitation: %w", err)
	}
	return sess, plain, nil
}

package auth

import (
	"context"
	"encoding/hex"
	"fmt"

	"github.com/webrana/webrana"
	"github.com/webrana/webrana/store"
)

// setupKey is the setting holding the SHA-256 (hex) of the setup token;
// empty once used.
const setupKey = "setup_token"

// SetupLink prepares the first operator's account in a production
// installation with no administrator: it returns a one-time link
// ("/setup?token=…") for the caller to log, and keeps only its hash. Each
// call replaces the previous link (the last one logged works). With an
// administrator it returns "".
func (s *Service) SetupLink(ctx context.Context) (string, error) {
	if any, err := s.db.AnyAdmin(ctx); err != nil || any {
		return "", err
	}
	plain, hash := newToken("")
	err := s.db.InTx(ctx, func(tx *store.Tx) error {
		return tx.SetSetting(ctx, setupKey, hex.EncodeToString(hash))
	})
	if err != nil {
		return "", fmt.Errorf("prepare setup link: %w", err)
	}
	return "/setup?token=" + plain, nil
}

var (
	errSetupDone = webrana.Errorf(webrana.ENOTFOUND, "Setup is done: an administrator exists. Sign in instead.")
	errSetupLink = webrana.FieldError("token", "This setup link is not valid: use the one webrana logged at its last start.")
)

// CheckSetup says whether a setup link may be used now.
func (s *Service) CheckSetup(ctx context.Context, token string) error {
	any, err := s.db.AnyAdmin(ctx)
	if err != nil {
		return err
	}
	if any {
		return errSetupDone
	}
	v, ok, err := s.db.Setting(ctx, setupKey)
	if err != nil {
		return err
	}
	if !ok || v == "" || token == "" || v != hex.EncodeToString(HashToken(token)) {
		return errSetupLink
	}
	return nil
}

// Setup makes the first operator's account through the setup link: an
// administrator, address confirmed, signed in (a browser session). The link
// is used once; once an administrator exists it no longer works.
func (s *Service) Setup(ctx context.Context, token, email, password, source string) (*webrana.Session, string, error) {
	if err := s.CheckSetup(ctx, token); err != nil {
		return nil, "", err
	}
	addr, err := webrana.NormalizeEmail(email)
	if err != nil {
		return nil, "", err
	}
	hash, err := newPasswordHash(password)
	if err != nil {
		return nil, "", err
	}
	var sess *webrana.Session
	var plain string
	err = s.db.InTx(ctx, func(tx *store.Tx) error {
		took, err := tx.TakeSetting(ctx, setupKey, hex.EncodeToString(HashToken(token)))
		if err != nil {
			return err
		}
		if !took {
			return errSetupLink
		}
		u := &webrana.User{Email: addr, Role: webrana.RoleAdmin, PasswordHash: hash, EmailVerified: true}
		if err := tx.CreateUser(ctx, u); err != nil {
			return err
		}
		sess, plain = s.newSession(u, source, LoginBrowser)
		if err := tx.CreateSession(ctx, sess); err != nil {
			return err
		}
		return tx.AppendAudit(ctx, webrana.Actor{User: u, Source: source}.Entry("setup.completed", "user", u.ID, "first administrator"))
	})
	if err != nil {
		return nil, "", fmt.Errorf("set up first administrator: %w", err)
	}
	return sess, plain, nil
}

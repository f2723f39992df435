package auth

import (
	"context"
	"fmt"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/webrana/webrana"
	"github.com/webrana/webrana/store"
)

// API token rules.
const (
	MaxLiveTokens     = 50
	MaxTokenLifetime  = 365 // days
	maxTokenNameRunes = 64
)

// CreateAPIToken mints a named API token for the caller, valid for the given
// number of days (0: until revoked). The plain token is returned once.
func (s *Service) CreateAPIToken(ctx context.Context, p *Principal, name string, days int, source string) (*webrana.APIToken, string, error) {
	if err := p.User.MayHoldCredentials(); err != nil {
		return nil, "", err
	}
	name = strings.TrimSpace(name)
	switch {
	case name == "":
		return nil, "", webrana.FieldError("name", "Give the token a name, such as the script that will use it.")
	case utf8.RuneCountInString(name) > maxTokenNameRunes:
		return nil, "", webrana.FieldError("name", "Token names are at most %d characters.", maxTokenNameRunes)
	case days < 0 || days > MaxTokenLifetime:
		return nil, "", webrana.FieldError("expires_in_days", "A token lives 1 to %d days, or 0 for until revoked.", MaxTokenLifetime)
	}
	live, err := s.liveTokens(ctx, p.User.ID)
	if err != nil {
		return nil, "", err
	}
	if live >= MaxLiveTokens {
		return nil, "", webrana.Errorf(webrana.ECONFLICT, "You have %d active tokens, the most allowed; revoke one first.", live)
	}
	plain, hash := newToken(APITokenPrefix)
	t := &webrana.APIToken{UserID: p.User.ID, Name: name, TokenHash: hash, Prefix: plain[:len(APITokenPrefix)+6]}
	if days > 0 {
		exp := s.now().Add(time.Duration(days) * 24 * time.Hour)
		t.ExpiresAt = &exp
	}
	err = s.db.InTx(ctx, func(tx *store.Tx) error {
		if err := tx.CreateAPIToken(ctx, t); err != nil {
			return err
		}
		return tx.AppendAudit(ctx, p.Actor(source).Entry("token.created", "api_token", t.ID, "name="+name))
	})
	if err != nil {
		return nil, "", fmt.Errorf("create api token: %w", err)
	}
	return t, plain, nil
}

func (s *Service) liveTokens(ctx context.Context, userID string) (int, error) {
	tokens, err := s.db.ListAPITokens(ctx, userID)
	n := 0
	for _, t := range tokens {
		if t.RevokedAt == nil && (t.ExpiresAt == nil || t.ExpiresAt.After(s.now())) {
			n++
		}
	}
	return n, err
}

// ListAPITokens returns the caller's tokens, newest first (never the tokens
// themselves).
func (s *Service) ListAPITokens(ctx context.Context, p *Principal) ([]*webrana.APIToken, error) {
	return s.db.ListAPITokens(ctx, p.User.ID)
}

// RevokeAPIToken revokes one of the caller's tokens; someone else's is not
// found.
func (s *Service) RevokeAPIToken(ctx context.Context, p *Principal, id, source string) error {
	err := s.db.InTx(ctx, func(tx *store.Tx) error {
		if err := tx.RevokeAPIToken(ctx, p.User.ID, id); err != nil {
			return err
		}
		return tx.AppendAudit(ctx, p.Actor(source).Entry("token.revoked", "api_token", id, ""))
	})
	if err != nil {
		return fmt.Errorf("revoke api token %s: %w", id, err)
	}
	return nil
}

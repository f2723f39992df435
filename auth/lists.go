package auth

import (
	"context"
	"fmt"
	"time"

	"github.com/webrana/webrana"
	"github.com/webrana/webrana/store"
)

// Now is the service's clock: what token expiry is measured against.
func (s *Service) Now() time.Time { return s.now() }

// User returns a user.
func (s *Service) User(ctx context.Context, id string) (*webrana.User, error) {
	u, err := s.db.UserByID(ctx, id)
	if err != nil {
		return nil, fmt.Errorf("user %s: %w", id, err)
	}
	return u, nil
}

// UserByEmail returns the user with an e-mail address (as stored: lower case).
func (s *Service) UserByEmail(ctx context.Context, email string) (*webrana.User, error) {
	u, err := s.db.UserByEmail(ctx, email)
	if err != nil {
		return nil, fmt.Errorf("user %s: %w", email, err)
	}
	return u, nil
}

// Users returns a page of users, oldest first, and the total.
func (s *Service) Users(ctx context.Context, f store.UserFilter) ([]*webrana.User, int, error) {
	users, total, err := s.db.ListUsers(ctx, f)
	if err != nil {
		return nil, 0, fmt.Errorf("list users: %w", err)
	}
	return users, total, nil
}

// AuditLog returns a page of the audit log, newest first, and the total.
func (s *Service) AuditLog(ctx context.Context, f store.AuditFilter) ([]*webrana.AuditEntry, int, error) {
	entries, total, err := s.db.ListAudit(ctx, f)
	if err != nil {
		return nil, 0, fmt.Errorf("list audit log: %w", err)
	}
	return entries, total, nil
}

// SSHKeys returns a user's SSH keys, oldest first.
func (s *Service) SSHKeys(ctx context.Context, owner *webrana.User) ([]*webrana.SSHKey, error) {
	keys, err := s.db.ListSSHKeys(ctx, owner.ID)
	if err != nil {
		return nil, fmt.Errorf("list ssh keys: %w", err)
	}
	return keys, nil
}

// SSHKey returns one of a user's SSH keys; someone else's is not found.
func (s *Service) SSHKey(ctx context.Context, owner *webrana.User, id string) (*webrana.SSHKey, error) {
	k, err := s.db.SSHKeyByID(ctx, owner.ID, id)
	if err != nil {
		return nil, fmt.Errorf("ssh key %s: %w", id, err)
	}
	return k, nil
}

// DeleteSSHKey removes one of a user's SSH keys (servers that have it keep
// it); someone else's is not found.
func (s *Service) DeleteSSHKey(ctx context.Context, owner *webrana.User, id string) error {
	if err := s.db.DeleteSSHKey(ctx, owner.ID, id); err != nil {
		return fmt.Errorf("delete ssh key %s: %w", id, err)
	}
	return nil
}

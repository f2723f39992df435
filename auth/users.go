package auth

import (
	"context"
	"fmt"

	"github.com/webrana/webrana"
	"github.com/webrana/webrana/store"
)

// UserChange is an administrator's change to a user; nil fields stay.
type UserChange struct {
	Role     *webrana.Role
	Disabled *bool
}

// ChangeUser applies an administrator's change. Demoting or disabling a user
// ends their sessions; the last active administrator can be neither demoted
// nor disabled, so the platform never locks its operators out.
func (s *Service) ChangeUser(ctx context.Context, admin *Principal, id string, c UserChange, source string) (*webrana.User, error) {
	before, err := s.db.UserByID(ctx, id)
	if err != nil {
		return nil, err
	}
	if c.Role != nil && !c.Role.Valid() {
		return nil, webrana.FieldError("role", "Role must be admin or customer.")
	}
	losesAdmin := before.Role == webrana.RoleAdmin && !before.Disabled &&
		((c.Role != nil && *c.Role != webrana.RoleAdmin) || (c.Disabled != nil && *c.Disabled))
	if losesAdmin {
		if err := s.ensureAnotherAdmin(ctx, id); err != nil {
			return nil, err
		}
	}
	var after *webrana.User
	err = s.db.InTx(ctx, func(tx *store.Tx) error {
		var err error
		if after, err = tx.UpdateUser(ctx, id, store.UserUpdate{Role: c.Role, Disabled: c.Disabled}); err != nil {
			return err
		}
		return s.changedUser(ctx, tx, admin.Actor(source), before, after)
	})
	if err != nil {
		return nil, fmt.Errorf("change user %s: %w", id, err)
	}
	return after, nil
}

// changedUser audits a user's change and, when the user was disabled or
// is no longer an administrator, ends their sessions, in the change's
// transaction.
func (s *Service) changedUser(ctx context.Context, tx *store.Tx, by webrana.Actor, before, after *webrana.User) error {
	if after.Role != before.Role {
		if err := tx.AppendAudit(ctx, by.Entry("user.role_changed", "user", after.ID, fmt.Sprintf("%s -> %s", before.Role, after.Role))); err != nil {
			return err
		}
	}
	if after.Disabled != before.Disabled {
		action := "user.enabled"
		if after.Disabled {
			action = "user.disabled"
		}
		if err := tx.AppendAudit(ctx, by.Entry(action, "user", after.ID, "")); err != nil {
			return err
		}
	}
	if after.Disabled || (after.Role != before.Role && before.Role == webrana.RoleAdmin) {
		if _, err := tx.DeleteUserSessions(ctx, after.ID); err != nil {
			return err
		}
	}
	return nil
}

func (s *Service) ensureAnotherAdmin(ctx context.Context, except string) error {
	admins, _, err := s.db.ListUsers(ctx, store.UserFilter{Role: webrana.RoleAdmin, Page: webrana.Page{PerPage: webrana.MaxPerPage}})
	if err != nil {
		return err
	}
	for _, a := range admins {
		if a.ID != except && !a.Disabled {
			return nil
		}
	}
	return webrana.Errorf(webrana.ECONFLICT, "This is the last active administrator; make another user an administrator first.")
}

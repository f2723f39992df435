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
	after, err := s.db.UpdateUser(ctx, id, store.UserUpdate{Role: c.Role, Disabled: c.Disabled})
	if err != nil {
		return nil, err
	}
	if after.Role != before.Role {
		if err := s.Audit(ctx, admin, "user.role_changed", "user", id, fmt.Sprintf("%s -> %s", before.Role, after.Role), source); err != nil {
			return nil, err
		}
	}
	if after.Disabled != before.Disabled {
		action := "user.enabled"
		if after.Disabled {
			action = "user.disabled"
		}
		if err := s.Audit(ctx, admin, action, "user", id, "", source); err != nil {
			return nil, err
		}
	}
	if after.Disabled || (after.Role != before.Role && before.Role == webrana.RoleAdmin) {
		if _, err := s.db.DeleteUserSessions(ctx, id); err != nil {
			return nil, err
		}
	}
	return after, nil
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

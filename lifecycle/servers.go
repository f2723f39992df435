package lifecycle

import (
	"context"
	"fmt"

	"github.com/webrana/webrana"
	"github.com/webrana/webrana/store"
)

// Servers returns a page of servers, newest first, each with its
// provider's, plan's and account's names (one query), and the total
// (estimated only when f asks for it and has no filter: see
// webrana.InstanceFilter.Estimate). The filter must already be scoped to
// the viewer: a customer sees their own.
func (s *Service) Servers(ctx context.Context, f webrana.InstanceFilter) ([]*store.InstanceRow, store.Total, error) {
	rows, total, err := s.db.ListInstanceRows(ctx, f)
	if err != nil {
		return nil, store.Total{}, fmt.Errorf("list servers: %w", err)
	}
	return rows, total, nil
}

// Server returns a server the viewer may see, with its names: any server
// for an administrator, their own for a customer. Another customer's
// server is not found, as if it did not exist.
func (s *Service) Server(ctx context.Context, viewer *webrana.User, id string) (*store.InstanceRow, error) {
	row, err := s.db.InstanceRowByID(ctx, id)
	if err != nil {
		return nil, fmt.Errorf("server %s: %w", id, err)
	}
	if viewer.Role != webrana.RoleAdmin && row.OwnerID != viewer.ID {
		return nil, webrana.Errorf(webrana.ENOTFOUND, "Server not found.")
	}
	return row, nil
}

// Actions returns a page of a server's actions, newest first, and the total.
func (s *Service) Actions(ctx context.Context, instanceID string, p webrana.Page) ([]*webrana.InstanceAction, int, error) {
	items, total, err := s.db.ListActions(ctx, instanceID, p)
	if err != nil {
		return nil, 0, fmt.Errorf("actions of server %s: %w", instanceID, err)
	}
	return items, total, nil
}

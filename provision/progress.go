package provision

import (
	"context"
	"fmt"

	"github.com/webrana/webrana"
	"github.com/webrana/webrana/store"
)

// OrderOf returns the order that created a server; a server Webrana
// adopted rather than created has none (ENOTFOUND).
func (s *Service) OrderOf(ctx context.Context, instanceID string) (*webrana.Order, error) {
	o, err := s.db.OrderByInstance(ctx, instanceID)
	if err != nil {
		return nil, fmt.Errorf("order of server %s: %w", instanceID, err)
	}
	return o, nil
}

// Attempts returns an order's attempts in the order they started, each
// with its account's name (one query): what operators see of an order.
func (s *Service) Attempts(ctx context.Context, orderID string) ([]*store.AttemptRow, error) {
	rows, err := s.db.ListAttemptRows(ctx, orderID)
	if err != nil {
		return nil, fmt.Errorf("attempts of order %s: %w", orderID, err)
	}
	return rows, nil
}

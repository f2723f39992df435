package lifecycle

import (
	"context"
	"fmt"

	"github.com/webrana/webrana"
	"github.com/webrana/webrana/store"
)

// NumberStore is what the DigitalOcean-compatible API's view of servers
// needs: the public numbers servers and actions are known by there
// (store/publicids.go), and the customers' tags on their servers.
type NumberStore interface {
	PublicNumbers(ctx context.Context, refs []string) (map[string]int64, error)
	RefOfNumber(ctx context.Context, n int64) (string, error)
	InstanceTags(ctx context.Context, ids []string) (map[string][]string, error)
}

// Numbers returns the public numbers of servers or actions, by id: stable,
// Webrana's own, never a provider's.
func (s *Service) Numbers(ctx context.Context, ids []string) (map[string]int64, error) {
	n, err := s.db.PublicNumbers(ctx, ids)
	if err != nil {
		return nil, fmt.Errorf("public numbers: %w", err)
	}
	return n, nil
}

// Tags returns the customers' tags on servers, by id.
func (s *Service) Tags(ctx context.Context, ids []string) (map[string][]string, error) {
	t, err := s.db.InstanceTags(ctx, ids)
	if err != nil {
		return nil, fmt.Errorf("server tags: %w", err)
	}
	return t, nil
}

// ServerNumbered returns the server numbered n if the viewer may see it
// (Server's rule); a number of anything else is not found.
func (s *Service) ServerNumbered(ctx context.Context, viewer *webrana.User, n int64) (*store.InstanceRow, error) {
	ref, err := s.db.RefOfNumber(ctx, n)
	if webrana.ErrorCode(err) == webrana.ENOTFOUND {
		return nil, webrana.Errorf(webrana.ENOTFOUND, "Server not found.")
	}
	if err != nil {
		return nil, fmt.Errorf("server %d: %w", n, err)
	}
	row, err := s.Server(ctx, viewer, ref)
	if webrana.ErrorCode(err) == webrana.ENOTFOUND {
		return nil, webrana.Errorf(webrana.ENOTFOUND, "Server not found.")
	}
	return row, err
}

// ActionNumbered returns the action numbered n, on a server the viewer may
// see; anything else is not found.
func (s *Service) ActionNumbered(ctx context.Context, viewer *webrana.User, n int64) (*webrana.InstanceAction, error) {
	notFound := webrana.Errorf(webrana.ENOTFOUND, "Action not found.")
	ref, err := s.db.RefOfNumber(ctx, n)
	if webrana.ErrorCode(err) == webrana.ENOTFOUND {
		return nil, notFound
	}
	if err != nil {
		return nil, fmt.Errorf("action %d: %w", n, err)
	}
	a, err := s.db.ActionByID(ctx, ref)
	if webrana.ErrorCode(err) == webrana.ENOTFOUND {
		return nil, notFound
	}
	if err != nil {
		return nil, fmt.Errorf("action %d: %w", n, err)
	}
	if _, err := s.Server(ctx, viewer, a.InstanceID); webrana.ErrorCode(err) == webrana.ENOTFOUND {
		return nil, notFound
	} else if err != nil {
		return nil, err
	}
	return a, nil
}

// NumberedRef is what the public number n names (a catalog image's ref,
// for the API that showed it).
func (s *Service) NumberedRef(ctx context.Context, n int64) (string, error) {
	return s.db.RefOfNumber(ctx, n)
}

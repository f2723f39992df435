package pool

import (
	"context"
	"fmt"

	"github.com/webrana/webrana"
	"github.com/webrana/webrana/cloud"
	"github.com/webrana/webrana/clouderr"
	"github.com/webrana/webrana/store"
)

// verdict is what one call to a provider says of an account.
type verdict struct {
	health webrana.Health
	reason string
}

// judge classifies an account from its provider's answer (DESIGN.md §3):
// a refused token or a locked account is UNHEALTHY; rate limits, outages
// and a provider "warning" are DEGRADED; otherwise HEALTHY.
func judge(info *cloud.AccountInfo, err error) verdict {
	switch code := cloud.Code(err); {
	case err == nil:
	case code == cloud.Unauthorized || code == cloud.Forbidden:
		return verdict{webrana.HealthUnhealthy, clouderr.Message(err)}
	default: // rate-limited, unreachable, or failed otherwise: the account may be fine
		return verdict{webrana.HealthDegraded, clouderr.Message(err)}
	}
	switch info.Status {
	case "locked":
		return verdict{webrana.HealthUnhealthy, "The provider has locked this account."}
	case "warning":
		return verdict{webrana.HealthDegraded, "The provider reports a warning on this account (often billing)."}
	}
	return verdict{webrana.HealthHealthy, ""}
}

// CheckHealth asks the provider about the account and records the verdict.
func (s *Service) CheckHealth(ctx context.Context, id string) (*webrana.Account, error) {
	return s.refresh(ctx, id, false)
}

// Sync reads the account's limit and servers from the provider (and
// records its health, learnt by the same call).
func (s *Service) Sync(ctx context.Context, id string) (*webrana.Account, error) {
	return s.refresh(ctx, id, true)
}

func (s *Service) refresh(ctx context.Context, id string, sync bool) (*webrana.Account, error) {
	a, err := s.db.AccountByID(ctx, id)
	if err != nil {
		return nil, err
	}
	c, err := s.Client(ctx, a)
	if err != nil {
		return nil, err
	}
	info, callErr := c.Account(ctx)
	v := judge(info, callErr)
	now := s.now()
	upd := store.AccountUpdate{Health: &v.health, HealthReason: &v.reason, LastHealthCheckAt: &now}
	if callErr == nil {
		upd.ProviderStatus = &info.Status
		if a.Email == "" && info.Email != "" {
			// An account added without its e-mail (DO_ACCESS_TOKEN's)
			// learns it from the provider, as one added by an operator does.
			upd.Email = &info.Email
		}
		if sync && info.LimitKnown && a.LimitFromProvider {
			upd.Limit = &info.Limit
		}
	}
	if v.health != a.Health {
		s.logger.Info("account health changed", "account", a.Name, "provider", a.ProviderType, "from", a.Health, "to", v.health, "reason", v.reason)
	}
	if _, err := s.db.UpdateAccount(ctx, id, upd); err != nil {
		return nil, err
	}
	if sync && callErr == nil {
		if err := s.syncServers(ctx, a, c); err != nil {
			return nil, err
		}
	}
	return s.db.AccountByID(ctx, id)
}

// syncServers lists every server of the account and has the store count
// them (store.DB.SyncServers): each once, whatever creates, deletes or
// other syncs run meanwhile.
func (s *Service) syncServers(ctx context.Context, a *webrana.Account, c *cloud.Client) error {
	listedAt := s.now()
	servers, err := c.ListInstances(ctx, cloud.ListOptions{})
	if err != nil {
		return fmt.Errorf("list the servers of %s: %w", a.Name, err)
	}
	observed := make([]store.ObservedServer, len(servers))
	for i, srv := range servers {
		observed[i] = store.ObservedServer{ID: srv.ID, OrderID: webrana.OrderIDFromTags(srv.Tags)}
	}
	return s.db.SyncServers(ctx, a.ID, listedAt, observed)
}

// CheckAll checks every active account; SyncAll syncs them. Errors of one
// account do not stop the others; the first is returned.
func (s *Service) CheckAll(ctx context.Context) (int, error) { return s.each(ctx, s.CheckHealth) }

// SyncAll syncs every active account.
func (s *Service) SyncAll(ctx context.Context) (int, error) { return s.each(ctx, s.Sync) }

func (s *Service) each(ctx context.Context, fn func(context.Context, string) (*webrana.Account, error)) (int, error) {
	accounts, err := s.db.ListAccounts(ctx, "")
	if err != nil {
		return 0, fmt.Errorf("list accounts: %w", err)
	}
	var first error
	n := 0
	for _, a := range accounts {
		if !a.IsActive {
			continue
		}
		if _, err := fn(ctx, a.ID); err != nil {
			s.logger.Warn("account refresh", "account", a.Name, "err", err)
			if first == nil {
				first = fmt.Errorf("account %s: %w", a.Name, err)
			}
			continue
		}
		n++
	}
	return n, first
}

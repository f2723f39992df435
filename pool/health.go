package pool

import (
	"context"
	"errors"
	"fmt"
	"sync"
	"time"

	"github.com/webrana/webrana"
	"github.com/webrana/webrana/cloud"
	"github.com/webrana/webrana/clouderr"
	"github.com/webrana/webrana/store"
)

// Health rides on the calls Webrana makes anyway. Every client the pool
// opens reports each call's outcome (observe): a call the provider answered
// is a health check of its account, and a refused token marks the account
// UNHEALTHY at once. The periodic cycles (HealthCycle each HealthEvery,
// SyncCycle each SyncEvery) then make at most one call per account each
// (next): an account heard from within the cycle costs none, an idle one
// one. The account endpoint, the only source of the provider's status
// (locked, warning) and limit, is still read at least every SyncEvery plus
// a cycle, and the sync is a list alone.

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

const (
	// slack is how much earlier than its interval a cycle's work falls
	// due again: periodic jobs fire a little late or early, and an account
	// called a moment less than an interval ago is due all the same.
	slack = HealthEvery / 4
	// saveEvery is how often, at most, what a client saw of an account is
	// written to its row (last_health_check_at, or UNHEALTHY on a refused
	// token): not a write per call.
	saveEvery = HealthEvery / 2
)

// sighting is what this process has seen of one account's calls.
type sighting struct {
	answered   time.Time // the provider last answered a call through the pool's clients
	saved      time.Time // answered was last written to the account's row
	refused    time.Time // a refused token was last written
	statusRead time.Time // the account endpoint was last read
	polled     time.Time // a cycle (or a check asked for) last called the provider for it
}

// sightings are the accounts' sightings, by account id.
type sightings struct {
	mu sync.Mutex
	m  map[string]*sighting
}

// with runs fn on the account's sighting, under the lock.
func (ss *sightings) with(id string, fn func(*sighting)) {
	ss.mu.Lock()
	defer ss.mu.Unlock()
	sg := ss.m[id]
	if sg == nil {
		sg = &sighting{}
		ss.m[id] = sg
	}
	fn(sg)
}

// observer is the hook of a client of a, opened with its token as sealed
// now.
func (s *Service) observer(a *webrana.Account) func(op string, err error) {
	id, name, sealed := a.ID, a.Name, a.TokenCiphertext
	return func(op string, err error) { s.observe(id, name, sealed, op, err) }
}

// answered reports whether a call's outcome shows the account's token
// works and its provider answers: a success, or a refusal of the request
// itself (not found, invalid, over the limit, in conflict).
func answered(err error) bool {
	switch cloud.Code(err) {
	case cloud.NotFound, cloud.InvalidArgument, cloud.QuotaExceeded, cloud.Conflict:
		return true
	}
	return err == nil
}

// observe records one call's outcome: an answer refreshes the account's
// last health check, a refused token marks it UNHEALTHY (at most one write
// per saveEvery each). Rate limits and outages are left to the cycle's
// own check, which judges them.
func (s *Service) observe(id, name, sealed, op string, err error) {
	refused := err != nil && (cloud.Code(err) == cloud.Unauthorized || cloud.Code(err) == cloud.Forbidden)
	if !refused && !answered(err) {
		return
	}
	now := s.now()
	save := false
	s.seen.with(id, func(sg *sighting) {
		if refused {
			save = now.Sub(sg.refused) >= saveEvery
			if save {
				sg.refused = now
			}
			return
		}
		sg.answered, sg.refused = now, time.Time{}
		save = now.Sub(sg.saved) >= saveEvery
		if save {
			sg.saved = now
		}
	})
	if !save || refused && !s.current(id, sealed) { // a client of a token since replaced says nothing of the new one
		return
	}
	upd := store.AccountUpdate{LastHealthCheckAt: &now}
	if refused {
		v := judge(nil, err)
		upd.Health, upd.HealthReason = &v.health, &v.reason
		s.logger.Warn("account token refused", "account", name, "op", op, "reason", v.reason)
	}
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	if _, err := s.db.UpdateAccount(ctx, id, upd); err != nil {
		s.logger.Warn("record an account's health", "account", name, "err", err)
	}
}

// current reports whether the pool's client of the account is (still) the
// one opened with sealed.
func (s *Service) current(id, sealed string) bool {
	s.mu.Lock()
	defer s.mu.Unlock()
	c, ok := s.clients[id]
	return ok && c.ciphertext == sealed
}

// step is the one call a cycle makes for an account.
type step int

const (
	stepNone   step = iota // none: the account was heard from recently enough
	stepStatus             // read the account endpoint: health, provider status, limit
	stepList               // list its servers: the sync, and a health check
)

// next decides a cycle's call for an account (sync: the sync cycle's,
// else the health cycle's), at most one, whichever of the two cycles runs
// first when both fall due together:
//
//   - none if a cycle called for it within this one (the other job did);
//   - the account endpoint if it is not HEALTHY (its own check judges
//     outages, locks and warnings, and clears them);
//   - a list if its sync is due (SyncEvery since the last);
//   - for the sync cycle, nothing else;
//   - the account endpoint if it was not read for SyncEvery (the
//     provider's status and limit come only from there);
//   - none if the provider answered a call of it within the cycle;
//   - else the account endpoint.
//
// The call decided is claimed (polled) at once, so that the two cycles
// running together cannot both decide to call.
func (s *Service) next(a *webrana.Account, sync bool, now time.Time) (st step) {
	s.seen.with(a.ID, func(sg *sighting) {
		if st = decide(a, sg, sync, now); st != stepNone {
			sg.polled = now
		}
	})
	return st
}

func decide(a *webrana.Account, sg *sighting, sync bool, now time.Time) step {
	within := func(t time.Time, d time.Duration) bool { return !t.IsZero() && now.Sub(t) < d }
	heard := sg.answered
	if a.LastHealthCheckAt != nil && a.LastHealthCheckAt.After(heard) {
		heard = *a.LastHealthCheckAt // another replica's calls, or an earlier process's
	}
	switch {
	case within(sg.polled, HealthEvery-slack):
		return stepNone
	case a.Health != webrana.HealthHealthy:
		return stepStatus
	case a.LastSyncAt == nil || !within(*a.LastSyncAt, SyncEvery-slack):
		return stepList
	case sync:
		return stepNone
	case !within(sg.statusRead, SyncEvery-slack):
		return stepStatus
	case within(heard, HealthEvery-slack):
		return stepNone
	}
	return stepStatus
}

// HealthCycle is the periodic health check (HealthArgs): each active
// account gets at most one call (next), those heard from recently none.
// It returns how many accounts it called; errors of one account do not
// stop the others, and the first is returned.
func (s *Service) HealthCycle(ctx context.Context) (int, error) { return s.cycle(ctx, false) }

// SyncCycle is the periodic sync (SyncArgs): each active account whose
// sync is due and that no cycle called meanwhile is listed, one call per
// 200 servers (DigitalOcean) or 500 (Linode), which counts its servers
// and checks its health.
func (s *Service) SyncCycle(ctx context.Context) (int, error) { return s.cycle(ctx, true) }

func (s *Service) cycle(ctx context.Context, sync bool) (int, error) {
	now := s.now()
	return s.each(ctx, func(ctx context.Context, a *webrana.Account) (bool, error) {
		st := s.next(a, sync, now)
		if st == stepNone {
			return false, nil
		}
		c, err := s.poll(ctx, a)
		if err != nil {
			return false, err
		}
		if st == stepList {
			return true, s.listServers(ctx, a, c)
		}
		_, _, err = s.readStatus(ctx, a, c)
		return true, err
	})
}

// CheckHealth asks the provider about the account now (one call to its
// account endpoint) and records the verdict, the provider's status and
// limit.
func (s *Service) CheckHealth(ctx context.Context, id string) (*webrana.Account, error) {
	a, _, _, err := s.readNow(ctx, id)
	return a, err
}

// Sync reads the account's limit and health (the account endpoint) and
// counts its servers (a list) now.
func (s *Service) Sync(ctx context.Context, id string) (*webrana.Account, error) {
	a, c, ok, err := s.readNow(ctx, id)
	if err != nil || !ok { // the provider did not answer: nothing to list
		return a, err
	}
	if err := s.syncServers(ctx, a, c); err != nil {
		return nil, err
	}
	return s.db.AccountByID(ctx, id)
}

// readNow reads the account's endpoint now (readStatus), and returns the
// account as recorded after it, its client, and whether the provider
// answered.
func (s *Service) readNow(ctx context.Context, id string) (*webrana.Account, *cloud.Client, bool, error) {
	a, err := s.db.AccountByID(ctx, id)
	if err != nil {
		return nil, nil, false, err
	}
	c, err := s.poll(ctx, a)
	if err != nil {
		return nil, nil, false, err
	}
	a, ok, err := s.readStatus(ctx, a, c)
	return a, c, ok, err
}

// poll opens the account's client for a call made here, whose outcome is
// recorded here rather than by the client's hook.
func (s *Service) poll(ctx context.Context, a *webrana.Account) (*cloud.Client, error) {
	c, err := s.Client(ctx, a)
	if err != nil {
		return nil, err
	}
	now := s.now()
	s.seen.with(a.ID, func(sg *sighting) { sg.polled, sg.saved, sg.refused = now, now, now })
	return c, nil
}

// readStatus reads the account endpoint and records the verdict, the
// provider's status, the account's e-mail if it had none, and the limit
// where the provider sets it. It reports whether the provider answered.
func (s *Service) readStatus(ctx context.Context, a *webrana.Account, c *cloud.Client) (*webrana.Account, bool, error) {
	info, callErr := c.AccountStatus(ctx)
	v := judge(info, callErr)
	now := s.now()
	upd := store.AccountUpdate{Health: &v.health, HealthReason: &v.reason, LastHealthCheckAt: &now}
	if callErr == nil {
		s.seen.with(a.ID, func(sg *sighting) { sg.statusRead = now })
		upd.ProviderStatus = &info.Status
		if a.Email == "" && info.Email != "" {
			// An account added without its e-mail (DO_ACCESS_TOKEN's)
			// learns it from the provider, as one added by an operator does.
			upd.Email = &info.Email
		}
		if info.LimitKnown && a.LimitFromProvider && info.Limit != a.Limit {
			upd.Limit = &info.Limit
		}
	}
	s.logHealth(a, v)
	a, err := s.db.UpdateAccount(ctx, a.ID, upd)
	return a, callErr == nil, err
}

// listServers is a cycle's sync: the list counts the servers, and a
// failed one is the account's health check.
func (s *Service) listServers(ctx context.Context, a *webrana.Account, c *cloud.Client) error {
	err := s.syncServers(ctx, a, c)
	var listErr *cloud.Error
	if !errors.As(err, &listErr) {
		return err
	}
	v, now := judge(nil, listErr), s.now()
	s.logHealth(a, v)
	if _, uerr := s.db.UpdateAccount(ctx, a.ID, store.AccountUpdate{Health: &v.health, HealthReason: &v.reason, LastHealthCheckAt: &now}); uerr != nil {
		return uerr
	}
	return err
}

func (s *Service) logHealth(a *webrana.Account, v verdict) {
	if v.health != a.Health {
		s.logger.Info("account health changed", "account", a.Name, "provider", a.ProviderType, "from", a.Health, "to", v.health, "reason", v.reason)
	}
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

// CheckAll checks every active account now (one call each); SyncAll syncs
// them. Accounts are worked on Config.Concurrency at a time; errors of
// one account do not stop the others, and the first is returned.
func (s *Service) CheckAll(ctx context.Context) (int, error) {
	return s.each(ctx, func(ctx context.Context, a *webrana.Account) (bool, error) {
		_, err := s.CheckHealth(ctx, a.ID)
		return true, err
	})
}

// SyncAll syncs every active account now.
func (s *Service) SyncAll(ctx context.Context) (int, error) {
	return s.each(ctx, func(ctx context.Context, a *webrana.Account) (bool, error) {
		_, err := s.Sync(ctx, a.ID)
		return true, err
	})
}

// each runs fn on every active account, Config.Concurrency at a time, and
// returns how many it ran on that reported work done without an error.
func (s *Service) each(ctx context.Context, fn func(context.Context, *webrana.Account) (bool, error)) (int, error) {
	accounts, err := s.db.ListAccounts(ctx, "")
	if err != nil {
		return 0, fmt.Errorf("list accounts: %w", err)
	}
	var (
		mu    sync.Mutex
		first error
		n     int
		wg    sync.WaitGroup
		slots = make(chan struct{}, s.concurrency)
	)
	for _, a := range accounts {
		if !a.IsActive {
			continue
		}
		slots <- struct{}{}
		wg.Add(1)
		go func() {
			defer func() { <-slots; wg.Done() }()
			did, err := fn(ctx, a)
			mu.Lock()
			defer mu.Unlock()
			switch {
			case err != nil:
				s.logger.Warn("account refresh", "account", a.Name, "err", err)
				if first == nil {
					first = fmt.Errorf("account %s: %w", a.Name, err)
				}
			case did:
				n++
			}
		}()
	}
	wg.Wait()
	return n, first
}

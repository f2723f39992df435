package lifecycle

import (
	"cmp"
	"context"
	"fmt"
	"log/slog"
	"time"

	"github.com/webrana/webrana"
	"github.com/webrana/webrana/cloud"
	"github.com/webrana/webrana/pool"
)

// StatusSync brings running servers in step with their providers: a server
// powered off (or on) from the provider's console, or destroyed there, shows
// so within one cycle. It lists each account's servers — one call per page,
// never one per server — and asks for a server by id only when the list
// lacks it.
type StatusSync struct {
	db   SyncStore
	pool *pool.Service
	cfg  StatusSyncConfig
}

// StatusSyncConfig holds a StatusSync's optional settings; zero values take
// defaults.
type StatusSyncConfig struct {
	Now    func() time.Time // default webrana.Now
	Logger *slog.Logger     // default discards
}

// NewStatusSync returns the status sync of the servers in db, listing them
// at their providers through pool. cfg may be nil.
func NewStatusSync(db SyncStore, pool *pool.Service, cfg *StatusSyncConfig) *StatusSync {
	var c StatusSyncConfig
	if cfg != nil {
		c = *cfg
	}
	if c.Now == nil {
		c.Now = webrana.Now
	}
	c.Logger = cmp.Or(c.Logger, slog.New(slog.DiscardHandler))
	return &StatusSync{db: db, pool: pool, cfg: c}
}

// SyncEvery is how often the status sync runs.
const SyncEvery = 2 * time.Minute

// SyncResult counts what one cycle did.
type SyncResult struct {
	Accounts, Changed, Gone int
}

// Run syncs every active account; an account that fails does not stop the
// others (the first error is returned).
func (s *StatusSync) Run(ctx context.Context) (SyncResult, error) {
	var res SyncResult
	accounts, err := s.db.ListAccounts(ctx, "")
	if err != nil {
		return res, fmt.Errorf("status sync: %w", err)
	}
	var first error
	for _, a := range accounts {
		if !a.IsActive {
			continue
		}
		changed, gone, err := s.account(ctx, a)
		res.Changed, res.Gone = res.Changed+changed, res.Gone+gone
		if err != nil {
			s.logger().Warn("status sync", "account", a.Name, "err", err)
			if first == nil {
				first = fmt.Errorf("status sync of %s: %w", a.Name, err)
			}
			continue
		}
		res.Accounts++
	}
	return res, first
}

func (s *StatusSync) account(ctx context.Context, a *webrana.Account) (changed, gone int, err error) {
	ours, err := s.db.RunningServersOn(ctx, a.ID)
	if err != nil || len(ours) == 0 {
		return 0, 0, err
	}
	c, err := s.pool.Client(ctx, a)
	if err != nil {
		return 0, 0, err
	}
	listed := s.now()
	theirs, err := c.ListInstances(ctx, cloud.ListOptions{})
	if err != nil {
		return 0, 0, err
	}
	byID := make(map[string]*cloud.Instance, len(theirs))
	for _, t := range theirs {
		byID[t.ID] = t
	}
	for _, in := range ours {
		t, ok := byID[in.ProviderID]
		switch {
		case !ok && in.UpdatedAt.Before(listed):
			// Lists are paged by offset: a server deleted between two pages
			// shifts the rest, and one can be skipped. Only the provider's
			// own "not found" says a server is gone.
			if _, err := c.GetInstance(ctx, in.ProviderID); cloud.Code(err) != cloud.NotFound {
				if err != nil {
					return changed, gone, err
				}
				continue
			}
			if err := s.db.ServerDestroyedAtProvider(ctx, in.ID, listed); err != nil {
				return changed, gone, err
			}
			s.logger().Warn("server destroyed at the provider", "instance", in.ID, "account", a.Name, "provider_id", in.ProviderID)
			s.dropFirewall(ctx, c, in)
			gone++
		case ok && in.Status != webrana.StatusSuspended && providerStatus(t) != "" && providerStatus(t) != in.Status:
			if err := s.db.SetServerStatus(ctx, in.ID, in.Status, providerStatus(t)); err != nil {
				return changed, gone, err
			}
			s.logger().Info("server status changed at the provider", "instance", in.ID, "from", in.Status, "to", providerStatus(t))
			changed++
		}
	}
	return changed, gone, nil
}

// providerStatus is the instance status a provider's server implies, or ""
// while it is between states.
func providerStatus(t *cloud.Instance) webrana.InstanceStatus {
	switch t.Status {
	case cloud.StatusActive:
		return webrana.StatusActive
	case cloud.StatusOff:
		return webrana.StatusOff
	}
	return ""
}

func (s *StatusSync) now() time.Time { return s.cfg.Now() }

func (s *StatusSync) logger() *slog.Logger { return s.cfg.Logger }

// SyncArgs runs the status sync (StatusSync.Run).
type SyncArgs struct{}

func (SyncArgs) Kind() string { return "server_status_sync" }

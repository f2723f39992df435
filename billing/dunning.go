package billing

import (
	"cmp"
	"context"
	"fmt"
	"log/slog"
	"time"

	"github.com/webrana/webrana"
	"github.com/webrana/webrana/mail"
	"github.com/webrana/webrana/store"
)

// Servers is what dunning needs of the lifecycle: suspending, restoring
// and deleting a customer's servers (lifecycle.Service).
type Servers interface {
	Suspend(ctx context.Context, in *webrana.Instance) error
	Restore(ctx context.Context, in *webrana.Instance) error
	DeleteUnpaid(ctx context.Context, owner *webrana.User, in *webrana.Instance) (*webrana.Instance, error)
}

// Dunning is what happens when a customer's balance falls below zero: a
// warning at once; after Grace their servers are suspended (powered off);
// after DestroyAfter more they are deleted. A top-up that brings the
// balance back to zero or more before deletion powers the servers on again
// and ends the sequence. Each step is audited (by Webrana itself, on the
// customer) and logged once, and told to the customer once (warning,
// suspension, deletion) in the step's transaction.
type Dunning struct {
	db      DunningStore
	servers Servers
	cfg     DunningConfig
}

// DunningConfig holds a Dunning's optional settings; zero values take
// defaults.
type DunningConfig struct {
	Currency     string           // the balances' (default webrana.BillingCurrency)
	Grace        time.Duration    // default 3 days
	DestroyAfter time.Duration    // after suspension; default 14 days
	Now          func() time.Time // default webrana.Now
	Logger       *slog.Logger     // default discards
	Mail         Mailer           // nil: mail is not configured
}

// NewDunning returns the dunning of the customers in db, suspending,
// restoring and deleting their servers through servers. cfg may be nil.
func NewDunning(db DunningStore, servers Servers, cfg *DunningConfig) *Dunning {
	var c DunningConfig
	if cfg != nil {
		c = *cfg
	}
	c.Currency = cmp.Or(c.Currency, webrana.BillingCurrency)
	if c.Grace <= 0 {
		c.Grace = 3 * 24 * time.Hour
	}
	if c.DestroyAfter <= 0 {
		c.DestroyAfter = 14 * 24 * time.Hour
	}
	if c.Now == nil {
		c.Now = webrana.Now
	}
	c.Logger = cmp.Or(c.Logger, slog.New(slog.DiscardHandler))
	return &Dunning{db: db, servers: servers, cfg: c}
}

// Run takes every case one step further where it is due.
func (d *Dunning) Run(ctx context.Context) error {
	cases, err := d.db.DunningCases(ctx, d.cfg.Currency)
	if err != nil {
		return err
	}
	var first error
	for _, c := range cases {
		if err := d.step(ctx, c); err != nil {
			// One customer's trouble must not hold up the others.
			d.logger().Warn("dunning", "user", c.UserID, "err", err)
			if first == nil {
				first = fmt.Errorf("dunning %s: %w", c.UserID, err)
			}
		}
	}
	return first
}

func (d *Dunning) step(ctx context.Context, c *store.Dunning) error {
	now := d.now()
	switch {
	case c.Balance >= 0 && c.DestroyedAt == nil:
		return d.restore(ctx, c)
	case c.Balance >= 0:
		return d.db.EndDunning(ctx, c.UserID)
	case c.WarnedAt == nil:
		return d.warn(ctx, c, now)
	case c.SuspendedAt == nil && now.Sub(*c.NegativeSince) >= d.grace():
		return d.suspend(ctx, c, now)
	case c.SuspendedAt != nil && c.DestroyedAt == nil && now.Sub(*c.SuspendedAt) >= d.destroyAfter():
		return d.destroy(ctx, c, now)
	}
	return nil
}

// warn starts the sequence: the customer is told when their servers are
// suspended unless they top up.
func (d *Dunning) warn(ctx context.Context, c *store.Dunning, now time.Time) error {
	suspendAt := now.Add(d.grace())
	if c.NegativeSince != nil {
		suspendAt = c.NegativeSince.Add(d.grace())
	}
	tell, err := d.telling(ctx, c, mail.UnpaidWarning, suspendAt)
	if err != nil {
		return err
	}
	return d.record(ctx, c.UserID, "warned_at", now, tell, "billing.warned", fmt.Sprintf("Balance %s: servers are suspended on %s unless it is topped up.",
		money(c.Balance, d.cfg.Currency), suspendAt.Format(dateLayout)))
}

func (d *Dunning) suspend(ctx context.Context, c *store.Dunning, now time.Time) error {
	servers, err := d.db.ServersOf(ctx, c.UserID, webrana.StatusActive, webrana.StatusOff)
	if err != nil {
		return err
	}
	if done, err := all(servers, func(in *webrana.Instance) error { return d.servers.Suspend(ctx, in) }); !done || err != nil {
		return err
	}
	deleteAt := now.Add(d.destroyAfter())
	tell, err := d.telling(ctx, c, mail.UnpaidSuspend, deleteAt)
	if err != nil {
		return err
	}
	return d.record(ctx, c.UserID, "suspended_at", now, tell, "billing.suspended", fmt.Sprintf("Balance %s: %d server(s) suspended; deleted on %s unless topped up.",
		money(c.Balance, d.cfg.Currency), len(servers), deleteAt.Format(dateLayout)))
}

func (d *Dunning) destroy(ctx context.Context, c *store.Dunning, now time.Time) error {
	user, err := d.db.UserByID(ctx, c.UserID)
	if err != nil {
		return err
	}
	servers, err := d.db.ServersOf(ctx, c.UserID, webrana.StatusSuspended, webrana.StatusActive, webrana.StatusOff)
	if err != nil {
		return err
	}
	deleteServer := func(in *webrana.Instance) error { _, err := d.servers.DeleteUnpaid(ctx, user, in); return err }
	if done, err := all(servers, deleteServer); !done || err != nil {
		return err
	}
	tell, err := d.telling(ctx, c, mail.UnpaidDeletion, time.Time{})
	if err != nil {
		return err
	}
	return d.record(ctx, c.UserID, "destroyed_at", now, tell, "billing.destroyed", fmt.Sprintf("Balance %s: %d server(s) deleted after suspension.",
		money(c.Balance, d.cfg.Currency), len(servers)))
}

func (d *Dunning) restore(ctx context.Context, c *store.Dunning) error {
	servers, err := d.db.ServersOf(ctx, c.UserID, webrana.StatusSuspended)
	if err != nil {
		return err
	}
	// The sequence ends only when every server is restored.
	if done, err := all(servers, func(in *webrana.Instance) error { return d.servers.Restore(ctx, in) }); !done || err != nil {
		return err
	}
	if c.WarnedAt == nil { // nothing was told or done: nothing to say
		return d.db.EndDunning(ctx, c.UserID)
	}
	action, detail := "billing.restored", fmt.Sprintf("Balance back to %s: %d server(s) powered on again.",
		money(c.Balance, d.cfg.Currency), len(servers))
	if err := d.db.EndDunning(ctx, c.UserID, audit(ctx, action, c.UserID, detail)); err != nil {
		return err
	}
	d.logger().Warn(action, "user", c.UserID, "detail", detail)
	return nil
}

// all applies step to every server and reports whether it was applied to
// all of them. A server with an action under way (ECONFLICT) is skipped, not
// an error: the next run takes it, and the step is recorded only then.
func all(servers []*webrana.Instance, step func(*webrana.Instance) error) (bool, error) {
	busy := 0
	for _, in := range servers {
		err := step(in)
		switch {
		case webrana.ErrorCode(err) == webrana.ECONFLICT:
			busy++
		case err != nil:
			return false, err
		}
	}
	return busy == 0, nil
}

// record records a step of the sequence once, with its audit entry (by
// Webrana itself, on the customer) and tell (the customer's message, nil
// for none) in the step's transaction, and logs it.
func (d *Dunning) record(ctx context.Context, userID, column string, now time.Time, tell func(*store.Tx) error, action, detail string) error {
	if err := d.db.DunningStep(ctx, userID, column, now, tell, audit(ctx, action, userID, detail)); err != nil {
		return err
	}
	d.logger().Warn(action, "user", userID, "detail", detail)
	return nil
}

// audit returns the step that writes a dunning audit entry in a store
// transaction.
func audit(ctx context.Context, action, userID, detail string) func(*store.Tx) error {
	return func(tx *store.Tx) error {
		return tx.AppendAudit(ctx, webrana.Actor{}.Entry(action, "user", userID, detail))
	}
}

func money(amount int64, currency string) string {
	return webrana.Money{Amount: amount, Currency: currency}.String()
}

// Schedule says when a customer's servers are suspended and deleted if the
// balance stays below zero: the grace after it fell below zero, then
// DestroyAfter after the suspension (the actual one once it happened).
// Without a negative balance on record it says nothing.
func (d *Dunning) Schedule(c *store.Dunning) (suspendAt, deleteAt *time.Time) {
	if c == nil || c.NegativeSince == nil {
		return nil, nil
	}
	s := c.NegativeSince.Add(d.grace())
	if c.SuspendedAt != nil {
		s = *c.SuspendedAt
	}
	del := s.Add(d.destroyAfter())
	return &s, &del
}

func (d *Dunning) grace() time.Duration { return d.cfg.Grace }

func (d *Dunning) destroyAfter() time.Duration { return d.cfg.DestroyAfter }

func (d *Dunning) now() time.Time { return d.cfg.Now() }

func (d *Dunning) logger() *slog.Logger { return d.cfg.Logger }

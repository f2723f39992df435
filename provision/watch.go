package provision

import (
	"context"
	"errors"
	"slices"
	"time"

	"github.com/riverqueue/river"
	"github.com/riverqueue/river/rivertype"

	"github.com/webrana/webrana"
	"github.com/webrana/webrana/cloud"
	"github.com/webrana/webrana/jobs"
	"github.com/webrana/webrana/mail"
	"github.com/webrana/webrana/store"
)

// The boot watch: servers booting are watched per account, not per server.
// One list of the account's servers filtered by Webrana's tag
// (webrana.ServerTag) covers every server booting there, so the watch can
// look every second (WorkerConfig.Tick) and still spend at most two calls
// per account per tick (looks.go), however many orders boot at once; an
// order is completed at the look that finds its server running. The watch is a River job per account, started
// in the transaction that records a booting server (Worker.startWatch) and
// ended after a tick that finds nothing booting. Between ticks the watch
// looks sooner where it expects a server to run: a provider boots its
// servers in a steady time, which the watch learns (boots), so a server is
// looked at about when it runs rather than up to a tick later. Each order's
// own job stays behind it, calling no provider: it starts the watch again
// should it have ended or been lost, and ends the order if its server boots
// too long.

// WatchArgs is the boot watch of one account.
type WatchArgs struct {
	AccountID string `json:"account_id"`
}

func (WatchArgs) Kind() string { return "boot_watch" }

// InsertOpts: one watch per account (a job waiting or running for it
// absorbs the insert). Running is among the states River requires: a
// server recorded while its account's watch ends is picked up by its
// order's job (WorkerConfig.Backstop) starting the watch again.
func (WatchArgs) InsertOpts() river.InsertOpts {
	return river.InsertOpts{MaxAttempts: MaxAttempts, UniqueOpts: river.UniqueOpts{ByArgs: true,
		ByState: []rivertype.JobState{rivertype.JobStateAvailable, rivertype.JobStatePending, rivertype.JobStateRetryable,
			rivertype.JobStateRunning, rivertype.JobStateScheduled}}}
}

// startWatch returns the step that starts the account's boot watch within a
// transaction, unless a watch is on already. The watch runs at once, but
// calls no provider before a server is due (look): it waits for that in a
// snooze, which River keeps to the moment, where a job inserted for later
// waits for River's scheduler (every 5s).
func (w *Worker) startWatch(ctx context.Context, accountID string) func(*store.Tx) error {
	return func(tx *store.Tx) error {
		opts := WatchArgs{}.InsertOpts()
		return w.queue.InsertTx(ctx, tx, WatchArgs{AccountID: accountID}, &opts)
	}
}

// WatchWorker works WatchArgs with a Worker's rules for ending orders.
type WatchWorker struct {
	river.WorkerDefaults[WatchArgs]
	w *Worker
}

// NewWatchWorker returns the worker of the boot watches w starts.
func NewWatchWorker(w *Worker) *WatchWorker { return &WatchWorker{w: w} }

// NextRetry backs off between failed looks (jobs.Backoff).
func (ww *WatchWorker) NextRetry(job *river.Job[WatchArgs]) time.Time {
	return jobs.Backoff(job.Attempt)
}

// Work looks at the account's booting servers once, and looks again a tick
// later while any boots. A tick that finds none ends the watch; the tick
// that completes the last order does not, so that orders recorded just
// after it find the watch still on.
func (ww *WatchWorker) Work(ctx context.Context, job *river.Job[WatchArgs]) error {
	if err := ww.w.onTime(ctx, job.ScheduledAt); err != nil {
		return err
	}
	memo := memoOf(job.Metadata)
	t, err := ww.w.look(cloud.FailFast(ctx), job.Args.AccountID)
	if !t.listed.IsZero() {
		memo = memo.listed(t.listed)
		if err := ww.w.cfg.Record(ctx, memo); err != nil {
			return err
		}
	}
	switch {
	case cloud.Code(err) == cloud.RateLimited:
		return river.JobSnooze(early(max(cloud.RetryAfter(err), ww.w.cfg.Tick)))
	case err != nil:
		return err
	case t.looked == 0:
		return nil
	}
	return river.JobSnooze(early(ww.w.nextLook(t, memo)))
}

// look is one tick of an account's watch: the orders booting there, one
// list of the account's servers carrying Webrana's tag, and each order
// settled by what the list says. The orders whose servers run complete
// together, in one transaction (completeAll); should that fail, each
// completes on its own, so that one that cannot holds back no other. The
// rest are ended or left booting. A server the list lacks (made before
// servers carried the tag, or removed) is looked up by id. An order it
// could not settle is left for the next tick.
func (w *Worker) look(ctx context.Context, accountID string) (tick, error) {
	orders, err := w.db.BootingOrders(ctx, accountID)
	if err != nil || len(orders) == 0 {
		return tick{}, err
	}
	a, err := w.db.AccountByID(ctx, accountID)
	if err != nil {
		return tick{}, err
	}
	if t := w.notDue(a.ProviderType, orders); t != nil {
		return *t, nil // nothing can run yet: no call
	}
	c, err := w.pool.Client(ctx, a)
	if err != nil {
		return tick{}, err
	}
	sent := w.now()
	listed, err := c.ListInstances(ctx, cloud.ListOptions{Tag: webrana.ServerTag})
	if err != nil {
		return tick{listed: sent}, err
	}
	seen := w.now() // when the list showed its servers as they were
	byID := make(map[string]*cloud.Instance, len(listed))
	for _, s := range listed {
		byID[s.ID] = s
	}
	t := tick{looked: len(orders), provider: a.ProviderType, listed: sent}
	var shortest time.Duration // of the boots this look saw end
	defer func() {
		if shortest > 0 {
			w.boots.observe(a.ProviderType, shortest)
		}
	}()
	settle := orders
	if up, rest := runningIn(orders, byID); len(up) > 1 {
		if err := w.completeAll(ctx, up, byID); err != nil {
			w.logger().Warn("boot watch: completing the orders found running at once failed, completing each", "account", a.Name, "err", err)
		} else {
			shortest, settle = seen.Sub(up[len(up)-1].UpdatedAt), rest
		}
	}
	for _, o := range settle {
		booted, err := w.lookAt(ctx, a, c, o, byID, seen)
		switch {
		case errors.Is(err, errBooting):
		case err == nil:
			if booted > 0 && (shortest == 0 || booted < shortest) {
				shortest = booted
			}
			continue
		case cloud.Code(err) == cloud.RateLimited:
			return t, err
		default:
			w.logger().Warn("boot watch: order not settled, looking again next tick", "order", o.ID, "account", a.Name, "err", err)
		}
		t.booting = append(t.booting, o.UpdatedAt)
	}
	return t, nil
}

// runningIn splits the booting orders into those whose servers the list
// shows running, recorded last at the end, and the rest.
func runningIn(orders []*store.BootingOrder, listed map[string]*cloud.Instance) (up, rest []*store.BootingOrder) {
	for _, o := range orders {
		if s, ok := listed[o.Instance.ProviderID]; ok && running(s) {
			up = append(up, o)
		} else {
			rest = append(rest, o)
		}
	}
	slices.SortFunc(up, func(a, b *store.BootingOrder) int { return a.UpdatedAt.Compare(b.UpdatedAt) })
	return up, rest
}

// completeAll completes the orders whose servers run (listed by provider
// id), in one transaction (store.DB.CompleteOrders), each with its message
// to the customer: a look that finds a burst of servers up makes one
// commit, not one each. An order whose create found its server running
// already completes through it too, alone.
func (w *Worker) completeAll(ctx context.Context, up []*store.BootingOrder, listed map[string]*cloud.Instance) error {
	var about map[string]store.RowWithOwner // what each message says, read at once
	if w.cfg.Mail != nil {
		ids := make([]string, len(up))
		for i, o := range up {
			ids[i] = o.Instance.ID
		}
		var err error
		if about, err = w.db.InstanceRowsWithOwner(ctx, ids); err != nil {
			return err
		}
	}
	done := make([]store.OrderCompletion, 0, len(up))
	for _, o := range up {
		s := listed[o.Instance.ProviderID]
		d := store.OrderCompletion{OrderID: o.ID, Completion: completion(o.Order, s)}
		if w.cfg.Mail != nil {
			a, ok := about[o.Instance.ID]
			if !ok {
				return webrana.Errorf(webrana.ENOTFOUND, "Server not found.")
			}
			d.Also = append(d.Also, w.message(ctx, a, mail.ServerReady, addresses(s)))
		}
		done = append(done, d)
	}
	if err := w.db.CompleteOrders(ctx, done); err != nil {
		return err
	}
	for _, o := range up {
		w.logger().Info("server active", "order", o.ID, "instance", o.Instance.ID, "ipv4", listed[o.Instance.ProviderID].IPv4)
	}
	return nil
}

// notDue returns the tick of a look that need not call the provider, as no
// server booting can run yet: each was recorded less than the provider's
// learnt boot time ago (a tick, while none is learnt), by more than
// dueSlack. It returns nil when one may run.
func (w *Worker) notDue(p webrana.ProviderType, orders []*store.BootingOrder) *tick {
	boot, known := w.boots.estimate(p)
	if !known {
		boot = w.cfg.Tick
	}
	now, t := w.now(), &tick{looked: len(orders), provider: p}
	for _, o := range orders {
		if !now.Add(dueSlack).Before(o.UpdatedAt.Add(boot)) {
			return nil
		}
		t.booting = append(t.booting, o.UpdatedAt)
	}
	return t
}

// lookAt settles one booting order by the account's list (answered at
// seen), and returns how long its server took to boot (since it was
// recorded, until it was seen running) when it completed the order.
func (w *Worker) lookAt(ctx context.Context, a *webrana.Account, c *cloud.Client, o *store.BootingOrder,
	listed map[string]*cloud.Instance, seen time.Time) (time.Duration, error) {
	r := &run{w: w, cfg: w.cfg, order: o.Order, in: o.Instance}
	s, ok := listed[o.Instance.ProviderID]
	if !ok {
		var err error
		s, err = c.GetInstance(ctx, o.Instance.ProviderID)
		if seen = w.now(); cloud.Code(err) == cloud.NotFound {
			return 0, r.fail(ctx, webrana.AttemptFailed, "The server was removed at the provider while it was being set up. Nothing was charged.")
		} else if err != nil {
			return 0, err
		}
	}
	if err := r.settle(ctx, a, s); err != nil || !running(s) {
		return 0, err
	}
	return seen.Sub(o.UpdatedAt), nil // booting since recorded
}

package provision

import (
	"context"
	"errors"
	"slices"
	"sync"
	"time"

	"github.com/riverqueue/river"
	"github.com/riverqueue/river/rivertype"

	"github.com/webrana/webrana"
	"github.com/webrana/webrana/cloud"
	"github.com/webrana/webrana/jobs"
	"github.com/webrana/webrana/store"
)

// The boot watch: servers booting are watched per account, not per server.
// One list of the account's servers filtered by Webrana's tag
// (webrana.ServerTag) covers every server booting there, so the watch can
// look every second (WorkerConfig.Tick) and still spend one call per
// account per tick, however many orders boot at once; an order is completed
// the tick its server runs. The watch is a River job per account, started
// in the transaction that records a booting server (Worker.startWatch) and
// ended after a tick that finds nothing booting. Between ticks the watch
// looks sooner where it expects a server to run: a provider boots its
// servers in a steady time, which the watch learns (boots), so a server is
// looked at about when it runs rather than up to a tick later. Each order's
// own job stays
// behind it, calling no provider: it starts the watch again should it have
// ended or been lost, and ends the order if its server boots too long.

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
// transaction: its first look a tick from now, unless a watch is on
// already.
func (w *Worker) startWatch(ctx context.Context, accountID string) func(*store.Tx) error {
	return func(tx *store.Tx) error {
		opts := WatchArgs{}.InsertOpts()
		opts.ScheduledAt = time.Now().Add(w.cfg.Tick)
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
	t, err := ww.w.look(cloud.FailFast(ctx), job.Args.AccountID)
	switch {
	case cloud.Code(err) == cloud.RateLimited:
		return river.JobSnooze(max(cloud.RetryAfter(err), ww.w.cfg.Tick))
	case err != nil:
		return err
	case t.looked == 0:
		return nil
	}
	return river.JobSnooze(ww.w.nextLook(t))
}

// tick is what one look found.
type tick struct {
	looked   int                  // booting orders looked at
	provider webrana.ProviderType // of the account
	booting  []time.Time          // when each order still booting was recorded
}

// nextLook is how long the watch waits before its next look: a tick, or
// less when a server still booting is expected to run sooner (it was
// recorded the provider's learnt boot time ago), but never less than half
// a tick, so that an account's budget is spent on at most two looks a
// tick however its servers' boots fall.
func (w *Worker) nextLook(t tick) time.Duration {
	next := w.cfg.Tick
	boot, known := w.boots.estimate(t.provider)
	if !known {
		return next
	}
	now := w.now()
	for _, recorded := range t.booting {
		if due := recorded.Add(boot).Sub(now); due > 0 && due < next {
			next = due
		}
	}
	return max(next, w.cfg.Tick/2)
}

// look is one tick of an account's watch: the orders booting there, one
// list of the account's servers carrying Webrana's tag, and each order
// settled by what the list says (completed, ended, or left booting). A
// server the list lacks (made before servers carried the tag, or removed)
// is looked up by id. An order it could not settle is left for the next
// tick.
func (w *Worker) look(ctx context.Context, accountID string) (tick, error) {
	orders, err := w.db.BootingOrders(ctx, accountID)
	if err != nil || len(orders) == 0 {
		return tick{}, err
	}
	a, err := w.db.AccountByID(ctx, accountID)
	if err != nil {
		return tick{}, err
	}
	c, err := w.pool.Client(ctx, a)
	if err != nil {
		return tick{}, err
	}
	listed, err := c.ListInstances(ctx, cloud.ListOptions{Tag: webrana.ServerTag})
	if err != nil {
		return tick{}, err
	}
	byID := make(map[string]*cloud.Instance, len(listed))
	for _, s := range listed {
		byID[s.ID] = s
	}
	t := tick{looked: len(orders), provider: a.ProviderType}
	for _, o := range orders {
		err := w.lookAt(ctx, a, c, o, byID)
		switch {
		case errors.Is(err, errBooting):
		case err == nil:
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

// lookAt settles one booting order by the account's list.
func (w *Worker) lookAt(ctx context.Context, a *webrana.Account, c *cloud.Client, o *webrana.Order, listed map[string]*cloud.Instance) error {
	in, err := w.db.InstanceByID(ctx, o.InstanceID)
	if err != nil {
		return err
	}
	r := &run{w: w, cfg: w.cfg, order: o, in: in}
	s, ok := listed[in.ProviderID]
	if !ok {
		if s, err = c.GetInstance(ctx, in.ProviderID); cloud.Code(err) == cloud.NotFound {
			return r.fail(ctx, webrana.AttemptFailed, "The server was removed at the provider while it was being set up. Nothing was charged.")
		} else if err != nil {
			return err
		}
	}
	err = r.settle(ctx, a, s)
	if err == nil && running(s) {
		w.boots.observe(a.ProviderType, w.now().Sub(o.UpdatedAt)) // booting since recorded
	}
	return err
}

// boots learns how long each provider takes to boot a server: the
// shortest of the last boots the watch saw end. A boot is seen to end at
// the look that finds it running, so each is at most a tick too long;
// the shortest of several is close to the provider's own time. Kept in
// memory: a restarted process learns again within a few servers.
type boots struct {
	mu   sync.Mutex
	seen map[webrana.ProviderType][]time.Duration // the last bootsKept, oldest first
}

// bootsKept is how many recent boots the estimate is the shortest of: few
// enough that a provider getting slower is followed within a few servers.
const bootsKept = 16

func (b *boots) observe(p webrana.ProviderType, d time.Duration) {
	b.mu.Lock()
	defer b.mu.Unlock()
	if b.seen == nil {
		b.seen = map[webrana.ProviderType][]time.Duration{}
	}
	seen := append(b.seen[p], d)
	b.seen[p] = seen[max(0, len(seen)-bootsKept):]
}

func (b *boots) estimate(p webrana.ProviderType) (time.Duration, bool) {
	b.mu.Lock()
	defer b.mu.Unlock()
	if len(b.seen[p]) == 0 {
		return 0, false
	}
	return slices.Min(b.seen[p]), true
}

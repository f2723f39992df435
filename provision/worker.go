package provision

import (
	"cmp"
	"context"
	"errors"
	"fmt"
	"log/slog"
	"slices"
	"time"

	"github.com/riverqueue/river"

	"github.com/webrana/webrana"
	"github.com/webrana/webrana/alerts"
	"github.com/webrana/webrana/cloud"
	"github.com/webrana/webrana/jobs"
	"github.com/webrana/webrana/mail"
	"github.com/webrana/webrana/pool"
	"github.com/webrana/webrana/secrets"
	"github.com/webrana/webrana/store"
)

// Args is the provisioning job of one order. It carries the order's id only:
// the root password stays sealed in the order's row (DESIGN.md §5).
type Args struct {
	OrderID string `json:"order_id"`
}

func (Args) Kind() string { return "provision" }

// InsertOpts: a transient failure is retried with backoff (NextRetry) for
// about half an hour before the order fails.
func (Args) InsertOpts() river.InsertOpts { return river.InsertOpts{MaxAttempts: MaxAttempts} }

// MaxAttempts is how many times a job failing transiently is run before its
// order fails. Snoozes (polling, waiting for capacity) do not count.
const MaxAttempts = 12

// WorkerConfig holds a Worker's optional settings; zero values take
// defaults.
type WorkerConfig struct {
	Tick        time.Duration    // between an account's boot watch's looks (default 1s; watch.go)
	Backstop    time.Duration    // between an order's own checks that its server is watched (default 30s)
	HeldRetry   time.Duration    // between looks for capacity while held (default 30s)
	BootTimeout time.Duration    // a server not running by then is removed and the order fails (default 10m)
	HoldTimeout time.Duration    // an order held longer fails and is released (default 24h)
	Now         func() time.Time // default webrana.Now
	// Sleep waits (default cloud.Sleep); tests inject one that moves their
	// clock instead.
	Sleep  func(ctx context.Context, d time.Duration) error
	Logger *slog.Logger // default discards
	Mail   Mailer       // tells customers of their orders; nil: mail is not configured
	// Record keeps what a boot watch's run leaves the next in its job's
	// row (default river.RecordOutput); tests inject one that keeps it
	// for the job they run next.
	Record func(ctx context.Context, output any) error
}

func (c WorkerConfig) withDefaults() WorkerConfig {
	if c.Tick <= 0 {
		c.Tick = time.Second
	}
	if c.Backstop <= 0 {
		c.Backstop = 30 * time.Second
	}
	if c.HeldRetry <= 0 {
		c.HeldRetry = 30 * time.Second
	}
	if c.BootTimeout <= 0 {
		c.BootTimeout = 10 * time.Minute
	}
	if c.HoldTimeout <= 0 {
		c.HoldTimeout = 24 * time.Hour
	}
	if c.Now == nil {
		c.Now = webrana.Now
	}
	if c.Sleep == nil {
		c.Sleep = cloud.Sleep
	}
	if c.Record == nil {
		c.Record = river.RecordOutput
	}
	c.Logger = cmp.Or(c.Logger, slog.New(slog.DiscardHandler))
	return c
}

// Worker works Args: one run moves the order as far as it can without
// waiting, then snoozes (never sleeps) until there is something to look at.
type Worker struct {
	river.WorkerDefaults[Args]
	db       WorkStore
	pool     *pool.Service
	queue    jobs.Enqueuer
	keys     *secrets.Keyring
	alerts   *alerts.Service
	channels *alerts.ChannelSet
	cfg      WorkerConfig
	boots    boots // the boot watch's learnt boot times
}

// NewWorker returns the order worker: it reserves accounts in db and
// creates servers through pool, starts the boot watch of an account through
// queue (WatchArgs, which NewWatchWorker works), opens root passwords with
// keys, and raises an alert through alerts (to channels) when an order is
// held or fails; nil alerts raise none. cfg may be nil.
func NewWorker(db WorkStore, pool *pool.Service, queue jobs.Enqueuer, keys *secrets.Keyring, alerts *alerts.Service,
	channels *alerts.ChannelSet, cfg *WorkerConfig) *Worker {
	var c WorkerConfig
	if cfg != nil {
		c = *cfg
	}
	return &Worker{db: db, pool: pool, queue: queue, keys: keys, alerts: alerts, channels: channels, cfg: c.withDefaults()}
}

// NextRetry backs off between transient failures (jobs.Backoff).
func (w *Worker) NextRetry(job *river.Job[Args]) time.Time { return jobs.Backoff(job.Attempt) }

// run is one run of an order's job.
type run struct {
	w     *Worker
	cfg   WorkerConfig
	order *webrana.Order
	in    *webrana.Instance
	last  bool  // the job's last attempt: a transient failure ends the order
	jobID int64 // woken when the order is held and capacity appears

	fresh  bool   // the order's account was reserved in this run: no create was sent to it before
	pinned string // the account the order must go on (its VPC's), "" for any
}

func (w *Worker) Work(ctx context.Context, job *river.Job[Args]) error {
	o, in, err := w.db.OrderAndInstance(ctx, job.Args.OrderID)
	if webrana.ErrorCode(err) == webrana.ENOTFOUND {
		return river.JobCancel(err)
	}
	if err != nil {
		return err
	}
	if o.Done() {
		return nil
	}
	r := &run{w: w, cfg: w.cfg, order: o, in: in, last: job.Attempt >= job.MaxAttempts, jobID: job.ID}
	// A request the account's budget cannot allow within this run comes
	// back as RateLimited at once, and the job snoozes until it can go.
	err = r.step(cloud.FailFast(ctx))
	if errors.Is(err, errBooting) {
		return river.JobSnooze(w.cfg.Backstop) // the account's watch looks at the server meanwhile
	}
	if cloud.Code(err) == cloud.RateLimited {
		w.logger().Info("provisioning paced: waiting for the account's request budget", "order", o.ID, "wait", cloud.RetryAfter(err))
		return river.JobSnooze(max(cloud.RetryAfter(err), time.Second))
	}
	if err != nil && r.last && !jobs.IsSnooze(err) && !errors.Is(err, context.Canceled) {
		w.logger().Warn("provisioning gave up", "order", o.ID, "err", err)
		return r.giveUp(ctx)
	}
	return err
}

// giveUp ends an order whose last run failed. It runs on a context of its
// own: the run's may be the one that timed out, and an order left unended
// would keep the customer's money held. A server already recorded is
// deleted first (if that fails too, the job is retried no more: the next
// sync counts the server as a stray and reconciliation reports it, as its
// instance is failed).
func (r *run) giveUp(ctx context.Context) error {
	ctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), time.Minute)
	defer cancel()
	if r.in.ProviderID != "" {
		if a, err := r.w.db.AccountByID(ctx, r.in.AccountID); err == nil {
			if c, err := r.w.pool.Client(ctx, a); err == nil {
				if err := c.DeleteInstance(ctx, r.in.ProviderID); err != nil && cloud.Code(err) != cloud.NotFound {
					// It stays: the next sync counts it, reconciliation reports it.
					r.w.logger().Warn("server of a failed order not removed", "order", r.order.ID, "provider_id", r.in.ProviderID, "err", err)
				}
			}
		}
	}
	return r.fail(ctx, webrana.AttemptUnavailable,
		"The provider did not answer for half an hour, so the server could not be created. Nothing was charged; please try again.")
}

func (w *Worker) now() time.Time { return w.cfg.Now() }

func (w *Worker) logger() *slog.Logger { return w.cfg.Logger }

// The order's workflow is a small state machine whose state is read from
// the order's rows, so a run that stopped anywhere — a crash, a lost
// answer, a retry — resumes from what the rows say happened last:
//
//	placing   no account chosen: reserve a slot on one (or hold the order)
//	creating  an account chosen, no server recorded: adopt the server the
//	          order's tag finds there, or create it
//	booting   a server recorded: the account's boot watch completes the
//	          order when it runs (watch.go); the order's job makes sure a
//	          watch runs and ends the order if it boots too long
//	unpayable a hold below zero (placed before money was bounded): end it
//
// Each state's handler either changes the rows and returns errNext (the
// next state is read again), or returns the run's outcome: nil when the
// order ended, a snooze, or an error River retries.
type state int

const (
	placing state = iota
	creating
	booting
	unpayable
)

// errNext says the rows changed and the run goes on in the state they now
// tell.
var errNext = errors.New("provision: next state")

// maxSteps bounds the states one run goes through (failovers included)
// before it lets other jobs run.
const maxSteps = 30

func (r *run) state() state {
	switch {
	case r.order.HoldAmount < 0:
		return unpayable
	case r.in.ProviderID != "":
		return booting
	case r.order.AccountID != "":
		return creating
	}
	return placing
}

// step moves the order through its states until it ends or must wait.
func (r *run) step(ctx context.Context) error {
	for range maxSteps {
		var err error
		switch r.state() {
		case unpayable:
			err = r.unpaid(ctx)
		case booting:
			err = r.boot(ctx)
		case creating:
			err = r.create(ctx)
		default:
			err = r.place(ctx)
		}
		if !errors.Is(err, errNext) {
			return err
		}
	}
	return river.JobSnooze(0) // many failovers: go on in a run of its own
}

// unpaid ends an order placed, before money was bounded, with a hold below
// zero (an overflowed price): it can never be charged, so its server, if
// one was made, is removed and the order fails.
func (r *run) unpaid(ctx context.Context) error {
	const why = "The plan's price is out of range, so the server cannot be paid for."
	if r.in.ProviderID == "" {
		return r.fail(ctx, webrana.AttemptInvalid, why+" Nothing was charged.")
	}
	a, err := r.w.db.AccountByID(ctx, r.in.AccountID)
	if err != nil {
		return err
	}
	return r.discard(ctx, a, &cloud.Instance{ID: r.in.ProviderID}, why)
}

// place reserves a slot on an account and starts an attempt there, or
// holds the order when no account has room.
func (r *run) place(ctx context.Context) error {
	res, begun, err := r.reservation(ctx)
	if errors.Is(err, webrana.ErrAllAccountsFull) || errors.Is(err, webrana.ErrNoAvailableAccount) {
		return r.hold(ctx, err)
	}
	if err != nil {
		return err
	}
	if !begun {
		if _, err := r.w.db.BeginAttempt(ctx, r.order.ID, res.AccountID); err != nil {
			return err
		}
	}
	r.order.AccountID, r.fresh = res.AccountID, true
	return errNext
}

// reservation returns the slot the order holds without an attempt begun on
// it (a run of an earlier version that stopped between reserving and
// beginning left one), or reserves a new one and begins the attempt there
// with it (begun).
func (r *run) reservation(ctx context.Context) (res *webrana.Reservation, begun bool, err error) {
	if res, err := r.w.db.ReservationOf(ctx, r.order.ID); err != nil || res != nil {
		return res, false, err
	}
	pinned, err := pinnedAccount(ctx, r.w.db, r.in) // its VPC's account (vpc.go)
	if err != nil {
		return nil, false, err
	}
	r.pinned = pinned
	res, err = r.w.db.Reserve(ctx, store.ReserveRequest{Provider: r.in.ProviderType, OrderID: r.order.ID, AccountID: pinned, Begin: true})
	return res, true, err
}

// create makes the order's server on its account. Unless the account was
// reserved in this very run (no create can have been sent to it), the
// account is asked for the order's tag first: an earlier run may have
// created the server and lost the answer, and that server is adopted,
// never made twice. A create needs the order's slot: one that expired while
// the worker was away (nothing was made) sends the order back to placing.
func (r *run) create(ctx context.Context) error {
	a, err := r.w.db.AccountByID(ctx, r.order.AccountID)
	if err != nil {
		return err
	}
	c, err := r.w.pool.Client(ctx, a)
	if err != nil {
		return err
	}
	if !r.fresh { // an earlier run may have sent the create; this run holds no new slot and opened no attempt
		found, err := r.byTag(ctx, c)
		if err != nil {
			return r.outcome(ctx, a, err, true)
		}
		if found == nil && !r.hasReservation(ctx, a.ID) {
			r.order.AccountID = ""
			return cmp.Or(r.w.db.EndAttempt(ctx, r.order.ID, webrana.AttemptInterrupted, "The worker stopped before the provider answered."), errNext)
		}
		if err := r.reopenAttempt(ctx, a.ID); err != nil {
			return err
		}
		if found != nil {
			return r.recordServer(ctx, a, found)
		}
	}
	req, err := r.request(ctx, a, c)
	if err != nil {
		if cloud.Code(err) == cloud.Unknown {
			return err // not the provider's answer (a key that cannot be opened…)
		}
		return r.outcome(ctx, a, err, false)
	}
	created, err := c.CreateInstance(ctx, req)
	if err != nil {
		return r.outcome(ctx, a, err, false) // the answer itself says what happened, or retry says it may have
	}
	return r.recordServer(ctx, a, created)
}

func (r *run) hasReservation(ctx context.Context, accountID string) bool {
	res, err := r.w.db.ReservationOf(ctx, r.order.ID)
	return err == nil && res != nil && res.AccountID == accountID
}

// reopenAttempt starts a new attempt on the account unless one is open
// there. (Attempts started in the same instant list in no set order, so it
// looks at every one, not the last listed.)
func (r *run) reopenAttempt(ctx context.Context, accountID string) error {
	attempts, err := r.w.db.ListAttempts(ctx, r.order.ID)
	if err != nil {
		return err
	}
	if slices.ContainsFunc(attempts, func(a *webrana.Attempt) bool {
		return a.Outcome == webrana.AttemptStarted && a.AccountID == accountID
	}) {
		return nil
	}
	_, err = r.w.db.BeginAttempt(ctx, r.order.ID, accountID)
	return err
}

func (r *run) byTag(ctx context.Context, c *cloud.Client) (*cloud.Instance, error) {
	found, err := c.ListInstances(ctx, cloud.ListOptions{Tag: r.order.Tag()})
	if err != nil || len(found) == 0 {
		return nil, err
	}
	return found[0], nil
}

// outcome is what a provider's error while creating means for the order.
type outcome int

const (
	retry     outcome = iota // keep the slot and try again with backoff: the create may have happened
	paced                    // nothing was sent: go on when the account's budget allows
	failOver                 // the account refused: record it and try another account
	failOrder                // the provider refused the request: end the order
)

// outcomeOf is the one table from a provider's error to what the order
// does. lostCreate says the error answered the tag lookup of an order whose
// earlier create's outcome is unknown: a refused token then cannot tell
// whether a server was made, so the order waits for the token to work
// again rather than try another account (and perhaps make a second).
func outcomeOf(code cloud.ErrorCode, lostCreate bool) outcome {
	switch code {
	case cloud.QuotaExceeded:
		return failOver
	case cloud.Unauthorized, cloud.Forbidden:
		if lostCreate {
			return retry
		}
		return failOver
	case cloud.InvalidArgument, cloud.NotFound, cloud.Conflict:
		return failOrder
	case cloud.RateLimited:
		return paced
	}
	return retry
}

// outcome acts on a provider's error while creating on account a.
func (r *run) outcome(ctx context.Context, a *webrana.Account, err error, lostCreate bool) error {
	switch outcomeOf(cloud.Code(err), lostCreate) {
	case failOver:
		return r.refused(ctx, a, err)
	case failOrder:
		r.w.logger().Warn("provider rejected the order", "order", r.order.ID, "account", a.Name, "err", err)
		return r.fail(ctx, webrana.AttemptInvalid, "The provider refused to create this server: "+cloud.Message(err)+". Nothing was charged.")
	case paced:
		return err // Work snoozes until the budget allows
	}
	if cloud.Code(err) == cloud.Unauthorized || cloud.Code(err) == cloud.Forbidden {
		return fmt.Errorf("account %s refused the order's tag lookup: %w", a.Name, err)
	}
	if cerr := r.w.db.CloseAttempt(ctx, r.order.ID, webrana.AttemptUnavailable, cloud.Message(err)); cerr != nil {
		return cerr
	}
	return err
}

// refused records that the account would not take the order (its limit,
// its token) and sends the order back to placing, on another account.
func (r *run) refused(ctx context.Context, a *webrana.Account, err error) error {
	if cloud.Code(err) == cloud.QuotaExceeded {
		r.w.logger().Info("account refused the order: limit reached", "order", r.order.ID, "account", a.Name)
		if err := r.w.db.EndAttempt(ctx, r.order.ID, webrana.AttemptQuotaExceeded, "The account's server limit is reached."); err != nil {
			return err
		}
		// Learn the account's true count, so that no other order is sent
		// to it while it is full. Best effort: the refusal is recorded.
		if _, err := r.w.pool.Sync(ctx, a.ID); err != nil {
			r.w.logger().Warn("sync after a limit refusal", "account", a.Name, "err", err)
		}
	} else {
		r.w.logger().Warn("account refused the order: token rejected", "order", r.order.ID, "account", a.Name)
		if err := r.w.db.EndAttempt(ctx, r.order.ID, webrana.AttemptUnauthorized, "The provider refused the account's token."); err != nil {
			return err
		}
		unhealthy, reason := webrana.HealthUnhealthy, "The provider refused the token while creating a server."
		if _, err := r.w.db.UpdateAccount(ctx, a.ID, store.AccountUpdate{Health: &unhealthy, HealthReason: &reason}); err != nil {
			return err
		}
	}
	r.order.AccountID, r.fresh = "", false
	return errNext
}

// recordServer records the provider's server and completes the order if
// the answer says it runs already; otherwise the account's boot watch is
// started in the same transaction, so that it looks at the server within a
// tick (a crash after the commit leaves both or neither).
func (r *run) recordServer(ctx context.Context, a *webrana.Account, s *cloud.Instance) error {
	var watch func(*store.Tx) error
	if !running(s) {
		watch = r.w.startWatch(ctx, a.ID)
	}
	if err := r.w.db.RecordServer(ctx, r.order.ID, a.ID, s.ID, watch); err != nil {
		return err
	}
	r.w.logger().Info("server created", "order", r.order.ID, "account", a.Name, "provider_id", s.ID)
	r.in.ProviderID, r.in.AccountID = s.ID, a.ID
	r.order.Step = webrana.StepBooting
	r.order.UpdatedAt = r.w.now()
	return r.settle(ctx, a, s)
}

// boot is the order's own job while its server boots: the account's boot
// watch looks at the server (watch.go); the job only makes sure a watch
// runs — one that ended or was lost is started again — and ends the order
// when its server boots too long. It calls no provider until then.
func (r *run) boot(ctx context.Context) error {
	if r.bootedTooLong() {
		a, err := r.w.db.AccountByID(ctx, r.in.AccountID)
		if err != nil {
			return err
		}
		return r.discard(ctx, a, &cloud.Instance{ID: r.in.ProviderID}, r.tooLong())
	}
	if err := r.w.db.InTx(ctx, r.w.startWatch(ctx, r.in.AccountID)); err != nil {
		return err
	}
	return errBooting
}

// errBooting says the order's server is recorded and not running yet: the
// order's job waits (Backstop) while the account's watch looks.
var errBooting = errors.New("provision: server booting")

// running reports whether the provider's server runs with an address.
func running(s *cloud.Instance) bool { return s.Status == cloud.StatusActive && s.IPv4 != "" }

func (r *run) bootedTooLong() bool { return r.w.now().Sub(r.order.UpdatedAt) > r.cfg.BootTimeout }

func (r *run) tooLong() string {
	return fmt.Sprintf("The server did not start within %s.", r.cfg.BootTimeout)
}

// settle completes the order when the server runs with an address, ends it
// when the server broke or never came up, and otherwise returns errBooting.
func (r *run) settle(ctx context.Context, a *webrana.Account, s *cloud.Instance) error {
	switch {
	case running(s):
		return r.w.completeAll(ctx, []*store.BootingOrder{{Order: r.order, Instance: r.in}}, map[string]*cloud.Instance{r.in.ProviderID: s})
	case s.Status == cloud.StatusFailed:
		return r.discard(ctx, a, s, "The provider could not start the server.")
	case r.bootedTooLong():
		return r.discard(ctx, a, s, r.tooLong())
	}
	return errBooting
}

// addresses fills a message about a server with the addresses s has.
func addresses(s *cloud.Instance) func(*mail.ServerData) {
	return func(d *mail.ServerData) { d.IPv4, d.IPv6 = s.IPv4, s.IPv6 }
}

// discard removes a server that will not come up and ends the order.
func (r *run) discard(ctx context.Context, a *webrana.Account, s *cloud.Instance, why string) error {
	c, err := r.w.pool.Client(ctx, a)
	if err != nil {
		return err
	}
	if err := c.DeleteInstance(ctx, s.ID); err != nil && cloud.Code(err) != cloud.NotFound {
		return err // retried: never leave a broken server running unbilled
	}
	return r.fail(ctx, webrana.AttemptFailed, why+" It was removed, and nothing was charged.")
}

// hold parks the order until an account has room (the job snoozes, and is
// woken when capacity appears: store.DB.WakeJobs), or ends it when it has
// waited too long. Having just recorded the hold, it looks for room once
// more at once (errNext): capacity that appeared between the look that
// found none and the hold woke no one, as the order was not held yet.
func (r *run) hold(ctx context.Context, cause error) error {
	if r.w.now().Sub(r.order.CreatedAt) > r.cfg.HoldTimeout {
		return r.fail(ctx, webrana.AttemptFailed, fmt.Sprintf(
			"No %s capacity became free within %s, so the server could not be created. Nothing was charged.", r.in.ProviderType, r.cfg.HoldTimeout))
	}
	if r.order.Status == webrana.OrderHeld {
		if err := r.w.db.StillHeld(ctx, r.order.ID, r.jobID); err != nil {
			return err
		}
		return river.JobSnooze(r.cfg.HeldRetry)
	}
	reason := "Waiting for capacity: every " + string(r.in.ProviderType) + " account is full. The order proceeds as soon as one has room."
	if errors.Is(cause, webrana.ErrNoAvailableAccount) {
		reason = "Waiting for capacity: no " + string(r.in.ProviderType) + " account can take servers right now. The order proceeds as soon as one can."
	}
	if r.pinned != "" {
		reason = "Waiting for capacity: servers in your VPC go on its provider account, which cannot take another right now. The order proceeds as soon as it can."
	}
	alert := &webrana.Alert{Kind: webrana.AlertProvisioningHeld,
		Key: webrana.AlertProvisioningHeld + ":" + string(r.in.ProviderType), Severity: alerts.Critical,
		Message: fmt.Sprintf("%s orders are held: no account has room. Add an account or raise a limit.", r.in.ProviderType)}
	raise, err := r.raising(ctx, alert)
	if err != nil {
		return err
	}
	held, err := r.telling(ctx, mail.OrderHeld, nil)
	if err != nil {
		return err
	}
	if err := r.w.db.HoldOrder(ctx, r.order.ID, reason, r.jobID, raise, held); err != nil {
		return err
	}
	r.order.Status = webrana.OrderHeld
	r.w.logger().Warn("order held", "order", r.order.ID, "provider", r.in.ProviderType)
	return errNext
}

// fail ends the order for good, alerts the operator and tells the
// customer (the reason, as their server's page shows it, and the hold given
// back), in one transaction.
// A server the order recorded stops counting as Webrana's (store.FailOrder):
// the caller removed it first where it could.
func (r *run) fail(ctx context.Context, outcome, reason string) error {
	alert := &webrana.Alert{Kind: webrana.AlertProvisioningFailed, Key: webrana.AlertProvisioningFailed + ":" + r.order.ID,
		Severity: alerts.Warning, Message: fmt.Sprintf("Order %s (%s server %q) failed: %s", r.order.ID, r.in.ProviderType, r.in.Label, reason)}
	raise, err := r.raising(ctx, alert)
	if err != nil {
		return err
	}
	failed, err := r.telling(ctx, mail.OrderFailed, func(d *mail.ServerData) { d.Reason, d.Refund = reason, refund(r.order) })
	if err != nil {
		return err
	}
	err = r.w.db.FailOrder(ctx, r.order.ID, outcome, reason, both(raise, failed))
	if err == nil {
		r.w.logger().Warn("order failed", "order", r.order.ID, "reason", reason)
	}
	return err
}

// raising returns the step that raises alert in a store transaction, or
// nil when the worker has no alerts. The channels are read first: on
// SQLite nothing may be read outside the transaction while it runs.
func (r *run) raising(ctx context.Context, alert *webrana.Alert) (func(*store.Tx) error, error) {
	if r.w.alerts == nil {
		return nil, nil
	}
	channels, err := r.channels(ctx)
	if err != nil {
		return nil, err
	}
	return func(tx *store.Tx) error { return r.w.alerts.Raise(ctx, tx, channels, alert) }, nil
}

func (r *run) channels(ctx context.Context) ([]alerts.Channel, error) {
	if r.w.channels == nil {
		return nil, nil
	}
	return r.w.channels.All(ctx)
}

// request builds the create request: the plan's size, the customer's
// choices, the order's tag and name, the customer's SSH keys registered
// with the account, and the root password. It says what the customer
// asked for; the driver turns it into its provider's request (the root
// password natively or as cloud-init, the marketplace app as an image or
// a script with its fields).
func (r *run) request(ctx context.Context, a *webrana.Account, c *cloud.Client) (*cloud.CreateRequest, error) {
	plan, err := r.w.db.PlanByID(ctx, r.in.PlanID)
	if err != nil {
		return nil, err
	}
	keys, err := r.sshKeys(ctx, a, c)
	if err != nil {
		return nil, err
	}
	opts := r.in.Options
	req := &cloud.CreateRequest{Name: r.order.ServerName(), Region: r.in.Region, Size: plan.SizeSlug, Image: r.in.Image,
		SSHKeys: keys, IPv6: opts.IPv6, Monitoring: opts.Monitoring, Backups: opts.Backups, VPCUUID: opts.VPCUUID,
		Tags: []string{r.order.Tag(), webrana.ServerTag}, App: appSlug(opts), AppFields: opts.StackScriptData}
	if r.order.RootPassword != "" {
		if req.RootPassword, err = r.w.keys.Open(r.order.RootPassword); err != nil {
			return nil, webrana.Errorf(webrana.EINTERNAL, "The order's root password cannot be decrypted with this ENCRYPTION_KEY.")
		}
	}
	return req, nil
}

// sshKeys returns the provider's ids of the customer's keys on the account,
// registering each once per account (DigitalOcean's key endpoint allows 10
// writes a minute; the pacer keeps to it).
func (r *run) sshKeys(ctx context.Context, a *webrana.Account, c *cloud.Client) ([]string, error) {
	var ids []string
	for _, id := range r.in.Options.SSHKeyIDs {
		k, err := r.w.db.SSHKeyByID(ctx, r.in.OwnerID, id)
		if webrana.ErrorCode(err) == webrana.ENOTFOUND {
			continue // deleted since the order: the server is made without it
		}
		if err != nil {
			return nil, err
		}
		known, err := r.w.db.AccountSSHKey(ctx, a.ID, k.FingerprintSHA256)
		if err != nil {
			return nil, err
		}
		if known == "" {
			reg, err := c.EnsureSSHKey(ctx, "webrana-"+k.ID[:8]+"-"+k.Name, k.PublicKey)
			if err != nil {
				return nil, err
			}
			if err := r.w.db.RememberSSHKey(ctx, a.ID, k.FingerprintSHA256, reg.ID); err != nil {
				return nil, err
			}
			known = reg.ID
		}
		ids = append(ids, known)
	}
	return ids, nil
}

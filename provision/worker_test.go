package provision_test

import (
	"context"
	"encoding/json"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/riverqueue/river"

	"github.com/webrana/webrana"
	"github.com/webrana/webrana/cloud"
	"github.com/webrana/webrana/cloudsim"
	"github.com/webrana/webrana/jobs"
	"github.com/webrana/webrana/pool/pooltest"
	"github.com/webrana/webrana/provision"
	"github.com/webrana/webrana/store"
)

// orderWorld is a pooltest world with one DigitalOcean account and the
// order worker.
type orderWorld struct {
	*pooltest.World
	t       *testing.T
	account *webrana.Account
	worker  *provision.Worker
	watch   *provision.WatchWorker
	queue   *watchQueue
	plan    *webrana.Plan // of every order, made with the first
	owner   *webrana.User
	cfg     provision.WorkerConfig
	// What the boot watch's runs left the next (WorkerConfig.Record), by
	// account, as River keeps it in the watch's job row (snoozeOf).
	memos    map[string][]byte
	recorded []byte // by the run working now
}

// watchQueue records the boot watches the worker starts.
type watchQueue struct {
	mu      sync.Mutex
	started map[string]int // inserts by account id
}

func (q *watchQueue) InsertTx(_ context.Context, _ *store.Tx, args river.JobArgs, _ *river.InsertOpts) error {
	q.mu.Lock()
	defer q.mu.Unlock()
	if a, ok := args.(provision.WatchArgs); ok {
		q.started[a.AccountID]++
	}
	return nil
}

func (q *watchQueue) watching(accountID string) bool {
	q.mu.Lock()
	defer q.mu.Unlock()
	return q.started[accountID] > 0
}

const foreignServers = 3

func newOrderWorld(t *testing.T) *orderWorld { return orderWorldOn(t, pooltest.New(t)) }

func orderWorldOn(t *testing.T, w *pooltest.World) *orderWorld { return orderWorldMailing(t, w, nil) }

// orderWorldMailing is orderWorldOn with a worker telling customers of
// their orders through mailer (nil: nobody).
func orderWorldMailing(t *testing.T, w *pooltest.World, mailer provision.Mailer) *orderWorld {
	a := w.Account(webrana.DigitalOcean, "A", 10, foreignServers)
	ow := &orderWorld{World: w, t: t, account: a, queue: &watchQueue{started: map[string]int{}}, memos: map[string][]byte{}}
	ow.cfg = provision.WorkerConfig{HeldRetry: time.Minute, Now: w.Clock.Now, Sleep: w.Clock.Sleep, Mail: mailer,
		Record: func(_ context.Context, output any) (err error) {
			ow.recorded, err = json.Marshal(output)
			return err
		}}
	ow.worker, ow.watch = ow.process()
	return ow
}

// process returns a worker and a boot watch worker as another process
// (replica) sharing the world's database and provider has them: nothing
// in memory in common with the world's own.
func (w *orderWorld) process() (*provision.Worker, *provision.WatchWorker) {
	cfg := w.cfg
	worker := provision.NewWorker(w.DB, w.Pool, w.queue, w.Keys, nil, nil, &cfg)
	return worker, provision.NewWatchWorker(worker)
}

// order places an order as provision.Place writes it: the instance, the
// order with its sealed root password, the first day's hold.
func (w *orderWorld) order() *webrana.Order { w.t.Helper(); return w.orderHolding(24) }

// orderHolding places an order whose first day's hold is amount (minor
// units, USD).
func (w *orderWorld) orderHolding(amount int64) *webrana.Order {
	w.t.Helper()
	if w.plan == nil {
		w.plan, w.owner = w.Plan(webrana.DigitalOcean), w.Customer(1000)
	}
	plan, owner := w.plan, w.owner
	sealed, err := w.Keys.Seal("Order-Test-Root-Pw-1!")
	w.Must(err)
	in := &webrana.Instance{OwnerID: owner.ID, ProviderType: plan.ProviderType, PlanID: plan.ID, Label: "web",
		Region: plan.Regions[0], Image: pooltest.Image(plan.ProviderType), Status: webrana.StatusPending}
	o, err := w.DB.PlaceOrder(context.Background(), store.NewOrder{Instance: in, RootPassword: sealed,
		Hold: webrana.Money{Amount: amount, Currency: "USD"}}, nil)
	w.Must(err)
	return o
}

// run works the order's job until it stops snoozing, on its attempt-th run;
// while the order's server boots, the watch the job started on its account
// looks once after each of the job's runs.
func (w *orderWorld) run(o *webrana.Order, attempt int) error {
	ctx := context.Background()
	return w.Settle(2000, func() error {
		err := w.worker.Work(ctx, pooltest.Job(provision.Args{OrderID: o.ID}, attempt))
		cur, oerr := w.DB.OrderByID(ctx, o.ID)
		w.Must(oerr)
		if !jobs.IsSnooze(err) || cur.Step != webrana.StepBooting {
			return err
		}
		if !w.queue.watching(cur.AccountID) {
			w.t.Fatalf("order %s boots on %s with no watch started", o.ID, cur.AccountID)
		}
		if werr := w.watch.Work(ctx, pooltest.Job(provision.WatchArgs{AccountID: cur.AccountID}, 1)); werr != nil && !jobs.IsSnooze(werr) {
			return werr
		}
		return err
	})
}

func (w *orderWorld) instance(o *webrana.Order) *webrana.Instance {
	w.t.Helper()
	in, err := w.DB.InstanceByID(context.Background(), o.InstanceID)
	w.Must(err)
	return in
}

// servers is how many servers the simulator runs on the account.
func (w *orderWorld) servers() int {
	w.t.Helper()
	list, err := w.Client(w.account).ListInstances(context.Background(), cloud.ListOptions{})
	w.Must(err)
	return len(list)
}

// TestLostCreateIsAdoptedNotRepeated: a create whose answer is lost is
// looked up by the order's tag on the retry and adopted; the provider made
// one server, and the account counts it once.
func TestLostCreateIsAdoptedNotRepeated(t *testing.T) {
	w := newOrderWorld(t)
	o := w.order()
	w.Fault(cloudsim.FaultSpec{Method: "POST", PathPrefix: "/v2/droplets", Drop: true, Count: 1})
	if err := w.run(o, 1); err == nil {
		t.Fatal("a create with its answer lost succeeded, want an error River retries")
	}
	w.Must(w.run(o, 2))
	if in := w.instance(o); in.Status != webrana.StatusActive || in.IPv4 == "" {
		t.Fatalf("after the retry the server is %s (%q)", in.Status, in.IPv4)
	}
	if n := w.Sent("POST", "/v2/droplets"); n != 1 {
		t.Fatalf("%d creates reached the provider, want 1", n)
	}
	if active, reserved := w.Counts(w.account); active != foreignServers+1 || reserved != 0 || w.servers() != active {
		t.Fatalf("account counts %d active, %d reserved; the provider runs %d", active, reserved, w.servers())
	}
}

// TestSlowCreateFailsWithinItsBound: a server that stays "new" far longer
// than usual is waited for until BootTimeout, then removed; the order fails
// with its reason, the hold comes back, the slot is free again, and no
// second server is ever made.
func TestSlowCreateFailsWithinItsBound(t *testing.T) {
	w := newOrderWorld(t)
	o := w.order()
	w.Fault(cloudsim.FaultSpec{CreateDelayMS: int((2 * time.Hour).Milliseconds())})
	start := w.Clock.Now()
	w.Must(w.run(o, 1))
	in := w.instance(o)
	if in.Status != webrana.StatusFailed || in.Error == "" {
		t.Fatalf("a server that never started: %s (%q)", in.Status, in.Error)
	}
	if waited := w.Clock.Now().Sub(start); waited < 10*time.Minute || waited > 15*time.Minute {
		t.Fatalf("waited %s for the server, want about the boot timeout (10m)", waited)
	}
	if n := w.Sent("POST", "/v2/droplets"); n != 1 || w.servers() != foreignServers {
		t.Fatalf("%d creates, %d servers left at the provider; want 1 create and only the %d foreign ones", n, w.servers(), foreignServers)
	}
	if active, reserved := w.Counts(w.account); active != foreignServers || reserved != 0 {
		t.Fatalf("account counts %d active, %d reserved after the failed order; want %d and 0", active, reserved, foreignServers)
	}
	balance, err := w.DB.Balance(context.Background(), in.OwnerID, "USD")
	w.Must(err)
	if balance.Amount != 1000 {
		t.Fatalf("balance %v after a failed order, want all 1000 back", balance)
	}
}

// TestOverflowedHoldEnds: an order placed before money was bounded, with a
// hold below zero, can never be paid: it fails, and a server it made is
// removed.
func TestOverflowedHoldEnds(t *testing.T) {
	w := newOrderWorld(t)
	o := w.order()
	w.Must(w.run(o, 1)) // the server runs
	if _, err := w.DB.SQL().Exec(`UPDATE orders SET hold_amount = -24, status = 'running', step = 'booting' WHERE id = ?`, o.ID); err != nil {
		t.Fatal(err)
	}
	w.Must(w.run(o, 1))
	if in := w.instance(o); in.Status != webrana.StatusFailed || w.servers() != foreignServers {
		t.Fatalf("an order with a negative hold: %s, %d servers at the provider", in.Status, w.servers())
	}
}

// attempts lists the order's attempts as "account:outcome".
func (w *orderWorld) attempts(o *webrana.Order) []string {
	w.t.Helper()
	list, err := w.DB.ListAttempts(context.Background(), o.ID)
	w.Must(err)
	var out []string
	for _, a := range list {
		acc, err := w.DB.AccountByID(context.Background(), a.AccountID)
		w.Must(err)
		out = append(out, acc.Name+":"+a.Outcome)
	}
	return out
}

// TestAccountsThatRefuseAreFailedOver: an account whose provider says its
// limit is reached, or refuses its token, is recorded on the order and the
// order goes on to the next account; a refused token marks the account
// UNHEALTHY.
func TestAccountsThatRefuseAreFailedOver(t *testing.T) {
	w := newOrderWorld(t) // "A": 10 slots, 3 used
	w.Account(webrana.DigitalOcean, "B", 10, 6)
	w.Account(webrana.DigitalOcean, "C", 10, 8)
	zero := 0
	w.Must(w.Sim.UpdateAccount(pooltest.Token("A"), cloudsim.AccountUpdate{Limit: &zero})) // A's true limit: full
	revoked := true
	w.Must(w.Sim.UpdateAccount(pooltest.Token("B"), cloudsim.AccountUpdate{Revoked: &revoked}))
	o := w.order()
	w.Must(w.run(o, 1))
	if in := w.instance(o); in.Status != webrana.StatusActive {
		t.Fatalf("after two refusals the server is %s (%q), want active on the third account", in.Status, in.Error)
	}
	// The clock stands still within a run, so the attempts' order is not
	// told by their start: compare them as a set.
	got := w.attempts(o)
	slices.Sort(got)
	if want := []string{"A:quota_exceeded", "B:unauthorized", "C:succeeded"}; !slices.Equal(got, want) {
		t.Fatalf("attempts %v, want %v", got, want)
	}
	b, err := w.DB.AccountByID(context.Background(), w.instance(o).AccountID)
	w.Must(err)
	if b.Name != "C" {
		t.Fatalf("the server runs on %s, want C", b.Name)
	}
	accounts, err := w.DB.ListAccounts(context.Background(), webrana.DigitalOcean)
	w.Must(err)
	for _, a := range accounts {
		if a.Name == "B" && a.Health != webrana.HealthUnhealthy {
			t.Fatalf("the account whose token was refused is %s, want UNHEALTHY", a.Health)
		}
	}
}

// TestRefusedRequestFailsTheOrder: a request the provider refuses (a size it
// does not have) ends the order with the provider's reason; the hold comes
// back and the slot is free.
func TestRefusedRequestFailsTheOrder(t *testing.T) {
	w := newOrderWorld(t)
	o := w.order()
	if _, err := w.DB.SQL().Exec(`UPDATE plans SET size_slug = 'no-such-size'`); err != nil {
		t.Fatal(err)
	}
	w.Must(w.run(o, 1))
	in := w.instance(o)
	if in.Status != webrana.StatusFailed || !strings.Contains(in.Error, "The provider refused to create this server") {
		t.Fatalf("a refused request: %s (%q)", in.Status, in.Error)
	}
	if active, reserved := w.Counts(w.account); active != foreignServers || reserved != 0 {
		t.Fatalf("account counts %d active, %d reserved; want %d and 0", active, reserved, foreignServers)
	}
}

// TestHeldUntilCapacityAppears: with every account full the order is held,
// not failed; once an account has room its next run places it.
func TestHeldUntilCapacityAppears(t *testing.T) {
	w := newOrderWorld(t)
	limit := foreignServers
	_, err := w.DB.UpdateAccount(context.Background(), w.account.ID, store.AccountUpdate{Limit: &limit})
	w.Must(err)
	o := w.order()
	err = w.worker.Work(context.Background(), pooltest.Job(provision.Args{OrderID: o.ID}, 1))
	if !jobs.IsSnooze(err) {
		t.Fatalf("an order with no room: %v, want a snooze", err)
	}
	if in := w.instance(o); in.Status != webrana.StatusHeld {
		t.Fatalf("an order with no room is %s, want held", in.Status)
	}
	limit = 10
	_, err = w.DB.UpdateAccount(context.Background(), w.account.ID, store.AccountUpdate{Limit: &limit})
	w.Must(err)
	w.Must(w.run(o, 1))
	if in := w.instance(o); in.Status != webrana.StatusActive {
		t.Fatalf("once the account has room the order is %s, want active", in.Status)
	}
}

package provision_test

import (
	"context"
	"errors"
	"fmt"
	"testing"
	"time"

	"github.com/riverqueue/river"
	"github.com/webrana/webrana"
	"github.com/webrana/webrana/cloudsim"
	"github.com/webrana/webrana/jobs"
	"github.com/webrana/webrana/mail"
	"github.com/webrana/webrana/pool/pooltest"
	"github.com/webrana/webrana/provision"
	"github.com/webrana/webrana/store"
)

// calls counts every request the simulator answered.
func (w *orderWorld) calls() int {
	n := 0
	for _, r := range w.Sim.Stats().Requests {
		n += r.Count
	}
	return n
}

// tick runs one look of the account's boot watch.
func (w *orderWorld) tick() error { return w.lookIn(w.watch, w.account) }

// TestOneListCoversEveryBootingServer: orders placed on a fresh account send
// their creates and nothing else (no tag look-up: no create was sent before);
// their servers are watched by one list call per tick for the whole account,
// and each order completes on the tick its server runs. The watch looks once
// more after the last completes, then ends.
func TestOneListCoversEveryBootingServer(t *testing.T) {
	pooltest.Engines(t, func(t *testing.T, pw *pooltest.World) {
		ctx := context.Background()
		w := orderWorldOn(t, pw)
		orders := make([]*webrana.Order, 5)
		for i := range orders {
			orders[i] = w.order()
			if err := w.worker.Work(ctx, pooltest.Job(provision.Args{OrderID: orders[i].ID}, 1)); !jobs.IsSnooze(err) {
				t.Fatalf("order %d after its create: %v, want a snooze while the server boots", i, err)
			}
		}
		if creates, lists := w.Sent("POST", "/v2/droplets"), w.Sent("GET", "/v2/droplets"); creates != 5 || lists != 0 {
			t.Fatalf("5 first attempts sent %d creates and %d lists, want 5 and 0", creates, lists)
		}
		if !w.queue.watching(w.account.ID) {
			t.Fatal("no boot watch was started for the account")
		}
		if err := w.tick(); !jobs.IsSnooze(err) { // the servers are still new
			t.Fatalf("a tick with servers booting: %v, want a snooze", err)
		}
		if lists := w.Sent("GET", "/v2/droplets"); lists != 0 {
			t.Fatalf("a look before any server can run called the provider: %d lists", lists)
		}
		w.Clock.Advance(time.Second) // a tick: with no boot learnt, they may run
		if err := w.tick(); !jobs.IsSnooze(err) {
			t.Fatalf("a tick with servers booting: %v, want a snooze", err)
		}
		for _, o := range orders {
			if in := w.instance(o); in.Status != webrana.StatusProvisioning {
				t.Fatalf("before its server runs the order's server is %s", in.Status)
			}
		}
		w.Clock.Advance(time.Minute) // the simulator's servers run
		if err := w.tick(); !jobs.IsSnooze(err) {
			t.Fatalf("the tick that completes every order: %v, want one more look", err)
		}
		for _, o := range orders {
			if in := w.instance(o); in.Status != webrana.StatusActive || in.IPv4 == "" {
				t.Fatalf("after the tick the order's server is %s (%q)", in.Status, in.IPv4)
			}
		}
		if lists := w.Sent("GET", "/v2/droplets"); lists != 2 {
			t.Fatalf("two ticks that could find servers running sent %d list calls, want 2 (one a tick for the whole account)", lists)
		}
		if err := w.tick(); err != nil {
			t.Fatalf("a tick with nothing booting: %v, want the watch to end", err)
		}
		if lists := w.Sent("GET", "/v2/droplets"); lists != 2 {
			t.Fatalf("a tick with nothing booting called the provider: %d lists", lists)
		}
	})
}

// TestWatchedServerRemovedFailsTheOrder: a booting server that disappears at
// the provider (neither listed nor found by id) ends its order, with the
// hold given back; the others on the account go on.
func TestWatchedServerRemovedFailsTheOrder(t *testing.T) {
	ctx := context.Background()
	w := newOrderWorld(t)
	gone, stays := w.order(), w.order()
	for _, o := range []*webrana.Order{gone, stays} {
		if err := w.worker.Work(ctx, pooltest.Job(provision.Args{OrderID: o.ID}, 1)); !jobs.IsSnooze(err) {
			t.Fatalf("after the create: %v", err)
		}
	}
	w.Must(w.Client(w.account).DeleteInstance(ctx, w.instance(gone).ProviderID))
	w.Clock.Advance(time.Minute)
	if err := w.tick(); !jobs.IsSnooze(err) {
		t.Fatalf("tick: %v", err)
	}
	if in := w.instance(gone); in.Status != webrana.StatusFailed {
		t.Fatalf("a server removed while booting left its order %s", in.Status)
	}
	if in := w.instance(stays); in.Status != webrana.StatusActive {
		t.Fatalf("the other order is %s, want active", in.Status)
	}
}

// TestBootingOrderRestartsItsWatch: an order whose server boots with no
// watch on (it ended just as the server was recorded, or was lost) starts
// it again from its own job, without calling the provider; and its job ends
// the order once the server has booted too long.
func TestBootingOrderRestartsItsWatch(t *testing.T) {
	ctx := context.Background()
	w := newOrderWorld(t)
	o := w.order()
	w.Fault(cloudsim.FaultSpec{CreateDelayMS: int((2 * time.Hour).Milliseconds())})
	if err := w.worker.Work(ctx, pooltest.Job(provision.Args{OrderID: o.ID}, 1)); !jobs.IsSnooze(err) {
		t.Fatalf("after the create: %v", err)
	}
	w.queue.started = map[string]int{} // the watch is gone
	calls := w.calls()
	if err := w.worker.Work(ctx, pooltest.Job(provision.Args{OrderID: o.ID}, 1)); !jobs.IsSnooze(err) {
		t.Fatalf("the order's job while booting: %v, want a snooze", err)
	}
	if !w.queue.watching(w.account.ID) {
		t.Fatal("the order's job did not start the account's watch again")
	}
	if got := w.calls(); got != calls {
		t.Fatalf("the order's job called the provider %d times while its server boots", got-calls)
	}
	w.Clock.Advance(11 * time.Minute) // past the default BootTimeout
	w.Must(w.worker.Work(ctx, pooltest.Job(provision.Args{OrderID: o.ID}, 1)))
	if in := w.instance(o); in.Status != webrana.StatusFailed || w.servers() != foreignServers {
		t.Fatalf("a server booting too long: order %s, %d servers at the provider", in.Status, w.servers())
	}
}

// TestWatchLooksWhenAServerIsDue: having seen a server boot in the
// provider's time, the watch looks at the next one when it should run: not
// a tick after it is recorded, nor each tick until then, but when it is
// due, however far off, and however near (the account's budget has room:
// its last two lists were long ago).
func TestWatchLooksWhenAServerIsDue(t *testing.T) {
	w := newOrderWorld(t)
	snooze := func() time.Duration { t.Helper(); return w.snoozeOf(w.account) }
	place := func() *webrana.Order { t.Helper(); o := w.order(); w.created(o); return o }
	lists := func() int { return w.Sent("GET", "/v2/droplets") }
	first := place()
	if got := snooze(); got != time.Second || lists() != 0 {
		t.Fatalf("with no boot seen yet the watch first waits %s (%d lists), want a tick (1s) and no call", got, lists())
	}
	w.Clock.Advance(time.Second)
	if got := snooze(); got != time.Second || lists() != 1 {
		t.Fatalf("with no boot seen yet the watch waits %s after a look (%d lists), want a tick (1s)", got, lists())
	}
	w.Clock.Advance(pooltest.CreateDelay - time.Second) // it runs, and is seen at once: the provider's boot time is learnt
	if err := w.tick(); !jobs.IsSnooze(err) {
		t.Fatalf("tick: %v", err)
	}
	if in := w.instance(first); in.Status != webrana.StatusActive {
		t.Fatalf("the first server is %s", in.Status)
	}
	second := place()
	called := lists()
	if got := snooze(); got != pooltest.CreateDelay || lists() != called {
		t.Fatalf("a server due in %s: the watch first waits %s (%d lists), want its due and no call", pooltest.CreateDelay, got, lists()-called)
	}
	w.Clock.Advance(2 * time.Second)
	if got := snooze(); got != pooltest.CreateDelay-2*time.Second || lists() != called {
		t.Fatalf("a server due in %s: the watch waits %s (%d lists), not a tick at a time", pooltest.CreateDelay-2*time.Second, got, lists()-called)
	}
	w.Clock.Advance(pooltest.CreateDelay - 2*time.Second - 800*time.Millisecond)
	if got := snooze(); got != 800*time.Millisecond {
		t.Fatalf("a server due in 0.8s: the watch waits %s, want 0.8s", got)
	}
	w.Clock.Advance(500 * time.Millisecond)
	if got := snooze(); got != 300*time.Millisecond {
		t.Fatalf("a server due in 0.3s: the watch waits %s, want 0.3s", got)
	}
	w.Clock.Advance(300 * time.Millisecond)
	if err := w.tick(); !jobs.IsSnooze(err) {
		t.Fatalf("tick: %v", err)
	}
	if in := w.instance(second); in.Status != webrana.StatusActive {
		t.Fatalf("the second server, due now, is %s", in.Status)
	}
}

// TestWatchLearnsFromTheClosestBootOfALook: a look that finds many
// servers running learns the provider's boot time once, from the server
// recorded last (the others may have run for a while already), so that a
// burst's long waits do not push out of the estimate the boots seen close
// before it.
func TestWatchLearnsFromTheClosestBootOfALook(t *testing.T) {
	ctx := context.Background()
	w := newOrderWorld(t)
	first := w.order()
	w.created(first)
	w.Clock.Advance(pooltest.CreateDelay) // seen the moment it runs: boots take CreateDelay
	if err := w.tick(); !jobs.IsSnooze(err) {
		t.Fatalf("tick: %v", err)
	}
	// A burst of 17 (more than the boots the estimate keeps) on a bigger
	// account, all seen 2s after they ran.
	off := false
	if _, err := w.DB.UpdateAccount(ctx, w.account.ID, store.AccountUpdate{IsActive: &off}); err != nil {
		t.Fatal(err)
	}
	big := w.Account(webrana.DigitalOcean, "B", 40, 0)
	burst := make([]*webrana.Order, 17)
	for i := range burst {
		burst[i] = w.order()
		w.created(burst[i])
	}
	w.Clock.Advance(pooltest.CreateDelay + 2*time.Second)
	if err := w.watch.Work(ctx, pooltest.Job(provision.WatchArgs{AccountID: big.ID}, 1)); !jobs.IsSnooze(err) {
		t.Fatalf("tick: %v", err)
	}
	for _, o := range burst {
		if in := w.instance(o); in.Status != webrana.StatusActive || in.AccountID != big.ID {
			t.Fatalf("a server of the burst is %s on %s", in.Status, in.AccountID)
		}
	}
	w.created(w.order())
	var s *river.JobSnoozeError
	if err := w.watch.Work(ctx, pooltest.Job(provision.WatchArgs{AccountID: big.ID}, 1)); !errors.As(err, &s) || s.Duration+provision.LookLead != pooltest.CreateDelay {
		t.Fatalf("after a burst seen 2s late the next server is first looked at after %v, want %s (the boot seen on time)", err, pooltest.CreateDelay)
	}
}

// TestWatchLooksOnTime: River runs a job due again up to a poll late, so
// the watch's snooze ends provision.LookLead before its look and the run
// waits the rest: a run started the moment its snooze ended looks
// LookLead later, when the server it waits for runs; a run started later
// than that looks at once.
func TestWatchLooksOnTime(t *testing.T) {
	ctx := context.Background()
	w := newOrderWorld(t)
	o := w.order()
	if err := w.worker.Work(ctx, pooltest.Job(provision.Args{OrderID: o.ID}, 1)); !jobs.IsSnooze(err) {
		t.Fatalf("after the create: %v", err)
	}
	w.Clock.Advance(pooltest.CreateDelay - provision.LookLead) // the server runs in LookLead
	job := pooltest.Job(provision.WatchArgs{AccountID: w.account.ID}, 1)
	job.ScheduledAt = w.Clock.Now() // River runs it the moment its snooze ends
	if err := w.watch.Work(ctx, job); !jobs.IsSnooze(err) {
		t.Fatalf("tick: %v", err)
	}
	if in := w.instance(o); in.Status != webrana.StatusActive {
		t.Fatalf("the look came before the server ran: it is %s", in.Status)
	}
	if lists := w.Sent("GET", "/v2/droplets"); lists != 1 {
		t.Fatalf("%d lists, want the one look", lists)
	}
	started := w.Clock.Now()
	job.ScheduledAt = started.Add(-provision.LookLead) // River ran it a poll late
	if err := w.watch.Work(ctx, job); err != nil {
		t.Fatalf("a tick with nothing booting: %v, want the watch to end", err)
	}
	if waited := w.Clock.Now().Sub(started); waited != 0 {
		t.Fatalf("a run started late waited %s, want none", waited)
	}
}

// snoozeOf runs one look of the account's watch and returns how long until
// the next (its snooze ends LookLead early, and the run waits the rest).
func (w *orderWorld) snoozeOf(account *webrana.Account) time.Duration {
	w.t.Helper()
	return w.snoozeIn(w.watch, account)
}

// snoozeIn is snoozeOf with the look run by watch, which may be another
// process's.
func (w *orderWorld) snoozeIn(watch *provision.WatchWorker, account *webrana.Account) time.Duration {
	w.t.Helper()
	var s *river.JobSnoozeError
	if err := w.lookIn(watch, account); !errors.As(err, &s) {
		w.t.Fatalf("a look with servers booting: %v, want a snooze", err)
	}
	return s.Duration + provision.LookLead
}

// lookIn runs one look of the account's watch by watch. The job it works
// carries what the watch's last run left it, as River's job row does.
func (w *orderWorld) lookIn(watch *provision.WatchWorker, account *webrana.Account) error {
	job := pooltest.Job(provision.WatchArgs{AccountID: account.ID}, 1)
	if memo := w.memos[account.ID]; memo != nil {
		job.Metadata = []byte(`{"output":` + string(memo) + `}`)
	}
	w.recorded = nil
	err := watch.Work(context.Background(), job)
	if w.recorded != nil {
		w.memos[account.ID] = w.recorded
	}
	return err
}

// created runs the order's job up to its create, which records its server
// booting.
func (w *orderWorld) created(o *webrana.Order) {
	w.t.Helper()
	if err := w.worker.Work(context.Background(), pooltest.Job(provision.Args{OrderID: o.ID}, 1)); !jobs.IsSnooze(err) {
		w.t.Fatalf("after the create: %v, want a snooze while the server boots", err)
	}
}

// TestWatchLooksOnWholeTicksWhileLearning: with no boot time learnt yet,
// the watch looks when its server has booted whole ticks, however late the
// watch first ran; so the first boot it learns is not late by that start.
func TestWatchLooksOnWholeTicksWhileLearning(t *testing.T) {
	w := newOrderWorld(t)
	first := w.order()
	w.created(first)
	w.Clock.Advance(300 * time.Millisecond) // River picked the new watch up late
	wait := w.snoozeOf(w.account)
	if wait != 700*time.Millisecond {
		t.Fatalf("a watch first run 0.3s after its server was recorded waits %s, want 0.7s (a tick after the record)", wait)
	}
	for range 20 { // the watch's own looks, until the server runs
		w.Clock.Advance(wait)
		if wait = w.snoozeOf(w.account); w.instance(first).Status == webrana.StatusActive {
			break
		}
		if wait != time.Second {
			t.Fatalf("while learning the watch waits %s between looks, want a tick", wait)
		}
	}
	w.created(w.order())
	if got := w.snoozeOf(w.account); got != pooltest.CreateDelay {
		t.Fatalf("the next server is looked at in %s, want %s: the boot was learnt late", got, pooltest.CreateDelay)
	}
}

// TestWatchLooksOnTheNextWholeTickAfterOneItCountedCome: a look a hair
// before a server's whole tick counts the tick as come (it lists), so the
// next look is on the following tick, not a hair later.
func TestWatchLooksOnTheNextWholeTickAfterOneItCountedCome(t *testing.T) {
	w := newOrderWorld(t)
	w.created(w.order())
	w.Clock.Advance(time.Second - 5*time.Millisecond)
	lists := w.Sent("GET", "/v2/droplets")
	if got := w.snoozeOf(w.account); got != time.Second+5*time.Millisecond || w.Sent("GET", "/v2/droplets") != lists+1 {
		t.Fatalf("a look 5ms before the first whole tick waits %s (%d lists), want 1.005s and one list", got, w.Sent("GET", "/v2/droplets")-lists)
	}
}

// TestWatchSeesABurstInTwoLooks: servers recorded over a few tenths of a
// second are seen by two looks, the first at the due that spares them the
// most waiting and the second at the last one's, rather than all at the
// last one's; and an account's lists are two in any tick at most, so a
// server due soon after two looks waits for the budget. The budget holds
// when two processes (replicas) take turns running the watch: it is kept
// in the watch's job.
func TestWatchSeesABurstInTwoLooks(t *testing.T) {
	for _, processes := range []int{1, 2} {
		t.Run(fmt.Sprintf("processes=%d", processes), func(t *testing.T) {
			w := newOrderWorld(t)
			watches := []*provision.WatchWorker{w.watch}
			if processes == 2 {
				_, other := w.process()
				watches = append(watches, other)
			}
			looks := 0
			look := func() time.Duration { // by each process in turn
				t.Helper()
				looks++
				return w.snoozeIn(watches[looks%len(watches)], w.account)
			}
			for _, watch := range watches { // each process sees a boot the moment it ends: CreateDelay
				w.created(w.order())
				w.Clock.Advance(pooltest.CreateDelay)
				w.snoozeIn(watch, w.account)
			}
			burst := make([]*webrana.Order, 4)
			for i := range burst { // recorded 0.1s apart
				if i > 0 {
					w.Clock.Advance(100 * time.Millisecond)
				}
				burst[i] = w.order()
				w.created(burst[i])
			}
			w.Clock.Advance(550 * time.Millisecond)
			last := w.order() // due 0.75s after the second's
			w.created(last)
			lists := w.Sent("GET", "/v2/droplets")
			// Due in CreateDelay less 0.85, 0.75, 0.65, 0.55s: a look at the second's
			// due spares two servers 0.2s each, more than any other.
			if got, want := look(), pooltest.CreateDelay-750*time.Millisecond; got != want {
				t.Fatalf("the burst is first looked at in %s, want %s (the second server's due)", got, want)
			}
			w.Clock.Advance(pooltest.CreateDelay - 750*time.Millisecond)
			if got := look(); got != 200*time.Millisecond {
				t.Fatalf("after the first look the watch waits %s, want 0.2s (the fourth server's due)", got)
			}
			for i, o := range burst {
				if in := w.instance(o); (in.Status == webrana.StatusActive) != (i < 2) {
					t.Fatalf("after the first look server %d is %s", i, in.Status)
				}
			}
			w.Clock.Advance(200 * time.Millisecond)
			if got := look(); got != 800*time.Millisecond {
				t.Fatalf("a server due 0.55s after the second look in a tick waits %s, want 0.8s (a tick after the first)", got)
			}
			for _, o := range burst {
				if in := w.instance(o); in.Status != webrana.StatusActive {
					t.Fatalf("after the second look a server of the burst is %s", in.Status)
				}
			}
			w.Clock.Advance(800 * time.Millisecond)
			look()
			if in := w.instance(last); in.Status != webrana.StatusActive {
				t.Fatalf("the last server is %s", in.Status)
			}
			if got := w.Sent("GET", "/v2/droplets") - lists; got != 3 {
				t.Fatalf("the five servers took %d lists, want 3", got)
			}
		})
	}
}

// TestWatchLooksAtAServerDueInAMoment: a look that comes a little before a
// server's due (within the few milliseconds by which looks and the boots
// learnt from them jitter) lists it, rather than leave it for half a tick.
func TestWatchLooksAtAServerDueInAMoment(t *testing.T) {
	w := newOrderWorld(t)
	w.created(w.order())
	w.Clock.Advance(pooltest.CreateDelay + 5*time.Millisecond) // seen 5ms late: the boot learnt is as long
	w.snoozeOf(w.account)
	o := w.order()
	w.created(o)
	w.Clock.Advance(pooltest.CreateDelay) // due in 5ms by what was learnt, and running
	lists := w.Sent("GET", "/v2/droplets")
	w.snoozeOf(w.account)
	if got := w.Sent("GET", "/v2/droplets") - lists; got != 1 {
		t.Fatalf("a look 5ms before a server's due sent %d lists, want 1", got)
	}
	if in := w.instance(o); in.Status != webrana.StatusActive {
		t.Fatalf("the server, running, is %s after the look", in.Status)
	}
}

// TestWatchLooksAgainForAServerDueWhileItLooked: a server not yet due
// when the list was sent, but due by the time the look has completed the
// orders it found running, is looked at again as soon as the budget
// allows, not half a tick later as a server listed booting though due.
func TestWatchLooksAgainForAServerDueWhileItLooked(t *testing.T) {
	pw := pooltest.New(t)
	w := orderWorldMailing(t, pw, clockMailer{clock: pw.Clock, takes: 40 * time.Millisecond})
	w.created(w.order())
	w.Clock.Advance(pooltest.CreateDelay) // the boot is learnt: CreateDelay
	w.snoozeOf(w.account)
	a := w.order()
	w.created(a)
	w.Clock.Advance(20 * time.Millisecond)
	b := w.order() // due 20ms after a
	w.created(b)
	w.Clock.Advance(pooltest.CreateDelay - 20*time.Millisecond) // a is due: b is due while a completes (40ms)
	if got := w.snoozeOf(w.account); got > provision.LookLead {
		t.Fatalf("the watch waits %s for a server that became due while it looked, want a look at once", got)
	}
	if in := w.instance(a); in.Status != webrana.StatusActive {
		t.Fatalf("the first server is %s", in.Status)
	}
	w.Clock.Advance(provision.LookLead)
	w.snoozeOf(w.account)
	if in := w.instance(b); in.Status != webrana.StatusActive {
		t.Fatalf("the second server is %s after the next look", in.Status)
	}
}

// clockMailer queues no mail but takes time, as queueing it in a
// completion's transaction does.
type clockMailer struct {
	clock interface{ Advance(time.Duration) }
	takes time.Duration
}

func (m clockMailer) QueueTx(context.Context, *store.Tx, mail.Message) error {
	m.clock.Advance(m.takes)
	return nil
}

// TestWatchLearnsTheBootWhenTheListShowsIt: the boot learnt ends when the
// list showed the server running, not when the look had completed its
// order (which takes its time, longer with more orders).
func TestWatchLearnsTheBootWhenTheListShowsIt(t *testing.T) {
	pw := pooltest.New(t)
	w := orderWorldMailing(t, pw, clockMailer{clock: pw.Clock, takes: 40 * time.Millisecond})
	w.created(w.order())
	w.Clock.Advance(pooltest.CreateDelay)
	w.snoozeOf(w.account)
	w.created(w.order())
	if got := w.snoozeOf(w.account); got != pooltest.CreateDelay {
		t.Fatalf("the next server is looked at in %s, want %s (the boot as the list showed it)", got, pooltest.CreateDelay)
	}
}

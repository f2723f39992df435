package provision_test

import (
	"context"
	"encoding/json"
	"strings"
	"testing"
	"time"

	"github.com/webrana/webrana"
	"github.com/webrana/webrana/cloudsim"
	"github.com/webrana/webrana/jobs"
	"github.com/webrana/webrana/mail"
	"github.com/webrana/webrana/mail/queuetest"
	"github.com/webrana/webrana/pool/pooltest"
	"github.com/webrana/webrana/provision"
	"github.com/webrana/webrana/store"
)

// mailWorld is an order world whose worker queues its mail in a recorder.
func mailWorld(t *testing.T, pw *pooltest.World) (*orderWorld, *queuetest.Recorder) {
	rec := queuetest.New(pw.DB)
	w := orderWorldMailing(t, pw, rec)
	return w, rec
}

// only returns the one committed message, failing unless there is exactly
// one and it is of kind.
func only(t *testing.T, rec *queuetest.Recorder, kind mail.Kind) (mail.Message, mail.ServerData) {
	t.Helper()
	got := rec.Committed(t)
	if len(got) != 1 || got[0].Kind != kind {
		t.Fatalf("queued %s, want one %s", kinds(got), kind)
	}
	data, ok := got[0].Data.(mail.ServerData)
	if !ok {
		t.Fatalf("%s carries %T, want mail.ServerData", kind, got[0].Data)
	}
	return got[0], data
}

func kinds(ms []mail.Message) string {
	var out []string
	for _, m := range ms {
		out = append(out, string(m.Kind))
	}
	return "[" + strings.Join(out, " ") + "]"
}

// toOwner fails unless m goes to the order's customer.
func (w *orderWorld) toOwner(m mail.Message, o *webrana.Order) {
	w.t.Helper()
	owner, err := w.DB.UserByID(context.Background(), o.UserID)
	w.Must(err)
	if m.To != owner.Email || m.UserID != owner.ID || m.To == "" {
		w.t.Fatalf("%s to %q (user %q), want the owner %q (%s)", m.Kind, m.To, m.UserID, owner.Email, owner.ID)
	}
}

// TestServerReadyIsToldOnce: the server's owner is told once, when the
// worker makes it active, with its names and addresses and never its root
// password, even when the create's answer was lost and the job retried,
// and however often the job runs again.
func TestServerReadyIsToldOnce(t *testing.T) {
	pooltest.Engines(t, func(t *testing.T, pw *pooltest.World) {
		w, rec := mailWorld(t, pw)
		o := w.order()
		w.Fault(cloudsim.FaultSpec{Method: "POST", PathPrefix: "/v2/droplets", Drop: true, Count: 1})
		if err := w.run(o, 1); err == nil {
			t.Fatal("a create with its answer lost succeeded, want an error River retries")
		}
		if got := rec.Committed(t); len(got) != 0 {
			t.Fatalf("queued %s before the server was active", kinds(got))
		}
		w.Must(w.run(o, 2))
		w.Must(w.run(o, 3)) // run again after the end: nothing more
		in := w.instance(o)
		m, d := only(t, rec, mail.ServerReady)
		w.toOwner(m, o)
		want := mail.ServerData{Name: "web", Provider: string(webrana.DigitalOcean), Region: in.Region, Plan: "Small digitalocean",
			IPv4: in.IPv4, IPv6: in.IPv6, Path: "/servers/" + in.ID}
		if d != want || d.IPv4 == "" {
			t.Fatalf("server ready carries %+v, want %+v", d, want)
		}
		raw, err := json.Marshal(rec.Committed(t))
		w.Must(err)
		if strings.Contains(string(raw), "Order-Test-Root-Pw-1!") || strings.Contains(string(raw), o.RootPassword) {
			t.Fatalf("the root password is in the message: %s", raw)
		}
	})
}

// TestServerReadyCommitsWithTheServer: a message that cannot be queued
// rolls the completion back with it (the server is not active, nothing is
// queued); the watch's next tick completes it and tells once.
func TestServerReadyCommitsWithTheServer(t *testing.T) {
	pooltest.Engines(t, func(t *testing.T, pw *pooltest.World) {
		ctx := context.Background()
		w, rec := mailWorld(t, pw)
		o := w.order()
		if err := w.worker.Work(ctx, pooltest.Job(provision.Args{OrderID: o.ID}, 1)); !jobs.IsSnooze(err) {
			t.Fatalf("the order's job after the create: %v, want a snooze while its server boots", err)
		}
		w.Clock.Advance(time.Minute) // the server runs
		rec.FailNext(1)
		if err := w.watch.Work(ctx, pooltest.Job(provision.WatchArgs{AccountID: w.account.ID}, 1)); !jobs.IsSnooze(err) {
			t.Fatalf("a tick whose message could not be queued: %v, want the watch to look again", err)
		}
		if in := w.instance(o); in.Status == webrana.StatusActive {
			t.Fatal("the server is active although its message was not queued")
		}
		if got := rec.Committed(t); len(got) != 0 {
			t.Fatalf("queued %s in a transaction that rolled back", kinds(got))
		}
		w.Must(w.run(o, 2))
		if in := w.instance(o); in.Status != webrana.StatusActive {
			t.Fatalf("after the retry the server is %s", in.Status)
		}
		only(t, rec, mail.ServerReady)
	})
}

// TestOneOrderFailingToCompleteHoldsBackNoOther: a look that finds several
// servers running completes them in one transaction; when that fails (a
// message could not be queued), it completes each on its own, so that only
// the order whose message failed waits for the next look — and is then told
// once, like the others.
func TestOneOrderFailingToCompleteHoldsBackNoOther(t *testing.T) {
	pooltest.Engines(t, func(t *testing.T, pw *pooltest.World) {
		ctx := context.Background()
		w, rec := mailWorld(t, pw)
		orders := []*webrana.Order{w.order(), w.order(), w.order()}
		for _, o := range orders {
			if err := w.worker.Work(ctx, pooltest.Job(provision.Args{OrderID: o.ID}, 1)); !jobs.IsSnooze(err) {
				t.Fatalf("the order's job after the create: %v, want a snooze while its server boots", err)
			}
		}
		w.Clock.Advance(time.Minute) // the servers run
		rec.FailNext(2)              // the look's one transaction, then the first order's own
		if err := w.tick(); !jobs.IsSnooze(err) {
			t.Fatalf("a tick with a message that could not be queued: %v, want the watch to look again", err)
		}
		active := 0
		for _, o := range orders {
			if w.instance(o).Status == webrana.StatusActive {
				active++
			}
		}
		if active != 2 || len(rec.Of(t, mail.ServerReady)) != 2 {
			t.Fatalf("%d servers active and %d told after the tick, want 2 and 2", active, len(rec.Of(t, mail.ServerReady)))
		}
		if err := w.tick(); !jobs.IsSnooze(err) {
			t.Fatalf("the next tick: %v", err)
		}
		for _, o := range orders {
			if in := w.instance(o); in.Status != webrana.StatusActive {
				t.Fatalf("after the next tick a server is %s", in.Status)
			}
		}
		if told := rec.Of(t, mail.ServerReady); len(told) != 3 {
			t.Fatalf("told %d times, want once for each of 3 servers", len(told))
		}
	})
}

// TestOrderHeldIsToldOnce: an order held for capacity is told once, not on
// each look for room, nor when it is held again after a try; once placed,
// its server's readiness is told.
func TestOrderHeldIsToldOnce(t *testing.T) {
	pooltest.Engines(t, func(t *testing.T, pw *pooltest.World) {
		ctx := context.Background()
		w, rec := mailWorld(t, pw)
		limit := foreignServers
		_, err := w.DB.UpdateAccount(ctx, w.account.ID, store.AccountUpdate{Limit: &limit})
		w.Must(err)
		o := w.order()
		for attempt := range 3 { // held, then looked at again while held
			if err := w.worker.Work(ctx, pooltest.Job(provision.Args{OrderID: o.ID}, attempt+1)); !jobs.IsSnooze(err) {
				t.Fatalf("run %d of an order with no room: %v, want a snooze", attempt+1, err)
			}
		}
		m, d := only(t, rec, mail.OrderHeld)
		w.toOwner(m, o)
		if d.Name != "web" || d.Path != "/servers/"+o.InstanceID || d.IPv4 != "" {
			t.Fatalf("order held carries %+v", d)
		}
		// Tried on an account, then held again: not told again.
		_, err = w.DB.BeginAttempt(ctx, o.ID, w.account.ID)
		w.Must(err)
		again := 0
		w.Must(w.DB.HoldOrder(ctx, o.ID, "full again", 1, nil, func(*store.Tx) error { again++; return nil }))
		if again != 0 {
			t.Fatal("an order held again ran the first hold's step")
		}
		limit = 10
		_, err = w.DB.UpdateAccount(ctx, w.account.ID, store.AccountUpdate{Limit: &limit})
		w.Must(err)
		w.Must(w.run(o, 1))
		if held, ready := rec.Of(t, mail.OrderHeld), rec.Of(t, mail.ServerReady); len(held) != 1 || len(ready) != 1 {
			t.Fatalf("told %d holds and %d ready, want 1 and 1", len(held), len(ready))
		}
	})
}

// TestOrderFailedIsToldWithTheRefund: a failed order is told once, with the
// reason its server's page shows and the hold given back (none: no refund).
func TestOrderFailedIsToldWithTheRefund(t *testing.T) {
	for _, c := range []struct {
		name   string
		hold   int64
		refund string
	}{
		{"a hold given back", 24, "0.24 USD"},
		{"nothing held", 0, ""},
	} {
		t.Run(c.name, func(t *testing.T) {
			pooltest.Engines(t, func(t *testing.T, pw *pooltest.World) {
				w, rec := mailWorld(t, pw)
				o := w.orderHolding(c.hold)
				if _, err := w.DB.SQL().Exec(`UPDATE plans SET size_slug = 'no-such-size'`); err != nil {
					t.Fatal(err)
				}
				w.Must(w.run(o, 1))
				w.Must(w.run(o, 2)) // the job again: the order is over
				in := w.instance(o)
				m, d := only(t, rec, mail.OrderFailed)
				w.toOwner(m, o)
				if in.Status != webrana.StatusFailed || d.Reason != in.Error || !strings.Contains(d.Reason, "The provider refused") {
					t.Fatalf("order failed (%s) carries the reason %q, want the server's %q", in.Status, d.Reason, in.Error)
				}
				if d.Refund != c.refund || d.Name != "web" || d.Path != "/servers/"+in.ID {
					t.Fatalf("order failed carries %+v, want the refund %q", d, c.refund)
				}
				// The store's side: an order failed before runs nothing.
				again := 0
				w.Must(w.DB.FailOrder(context.Background(), o.ID, webrana.AttemptFailed, "again", func(*store.Tx) error { again++; return nil }))
				if again != 0 {
					t.Fatal("failing a failed order ran its step again")
				}
			})
		})
	}
}

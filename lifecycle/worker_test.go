package lifecycle_test

import (
	"context"
	"strings"
	"testing"
	"time"

	"github.com/webrana/webrana"
	"github.com/webrana/webrana/cloud"
	"github.com/webrana/webrana/cloudsim"
	"github.com/webrana/webrana/jobs"
	"github.com/webrana/webrana/lifecycle"
	"github.com/webrana/webrana/pool/pooltest"
	"github.com/webrana/webrana/store"
)

// world is a server at the simulator, recorded as an instance, and the
// action worker, on a pooltest world.
type world struct {
	*pooltest.World
	t      *testing.T
	worker *lifecycle.Worker
	client *cloud.Client
	in     *webrana.Instance
}

func newWorld(t *testing.T, p webrana.ProviderType) *world {
	t.Helper()
	return worldOn(t, pooltest.New(t), p)
}

func worldOn(t *testing.T, pw *pooltest.World, p webrana.ProviderType) *world {
	return worldMailing(t, pw, p, nil)
}

// worldMailing is worldOn with a worker telling owners of failed actions
// through mailer (nil: nobody).
func worldMailing(t *testing.T, pw *pooltest.World, p webrana.ProviderType, mailer lifecycle.Mailer) *world {
	t.Helper()
	ctx := context.Background()
	acc := pw.Account(p, "A", 10, 0)
	client := pw.Client(acc)
	server, err := client.CreateInstance(ctx, &cloud.CreateRequest{Name: "webrana-test", Region: pooltest.Region(p),
		Size: pooltest.Size(p), Image: pooltest.Image(p), RootPassword: "Worker-Test-Root-Pw-1!"})
	must(t, err)
	pw.Clock.Advance(pooltest.CreateDelay + time.Second)
	plan := pw.Plan(p)
	in := &webrana.Instance{OwnerID: pw.Customer(0).ID, ProviderType: p, AccountID: acc.ID, PlanID: plan.ID, Label: "web",
		Region: plan.Regions[0], Image: pooltest.Image(p), ProviderID: server.ID, Status: webrana.StatusActive}
	must(t, pw.DB.InTx(ctx, func(tx *store.Tx) error { return tx.CreateInstance(ctx, in) }))
	w := lifecycle.NewWorker(pw.DB, pw.Pool, pw.Keys, &lifecycle.WorkerConfig{Poll: time.Second, Now: pw.Clock.Now, Mail: mailer})
	return &world{World: pw, t: t, worker: w, client: client, in: in}
}

func must(t *testing.T, err error) {
	t.Helper()
	if err != nil {
		t.Fatal(err)
	}
}

// act records an action on the server, as Service.Act does, and returns it.
func (w *world) act(typ string, params webrana.ActionParams) *webrana.InstanceAction {
	w.t.Helper()
	a := &webrana.InstanceAction{InstanceID: w.in.ID, Type: typ, Params: params}
	status := webrana.InstanceStatus("")
	if typ == webrana.ActionDelete {
		status = webrana.StatusDeleting
	}
	must(w.t, w.DB.CreateAction(context.Background(), a, status, nil))
	return a
}

// run works the action's job once, as River would on its attempt-th run.
func (w *world) run(a *webrana.InstanceAction, attempt int) error {
	return w.worker.Work(context.Background(), pooltest.Job(lifecycle.Args{ActionID: a.ID}, attempt))
}

// settle runs the job until it stops snoozing and returns the action as it
// ended.
func (w *world) settle(a *webrana.InstanceAction, attempt int) *webrana.InstanceAction {
	w.t.Helper()
	must(w.t, w.Settle(1000, func() error { return w.run(a, attempt) }))
	got, err := w.DB.ActionByID(context.Background(), a.ID)
	must(w.t, err)
	return got
}

func (w *world) instance() *webrana.Instance {
	w.t.Helper()
	in, err := w.DB.InstanceByID(context.Background(), w.in.ID)
	must(w.t, err)
	return in
}

// actionPath is where the provider takes an action on the server.
func actionPath(p webrana.ProviderType, action string) string {
	if p == webrana.Linode {
		return "/v4/linode/instances/{id}/" + action
	}
	return "/v2/droplets/{id}/actions"
}

// TestActionReachesTheProviderOnce: a reboot and a rebuild whose answer is
// lost are not sent again by the retry: it finds them among the server's
// actions at the provider, adopts them and follows them to the end.
func TestActionReachesTheProviderOnce(t *testing.T) {
	for _, p := range webrana.ProviderTypes {
		t.Run(string(p), func(t *testing.T) {
			w := newWorld(t, p)
			for _, c := range []struct{ typ, path string }{{webrana.ActionReboot, "reboot"}, {webrana.ActionRebuild, "rebuild"}} {
				params := webrana.ActionParams{Image: w.in.Image}
				if c.typ == webrana.ActionRebuild && w.client.Capabilities().RebuildPassword { // Linode asks for one
					sealed, err := w.Keys.Seal("Rebuilt-Root-Pw-2031!")
					must(t, err)
					params.Password = sealed
				}
				a := w.act(c.typ, params)
				before := w.Sent("POST", actionPath(p, c.path))
				w.Fault(cloudsim.FaultSpec{Method: "POST", PathPrefix: "/", Drop: true, Count: 1})
				err := w.run(a, 1)
				if err == nil || jobs.IsSnooze(err) {
					t.Fatalf("%s with its answer lost: %v, want an error River retries", c.typ, err)
				}
				got := w.settle(a, 2)
				if got.Status != webrana.ActionCompleted || got.SentAt == nil {
					t.Fatalf("%s after the retry: %+v", c.typ, got)
				}
				if n := w.Sent("POST", actionPath(p, c.path)) - before; n != 1 {
					t.Fatalf("%s reached the provider %d times, want once", c.typ, n)
				}
				w.Clock.Advance(time.Minute)
			}
		})
	}
}

// TestRetryDoesNotAdoptAnEarlierAction: an action whose request never
// reached the provider (a 503) is sent again on the retry, even when the
// server ran an action of the same type a moment before: that one is
// Webrana's already, not the lost one.
func TestRetryDoesNotAdoptAnEarlierAction(t *testing.T) {
	for _, p := range webrana.ProviderTypes {
		t.Run(string(p), func(t *testing.T) {
			w := newWorld(t, p)
			first := w.settle(w.act(webrana.ActionReboot, webrana.ActionParams{}), 1)
			if first.Status != webrana.ActionCompleted {
				t.Fatalf("the first reboot ended %s", first.Status)
			}
			a := w.act(webrana.ActionReboot, webrana.ActionParams{})
			w.Fault(cloudsim.FaultSpec{Method: "POST", PathPrefix: "/", Status: 503, Count: 1})
			if err := w.run(a, 1); err == nil {
				t.Fatal("a reboot refused with 503 succeeded, want an error River retries")
			}
			if got := w.settle(a, 2); got.Status != webrana.ActionCompleted {
				t.Fatalf("the second reboot ended %s", got.Status)
			}
			if n := w.Sent("POST", actionPath(p, "reboot")); n != 2 {
				t.Fatalf("%d reboots reached the provider, want 2 (the second must not take the first for itself)", n)
			}
		})
	}
}

// TestDeleteKeepsTheTimeItWasAsked: a delete whose answer is lost is sent
// again (deleting is idempotent), the action keeps the time it was first
// sent, and the instance is deleted when the provider confirmed it.
func TestDeleteKeepsTheTimeItWasAsked(t *testing.T) {
	w := newWorld(t, webrana.DigitalOcean)
	a := w.act(webrana.ActionDelete, webrana.ActionParams{})
	asked := w.Clock.Now()
	// Lost on the first try and on the client's three quick retries.
	w.Fault(cloudsim.FaultSpec{Method: "DELETE", Drop: true, Count: 4})
	if err := w.run(a, 1); err == nil {
		t.Fatal("delete with its answer lost succeeded, want an error River retries")
	}
	w.Clock.Advance(10 * time.Minute)
	got := w.settle(a, 2)
	if got.Status != webrana.ActionCompleted || got.SentAt == nil || !got.SentAt.Equal(asked) {
		t.Fatalf("delete ended %+v, want completed and sent at %v (when first asked)", got, asked)
	}
	in := w.instance()
	if in.Status != webrana.StatusDeleted || in.DeletedAt == nil || !in.DeletedAt.Equal(w.Clock.Now()) {
		t.Fatalf("deleted instance %s at %v, want deleted when the provider confirmed it (%v)", in.Status, in.DeletedAt, w.Clock.Now())
	}
	if _, err := w.client.GetInstance(context.Background(), w.in.ProviderID); cloud.Code(err) != cloud.NotFound {
		t.Fatalf("the server is still at the provider: %v", err)
	}
}

// TestDeleteThatNeverHappensGivesTheServerBack: a delete the provider does
// not answer for the whole retry budget ends errored, and the server is
// active again — deletable again, not left deleting (and billed) for ever.
func TestDeleteThatNeverHappensGivesTheServerBack(t *testing.T) {
	w := newWorld(t, webrana.DigitalOcean)
	a := w.act(webrana.ActionDelete, webrana.ActionParams{})
	w.Fault(cloudsim.FaultSpec{Method: "DELETE", Status: 503})
	if err := w.run(a, 12); err != nil {
		t.Fatalf("the last attempt: %v, want the action ended", err)
	}
	got, err := w.DB.ActionByID(context.Background(), a.ID)
	must(t, err)
	if in := w.instance(); got.Status != webrana.ActionErrored || in.Status != webrana.StatusActive || in.Error == "" {
		t.Fatalf("after giving up: action %s, server %s (%q); want errored, active with the reason", got.Status, in.Status, in.Error)
	}
}

// TestIgnoredShutdownIsPoweredOff: DigitalOcean's shutdown is best-effort;
// a server still running ShutdownWait after it was asked is powered off,
// and the action says so.
func TestIgnoredShutdownIsPoweredOff(t *testing.T) {
	w := newWorld(t, webrana.DigitalOcean)
	w.Fault(cloudsim.FaultSpec{IgnoreShutdown: true})
	a := w.act(webrana.ActionShutdown, webrana.ActionParams{})
	got := w.settle(a, 1)
	if got.Status != webrana.ActionCompleted || !strings.Contains(got.Note, "did not shut down within 2m0s, so it was powered off") {
		t.Fatalf("ignored shutdown ended %+v", got)
	}
	if st := w.instance().Status; st != webrana.StatusOff {
		t.Fatalf("the server is %s after the power-off, want off", st)
	}
	if n := w.Sent("POST", "/v2/droplets/{id}/actions"); n != 2 {
		t.Fatalf("%d actions sent, want the shutdown and one power-off", n)
	}
	if w.Clock.Now().Sub(*got.SentAt) < lifecycle.DefaultShutdownWait {
		t.Fatalf("powered off %s after the shutdown was sent, want at least %s", w.Clock.Now().Sub(*got.SentAt), lifecycle.DefaultShutdownWait)
	}
}

// TestStatusLagIsWaitedOut: a power-off the provider reports completed
// while the server still shows it running is not taken as "running": the
// worker looks again until the server shows off.
func TestStatusLagIsWaitedOut(t *testing.T) {
	for _, p := range webrana.ProviderTypes {
		t.Run(string(p), func(t *testing.T) {
			w := newWorld(t, p)
			w.Fault(cloudsim.FaultSpec{StatusLagMS: 40_000})
			a := w.act(webrana.ActionPowerOff, webrana.ActionParams{})
			got := w.settle(a, 1)
			if got.Status != webrana.ActionCompleted || got.Note != "" {
				t.Fatalf("power-off ended %+v", got)
			}
			if st := w.instance().Status; st != webrana.StatusOff {
				t.Fatalf("the server is recorded %s after a lagging power-off, want off", st)
			}
		})
	}
}

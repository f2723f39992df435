package lifecycle_test

import (
	"context"
	"errors"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/riverqueue/river"
	"github.com/riverqueue/river/rivertype"

	"github.com/webrana/webrana"
	"github.com/webrana/webrana/cloud"
	"github.com/webrana/webrana/cloud/cloudtest"
	"github.com/webrana/webrana/cloudsim"
	"github.com/webrana/webrana/jobs"
	"github.com/webrana/webrana/lifecycle"
	"github.com/webrana/webrana/pool"
	"github.com/webrana/webrana/providers"
	"github.com/webrana/webrana/secrets"
	"github.com/webrana/webrana/store"
	"github.com/webrana/webrana/store/storetest"
)

// world is a server at the simulator, recorded as an instance on a real
// SQLite store, and the action worker, all on one injected clock.
type world struct {
	t      *testing.T
	clock  *cloudtest.Clock
	sim    *cloudsim.Sim
	db     *store.DB
	worker *lifecycle.Worker
	client *cloud.Client
	in     *webrana.Instance
	token  string
}

const (
	simCreate = 10 * time.Second
	simAction = 5 * time.Second
)

func newWorld(t *testing.T, p webrana.ProviderType) *world {
	t.Helper()
	ctx := context.Background()
	clock := cloudtest.NewClock(time.Date(2031, 5, 1, 9, 0, 0, 0, time.UTC))
	sim := cloudsim.New(cloudsim.Config{Now: clock.Now, CreateDelay: simCreate, ActionDelay: simAction})
	token := "token-" + string(p)
	must(t, sim.AddAccount(cloudsim.AccountSpec{Provider: string(p), Token: token, Email: "ops@example.com", Limit: 10}))
	srv := httptest.NewServer(sim.Handler())
	t.Cleanup(srv.Close)
	t.Cleanup(func() { cloudtest.CheckImplemented(t, sim.Stats()) })

	db := storetest.OpenSQLite(t)
	db.Now = clock.Now
	_, err := db.EnsureProvider(ctx, p, string(p))
	must(t, err)
	keys := secrets.NewKeyring(secrets.NewKey(), nil)
	sealed, err := keys.Seal(token)
	must(t, err)
	acc := &webrana.Account{ProviderType: p, Name: "A", TokenCiphertext: sealed, IsActive: true, Limit: 10, Health: webrana.HealthHealthy}
	must(t, db.CreateAccount(ctx, acc))
	opener := providers.New(providers.Config{DB: db, Now: clock.Now, Sleep: clock.Sleep,
		Pacers: cloud.NewPacers(clock.Now, clock.Sleep), DigitalOceanURL: srv.URL, LinodeURL: srv.URL})
	pl := pool.New(db, keys, opener, clock.Now, nil)
	client, err := pl.Client(ctx, acc)
	must(t, err)

	image, size := "ubuntu-24-04-x64", "s-1vcpu-1gb"
	if p == webrana.Linode {
		image, size = "linode/ubuntu24.04", "g6-nanode-1"
	}
	server, err := client.CreateInstance(ctx, &cloud.CreateRequest{Name: "webrana-test", Region: region(p), Size: size, Image: image,
		RootPassword: "Worker-Test-Root-Pw-1!"})
	must(t, err)
	clock.Advance(simCreate + time.Second)
	owner := &webrana.User{Email: "c@example.com", Role: webrana.RoleCustomer, PasswordHash: "x"}
	must(t, db.CreateUser(ctx, owner))
	plan := &webrana.Plan{ProviderType: p, SizeSlug: size, Name: "S", VCPUs: 1, MemoryMB: 1024, DiskGB: 25,
		PriceMonthly: 600, PriceHourly: 1, Currency: "USD", Regions: []string{region(p)}, IsActive: true}
	must(t, db.CreatePlan(ctx, plan))
	in := &webrana.Instance{OwnerID: owner.ID, ProviderType: p, AccountID: acc.ID, PlanID: plan.ID, Label: "web", Region: region(p),
		Image: image, ProviderID: server.ID, Status: webrana.StatusActive}
	must(t, db.InTx(ctx, func(tx *store.Tx) error { return tx.CreateInstance(ctx, in) }))
	w := &lifecycle.Worker{DB: db, Pool: pl, Keys: keys, Poll: time.Second, Now: clock.Now}
	return &world{t: t, clock: clock, sim: sim, db: db, worker: w, client: client, in: in, token: token}
}

func region(p webrana.ProviderType) string {
	if p == webrana.Linode {
		return "us-east"
	}
	return "sgp1"
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
	must(w.t, w.db.CreateAction(context.Background(), a, status, nil))
	return a
}

// run works the action's job once, as River would on its attempt-th run.
func (w *world) run(a *webrana.InstanceAction, attempt int) error {
	return w.worker.Work(context.Background(), &river.Job[lifecycle.Args]{
		JobRow: &rivertype.JobRow{ID: 1, Attempt: attempt, MaxAttempts: 12}, Args: lifecycle.Args{ActionID: a.ID}})
}

// settle runs the job until it stops snoozing, moving the clock by each
// snooze, and returns the action as it ended.
func (w *world) settle(a *webrana.InstanceAction, attempt int) *webrana.InstanceAction {
	w.t.Helper()
	for range 1000 {
		err := w.run(a, attempt)
		var snooze *river.JobSnoozeError
		if errors.As(err, &snooze) {
			w.clock.Advance(max(snooze.Duration, time.Second))
			continue
		}
		must(w.t, err)
		got, err := w.db.ActionByID(context.Background(), a.ID)
		must(w.t, err)
		return got
	}
	w.t.Fatal("the action never ended")
	return nil
}

// fault installs a simulator fault on this world's account.
func (w *world) fault(f cloudsim.FaultSpec) {
	w.t.Helper()
	f.Token = w.token
	must(w.t, w.sim.AddFault(f))
}

// sent counts the requests of method to path prefix the simulator answered.
func (w *world) sent(method, path string) int {
	n := 0
	for _, r := range w.sim.Stats().Requests {
		if r.Method == method && strings.HasPrefix(r.Path, path) {
			n += r.Count
		}
	}
	return n
}

func (w *world) instance() *webrana.Instance {
	w.t.Helper()
	in, err := w.db.InstanceByID(context.Background(), w.in.ID)
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
				sealed, err := w.worker.Keys.Seal("Rebuilt-Root-Pw-2031!") // Linode asks for one
				must(t, err)
				a := w.act(c.typ, webrana.ActionParams{Image: w.in.Image, Password: sealed})
				before := w.sent("POST", actionPath(p, c.path))
				w.fault(cloudsim.FaultSpec{Method: "POST", PathPrefix: "/", Drop: true, Count: 1})
				err = w.run(a, 1)
				if err == nil || jobs.IsSnooze(err) {
					t.Fatalf("%s with its answer lost: %v, want an error River retries", c.typ, err)
				}
				got := w.settle(a, 2)
				if got.Status != webrana.ActionCompleted || got.SentAt == nil {
					t.Fatalf("%s after the retry: %+v", c.typ, got)
				}
				if n := w.sent("POST", actionPath(p, c.path)) - before; n != 1 {
					t.Fatalf("%s reached the provider %d times, want once", c.typ, n)
				}
				w.clock.Advance(time.Minute)
			}
		})
	}
}

// TestDeleteKeepsTheTimeItWasAsked: a delete whose answer is lost is sent
// again (deleting is idempotent), and the server is deleted as of the first
// time it was asked: billing stops then, not when the retry got through.
func TestDeleteKeepsTheTimeItWasAsked(t *testing.T) {
	w := newWorld(t, webrana.DigitalOcean)
	a := w.act(webrana.ActionDelete, webrana.ActionParams{})
	asked := w.clock.Now()
	// Lost on the first try and on the client's three quick retries.
	w.fault(cloudsim.FaultSpec{Method: "DELETE", Drop: true, Count: 4})
	if err := w.run(a, 1); err == nil {
		t.Fatal("delete with its answer lost succeeded, want an error River retries")
	}
	w.clock.Advance(10 * time.Minute)
	w.settle(a, 2)
	in := w.instance()
	if in.Status != webrana.StatusDeleted || in.DeletedAt == nil || !in.DeletedAt.Equal(asked) {
		t.Fatalf("deleted instance %s at %v, want deleted at %v (when first asked)", in.Status, in.DeletedAt, asked)
	}
	if _, err := w.client.GetInstance(context.Background(), w.in.ProviderID); cloud.Code(err) != cloud.NotFound {
		t.Fatalf("the server is still at the provider: %v", err)
	}
}

// TestIgnoredShutdownIsPoweredOff: DigitalOcean's shutdown is best-effort;
// a server still running ShutdownWait after it was asked is powered off,
// and the action says so.
func TestIgnoredShutdownIsPoweredOff(t *testing.T) {
	w := newWorld(t, webrana.DigitalOcean)
	w.fault(cloudsim.FaultSpec{IgnoreShutdown: true})
	a := w.act(webrana.ActionShutdown, webrana.ActionParams{})
	got := w.settle(a, 1)
	if got.Status != webrana.ActionCompleted || !strings.Contains(got.Note, "did not shut down within 2m0s, so it was powered off") {
		t.Fatalf("ignored shutdown ended %+v", got)
	}
	if st := w.instance().Status; st != webrana.StatusOff {
		t.Fatalf("the server is %s after the power-off, want off", st)
	}
	if n := w.sent("POST", "/v2/droplets/{id}/actions"); n != 2 {
		t.Fatalf("%d actions sent, want the shutdown and one power-off", n)
	}
	if !w.clock.Now().After(*got.SentAt) || w.clock.Now().Sub(*got.SentAt) < lifecycle.DefaultShutdownWait {
		t.Fatalf("powered off %s after the shutdown was sent, want at least %s", w.clock.Now().Sub(*got.SentAt), lifecycle.DefaultShutdownWait)
	}
}

// TestStatusLagIsWaitedOut: a power-off the provider reports completed
// while the server still shows it running is not taken as "running": the
// worker looks again until the server shows off.
func TestStatusLagIsWaitedOut(t *testing.T) {
	for _, p := range webrana.ProviderTypes {
		t.Run(string(p), func(t *testing.T) {
			w := newWorld(t, p)
			w.fault(cloudsim.FaultSpec{StatusLagMS: 40_000})
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

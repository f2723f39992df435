// Package pooltest builds, for the package tests of the services that work
// on provider accounts (provision, lifecycle), a world of real parts on one
// injected clock: the provider simulator behind real HTTP, a real SQLite
// store, and a pool whose accounts are simulator accounts. Nothing is
// mocked; the clock is the only thing a test moves by hand.
package pooltest

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
	"github.com/webrana/webrana/pool"
	"github.com/webrana/webrana/providers"
	"github.com/webrana/webrana/secrets"
	"github.com/webrana/webrana/store"
	"github.com/webrana/webrana/store/storetest"
)

// The simulator's lifecycle delays in a World.
const (
	CreateDelay = 10 * time.Second
	ActionDelay = 5 * time.Second
)

// World is a simulator, a store and a pool on one clock.
type World struct {
	T     testing.TB
	Clock *cloudtest.Clock
	Sim   *cloudsim.Sim
	DB    *store.DB
	Pool  *pool.Service
	Keys  *secrets.Keyring
}

// New starts a simulator on a loopback port and opens a migrated SQLite
// store (NewOn: a store of either engine), both on a clock set to
// 2031-05-01 09:00 UTC. The test fails if anything calls a route the
// simulator does not implement.
func New(t testing.TB) *World {
	t.Helper()
	return NewOn(t, storetest.OpenSQLite(t))
}

// Engines runs fn on a World over SQLite and on one over PostgreSQL (which
// storetest.RequirePostgres skips without a test server).
func Engines(t *testing.T, fn func(t *testing.T, w *World)) {
	t.Run("sqlite", func(t *testing.T) { fn(t, New(t)) })
	t.Run("postgres", func(t *testing.T) { fn(t, NewOn(t, storetest.OpenPostgres(t))) })
}

// NewOn is New over db, a migrated store of either engine.
func NewOn(t testing.TB, db *store.DB) *World {
	t.Helper()
	clock := cloudtest.NewClock(time.Date(2031, 5, 1, 9, 0, 0, 0, time.UTC))
	sim := cloudsim.New(cloudsim.Config{Now: clock.Now, CreateDelay: CreateDelay, ActionDelay: ActionDelay})
	srv := httptest.NewServer(sim.Handler())
	t.Cleanup(srv.Close)
	t.Cleanup(func() { cloudtest.CheckImplemented(t, sim.Stats()) })
	db.Now = clock.Now
	for _, p := range webrana.ProviderTypes {
		if _, err := db.EnsureProvider(context.Background(), p, string(p)); err != nil {
			t.Fatal(err)
		}
	}
	keys := secrets.NewKeyring(secrets.NewKey(), nil)
	opener := providers.New(providers.Config{DB: db, Now: clock.Now, Sleep: clock.Sleep,
		Pacers: cloud.NewPacers(clock.Now, clock.Sleep), SimulatorURL: srv.URL})
	return &World{T: t, Clock: clock, Sim: sim, DB: db, Pool: pool.New(db, keys, opener, &pool.Config{Now: clock.Now}), Keys: keys}
}

// Token is the simulator token of the account named name.
func Token(name string) string { return "token-" + strings.ToLower(strings.ReplaceAll(name, " ", "-")) }

// Account adds a simulator account running foreign servers and the pool
// account for it (healthy, with the simulator's limit and count); its
// token is Token(name).
func (w *World) Account(p webrana.ProviderType, name string, limit, foreign int) *webrana.Account {
	w.T.Helper()
	token := Token(name)
	w.Must(w.Sim.AddAccount(cloudsim.AccountSpec{Provider: string(p), Token: token, Email: token + "@example.com",
		Limit: limit, Instances: foreign}))
	sealed, err := w.Keys.Seal(token)
	w.Must(err)
	a := &webrana.Account{ProviderType: p, Name: name, TokenCiphertext: sealed, IsActive: true, Limit: limit,
		LimitFromProvider: providers.Of(p).Capabilities.PublishesLimit, Active: foreign, Health: webrana.HealthHealthy}
	w.Must(w.DB.CreateAccount(context.Background(), a))
	return a
}

// Client is the pool's provider client of an account.
func (w *World) Client(a *webrana.Account) *cloud.Client {
	w.T.Helper()
	c, err := w.Pool.Client(context.Background(), a)
	w.Must(err)
	return c
}

// Customer adds a customer with a balance of credit (minor units, USD).
func (w *World) Customer(credit int64) *webrana.User {
	w.T.Helper()
	u := &webrana.User{Email: "customer-" + strings.ReplaceAll(w.T.Name(), "/", "-") + "@example.com",
		Role: webrana.RoleCustomer, PasswordHash: "argon2id$x", EmailVerified: true}
	w.Must(w.DB.CreateUser(context.Background(), u))
	if credit > 0 {
		_, err := w.DB.AppendLedger(context.Background(), &webrana.LedgerEntry{UserID: u.ID, Kind: webrana.LedgerCredit,
			Amount: credit, Currency: "USD"})
		w.Must(err)
	}
	return u
}

// Plan adds an active plan of the provider's smallest simulated size.
func (w *World) Plan(p webrana.ProviderType) *webrana.Plan {
	w.T.Helper()
	pl := &webrana.Plan{ProviderType: p, SizeSlug: Size(p), Name: "Small " + string(p), VCPUs: 1, MemoryMB: 1024, DiskGB: 25,
		PriceMonthly: 600, PriceHourly: 1, Currency: "USD", Regions: []string{Region(p)}, IsActive: true}
	w.Must(w.DB.CreatePlan(context.Background(), pl))
	return pl
}

// Region, Size and Image are a small server the simulator offers on each
// provider (cloudsim.Example).
func Region(p webrana.ProviderType) string { return cloudsim.Example(string(p)).Region }
func Size(p webrana.ProviderType) string   { return cloudsim.Example(string(p)).Size }
func Image(p webrana.ProviderType) string  { return cloudsim.Example(string(p)).Image }

// Fault installs a simulator fault.
func (w *World) Fault(f cloudsim.FaultSpec) { w.T.Helper(); w.Must(w.Sim.AddFault(f)) }

// Sent counts the requests with method to paths starting with prefix
// (numeric ids as {id}) that the simulator answered below 400.
func (w *World) Sent(method, prefix string) int {
	n := 0
	for _, r := range w.Sim.Stats().Requests {
		if r.Method == method && strings.HasPrefix(r.Path, prefix) && r.Status < 400 {
			n += r.Count
		}
	}
	return n
}

// Counts returns an account's active and reserved counts as stored.
func (w *World) Counts(a *webrana.Account) (active, reserved int) {
	w.T.Helper()
	got, err := w.DB.AccountByID(context.Background(), a.ID)
	w.Must(err)
	return got.Active, got.Reserved
}

// Job is the River job a worker is given on its attempt-th run of twelve.
func Job[T river.JobArgs](args T, attempt int) *river.Job[T] {
	return &river.Job[T]{JobRow: &rivertype.JobRow{ID: 1, Attempt: attempt, MaxAttempts: 12}, Args: args}
}

// Settle runs work until it stops snoozing, moving the clock by each
// snooze (at least a second), and returns its last error (nil when it
// finished). It fails the test after runs runs.
func (w *World) Settle(runs int, work func() error) error {
	w.T.Helper()
	for range runs {
		err := work()
		var snooze *river.JobSnoozeError
		if !errors.As(err, &snooze) {
			return err
		}
		w.Clock.Advance(max(snooze.Duration, time.Second))
	}
	w.T.Fatalf("still snoozing after %d runs", runs)
	return nil
}

// Must fails the test on an error.
func (w *World) Must(err error) {
	w.T.Helper()
	if err != nil {
		w.T.Fatal(err)
	}
}

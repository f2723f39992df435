package web_test

import (
	"bytes"
	"context"
	"crypto/ed25519"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	"golang.org/x/crypto/ssh"

	"github.com/webrana/webrana"
	"github.com/webrana/webrana/alerts"
	"github.com/webrana/webrana/auth"
	"github.com/webrana/webrana/billing"
	"github.com/webrana/webrana/catalog"
	"github.com/webrana/webrana/cloud"
	"github.com/webrana/webrana/cloud/cloudtest"
	"github.com/webrana/webrana/cloudsim"
	"github.com/webrana/webrana/invoicing"
	"github.com/webrana/webrana/jobs"
	"github.com/webrana/webrana/lifecycle"
	"github.com/webrana/webrana/mail"
	"github.com/webrana/webrana/payments"
	"github.com/webrana/webrana/payments/sandboxpay"
	"github.com/webrana/webrana/plans"
	"github.com/webrana/webrana/pool"
	"github.com/webrana/webrana/providers"
	"github.com/webrana/webrana/provision"
	"github.com/webrana/webrana/revenue"
	"github.com/webrana/webrana/secrets"
	"github.com/webrana/webrana/store"
	"github.com/webrana/webrana/store/storetest"
	"github.com/webrana/webrana/web"
	"github.com/webrana/webrana/web/webtest"
)

// clock is a settable time source shared by the store and auth.
type clock = cloudtest.Clock

// harness is a real server on a real database, served on loopback, with
// the provider simulator behind its catalogs.
type harness struct {
	t      testing.TB
	db     *store.DB
	auth   *auth.Service
	srv    *web.Server
	sim    *cloudsim.Sim
	outbox *mail.Outbox // the operators' Mail page and customers' preferences
	url    string
	clock  *clock
	mail   *mailRecorder // the e-mails auth queued
	keys   *secrets.Keyring
}

// engines runs fn against a fresh harness on SQLite and on PostgreSQL.
func engines(t *testing.T, fn func(t *testing.T, h *harness)) {
	t.Run("sqlite", func(t *testing.T) { t.Parallel(); fn(t, newHarness(t, storetest.OpenSQLite(t), auth.ThrottlePolicy{})) })
	t.Run("postgres", func(t *testing.T) {
		t.Parallel()
		fn(t, newHarness(t, storetest.OpenPostgres(t), auth.ThrottlePolicy{}))
	})
}

// newHarness builds the harness; opts adjust the server's configuration.
func newHarness(t testing.TB, db *store.DB, policy auth.ThrottlePolicy, opts ...func(*web.Config)) *harness {
	t.Helper()
	c := cloudtest.NewClock(time.Date(2031, 5, 1, 9, 0, 0, 0, time.UTC))
	db.Now = c.Now
	keys := secrets.NewKeyring(secrets.NewKey(), nil)
	rec := &mailRecorder{}
	svc := auth.New(db, &auth.Config{Now: c.Now, Throttle: policy, Keys: keys, Mailer: rec})
	sim, opener, source := simSource(t, db, c)
	cat := catalog.New(db, source, &catalog.Config{Now: c.Now})
	// Orders are accepted and their jobs enqueued, never worked: these tests
	// are about the HTTP layer (cmd/webrana's tests run the whole workflow).
	if err := jobs.Migrate(context.Background(), db); err != nil {
		t.Fatal(err)
	}
	queue, err := jobs.New(db, nil)
	if err != nil {
		t.Fatal(err)
	}
	pl := pool.New(db, keys, opener, &pool.Config{Now: c.Now})
	outbox := mail.NewOutbox(db, queue, &mail.Config{BaseURL: "https://panel.example.com", Now: c.Now})
	alertSvc := alerts.New(db, nil, nil, nil)
	// Card top-ups through the sandbox's test gateway (payments_test.go
	// swaps in Stripe at stripe-mock, or none).
	pay, err := payments.New(db, sandboxpay.New(), &payments.Config{BaseURL: "https://panel.example.com", Now: c.Now,
		Mail: outbox, Alerts: alertSvc, Queue: queue})
	if err != nil {
		t.Fatal(err)
	}
	rev := revenue.New(db, cat, &revenue.Config{Now: c.Now, Currency: web.Currency}) // the operator's margin (issue 17 §3)
	cfg := web.Config{Registry: prometheus.NewRegistry(), Auth: svc, Version: "test", Revenue: rev,
		Catalog: cat, Pool: pl, Plans: plans.New(db, cat, &plans.Config{Costs: rev}),
		Orders:    provision.New(db, cat, keys, queue, nil),
		Servers:   lifecycle.New(db, cat, keys, queue),
		Reconcile: lifecycle.NewReconciler(db, pl, nil),
		Metrics:   lifecycle.NewMetrics(db, pl, &lifecycle.MetricsConfig{Now: c.Now}),
		Channels:  alerts.NewChannelSet(db, keys, nil),
		Alerts:    alertSvc,
		Mail:      outbox,
		Payments:  pay,
		Invoices:  invoicing.New(db, &invoicing.Config{Now: c.Now, Mail: outbox}),
		Ledger:    billing.NewLedger(db, billing.NewDunning(db, nil, &billing.DunningConfig{Now: c.Now}), &billing.LedgerConfig{Currency: web.Currency})}
	for _, opt := range opts {
		opt(&cfg)
	}
	srv := web.NewServer(cfg)
	ts := httptest.NewServer(srv.Handler())
	t.Cleanup(ts.Close)
	return &harness{t: t, db: db, auth: svc, srv: srv, sim: sim, outbox: outbox, url: ts.URL, clock: c, mail: rec, keys: keys}
}

// simSource starts a simulator with one account per provider and returns a
// source of clients for them; the provider rows are created too.
func simSource(t testing.TB, db *store.DB, c *clock) (*cloudsim.Sim, *providers.Opener, catalog.Source) {
	t.Helper()
	sim := cloudsim.New(cloudsim.Config{Now: c.Now})
	tokens := map[webrana.ProviderType]string{}
	for _, p := range webrana.ProviderTypes {
		tokens[p] = "token-" + string(p)
		if err := sim.AddAccount(cloudsim.AccountSpec{Provider: string(p), Token: tokens[p], Email: string(p) + "@example.com", Limit: 25, Instances: 3}); err != nil {
			t.Fatal(err)
		}
		if _, err := db.EnsureProvider(context.Background(), p, strings.ToUpper(string(p[:1]))+string(p[1:])); err != nil {
			t.Fatal(err)
		}
	}
	ts := httptest.NewServer(sim.Handler())
	t.Cleanup(ts.Close)
	t.Cleanup(func() { cloudtest.CheckImplemented(t, sim.Stats()) })
	opener := providers.New(providers.Config{DB: db, Now: c.Now, SimulatorURL: ts.URL,
		Pacers: cloud.NewPacers(c.Now, func(context.Context, time.Duration) error { return nil }),
		Sleep:  func(context.Context, time.Duration) error { return nil }})
	return sim, opener, providers.NewStatic(opener, tokens)
}

// client returns a new anonymous client.
func (h *harness) client() *webtest.Client { return webtest.New(h.t, h.url) }

// testPassword is every test user's password.
const testPassword = "correct horse battery"

// user creates a user with testPassword.
func (h *harness) user(email string, role webrana.Role) *webrana.User {
	h.t.Helper()
	hash, err := secrets.HashPassword(testPassword)
	if err != nil {
		h.t.Fatal(err)
	}
	u := &webrana.User{Email: email, Role: role, PasswordHash: hash, EmailVerified: true}
	if err := h.db.CreateUser(context.Background(), u); err != nil {
		h.t.Fatal(err)
	}
	return u
}

// login signs in through the API and returns a client carrying the token.
func (h *harness) login(email string) *webtest.Client {
	h.t.Helper()
	res := h.client().Do("POST", "/api/auth/login", map[string]string{"email": email, "password": testPassword})
	if res.Status != 200 {
		h.t.Fatalf("login %s: %d %s", email, res.Status, res.Body)
	}
	var out struct{ Token string }
	res.JSON(h.t, &out)
	return h.client().WithToken(out.Token)
}

// mustStatus fails the test unless res has the wanted status.
func mustStatus(t *testing.T, res *webtest.Response, want int, what string) {
	t.Helper()
	if res.Status != want {
		t.Fatalf("%s: status %d, want %d; body %s", what, res.Status, want, res.Body)
	}
}

// sqliteHarness is a harness on SQLite, for tests about the HTTP layer
// rather than the engines.
func sqliteHarness(t *testing.T) *harness {
	return newHarness(t, storetest.OpenSQLite(t), auth.ThrottlePolicy{})
}

// testKey is a deterministic ed25519 public key in authorized_keys format.
func testKey(t *testing.T, n byte) string {
	t.Helper()
	seed := bytes.Repeat([]byte{n}, ed25519.SeedSize)
	pub, err := ssh.NewPublicKey(ed25519.NewKeyFromSeed(seed).Public())
	if err != nil {
		t.Fatal(err)
	}
	return strings.TrimSpace(string(ssh.MarshalAuthorizedKey(pub))) + " key" + string('0'+n) + "@example"
}

package pool_test

import (
	"bytes"
	"context"
	"errors"
	"log/slog"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"
	"time"

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

const (
	doToken = "dop_v1_pool_test_token_0001"
	liToken = "linode_pool_test_token_0002"
)

type fixture struct {
	sim    *cloudsim.Sim
	opener *providers.Opener
	db     *store.DB
	pool   *pool.Service
	keys   *secrets.Keyring
	clock  *cloudtest.Clock
	logs   *syncBuffer
}

type syncBuffer struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (s *syncBuffer) Write(p []byte) (int, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.Write(p)
}
func (s *syncBuffer) String() string { s.mu.Lock(); defer s.mu.Unlock(); return s.b.String() }

func setup(t *testing.T, db *store.DB) *fixture {
	t.Helper()
	clock := cloudtest.NewClock(time.Date(2031, 5, 1, 8, 0, 0, 0, time.UTC))
	sim := cloudsim.New(cloudsim.Config{Now: clock.Now})
	must(t, sim.AddAccount(cloudsim.AccountSpec{Provider: "digitalocean", Token: doToken, Email: "do@example.com", Limit: 25, Instances: 20}))
	must(t, sim.AddAccount(cloudsim.AccountSpec{Provider: "linode", Token: liToken, Email: "li@example.com", Instances: 2}))
	srv := httptest.NewServer(sim.Handler())
	t.Cleanup(srv.Close)
	t.Cleanup(func() { cloudtest.CheckImplemented(t, sim.Stats()) })
	db.Now = clock.Now
	for _, p := range webrana.ProviderTypes {
		if _, err := db.EnsureProvider(context.Background(), p, string(p)); err != nil {
			t.Fatal(err)
		}
	}
	logs := &syncBuffer{}
	logger := slog.New(slog.NewTextHandler(logs, &slog.HandlerOptions{Level: slog.LevelDebug}))
	opener := providers.New(providers.Config{DB: db, Pacers: cloud.NewPacers(clock.Now, clock.Sleep), Now: clock.Now,
		Sleep: clock.Sleep, SimulatorURL: srv.URL, Logger: logger})
	keys := secrets.NewKeyring(secrets.NewKey(), nil)
	return &fixture{sim: sim, opener: opener, db: db, pool: pool.New(db, keys, opener, &pool.Config{Now: clock.Now, Logger: logger}), keys: keys, clock: clock, logs: logs}
}

// operator is who makes the tests' changes, as the audit log records them.
var operator = webrana.Actor{Source: "192.0.2.1"}

func must(t *testing.T, err error) {
	t.Helper()
	if err != nil {
		t.Fatal(err)
	}
}

func engines(t *testing.T, fn func(t *testing.T, f *fixture)) {
	t.Run("sqlite", func(t *testing.T) { t.Parallel(); fn(t, setup(t, storetest.OpenSQLite(t))) })
	t.Run("postgres", func(t *testing.T) { t.Parallel(); fn(t, setup(t, storetest.OpenPostgres(t))) })
}

func TestCreateChecksTheTokenLive(t *testing.T) {
	engines(t, func(t *testing.T, f *fixture) {
		ctx := context.Background()
		a, err := f.pool.Create(ctx, operator, pool.AccountInput{ProviderType: webrana.DigitalOcean, Name: " Primary ", Token: doToken, IsPrimary: true})
		must(t, err)
		if a.Name != "Primary" || a.Limit != 25 || !a.LimitFromProvider || a.Active != 20 || a.Email != "do@example.com" ||
			a.Health != webrana.HealthHealthy || !a.IsPrimary || !a.IsActive || a.ProviderStatus != "active" {
			t.Fatalf("created %+v", a)
		}
		if strings.Contains(a.TokenCiphertext, doToken) || a.TokenHint != "…0001" {
			t.Fatalf("token stored as %q with hint %q", a.TokenCiphertext, a.TokenHint)
		}
		if got, err := f.keys.Open(a.TokenCiphertext); err != nil || got != doToken {
			t.Fatalf("sealed token opens to %q, %v", got, err)
		}
		tests := []struct {
			name  string
			in    pool.AccountInput
			field string
		}{
			{"refused token", pool.AccountInput{ProviderType: webrana.DigitalOcean, Name: "X", Token: "dop_v1_wrong"}, "token"},
			{"no token", pool.AccountInput{ProviderType: webrana.DigitalOcean, Name: "X"}, "token"},
			{"no name", pool.AccountInput{ProviderType: webrana.DigitalOcean, Token: doToken}, "name"},
			{"linode needs a limit", pool.AccountInput{ProviderType: webrana.Linode, Name: "L", Token: liToken}, "limit"},
			{"unknown provider", pool.AccountInput{ProviderType: "aws", Name: "X", Token: "t"}, "provider_type"},
		}
		for _, tt := range tests {
			_, err := f.pool.Create(ctx, operator, tt.in)
			var e *webrana.Error
			if !errors.As(err, &e) || e.Code != webrana.EINVALID || e.Field != tt.field {
				t.Errorf("%s: %v, want invalid %s", tt.name, err, tt.field)
			}
		}
		l, err := f.pool.Create(ctx, operator, pool.AccountInput{ProviderType: webrana.Linode, Name: "Linode", Token: liToken, Limit: 10})
		must(t, err)
		if l.Limit != 10 || l.LimitFromProvider || l.Active != 2 {
			t.Fatalf("linode account %+v", l)
		}
		if strings.Contains(f.logs.String(), doToken) || strings.Contains(f.logs.String(), liToken) {
			t.Fatal("a token reached the logs")
		}
	})
}

// TestHealthFollowsTheProvider: one health cycle marks a revoked token
// UNHEALTHY, a warning DEGRADED, a lock UNHEALTHY, an outage DEGRADED, and
// recovery HEALTHY; no order is placed on an unhealthy account meanwhile.
func TestHealthFollowsTheProvider(t *testing.T) {
	engines(t, func(t *testing.T, f *fixture) {
		ctx := context.Background()
		a, err := f.pool.Create(ctx, operator, pool.AccountInput{ProviderType: webrana.DigitalOcean, Name: "A", Token: doToken})
		must(t, err)
		steps := []struct {
			name   string
			change func()
			want   webrana.Health
		}{
			{"revoked", func() { must(t, f.sim.UpdateAccount(doToken, cloudsim.AccountUpdate{Revoked: ptr(true)})) }, webrana.HealthUnhealthy},
			{"restored", func() { must(t, f.sim.UpdateAccount(doToken, cloudsim.AccountUpdate{Revoked: ptr(false)})) }, webrana.HealthHealthy},
			{"warning", func() { must(t, f.sim.UpdateAccount(doToken, cloudsim.AccountUpdate{Status: ptr("warning")})) }, webrana.HealthDegraded},
			{"locked", func() { must(t, f.sim.UpdateAccount(doToken, cloudsim.AccountUpdate{Status: ptr("locked")})) }, webrana.HealthUnhealthy},
			{"active again", func() { must(t, f.sim.UpdateAccount(doToken, cloudsim.AccountUpdate{Status: ptr("active")})) }, webrana.HealthHealthy},
			{"outage", func() { must(t, f.sim.AddFault(cloudsim.FaultSpec{Status: 503})) }, webrana.HealthDegraded},
			{"recovered", func() { f.sim.ClearFaults() }, webrana.HealthHealthy},
		}
		for _, st := range steps {
			st.change()
			f.clock.Advance(pool.HealthEvery)
			n, _ := f.pool.CheckAll(ctx)
			got, err := f.db.AccountByID(ctx, a.ID)
			must(t, err)
			if n != 1 && st.want == webrana.HealthHealthy || got.Health != st.want || got.LastHealthCheckAt == nil || !got.LastHealthCheckAt.Equal(f.clock.Now()) {
				t.Fatalf("%s: health %s (%q), checked %v; want %s now", st.name, got.Health, got.HealthReason, got.LastHealthCheckAt, st.want)
			}
			if st.want == webrana.HealthUnhealthy {
				if _, err := f.db.Reserve(ctx, store.ReserveRequest{Provider: webrana.DigitalOcean, OrderID: "o"}); !errors.Is(err, webrana.ErrNoAvailableAccount) {
					t.Fatalf("%s: reserve on an unhealthy pool: %v", st.name, err)
				}
			}
		}
	})
}

func ptr[T any](v T) *T { return &v }

func TestSyncReadsLimitAndCount(t *testing.T) {
	f := setup(t, storetest.OpenSQLite(t))
	ctx := context.Background()
	a, err := f.pool.Create(ctx, operator, pool.AccountInput{ProviderType: webrana.DigitalOcean, Name: "A", Token: doToken})
	must(t, err)
	must(t, f.sim.UpdateAccount(doToken, cloudsim.AccountUpdate{Limit: ptr(50)}))
	c, err := f.pool.Client(ctx, a)
	must(t, err)
	_, err = c.CreateInstance(ctx, &cloud.CreateRequest{Name: "web", Region: "sgp1", Size: "s-1vcpu-1gb", Image: "ubuntu-24-04-x64"})
	must(t, err)
	f.clock.Advance(time.Minute)
	synced, err := f.pool.Sync(ctx, a.ID)
	must(t, err)
	if synced.Limit != 50 || synced.Active != 21 || synced.LastSyncAt == nil || !synced.LastSyncAt.Equal(f.clock.Now()) {
		t.Fatalf("after sync %+v; want limit 50, 21 servers", synced)
	}
	// A health check reads the account endpoint alone: it learns the
	// limit, and leaves the count to the syncs.
	must(t, f.sim.UpdateAccount(doToken, cloudsim.AccountUpdate{Limit: ptr(60)}))
	_, err = c.CreateInstance(ctx, &cloud.CreateRequest{Name: "web-2", Region: "sgp1", Size: "s-1vcpu-1gb", Image: "ubuntu-24-04-x64"})
	must(t, err)
	f.sim.ResetStats()
	checked, err := f.pool.CheckHealth(ctx, a.ID)
	must(t, err)
	if checked.Limit != 60 || checked.Active != 21 || !checked.LastSyncAt.Equal(synced.LastSyncAt.UTC()) {
		t.Fatalf("after a health check %+v; want limit 60, still 21 servers, the same last sync", checked)
	}
	if n := calls(f.sim); n != 1 {
		t.Fatalf("a health check made %d calls, want 1", n)
	}
}

func TestUpdate(t *testing.T) {
	f := setup(t, storetest.OpenSQLite(t))
	ctx := context.Background()
	do, err := f.pool.Create(ctx, operator, pool.AccountInput{ProviderType: webrana.DigitalOcean, Name: "D", Token: doToken})
	must(t, err)
	li, err := f.pool.Create(ctx, operator, pool.AccountInput{ProviderType: webrana.Linode, Name: "L", Token: liToken, Limit: 5})
	must(t, err)
	if _, err := f.pool.Update(ctx, operator, do.ID, pool.AccountPatch{Limit: ptr(30)}); webrana.ErrorCode(err) != webrana.EINVALID {
		t.Fatalf("editing a provider-set limit: %v", err)
	}
	got, err := f.pool.Update(ctx, operator, li.ID, pool.AccountPatch{Limit: ptr(8), Name: ptr("Linode main"), IsPrimary: ptr(true)})
	must(t, err)
	if got.Limit != 8 || got.Name != "Linode main" || !got.IsPrimary {
		t.Fatalf("updated %+v", got)
	}
	if _, err := f.pool.Update(ctx, operator, do.ID, pool.AccountPatch{Token: ptr("dop_v1_bad")}); webrana.ErrorCode(err) != webrana.EINVALID {
		t.Fatalf("a refused new token: %v", err)
	}
	kept, _ := f.db.AccountByID(ctx, do.ID)
	if tok, _ := f.keys.Open(kept.TokenCiphertext); tok != doToken {
		t.Fatal("a refused token replaced the working one")
	}
}

func TestCatalogSourceUsesTheBestAccount(t *testing.T) {
	f := setup(t, storetest.OpenSQLite(t))
	ctx := context.Background()
	if _, err := f.pool.CatalogSource().Client(ctx, webrana.DigitalOcean); webrana.ErrorCode(err) != webrana.EUNAVAILABLE {
		t.Fatalf("no accounts: %v", err)
	}
	_, err := f.pool.Create(ctx, operator, pool.AccountInput{ProviderType: webrana.DigitalOcean, Name: "A", Token: doToken})
	must(t, err)
	c, err := f.pool.CatalogSource().Client(ctx, webrana.DigitalOcean)
	must(t, err)
	if sizes, err := c.Sizes(ctx); err != nil || len(sizes) == 0 {
		t.Fatalf("sizes through the pool's account: %d, %v", len(sizes), err)
	}
}

// TestAccountChangesAreAudited: adding, changing and deleting an account
// each commit with their audit entry; when the entry cannot be written the
// change is not made either.
func TestAccountChangesAreAudited(t *testing.T) {
	engines(t, func(t *testing.T, f *fixture) {
		ctx := context.Background()
		a, err := f.pool.Create(ctx, operator, pool.AccountInput{ProviderType: webrana.Linode, Name: "L", Token: liToken, Limit: 5})
		must(t, err)
		f.clock.Advance(time.Second) // the log's order is the time's
		_, err = f.pool.Update(ctx, operator, a.ID, pool.AccountPatch{Limit: ptr(8), Name: ptr("L2")})
		must(t, err)
		f.clock.Advance(time.Second)
		must(t, f.pool.Delete(ctx, operator, a.ID))
		entries, _, err := f.db.ListAudit(ctx, store.AuditFilter{TargetID: a.ID})
		must(t, err)
		var got []string
		for _, e := range entries {
			if e.SourceAddr != "192.0.2.1" || e.TargetType != "account" {
				t.Errorf("entry %+v", e)
			}
			got = append([]string{e.Action + " " + e.Detail}, got...) // oldest first
		}
		want := []string{"account.created provider=linode name=L", "account.updated changed limit,name", "account.deleted name=L2"}
		if strings.Join(got, "; ") != strings.Join(want, "; ") {
			t.Fatalf("audit %q, want %q", got, want)
		}

		b, err := f.pool.Create(ctx, operator, pool.AccountInput{ProviderType: webrana.Linode, Name: "B", Token: liToken, Limit: 5})
		must(t, err)
		storetest.RefuseAudits(t, f.db)
		if _, err := f.pool.Create(ctx, operator, pool.AccountInput{ProviderType: webrana.Linode, Name: "C", Token: liToken, Limit: 5}); err == nil {
			t.Fatal("added without an audit")
		}
		if _, err := f.pool.Update(ctx, operator, b.ID, pool.AccountPatch{Limit: ptr(9), IsPrimary: ptr(true)}); err == nil {
			t.Fatal("changed without an audit")
		}
		if err := f.pool.Delete(ctx, operator, b.ID); err == nil {
			t.Fatal("deleted without an audit")
		}
		all, err := f.pool.Accounts(ctx, "")
		must(t, err)
		if len(all) != 1 || all[0].ID != b.ID || all[0].Limit != 5 || all[0].IsPrimary {
			t.Fatalf("accounts after refused audits: %+v; want B as it was", all)
		}
	})
}

package pool_test

import (
	"context"
	"fmt"
	"sync"
	"testing"
	"time"

	"github.com/webrana/webrana"
	"github.com/webrana/webrana/cloud"
	"github.com/webrana/webrana/cloudsim"
	"github.com/webrana/webrana/pool"
)

// accounts adds n simulator accounts of provider p running servers each,
// and the pool's accounts for them: healthy, synced and checked now.
func (f *fixture) accounts(t *testing.T, p webrana.ProviderType, n, servers int) []*webrana.Account {
	t.Helper()
	out := make([]*webrana.Account, n)
	for i := range n {
		token, email := fmt.Sprintf("%s-token-%d", p, i), fmt.Sprintf("%s-%d@example.com", p, i)
		must(t, f.sim.AddAccount(cloudsim.AccountSpec{Provider: string(p), Token: token, Email: email, Limit: 500, Instances: servers}))
		sealed, err := f.keys.Seal(token)
		must(t, err)
		now := f.clock.Now()
		a := &webrana.Account{ProviderType: p, Name: fmt.Sprint(p, "-", i), Email: email, TokenCiphertext: sealed,
			IsActive: true, Limit: 500, LimitFromProvider: p == webrana.DigitalOcean, Health: webrana.HealthHealthy,
			LastSyncAt: &now, LastHealthCheckAt: &now}
		must(t, f.db.CreateAccount(context.Background(), a))
		out[i] = a
	}
	return out
}

// callsOf counts the requests the simulator answered for the account with
// the given e-mail, by path ("" for all).
func callsOf(sim *cloudsim.Sim, email, path string) int {
	n := 0
	for _, r := range sim.Stats().Requests {
		if r.Account == email && (path == "" || r.Path == path) {
			n += r.Count
		}
	}
	return n
}

// calls counts every request the simulator answered.
func calls(sim *cloudsim.Sim) int {
	n := 0
	for _, r := range sim.Stats().Requests {
		n += r.Count
	}
	return n
}

func (f *fixture) account(t *testing.T, id string) *webrana.Account {
	t.Helper()
	a, err := f.db.AccountByID(context.Background(), id)
	must(t, err)
	return a
}

// TestHealthRidesOnCalls: a call the provider answers through the pool's
// client is the account's health check: the next health cycle makes no
// call for it and one for an idle account; a refused token on such a call
// marks the account UNHEALTHY at once, and the cycle then checks it (and
// clears it when the token works again).
func TestHealthRidesOnCalls(t *testing.T) {
	engines(t, func(t *testing.T, f *fixture) {
		ctx := context.Background()
		accts := f.accounts(t, webrana.DigitalOcean, 2, 3)
		busy, idle := accts[0], accts[1]
		f.clock.Advance(pool.HealthEvery)
		if n, err := f.pool.HealthCycle(ctx); err != nil || n != 2 {
			t.Fatalf("first cycle called %d accounts, %v; want both (their status never read)", n, err)
		}
		f.clock.Advance(40 * time.Second)
		c, err := f.pool.Client(ctx, busy)
		must(t, err)
		servers, err := c.ListInstances(ctx, cloud.ListOptions{Tag: "webrana-order-x"})
		must(t, err)
		rode := f.clock.Now()
		if got := f.account(t, busy.ID).LastHealthCheckAt; got == nil || !got.Equal(rode) {
			t.Fatalf("after a call the provider answered (%d servers), last health check %v; want %v", len(servers), got, rode)
		}
		f.clock.Advance(20 * time.Second)
		f.sim.ResetStats()
		if n, err := f.pool.HealthCycle(ctx); err != nil || n != 1 {
			t.Fatalf("second cycle called %d accounts, %v; want 1", n, err)
		}
		if got := callsOf(f.sim, busy.Email, ""); got != 0 {
			t.Fatalf("the cycle made %d calls for the account heard from 20 s ago, want 0", got)
		}
		if got, want := callsOf(f.sim, idle.Email, ""), callsOf(f.sim, idle.Email, "/v2/account"); got != 1 || want != 1 {
			t.Fatalf("the cycle made %d calls (%d to /v2/account) for the idle account, want exactly 1 to /v2/account", got, want)
		}
		if got := f.account(t, idle.ID).LastHealthCheckAt; got == nil || !got.Equal(f.clock.Now()) {
			t.Fatalf("idle account checked at %v, want now", got)
		}

		// The token is revoked: the next call through the client says so.
		must(t, f.sim.UpdateAccount("digitalocean-token-0", cloudsim.AccountUpdate{Revoked: ptr(true)}))
		f.clock.Advance(5 * time.Second)
		if _, err := c.GetInstance(ctx, "1"); cloud.Code(err) != cloud.Unauthorized {
			t.Fatalf("a call with a revoked token: %v", err)
		}
		if got := f.account(t, busy.ID); got.Health != webrana.HealthUnhealthy || got.HealthReason == "" {
			t.Fatalf("after a refused token: %s (%q), want UNHEALTHY with a reason", got.Health, got.HealthReason)
		}
		f.clock.Advance(pool.HealthEvery)
		f.sim.ResetStats()
		_, _ = f.pool.HealthCycle(ctx)
		// (the simulator counts a refused token's request under no account)
		if got, h := callsOf(f.sim, "", "/v2/account"), f.account(t, busy.ID).Health; got != 1 || h != webrana.HealthUnhealthy {
			t.Fatalf("the unhealthy account: %d account reads, then %s; want 1, still UNHEALTHY", got, h)
		}
		must(t, f.sim.UpdateAccount("digitalocean-token-0", cloudsim.AccountUpdate{Revoked: ptr(false)}))
		f.clock.Advance(pool.HealthEvery)
		f.sim.ResetStats()
		_, err = f.pool.HealthCycle(ctx)
		must(t, err)
		if got := f.account(t, busy.ID); got.Health != webrana.HealthHealthy || callsOf(f.sim, busy.Email, "/v2/account") != 1 {
			t.Fatalf("token restored: %s after %d account reads; want HEALTHY after one", got.Health, callsOf(f.sim, busy.Email, "/v2/account"))
		}
	})
}

// TestSyncCycleIsOneList: with up to 200 servers an account's sync is one
// call, a list, which refreshes its count; the health job of the same
// minute, run before or after it, adds no call.
func TestSyncCycleIsOneList(t *testing.T) {
	for _, order := range []string{"sync first", "health first", "together"} {
		t.Run(order, func(t *testing.T) {
			engines(t, func(t *testing.T, f *fixture) {
				ctx := context.Background()
				accts := append(f.accounts(t, webrana.DigitalOcean, 2, 200), f.accounts(t, webrana.Linode, 2, 150)...)
				for _, a := range accts { // Webrana's count is wrong until the sync
					if a.Active != 0 {
						t.Fatalf("account %s starts with %d servers", a.Name, a.Active)
					}
				}
				f.clock.Advance(pool.SyncEvery)
				f.sim.ResetStats()
				cycles := []func(context.Context) (int, error){f.pool.SyncCycle, f.pool.HealthCycle}
				if order == "health first" {
					cycles[0], cycles[1] = cycles[1], cycles[0]
				}
				var called [2]int
				var errs [2]error
				if order == "together" { // as River may run the two jobs
					var wg sync.WaitGroup
					for i, cycle := range cycles {
						wg.Go(func() { called[i], errs[i] = cycle(ctx) })
					}
					wg.Wait()
				} else {
					for i, cycle := range cycles {
						called[i], errs[i] = cycle(ctx)
					}
				}
				if errs[0] != nil || errs[1] != nil || called[0]+called[1] != len(accts) || order != "together" && called[1] != 0 {
					t.Fatalf("the cycles called %v accounts (%v); want %d in all, by the first", called, errs, len(accts))
				}
				for _, a := range accts {
					list := map[webrana.ProviderType]string{webrana.DigitalOcean: "/v2/droplets", webrana.Linode: "/v4/linode/instances"}[a.ProviderType]
					got := f.account(t, a.ID)
					want := map[webrana.ProviderType]int{webrana.DigitalOcean: 200, webrana.Linode: 150}[a.ProviderType]
					if all, lists := callsOf(f.sim, a.Email, ""), callsOf(f.sim, a.Email, list); all != 1 || lists != 1 {
						t.Errorf("%s: %d calls (%d lists of %s), want exactly one list", a.Name, all, lists, list)
					}
					if got.Active != want || got.LastSyncAt == nil || !got.LastSyncAt.Equal(f.clock.Now()) {
						t.Errorf("%s after the sync: %d servers, synced %v; want %d now", a.Name, got.Active, got.LastSyncAt, want)
					}
				}
			})
		})
	}
}

// TestCyclesOverTenMinutes: a busy account (a call answered every
// minute) and an idle one through ten minutes of health cycles each
// minute and syncs each five: never more than one cycle call per account
// per minute, none at all for the busy one but its syncs and the reads of
// its account endpoint, which comes at least every six minutes.
func TestCyclesOverTenMinutes(t *testing.T) {
	engines(t, func(t *testing.T, f *fixture) {
		ctx := context.Background()
		accts := f.accounts(t, webrana.DigitalOcean, 2, 5)
		busy, idle := accts[0], accts[1]
		c, err := f.pool.Client(ctx, busy)
		must(t, err)
		var busyCalls, idleCalls, lastRead int
		for minute := 1; minute <= 10; minute++ {
			f.clock.Advance(pool.HealthEvery - 10*time.Second)
			_, err := c.ListInstances(ctx, cloud.ListOptions{Tag: "webrana-order-x"}) // the busy account's own work
			must(t, err)
			f.clock.Advance(10 * time.Second)
			f.sim.ResetStats()
			if minute%5 == 0 {
				_, err = f.pool.SyncCycle(ctx)
				must(t, err)
			}
			_, err = f.pool.HealthCycle(ctx)
			must(t, err)
			b, i := callsOf(f.sim, busy.Email, ""), callsOf(f.sim, idle.Email, "")
			if b > 1 || i != 1 {
				t.Fatalf("minute %d: %d cycle calls for the busy account, %d for the idle one; want at most 1, exactly 1", minute, b, i)
			}
			if callsOf(f.sim, busy.Email, "/v2/account") == 1 {
				lastRead = minute
			}
			if minute-lastRead > 6 {
				t.Fatalf("minute %d: the busy account's endpoint was last read at minute %d", minute, lastRead)
			}
			busyCalls, idleCalls = busyCalls+b, idleCalls+i
		}
		if busyCalls > 4 || idleCalls != 10 {
			t.Fatalf("over ten minutes: %d cycle calls for the busy account, %d for the idle one; want at most 4 (2 syncs, 2 reads) and 10",
				busyCalls, idleCalls)
		}
	})
}

// TestConcurrentCycleChecksEveryAccountOnce: 40 accounts checked 4 at a
// time are each called exactly once; one failing account does not stop
// the others.
func TestConcurrentCycleChecksEveryAccountOnce(t *testing.T) {
	engines(t, func(t *testing.T, f *fixture) {
		ctx := context.Background()
		accts := append(f.accounts(t, webrana.DigitalOcean, 20, 1), f.accounts(t, webrana.Linode, 20, 1)...)
		must(t, f.sim.AddFault(cloudsim.FaultSpec{Token: "linode-token-7", Status: 500}))
		p := pool.New(f.db, f.keys, f.opener, &pool.Config{Now: f.clock.Now, Concurrency: 4})
		f.sim.ResetStats()
		start := f.clock.Now() // the failing account's retries move the clock on
		n, err := p.CheckAll(ctx)
		if n != len(accts) || err != nil {
			t.Fatalf("checked %d accounts, %v; want all %d (a 500 makes one DEGRADED, not an error)", n, err, len(accts))
		}
		for _, a := range accts {
			reads := callsOf(f.sim, a.Email, "/v2/account") + callsOf(f.sim, a.Email, "/v4/account")
			if a.Name == "linode-7" {
				if got := f.account(t, a.ID); got.Health != webrana.HealthDegraded || reads < 1 {
					t.Errorf("failing account: %s after %d reads", got.Health, reads)
				}
				continue
			}
			if all := callsOf(f.sim, a.Email, ""); all != 1 || reads != 1 {
				t.Errorf("%s: %d calls (%d account reads), want exactly one", a.Name, all, reads)
			}
			if got := f.account(t, a.ID); got.Health != webrana.HealthHealthy || got.LastHealthCheckAt.Before(start) {
				t.Errorf("%s: %s, checked %v", a.Name, got.Health, got.LastHealthCheckAt)
			}
		}
		// The account whose database row cannot be read is an error of
		// its own; the others are still checked.
		f.sim.ResetStats()
		must(t, f.sim.UpdateAccount("digitalocean-token-3", cloudsim.AccountUpdate{Revoked: ptr(true)}))
		f.clock.Advance(pool.HealthEvery)
		n, err = p.HealthCycle(ctx)
		if n != len(accts) || err != nil {
			t.Fatalf("health cycle called %d accounts, %v; want all %d", n, err, len(accts))
		}
	})
}

// TestSyncOfARefusedToken: an operator's sync of an account whose token
// is refused records it UNHEALTHY and lists nothing, even at the instant
// of an earlier sync that worked.
func TestSyncOfARefusedToken(t *testing.T) {
	engines(t, func(t *testing.T, f *fixture) {
		ctx := context.Background()
		a := f.accounts(t, webrana.Linode, 1, 2)[0]
		synced, err := f.pool.Sync(ctx, a.ID)
		must(t, err)
		if synced.Active != 2 || synced.Health != webrana.HealthHealthy {
			t.Fatalf("first sync: %d servers, %s", synced.Active, synced.Health)
		}
		must(t, f.sim.UpdateAccount("linode-token-0", cloudsim.AccountUpdate{Revoked: ptr(true)}))
		f.sim.ResetStats()
		got, err := f.pool.Sync(ctx, a.ID)
		if err != nil || got.Health != webrana.HealthUnhealthy || got.Active != 2 {
			t.Fatalf("sync with a refused token: %+v, %v; want UNHEALTHY, the count kept, no error", got, err)
		}
		if n := calls(f.sim); n != 1 {
			t.Fatalf("%d calls, want the one refused", n)
		}
	})
}

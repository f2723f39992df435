package storetest

import (
	"errors"
	"fmt"
	"sync"
	"testing"
	"time"

	"github.com/webrana/webrana"
	"github.com/webrana/webrana/store"
)

// pool makes accounts of a provider with the given names, limits, active
// counts, health and flags.
type poolAccount struct {
	name          string
	limit, active int
	health        webrana.Health
	primary       bool
	inactive      bool
}

func mustPool(t *testing.T, db *store.DB, typ webrana.ProviderType, accounts ...poolAccount) map[string]string {
	t.Helper()
	ids := map[string]string{}
	for _, pa := range accounts {
		a := mustAccount(t, db, typ, pa.name, func(a *webrana.Account) {
			a.Limit, a.Active, a.IsPrimary, a.IsActive = pa.limit, pa.active, pa.primary, !pa.inactive
			a.Health = pa.health
			if a.Health == "" {
				a.Health = webrana.HealthHealthy
			}
		})
		ids[pa.name] = a.ID
	}
	return ids
}

// release gives a reservation back the way the order worker does: by ending
// its order's attempt.
func release(t *testing.T, db *store.DB, r *webrana.Reservation) {
	t.Helper()
	must(t, db.EndAttempt(t.Context(), r.OrderID, webrana.AttemptInterrupted, ""))
}

// mustOrder places an order of a new customer on a new plan of typ.
func mustOrder(t *testing.T, db *store.DB, typ webrana.ProviderType) *webrana.Order {
	t.Helper()
	o, err := db.PlaceOrder(t.Context(), store.NewOrder{Instance: newInstance(mustUser(t, db), mustPlan(t, db, typ, unique("plan-")))}, nil)
	must(t, err)
	return o
}

func reserve(t *testing.T, db *store.DB, req store.ReserveRequest) (*webrana.Reservation, error) {
	t.Helper()
	if req.OrderID == "" {
		req.OrderID = unique("order-")
	}
	return db.Reserve(t.Context(), req)
}

var _ = register("ReserveStrategies", func(t *testing.T, db *store.DB) {
	ids := mustPool(t, db, webrana.DigitalOcean,
		poolAccount{name: "Primary", limit: 25, active: 20, primary: true},
		poolAccount{name: "Account 2", limit: 25, active: 5},
		poolAccount{name: "Account 3", limit: 25, active: 25})
	mustPool(t, db, webrana.Linode, poolAccount{name: "Linode", limit: 10})
	tests := []struct {
		strategy string
		want     string
	}{
		{webrana.StrategySpread, "Account 2"}, // lowest utilisation
		{webrana.StrategyFill, "Primary"},     // primary first
		{"", "Account 2"},                     // spread is the default
	}
	for _, tt := range tests {
		r, err := reserve(t, db, store.ReserveRequest{Provider: webrana.DigitalOcean, Strategy: tt.strategy})
		must(t, err)
		if r.AccountID != ids[tt.want] {
			t.Errorf("strategy %q chose %s, want %s", tt.strategy, r.AccountID, tt.want)
		}
		release(t, db, r)
	}
})

var _ = register("ReserveFillWithoutPrimaryTakesTheFullestThatFits", func(t *testing.T, db *store.DB) {
	ids := mustPool(t, db, webrana.DigitalOcean,
		poolAccount{name: "A", limit: 10, active: 2},
		poolAccount{name: "B", limit: 10, active: 8},
		poolAccount{name: "C", limit: 10, active: 10})
	r, err := reserve(t, db, store.ReserveRequest{Provider: webrana.DigitalOcean, Strategy: webrana.StrategyFill})
	must(t, err)
	if r.AccountID != ids["B"] {
		t.Fatalf("fill chose %s, want B (fullest with room)", r.AccountID)
	}
})

var _ = register("ReserveSkipsUnusableAccounts", func(t *testing.T, db *store.DB) {
	ids := mustPool(t, db, webrana.DigitalOcean,
		poolAccount{name: "Unhealthy", limit: 25, health: webrana.HealthUnhealthy},
		poolAccount{name: "Degraded", limit: 25, active: 1, health: webrana.HealthDegraded},
		poolAccount{name: "Off", limit: 25, inactive: true},
		poolAccount{name: "Unknown", limit: 25, active: 20, health: webrana.HealthUnknown})
	r, err := reserve(t, db, store.ReserveRequest{Provider: webrana.DigitalOcean})
	must(t, err)
	if r.AccountID != ids["Unknown"] {
		t.Fatalf("chose %s, want the only usable account (UNKNOWN health is usable)", r.AccountID)
	}
	r, err = reserve(t, db, store.ReserveRequest{Provider: webrana.DigitalOcean, AllowDegraded: true})
	must(t, err)
	if r.AccountID != ids["Degraded"] {
		t.Fatalf("with degraded allowed chose %s, want the emptier degraded account", r.AccountID)
	}
	if _, err := reserve(t, db, store.ReserveRequest{Provider: webrana.Linode}); !errors.Is(err, webrana.ErrNoAvailableAccount) {
		t.Fatalf("provider without accounts: %v, want ErrNoAvailableAccount", err)
	}
})

var _ = register("ReserveSkipsAccountsThatRefusedTheOrder", func(t *testing.T, db *store.DB) {
	ctx := t.Context()
	clk := useClock(db)
	ids := mustPool(t, db, webrana.DigitalOcean,
		poolAccount{name: "Best", limit: 25},
		poolAccount{name: "Next", limit: 25, active: 10})
	owner := mustUser(t, db)
	order, err := db.PlaceOrder(ctx, store.NewOrder{Instance: newInstance(owner, mustPlan(t, db, webrana.DigitalOcean, "S"))}, nil)
	must(t, err)
	reserveFor := func() (*webrana.Reservation, error) {
		return reserve(t, db, store.ReserveRequest{Provider: webrana.DigitalOcean, OrderID: order.ID})
	}
	refuse := func(account, outcome string) {
		_, err := db.BeginAttempt(ctx, order.ID, account)
		must(t, err)
		must(t, db.EndAttempt(ctx, order.ID, outcome, "refused"))
	}
	// An attempt that ended without a refusal says nothing of the account.
	refuse(ids["Best"], webrana.AttemptInterrupted)
	r, err := reserveFor()
	must(t, err)
	if r.AccountID != ids["Best"] {
		t.Fatalf("after an interrupted attempt chose %s, want the best account again", r.AccountID)
	}
	release(t, db, r)

	refuse(ids["Best"], webrana.AttemptQuotaExceeded)
	r, err = reserveFor()
	must(t, err)
	if r.AccountID != ids["Next"] {
		t.Fatalf("retry chose %s, want the account that did not refuse", r.AccountID)
	}
	release(t, db, r)
	refuse(ids["Next"], webrana.AttemptUnauthorized)
	if _, err := reserveFor(); !errors.Is(err, webrana.ErrNoAvailableAccount) {
		t.Fatalf("every account refused: %v, want ErrNoAvailableAccount", err)
	}
	// Refusals are forgotten after the window: a held order tries again.
	clk.Advance(store.DefaultRetryRefusedAfter + time.Second)
	r, err = reserveFor()
	must(t, err)
	if r.AccountID != ids["Best"] {
		t.Fatalf("after the refusal window chose %s, want the best account", r.AccountID)
	}
})

var _ = register("ReserveFullPoolIsAllAccountsFull", func(t *testing.T, db *store.DB) {
	ctx := t.Context()
	ids := mustPool(t, db, webrana.DigitalOcean, poolAccount{name: "A", limit: 2, active: 1}, poolAccount{name: "B", limit: 3, active: 3})
	o := mustOrder(t, db, webrana.DigitalOcean)
	r, err := reserve(t, db, store.ReserveRequest{Provider: webrana.DigitalOcean, OrderID: o.ID})
	must(t, err)
	if _, err := reserve(t, db, store.ReserveRequest{Provider: webrana.DigitalOcean}); !errors.Is(err, webrana.ErrAllAccountsFull) {
		t.Fatalf("full pool: %v, want ErrAllAccountsFull", err)
	}
	// Recording the order's server makes the slot a running server.
	must(t, db.RecordServer(ctx, o.ID, r.AccountID, "srv-1"))
	if active, reserved := accountCounts(t, db, ids["A"]); active != 2 || reserved != 0 {
		t.Fatalf("after the server was recorded: active %d reserved %d, want 2 and 0", active, reserved)
	}
	// Recording it again, or giving back a slot the order no longer
	// holds, changes nothing.
	must(t, db.RecordServer(ctx, o.ID, r.AccountID, "srv-1"))
	must(t, db.EndAttempt(ctx, o.ID, webrana.AttemptInterrupted, ""))
	if active, reserved := accountCounts(t, db, ids["A"]); active != 2 || reserved != 0 {
		t.Fatalf("a second record and a release changed the counts: active %d reserved %d", active, reserved)
	}
})

var _ = register("ExpiredReservationsFreeTheirSlots", func(t *testing.T, db *store.DB) {
	clock := useClock(db)
	ids := mustPool(t, db, webrana.DigitalOcean, poolAccount{name: "One", limit: 1})
	r, err := reserve(t, db, store.ReserveRequest{Provider: webrana.DigitalOcean, TTL: 5 * time.Minute})
	must(t, err)
	if r.ExpiresAt.Sub(r.CreatedAt) != 5*time.Minute {
		t.Fatalf("reservation lives %v, want 5m", r.ExpiresAt.Sub(r.CreatedAt))
	}
	clock.Advance(4 * time.Minute)
	n, err := db.ReleaseExpiredReservations(t.Context())
	must(t, err)
	if n != 0 {
		t.Fatalf("released %d live reservations", n)
	}
	clock.Advance(time.Minute)
	n, err = db.ReleaseExpiredReservations(t.Context())
	must(t, err)
	if a, _ := db.AccountByID(t.Context(), ids["One"]); n != 1 || a.Reserved != 0 {
		t.Fatalf("after expiry released %d, reserved %d; want 1 and 0", n, a.Reserved)
	}
	if _, err := reserve(t, db, store.ReserveRequest{Provider: webrana.DigitalOcean}); err != nil {
		t.Fatalf("the freed slot is not reservable: %v", err)
	}
})

// ConcurrentReservationsNeverOversubscribe: 64 goroutines reserve against
// accounts with 1–3 free slots each; exactly the free slots are taken, no
// account exceeds its limit, and every other reserver is told the pool is
// full.
var _ = register("ConcurrentReservationsNeverOversubscribe", func(t *testing.T, db *store.DB) {
	free := []int{1, 2, 3, 1, 2, 3, 2}
	var accounts []poolAccount
	total := 0
	for i, f := range free {
		accounts = append(accounts, poolAccount{name: fmt.Sprint("acct", i), limit: 25, active: 25 - f})
		total += f
	}
	ids := mustPool(t, db, webrana.DigitalOcean, accounts...)
	var mu sync.Mutex
	got := map[string]int{}
	full, other := 0, 0
	var wg sync.WaitGroup
	for i := range 64 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			r, err := db.Reserve(t.Context(), store.ReserveRequest{Provider: webrana.DigitalOcean, OrderID: fmt.Sprint("order-", i)})
			mu.Lock()
			defer mu.Unlock()
			switch {
			case err == nil:
				got[r.AccountID]++
			case errors.Is(err, webrana.ErrAllAccountsFull):
				full++
			default:
				other++
				t.Errorf("reserve: %v", err)
			}
		}()
	}
	wg.Wait()
	taken := 0
	for i, f := range free {
		id := ids[fmt.Sprint("acct", i)]
		a, err := db.AccountByID(t.Context(), id)
		must(t, err)
		if got[id] != f || a.Reserved != f || a.Active+a.Reserved > a.Limit {
			t.Errorf("account %d: %d reservations, reserved %d, active %d, limit %d; want exactly its %d free slots",
				i, got[id], a.Reserved, a.Active, a.Limit, f)
		}
		taken += got[id]
	}
	if taken != total || full != 64-total || other != 0 {
		t.Fatalf("%d reserved of %d free, %d told full, %d other errors", taken, total, full, other)
	}
})

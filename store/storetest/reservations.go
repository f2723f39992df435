package storetest

import (
	"context"
	"database/sql"
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

// ReserveUnderContentionTakesEverySlotOnce: many reservers at once on many
// accounts with one free slot each. They all start from the same best
// account, so most find their first choice taken and must go on to the
// next untried one: every slot is taken exactly once, none beyond a limit,
// and only the reservers left over are told the pool is full.
var _ = register("ReserveUnderContentionTakesEverySlotOnce", func(t *testing.T, db *store.DB) {
	const accounts, reservers = 30, 48
	var pool []poolAccount
	for i := range accounts {
		pool = append(pool, poolAccount{name: fmt.Sprintf("n%02d", i), limit: 2, active: 1})
	}
	ids := mustPool(t, db, webrana.DigitalOcean, pool...)
	var mu sync.Mutex
	got := map[string]int{}
	full := 0
	var wg sync.WaitGroup
	for i := range reservers {
		wg.Add(1)
		go func() {
			defer wg.Done()
			strategy := webrana.StrategySpread
			if i%2 == 1 {
				strategy = webrana.StrategyFill
			}
			r, err := db.Reserve(t.Context(), store.ReserveRequest{Provider: webrana.DigitalOcean, OrderID: fmt.Sprint("order-", i), Strategy: strategy})
			mu.Lock()
			defer mu.Unlock()
			switch {
			case err == nil:
				got[r.AccountID]++
			case errors.Is(err, webrana.ErrAllAccountsFull):
				full++
			default:
				t.Errorf("reserve: %v", err)
			}
		}()
	}
	wg.Wait()
	for name, id := range ids {
		a, err := db.AccountByID(t.Context(), id)
		must(t, err)
		if got[id] != 1 || a.Reserved != 1 || a.Active+a.Reserved > a.Limit {
			t.Errorf("account %s: %d reservations, reserved %d, active %d, limit %d; want its one free slot taken once",
				name, got[id], a.Reserved, a.Active, a.Limit)
		}
	}
	if full != reservers-accounts {
		t.Fatalf("%d reservers told the pool is full, want %d (one per reserver beyond the %d free slots)", full, reservers-accounts, accounts)
	}
})

// ReserveFollowsTheStrategyAsCountsChange: reservation after reservation,
// through releases and changes of limit, health and state, each strategy
// chooses what a plain reading of its order over every account would:
// spread the lowest utilisation (ties: the primary, then by name), fill
// the primary and then the fullest that fits. Accounts enter and leave
// the candidates as their counts and settings change, and an account with
// a limit of 0 is never chosen.
var _ = register("ReserveFollowsTheStrategyAsCountsChange", func(t *testing.T, db *store.DB) {
	ctx := t.Context()
	type model struct {
		name                    string
		limit, active, reserved int
		primary, off, unhealthy bool
	}
	pool := []*model{
		{name: "n01", limit: 4, active: 1}, {name: "n02", limit: 2, active: 1, primary: true},
		{name: "n03", limit: 6, active: 2}, {name: "n04", limit: 3}, {name: "n05", limit: 0},
		{name: "n06", limit: 4, active: 1}, {name: "n07", limit: 8, active: 7}, {name: "n08", limit: 5, off: true},
		{name: "n09", limit: 5, unhealthy: true},
	}
	var specs []poolAccount
	for _, m := range pool {
		h := webrana.HealthHealthy
		if m.unhealthy {
			h = webrana.HealthUnhealthy
		}
		specs = append(specs, poolAccount{name: m.name, limit: m.limit, active: m.active, primary: m.primary, inactive: m.off, health: h})
	}
	ids := mustPool(t, db, webrana.DigitalOcean, specs...)
	// before reports whether a comes before b in the strategy's order.
	before := func(strategy string, a, b *model) bool {
		// a's utilisation against b's, exactly: (ua/la) vs (ub/lb).
		cmp := (a.active+a.reserved)*b.limit - (b.active+b.reserved)*a.limit
		if strategy == webrana.StrategyFill {
			if a.primary != b.primary {
				return a.primary
			}
			cmp = -cmp
		} else if cmp == 0 && a.primary != b.primary {
			return a.primary
		}
		if cmp != 0 {
			return cmp < 0
		}
		return a.name < b.name
	}
	best := func(strategy string) *model {
		var out *model
		for _, m := range pool {
			if m.off || m.unhealthy || m.active+m.reserved >= m.limit {
				continue
			}
			if out == nil || before(strategy, m, out) {
				out = m
			}
		}
		return out
	}
	held := map[*model][]*webrana.Reservation{}
	reserveNext := func(step int, strategy string) {
		t.Helper()
		want := best(strategy)
		r, err := reserve(t, db, store.ReserveRequest{Provider: webrana.DigitalOcean, Strategy: strategy})
		if want == nil {
			if !errors.Is(err, webrana.ErrAllAccountsFull) {
				t.Fatalf("step %d (%s): %v, want ErrAllAccountsFull", step, strategy, err)
			}
			return
		}
		must(t, err)
		if r.AccountID != ids[want.name] {
			t.Fatalf("step %d (%s): chose %s, want %s", step, strategy, r.AccountID, want.name)
		}
		want.reserved++
		held[want] = append(held[want], r)
	}
	find := func(name string) *model {
		for _, m := range pool {
			if m.name == name {
				return m
			}
		}
		panic(name)
	}
	strategies := []string{webrana.StrategySpread, webrana.StrategyFill}
	for step := range 40 {
		switch step {
		case 8: // a slot given back
			m := find("n03")
			release(t, db, held[m][0])
			held[m] = held[m][1:]
			m.reserved--
		case 12: // the account without a limit gets one
			_, err := db.UpdateAccount(ctx, ids["n05"], store.AccountUpdate{Limit: ptr(6)})
			must(t, err)
			find("n05").limit = 6
		case 16: // the unhealthy and the inactive one come back, another falls ill
			_, err := db.UpdateAccount(ctx, ids["n09"], store.AccountUpdate{Health: ptr(webrana.HealthHealthy)})
			must(t, err)
			_, err = db.UpdateAccount(ctx, ids["n08"], store.AccountUpdate{IsActive: ptr(true)})
			must(t, err)
			_, err = db.UpdateAccount(ctx, ids["n06"], store.AccountUpdate{Health: ptr(webrana.HealthUnhealthy)})
			must(t, err)
			find("n09").unhealthy, find("n08").off, find("n06").unhealthy = false, false, true
		case 24: // a lower limit leaves the primary full
			_, err := db.UpdateAccount(ctx, ids["n02"], store.AccountUpdate{Limit: ptr(1)})
			must(t, err)
			find("n02").limit = 1
		}
		reserveNext(step, strategies[step%2])
	}
	if best(webrana.StrategySpread) != nil {
		t.Fatal("the pool was not filled: the test ends before its last case")
	}
})

// ReserveGoesOnWhenItsChoiceFillsUp: two reservers choose the best account
// while another transaction holds its row and leaves it full; once that
// commits, both find their choice full under the lock and must go on to
// the next accounts, one slot each. On PostgreSQL the reservers are held
// at the row lock for certain (the test waits until the database shows
// them waiting); SQLite has one writer, so there they run after the
// change and choose the next accounts at once.
var _ = register("ReserveGoesOnWhenItsChoiceFillsUp", func(t *testing.T, db *store.DB) {
	ctx := t.Context()
	ids := mustPool(t, db, webrana.DigitalOcean,
		poolAccount{name: "n00", limit: 2, active: 1}, poolAccount{name: "n01", limit: 2, active: 1},
		poolAccount{name: "n02", limit: 2, active: 1}, poolAccount{name: "n03", limit: 2, active: 1})
	type result struct {
		r   *webrana.Reservation
		err error
	}
	results := make(chan result, 2)
	done := make(chan struct{})
	// On PostgreSQL the database is watched on a connection of its own,
	// taken first, so that the reservers and the change never wait for one
	// (SQLite has one connection, and nothing to watch).
	var watch *sql.Conn
	if db.Engine() == store.Postgres {
		var err error
		watch, err = db.SQL().Conn(ctx)
		must(t, err)
		defer watch.Close()
	}
	_, err := db.UpdateAccount(ctx, ids["n00"], store.AccountUpdate{Limit: ptr(1)}, func(*store.Tx) error {
		var wg sync.WaitGroup
		for i := range 2 {
			wg.Add(1)
			go func() {
				defer wg.Done()
				r, err := db.Reserve(ctx, store.ReserveRequest{Provider: webrana.DigitalOcean, OrderID: fmt.Sprint("order-", i)})
				results <- result{r, err}
			}()
		}
		go func() { wg.Wait(); close(done) }()
		if db.Engine() != store.Postgres {
			return nil
		}
		// A bound, not a pause: reservers that never wait at the lock
		// fail the test rather than hang it.
		wctx, cancel := context.WithTimeout(ctx, time.Minute)
		defer cancel()
		for {
			var waiting int
			if err := watch.QueryRowContext(wctx, `SELECT COUNT(*) FROM pg_stat_activity
				WHERE datname = current_database() AND wait_event_type = 'Lock'`).Scan(&waiting); err != nil {
				return fmt.Errorf("waiting for the reservers to wait at the lock: %w", err)
			}
			select {
			case <-done:
				return nil // they did not wait: the assertions below tell
			default:
			}
			if waiting == 2 {
				return nil
			}
		}
	})
	must(t, err)
	<-done
	got := map[string]bool{}
	for range 2 {
		res := <-results
		if res.err != nil {
			t.Fatalf("a reserver whose choice filled up: %v, want a slot on the next account", res.err)
		}
		got[res.r.AccountID] = true
	}
	if got[ids["n00"]] || len(got) != 2 {
		t.Fatalf("reserved on %v; want two different accounts other than the one left full", got)
	}
	if active, reserved := accountCounts(t, db, ids["n00"]); active+reserved > 1 {
		t.Fatalf("the account left full holds active %d reserved %d, over its limit of 1", active, reserved)
	}
})

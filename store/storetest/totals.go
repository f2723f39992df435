package storetest

import (
	"testing"
	"time"

	"github.com/webrana/webrana"
	"github.com/webrana/webrana/store"
)

// An administrator's unfiltered list of every server may answer an
// estimated total (PostgreSQL's statistics) once the table is large; a
// filtered list, a list that does not ask, a small table and a table the
// statistics know nothing of are counted. SQLite always counts.

var _ = register("InstanceTotals", func(t *testing.T, db *store.DB) {
	ctx := t.Context()
	clk := useClock(db)
	db.EstimateFrom = 20 // a large table, for this test
	owner, other := mustUser(t, db), mustUser(t, db)
	acc := mustAccount(t, db, webrana.Linode, "Linode main")
	plan := mustPlan(t, db, webrana.Linode, "Nanode")
	add := func(n int) {
		for i := range n {
			in := newInstance(owner, plan)
			if i%3 == 0 {
				in.OwnerID, in.AccountID, in.ProviderID, in.Status = other.ID, acc.ID, unique("p"), webrana.StatusActive
			}
			mustInstance(t, db, in)
			clk.Advance(time.Millisecond)
		}
	}
	analyze := func() {
		t.Helper()
		_, err := db.SQL().ExecContext(ctx, "ANALYZE instances")
		must(t, err)
	}
	estimates := db.Engine() == store.Postgres
	// check lists with f and with f asking for an estimate, and wants the
	// exact total from the first, and from the second an estimate exactly
	// when estimated, near the count: the count itself after an ANALYZE
	// (exact), else at least what was analysed (the table only grew).
	check := func(what string, f webrana.InstanceFilter, estimated bool, analysed int, exactNow bool) {
		t.Helper()
		plain, count, err := db.ListInstances(ctx, f)
		must(t, err)
		exact, total, err := db.ListInstanceRows(ctx, f)
		must(t, err)
		mustEqual(t, what+": counted", total, store.Total{N: count})
		f.Estimate = true
		rows, total, err := db.ListInstanceRows(ctx, f)
		must(t, err)
		mustEqual(t, what+": page", len(rows), len(exact))
		mustEqual(t, what+": page", len(rows), len(plain))
		mustEqual(t, what+": estimated", total.Estimated, estimated)
		switch {
		case !estimated || exactNow:
			mustEqual(t, what+": total", total.N, count)
		case total.N < analysed || total.N > 2*count:
			t.Fatalf("%s: estimate %d, want from %d to about the count %d", what, total.N, analysed, count)
		}
	}

	add(30)
	// Never analysed: PostgreSQL's statistics are unknown (-1), so
	// counted. 30 inserts are below autovacuum's threshold (50).
	check("before ANALYZE", webrana.InstanceFilter{}, false, 0, true)
	analyze()
	all := webrana.InstanceFilter{}
	check("every server", all, estimates, 30, true)
	check("every server, page 2", webrana.InstanceFilter{Page: webrana.Page{Page: 2, PerPage: 7}}, estimates, 30, true)
	first, _, err := db.ListInstances(ctx, webrana.InstanceFilter{Page: webrana.Page{PerPage: 5}})
	must(t, err)
	last := first[len(first)-1]
	check("every server, after a cursor", webrana.InstanceFilter{After: &webrana.Cursor{CreatedAt: last.CreatedAt, ID: last.ID}},
		estimates, 30, true)
	for _, tc := range []struct {
		name string
		f    webrana.InstanceFilter
	}{
		{"owner", webrana.InstanceFilter{OwnerID: owner.ID}},
		{"provider", webrana.InstanceFilter{ProviderType: webrana.Linode}},
		{"status", webrana.InstanceFilter{Status: webrana.StatusActive}},
		{"account", webrana.InstanceFilter{AccountID: acc.ID}},
		{"search", webrana.InstanceFilter{Search: "web-"}},
	} {
		check("filtered by "+tc.name, tc.f, false, 0, true)
	}
	db.EstimateFrom = 31
	check("smaller than EstimateFrom", all, false, 0, true)
	db.EstimateFrom = 20

	add(30) // the statistics lag: still 30 rows a page
	check("grown since ANALYZE", all, estimates, 30, false)
	analyze()
	check("grown, analysed", all, estimates, 60, true)
	// ListInstances always counts, whatever its filter asks.
	_, n, err := db.ListInstances(ctx, webrana.InstanceFilter{Estimate: true})
	must(t, err)
	mustEqual(t, "ListInstances' total", n, 60)
})

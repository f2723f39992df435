package storetest

import (
	"testing"
	"time"

	"github.com/webrana/webrana"
	"github.com/webrana/webrana/store"
)

// RevenueServers: a month's servers are those the ledger charged or
// refunded in it and those that ran in it, each with the month's charges
// less refunds in the report's currency — never holds, releases, credits,
// other currencies or entries outside the month's bounds — and with its
// plan, provider and account; a server that never ran and was never
// charged is not there.
var _ = register("RevenueServers", func(t *testing.T, db *store.DB) {
	ctx := t.Context()
	clk := useClock(db)
	month := time.Date(2031, 6, 1, 0, 0, 0, 0, time.UTC)
	next := month.AddDate(0, 1, 0)
	clk.Set(month.AddDate(0, -1, 0))
	ann, bob := mustUser(t, db), mustUser(t, db)
	doAcct := mustAccount(t, db, webrana.DigitalOcean, "do-main")
	liAcct := mustAccount(t, db, webrana.Linode, "li-main")
	small := mustPlan(t, db, webrana.DigitalOcean, "Small")
	nano := mustPlan(t, db, webrana.Linode, "Nano", func(p *webrana.Plan) { p.SizeSlug, p.PriceMonthly, p.PriceHourly = "g6-nanode-1", 700, 2 })
	at := func(d time.Duration) *time.Time { v := month.Add(d); return &v }
	server := func(owner *webrana.User, plan *webrana.Plan, acct *webrana.Account, active, deleted *time.Time) *webrana.Instance {
		in := newInstance(owner, plan)
		in.Status, in.ActiveAt, in.DeletedAt = webrana.StatusActive, active, deleted
		if acct != nil {
			in.AccountID = acct.ID
		}
		if deleted != nil {
			in.Status = webrana.StatusDeleted
		}
		return mustInstance(t, db, in)
	}
	crossing := server(ann, small, doAcct, at(-10*time.Hour), nil)                           // ran before the month and through it
	partial := server(bob, nano, liAcct, at(48*time.Hour+30*time.Minute), at(100*time.Hour)) // ran a few days inside it
	lateCharge := server(ann, small, doAcct, at(-48*time.Hour), at(-time.Hour))              // gone before it, charged in it
	_ = server(ann, small, nil, at(-24*time.Hour), at(0))                                    // gone as it started: not there
	_ = server(bob, nano, liAcct, &next, nil)                                                // starts after it: not there
	_ = server(bob, nano, liAcct, nil, nil)                                                  // never ran: not there
	unplaced := server(bob, small, nil, at(time.Hour), nil)                                  // no account

	entry := func(when time.Time, u *webrana.User, kind string, amount int64, currency string, in *webrana.Instance) {
		t.Helper()
		clk.Set(when)
		e := &webrana.LedgerEntry{UserID: u.ID, Kind: kind, Amount: amount, Currency: currency}
		if in != nil {
			e.InstanceID = in.ID
		}
		mustAppend(t, db, e)
	}
	entry(month.Add(-time.Hour), ann, webrana.LedgerCredit, 100000, "USD", nil)
	entry(month.Add(-time.Hour), bob, webrana.LedgerCredit, 100000, "USD", nil)
	entry(month.Add(-time.Microsecond), ann, webrana.LedgerCharge, -1000, "USD", crossing) // last month
	entry(month, ann, webrana.LedgerCharge, -10, "USD", crossing)                          // the month's first instant
	entry(month.Add(time.Hour), ann, webrana.LedgerCharge, -1, "USD", crossing)
	entry(month.Add(2*time.Hour), ann, webrana.LedgerHold, -24, "USD", crossing)
	entry(month.Add(2*time.Hour), ann, webrana.LedgerRelease, 24, "USD", crossing)
	entry(month.Add(3*time.Hour), ann, webrana.LedgerRefund, 4, "USD", crossing)
	entry(month.Add(3*time.Hour), ann, webrana.LedgerCharge, -500, "EUR", crossing)
	entry(next.Add(-time.Microsecond), ann, webrana.LedgerCharge, -7, "USD", crossing) // the month's last instant
	entry(next, ann, webrana.LedgerCharge, -100, "USD", crossing)                      // next month
	entry(month.Add(30*time.Minute), ann, webrana.LedgerCharge, -3, "USD", lateCharge)
	entry(month.Add(49*time.Hour), bob, webrana.LedgerCharge, -48, "USD", partial)
	entry(month.Add(60*time.Hour), bob, webrana.LedgerCharge, -2, "USD", partial)

	got, err := db.RevenueServers(ctx, month, next, "USD")
	must(t, err)
	type row struct {
		id, plan, provider, account string
		revenue                     int64
		active, deleted             *time.Time
	}
	var rows []row
	var total int64
	for _, r := range got {
		rows = append(rows, row{r.InstanceID, r.PlanID, string(r.ProviderType), r.AccountID, r.Revenue, r.ActiveAt, r.DeletedAt})
		total += r.Revenue
	}
	want := []row{
		{crossing.ID, small.ID, "digitalocean", doAcct.ID, 10 + 1 - 4 + 7, crossing.ActiveAt, nil},
		{partial.ID, nano.ID, "linode", liAcct.ID, 48 + 2, partial.ActiveAt, partial.DeletedAt},
		{lateCharge.ID, small.ID, "digitalocean", doAcct.ID, 3, lateCharge.ActiveAt, lateCharge.DeletedAt},
		{unplaced.ID, small.ID, "digitalocean", "", 0, unplaced.ActiveAt, nil},
	}
	byID := func(rs []row) map[string]row {
		m := map[string]row{}
		for _, r := range rs {
			m[r.id] = r
		}
		return m
	}
	mustEqual(t, "servers", byID(rows), byID(want))
	for i := 1; i < len(got); i++ {
		if got[i-1].InstanceID >= got[i].InstanceID {
			t.Errorf("servers not in id order: %s before %s", got[i-1].InstanceID, got[i].InstanceID)
		}
	}
	// The month's revenue is the ledger's server charges less refunds in it.
	if want := int64(10 + 1 - 4 + 7 + 3 + 48 + 2); total != want {
		t.Errorf("revenue %d, want %d", total, want)
	}
	for _, r := range got {
		if r.InstanceID == partial.ID {
			mustEqual(t, "partial's details", []any{r.OwnerEmail, r.PlanName, r.SizeSlug, r.PriceHourly, r.PriceMonthly, r.Currency, r.ProviderName, r.AccountName},
				[]any{bob.Email, "Nano", "g6-nanode-1", int64(2), int64(700), "USD", "linode", "li-main"})
		}
	}

	// Another currency's report holds only that currency's charges.
	eur, err := db.RevenueServers(ctx, month, next, "EUR")
	must(t, err)
	for _, r := range eur {
		if want := map[bool]int64{true: 500, false: 0}[r.InstanceID == crossing.ID]; r.Revenue != want {
			t.Errorf("EUR revenue of %s = %d, want %d", r.InstanceID, r.Revenue, want)
		}
	}
	// A month nobody ran or was charged in is empty.
	empty, err := db.RevenueServers(ctx, month.AddDate(-6, 0, 0), month.AddDate(-6, 1, 0), "USD")
	must(t, err)
	if len(empty) != 0 {
		t.Errorf("an empty month has %d servers", len(empty))
	}
})

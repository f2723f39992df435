package storetest

import (
	"testing"
	"time"

	"github.com/webrana/webrana"
	"github.com/webrana/webrana/store"
)

// The list views return what the plain lists return, in the same order,
// with the names of what each row refers to.

var _ = register("InstanceRows", func(t *testing.T, db *store.DB) {
	ctx := t.Context()
	clk := useClock(db)
	owner, other := mustUser(t, db), mustUser(t, db)
	acc := mustAccount(t, db, webrana.Linode, "Linode main")
	plan := mustPlan(t, db, webrana.Linode, "Nanode")
	placed := newInstance(owner, plan)
	placed.AccountID, placed.ProviderID, placed.Status, placed.Label = acc.ID, "9001", webrana.StatusActive, "Web-Alpha"
	mustInstance(t, db, placed)
	clk.Advance(time.Second)
	pending := mustInstance(t, db, newInstance(owner, plan))
	clk.Advance(time.Second)
	mustInstance(t, db, newInstance(other, plan))

	for _, f := range []webrana.InstanceFilter{
		{}, {OwnerID: owner.ID}, {Search: "alpha"}, {Status: webrana.StatusPending}, {AccountID: acc.ID},
		{OwnerID: owner.ID, Page: webrana.Page{PerPage: 1}},
		{OwnerID: owner.ID, After: &webrana.Cursor{CreatedAt: pending.CreatedAt, ID: pending.ID}},
	} {
		plain, total, err := db.ListInstances(ctx, f)
		must(t, err)
		rows, rowsTotal, err := db.ListInstanceRows(ctx, f)
		must(t, err)
		var listed []*webrana.Instance
		for _, r := range rows {
			listed = append(listed, r.Instance)
			mustEqual(t, "provider and plan names", []string{r.ProviderName, r.PlanName}, []string{"linode", "Nanode"})
		}
		mustEqual(t, "rows' instances", listed, plain)
		mustEqual(t, "rows' total", rowsTotal, store.Total{N: total})
	}
	row, err := db.InstanceRowByID(ctx, placed.ID)
	must(t, err)
	mustEqual(t, "row", row, &store.InstanceRow{Instance: placed, ProviderName: "linode", PlanName: "Nanode", AccountName: "Linode main"})
	row, err = db.InstanceRowByID(ctx, pending.ID)
	must(t, err)
	mustEqual(t, "account of a server without one", row.AccountName, "")
	_, err = db.InstanceRowByID(ctx, "missing")
	wantCode(t, err, webrana.ENOTFOUND, "InstanceRowByID missing")

	withOwner, by, err := db.InstanceRowWithOwner(ctx, placed.ID)
	must(t, err)
	mustEqual(t, "row with its owner", withOwner, &store.InstanceRow{Instance: placed, ProviderName: "linode", PlanName: "Nanode", AccountName: "Linode main"})
	wantOwner, err := db.UserByID(ctx, owner.ID)
	must(t, err)
	mustEqual(t, "the row's owner", by, wantOwner)
	_, _, err = db.InstanceRowWithOwner(ctx, "missing")
	wantCode(t, err, webrana.ENOTFOUND, "InstanceRowWithOwner missing")

	several, err := db.InstanceRowsWithOwner(ctx, []string{placed.ID, "missing", pending.ID})
	must(t, err)
	pendingRow, pendingOwner, err := db.InstanceRowWithOwner(ctx, pending.ID)
	must(t, err)
	mustEqual(t, "rows with their owners, by id", several, map[string]store.RowWithOwner{
		placed.ID: {Row: withOwner, Owner: by}, pending.ID: {Row: pendingRow, Owner: pendingOwner}})
})

var _ = register("AttemptRows", func(t *testing.T, db *store.DB) {
	ctx := t.Context()
	owner := mustUser(t, db)
	acc := mustAccount(t, db, webrana.DigitalOcean, "Primary")
	plan := mustPlan(t, db, webrana.DigitalOcean, "Small")
	o, err := db.PlaceOrder(ctx, store.NewOrder{Instance: newInstance(owner, plan)}, nil)
	must(t, err)
	a, err := db.StartAttempt(ctx, o.ID, acc.ID)
	must(t, err)
	rows, err := db.ListAttemptRows(ctx, o.ID)
	must(t, err)
	mustEqual(t, "attempt rows", rows, []*store.AttemptRow{{Attempt: a, AccountName: "Primary"}})
})

var _ = register("UserBalances", func(t *testing.T, db *store.DB) {
	ctx := t.Context()
	clk := useClock(db)
	admin := mustUserRole(t, db, webrana.RoleAdmin)
	clk.Advance(time.Second)
	rich := mustUser(t, db)
	clk.Advance(time.Second)
	poor := mustUser(t, db)
	for _, e := range []*webrana.LedgerEntry{
		{UserID: rich.ID, Kind: webrana.LedgerCredit, Amount: 5000, Currency: "USD"},
		{UserID: rich.ID, Kind: webrana.LedgerCharge, Amount: -1200, Currency: "USD"},
		{UserID: rich.ID, Kind: webrana.LedgerCredit, Amount: 700, Currency: "EUR"},
	} {
		_, err := db.AppendLedger(ctx, e)
		must(t, err)
	}
	users, total, err := db.ListUsers(ctx, store.UserFilter{})
	must(t, err)
	rows, rowsTotal, err := db.ListUserBalances(ctx, store.UserFilter{}, "USD")
	must(t, err)
	balances := map[string]*webrana.Money{}
	var listed []*webrana.User
	for _, r := range rows {
		listed, balances[r.ID] = append(listed, r.User), r.Balance
	}
	mustEqual(t, "rows' users", listed, users)
	mustEqual(t, "rows' total", rowsTotal, total)
	mustEqual(t, "balances", balances, map[string]*webrana.Money{admin.ID: nil,
		rich.ID: {Amount: 3800, Currency: "USD"}, poor.ID: {Amount: 0, Currency: "USD"}})

	rows, rowsTotal, err = db.ListUserBalances(ctx, store.UserFilter{Role: webrana.RoleCustomer, Page: webrana.Page{Page: 2, PerPage: 1}}, "EUR")
	must(t, err)
	if rowsTotal != 2 || len(rows) != 1 || rows[0].ID != poor.ID || rows[0].Balance == nil || rows[0].Balance.Amount != 0 {
		t.Fatalf("customers' second page in EUR: %+v of %d", rows, rowsTotal)
	}
})

var _ = register("FindingRows", func(t *testing.T, db *store.DB) {
	ctx := t.Context()
	clk := useClock(db)
	acc := mustAccount(t, db, webrana.Linode, "Linode main")
	f := &webrana.Finding{AccountID: acc.ID, ProviderID: "77", Tag: "webrana-order-x", Detail: "orphan"}
	_, err := db.RecordFinding(ctx, f)
	must(t, err)
	clk.Advance(time.Second)
	g := &webrana.Finding{AccountID: acc.ID, ProviderID: "78", Tag: "webrana-order-y", Detail: "orphan"}
	_, err = db.RecordFinding(ctx, g)
	must(t, err)
	must(t, db.ResolveFinding(ctx, g.ID, webrana.FindingDismissed))
	for _, open := range []bool{false, true} {
		plain, total, err := db.ListFindings(ctx, open, webrana.Page{})
		must(t, err)
		rows, rowsTotal, err := db.ListFindingRows(ctx, open, webrana.Page{})
		must(t, err)
		var listed []*webrana.Finding
		for _, r := range rows {
			listed = append(listed, r.Finding)
			mustEqual(t, "account", []any{r.AccountName, r.ProviderType}, []any{"Linode main", webrana.Linode})
		}
		mustEqual(t, "rows' findings", listed, plain)
		mustEqual(t, "rows' total", rowsTotal, total)
	}
})

var _ = register("LedgerRows", func(t *testing.T, db *store.DB) {
	ctx := t.Context()
	clk := useClock(db)
	owner, other := mustUser(t, db), mustUser(t, db)
	plan := mustPlan(t, db, webrana.DigitalOcean, "Small")
	mine, theirs := newInstance(owner, plan), newInstance(other, plan)
	mine.Label = "mine"
	mustInstance(t, db, mine)
	mustInstance(t, db, theirs)
	for _, e := range []*webrana.LedgerEntry{
		{UserID: owner.ID, Kind: webrana.LedgerCredit, Amount: 1000, Currency: "USD"},
		{UserID: owner.ID, Kind: webrana.LedgerCharge, Amount: -10, Currency: "USD", InstanceID: mine.ID},
		{UserID: owner.ID, Kind: webrana.LedgerCharge, Amount: -20, Currency: "USD", InstanceID: theirs.ID}, // never shown by name
	} {
		clk.Advance(time.Second)
		_, err := db.AppendLedger(ctx, e)
		must(t, err)
	}
	plain, total, err := db.ListLedger(ctx, owner.ID, webrana.Page{})
	must(t, err)
	rows, rowsTotal, err := db.ListLedgerRows(ctx, owner.ID, webrana.Page{})
	must(t, err)
	var listed []*webrana.LedgerEntry
	var labels []string
	for _, r := range rows {
		listed, labels = append(listed, r.LedgerEntry), append(labels, r.ServerLabel)
	}
	mustEqual(t, "rows' entries", listed, plain)
	mustEqual(t, "rows' total", rowsTotal, total)
	mustEqual(t, "labels, newest first", labels, []string{"", "mine", ""})
})

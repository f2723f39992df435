package storetest

import (
	"encoding/json"
	"errors"
	"sync"
	"testing"
	"time"

	"github.com/webrana/webrana"
	"github.com/webrana/webrana/store"
)

// newInvoice is an unwritten invoice of user for month, totalling total
// (tax-free).
func newInvoice(user *webrana.User, month string, total int64) *store.Invoice {
	return &store.Invoice{UserID: user.ID, Month: month, Currency: "USD", Subtotal: total, Total: total,
		Seller: json.RawMessage(`{"name":"Acme"}`), Buyer: json.RawMessage(`{"name":"Ann"}`),
		Lines: json.RawMessage(`[]`), Notes: json.RawMessage(`[]`)}
}

func mustIssue(t *testing.T, db *store.DB, in *store.Invoice) *store.Invoice {
	t.Helper()
	written, err := db.IssueInvoice(t.Context(), in)
	must(t, err)
	if !written || in.Number == 0 {
		t.Fatalf("invoice %+v not written", in)
	}
	return in
}

// InvoicesNumberedOnceEach: invoices and credit notes take 1, 2, 3… from
// one sequence; a customer's month is invoiced once (a second issue writes
// nothing and uses no number); a document whose transaction fails gives
// its number back; a document reads back as written; lists are scoped to
// their customer, newest first.
var _ = register("InvoicesNumberedOnceEach", func(t *testing.T, db *store.DB) {
	ctx := t.Context()
	clk := useClock(db)
	ann, bob := mustUser(t, db), mustUser(t, db)
	a := mustIssue(t, db, newInvoice(ann, "2031-04", 1234))
	got, err := db.InvoiceByID(ctx, a.ID)
	must(t, err)
	mustEqual(t, "invoice read back", got, a)
	if a.Number != 1 || !a.IssuedAt.Equal(clk.Now()) || a.Kind != store.KindInvoice {
		t.Fatalf("first invoice %+v", a)
	}

	again := newInvoice(ann, "2031-04", 99)
	written, err := db.IssueInvoice(ctx, again)
	must(t, err)
	if written || again.ID != "" || again.Number != 0 {
		t.Fatalf("second invoice of a month written: %+v", again)
	}
	failed := newInvoice(bob, "2031-04", 5)
	_, err = db.IssueInvoice(ctx, failed, func(*store.Tx) error { return errors.New("mail refused") })
	if err == nil || failed.Number != 0 {
		t.Fatalf("IssueInvoice with a failing step: %v, %+v", err, failed)
	}
	b := mustIssue(t, db, newInvoice(bob, "2031-04", 5))
	c := mustIssue(t, db, newInvoice(ann, "2031-03", 7))
	if b.Number != 2 || c.Number != 3 {
		t.Fatalf("numbers %d, %d after a skip and a failure, want 2, 3", b.Number, c.Number)
	}
	if got := store.FormatNumber(b.Number); got != "000002" {
		t.Fatalf("FormatNumber(2) = %q", got)
	}

	mine, total, err := db.ListInvoices(ctx, ann.ID, webrana.Page{})
	must(t, err)
	if total != 2 || len(mine) != 2 || mine[0].ID != c.ID || mine[1].ID != a.ID {
		t.Fatalf("ann's invoices: %d %v", total, ids(mine, func(i *store.Invoice) string { return i.ID }))
	}
	_, total, err = db.ListInvoices(ctx, "", webrana.Page{})
	must(t, err)
	if total != 3 {
		t.Fatalf("all invoices: %d, want 3", total)
	}
	_, err = db.InvoiceByID(ctx, "missing")
	wantCode(t, err, webrana.ENOTFOUND, "InvoiceByID missing")

	for name, bad := range map[string]func(*store.Invoice){
		"tax not adding up": func(in *store.Invoice) { in.Tax = 1 },
		"rate above 100 %":  func(in *store.Invoice) { in.TaxRate = 10001 },
		"lines not JSON":    func(in *store.Invoice) { in.Lines = json.RawMessage(`[`) },
		"no month":          func(in *store.Invoice) { in.Month = "" },
	} {
		in := newInvoice(bob, "2031-01", 10)
		bad(in)
		_, err := db.IssueInvoice(ctx, in)
		wantCode(t, err, webrana.EINVALID, name)
	}
})

// CreditNotesStayWithinTheInvoice: credit notes of an invoice never add up
// to more than its total, even issued concurrently; each takes a number
// from the invoices' sequence; a credit note is not corrected itself.
var _ = register("CreditNotesStayWithinTheInvoice", func(t *testing.T, db *store.DB) {
	ctx := t.Context()
	useClock(db)
	ann := mustUser(t, db)
	inv := mustIssue(t, db, newInvoice(ann, "2031-04", 1000))
	credit := func(amount int64) (*store.Invoice, error) {
		cn := &store.Invoice{CorrectsID: inv.ID, Subtotal: amount, Total: amount, Reason: "overcharged",
			Seller: json.RawMessage(`{}`), Buyer: json.RawMessage(`{}`), Lines: json.RawMessage(`[]`), Notes: json.RawMessage(`[]`)}
		return cn, db.IssueCreditNote(ctx, cn)
	}
	var wg sync.WaitGroup
	var mu sync.Mutex
	var issued []*store.Invoice
	for range 8 {
		wg.Go(func() {
			cn, err := credit(300)
			if err != nil {
				wantCode(t, err, webrana.EINVALID, "credit note beyond the invoice")
				return
			}
			mu.Lock()
			issued = append(issued, cn)
			mu.Unlock()
		})
	}
	wg.Wait()
	if len(issued) != 3 {
		t.Fatalf("%d credit notes of 3.00 on an invoice of 10.00, want 3", len(issued))
	}
	sum, err := db.Credited(ctx, inv.ID)
	must(t, err)
	if sum != 900 {
		t.Fatalf("credited %d, want 900", sum)
	}
	last, err := credit(100)
	must(t, err)
	if last.Number != 5 || last.UserID != ann.ID || last.Month != "2031-04" || last.Kind != store.KindCreditNote {
		t.Fatalf("last credit note %+v", last)
	}
	if _, err := credit(1); webrana.ErrorCode(err) != webrana.EINVALID {
		t.Fatalf("credit past the total: %v", err)
	}
	notes, err := db.CreditNotesOf(ctx, inv.ID)
	must(t, err)
	if len(notes) != 4 {
		t.Fatalf("%d credit notes listed, want 4", len(notes))
	}
	cn := &store.Invoice{CorrectsID: last.ID, Subtotal: 1, Total: 1, Seller: json.RawMessage(`{}`), Buyer: json.RawMessage(`{}`),
		Lines: json.RawMessage(`[]`), Notes: json.RawMessage(`[]`)}
	wantCode(t, db.IssueCreditNote(ctx, cn), webrana.EINVALID, "credit note of a credit note")
	cn.CorrectsID = "missing"
	wantCode(t, db.IssueCreditNote(ctx, cn), webrana.ENOTFOUND, "credit note of no invoice")
	got, err := db.InvoiceByID(ctx, inv.ID)
	must(t, err)
	mustEqual(t, "credited invoice", got, inv)
})

// MonthActivityAndBillingDetails: the customers with entries in a month,
// less those invoiced; a month's entries with their servers' plans; a
// customer's billing details round-trip, empty until set.
var _ = register("MonthActivityAndBillingDetails", func(t *testing.T, db *store.DB) {
	ctx := t.Context()
	clk := useClock(db)
	ann, bob, cid := mustUser(t, db), mustUser(t, db), mustUser(t, db)
	plan := mustPlan(t, db, webrana.DigitalOcean, unique("Basic "))
	in := mustInstance(t, db, newInstance(ann, plan))
	from := time.Date(2031, 5, 1, 0, 0, 0, 0, time.UTC)
	to := from.AddDate(0, 1, 0)
	clk.Set(from.Add(-time.Second))
	mustAppend(t, db, &webrana.LedgerEntry{UserID: cid.ID, Kind: webrana.LedgerCredit, Amount: 5, Currency: "USD"})
	clk.Set(from)
	mustAppend(t, db, &webrana.LedgerEntry{UserID: ann.ID, Kind: webrana.LedgerCharge, Amount: -7, Currency: "USD", InstanceID: in.ID})
	clk.Set(to.Add(-time.Microsecond))
	mustAppend(t, db, &webrana.LedgerEntry{UserID: bob.ID, Kind: webrana.LedgerCredit, Amount: 9, Currency: "USD"})
	clk.Set(to)
	mustAppend(t, db, &webrana.LedgerEntry{UserID: cid.ID, Kind: webrana.LedgerCredit, Amount: 5, Currency: "USD"})

	pending, issued, err := db.MonthCustomers(ctx, "2031-05", from, to)
	must(t, err)
	want := []string{ann.ID, bob.ID}
	if want[0] > want[1] {
		want[0], want[1] = want[1], want[0]
	}
	mustEqual(t, "pending customers", pending, want)
	if issued != 0 {
		t.Fatalf("issued %d", issued)
	}
	mustIssue(t, db, newInvoice(bob, "2031-05", 0))
	pending, issued, err = db.MonthCustomers(ctx, "2031-05", from, to)
	must(t, err)
	mustEqual(t, "pending after bob's invoice", pending, []string{ann.ID})
	if issued != 1 {
		t.Fatalf("issued %d, want 1", issued)
	}

	entries, err := db.MonthEntries(ctx, ann.ID, from, to)
	must(t, err)
	if len(entries) != 1 || entries[0].ServerLabel != in.Label || entries[0].PlanName != plan.Name ||
		entries[0].PriceHourly != plan.PriceHourly || entries[0].PriceMonthly != plan.PriceMonthly || entries[0].Amount != -7 {
		t.Fatalf("ann's month: %+v", entries)
	}

	d, err := db.BillingDetailsOf(ctx, ann.ID)
	must(t, err)
	if d.UpdatedAt != nil || d.Name != "" {
		t.Fatalf("details never set: %+v", d)
	}
	set := &store.BillingDetails{UserID: ann.ID, Name: "Ann Lee", Company: "Lee & Co", Address: "1 Jalan Sudirman\nJakarta", TaxID: "01.234"}
	must(t, db.InTx(ctx, func(tx *store.Tx) error { return tx.SetBillingDetails(ctx, set) }))
	got, err := db.BillingDetailsOf(ctx, ann.ID)
	must(t, err)
	mustEqual(t, "billing details", got, set)
})

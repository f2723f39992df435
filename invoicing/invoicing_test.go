package invoicing_test

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"path/filepath"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/webrana/webrana"
	"github.com/webrana/webrana/billing"
	"github.com/webrana/webrana/cloud/cloudtest"
	"github.com/webrana/webrana/documents"
	"github.com/webrana/webrana/documents/pdftest"
	"github.com/webrana/webrana/invoicing"
	"github.com/webrana/webrana/mail"
	"github.com/webrana/webrana/mail/queuetest"
	"github.com/webrana/webrana/provision"
	"github.com/webrana/webrana/store"
	"github.com/webrana/webrana/store/storetest"
)

func engines(t *testing.T, fn func(t *testing.T, db *store.DB)) {
	t.Run("sqlite", func(t *testing.T) { t.Parallel(); fn(t, storetest.OpenSQLite(t)) })
	t.Run("postgres", func(t *testing.T) { t.Parallel(); fn(t, storetest.OpenPostgres(t)) })
}

func must(t *testing.T, err error) {
	t.Helper()
	if err != nil {
		t.Fatal(err)
	}
}

// november is the month the tests invoice.
var (
	november = time.Date(2026, 11, 1, 0, 0, 0, 0, time.UTC)
	december = november.AddDate(0, 1, 0)
)

// rig is a database on a clock, an invoicing service with a mail recorder,
// and an operator.
type rig struct {
	db    *store.DB
	clock *cloudtest.Clock
	inv   *invoicing.Service
	mail  *queuetest.Recorder
	admin webrana.Actor
}

func newRig(t *testing.T, db *store.DB, start time.Time) *rig {
	t.Helper()
	c := cloudtest.NewClock(start)
	db.Now = c.Now
	rec := queuetest.New(db)
	admin := &webrana.User{Email: "op@example.com", Role: webrana.RoleAdmin, PasswordHash: "x"}
	must(t, db.CreateUser(context.Background(), admin))
	_, err := db.EnsureProvider(context.Background(), webrana.DigitalOcean, "DigitalOcean")
	must(t, err)
	return &rig{db: db, clock: c, mail: rec, admin: webrana.Actor{User: admin, Source: "127.0.0.1"},
		inv: invoicing.New(db, &invoicing.Config{Now: c.Now, Mail: rec})}
}

// customer is a new customer with money on their balance.
func (r *rig) customer(t *testing.T, email string) *webrana.User {
	t.Helper()
	u := &webrana.User{Email: email, Role: webrana.RoleCustomer, PasswordHash: "x"}
	must(t, r.db.CreateUser(context.Background(), u))
	_, err := r.db.AppendLedger(context.Background(), &webrana.LedgerEntry{UserID: u.ID, Kind: webrana.LedgerCredit, Amount: 1_000_000, Currency: "USD", Note: "top-up"})
	must(t, err)
	return u
}

// server activates a server of u's on a plan of its own, now, its first
// day charged as the order worker charges it.
func (r *rig) server(t *testing.T, u *webrana.User, label string, hourly, monthly int64) string {
	t.Helper()
	ctx := context.Background()
	plan := &webrana.Plan{ProviderType: webrana.DigitalOcean, SizeSlug: "s-1vcpu-1gb", Name: "Plan " + label, PriceHourly: hourly,
		PriceMonthly: monthly, Currency: "USD", Regions: []string{"sgp1"}, IsActive: true}
	must(t, r.db.CreatePlan(ctx, plan))
	first, err := provision.FirstPeriod(plan)
	must(t, err)
	o, err := r.db.PlaceOrder(ctx, store.NewOrder{Instance: &webrana.Instance{OwnerID: u.ID, ProviderType: webrana.DigitalOcean,
		PlanID: plan.ID, Label: label, Region: "sgp1", Image: "ubuntu", Status: webrana.StatusProvisioning}, Hold: first}, nil)
	must(t, err)
	must(t, r.db.CompleteOrder(ctx, o.ID, store.Completion{IPv4: "203.0.113.1", Prepaid: provision.PrepaidSpan, Charge: o.HoldAmount}))
	return o.InstanceID
}

// meterUntil runs the meter every six hours until the clock reaches end.
func (r *rig) meterUntil(t *testing.T, end time.Time) {
	t.Helper()
	m := billing.NewMeter(r.db, &billing.MeterConfig{Now: r.clock.Now})
	for r.clock.Now().Before(end) {
		r.clock.Advance(6 * time.Hour)
		_, _, err := m.Run(context.Background())
		must(t, err)
	}
}

// chargesIn sums u's charges less refunds written from from to to: what
// the ledger says the month cost.
func (r *rig) chargesIn(t *testing.T, u *webrana.User, from, to time.Time) int64 {
	t.Helper()
	entries, _, err := r.db.ListLedger(context.Background(), u.ID, webrana.Page{PerPage: webrana.MaxPerPage})
	must(t, err)
	var sum int64
	for n := 2; len(entries) == webrana.MaxPerPage*(n-1); n++ {
		more, _, err := r.db.ListLedger(context.Background(), u.ID, webrana.Page{Page: n, PerPage: webrana.MaxPerPage})
		must(t, err)
		entries = append(entries, more...)
	}
	for _, e := range entries {
		if e.CreatedAt.Before(from) || !e.CreatedAt.Before(to) {
			continue
		}
		if e.Kind == webrana.LedgerCharge || e.Kind == webrana.LedgerRefund {
			sum -= e.Amount
		}
	}
	return sum
}

func pdfOf(t *testing.T, in *invoicing.Invoice) []byte {
	t.Helper()
	var buf bytes.Buffer
	must(t, documents.Render(&buf, in.Document()))
	return buf.Bytes()
}

// TestMonthOfMeteredServers: a month of two metered servers (one reaching
// its monthly cap) gives one invoice whose total is the ledger's charges
// written in the month, a line per server adding up to it, a PDF that
// opens and shows the number and total, and its e-mail; issuing the month
// again issues nothing.
func TestMonthOfMeteredServers(t *testing.T) {
	engines(t, func(t *testing.T, db *store.DB) {
		ctx := t.Context()
		r := newRig(t, db, november.Add(3*24*time.Hour+10*time.Hour))
		ann := r.customer(t, "ann@example.com")
		r.server(t, ann, "web-1", 1, 500)    // 1.00 an hour reaches its 5.00 cap
		r.clock.Advance(17 * 24 * time.Hour) // 20 November
		r.server(t, ann, "db-1", 7, 50000)
		r.meterUntil(t, december.Add(2*time.Hour))
		_, err := r.db.AppendLedger(ctx, &webrana.LedgerEntry{UserID: ann.ID, Kind: webrana.LedgerPaymentRefund, Amount: -300,
			Currency: "USD", Note: "card refund"}) // December: not on November's invoice

		must(t, err)
		out, err := r.inv.IssueMonth(ctx, november)
		must(t, err)
		if out.Issued != 1 || out.Already != 0 || out.Month != "2026-11" {
			t.Fatalf("issued %+v, want 1 invoice", out)
		}
		list, total, err := r.inv.List(ctx, webrana.Actor{User: ann}, webrana.Page{})
		must(t, err)
		if total != 1 {
			t.Fatalf("%d invoices", total)
		}
		in := list[0]
		want := r.chargesIn(t, ann, november, december)
		if in.Total != want || want <= 0 {
			t.Fatalf("invoice total %d, ledger's charges in November %d", in.Total, want)
		}
		if in.Number != "INV-000001" || in.Period != "November 2026" || in.Subtotal != in.Total || in.Tax != 0 {
			t.Errorf("invoice %+v", in)
		}
		var sum int64
		for _, l := range in.Lines {
			sum += l.Amount
		}
		if len(in.Lines) != 2 || sum != in.Total {
			t.Fatalf("lines %+v add up to %d, total %d", in.Lines, sum, in.Total)
		}
		// Sorted by label: db-1, then web-1 with its cap.
		if !strings.HasPrefix(in.Lines[0].Description, "db-1 (Plan db-1)") || !strings.Contains(in.Lines[0].Detail, "hours at 0.07 USD an hour") {
			t.Errorf("db-1's line %+v", in.Lines[0])
		}
		if in.Lines[1].Amount != 500 || !strings.Contains(in.Lines[1].Detail, "monthly cap of 5.00 USD applied") {
			t.Errorf("web-1's line %+v, want 5.00 with the cap", in.Lines[1])
		}
		if !slices.ContainsFunc(in.Notes, func(n string) bool { return strings.Contains(n, "10000.00 USD (1 credit)") }) {
			t.Errorf("notes %q lack the month's credit", in.Notes)
		}
		pdf := pdfOf(t, in)
		text := pdftest.Text(pdf)
		if !bytes.HasPrefix(pdf, []byte("%PDF-")) || !strings.Contains(text, "INV-000001") || !strings.Contains(text, webrana.FormatMajor(in.Total)) {
			t.Fatalf("PDF %q… lacks the number or total %s:\n%s", pdf[:8], webrana.FormatMajor(in.Total), text)
		}
		msgs := r.mail.Of(t, mail.InvoiceIssued)
		if len(msgs) != 1 || msgs[0].To != "ann@example.com" ||
			msgs[0].Data.(mail.InvoiceData).Number != "INV-000001" || msgs[0].Data.(mail.InvoiceData).Path != "/billing/invoices/"+in.ID {
			t.Fatalf("mail %+v", msgs)
		}

		again, err := r.inv.IssueMonth(ctx, november)
		must(t, err)
		if again.Issued != 0 || again.Already != 1 || len(r.mail.Of(t, mail.InvoiceIssued)) != 1 {
			t.Fatalf("issuing again: %+v", again)
		}
		// December has the payment refund and the hours metered after
		// November ended, but is not over.
		_, err = r.inv.IssueMonth(ctx, december)
		if e := webrana.ErrorField(err); e != "month" {
			t.Fatalf("issuing the current month: %v", err)
		}
	})
}

// TestIssueDue: the periodic run waits for the grace after the month's
// end, then issues the month before; the invoice mail rolling back rolls
// the invoice and its number back.
func TestIssueDue(t *testing.T) {
	engines(t, func(t *testing.T, db *store.DB) {
		ctx := t.Context()
		r := newRig(t, db, november.Add(24*time.Hour))
		ann, bob := r.customer(t, "ann@example.com"), r.customer(t, "bob@example.com")
		r.clock.Advance(29*24*time.Hour + 30*time.Minute) // 1 December 00:30
		must(t, r.inv.IssueDue(ctx))
		if _, n, _ := r.inv.ListAll(ctx, webrana.Page{}); n != 0 {
			t.Fatalf("%d invoices within the grace", n)
		}
		r.clock.Advance(time.Hour)
		r.mail.FailNext(1)
		if err := r.inv.IssueDue(ctx); err == nil {
			t.Fatal("IssueDue succeeded with the mail refused")
		}
		must(t, r.inv.IssueDue(ctx))
		all, n, err := r.inv.ListAll(ctx, webrana.Page{})
		must(t, err)
		if n != 2 || all[0].Sequence != 2 || all[1].Sequence != 1 {
			t.Fatalf("invoices %d: %+v", n, all)
		}
		for _, in := range all {
			if in.Total != 0 || len(in.Lines) != 0 || (in.UserID != ann.ID && in.UserID != bob.ID) {
				t.Errorf("invoice of a month of credits only: %+v", in)
			}
		}
		if got := len(r.mail.Committed(t)); got != 2 {
			t.Errorf("%d messages committed, want 2", got)
		}
	})
}

// TestTwoReplicasNumberWithoutGaps: two replicas (two handles on one
// database) issuing the same month at once for 20 customers issue 20
// invoices numbered 1 to 20, each once.
func TestTwoReplicasNumberWithoutGaps(t *testing.T) {
	open := map[string]func(t *testing.T) (a, b *store.DB){
		"sqlite": func(t *testing.T) (*store.DB, *store.DB) {
			path := "sqlite:" + filepath.Join(t.TempDir(), "webrana.db")
			a, err := store.Open(t.Context(), path)
			must(t, err)
			t.Cleanup(func() { a.Close() })
			must(t, a.Migrate(t.Context()))
			b, err := store.Open(t.Context(), path)
			must(t, err)
			t.Cleanup(func() { b.Close() })
			return a, b
		},
		"postgres": func(t *testing.T) (*store.DB, *store.DB) {
			url := storetest.PostgresURL(t, true)
			a, err := store.Open(t.Context(), url)
			must(t, err)
			t.Cleanup(func() { a.Close() })
			b, err := store.Open(t.Context(), url)
			must(t, err)
			t.Cleanup(func() { b.Close() })
			return a, b
		},
	}
	for name, open := range open {
		t.Run(name, func(t *testing.T) {
			t.Parallel()
			a, b := open(t)
			r := newRig(t, a, november.Add(time.Hour))
			const customers = 20
			for i := range customers {
				r.customer(t, fmt.Sprintf("c%02d@example.com", i))
			}
			r.clock.Advance(31 * 24 * time.Hour)
			b.Now = r.clock.Now
			replicas := []*invoicing.Service{r.inv, invoicing.New(b, &invoicing.Config{Now: r.clock.Now, Mail: queuetest.New(b)})}
			var wg sync.WaitGroup
			results := make([]*invoicing.Issued, len(replicas))
			errs := make([]error, len(replicas))
			for i, s := range replicas {
				wg.Go(func() { results[i], errs[i] = s.IssueMonth(t.Context(), november) })
			}
			wg.Wait()
			must(t, errs[0])
			must(t, errs[1])
			if got := results[0].Issued + results[1].Issued; got != customers {
				t.Fatalf("issued %d + %d, want %d", results[0].Issued, results[1].Issued, customers)
			}
			all, n, err := r.inv.ListAll(t.Context(), webrana.Page{PerPage: 100})
			must(t, err)
			seen := map[string]bool{}
			for i, in := range all {
				if in.Sequence != int64(customers-i) || seen[in.UserID] {
					t.Fatalf("invoice %d: number %d for %s (seen %v)", i, in.Sequence, in.UserID, seen[in.UserID])
				}
				seen[in.UserID] = true
			}
			if n != customers {
				t.Fatalf("%d invoices, want %d", n, customers)
			}
		})
	}
}

// TestCreditNotes: credit notes issued at once never credit more than the
// invoice's total; each is a numbered document with the invoice's tax
// rate, credits the balance once with its audit entry, and leaves the
// invoice as it was.
func TestCreditNotes(t *testing.T) {
	engines(t, func(t *testing.T, db *store.DB) {
		ctx := t.Context()
		r := newRig(t, db, november.Add(24*time.Hour))
		_, err := r.inv.SetLetterhead(ctx, r.admin, documents.Letterhead{LegalName: "PT Awan Jaya", TaxName: "PPN", TaxRate: 1100})
		must(t, err)
		ann := r.customer(t, "ann@example.com")
		r.server(t, ann, "web-1", 100, 1_000_000) // 24.00 for the first day
		r.clock.Advance(31 * 24 * time.Hour)
		_, err = r.inv.IssueMonth(ctx, november)
		must(t, err)
		list, _, err := r.inv.ListAll(ctx, webrana.Page{})
		must(t, err)
		inv := list[0]
		before, err := json.Marshal(inv)
		must(t, err)
		if inv.Total != 2400 {
			t.Fatalf("invoice total %d, want 2400", inv.Total)
		}
		balance := func() int64 {
			b, err := r.db.Balance(ctx, ann.ID, "USD")
			must(t, err)
			return b.Amount
		}
		start := balance()

		var wg sync.WaitGroup
		var mu sync.Mutex
		var notes []*invoicing.Invoice
		for range 6 {
			wg.Go(func() {
				cn, err := r.inv.CreditNote(ctx, r.admin, inv.ID, 800, "Outage on 3 November")
				if err != nil {
					if webrana.ErrorField(err) != "amount" {
						t.Errorf("credit note refused with %v", err)
					}
					return
				}
				mu.Lock()
				notes = append(notes, cn)
				mu.Unlock()
			})
		}
		wg.Wait()
		if len(notes) != 3 {
			t.Fatalf("%d credit notes of 8.00 on an invoice of 24.00, want 3", len(notes))
		}
		if msgs := r.mail.Of(t, mail.CreditNote); len(msgs) != 3 {
			t.Errorf("%d credit note e-mails, want one for each of the 3", len(msgs))
		} else if d := msgs[0].Data.(mail.InvoiceData); msgs[0].To != ann.Email || !strings.HasPrefix(d.Number, "CN-") ||
			d.Period != "invoice "+inv.Number || d.Total != "8.00 USD" || !strings.HasPrefix(d.Path, "/billing/invoices/") {
			t.Errorf("credit note e-mail %+v", msgs[0])
		}
		if got := balance() - start; got != 2400 {
			t.Errorf("balance credited %d, want 2400", got)
		}
		cn := notes[0]
		if !strings.HasPrefix(cn.Number, "CN-00000") || cn.Corrects != inv.ID || cn.TaxRate != 1100 || cn.Tax != 79 || cn.Subtotal != 721 ||
			cn.UserID != ann.ID || cn.Reason != "Outage on 3 November" {
			t.Errorf("credit note %+v", cn)
		}
		if text := pdftest.Text(pdfOf(t, cn)); !strings.Contains(text, cn.Number) || !strings.Contains(text, inv.Number) {
			t.Errorf("credit note PDF lacks its number or the invoice's:\n%s", text)
		}
		entries, _, err := r.db.ListAudit(ctx, store.AuditFilter{})
		must(t, err)
		if n := len(slices.DeleteFunc(entries, func(e *webrana.AuditEntry) bool { return e.Action != "invoice.credited" })); n != 3 {
			t.Errorf("%d audit entries of credit notes, want 3", n)
		}
		after, err := r.inv.Get(ctx, r.admin, inv.ID)
		must(t, err)
		if got, _ := json.Marshal(after); !bytes.Equal(got, before) {
			t.Errorf("the invoice changed:\n%s\n%s", before, got)
		}
		for _, bad := range []struct {
			amount int64
			reason string
			field  string
		}{{0, "x", "amount"}, {1, " ", "reason"}, {1, strings.Repeat("x", 201), "reason"}, {1, "more", "amount"}} {
			_, err := r.inv.CreditNote(ctx, r.admin, inv.ID, bad.amount, bad.reason)
			if webrana.ErrorField(err) != bad.field {
				t.Errorf("credit note %+v: %v, want a field error on %s", bad, err, bad.field)
			}
		}
	})
}

// TestTaxAndImmutability: with 11 % PPN an invoice shows the tax contained
// in its total (rounded half away from zero to the cent, the net the
// rest); once issued, neither its JSON nor its PDF change when the
// letterhead or the customer's details do.
func TestTaxAndImmutability(t *testing.T) {
	engines(t, func(t *testing.T, db *store.DB) {
		ctx := t.Context()
		r := newRig(t, db, november.Add(24*time.Hour))
		_, err := r.inv.SetLetterhead(ctx, r.admin, documents.Letterhead{LegalName: "PT Awan Jaya", Address: "Jl. Sudirman 1\nJakarta",
			TaxID: "01.234.567.8", TaxName: "PPN", TaxRate: 1100})
		must(t, err)
		ann := r.customer(t, "ann@example.com")
		annActor := webrana.Actor{User: ann}
		_, err = r.inv.SetDetails(ctx, annActor, invoicing.Details{Name: "Ann Lee", Company: "Lee Digital", Address: "Jl. Thamrin 2\r\n\r\nJakarta", TaxID: "99.1"})
		must(t, err)
		r.server(t, ann, "web-1", 463, 1_000_000) // 24 × 4.63 = 111.12
		r.clock.Advance(31 * 24 * time.Hour)
		_, err = r.inv.IssueMonth(ctx, november)
		must(t, err)
		list, _, err := r.inv.List(ctx, annActor, webrana.Page{})
		must(t, err)
		in := list[0]
		// 111.12 × 11/111 = 11.0118… → 11.01; net 100.11.
		if in.Total != 11112 || in.Tax != 1101 || in.Subtotal != 10011 || in.TaxLabel != "PPN 11%" || in.TaxRate != 1100 {
			t.Fatalf("tax split %d = %d + %d (%s)", in.Total, in.Subtotal, in.Tax, in.TaxLabel)
		}
		if in.Seller.Name != "PT Awan Jaya" || in.Buyer.Name != "Lee Digital" || in.Buyer.TaxID != "99.1" ||
			!slices.Equal(in.Buyer.Address, []string{"Attn. Ann Lee", "Jl. Thamrin 2", "Jakarta"}) {
			t.Fatalf("parties %+v / %+v", in.Seller, in.Buyer)
		}
		text := pdftest.Text(pdfOf(t, in))
		for _, want := range []string{"PPN 11% (included)", "11.01", "100.11", "111.12", "Lee Digital", "01.234.567.8"} {
			if !strings.Contains(text, want) {
				t.Errorf("PDF lacks %q", want)
			}
		}
		beforeJSON, _ := json.Marshal(in)
		beforePDF := pdfOf(t, in)

		_, err = r.inv.SetLetterhead(ctx, r.admin, documents.Letterhead{LegalName: "PT Lain", TaxName: "VAT", TaxRate: 2000})
		must(t, err)
		_, err = r.inv.SetDetails(ctx, annActor, invoicing.Details{Name: "Someone Else"})
		must(t, err)
		again, err := r.inv.Get(ctx, annActor, in.ID)
		must(t, err)
		if got, _ := json.Marshal(again); !bytes.Equal(got, beforeJSON) {
			t.Errorf("the invoice's JSON changed:\n%s\n%s", beforeJSON, got)
		}
		if !bytes.Equal(pdfOf(t, again), beforePDF) {
			t.Error("the invoice's PDF changed")
		}
	})
}

// TestTenantIsolation: a customer sees only their own invoices; another's
// is not found; an operator sees any.
func TestTenantIsolation(t *testing.T) {
	engines(t, func(t *testing.T, db *store.DB) {
		ctx := t.Context()
		r := newRig(t, db, november.Add(24*time.Hour))
		ann, bob := r.customer(t, "ann@example.com"), r.customer(t, "bob@example.com")
		r.clock.Advance(31 * 24 * time.Hour)
		_, err := r.inv.IssueMonth(ctx, november)
		must(t, err)
		annList, n, err := r.inv.List(ctx, webrana.Actor{User: ann}, webrana.Page{})
		must(t, err)
		if n != 1 || annList[0].UserID != ann.ID {
			t.Fatalf("ann's list: %d %+v", n, annList)
		}
		if _, err := r.inv.Get(ctx, webrana.Actor{User: bob}, annList[0].ID); webrana.ErrorCode(err) != webrana.ENOTFOUND {
			t.Errorf("bob reading ann's invoice: %v", err)
		}
		if _, err := r.inv.Get(ctx, r.admin, annList[0].ID); err != nil {
			t.Errorf("operator reading ann's invoice: %v", err)
		}
	})
}

// TestDetailsBounds: billing details are trimmed and bounded.
func TestDetailsBounds(t *testing.T) {
	db := storetest.OpenSQLite(t)
	r := newRig(t, db, november)
	ann := webrana.Actor{User: r.customer(t, "ann@example.com")}
	for _, tc := range []struct {
		name  string
		d     invoicing.Details
		field string
	}{
		{"fine", invoicing.Details{Name: " Ann ", Address: "a\n\nb"}, ""},
		{"long name", invoicing.Details{Name: strings.Repeat("n", invoicing.MaxName+1)}, "name"},
		{"long tax id", invoicing.Details{TaxID: strings.Repeat("1", invoicing.MaxTaxID+1)}, "tax_id"},
		{"too many lines", invoicing.Details{Address: "1\n2\n3\n4\n5\n6\n7"}, "address"},
		{"control character", invoicing.Details{Company: "a\x00b"}, "company"},
		{"two-line name", invoicing.Details{Name: "a\nb"}, "name"},
	} {
		_, err := r.inv.SetDetails(t.Context(), ann, tc.d)
		if webrana.ErrorField(err) != tc.field || (tc.field == "" && err != nil) {
			t.Errorf("%s: %v, want a field error on %q", tc.name, err, tc.field)
		}
	}
	d, err := r.inv.Details(t.Context(), ann)
	must(t, err)
	if d.Name != "Ann" || d.Address != "a\nb" {
		t.Errorf("details %+v", d)
	}
}

// TestRefundsAndCardRefunds: a server's refund in the month is deducted
// from its line and the total; a card refund and credits are notes, not
// charges.
func TestRefundsAndCardRefunds(t *testing.T) {
	engines(t, func(t *testing.T, db *store.DB) {
		ctx := t.Context()
		r := newRig(t, db, november.Add(24*time.Hour))
		ann := r.customer(t, "ann@example.com")
		web1 := r.server(t, ann, "web-1", 100, 1_000_000) // 24.00 for the first day
		for _, e := range []*webrana.LedgerEntry{
			{UserID: ann.ID, Kind: webrana.LedgerRefund, Amount: 400, Currency: "USD", InstanceID: web1, Note: "outage"},
			{UserID: ann.ID, Kind: webrana.LedgerPaymentRefund, Amount: -700, Currency: "USD", Note: "card refund"},
		} {
			_, err := r.db.AppendLedger(ctx, e)
			must(t, err)
		}
		r.clock.Advance(31 * 24 * time.Hour)
		_, err := r.inv.IssueMonth(ctx, november)
		must(t, err)
		list, _, err := r.inv.List(ctx, webrana.Actor{User: ann}, webrana.Page{})
		must(t, err)
		in := list[0]
		if in.Total != 2000 || r.chargesIn(t, ann, november, december) != 2000 || len(in.Lines) != 1 ||
			!strings.Contains(in.Lines[0].Detail, "24 hours") || !strings.Contains(in.Lines[0].Detail, "less 4.00 USD refunded") {
			t.Fatalf("invoice %+v", in)
		}
		for _, want := range []string{"Paid back to your card this month: 7.00 USD.", "Added to your balance this month: 10000.00 USD (1 credit)."} {
			if !slices.Contains(in.Notes, want) {
				t.Errorf("notes %q lack %q", in.Notes, want)
			}
		}
	})
}

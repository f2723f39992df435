package invoicing

import (
	"context"
	"fmt"
	"slices"
	"strings"
	"time"

	"github.com/webrana/webrana"
	"github.com/webrana/webrana/documents"
	"github.com/webrana/webrana/mail"
	"github.com/webrana/webrana/provision"
	"github.com/webrana/webrana/store"
)

// Issued is what issuing a month did: invoices written now, and those
// written before (by an earlier run or another replica).
type Issued struct {
	Month   string `json:"month"`
	Issued  int    `json:"issued"`
	Already int    `json:"already"`
}

// IssueMonth issues the invoices of a finished month (its first instant,
// or any instant in it) to every customer with a ledger entry in it who
// has none yet, one customer per transaction with its e-mail. Safe to run
// again and from several replicas at once: each customer's month is
// invoiced once, and numbers are neither shared nor skipped. The current
// month and later ones are refused (a field error on month).
func (s *Service) IssueMonth(ctx context.Context, month time.Time) (*Issued, error) {
	from := webrana.MonthOf(month)
	to := from.AddDate(0, 1, 0)
	if to.After(s.now()) {
		return nil, webrana.FieldError("month", "Only a finished month can be invoiced; %s is not over yet.", from.Format("January 2006"))
	}
	key := monthKey(from)
	pending, already, err := s.db.MonthCustomers(ctx, key, from, to)
	if err != nil {
		return nil, fmt.Errorf("invoices of %s: %w", key, err)
	}
	out := &Issued{Month: key, Already: already}
	if len(pending) == 0 {
		return out, nil
	}
	letterhead, err := documents.LoadLetterhead(ctx, s.db)
	if err != nil {
		return nil, err
	}
	for _, userID := range pending {
		written, err := s.issue(ctx, letterhead, userID, from, to)
		if err != nil {
			return out, fmt.Errorf("invoice of %s for %s: %w", userID, key, err)
		}
		if written {
			out.Issued++
		} else {
			out.Already++
		}
	}
	return out, nil
}

// IssueDue issues the previous month's invoices once the month has been
// over for the grace period: the periodic job's run, cheap once they are
// issued (one query finds nobody left).
func (s *Service) IssueDue(ctx context.Context) error {
	now := s.now()
	month := webrana.MonthOf(now.Add(-s.cfg.Grace)).AddDate(0, -1, 0)
	out, err := s.IssueMonth(ctx, month)
	if err != nil {
		return err
	}
	if out.Issued > 0 {
		s.cfg.Logger.Info("invoices issued", "month", out.Month, "issued", out.Issued, "already", out.Already)
	}
	return nil
}

// Every is how often the periodic job looks for a month to invoice.
const Every = time.Hour

// Args runs IssueDue.
type Args struct{}

func (Args) Kind() string { return "invoicing_issue" }

// issue writes one customer's invoice for the month from..to, with its
// e-mail; false when it already existed. Users other than customers
// (operators crediting themselves in tests) get none.
func (s *Service) issue(ctx context.Context, l *documents.Letterhead, userID string, from, to time.Time) (bool, error) {
	u, err := s.db.UserByID(ctx, userID)
	if err != nil {
		return false, err
	}
	if u.Role != webrana.RoleCustomer {
		return false, nil
	}
	entries, err := s.db.MonthEntries(ctx, userID, from, to)
	if err != nil {
		return false, err
	}
	details, err := s.db.BillingDetailsOf(ctx, userID)
	if err != nil {
		return false, err
	}
	in, err := compose(l, buyer(u, details), entries, webrana.BillingCurrency)
	if err != nil {
		return false, err
	}
	in.UserID, in.Month = userID, monthKey(from)
	var tell func(*store.Tx) error
	if s.cfg.Mail != nil {
		tell = func(tx *store.Tx) error { // runs once the invoice has its number
			return s.cfg.Mail.QueueTx(ctx, tx, mail.Message{To: u.Email, UserID: u.ID, Kind: mail.InvoiceIssued,
				Data: mail.InvoiceData{Number: Number(in.Kind, in.Number), Period: from.Format("January 2006"),
					Total: money(in.Total, in.Currency), Path: PagePath(in.ID)}})
		}
	}
	return s.db.IssueInvoice(ctx, in, tell)
}

// PagePath is where a customer's browser opens a document's PDF.
func PagePath(id string) string { return "/billing/invoices/" + id }

// buyer is the customer as their invoice names them: their company or
// name (their e-mail address without either), the person under a
// company's name, their address and tax id.
func buyer(u *webrana.User, d *store.BillingDetails) documents.Party {
	p := documents.Party{Name: u.Email, Email: u.Email, TaxID: d.TaxID}
	switch {
	case d.Company != "":
		p.Name = d.Company
		if d.Name != "" {
			p.Address = append(p.Address, "Attn. "+d.Name)
		}
	case d.Name != "":
		p.Name = d.Name
	}
	if d.Address != "" {
		p.Address = append(p.Address, strings.Split(d.Address, "\n")...)
	}
	return p
}

// serverLine is one server's month as its invoice line adds it up.
type serverLine struct {
	label, plan     string
	hourly, monthly int64
	charged         int64 // positive
	refunded        int64 // positive
	hours           int64
	backups         int64 // the metered hours of its backups, part of charged (positive)
}

// compose adds up a customer's month: a line per server (charges less
// refunds), the total they make, the tax it contains, and notes of the
// month's credits and payment refunds, which are not charges.
func compose(l *documents.Letterhead, buyer documents.Party, entries []*store.MonthEntry, currency string) (*store.Invoice, error) {
	servers := map[string]*serverLine{}
	var order []string
	var credits, paidBack int64
	var nCredits int
	add := func(sum *int64, v int64) error { // checked: a sum that leaves int64 is an error, never a wrong invoice
		var err error
		*sum, err = webrana.AddMoney(*sum, v)
		return err
	}
	for _, e := range entries {
		var err error
		if e.Currency != currency {
			continue
		}
		switch e.Kind {
		case webrana.LedgerCredit:
			err = add(&credits, e.Amount)
			nCredits++
		case webrana.LedgerPaymentRefund:
			err = add(&paidBack, -e.Amount)
		case webrana.LedgerCharge, webrana.LedgerRefund:
			key := lineKey(e) // a server's, or its snapshots' (snapshots.go)
			sl := servers[key]
			if sl == nil {
				sl = newLine(e)
				servers[key] = sl
				order = append(order, key)
			}
			if e.Kind == webrana.LedgerRefund {
				err = add(&sl.refunded, e.Amount)
			} else {
				err = add(&sl.charged, -e.Amount)
				sl.hours += hoursOf(e.IdempotencyKey)
				if err == nil && strings.HasPrefix(e.IdempotencyKey, backupsKeyPrefix) {
					err = add(&sl.backups, -e.Amount)
				}
			}
		}
		if err != nil {
			return nil, err
		}
	}
	slices.SortStableFunc(order, func(a, b string) int { return strings.Compare(servers[a].label, servers[b].label) })
	lines := []documents.Line{}
	var total int64
	for _, id := range order {
		sl := servers[id]
		line, err := sl.line(id, currency)
		if err == nil {
			err = add(&total, line.Amount)
		}
		if err != nil {
			return nil, err
		}
		lines = append(lines, line)
	}
	net, tax := documents.SplitTax(total, l.TaxRate)
	notes := []string{}
	if label := l.TaxLabel(); label != "" {
		notes = append(notes, fmt.Sprintf("Prices include %s: %s of the total is tax.", label, money(tax, currency)))
	}
	notes = append(notes, "Paid from your account balance as the servers ran.")
	if nCredits > 0 {
		notes = append(notes, fmt.Sprintf("Added to your balance this month: %s (%d credit%s).", money(credits, currency), nCredits, plural(nCredits)))
	}
	if paidBack > 0 {
		notes = append(notes, fmt.Sprintf("Paid back to your card this month: %s.", money(paidBack, currency)))
	}
	return &store.Invoice{Currency: currency, Subtotal: net, Tax: tax, Total: total, TaxRate: l.TaxRate, TaxName: l.TaxLabel(),
		Seller: mustJSON(l.Seller()), Buyer: mustJSON(buyer), Lines: mustJSON(lines), Notes: mustJSON(notes)}, nil
}

// backupsKeyPrefix starts the keys of the meter's charges for backups
// (billing's backupEntry): hours of backups, not of the server.
const backupsKeyPrefix = "meter-backups:"

// hoursOf is how many hours a charge pays for, by the key its writer gave
// it: an hour of the meter, or an order's first period.
func hoursOf(key string) int64 {
	switch {
	case strings.HasPrefix(key, "meter:"), strings.HasPrefix(key, snapshotKeyPrefix):
		return 1
	case strings.HasPrefix(key, "charge:first:"):
		return int64(provision.PrepaidSpan / time.Hour)
	}
	return 0
}

// line is a server's invoice line: its label and plan, the hours billed
// at the plan's price, the monthly cap when its charges reached it, and
// refunds.
func (sl *serverLine) line(id, currency string) (documents.Line, error) {
	name := sl.label
	switch {
	case id == "":
		name = "Other charges"
	case name == "":
		name = "Server " + id
	}
	if sl.plan != "" {
		name += " (" + sl.plan + ")"
	}
	var detail []string
	if sl.hours > 0 {
		d := fmt.Sprintf("%d hour%s", sl.hours, plural(int(sl.hours)))
		if sl.hourly > 0 {
			d += " at " + money(sl.hourly, currency) + " an hour"
		}
		detail = append(detail, d)
	}
	if sl.monthly > 0 && sl.charged-sl.backups >= sl.monthly {
		detail = append(detail, "monthly cap of "+money(sl.monthly, currency)+" applied")
	}
	if sl.backups > 0 {
		detail = append(detail, "backups "+money(sl.backups, currency))
	}
	if sl.refunded > 0 {
		detail = append(detail, "less "+money(sl.refunded, currency)+" refunded")
	}
	amount, err := webrana.SubMoney(sl.charged, sl.refunded)
	return documents.Line{Description: name, Detail: strings.Join(detail, ", "), Amount: amount}, err
}

func plural(n int) string {
	if n == 1 {
		return ""
	}
	return "s"
}

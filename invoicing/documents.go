package invoicing

import (
	"context"
	"fmt"
	"strings"
	"unicode"
	"unicode/utf8"

	"github.com/webrana/webrana"
	"github.com/webrana/webrana/documents"
	"github.com/webrana/webrana/mail"
	"github.com/webrana/webrana/store"
)

// Get returns a document the actor may see: a customer their own, an
// operator any. Anyone else's is not found, as if it did not exist.
func (s *Service) Get(ctx context.Context, by webrana.Actor, id string) (*Invoice, error) {
	in, err := s.db.InvoiceByID(ctx, id)
	if err != nil {
		return nil, err
	}
	if by.User == nil || (by.User.Role != webrana.RoleAdmin && in.UserID != by.User.ID) {
		return nil, webrana.Errorf(webrana.ENOTFOUND, "Invoice not found.")
	}
	return view(in)
}

// List returns a page of the actor's documents, newest first.
func (s *Service) List(ctx context.Context, by webrana.Actor, p webrana.Page) ([]*Invoice, int, error) {
	if by.User == nil {
		return nil, 0, webrana.Errorf(webrana.EUNAUTHORIZED, "Sign in to see your invoices.")
	}
	return s.list(ctx, by.User.ID, p)
}

// ListAll returns a page of every customer's documents, newest first: the
// operators' list.
func (s *Service) ListAll(ctx context.Context, p webrana.Page) ([]*Invoice, int, error) {
	return s.list(ctx, "", p)
}

func (s *Service) list(ctx context.Context, userID string, p webrana.Page) ([]*Invoice, int, error) {
	rows, total, err := s.db.ListInvoices(ctx, userID, p)
	if err != nil {
		return nil, 0, fmt.Errorf("list invoices: %w", err)
	}
	out := make([]*Invoice, len(rows))
	for i, r := range rows {
		if out[i], err = view(r); err != nil {
			return nil, 0, err
		}
	}
	return out, total, nil
}

// CreditNotes returns the credit notes of an invoice, oldest first, and
// what they credited in total.
func (s *Service) CreditNotes(ctx context.Context, invoiceID string) ([]*Invoice, int64, error) {
	rows, err := s.db.CreditNotesOf(ctx, invoiceID)
	if err != nil {
		return nil, 0, fmt.Errorf("credit notes of %s: %w", invoiceID, err)
	}
	out := make([]*Invoice, len(rows))
	var sum int64
	for i, r := range rows {
		if out[i], err = view(r); err != nil {
			return nil, 0, err
		}
		if sum, err = webrana.AddMoney(sum, r.Total); err != nil {
			return nil, 0, err
		}
	}
	return out, sum, nil
}

// Credit note bounds.
const (
	MaxReason = 200
)

// CreditNote issues a credit note of amount (minor units, tax included)
// correcting an invoice, for reason: a document of its own, numbered from
// the same sequence, with the invoice's customer, month and tax rate. The
// customer's balance is credited the amount (once: the ledger entry's key
// is the credit note's) and the operator's audit entry written, in the
// same transaction; the invoice itself never changes. The credit notes of
// an invoice never exceed its total, even issued at once (EINVALID on
// amount).
func (s *Service) CreditNote(ctx context.Context, by webrana.Actor, invoiceID string, amount int64, reason string) (*Invoice, error) {
	reason = strings.TrimSpace(reason)
	if err := (webrana.AmountRange{Min: 1, Max: webrana.MaxAmount}).Check("amount", amount); err != nil {
		return nil, err
	}
	if n := utf8.RuneCountInString(reason); n == 0 || n > MaxReason {
		return nil, webrana.FieldError("reason", "A reason of 1 to %d characters is required (it is printed on the credit note).", MaxReason)
	}
	inv, err := s.db.InvoiceByID(ctx, invoiceID)
	if err != nil {
		return nil, err
	}
	invoice, err := view(inv)
	if err != nil {
		return nil, err
	}
	l, err := documents.LoadLetterhead(ctx, s.db)
	if err != nil {
		return nil, err
	}
	customer, err := s.db.UserByID(ctx, inv.UserID)
	if err != nil {
		return nil, err
	}
	net, tax := documents.SplitTax(amount, inv.TaxRate)
	cn := &store.Invoice{CorrectsID: inv.ID, Reason: reason, Subtotal: net, Tax: tax, Total: amount, TaxRate: inv.TaxRate,
		TaxName: inv.TaxName, Seller: mustJSON(l.Seller()), Buyer: inv.Buyer,
		Lines: mustJSON([]documents.Line{{Description: "Credit for invoice " + invoice.Number, Detail: reason, Amount: amount}}),
		Notes: mustJSON([]string{fmt.Sprintf("Corrects invoice %s of %s. %s is credited to your account balance.",
			invoice.Number, invoice.IssuedAt.Format("2 January 2006"), money(amount, inv.Currency))})}
	err = s.db.IssueCreditNote(ctx, cn, func(tx *store.Tx) error {
		number := Number(store.KindCreditNote, cn.Number)
		entry := &webrana.LedgerEntry{UserID: cn.UserID, Kind: webrana.LedgerCredit, Amount: amount, Currency: cn.Currency,
			Note: "Credit note " + number + " for invoice " + invoice.Number, IdempotencyKey: "credit-note:" + cn.ID}
		if _, err := tx.AppendLedger(ctx, entry); err != nil {
			return err
		}
		if s.cfg.Mail != nil {
			if err := s.cfg.Mail.QueueTx(ctx, tx, mail.Message{To: customer.Email, UserID: customer.ID, Kind: mail.CreditNote,
				Data: mail.InvoiceData{Number: number, Period: "invoice " + invoice.Number, Total: money(amount, cn.Currency),
					Path: PagePath(cn.ID)}}); err != nil {
				return err
			}
		}
		return tx.AppendAudit(ctx, by.Entry("invoice.credited", "invoice", inv.ID,
			fmt.Sprintf("%s: %s, %s", number, money(amount, cn.Currency), reason)))
	})
	if err != nil {
		return nil, fmt.Errorf("credit note for %s: %w", invoice.Number, err)
	}
	return view(cn)
}

// Details is what a customer's invoices say of them.
type Details struct {
	Name    string `json:"name"`
	Company string `json:"company"`
	Address string `json:"address"` // lines separated by newlines
	TaxID   string `json:"tax_id"`
}

// Billing details' bounds, in characters; the address has at most
// MaxAddressLines lines.
const (
	MaxName         = 200
	MaxAddress      = 500
	MaxAddressLines = 6
	MaxTaxID        = 64
)

// Details returns the actor's billing details (empty until set).
func (s *Service) Details(ctx context.Context, by webrana.Actor) (*Details, error) {
	if by.User == nil {
		return nil, webrana.Errorf(webrana.EUNAUTHORIZED, "Sign in to see your billing details.")
	}
	d, err := s.db.BillingDetailsOf(ctx, by.User.ID)
	if err != nil {
		return nil, fmt.Errorf("billing details: %w", err)
	}
	return &Details{Name: d.Name, Company: d.Company, Address: d.Address, TaxID: d.TaxID}, nil
}

// SetDetails checks and saves the actor's billing details, with its audit
// entry; invoices issued from then on print them (issued ones keep theirs).
func (s *Service) SetDetails(ctx context.Context, by webrana.Actor, d Details) (*Details, error) {
	if by.User == nil {
		return nil, webrana.Errorf(webrana.EUNAUTHORIZED, "Sign in to change your billing details.")
	}
	d = d.trimmed()
	if err := d.Check(); err != nil {
		return nil, err
	}
	err := s.db.InTx(ctx, func(tx *store.Tx) error {
		if err := tx.SetBillingDetails(ctx, &store.BillingDetails{UserID: by.User.ID, Name: d.Name, Company: d.Company,
			Address: d.Address, TaxID: d.TaxID}); err != nil {
			return err
		}
		return tx.AppendAudit(ctx, by.Entry("billing_details.updated", "user", by.User.ID, ""))
	})
	if err != nil {
		return nil, fmt.Errorf("billing details: %w", err)
	}
	return &d, nil
}

// trimmed drops surrounding space and the address's empty lines.
func (d Details) trimmed() Details {
	d.Name, d.Company, d.TaxID = strings.TrimSpace(d.Name), strings.TrimSpace(d.Company), strings.TrimSpace(d.TaxID)
	var kept []string
	for _, line := range strings.Split(strings.ReplaceAll(d.Address, "\r\n", "\n"), "\n") {
		if line = strings.TrimSpace(line); line != "" {
			kept = append(kept, line)
		}
	}
	d.Address = strings.Join(kept, "\n")
	return d
}

// Check reports the first field out of bounds, as a field error.
func (d Details) Check() error {
	for _, f := range []struct {
		name, value string
		max         int
	}{{"name", d.Name, MaxName}, {"company", d.Company, MaxName}, {"address", d.Address, MaxAddress}, {"tax_id", d.TaxID, MaxTaxID}} {
		if utf8.RuneCountInString(f.value) > f.max {
			return webrana.FieldError(f.name, "%s is at most %d characters.", f.name, f.max)
		}
		if !utf8.ValidString(f.value) || strings.ContainsFunc(f.value, func(r rune) bool { return r != '\n' && unicode.IsControl(r) }) {
			return webrana.FieldError(f.name, "%s may not hold control characters.", f.name)
		}
		if f.name != "address" && strings.Contains(f.value, "\n") {
			return webrana.FieldError(f.name, "%s is one line.", f.name)
		}
	}
	if strings.Count(d.Address, "\n") >= MaxAddressLines {
		return webrana.FieldError("address", "address has at most %d lines.", MaxAddressLines)
	}
	return nil
}

// Letterhead returns the operator's letterhead.
func (s *Service) Letterhead(ctx context.Context) (*documents.Letterhead, error) {
	return documents.LoadLetterhead(ctx, s.db)
}

// SetLetterhead checks and saves the operator's letterhead with its audit
// entry (documents.SaveLetterhead); issued documents keep theirs.
func (s *Service) SetLetterhead(ctx context.Context, by webrana.Actor, l documents.Letterhead) (*documents.Letterhead, error) {
	return documents.SaveLetterhead(ctx, s.db, by, l)
}

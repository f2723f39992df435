// Package invoicing issues customers' monthly invoices and the credit notes
// that correct them: documents for accountants, numbered from one gap-free
// sequence per operator and never changed once issued.
//
// On the first of each month (a periodic job, or an operator asking for a
// finished month) every customer with activity in the month before gets an
// invoice: one line per server (its plan, the hours billed and its charges
// less refunds, the monthly cap already applied by the meter), the
// month's credits and payment refunds as notes, the operator's letterhead
// and the customer's billing details as they were then. Prices include
// tax, so an invoice's total is what the ledger charged for the month and
// the invoice shows the tax contained in it. A month is the ledger entries
// written in it (the meter writes the last hour of a month in the next).
package invoicing

import (
	"cmp"
	"context"
	"encoding/json"
	"fmt"
	"log/slog"
	"strings"
	"time"

	"github.com/webrana/webrana"
	"github.com/webrana/webrana/documents"
	"github.com/webrana/webrana/mail"
	"github.com/webrana/webrana/store"
)

// Mailer queues a message in the transaction of the change it reports
// (mail.Outbox): an invoice's e-mail commits with the invoice.
type Mailer interface {
	QueueTx(ctx context.Context, tx *store.Tx, m mail.Message) error
}

// Service issues, lists and renders invoices and credit notes, and keeps
// customers' billing details and the operator's letterhead.
type Service struct {
	db  *store.DB
	cfg Config
}

// Config holds a Service's optional settings; zero values take defaults.
type Config struct {
	Now    func() time.Time // default webrana.Now
	Logger *slog.Logger     // default discards
	Mail   Mailer           // nil: invoices are issued without e-mail
	// Grace is how long after a month ends the periodic job issues its
	// invoices, so that writes begun in its last moments have committed
	// (default Grace).
	Grace time.Duration
}

// Grace is the default wait after a month's end before its invoices go out.
const Grace = time.Hour

// New returns the invoicing of the customers in db. cfg may be nil.
func New(db *store.DB, cfg *Config) *Service {
	var c Config
	if cfg != nil {
		c = *cfg
	}
	if c.Now == nil {
		c.Now = webrana.Now
	}
	c.Logger = cmp.Or(c.Logger, slog.New(slog.DiscardHandler))
	c.Grace = cmp.Or(c.Grace, Grace)
	return &Service{db: db, cfg: c}
}

// Invoice is an issued invoice or credit note as the API shows it.
type Invoice struct {
	ID       string           `json:"id"`
	Number   string           `json:"number"`   // "INV-000042", "CN-000043"
	Sequence int64            `json:"sequence"` // the number in the one sequence of every document
	Kind     string           `json:"kind"`     // invoice | credit_note
	UserID   string           `json:"user_id"`
	Month    string           `json:"month"`  // "2026-11"
	Period   string           `json:"period"` // "November 2026"
	IssuedAt time.Time        `json:"issued_at"`
	Currency string           `json:"currency"`
	Subtotal int64            `json:"subtotal"` // net of tax, minor units
	Tax      int64            `json:"tax"`      // included in Total
	Total    int64            `json:"total"`
	TaxRate  int              `json:"tax_rate"` // basis points
	TaxLabel string           `json:"tax_label,omitempty"`
	Seller   documents.Party  `json:"seller"`
	Buyer    documents.Party  `json:"buyer"`
	Lines    []documents.Line `json:"lines"`
	Notes    []string         `json:"notes"`
	Corrects string           `json:"corrects_id,omitempty"` // credit notes: the invoice
	Reason   string           `json:"reason,omitempty"`
}

// Number writes a document's number: its kind's prefix and its place in
// the sequence.
func Number(kind string, seq int64) string {
	if kind == store.KindCreditNote {
		return "CN-" + store.FormatNumber(seq)
	}
	return "INV-" + store.FormatNumber(seq)
}

// view reads a stored document.
func view(in *store.Invoice) (*Invoice, error) {
	out := &Invoice{ID: in.ID, Number: Number(in.Kind, in.Number), Sequence: in.Number, Kind: in.Kind, UserID: in.UserID,
		Month: in.Month, IssuedAt: in.IssuedAt, Currency: in.Currency, Subtotal: in.Subtotal, Tax: in.Tax, Total: in.Total,
		TaxRate: in.TaxRate, TaxLabel: in.TaxName, Corrects: in.CorrectsID, Reason: in.Reason}
	if m, err := ParseMonth(in.Month); err == nil {
		out.Period = m.Format("January 2006")
	}
	for _, part := range []struct {
		raw json.RawMessage
		to  any
	}{{in.Seller, &out.Seller}, {in.Buyer, &out.Buyer}, {in.Lines, &out.Lines}, {in.Notes, &out.Notes}} {
		if err := json.Unmarshal(part.raw, part.to); err != nil {
			return nil, fmt.Errorf("invoice %s: %w", in.ID, err)
		}
	}
	if out.Lines == nil {
		out.Lines = []documents.Line{}
	}
	if out.Notes == nil {
		out.Notes = []string{}
	}
	return out, nil
}

// Document is the invoice as documents renders it.
func (in *Invoice) Document() *documents.Document {
	title := "Invoice"
	if in.Kind == store.KindCreditNote {
		title = "Credit note"
	}
	return &documents.Document{Title: title, Number: in.Number, Issued: in.IssuedAt, Period: in.Period,
		Seller: in.Seller, Buyer: in.Buyer, Currency: in.Currency, Lines: in.Lines,
		Subtotal: in.Subtotal, Tax: in.Tax, TaxLabel: in.TaxLabel, Total: in.Total, Notes: in.Notes}
}

// ParseMonth reads "2026-11" as the month's first instant, UTC.
func ParseMonth(s string) (time.Time, error) {
	m, err := time.Parse(webrana.MonthLayout, strings.TrimSpace(s))
	if err != nil {
		return time.Time{}, webrana.FieldError("month", "month is a calendar month written 2026-11.")
	}
	return m.UTC(), nil
}

// monthKey writes a month as invoices store it.
func monthKey(m time.Time) string { return m.UTC().Format(webrana.MonthLayout) }

func (s *Service) now() time.Time { return s.cfg.Now() }

func money(amount int64, currency string) string {
	return webrana.Money{Amount: amount, Currency: currency}.String()
}

func mustJSON(v any) json.RawMessage {
	b, err := json.Marshal(v)
	if err != nil {
		panic(err) // plain structs and slices of strings always marshal
	}
	return b
}

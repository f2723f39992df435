package store

import (
	"context"
	"database/sql"
	"encoding/json"
	"errors"
	"fmt"
	"time"

	"github.com/webrana/webrana"
)

// Document kinds: a month's invoice, and a credit note correcting one.
const (
	KindInvoice    = "invoice"
	KindCreditNote = "credit_note"
)

// Invoice is an issued document: a customer's invoice for a month, or a
// credit note correcting one. Once written it never changes. The store
// keeps Seller, Buyer, Lines and Notes as the JSON the invoicing package
// wrote; it reads only the amounts.
type Invoice struct {
	ID       string
	Number   int64 // from the one gap-free sequence of every document
	Kind     string
	UserID   string
	Month    string // "2026-11": the invoice's month (a credit note: its invoice's)
	IssuedAt time.Time
	Currency string
	Subtotal int64 // net of tax
	Tax      int64
	Total    int64 // Subtotal + Tax
	TaxRate  int   // basis points: 1100 is 11 %
	TaxName  string
	Seller   json.RawMessage
	Buyer    json.RawMessage
	Lines    json.RawMessage
	Notes    json.RawMessage
	// CorrectsID is the invoice a credit note corrects ("" for an invoice),
	// Reason why.
	CorrectsID string
	Reason     string
}

const invoiceColumns = `id, number, kind, user_id, month, issued_at, currency, subtotal, tax, total, tax_rate, tax_name,
	seller, buyer, lines, notes, corrects_id, reason`

func scanInvoice(s scanner) (*Invoice, error) {
	var in Invoice
	var seller, buyer, lines, notes string
	var corrects sql.NullString
	if err := s.Scan(&in.ID, &in.Number, &in.Kind, &in.UserID, &in.Month, &in.IssuedAt, &in.Currency, &in.Subtotal,
		&in.Tax, &in.Total, &in.TaxRate, &in.TaxName, &seller, &buyer, &lines, &notes, &corrects, &in.Reason); err != nil {
		return nil, err
	}
	in.IssuedAt = in.IssuedAt.UTC()
	in.Seller, in.Buyer, in.Lines, in.Notes = json.RawMessage(seller), json.RawMessage(buyer), json.RawMessage(lines), json.RawMessage(notes)
	in.CorrectsID = corrects.String
	return &in, nil
}

// checkDocument refuses a document whose amounts do not add up or leave
// the money limits, or whose JSON parts are not JSON.
func checkDocument(in *Invoice) error {
	for _, v := range []int64{in.Subtotal, in.Tax, in.Total} {
		if v < -webrana.MaxBalance || v > webrana.MaxBalance {
			return webrana.Errorf(webrana.EINVALID, "A document's amounts are at most %s either way.", webrana.FormatMajor(webrana.MaxBalance))
		}
	}
	if sum, err := webrana.AddMoney(in.Subtotal, in.Tax); err != nil || sum != in.Total {
		return webrana.Errorf(webrana.EINVALID, "A document's net and tax must add up to its total.")
	}
	if in.TaxRate < 0 || in.TaxRate > 10000 {
		return webrana.FieldError("tax_rate", "A tax rate is 0 to 100 %%.")
	}
	if len(in.Currency) != 3 || in.UserID == "" || len(in.Month) != len(webrana.MonthLayout) {
		return webrana.Errorf(webrana.EINVALID, "A document names its customer, its month and a three-letter currency.")
	}
	for _, part := range []json.RawMessage{in.Seller, in.Buyer, in.Lines, in.Notes} {
		if !json.Valid(part) {
			return webrana.Errorf(webrana.EINVALID, "A document's parties, lines and notes are JSON.")
		}
	}
	return nil
}

// nextNumber takes the next number of the documents' sequence. The UPDATE
// locks the counter's row until the transaction ends (SQLite: the whole
// database is the transaction's already), so issuers take turns, and a
// transaction that rolls back gives its number back: no two documents
// share a number and none is skipped.
func (c conn) nextNumber(ctx context.Context) (int64, error) {
	var n int64
	err := c.row(ctx, `UPDATE document_counters SET issued = issued + 1 WHERE name = 'invoices' RETURNING issued`).Scan(&n)
	return n, err
}

// insertDocument writes in as number n, setting its ID and issue time.
func (c conn) insertDocument(ctx context.Context, in *Invoice, n int64) error {
	in.ID, in.Number, in.IssuedAt = newID(), n, c.now().UTC()
	_, err := c.exec(ctx, `INSERT INTO invoices (`+invoiceColumns+`) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`,
		in.ID, in.Number, in.Kind, in.UserID, in.Month, in.IssuedAt, in.Currency, in.Subtotal, in.Tax, in.Total,
		in.TaxRate, in.TaxName, string(in.Seller), string(in.Buyer), string(in.Lines), string(in.Notes),
		nullString(in.CorrectsID), in.Reason)
	return err
}

// IssueInvoice writes a customer's invoice for its month with the next
// number, then runs also (its e-mail) in the same transaction, and
// reports whether it was written: a customer's month is invoiced once, so
// when an invoice of that month exists (another replica issued it first)
// nothing is written, no number is used, and in keeps no ID.
func (db *DB) IssueInvoice(ctx context.Context, in *Invoice, also ...func(*Tx) error) (bool, error) {
	in.Kind, in.CorrectsID, in.Reason = KindInvoice, "", ""
	if err := checkDocument(in); err != nil {
		return false, err
	}
	errIssued := errors.New("already issued")
	err := db.InTx(ctx, func(tx *Tx) error {
		c := tx.conn()
		n, err := c.nextNumber(ctx) // first: issuers of the same month take turns from here
		if err != nil {
			return err
		}
		exists, err := c.count(ctx, `SELECT COUNT(*) FROM invoices WHERE user_id = ? AND month = ? AND kind = ?`,
			in.UserID, in.Month, KindInvoice)
		if err != nil {
			return err
		}
		if exists > 0 {
			return errIssued // rolls the number back
		}
		if err := c.insertDocument(ctx, in, n); err != nil {
			if isUniqueViolation(err) {
				return errIssued
			}
			return constraintError(err, "", "Unknown customer.")
		}
		return tx.then(also)
	})
	if errors.Is(err, errIssued) {
		in.ID, in.Number = "", 0
		return false, nil
	}
	if err != nil {
		in.ID, in.Number = "", 0
		return false, err
	}
	return true, nil
}

// IssueCreditNote writes a credit note correcting the invoice cn.CorrectsID
// with the next number, then runs also (the ledger's credit and its audit)
// in the same transaction. Its total must be positive and may not exceed
// what the invoice's total leaves after its earlier credit notes: they are
// summed once the sequence's lock is held, so concurrent credit notes take
// turns and cannot pass the limit together (EINVALID on amount). The
// customer, month and currency are the invoice's.
func (db *DB) IssueCreditNote(ctx context.Context, cn *Invoice, also ...func(*Tx) error) error {
	cn.Kind = KindCreditNote
	if cn.Total <= 0 {
		return webrana.FieldError("amount", "A credit note credits a positive amount.")
	}
	err := db.InTx(ctx, func(tx *Tx) error {
		c := tx.conn()
		n, err := c.nextNumber(ctx) // the sequence's lock, before reading what was credited
		if err != nil {
			return err
		}
		inv, err := c.invoiceByID(ctx, cn.CorrectsID)
		if err != nil {
			return err
		}
		if inv.Kind != KindInvoice {
			return webrana.Errorf(webrana.EINVALID, "A credit note corrects an invoice, not a credit note.")
		}
		credited, err := c.credited(ctx, inv.ID)
		if err != nil {
			return err
		}
		left, err := webrana.SubMoney(inv.Total, credited)
		if err != nil {
			return err
		}
		if cn.Total > left {
			return webrana.FieldError("amount", "Invoice %s can be credited at most %s more (its total %s, credited %s).",
				FormatNumber(inv.Number), webrana.FormatMajor(max(0, left)), webrana.FormatMajor(inv.Total), webrana.FormatMajor(credited))
		}
		cn.UserID, cn.Month, cn.Currency = inv.UserID, inv.Month, inv.Currency
		if err := checkDocument(cn); err != nil {
			return err
		}
		if err := c.insertDocument(ctx, cn, n); err != nil {
			return err
		}
		return tx.then(also)
	})
	if err != nil {
		cn.ID, cn.Number = "", 0
	}
	return err
}

// FormatNumber is how a document's number is written: "000042".
func FormatNumber(n int64) string { return fmt.Sprintf("%06d", n) }

// credited sums the credit notes of an invoice.
func (c conn) credited(ctx context.Context, invoiceID string) (int64, error) {
	var sum int64
	err := c.row(ctx, `SELECT COALESCE(SUM(total), 0) FROM invoices WHERE corrects_id = ?`, invoiceID).Scan(&sum)
	return sum, err
}

// Credited is what the credit notes of an invoice credited, in total.
func (db *DB) Credited(ctx context.Context, invoiceID string) (int64, error) {
	return db.conn().credited(ctx, invoiceID)
}

// InvoiceByID returns a document (ENOTFOUND when none).
func (db *DB) InvoiceByID(ctx context.Context, id string) (*Invoice, error) {
	return db.conn().invoiceByID(ctx, id)
}

func (c conn) invoiceByID(ctx context.Context, id string) (*Invoice, error) {
	in, err := scanInvoice(c.row(ctx, `SELECT `+invoiceColumns+` FROM invoices WHERE id = ?`, id))
	return in, notFound(err, "Invoice")
}

// ListInvoices returns a page of documents, newest first: one customer's,
// or everyone's when userID is "".
func (db *DB) ListInvoices(ctx context.Context, userID string, p webrana.Page) ([]*Invoice, int, error) {
	where, args := whereClause{}.eq("user_id", userID).build()
	return listPage(ctx, db.conn(), scanInvoice, `SELECT `+invoiceColumns+` FROM invoices`+where+` ORDER BY number DESC`,
		`SELECT COUNT(*) FROM invoices`+where, args, p)
}

// CreditNotesOf returns the credit notes of an invoice, oldest first.
func (db *DB) CreditNotesOf(ctx context.Context, invoiceID string) ([]*Invoice, error) {
	return list(ctx, db.conn(), scanInvoice, `SELECT `+invoiceColumns+` FROM invoices WHERE corrects_id = ? ORDER BY number`, invoiceID)
}

// MonthCustomers returns the customers with a ledger entry from from to
// to (a month) who have no invoice for month yet, in id order, and how
// many of those with an entry have one.
func (db *DB) MonthCustomers(ctx context.Context, month string, from, to time.Time) (pending []string, issued int, err error) {
	type row struct {
		id       string
		invoiced bool
	}
	rows, err := list(ctx, db.conn(), func(s scanner) (row, error) {
		var r row
		var n int
		err := s.Scan(&r.id, &n)
		r.invoiced = n > 0
		return r, err
	}, `SELECT u.id, (SELECT COUNT(*) FROM invoices i WHERE i.user_id = u.id AND i.month = ? AND i.kind = ?)
		FROM users u WHERE EXISTS (SELECT 1 FROM ledger_entries l WHERE l.user_id = u.id AND l.created_at >= ? AND l.created_at < ?)
		ORDER BY u.id`, month, KindInvoice, from, to)
	if err != nil {
		return nil, 0, err
	}
	pending = []string{}
	for _, r := range rows {
		if r.invoiced {
			issued++
		} else {
			pending = append(pending, r.id)
		}
	}
	return pending, issued, nil
}

// MonthEntry is a ledger entry of a month with what an invoice line says
// of its server: its label and its plan (empty without a server).
type MonthEntry struct {
	*webrana.LedgerEntry
	ServerLabel  string
	PlanName     string
	PriceHourly  int64
	PriceMonthly int64
}

// MonthEntries returns a customer's ledger entries from from to to, oldest
// first, each with its server's label and plan.
func (db *DB) MonthEntries(ctx context.Context, userID string, from, to time.Time) ([]*MonthEntry, error) {
	return list(ctx, db.conn(), func(s scanner) (*MonthEntry, error) {
		e := &MonthEntry{LedgerEntry: &webrana.LedgerEntry{}}
		var instance, key, label, plan sql.NullString
		var hourly, monthly sql.NullInt64
		if err := s.Scan(&e.ID, &e.UserID, &e.Kind, &e.Amount, &e.Currency, &instance, &e.Note, &key, &e.CreatedAt,
			&label, &plan, &hourly, &monthly); err != nil {
			return nil, err
		}
		e.InstanceID, e.IdempotencyKey, e.CreatedAt = instance.String, key.String, e.CreatedAt.UTC()
		e.ServerLabel, e.PlanName, e.PriceHourly, e.PriceMonthly = label.String, plan.String, hourly.Int64, monthly.Int64
		return e, nil
	}, `SELECT l.id, l.user_id, l.kind, l.amount, l.currency, l.instance_id, l.note, l.idempotency_key, l.created_at,
			i.label, p.name, p.price_hourly, p.price_monthly
		FROM ledger_entries l LEFT JOIN instances i ON i.id = l.instance_id LEFT JOIN plans p ON p.id = i.plan_id
		WHERE l.user_id = ? AND l.created_at >= ? AND l.created_at < ?
		ORDER BY l.created_at, l.id`, userID, from, to)
}

// BillingDetails is what a customer's invoices say of them.
type BillingDetails struct {
	UserID    string
	Name      string
	Company   string
	Address   string // lines separated by "\n"
	TaxID     string
	UpdatedAt *time.Time // nil: never set
}

// BillingDetailsOf returns a customer's billing details (empty, with
// UpdatedAt nil, when never set).
func (db *DB) BillingDetailsOf(ctx context.Context, userID string) (*BillingDetails, error) {
	d := &BillingDetails{UserID: userID}
	var at time.Time
	err := db.conn().row(ctx, `SELECT name, company, address, tax_id, updated_at FROM billing_details WHERE user_id = ?`, userID).
		Scan(&d.Name, &d.Company, &d.Address, &d.TaxID, &at)
	if errors.Is(err, sql.ErrNoRows) {
		return d, nil
	}
	if err != nil {
		return nil, err
	}
	at = at.UTC()
	d.UpdatedAt = &at
	return d, nil
}

// SetBillingDetails writes a customer's billing details in the
// transaction (so that the change and its audit commit together).
func (tx *Tx) SetBillingDetails(ctx context.Context, d *BillingDetails) error {
	c := tx.conn()
	at := c.now().UTC()
	_, err := c.exec(ctx, `INSERT INTO billing_details (user_id, name, company, address, tax_id, updated_at) VALUES (?, ?, ?, ?, ?, ?)
		ON CONFLICT (user_id) DO UPDATE SET name = excluded.name, company = excluded.company, address = excluded.address,
			tax_id = excluded.tax_id, updated_at = excluded.updated_at`, d.UserID, d.Name, d.Company, d.Address, d.TaxID, at)
	if err != nil {
		return constraintError(err, "", "Unknown customer.")
	}
	d.UpdatedAt = &at
	return nil
}

package billing

import (
	"cmp"
	"context"
	"fmt"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/webrana/webrana"
	"github.com/webrana/webrana/store"
)

// Ledger is customers' money as the panel and the API show and change it:
// balances, statements, the operator's credits, a server's cost this month.
type Ledger struct {
	db       *store.DB
	dunning  *Dunning
	currency string
}

// LedgerConfig holds a Ledger's optional settings; zero values take
// defaults.
type LedgerConfig struct {
	Currency string // the currency Webrana bills in (default webrana.BillingCurrency)
}

// NewLedger returns the ledger of the customers in db; dunning tells a
// statement when servers are suspended and deleted (nil tells nothing).
// cfg may be nil.
func NewLedger(db *store.DB, dunning *Dunning, cfg *LedgerConfig) *Ledger {
	var c LedgerConfig
	if cfg != nil {
		c = *cfg
	}
	return &Ledger{db: db, dunning: dunning, currency: cmp.Or(c.Currency, webrana.BillingCurrency)}
}

// Balance is a user's balance.
func (l *Ledger) Balance(ctx context.Context, userID string) (webrana.Money, error) {
	b, err := l.db.Balance(ctx, userID, l.currency)
	if err != nil {
		return webrana.Money{}, fmt.Errorf("balance of %s: %w", userID, err)
	}
	return b, nil
}

// Balances is a page of users (ListUsers' filter), each customer with their
// balance, in one query: the operator's customer list.
func (l *Ledger) Balances(ctx context.Context, f store.UserFilter) ([]*store.UserBalance, int, error) {
	rows, total, err := l.db.ListUserBalances(ctx, f, l.currency)
	if err != nil {
		return nil, 0, fmt.Errorf("list balances: %w", err)
	}
	return rows, total, nil
}

// Statement is what a customer sees of their money: the balance, a page of
// the ledger (newest first) and, while the balance is below zero, how far
// dunning went and when it goes further.
type Statement struct {
	Balance webrana.Money
	Entries []*store.LedgerRow // each with the label of the server it names
	Total   int
	Dunning *store.Dunning // nil without a negative balance on record
	// When the servers are suspended and deleted if nothing is paid.
	SuspendsAt, DeletesAt *time.Time
}

// Statement returns a customer's statement with one page of the ledger.
func (l *Ledger) Statement(ctx context.Context, userID string, page webrana.Page) (*Statement, error) {
	balance, err := l.Balance(ctx, userID)
	if err != nil {
		return nil, err
	}
	out := &Statement{Balance: balance}
	if out.Entries, out.Total, err = l.db.ListLedgerRows(ctx, userID, page); err != nil {
		return nil, fmt.Errorf("ledger of %s: %w", userID, err)
	}
	if out.Dunning, err = l.db.DunningOf(ctx, userID); err != nil {
		return nil, fmt.Errorf("dunning of %s: %w", userID, err)
	}
	if out.Dunning != nil && l.dunning != nil {
		out.SuspendsAt, out.DeletesAt = l.dunning.Schedule(out.Dunning)
	}
	return out, nil
}

// MaxCreditKey bounds a credit's idempotency key.
const MaxCreditKey = 100

// Credit adds money to a customer's balance, once per idempotency key
// (optional), with its audit entry ("customer.credited", by the actor) in
// the same transaction. It reports whether the credit was written (false:
// the same key again, nothing added) and the balance after it.
func (l *Ledger) Credit(ctx context.Context, by webrana.Actor, customerID string, amount int64, note, key string) (bool, webrana.Money, error) {
	e, err := l.credit(ctx, customerID, amount, note, key)
	if err != nil {
		return false, webrana.Money{}, err
	}
	written := false
	err = l.db.InTx(ctx, func(tx *store.Tx) error {
		if written, err = tx.AppendLedger(ctx, e); err != nil || !written {
			return err
		}
		return tx.AppendAudit(ctx, by.Entry("customer.credited", "user", e.UserID, e.Note))
	})
	if err != nil {
		return false, webrana.Money{}, fmt.Errorf("credit %s: %w", customerID, err)
	}
	balance, err := l.Balance(ctx, customerID)
	return written, balance, err
}

// credit checks a credit and returns its ledger entry.
func (l *Ledger) credit(ctx context.Context, customerID string, amount int64, note, key string) (*webrana.LedgerEntry, error) {
	note = strings.TrimSpace(note)
	if err := webrana.CreditRange.Check("amount", amount); err != nil {
		return nil, err
	}
	if note == "" || utf8.RuneCountInString(note) > 200 {
		return nil, webrana.FieldError("note", "A note of 1 to 200 characters is required (it shows on the customer's statement).")
	}
	customer, err := l.db.UserByID(ctx, customerID)
	if err != nil {
		return nil, fmt.Errorf("customer %s: %w", customerID, err)
	}
	if customer.Role != webrana.RoleCustomer {
		return nil, webrana.Errorf(webrana.EINVALID, "Only customers have a balance.")
	}
	e := &webrana.LedgerEntry{UserID: customer.ID, Kind: webrana.LedgerCredit, Amount: amount, Currency: l.currency, Note: note}
	if key = strings.TrimSpace(key); key != "" {
		if len(key) > MaxCreditKey {
			return nil, webrana.FieldError("Idempotency-Key", "Idempotency-Key is at most %d characters.", MaxCreditKey)
		}
		e.IdempotencyKey = "credit:" + customer.ID + ":" + key
	}
	return e, nil
}

// MonthCost is what a server has cost its owner this calendar month, in
// currency (its plan's), and the month's first moment.
func (l *Ledger) MonthCost(ctx context.Context, in *webrana.Instance, currency string) (webrana.Money, time.Time, error) {
	month := webrana.MonthOf(webrana.NowFrom(l.db.Now)) // the ledger's own clock
	cost, err := l.db.InstanceCost(ctx, in.OwnerID, in.ID, currency, month)
	if err != nil {
		return webrana.Money{}, month, fmt.Errorf("cost of server %s: %w", in.ID, err)
	}
	return cost, month, nil
}

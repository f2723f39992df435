package web

import (
	"net/http"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/webrana/webrana"
)

// Currency is the one currency Webrana bills in today.
const Currency = "USD"

type billingResponse struct {
	Balance webrana.Money `json:"balance"`
	Dunning *dunningView  `json:"dunning,omitempty"` // while the balance is below zero
	listResponse[*webrana.LedgerEntry]
}

// dunningView tells a customer with a negative balance how far it went.
type dunningView struct {
	NegativeSince *time.Time `json:"negative_since,omitempty"`
	WarnedAt      *time.Time `json:"warned_at,omitempty"`
	SuspendedAt   *time.Time `json:"suspended_at,omitempty"`
	DestroyedAt   *time.Time `json:"destroyed_at,omitempty"`
}

// handleBilling shows the caller's balance and a page of their ledger,
// newest first.
func (s *Server) handleBilling(w http.ResponseWriter, r *http.Request) error {
	page, err := pageParams(r)
	if err != nil {
		return err
	}
	me := principal(r).User
	balance, err := s.db.Balance(r.Context(), me.ID, Currency)
	if err != nil {
		return err
	}
	entries, total, err := s.db.ListLedger(r.Context(), me.ID, page)
	if err != nil {
		return err
	}
	out := billingResponse{Balance: balance, listResponse: newList(entries, total, page)}
	d, err := s.db.DunningOf(r.Context(), me.ID)
	if err != nil {
		return err
	}
	if d != nil {
		out.Dunning = &dunningView{NegativeSince: d.NegativeSince, WarnedAt: d.WarnedAt, SuspendedAt: d.SuspendedAt, DestroyedAt: d.DestroyedAt}
	}
	writeJSON(w, http.StatusOK, out)
	return nil
}

type creditRequest struct {
	Amount int64  `json:"amount"` // minor units
	Note   string `json:"note"`
}

// MaxCredit bounds one credit (100,000.00), so a typo cannot mint a fortune.
const MaxCredit = 10_000_000

// handleCredit adds money to a customer's balance. An Idempotency-Key header
// makes a retried request credit once.
func (s *Server) handleCredit(w http.ResponseWriter, r *http.Request) error {
	var req creditRequest
	if err := decodeJSON(w, r, &req); err != nil {
		return err
	}
	req.Note = strings.TrimSpace(req.Note)
	switch {
	case req.Amount <= 0 || req.Amount > MaxCredit:
		return webrana.FieldError("amount", "amount must be between 1 and %d minor units (cents).", MaxCredit)
	case req.Note == "" || utf8.RuneCountInString(req.Note) > 200:
		return webrana.FieldError("note", "A note of 1 to 200 characters is required (it shows on the customer's statement).")
	}
	customer, err := s.db.UserByID(r.Context(), r.PathValue("id"))
	if err != nil {
		return err
	}
	if customer.Role != webrana.RoleCustomer {
		return webrana.Errorf(webrana.EINVALID, "Only customers have a balance.")
	}
	e := &webrana.LedgerEntry{UserID: customer.ID, Kind: webrana.LedgerCredit, Amount: req.Amount, Currency: Currency, Note: req.Note}
	if key := strings.TrimSpace(r.Header.Get("Idempotency-Key")); key != "" {
		if len(key) > 100 {
			return webrana.FieldError("Idempotency-Key", "Idempotency-Key is at most 100 characters.")
		}
		e.IdempotencyKey = "credit:" + customer.ID + ":" + key
	}
	written, err := s.db.AppendLedger(r.Context(), e)
	if err != nil {
		return err
	}
	if written {
		if err := s.auth.Audit(r.Context(), principal(r), "customer.credited", "user", customer.ID, e.Note, sourceAddr(r)); err != nil {
			return err
		}
	}
	balance, err := s.db.Balance(r.Context(), customer.ID, Currency)
	if err != nil {
		return err
	}
	status := http.StatusCreated
	if !written {
		status = http.StatusOK // the same request again: nothing new
	}
	writeJSON(w, status, map[string]any{"credited": written, "balance": balance})
	return nil
}

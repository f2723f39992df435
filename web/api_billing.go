package web

import (
	"context"
	"net/http"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/webrana/webrana"
)

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
	// When the servers are suspended and deleted if nothing is paid.
	SuspendsAt *time.Time `json:"suspends_at,omitempty"`
	DeletesAt  *time.Time `json:"deletes_at,omitempty"`
}

// handleBilling shows the caller's balance and a page of their ledger,
// newest first.
func (s *Server) handleBilling(w http.ResponseWriter, r *http.Request) error {
	page, err := pageParams(r)
	if err != nil {
		return err
	}
	out, err := s.billingOf(r.Context(), principal(r).User.ID, page)
	if err != nil {
		return err
	}
	writeJSON(w, http.StatusOK, out)
	return nil
}

// billingOf returns a customer's balance, one page of their ledger (newest
// first) and, while the balance is below zero, how far dunning went: what
// GET /api/billing and the billing page show.
func (s *Server) billingOf(ctx context.Context, userID string, page webrana.Page) (*billingResponse, error) {
	balance, err := s.db.Balance(ctx, userID, webrana.BillingCurrency)
	if err != nil {
		return nil, err
	}
	entries, total, err := s.db.ListLedger(ctx, userID, page)
	if err != nil {
		return nil, err
	}
	out := &billingResponse{Balance: balance, listResponse: newList(entries, total, page)}
	d, err := s.db.DunningOf(ctx, userID)
	if err != nil {
		return nil, err
	}
	if d != nil {
		out.Dunning = &dunningView{NegativeSince: d.NegativeSince, WarnedAt: d.WarnedAt, SuspendedAt: d.SuspendedAt, DestroyedAt: d.DestroyedAt}
		if s.dunning != nil {
			out.Dunning.SuspendsAt, out.Dunning.DeletesAt = s.dunning.Schedule(d)
		}
	}
	return out, nil
}

type creditRequest struct {
	Amount int64  `json:"amount"` // minor units
	Note   string `json:"note"`
}

// rangeError: an amount JSON holds but an int64 cannot (a fraction, 1e30)
// is told the range, as any amount outside it is.
func (creditRequest) rangeError(field string) error {
	if field == "amount" {
		return webrana.CreditRange.Error(field)
	}
	return nil
}

// handleCredit adds money to a customer's balance. An Idempotency-Key header
// makes a retried request credit once.
func (s *Server) handleCredit(w http.ResponseWriter, r *http.Request) error {
	var req creditRequest
	if err := decodeJSON(w, r, &req); err != nil {
		return err
	}
	written, balance, err := s.credit(r, r.PathValue("id"), req, r.Header.Get("Idempotency-Key"))
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

// credit adds money to a customer's balance and audits it, once per
// idempotency key (optional; at most 100 characters). It reports whether
// the credit was written (false: the same key again) and the new balance.
func (s *Server) credit(r *http.Request, customerID string, req creditRequest, key string) (bool, webrana.Money, error) {
	req.Note = strings.TrimSpace(req.Note)
	if err := webrana.CreditRange.Check("amount", req.Amount); err != nil {
		return false, webrana.Money{}, err
	}
	if req.Note == "" || utf8.RuneCountInString(req.Note) > 200 {
		return false, webrana.Money{}, webrana.FieldError("note", "A note of 1 to 200 characters is required (it shows on the customer's statement).")
	}
	customer, err := s.db.UserByID(r.Context(), customerID)
	if err != nil {
		return false, webrana.Money{}, err
	}
	if customer.Role != webrana.RoleCustomer {
		return false, webrana.Money{}, webrana.Errorf(webrana.EINVALID, "Only customers have a balance.")
	}
	e := &webrana.LedgerEntry{UserID: customer.ID, Kind: webrana.LedgerCredit, Amount: req.Amount, Currency: webrana.BillingCurrency, Note: req.Note}
	if key = strings.TrimSpace(key); key != "" {
		if len(key) > 100 {
			return false, webrana.Money{}, webrana.FieldError("Idempotency-Key", "Idempotency-Key is at most 100 characters.")
		}
		e.IdempotencyKey = "credit:" + customer.ID + ":" + key
	}
	written, err := s.db.AppendLedger(r.Context(), e)
	if err != nil {
		return false, webrana.Money{}, err
	}
	if written {
		if err := s.auth.Audit(r.Context(), principal(r), "customer.credited", "user", customer.ID, e.Note, sourceAddr(r)); err != nil {
			return false, webrana.Money{}, err
		}
	}
	balance, err := s.db.Balance(r.Context(), customer.ID, webrana.BillingCurrency)
	return written, balance, err
}

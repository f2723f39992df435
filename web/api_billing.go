package web

import (
	"context"
	"net/http"
	"time"

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
	st, err := s.ledger.Statement(ctx, userID, page)
	if err != nil {
		return nil, err
	}
	out := &billingResponse{Balance: st.Balance, listResponse: newList(st.Entries, st.Total, page)}
	if d := st.Dunning; d != nil {
		out.Dunning = &dunningView{NegativeSince: d.NegativeSince, WarnedAt: d.WarnedAt, SuspendedAt: d.SuspendedAt,
			DestroyedAt: d.DestroyedAt, SuspendsAt: st.SuspendsAt, DeletesAt: st.DeletesAt}
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

// credit adds money to a customer's balance, audited by billing, once per
// idempotency key (optional). It reports whether the credit was written
// (false: the same key again) and the new balance.
func (s *Server) credit(r *http.Request, customerID string, req creditRequest, key string) (bool, webrana.Money, error) {
	return s.ledger.Credit(r.Context(), actor(r), customerID, req.Amount, req.Note, key)
}

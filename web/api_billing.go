package web

import (
	"net/http"
	"time"

	"github.com/webrana/webrana"
	"github.com/webrana/webrana/billing"
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
	st, err := s.ledger.Statement(r.Context(), principal(r).User.ID, page)
	if err != nil {
		return err
	}
	writeJSON(w, http.StatusOK, billingOut(st, page))
	return nil
}

// billingOut is a statement as GET /api/billing shows it: the balance, a
// page of the ledger and, while the balance is below zero, how far
// dunning went.
func billingOut(st *billing.Statement, page webrana.Page) *billingResponse {
	entries := make([]*webrana.LedgerEntry, len(st.Entries))
	for i, e := range st.Entries {
		entries[i] = e.LedgerEntry
	}
	out := &billingResponse{Balance: st.Balance, listResponse: newList(entries, st.Total, page)}
	if d := st.Dunning; d != nil {
		out.Dunning = &dunningView{NegativeSince: d.NegativeSince, WarnedAt: d.WarnedAt, SuspendedAt: d.SuspendedAt,
			DestroyedAt: d.DestroyedAt, SuspendsAt: st.SuspendsAt, DeletesAt: st.DeletesAt}
	}
	return out
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

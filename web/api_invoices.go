package web

import (
	"net/http"

	"github.com/webrana/webrana"
	"github.com/webrana/webrana/documents"
	"github.com/webrana/webrana/invoicing"
)

// invoiceRoutes registers monthly invoices and credit notes (issue 17 §2):
// customers' documents and billing details, operators' issuing, credit
// notes and letterhead, with their pages (ui_invoices.go).
func (s *Server) invoiceRoutes() {
	s.api("GET /api/billing/invoices", SignedIn, s.handleListInvoices)
	s.api("GET /api/billing/invoices/{id}", SignedIn, s.handleGetInvoice)
	s.api("GET /api/billing/invoices/{id}/pdf", SignedIn, s.handleInvoicePDF)
	s.api("GET /api/billing/details", SignedIn, s.handleGetBillingDetails)
	s.api("PUT /api/billing/details", SignedIn, s.handleSetBillingDetails)
	s.api("GET /api/admin/invoices", Admin, s.handleAdminListInvoices)
	s.api("POST /api/admin/invoices/issue", Admin, s.handleIssueInvoices)
	s.api("POST /api/admin/invoices/{id}/credit-notes", Admin, s.handleCreditNote)
	s.api("GET /api/admin/letterhead", Admin, s.handleGetLetterhead)
	s.api("PUT /api/admin/letterhead", Admin, s.handleSetLetterhead)
	s.invoicePages()
}

func (s *Server) handleListInvoices(w http.ResponseWriter, r *http.Request) error {
	page, err := pageParams(r)
	if err != nil {
		return err
	}
	items, total, err := s.invoices.List(r.Context(), actor(r), page)
	if err != nil {
		return err
	}
	writeJSON(w, http.StatusOK, newList(items, total, page))
	return nil
}

func (s *Server) handleAdminListInvoices(w http.ResponseWriter, r *http.Request) error {
	page, err := pageParams(r)
	if err != nil {
		return err
	}
	items, total, err := s.invoices.ListAll(r.Context(), page)
	if err != nil {
		return err
	}
	writeJSON(w, http.StatusOK, newList(items, total, page))
	return nil
}

// handleGetInvoice shows one of the caller's documents (an operator: any);
// someone else's is not found.
func (s *Server) handleGetInvoice(w http.ResponseWriter, r *http.Request) error {
	in, err := s.invoices.Get(r.Context(), actor(r), r.PathValue("id"))
	if err != nil {
		return err
	}
	writeJSON(w, http.StatusOK, in)
	return nil
}

func (s *Server) handleInvoicePDF(w http.ResponseWriter, r *http.Request) error {
	return s.writeInvoicePDF(w, r, "attachment")
}

// writeInvoicePDF answers one of the caller's documents as PDF, named by
// its number; disposition is "attachment" or "inline".
func (s *Server) writeInvoicePDF(w http.ResponseWriter, r *http.Request, disposition string) error {
	in, err := s.invoices.Get(r.Context(), actor(r), r.PathValue("id"))
	if err != nil {
		return err
	}
	return s.writePDF(w, r, in.Document(), disposition, in.Number)
}

func (s *Server) handleGetBillingDetails(w http.ResponseWriter, r *http.Request) error {
	d, err := s.invoices.Details(r.Context(), actor(r))
	if err != nil {
		return err
	}
	writeJSON(w, http.StatusOK, d)
	return nil
}

// handleSetBillingDetails replaces the caller's billing details (fields
// left out become empty).
func (s *Server) handleSetBillingDetails(w http.ResponseWriter, r *http.Request) error {
	var req invoicing.Details
	if err := decodeJSON(w, r, &req); err != nil {
		return err
	}
	d, err := s.invoices.SetDetails(r.Context(), actor(r), req)
	if err != nil {
		return err
	}
	writeJSON(w, http.StatusOK, d)
	return nil
}

type issueRequest struct {
	Month string `json:"month"` // "2026-11"
}

// handleIssueInvoices issues a finished month's invoices now; again, it
// issues only those still missing.
func (s *Server) handleIssueInvoices(w http.ResponseWriter, r *http.Request) error {
	var req issueRequest
	if err := decodeJSON(w, r, &req); err != nil {
		return err
	}
	out, err := s.issueMonth(r, req.Month)
	if err != nil {
		return err
	}
	writeJSON(w, http.StatusOK, out)
	return nil
}

func (s *Server) issueMonth(r *http.Request, month string) (*invoicing.Issued, error) {
	m, err := invoicing.ParseMonth(month)
	if err != nil {
		return nil, err
	}
	return s.invoices.IssueMonth(r.Context(), m)
}

type creditNoteRequest struct {
	Amount int64  `json:"amount"` // minor units, tax included
	Reason string `json:"reason"`
}

// rangeError: an amount an int64 cannot hold is told the range.
func (creditNoteRequest) rangeError(field string) error {
	if field == "amount" {
		return webrana.AmountRange{Min: 1, Max: webrana.MaxAmount}.Error(field)
	}
	return nil
}

// handleCreditNote issues a credit note correcting an invoice.
func (s *Server) handleCreditNote(w http.ResponseWriter, r *http.Request) error {
	var req creditNoteRequest
	if err := decodeJSON(w, r, &req); err != nil {
		return err
	}
	cn, err := s.invoices.CreditNote(r.Context(), actor(r), r.PathValue("id"), req.Amount, req.Reason)
	if err != nil {
		return err
	}
	writeJSON(w, http.StatusCreated, cn)
	return nil
}

func (s *Server) handleGetLetterhead(w http.ResponseWriter, r *http.Request) error {
	l, err := s.invoices.Letterhead(r.Context())
	if err != nil {
		return err
	}
	writeJSON(w, http.StatusOK, l)
	return nil
}

// handleSetLetterhead replaces the operator's letterhead.
func (s *Server) handleSetLetterhead(w http.ResponseWriter, r *http.Request) error {
	var req documents.Letterhead
	if err := decodeJSON(w, r, &req); err != nil {
		return err
	}
	l, err := s.invoices.SetLetterhead(r.Context(), actor(r), req)
	if err != nil {
		return err
	}
	writeJSON(w, http.StatusOK, l)
	return nil
}

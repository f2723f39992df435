package web

import (
	"errors"
	"io"
	"net/http"

	"github.com/webrana/webrana"
	"github.com/webrana/webrana/payments"
)

// paymentRoutes registers card top-ups (issue 17 §1): customers' top-ups
// and receipts, the gateway's webhook, and operators' refunds.
func (s *Server) paymentRoutes() {
	s.api("POST /api/billing/top-ups", SignedIn, s.handleCreateTopUp)
	s.api("GET /api/billing/top-ups", SignedIn, s.handleListTopUps)
	s.api("GET /api/billing/top-ups/{id}", SignedIn, s.handleGetTopUp)
	s.api("GET /api/billing/top-ups/{id}/receipt", SignedIn, s.handleTopUpReceipt)
	// The gateway's deliveries: no session, no CSRF token; the signature
	// is the authentication.
	s.api("POST /api/webhooks/stripe", Public, s.handleStripeWebhook)
	s.api("GET /api/admin/top-ups", Admin, s.handleAdminListTopUps)
	s.api("POST /api/admin/top-ups/{id}/refund", Admin, s.handleRefundTopUp)
	s.paymentPages()
}

// maxWebhookBody bounds a webhook delivery (Stripe's events are a few KiB).
const maxWebhookBody = 64 << 10

// topUpView is a top-up as the API shows it, with its receipt once paid.
type topUpView struct {
	*webrana.TopUp
	ReceiptURL string `json:"receipt_url,omitempty"`
}

func viewTopUp(t *webrana.TopUp) topUpView {
	v := topUpView{TopUp: t}
	if t.Status == webrana.TopUpPaid {
		v.ReceiptURL = payments.ReceiptPath(t.ID)
	}
	return v
}

// adminTopUpView is a top-up as operators list it: with its customer.
type adminTopUpView struct {
	topUpView
	Email string `json:"email"`
}

func viewTopUps(ts []*webrana.TopUp) []topUpView {
	out := make([]topUpView, len(ts))
	for i, t := range ts {
		out[i] = viewTopUp(t)
	}
	return out
}

// pay is the payments service, or the error that says card payments are
// not set up.
func (s *Server) pay() (*payments.Service, error) {
	if s.payments == nil {
		return nil, payments.ErrNotSetUp
	}
	return s.payments, nil
}

type topUpRequest struct {
	Amount int64 `json:"amount"` // minor units
}

func (s *Server) handleCreateTopUp(w http.ResponseWriter, r *http.Request) error {
	svc, err := s.pay()
	if err != nil {
		return err
	}
	var req topUpRequest
	if err := decodeJSON(w, r, &req); err != nil {
		return err
	}
	t, err := svc.Create(r.Context(), actor(r), req.Amount)
	if err != nil {
		return err
	}
	writeJSON(w, http.StatusCreated, viewTopUp(t))
	return nil
}

func (s *Server) handleListTopUps(w http.ResponseWriter, r *http.Request) error {
	svc, err := s.pay()
	if err != nil {
		return err
	}
	page, err := pageParams(r)
	if err != nil {
		return err
	}
	items, total, err := svc.List(r.Context(), actor(r), page)
	if err != nil {
		return err
	}
	writeJSON(w, http.StatusOK, newList(viewTopUps(items), total, page))
	return nil
}

func (s *Server) handleGetTopUp(w http.ResponseWriter, r *http.Request) error {
	svc, err := s.pay()
	if err != nil {
		return err
	}
	t, err := svc.Get(r.Context(), actor(r), r.PathValue("id"))
	if err != nil {
		return err
	}
	writeJSON(w, http.StatusOK, viewTopUp(t))
	return nil
}

// handleTopUpReceipt answers a paid top-up's receipt as a PDF.
func (s *Server) handleTopUpReceipt(w http.ResponseWriter, r *http.Request) error {
	svc, err := s.pay()
	if err != nil {
		return err
	}
	d, err := svc.Receipt(r.Context(), actor(r), r.PathValue("id"))
	if err != nil {
		return err
	}
	return s.writePDF(w, r, d, "inline", "receipt-"+d.Number)
}

// handleStripeWebhook takes one of Stripe's deliveries: 200 once taken or
// ignored (Stripe then stops sending it), 400 when its signature is bad
// (nothing changed), 409 when card payments are not set up.
func (s *Server) handleStripeWebhook(w http.ResponseWriter, r *http.Request) error {
	svc, err := s.pay()
	if err != nil {
		return err
	}
	body, err := io.ReadAll(http.MaxBytesReader(w, r.Body, maxWebhookBody))
	var tooBig *http.MaxBytesError
	if errors.As(err, &tooBig) {
		return webrana.Errorf(webrana.ETOOLARGE, "A webhook delivery is at most %d bytes.", maxWebhookBody)
	} else if err != nil {
		return webrana.Errorf(webrana.EINVALID, "The request body could not be read.")
	}
	if err := svc.Webhook(r.Context(), body, r.Header); err != nil {
		return err
	}
	writeJSON(w, http.StatusOK, map[string]bool{"received": true})
	return nil
}

func (s *Server) handleAdminListTopUps(w http.ResponseWriter, r *http.Request) error {
	svc, err := s.pay()
	if err != nil {
		return err
	}
	page, err := pageParams(r)
	if err != nil {
		return err
	}
	items, total, err := svc.ListAll(r.Context(), page)
	if err != nil {
		return err
	}
	out := make([]adminTopUpView, len(items))
	for i, t := range items {
		out[i] = adminTopUpView{topUpView: viewTopUp(t.TopUp), Email: t.Email}
	}
	writeJSON(w, http.StatusOK, newList(out, total, page))
	return nil
}

type refundRequest struct {
	Amount int64 `json:"amount"` // minor units
}

func (s *Server) handleRefundTopUp(w http.ResponseWriter, r *http.Request) error {
	svc, err := s.pay()
	if err != nil {
		return err
	}
	var req refundRequest
	if err := decodeJSON(w, r, &req); err != nil {
		return err
	}
	ref, err := svc.Refund(r.Context(), actor(r), r.PathValue("id"), req.Amount)
	if err != nil {
		return err
	}
	t, err := svc.TopUp(r.Context(), ref.TopUpID)
	if err != nil {
		return err
	}
	writeJSON(w, http.StatusCreated, map[string]any{"refund": ref, "top_up": viewTopUp(t)})
	return nil
}

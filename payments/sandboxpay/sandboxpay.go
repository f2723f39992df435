// Package sandboxpay is the sandbox's payment gateway: a checkout is a
// page of Webrana's own (/billing/top-ups/{id}/pay) where one click pays,
// by building the checkout.session.completed event Stripe would send,
// signed with the sandbox's own webhook secret exactly as Stripe signs it,
// and handing it to the same webhook code Stripe's deliveries reach. So a
// newcomer tries the whole flow offline. It is wired only in the sandbox,
// never in production.
package sandboxpay

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"encoding/json"
	"net/http"
	"strings"
	"time"

	"github.com/webrana/webrana"
	"github.com/webrana/webrana/payments"
	"github.com/webrana/webrana/payments/stripe"
)

// Name is the gateway's name, as top-ups record it.
const Name = "sandbox"

// Gateway is the sandbox's test gateway.
type Gateway struct {
	secret string
}

// New returns a test gateway with a webhook secret of its own, new at
// every start.
func New() *Gateway {
	b := make([]byte, 24)
	_, _ = rand.Read(b)
	return &Gateway{secret: "whsec_sandbox_" + hex.EncodeToString(b)}
}

var (
	_ payments.Gateway   = (*Gateway)(nil)
	_ payments.TestPayer = (*Gateway)(nil)
)

// Name is "sandbox".
func (g *Gateway) Name() string { return Name }

// PayPath is the page where a sandbox top-up is paid.
func PayPath(topUpID string) string { return "/billing/top-ups/" + topUpID + "/pay" }

// Checkout returns the top-up's test payment page on Webrana itself.
func (g *Gateway) Checkout(_ context.Context, req payments.CheckoutRequest) (*payments.Session, error) {
	return &payments.Session{ID: "cs_sandbox_" + req.TopUpID, URL: PayPath(req.TopUpID)}, nil
}

// Refund refunds nothing anywhere, and says it did.
func (g *Gateway) Refund(_ context.Context, req payments.RefundRequest) (*payments.RefundResult, error) {
	return &payments.RefundResult{ID: "re_sandbox_" + strings.TrimPrefix(req.IdempotencyKey, "webrana-refund-"), Status: "succeeded"}, nil
}

// Event verifies a delivery as Stripe's gateway does, with the sandbox's
// secret.
func (g *Gateway) Event(payload []byte, h http.Header, now time.Time) (*payments.Event, error) {
	return stripe.ParseEvent(payload, h.Get("Stripe-Signature"), g.secret, now)
}

// CompletedEvent is the top-up's checkout.session.completed, paid, signed
// at now.
func (g *Gateway) CompletedEvent(t *webrana.TopUp, now time.Time) ([]byte, http.Header, error) {
	payload, err := json.Marshal(map[string]any{
		"id": "evt_sandbox_" + t.ID, "object": "event", "type": payments.EventCheckoutCompleted, "api_version": "2025-01-27.acacia",
		"created": now.Unix(),
		"data": map[string]any{"object": map[string]any{
			"id": t.SessionID, "object": "checkout.session", "client_reference_id": t.ID, "mode": "payment",
			"payment_intent": "pi_sandbox_" + t.ID, "payment_status": "paid", "status": "complete",
			"amount_total": t.Amount, "currency": strings.ToLower(t.Currency), "metadata": map[string]string{"topup_id": t.ID},
		}},
	})
	if err != nil {
		return nil, nil, err
	}
	h := http.Header{}
	h.Set("Stripe-Signature", stripe.SignatureHeader(payload, g.secret, now))
	return payload, h, nil
}

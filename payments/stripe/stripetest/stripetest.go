// Package stripetest helps tests of Stripe payments: the stripe-mock
// server scripts/test starts, and webhook events signed as Stripe signs
// them (by stripe-go's own signer, not ours).
package stripetest

import (
	"encoding/json"
	"os"
	"testing"
	"time"

	"github.com/stripe/stripe-go/v82/webhook"
)

// Env names the variable holding stripe-mock's URL; scripts/test starts
// one and sets it.
const Env = "WEBRANA_TEST_STRIPE_URL"

// URL returns stripe-mock's URL. Without one the test is skipped on a
// developer's machine, but fails in CI (CI=true), where a skipped Stripe
// run would hide a broken driver.
func URL(tb testing.TB) string {
	tb.Helper()
	u := os.Getenv(Env)
	if u == "" {
		if os.Getenv("CI") != "" {
			tb.Fatalf("%s is not set: CI must run the Stripe tests (run them through scripts/test)", Env)
		}
		tb.Skipf("%s not set; run scripts/test to start stripe-mock", Env)
	}
	return u
}

// Session is the checkout session an event carries.
type Session struct {
	ID, TopUpID, PaymentIntent, PaymentStatus, Currency string
	Amount                                              int64
}

// Event is a Stripe event of type about s, in API version (Stripe sends
// the endpoint's pinned version).
func Event(id, typ, version string, s Session) []byte {
	b, err := json.Marshal(map[string]any{
		"id": id, "object": "event", "type": typ, "api_version": version, "created": 1700000000, "livemode": false,
		"data": map[string]any{"object": map[string]any{
			"id": s.ID, "object": "checkout.session", "client_reference_id": s.TopUpID, "mode": "payment",
			"payment_intent": s.PaymentIntent, "payment_status": s.PaymentStatus, "status": "complete",
			"amount_total": s.Amount, "currency": s.Currency, "metadata": map[string]string{"topup_id": s.TopUpID},
		}},
	})
	if err != nil {
		panic(err)
	}
	return b
}

// Sign is the Stripe-Signature header of payload signed with secret at t,
// by stripe-go's test signer.
func Sign(payload []byte, secret string, t time.Time) string {
	return webhook.GenerateTestSignedPayload(&webhook.UnsignedPayload{Payload: payload, Secret: secret, Timestamp: t}).Header
}

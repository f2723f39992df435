// Package payments is how customers pay Webrana by card: top-ups of their
// balance through a payment gateway's hosted checkout, credited once when
// the gateway's signed event says they are paid, with a receipt; and the
// operators' refunds of them back to the card.
//
// A gateway is a small driver (Gateway): payments/stripe over the official
// Stripe client, payments/sandboxpay for the sandbox (a one-click test
// payment that goes through the very webhook code Stripe's events do). A
// regional gateway is one more driver. The rules — the amounts allowed,
// crediting exactly once under replayed and concurrent deliveries, refunds
// never above what was paid — are the Service's, once for every driver.
package payments

import (
	"context"
	"net/http"
	"time"

	"github.com/webrana/webrana"
)

// Gateway is a payment gateway's driver. Its contract:
//
//   - Checkout starts a hosted payment of Amount for the top-up and returns
//     the page to send the customer to. The gateway's completed event must
//     name the top-up (Event.TopUpID).
//   - Refund pays Amount of a payment back to its card, once per
//     IdempotencyKey (a retry with the same key refunds nothing more and
//     answers the first refund). An error for which webrana.ErrorCode
//     returns EINVALID means the gateway refused it: nothing was refunded.
//     Any other error (a timeout, a 5xx, a lost answer) leaves the outcome
//     unknown.
//   - Event verifies a webhook delivery's signature against now (the
//     caller's clock: a delivery signed too long before is refused) and
//     returns it normalised. A bad or stale signature is an error for which
//     webrana.ErrorCode returns EINVALID, and nothing else is read of it.
//     An event the gateway's API version shapes differently is still read:
//     a version is never a reason to refuse one.
//
// Failures of Checkout and Refund are errors; the Service tells the person
// the gateway failed and changes nothing it cannot undo.
type Gateway interface {
	Name() string
	Checkout(ctx context.Context, req CheckoutRequest) (*Session, error)
	Refund(ctx context.Context, req RefundRequest) (*RefundResult, error)
	Event(payload []byte, h http.Header, now time.Time) (*Event, error)
}

// CheckoutRequest is a payment to start. Amount is in minor units;
// Currency an ISO code as Webrana writes it ("USD").
type CheckoutRequest struct {
	TopUpID               string
	Email                 string
	Amount                int64
	Currency              string
	SuccessURL, CancelURL string // absolute: the gateway sends the customer back there
}

// Session is a started checkout: the gateway's id for it and the page
// where the customer pays.
type Session struct {
	ID, URL string
}

// RefundRequest is money to pay back to the card of a payment.
type RefundRequest struct {
	PaymentID      string
	Amount         int64
	Currency       string
	IdempotencyKey string
}

// RefundResult is the gateway's refund.
type RefundResult struct {
	ID     string
	Status string
}

// Event types that credit a top-up when Paid. Any other type is
// acknowledged and ignored.
const (
	EventCheckoutCompleted    = "checkout.session.completed"
	EventAsyncPaymentSucceded = "checkout.session.async_payment_succeeded"
)

// Event is a gateway's webhook event, normalised.
type Event struct {
	ID        string
	Type      string
	TopUpID   string // the checkout's reference: the top-up it pays
	SessionID string
	PaymentID string // what a refund names
	Paid      bool
	Amount    int64 // minor units
	Currency  string
}

// credits reports whether the event pays a top-up.
func (e *Event) credits() bool {
	return (e.Type == EventCheckoutCompleted || e.Type == EventAsyncPaymentSucceded) && e.Paid
}

// ErrSignature is what a delivery with a bad or stale signature is told
// (400); drivers return it, or wrap it.
var ErrSignature = webrana.Errorf(webrana.EINVALID, "The webhook signature is missing, wrong or too old.")

// TestPayer is a gateway that can pay a top-up itself, for the sandbox:
// it returns the completed event of the top-up's checkout, signed as its
// Event verifies, for the Service's webhook path.
type TestPayer interface {
	CompletedEvent(t *webrana.TopUp, now time.Time) (payload []byte, h http.Header, err error)
}

package stripe_test

import (
	"context"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/webrana/webrana"
	"github.com/webrana/webrana/payments"
	"github.com/webrana/webrana/payments/stripe"
	"github.com/webrana/webrana/payments/stripe/stripetest"
)

const secret = "whsec_test"

var now = time.Date(2031, 5, 1, 9, 0, 0, 0, time.UTC)

// TestAgainstStripeMock: a checkout session and a refund through the
// official client at stripe-mock (which answers canned objects, so what
// can be checked is that the request was valid and its answer read).
func TestAgainstStripeMock(t *testing.T) {
	g, err := stripe.New("sk_test_123", secret, &stripe.Config{APIURL: stripetest.URL(t)})
	if err != nil {
		t.Fatal(err)
	}
	s, err := g.Checkout(context.Background(), payments.CheckoutRequest{TopUpID: "tu1", Email: "a@example.com", Amount: 2500,
		Currency: "USD", SuccessURL: "https://panel.example.com/billing?top_up=tu1", CancelURL: "https://panel.example.com/billing"})
	if err != nil {
		t.Fatal(err)
	}
	if !strings.HasPrefix(s.ID, "cs_") || !strings.HasPrefix(s.URL, "https://") {
		t.Fatalf("session %+v", s)
	}
	r, err := g.Refund(context.Background(), payments.RefundRequest{PaymentID: "pi_123", Amount: 100, Currency: "USD", IdempotencyKey: "webrana-refund-1"})
	if err != nil || !strings.HasPrefix(r.ID, "re_") {
		t.Fatalf("refund %+v, %v", r, err)
	}
	bad, _ := stripe.New("sk_test_123", secret, &stripe.Config{APIURL: "http://127.0.0.1:1"})
	if _, err := bad.Checkout(context.Background(), payments.CheckoutRequest{TopUpID: "tu2", Amount: 500, Currency: "USD",
		SuccessURL: "https://x/", CancelURL: "https://x/"}); err == nil {
		t.Fatal("a gateway that does not answer: no error")
	}
}

// TestEvent: the signature is checked as Stripe documents it, against the
// caller's clock, any of several v1 signatures may match, and the session
// is read whatever the event's API version.
func TestEvent(t *testing.T) {
	payload := stripetest.Event("evt_1", payments.EventCheckoutCompleted, "2018-02-28", stripetest.Session{
		ID: "cs_1", TopUpID: "tu1", PaymentIntent: "pi_1", PaymentStatus: "paid", Currency: "usd", Amount: 2500})
	rotated := stripetest.Sign(payload, "whsec_old", now) + "," + strings.Split(stripetest.Sign(payload, secret, now), ",")[1]
	for _, c := range []struct {
		name   string
		header string
		at     time.Time
		ok     bool
	}{
		{"signed now", stripetest.Sign(payload, secret, now), now, true},
		{"signed 4 minutes ago", stripetest.Sign(payload, secret, now.Add(-4*time.Minute)), now, true},
		{"signed 6 minutes ago", stripetest.Sign(payload, secret, now.Add(-6*time.Minute)), now, false},
		{"signed 6 minutes ahead", stripetest.Sign(payload, secret, now.Add(6*time.Minute)), now, false},
		{"another secret", stripetest.Sign(payload, "whsec_other", now), now, false},
		{"old and new secrets while rolling", rotated, now, true},
		{"no header", "", now, false},
		{"no v1", "t=" + strings.TrimPrefix(strings.Split(stripetest.Sign(payload, secret, now), ",")[0], "t="), now, false},
		{"garbage", "t=x,v1=zz", now, false},
	} {
		h := http.Header{}
		h.Set("Stripe-Signature", c.header)
		ev, err := (mustGateway(t)).Event(payload, h, c.at)
		if (err == nil) != c.ok {
			t.Errorf("%s: %v, want ok %v", c.name, err, c.ok)
			continue
		}
		if err != nil {
			if webrana.ErrorCode(err) != webrana.EINVALID {
				t.Errorf("%s: code %s, want invalid", c.name, webrana.ErrorCode(err))
			}
			continue
		}
		want := payments.Event{ID: "evt_1", Type: payments.EventCheckoutCompleted, TopUpID: "tu1", SessionID: "cs_1",
			PaymentID: "pi_1", Paid: true, Amount: 2500, Currency: "USD"}
		if *ev != want {
			t.Errorf("%s: %+v, want %+v", c.name, *ev, want)
		}
	}
}

// TestSignatureHeaderIsStripes: the header the sandbox signs with is the
// one stripe-go's own signer makes.
func TestSignatureHeaderIsStripes(t *testing.T) {
	payload := []byte(`{"id":"evt_1"}`)
	if got, want := stripe.SignatureHeader(payload, secret, now), stripetest.Sign(payload, secret, now); got != want {
		t.Fatalf("%s, want %s", got, want)
	}
}

func mustGateway(t *testing.T) *stripe.Gateway {
	t.Helper()
	g, err := stripe.New("sk_test_123", secret, nil)
	if err != nil {
		t.Fatal(err)
	}
	return g
}

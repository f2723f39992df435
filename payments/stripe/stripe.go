// Package stripe is the payments.Gateway of Stripe, over the official
// client (github.com/stripe/stripe-go): Checkout Sessions for top-ups,
// refunds of their payments, and webhook events verified with the
// endpoint's signing secret.
package stripe

import (
	"context"
	"crypto/hmac"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"strconv"
	"strings"
	"time"

	stripeapi "github.com/stripe/stripe-go/v82"

	"github.com/webrana/webrana"
	"github.com/webrana/webrana/payments"
)

// Name is the gateway's name, as top-ups record it.
const Name = "stripe"

// Tolerance is how far a webhook delivery's signed time may be from now:
// an older one is a replay and refused.
const Tolerance = 5 * time.Minute

// Gateway is Stripe.
type Gateway struct {
	client *stripeapi.Client
	secret string
}

// Config holds a Gateway's optional settings.
type Config struct {
	// APIURL points the client elsewhere than https://api.stripe.com
	// (stripe-mock in tests).
	APIURL     string
	HTTPClient *http.Client // default: stripe-go's, 80 s timeout
}

// New returns the Stripe gateway of the account whose secret API key is
// key, verifying webhook events with the endpoint's signing secret
// (whsec_…). cfg may be nil.
func New(key, webhookSecret string, cfg *Config) (*Gateway, error) {
	if key == "" || webhookSecret == "" {
		return nil, errors.New("stripe: the secret key and the webhook signing secret are both required")
	}
	var c Config
	if cfg != nil {
		c = *cfg
	}
	retries := int64(1)
	bc := &stripeapi.BackendConfig{HTTPClient: c.HTTPClient, MaxNetworkRetries: &retries,
		LeveledLogger: &stripeapi.LeveledLogger{Level: stripeapi.LevelNull}}
	if c.APIURL != "" {
		u := strings.TrimRight(c.APIURL, "/")
		bc.URL = &u
	}
	client := stripeapi.NewClient(key, stripeapi.WithBackends(stripeapi.NewBackendsWithConfig(bc)))
	return &Gateway{client: client, secret: webhookSecret}, nil
}

var _ payments.Gateway = (*Gateway)(nil)

// Name is "stripe".
func (g *Gateway) Name() string { return Name }

// Checkout creates a Checkout Session in payment mode: one line of
// "Account credit" at the amount, the top-up's id as its client reference
// (and metadata topup_id), the customer's address prefilled. A retry of the
// same top-up's request creates no second session (idempotency key).
func (g *Gateway) Checkout(ctx context.Context, req payments.CheckoutRequest) (*payments.Session, error) {
	params := &stripeapi.CheckoutSessionCreateParams{
		Mode:              stripeapi.String(string(stripeapi.CheckoutSessionModePayment)),
		ClientReferenceID: stripeapi.String(req.TopUpID),
		SuccessURL:        stripeapi.String(req.SuccessURL),
		CancelURL:         stripeapi.String(req.CancelURL),
		LineItems: []*stripeapi.CheckoutSessionCreateLineItemParams{{
			Quantity: stripeapi.Int64(1),
			PriceData: &stripeapi.CheckoutSessionCreateLineItemPriceDataParams{
				Currency:    stripeapi.String(strings.ToLower(req.Currency)),
				UnitAmount:  stripeapi.Int64(req.Amount),
				ProductData: &stripeapi.CheckoutSessionCreateLineItemPriceDataProductDataParams{Name: stripeapi.String("Account credit")},
			},
		}},
	}
	if req.Email != "" {
		params.CustomerEmail = stripeapi.String(req.Email)
	}
	params.AddMetadata("topup_id", req.TopUpID)
	params.SetIdempotencyKey("webrana-checkout-" + req.TopUpID)
	s, err := g.client.V1CheckoutSessions.Create(ctx, params)
	if err != nil {
		return nil, fmt.Errorf("stripe: create checkout session: %w", err)
	}
	return &payments.Session{ID: s.ID, URL: s.URL}, nil
}

// Refund refunds amount of the payment intent, once per idempotency key.
func (g *Gateway) Refund(ctx context.Context, req payments.RefundRequest) (*payments.RefundResult, error) {
	params := &stripeapi.RefundCreateParams{PaymentIntent: stripeapi.String(req.PaymentID), Amount: stripeapi.Int64(req.Amount)}
	params.SetIdempotencyKey(req.IdempotencyKey)
	r, err := g.client.V1Refunds.Create(ctx, params)
	if err != nil {
		return nil, refundError(req.PaymentID, err)
	}
	return &payments.RefundResult{ID: r.ID, Status: string(r.Status)}, nil
}

// refundError is a refused refund (EINVALID: Stripe answered 4xx, so it
// made none) or one whose outcome is unknown (no answer, 409 idempotency
// in progress, 429, 5xx: it may have been made).
func refundError(paymentID string, err error) error {
	var se *stripeapi.Error
	if errors.As(err, &se) && se.HTTPStatusCode >= 400 && se.HTTPStatusCode < 500 &&
		se.HTTPStatusCode != http.StatusConflict && se.HTTPStatusCode != http.StatusTooManyRequests {
		return webrana.Errorf(webrana.EINVALID, "Stripe refused the refund of %s: %s", paymentID, se.Msg)
	}
	return fmt.Errorf("stripe: refund %s: %w", paymentID, err)
}

// Event verifies a delivery's Stripe-Signature with the signing secret
// and returns its event.
func (g *Gateway) Event(payload []byte, h http.Header, now time.Time) (*payments.Event, error) {
	return ParseEvent(payload, h.Get("Stripe-Signature"), g.secret, now)
}

// ParseEvent verifies a Stripe-Signature header ("t=…,v1=…[,v1=…]": the
// hex HMAC-SHA256 of "t.payload" with secret; any v1 may match, as while a
// secret is rolled) within Tolerance of now, and reads the event: for a
// checkout session, its client reference (or metadata topup_id), payment
// intent, payment status, amount and currency. The event's API version is
// not looked at; the fields read are the same in every version.
func ParseEvent(payload []byte, header, secret string, now time.Time) (*payments.Event, error) {
	if err := verify(payload, header, secret, now); err != nil {
		return nil, fmt.Errorf("%w (%s)", payments.ErrSignature, err)
	}
	var ev struct {
		ID   string `json:"id"`
		Type string `json:"type"`
		Data struct {
			Object json.RawMessage `json:"object"`
		} `json:"data"`
	}
	if err := json.Unmarshal(payload, &ev); err != nil {
		return nil, fmt.Errorf("%w (not a Stripe event: %v)", payments.ErrSignature, err)
	}
	out := &payments.Event{ID: ev.ID, Type: ev.Type}
	if !strings.HasPrefix(ev.Type, "checkout.session.") {
		return out, nil
	}
	var s stripeapi.CheckoutSession
	if err := json.Unmarshal(ev.Data.Object, &s); err != nil {
		return nil, fmt.Errorf("%w (not a checkout session: %v)", payments.ErrSignature, err)
	}
	out.TopUpID, out.SessionID = s.ClientReferenceID, s.ID
	if out.TopUpID == "" {
		out.TopUpID = s.Metadata["topup_id"]
	}
	if s.PaymentIntent != nil {
		out.PaymentID = s.PaymentIntent.ID
	}
	out.Paid = s.PaymentStatus == stripeapi.CheckoutSessionPaymentStatusPaid
	out.Amount, out.Currency = s.AmountTotal, strings.ToUpper(string(s.Currency))
	return out, nil
}

// verify checks the signature header of payload.
func verify(payload []byte, header, secret string, now time.Time) error {
	var ts int64 = -1
	var sigs [][]byte
	for _, part := range strings.Split(header, ",") {
		k, v, _ := strings.Cut(strings.TrimSpace(part), "=")
		switch k {
		case "t":
			n, err := strconv.ParseInt(v, 10, 64)
			if err != nil {
				return errors.New("bad timestamp")
			}
			ts = n
		case "v1":
			if b, err := hex.DecodeString(v); err == nil {
				sigs = append(sigs, b)
			}
		}
	}
	if ts < 0 || len(sigs) == 0 {
		return errors.New("no timestamp or no v1 signature")
	}
	signed := time.Unix(ts, 0)
	if d := now.Sub(signed); d > Tolerance || d < -Tolerance {
		return fmt.Errorf("signed at %s, more than %s from now", signed.UTC().Format(time.RFC3339), Tolerance)
	}
	want := mac(payload, secret, ts)
	for _, s := range sigs {
		if hmac.Equal(s, want) {
			return nil
		}
	}
	return errors.New("no signature matches")
}

func mac(payload []byte, secret string, ts int64) []byte {
	m := hmac.New(sha256.New, []byte(secret))
	m.Write([]byte(strconv.FormatInt(ts, 10)))
	m.Write([]byte("."))
	m.Write(payload)
	return m.Sum(nil)
}

// SignatureHeader is the Stripe-Signature Stripe sends with payload at t,
// for the sandbox's test gateway and tests.
func SignatureHeader(payload []byte, secret string, t time.Time) string {
	return fmt.Sprintf("t=%d,v1=%s", t.Unix(), hex.EncodeToString(mac(payload, secret, t.Unix())))
}

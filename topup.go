package webrana

import "time"

// Top-up statuses: pending until the gateway says it is paid (credited
// once) or the checkout could not start (failed); a payment whose amount
// or currency differs from the top-up's credits nothing (mismatch).
const (
	TopUpPending  = "pending"
	TopUpPaid     = "paid"
	TopUpFailed   = "failed"
	TopUpMismatch = "mismatch"
)

// TopUp is a customer's payment by card into their balance, through a
// payment gateway's checkout.
type TopUp struct {
	ID          string     `json:"id"`
	UserID      string     `json:"user_id"`
	Amount      int64      `json:"amount"` // minor units
	Currency    string     `json:"currency"`
	Status      string     `json:"status"`
	Gateway     string     `json:"gateway"`
	SessionID   string     `json:"-"`
	CheckoutURL string     `json:"checkout_url,omitempty"`
	PaymentID   string     `json:"-"`        // the gateway's payment, refunds name it
	Refunded    int64      `json:"refunded"` // reserved or paid back, minor units
	Error       string     `json:"error,omitempty"`
	CreatedAt   time.Time  `json:"created_at"`
	UpdatedAt   time.Time  `json:"updated_at"`
	PaidAt      *time.Time `json:"paid_at,omitempty"`
}

// Refund statuses: reserved (pending) before the gateway is asked, done
// once it paid back, failed (the reservation released) if it refused,
// unknown (still reserved) when its answer was lost: asked again with the
// same key, it completes.
const (
	RefundPending = "pending"
	RefundUnknown = "unknown"
	RefundDone    = "done"
	RefundFailed  = "failed"
)

// TopUpRefund is money of a paid top-up given back to the card.
type TopUpRefund struct {
	ID        string    `json:"id"`
	TopUpID   string    `json:"top_up_id"`
	Amount    int64     `json:"amount"`
	Status    string    `json:"status"`
	GatewayID string    `json:"-"`
	Error     string    `json:"error,omitempty"`
	CreatedBy string    `json:"-"`
	CreatedAt time.Time `json:"created_at"`
	UpdatedAt time.Time `json:"updated_at"`
}

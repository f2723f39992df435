package stripe

import (
	"errors"
	"net/http"
	"testing"

	stripeapi "github.com/stripe/stripe-go/v82"

	"github.com/webrana/webrana"
)

// Only Stripe's definite refusals (4xx but 409 and 429) say nothing was
// refunded; everything else leaves the outcome unknown.
func TestRefundErrorTellsRefusedFromUnknown(t *testing.T) {
	for _, tc := range []struct {
		err     error
		refused bool
	}{
		{&stripeapi.Error{HTTPStatusCode: http.StatusBadRequest, Msg: "Charge ch_1 has been disputed."}, true},
		{&stripeapi.Error{HTTPStatusCode: http.StatusPaymentRequired, Msg: "declined"}, true},
		{&stripeapi.Error{HTTPStatusCode: http.StatusConflict, Msg: "idempotent request in progress"}, false},
		{&stripeapi.Error{HTTPStatusCode: http.StatusTooManyRequests}, false},
		{&stripeapi.Error{HTTPStatusCode: http.StatusInternalServerError}, false},
		{errors.New("read tcp 127.0.0.1:1: i/o timeout"), false},
	} {
		err := refundError("pi_1", tc.err)
		if got := webrana.ErrorCode(err) == webrana.EINVALID; got != tc.refused {
			t.Errorf("%v: refused %v, want %v (%v)", tc.err, got, tc.refused, err)
		}
	}
}

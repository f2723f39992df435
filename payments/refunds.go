package payments

import (
	"context"
	"fmt"

	"github.com/webrana/webrana"
	"github.com/webrana/webrana/store"
)

// Refund pays amount (minor units) of a paid top-up back to its card, for
// an operator. The refund is reserved in the database first, within what
// was paid less what is refunded or being refunded, so concurrent refunds
// never pay back more than was paid; then the gateway is asked, once per
// refund (its idempotency key is the refund's id); then the ledger's
// payment refund (negative) and its audit entry are written in one
// transaction. A gateway that fails releases the reservation, and the
// operator is told nothing was refunded (EUNAVAILABLE).
func (s *Service) Refund(ctx context.Context, by webrana.Actor, topUpID string, amount int64) (*webrana.TopUpRefund, error) {
	if !s.Enabled() {
		return nil, ErrNotSetUp
	}
	if err := (webrana.AmountRange{Min: 1, Max: webrana.MaxAmount}).Check("amount", amount); err != nil {
		return nil, err
	}
	t, err := s.db.TopUpByID(ctx, topUpID)
	if err != nil {
		return nil, err
	}
	if t.Status != webrana.TopUpPaid {
		return nil, webrana.Errorf(webrana.ECONFLICT, "Only a paid top-up can be refunded; this one is %s.", t.Status)
	}
	if left := t.Amount - t.Refunded; amount > left {
		return nil, webrana.FieldError("amount", "At most %s of this top-up is left to refund.", webrana.Money{Amount: left, Currency: t.Currency})
	}
	r, err := s.db.ReserveRefund(ctx, t.ID, amount, by.UserID())
	if err != nil {
		return nil, fmt.Errorf("refund top-up %s: %w", t.ID, err)
	}
	res, err := s.gw.Refund(ctx, RefundRequest{PaymentID: t.PaymentID, Amount: amount, Currency: t.Currency, IdempotencyKey: "webrana-refund-" + r.ID})
	if err != nil {
		s.cfg.Logger.Warn("refund failed", "top_up", t.ID, "refund", r.ID, "gateway", t.Gateway, "err", err)
		reason := "The payment service did not take the refund; nothing was refunded. Try again in a moment."
		if rerr := s.db.ReleaseRefund(ctx, r, reason); rerr != nil {
			return nil, fmt.Errorf("release refund %s: %w", r.ID, rerr)
		}
		return nil, webrana.Errorf(webrana.EUNAVAILABLE, "%s", reason)
	}
	money := webrana.Money{Amount: amount, Currency: t.Currency}
	err = s.db.InTx(ctx, func(tx *store.Tx) error {
		done, err := tx.CompleteRefund(ctx, r, res.ID)
		if err != nil || !done {
			return err
		}
		e := &webrana.LedgerEntry{UserID: t.UserID, Kind: webrana.LedgerPaymentRefund, Amount: -amount, Currency: t.Currency,
			Note: "Refund to your card (top-up " + t.ID + ")", IdempotencyKey: "refund:" + r.ID}
		if _, err := tx.AppendLedger(ctx, e); err != nil {
			return err
		}
		return tx.AppendAudit(ctx, by.Entry("topup.refunded", "user", t.UserID,
			fmt.Sprintf("Top-up %s: %s refunded to the card (refund %s).", t.ID, money, res.ID)))
	})
	if err != nil {
		return nil, fmt.Errorf("refund %s: %w", r.ID, err)
	}
	r.Status, r.GatewayID = webrana.RefundDone, res.ID
	return r, nil
}

// Refunds returns a top-up's refunds, for operators.
func (s *Service) Refunds(ctx context.Context, topUpID string) ([]*webrana.TopUpRefund, error) {
	return s.db.RefundsOf(ctx, topUpID)
}

// TopUp returns any top-up, for operators.
func (s *Service) TopUp(ctx context.Context, id string) (*webrana.TopUp, error) {
	return s.db.TopUpByID(ctx, id)
}

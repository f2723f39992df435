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
// transaction.
//
// A gateway that refuses the refund releases the reservation (EINVALID,
// with its reason). A gateway whose answer is lost may have paid it back,
// so the refund is marked unknown and keeps its reservation: the operator
// asks again for the same amount, which sends the same request with the
// same key — the card is paid back once whatever happened — and completes
// it. Until then no other refund of that top-up starts (ECONFLICT).
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
	r, err := s.reserve(ctx, by, t, amount)
	if err != nil {
		return nil, err
	}
	res, err := s.gw.Refund(ctx, RefundRequest{PaymentID: t.PaymentID, Amount: amount, Currency: t.Currency, IdempotencyKey: "webrana-refund-" + r.ID})
	if err != nil {
		return nil, s.refundFailed(ctx, t, r, err)
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

// reserve returns the refund to send: the top-up's refund whose outcome is
// unknown (it must be the same amount), else a new reservation within what
// is left. Refunds pending in other requests are theirs: this one reserves
// its own beside them.
func (s *Service) reserve(ctx context.Context, by webrana.Actor, t *webrana.TopUp, amount int64) (*webrana.TopUpRefund, error) {
	refunds, err := s.db.RefundsOf(ctx, t.ID)
	if err != nil {
		return nil, fmt.Errorf("refunds of top-up %s: %w", t.ID, err)
	}
	for _, r := range refunds {
		if r.Status != webrana.RefundUnknown {
			continue
		}
		if r.Amount != amount {
			return nil, webrana.Errorf(webrana.ECONFLICT, "The payment service did not answer a refund of %[1]s of this top-up. Refund %[1]s again to complete it before another.",
				webrana.Money{Amount: r.Amount, Currency: t.Currency})
		}
		return r, nil
	}
	if left := t.Amount - t.Refunded; amount > left {
		return nil, webrana.FieldError("amount", "At most %s of this top-up is left to refund.", webrana.Money{Amount: left, Currency: t.Currency})
	}
	r, err := s.db.ReserveRefund(ctx, t.ID, amount, by.UserID())
	if err != nil {
		return nil, fmt.Errorf("refund top-up %s: %w", t.ID, err)
	}
	return r, nil
}

// refundFailed tells the operator what a failed refund means: refused, it
// is released; with its outcome unknown, it stays pending.
func (s *Service) refundFailed(ctx context.Context, t *webrana.TopUp, r *webrana.TopUpRefund, err error) error {
	s.cfg.Logger.Warn("refund failed", "top_up", t.ID, "refund", r.ID, "gateway", t.Gateway, "err", err)
	if webrana.ErrorCode(err) == webrana.EINVALID {
		reason := "The payment service refused the refund; nothing was refunded: " + webrana.ErrorMessage(err)
		if rerr := s.db.ReleaseRefund(ctx, r, reason); rerr != nil {
			return fmt.Errorf("release refund %s: %w", r.ID, rerr)
		}
		return webrana.Errorf(webrana.EINVALID, "%s", reason)
	}
	if merr := s.db.MarkRefundUnknown(ctx, r, "The payment service did not answer: "+err.Error()); merr != nil {
		return fmt.Errorf("refund %s: %w", r.ID, merr)
	}
	return webrana.Errorf(webrana.EUNAVAILABLE, "The payment service did not answer, so the refund of %s may or may not have been made. It is kept as unknown: refund the same amount again to complete it (the card is paid back once, whatever happened).",
		webrana.Money{Amount: r.Amount, Currency: t.Currency})
}

// TopUp returns any top-up, for operators.
func (s *Service) TopUp(ctx context.Context, id string) (*webrana.TopUp, error) {
	return s.db.TopUpByID(ctx, id)
}

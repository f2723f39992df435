package payments

import (
	"context"
	"fmt"

	"github.com/webrana/webrana"
	"github.com/webrana/webrana/documents"
)

// Receipt is the receipt of one of the acting customer's paid top-ups:
// the operator's letterhead as the seller, the customer as the buyer, one
// line of account credit. Another's top-up is not found; one not paid
// (yet) has no receipt (ECONFLICT).
func (s *Service) Receipt(ctx context.Context, by webrana.Actor, id string) (*documents.Document, error) {
	t, err := s.Get(ctx, by, id)
	if err != nil {
		return nil, err
	}
	if t.Status != webrana.TopUpPaid || t.PaidAt == nil {
		return nil, webrana.Errorf(webrana.ECONFLICT, "This top-up is %s: a receipt is issued once its payment is received.", t.Status)
	}
	lh, err := documents.LoadLetterhead(ctx, s.db)
	if err != nil {
		return nil, fmt.Errorf("receipt %s: %w", id, err)
	}
	d := &documents.Document{
		Title: "Receipt", Number: t.ID, Issued: *t.PaidAt,
		Seller: lh.Seller(), Buyer: documents.Party{Name: by.User.Email, Email: by.User.Email},
		Currency: t.Currency,
		Lines: []documents.Line{{Description: "Account credit", Detail: "Card payment (" + t.Gateway + ", payment " + t.PaymentID + ")",
			Amount: t.Amount}},
		Subtotal: t.Amount, Total: t.Amount,
		Notes: []string{"Paid in full by card. The credit is drawn down by the services used; tax is accounted for on the invoice of the month they are used in."},
	}
	if t.Refunded > 0 {
		d.Notes = append(d.Notes, fmt.Sprintf("Refunded to the card since: %s.", webrana.Money{Amount: t.Refunded, Currency: t.Currency}))
	}
	return d, nil
}

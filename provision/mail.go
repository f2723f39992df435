package provision

import (
	"context"

	"github.com/webrana/webrana"
	"github.com/webrana/webrana/mail"
	"github.com/webrana/webrana/store"
)

// Mailer queues a message to a person in the transaction of the change it
// reports (mail.Outbox). The order worker tells an order's customer when
// their server is ready, when the order is first held for capacity and
// when it fails. A Worker without one (Mail nil: mail not configured)
// tells no one.
type Mailer interface {
	QueueTx(ctx context.Context, tx *store.Tx, m mail.Message) error
}

// telling returns the step that queues a message of kind about the order's
// server to its owner, in a store transaction, or nil when the worker has
// no mailer. The server's names and its owner are read first (on SQLite
// nothing may be read outside the transaction while it runs); fill adds
// what the kind says. Never the root password: the message carries the
// server's names and addresses only.
func (r *run) telling(ctx context.Context, kind mail.Kind, fill func(*mail.ServerData)) (func(*store.Tx) error, error) {
	if r.w.cfg.Mail == nil {
		return nil, nil
	}
	row, owner, err := r.w.db.InstanceRowWithOwner(ctx, r.in.ID)
	if err != nil {
		return nil, err
	}
	return r.w.message(ctx, store.RowWithOwner{Row: row, Owner: owner}, kind, fill), nil
}

// message is telling's step, for a server and owner read already.
func (w *Worker) message(ctx context.Context, about store.RowWithOwner, kind mail.Kind, fill func(*mail.ServerData)) func(*store.Tx) error {
	row := about.Row
	data := mail.ServerData{Name: row.Label, Provider: row.ProviderName, Region: row.Region, Plan: row.PlanName,
		IPv4: row.IPv4, IPv6: row.IPv6, Path: "/servers/" + row.ID}
	if fill != nil {
		fill(&data)
	}
	m := mail.Message{To: about.Owner.Email, UserID: about.Owner.ID, Kind: kind, Data: data}
	return func(tx *store.Tx) error { return w.cfg.Mail.QueueTx(ctx, tx, m) }
}

// refund is what a failed order gives back, formatted, or "" when nothing
// was held.
func refund(o *webrana.Order) string {
	if o.HoldAmount <= 0 {
		return ""
	}
	return webrana.Money{Amount: o.HoldAmount, Currency: o.Currency}.String()
}

// both runs two steps in one transaction, skipping nil ones.
func both(a, b func(*store.Tx) error) func(*store.Tx) error {
	if a == nil || b == nil {
		if a == nil {
			return b
		}
		return a
	}
	return func(tx *store.Tx) error {
		if err := a(tx); err != nil {
			return err
		}
		return b(tx)
	}
}

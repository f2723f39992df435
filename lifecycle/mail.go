package lifecycle

import (
	"context"
	"strings"

	"github.com/webrana/webrana"
	"github.com/webrana/webrana/mail"
	"github.com/webrana/webrana/store"
)

// Mailer queues a message to a person in the transaction of the change it
// reports (mail.Outbox). The action worker tells a server's owner when an
// action they asked for ends failed. A Worker without one (Mail nil: mail
// is not configured) tells no one.
type Mailer interface {
	QueueTx(ctx context.Context, tx *store.Tx, m mail.Message) error
}

// failed ends the action as failed with reason, applies upd to its server,
// and tells the server's owner, in one transaction (once: an action
// finished before is not told again).
func (w *Worker) failed(ctx context.Context, a *webrana.InstanceAction, reason string, upd store.InstanceUpdate) error {
	tell, err := w.tellFailed(ctx, a, reason)
	if err != nil {
		return err
	}
	return w.db.FinishAction(ctx, a, webrana.ActionErrored, reason, upd, tell, w.failing(ctx, a))
}

// tellFailed returns the step that queues ActionFailed to the server's
// owner, or nil without a mailer. What it needs is read first: on SQLite
// nothing may be read outside the transaction while it runs.
func (w *Worker) tellFailed(ctx context.Context, a *webrana.InstanceAction, reason string) (func(*store.Tx) error, error) {
	if w.cfg.Mail == nil {
		return nil, nil
	}
	row, owner, err := w.db.InstanceRowWithOwner(ctx, a.InstanceID)
	if err != nil {
		return nil, err
	}
	m := mail.Message{To: owner.Email, UserID: owner.ID, Kind: mail.ActionFailed, Data: mail.ServerData{
		Name: row.Label, Provider: row.ProviderName, Region: row.Region, Plan: row.PlanName, IPv4: row.IPv4, IPv6: row.IPv6,
		Action: strings.ReplaceAll(a.Type, "_", " "), Reason: reason, Path: "/servers/" + row.ID}}
	return func(tx *store.Tx) error { return w.cfg.Mail.QueueTx(ctx, tx, m) }, nil
}

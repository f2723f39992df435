package mail

import (
	"context"
	"errors"
	"fmt"

	"github.com/riverqueue/river"

	"github.com/webrana/webrana"
	"github.com/webrana/webrana/store"
)

// SendWorker delivers outbox messages (SendArgs). A message the SMTP server
// accepted is marked sent at once and never sent again, however often its
// job runs. With no sender (no SMTP server configured: the sandbox) a
// message is kept, for operators to read on the Mail page. A refused or
// failed delivery returns its error, so River tries again with backoff;
// after the last attempt the message is marked failed. Only a message
// waiting for delivery, or kept in the sandbox, holds its one-time links
// in clear: a sent, failed or (in production) kept one is scrubbed.
type SendWorker struct {
	river.WorkerDefaults[SendArgs]
	db     SendStore
	sender Sender // nil keeps every message
	cfg    Config
}

// NewSendWorker returns the worker; sender nil means no SMTP server (keep).
// cfg's From and SenderName make each message's From header, and must be
// the outbox's.
func NewSendWorker(db SendStore, sender Sender, cfg *Config) *SendWorker {
	return &SendWorker{db: db, sender: sender, cfg: cfg.withDefaults()}
}

func (w *SendWorker) Work(ctx context.Context, job *river.Job[SendArgs]) error {
	m, err := w.db.MailMessage(ctx, job.Args.MessageID)
	if webrana.ErrorCode(err) == webrana.ENOTFOUND {
		return river.JobCancel(fmt.Errorf("mail message %s no longer exists", job.Args.MessageID))
	}
	if err != nil {
		return err
	}
	switch {
	case m.Status == store.MailSent:
		return nil // never twice
	case w.sender == nil:
		// Kept: its one-time links stay readable only in the sandbox,
		// whose Mail page is where they are read. In production without
		// SMTP nobody is to use them: not kept in clear.
		text, html := m.Text, m.HTML
		if !w.cfg.ShowKeptLinks {
			text, html = ScrubTokens(text), ScrubTokens(html)
		}
		return w.db.MarkMailKept(ctx, m.ID, text, html)
	}
	env := Envelope{From: w.cfg.From, FromName: w.cfg.SenderName, To: []string{m.To}, Subject: m.Subject,
		Text: m.Text, HTML: m.HTML, ID: m.ID, Date: m.CreatedAt}
	if err := w.sender.Send(ctx, env); err != nil {
		final := job.Attempt >= job.MaxAttempts
		var rerr error
		if final {
			// Never to be delivered: its one-time links are nobody's.
			rerr = w.db.MarkMailFailed(context.WithoutCancel(ctx), m.ID, job.Attempt, err.Error(), ScrubTokens(m.Text), ScrubTokens(m.HTML))
		} else {
			rerr = w.db.RecordMailFailure(context.WithoutCancel(ctx), m.ID, job.Attempt, err.Error())
		}
		if rerr != nil {
			err = errors.Join(err, rerr)
		}
		w.cfg.Logger.Warn("mail not delivered", "message", m.ID, "kind", m.Kind, "attempt", job.Attempt, "final", final, "err", err)
		return err
	}
	// Recorded immediately after the server accepted it, even if the job's
	// context ended meanwhile: a retry must find it sent.
	// The one-time links it carried are the recipient's alone now.
	text, html := ScrubTokens(m.Text), ScrubTokens(m.HTML)
	if _, err := w.db.MarkMailSent(context.WithoutCancel(ctx), m.ID, job.Attempt, w.cfg.Now(), text, html); err != nil {
		w.cfg.Logger.Error("mail delivered but not marked sent", "message", m.ID, "err", err)
		return river.JobCancel(fmt.Errorf("mail %s delivered but not marked sent: %w", m.ID, err))
	}
	return nil
}

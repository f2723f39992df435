package mail

import (
	"cmp"
	"context"
	"fmt"
	"log/slog"
	"regexp"
	"strings"
	"time"

	"github.com/riverqueue/river"

	"github.com/webrana/webrana"
	"github.com/webrana/webrana/jobs"
	"github.com/webrana/webrana/store"
)

// Config configures the outbox and its worker. A nil Config, and zero
// fields, take defaults.
type Config struct {
	// BaseURL is the site's public URL, which makes messages' links
	// absolute ("https://panel.example.com"; default http://127.0.0.1:8080).
	BaseURL string
	// From is the sender's address (default webrana@localhost).
	From string
	// SenderName is shown before it and names the site in messages
	// (default "Webrana").
	SenderName string
	// ShowKeptLinks shows operators the one-time links of kept messages:
	// in the sandbox, reading them is the point; in production without an
	// SMTP server they would let an operator use a customer's reset link.
	ShowKeptLinks bool
	Now           func() time.Time
	Logger        *slog.Logger
}

func (c *Config) withDefaults() Config {
	var out Config
	if c != nil {
		out = *c
	}
	out.BaseURL = strings.TrimRight(cmp.Or(out.BaseURL, "http://127.0.0.1:8080"), "/")
	out.From = cmp.Or(out.From, "webrana@localhost")
	out.SenderName = cmp.Or(strings.TrimSpace(out.SenderName), "Webrana")
	if out.Now == nil {
		out.Now = webrana.Now
	}
	if out.Logger == nil {
		out.Logger = slog.New(slog.DiscardHandler)
	}
	return out
}

func (c Config) site() Site { return Site{Name: c.SenderName, BaseURL: c.BaseURL} }

// Outbox queues messages: rendered, stored and their delivery job
// enqueued in the caller's transaction.
type Outbox struct {
	db  Store
	q   jobs.Enqueuer
	cfg Config
}

// NewOutbox returns the outbox over db, enqueuing delivery jobs with q.
func NewOutbox(db Store, q jobs.Enqueuer, cfg *Config) *Outbox {
	return &Outbox{db: db, q: q, cfg: cfg.withDefaults()}
}

// QueueTx queues m in tx, the transaction of the change it reports: the
// message is rendered now, stored, and its SendArgs job enqueued, so that
// both exist exactly when tx commits. A kind the recipient switched off
// queues nothing and is no error.
func (o *Outbox) QueueTx(ctx context.Context, tx *store.Tx, m Message) error {
	if !validAddress(m.To) {
		return fmt.Errorf("mail: queue %s: %q is not one address", m.Kind, m.To)
	}
	if m.UserID != "" && m.Kind.Optional() {
		off, err := tx.MailOptedOut(ctx, m.UserID, string(m.Kind))
		if err != nil {
			return fmt.Errorf("mail: queue %s: %w", m.Kind, err)
		}
		if off {
			return nil
		}
	}
	r, err := Render(o.cfg.site(), m.To, m.Kind, m.Data)
	if err != nil {
		return err
	}
	row := &store.MailMessage{UserID: m.UserID, To: m.To, Kind: string(m.Kind), Subject: r.Subject, Text: r.Text, HTML: r.HTML}
	if err := tx.InsertMailMessage(ctx, row); err != nil {
		return fmt.Errorf("mail: queue %s: %w", m.Kind, err)
	}
	if err := o.q.InsertTx(ctx, tx, SendArgs{MessageID: row.ID}, nil); err != nil {
		return fmt.Errorf("mail: queue %s: %w", m.Kind, err)
	}
	return nil
}

// List returns a page of the outbox, newest first, without bodies.
func (o *Outbox) List(ctx context.Context, p webrana.Page) ([]*store.MailMessage, int, error) {
	items, total, err := o.db.ListMailMessages(ctx, p)
	if err != nil {
		return nil, 0, fmt.Errorf("list mail: %w", err)
	}
	return items, total, nil
}

// Message returns one message with its text and HTML bodies, as operators
// read it: the one-time links (token=…) of a message meant for delivery are
// scrubbed, so that an operator cannot use a customer's verification,
// reset or invitation link. Only kept messages show them, and only with
// Config.ShowKeptLinks (the sandbox), since reading them there is the point.
func (o *Outbox) Message(ctx context.Context, id string) (*store.MailMessage, error) {
	m, err := o.db.MailMessage(ctx, id)
	if err != nil {
		return nil, fmt.Errorf("mail message %s: %w", id, err)
	}
	if m.Status != store.MailKept || !o.cfg.ShowKeptLinks {
		m.Text, m.HTML = ScrubTokens(m.Text), ScrubTokens(m.HTML)
	}
	return m, nil
}

// tokenParam is a link's token query parameter and its value.
var tokenParam = regexp.MustCompile(`([?&](?:amp;)?token=)[^&\s"'<>]+`)

// ScrubTokens replaces the value of every token= query parameter in s
// (the one-time links of verification, reset and invitation messages).
func ScrubTokens(s string) string { return tokenParam.ReplaceAllString(s, "${1}[removed]") }

// SendArgs delivers one outbox message. It holds the id only: the message
// itself stays in the database.
type SendArgs struct {
	MessageID string `json:"message_id"`
}

func (SendArgs) Kind() string { return "mail_send" }

// MaxAttempts is how often delivery is tried: with River's backoff
// (attempt⁴ seconds) the last try comes about a day after the first.
const MaxAttempts = 12

func (SendArgs) InsertOpts() river.InsertOpts { return river.InsertOpts{MaxAttempts: MaxAttempts} }

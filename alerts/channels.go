package alerts

import (
	"bytes"
	"cmp"
	"context"
	"crypto/hmac"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"strings"
	"time"

	"github.com/webrana/webrana"
	"github.com/webrana/webrana/mail"
)

// Notification is what a channel delivers.
type Notification struct {
	Event string         `json:"event"` // opened or resolved
	Alert *webrana.Alert `json:"alert"`
}

// Channel delivers notifications somewhere.
type Channel interface {
	Name() string
	Send(ctx context.Context, n Notification) error
}

// Webhook POSTs the notification as JSON, signed: the X-Webrana-Signature
// header is "sha256=" and the hex HMAC-SHA256 of the body under Secret.
type Webhook struct {
	URL    string
	Secret []byte
	Client *http.Client // default: 10 s timeout
}

func (w *Webhook) Name() string { return "webhook" }

// Sign returns the signature header value for a body.
func Sign(secret, body []byte) string {
	m := hmac.New(sha256.New, secret)
	m.Write(body)
	return "sha256=" + hex.EncodeToString(m.Sum(nil))
}

func (w *Webhook) Send(ctx context.Context, n Notification) error {
	body, err := json.Marshal(n)
	if err != nil {
		return err
	}
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, w.URL, bytes.NewReader(body))
	if err != nil {
		return err
	}
	req.Header.Set("Content-Type", "application/json")
	req.Header.Set("X-Webrana-Event", "alert."+n.Event)
	req.Header.Set("X-Webrana-Signature", Sign(w.Secret, body))
	client := w.Client
	if client == nil {
		client = &http.Client{Timeout: 10 * time.Second}
	}
	res, err := client.Do(req)
	if err != nil {
		return fmt.Errorf("webhook: %w", err)
	}
	defer res.Body.Close()
	_, _ = io.Copy(io.Discard, io.LimitReader(res.Body, 1<<16))
	if res.StatusCode/100 != 2 {
		return fmt.Errorf("webhook: answered %s", res.Status)
	}
	return nil
}

// Email sends the notification by e-mail through mail's one SMTP sender,
// rendered from mail's Alert templates (plain text and HTML).
type Email struct {
	Addr     string // host:port
	From     string
	To       []string
	Username string // optional PLAIN auth
	Password string
	// Sender delivers; nil sends through Addr with Username and Password.
	// Wiring passes the sender customers' mail uses for the configured
	// channel.
	Sender mail.Sender
	// SenderName names the site in the message (default "Webrana").
	SenderName string
}

func (e *Email) Name() string { return "email" }

func (e *Email) Send(ctx context.Context, n Notification) error {
	a := n.Alert
	data := mail.AlertData{Severity: a.Severity, Kind: a.Kind, Event: n.Event, Message: a.Message, ID: a.ID, Key: a.Key,
		OpenedAt: a.OpenedAt.UTC().Format(time.RFC3339)}
	if a.ResolvedAt != nil {
		data.ResolvedAt = a.ResolvedAt.UTC().Format(time.RFC3339)
	}
	site := mail.Site{Name: cmp.Or(e.SenderName, "Webrana")}
	r, err := mail.Render(site, strings.Join(e.To, ", "), mail.Alert, data)
	if err != nil {
		return err
	}
	sender := e.Sender
	if sender == nil {
		sender = &mail.SMTP{Addr: e.Addr, Username: e.Username, Password: e.Password}
	}
	env := mail.Envelope{From: e.From, FromName: site.Name, To: e.To, Subject: r.Subject, Text: r.Text, HTML: r.HTML,
		ID: "alert-" + a.ID + "-" + n.Event, Date: webrana.Now()}
	if err := sender.Send(ctx, env); err != nil {
		return fmt.Errorf("email: %w", err)
	}
	return nil
}

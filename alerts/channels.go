package alerts

import (
	"bytes"
	"context"
	"crypto/hmac"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/smtp"
	"strings"
	"time"

	"github.com/webrana/webrana"
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

// Email sends the notification by SMTP.
type Email struct {
	Addr     string // host:port
	From     string
	To       []string
	Username string // optional PLAIN auth
	Password string
}

func (e *Email) Name() string { return "email" }

func (e *Email) Send(ctx context.Context, n Notification) error {
	a := n.Alert
	subject := fmt.Sprintf("[Webrana %s] %s %s", a.Severity, a.Kind, n.Event)
	var msg strings.Builder
	fmt.Fprintf(&msg, "From: %s\r\nTo: %s\r\nSubject: %s\r\nContent-Type: text/plain; charset=utf-8\r\n\r\n", e.From, strings.Join(e.To, ", "), subject)
	fmt.Fprintf(&msg, "%s\r\n\r\nAlert %s (%s), opened %s.\r\n", a.Message, a.ID, a.Key, a.OpenedAt.Format(time.RFC3339))
	if a.ResolvedAt != nil {
		fmt.Fprintf(&msg, "Resolved %s.\r\n", a.ResolvedAt.Format(time.RFC3339))
	}
	var auth smtp.Auth
	if e.Username != "" {
		host, _, _ := strings.Cut(e.Addr, ":")
		auth = smtp.PlainAuth("", e.Username, e.Password, host)
	}
	if err := smtp.SendMail(e.Addr, auth, e.From, e.To, []byte(msg.String())); err != nil {
		return fmt.Errorf("email: %w", err)
	}
	return nil
}

package mail

import (
	"cmp"
	"context"
	"crypto/tls"
	"errors"
	"fmt"
	"net"
	"net/smtp"
	"strings"
	"time"
)

// Sender delivers an envelope. The one implementation is SMTP; both the
// outbox's worker and alerts' e-mail channels send through it.
type Sender interface {
	Send(ctx context.Context, e Envelope) error
}

// SMTP sends through one SMTP server: STARTTLS whenever the server offers
// it (and, with RequireTLS, nothing to a server that does not), PLAIN
// authentication when a username is set (net/smtp refuses it over an
// unencrypted connection except to localhost).
type SMTP struct {
	Addr     string // host:port
	Username string
	Password string
	// RequireTLS refuses to send to a server that does not offer
	// STARTTLS, rather than sending in clear (WEBRANA_SMTP_TLS=require):
	// messages carry one-time links.
	RequireTLS bool
	// Hello is the name given in EHLO (default "localhost").
	Hello string
	// Timeout bounds one delivery when ctx has no earlier deadline
	// (default 30s).
	Timeout time.Duration
}

var _ Sender = (*SMTP)(nil)

// Send delivers e. An error means the server did not take the message
// (the caller retries); nil means it accepted it.
func (s *SMTP) Send(ctx context.Context, e Envelope) error {
	if len(e.To) == 0 {
		return errors.New("smtp: no recipient")
	}
	if err := s.send(ctx, e); err != nil {
		return fmt.Errorf("smtp %s: %w", s.Addr, err)
	}
	return nil
}

func (s *SMTP) send(ctx context.Context, e Envelope) error {
	host, _, err := net.SplitHostPort(s.Addr)
	if err != nil {
		return err
	}
	deadline := time.Now().Add(cmp.Or(s.Timeout, 30*time.Second))
	if d, ok := ctx.Deadline(); ok && d.Before(deadline) {
		deadline = d
	}
	ctx, cancel := context.WithDeadline(ctx, deadline)
	defer cancel()
	conn, err := (&net.Dialer{}).DialContext(ctx, "tcp", s.Addr)
	if err != nil {
		return err
	}
	defer conn.Close()
	conn.SetDeadline(deadline)
	stop := context.AfterFunc(ctx, func() { conn.SetDeadline(time.Now()) }) // a cancelled job stops at once
	defer stop()
	c, err := smtp.NewClient(conn, host)
	if err != nil {
		return err
	}
	defer c.Close()
	if err := c.Hello(cmp.Or(s.Hello, "localhost")); err != nil {
		return err
	}
	if ok, _ := c.Extension("STARTTLS"); ok {
		if err := c.StartTLS(&tls.Config{ServerName: host, MinVersion: tls.VersionTLS12}); err != nil {
			return err
		}
	} else if s.RequireTLS {
		return errors.New("the server offers no STARTTLS, and TLS is required: nothing sent")
	}
	if s.Username != "" {
		if err := c.Auth(smtp.PlainAuth("", s.Username, s.Password, host)); err != nil {
			return err
		}
	}
	if err := c.Mail(e.From); err != nil {
		return err
	}
	for _, to := range e.To {
		if err := c.Rcpt(to); err != nil {
			return err
		}
	}
	w, err := c.Data()
	if err != nil {
		return err
	}
	if _, err := w.Write(e.Bytes()); err != nil {
		return err
	}
	if err := w.Close(); err != nil { // the server's answer to the message
		return err
	}
	_ = c.Quit() // the message is accepted; a failed goodbye changes nothing
	return nil
}

// validAddress reports whether addr is one bare address for an SMTP
// envelope (no name, no line breaks).
func validAddress(addr string) bool {
	return addr != "" && !strings.ContainsAny(addr, "\r\n<> ,") && strings.Count(addr, "@") == 1
}

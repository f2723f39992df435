package mail_test

import (
	"context"
	"strings"
	"testing"
	"time"

	"github.com/webrana/webrana/mail"
	"github.com/webrana/webrana/mail/mailtest"
)

// TestSMTPRequireTLS: with RequireTLS (WEBRANA_SMTP_TLS=require) a server
// that offers no STARTTLS gets no message, and the error says why;
// without it the message goes in clear, as before.
func TestSMTPRequireTLS(t *testing.T) {
	srv := mailtest.Start(t, nil) // offers no STARTTLS
	e := mail.Envelope{From: "noreply@example.com", To: []string{"a@example.com"}, Subject: "hi", Text: "a link", ID: "m1",
		Date: time.Date(2031, 5, 1, 9, 0, 0, 0, time.UTC)}
	err := (&mail.SMTP{Addr: srv.Addr, RequireTLS: true}).Send(context.Background(), e)
	if err == nil || !strings.Contains(err.Error(), "STARTTLS") {
		t.Fatalf("required TLS to a server without STARTTLS: %v, want refused", err)
	}
	if srv.Pending() != 0 {
		t.Fatal("the message was sent in clear")
	}
	if err := (&mail.SMTP{Addr: srv.Addr}).Send(context.Background(), e); err != nil {
		t.Fatal(err)
	}
	if got := srv.Wait(t); got.Subject != "hi" {
		t.Fatalf("delivered %+v", got)
	}
}

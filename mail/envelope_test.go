package mail_test

import (
	"bytes"
	"mime"
	netmail "net/mail"
	"strings"
	"testing"
	"time"

	"github.com/webrana/webrana/mail"
)

// TestEnvelopeHeaders: a subject and sender name that are not ASCII are
// encoded (RFC 2047) and read back as written; a line break in a subject
// cannot add a header; the Message-ID is the row's.
func TestEnvelopeHeaders(t *testing.T) {
	e := mail.Envelope{From: "noreply@example.com", FromName: "Zoë's Cloud", To: []string{"a@example.com"},
		Subject: "Serveur «prêt»\r\nBcc: evil@example.com", Text: "hé", ID: "row-1", Date: time.Date(2031, 5, 1, 9, 0, 0, 0, time.UTC)}
	raw := e.Bytes()
	msg, err := netmail.ReadMessage(bytes.NewReader(raw))
	if err != nil {
		t.Fatal(err)
	}
	subject, err := new(mime.WordDecoder).DecodeHeader(msg.Header.Get("Subject"))
	if err != nil || subject != "Serveur «prêt» Bcc: evil@example.com" || !strings.Contains(msg.Header.Get("Subject"), "=?utf-8?") {
		t.Errorf("subject %q (%q), %v", subject, msg.Header.Get("Subject"), err)
	}
	if msg.Header.Get("Bcc") != "" {
		t.Error("a line break in the subject added a header")
	}
	from, err := msg.Header.AddressList("From")
	if err != nil || len(from) != 1 || from[0].Name != "Zoë's Cloud" || from[0].Address != "noreply@example.com" {
		t.Errorf("from %v, %v", from, err)
	}
	if id := msg.Header.Get("Message-ID"); id != "<row-1@example.com>" {
		t.Errorf("Message-ID %q", id)
	}
	if d, err := msg.Header.Date(); err != nil || !d.Equal(e.Date) {
		t.Errorf("date %v, %v", d, err)
	}
	if ct := msg.Header.Get("Content-Type"); ct != "text/plain; charset=utf-8" {
		t.Errorf("a message without HTML is %q", ct)
	}
}

package mail

import (
	"bytes"
	"crypto/rand"
	"encoding/hex"
	"fmt"
	"mime"
	"mime/quotedprintable"
	netmail "net/mail"
	"strings"
	"time"
)

// Envelope is one e-mail as it goes to the SMTP server.
type Envelope struct {
	From     string // the sender's address
	FromName string // shown before it ("Webrana")
	To       []string
	Subject  string
	Text     string
	HTML     string // optional: without it the message is plain text
	// ID makes the Message-ID header <ID@domain of From>: an outbox row's
	// id, so that a message sent again is recognisably the same one.
	ID   string
	Date time.Time
}

// Bytes is the message in RFC 5322 form: headers (the subject and sender
// name encoded per RFC 2047 when not ASCII) and a multipart/alternative
// body of the text and HTML parts, each quoted-printable.
func (e Envelope) Bytes() []byte {
	var b bytes.Buffer
	header := func(k, v string) { fmt.Fprintf(&b, "%s: %s\r\n", k, v) }
	from := netmail.Address{Name: e.FromName, Address: e.From}
	header("From", from.String())
	to := make([]string, len(e.To))
	for i, addr := range e.To {
		to[i] = (&netmail.Address{Address: addr}).String()
	}
	header("To", strings.Join(to, ", "))
	header("Subject", mime.QEncoding.Encode("utf-8", oneLine(e.Subject)))
	header("Date", e.Date.Format(time.RFC1123Z))
	header("Message-ID", "<"+e.messageID()+">")
	header("MIME-Version", "1.0")
	if e.HTML == "" {
		header("Content-Type", "text/plain; charset=utf-8")
		header("Content-Transfer-Encoding", "quoted-printable")
		b.WriteString("\r\n")
		writeQP(&b, e.Text)
		return b.Bytes()
	}
	boundary := randomBoundary()
	header("Content-Type", `multipart/alternative; boundary="`+boundary+`"`)
	b.WriteString("\r\n")
	for _, part := range []struct{ typ, body string }{{"text/plain", e.Text}, {"text/html", e.HTML}} {
		fmt.Fprintf(&b, "--%s\r\nContent-Type: %s; charset=utf-8\r\nContent-Transfer-Encoding: quoted-printable\r\n\r\n", boundary, part.typ)
		writeQP(&b, part.body)
		b.WriteString("\r\n")
	}
	fmt.Fprintf(&b, "--%s--\r\n", boundary)
	return b.Bytes()
}

// messageID is ID at the sender's domain, or a random one without an ID.
func (e Envelope) messageID() string {
	id := e.ID
	if id == "" {
		id = randomBoundary()
	}
	domain := "webrana.local"
	if at := strings.LastIndexByte(e.From, '@'); at >= 0 && at < len(e.From)-1 {
		domain = e.From[at+1:]
	}
	return id + "@" + domain
}

// writeQP writes s quoted-printable with CRLF line ends.
func writeQP(b *bytes.Buffer, s string) {
	s = strings.ReplaceAll(strings.ReplaceAll(s, "\r\n", "\n"), "\n", "\r\n")
	w := quotedprintable.NewWriter(b)
	w.Write([]byte(s))
	w.Close()
}

// oneLine folds any line breaks into spaces, so no header can be injected.
func oneLine(s string) string { return strings.Join(strings.Fields(s), " ") }

func randomBoundary() string {
	var buf [16]byte
	rand.Read(buf[:])
	return hex.EncodeToString(buf[:])
}

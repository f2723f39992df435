// Package mailtest is a real SMTP server for tests, on a loopback port:
// go-smtp speaks the protocol, and each message it accepts is parsed
// (headers, text and HTML parts) and handed to the test through Next, so
// a test waits for mail without sleeping. It can refuse the first
// messages with a temporary error, to test retries.
package mailtest

import (
	"bytes"
	"cmp"
	"context"
	"errors"
	"fmt"
	"io"
	"mime"
	"mime/multipart"
	"mime/quotedprintable"
	"net"
	netmail "net/mail"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/emersion/go-smtp"
)

// Message is one message the server accepted.
type Message struct {
	From    string   // the envelope sender (MAIL FROM)
	To      []string // the envelope recipients (RCPT TO)
	Header  netmail.Header
	Subject string // decoded
	Text    string // the text/plain part, decoded, line ends as "\n"
	HTML    string // the text/html part, decoded
	Raw     []byte
}

// Options adjust the server.
type Options struct {
	// Refuse is how many messages are refused (451, try again later)
	// before messages are accepted.
	Refuse int
}

// Server is the running server.
type Server struct {
	Addr string // host:port, for WEBRANA_SMTP_ADDR or mail.SMTP.Addr

	msgs chan *Message
	errs chan error

	mu      sync.Mutex
	refuse  int
	refused int
}

// Start starts a server on 127.0.0.1:0, stopped when the test ends.
func Start(t testing.TB, opts *Options) *Server {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	s := &Server{Addr: ln.Addr().String(), msgs: make(chan *Message, 100), errs: make(chan error, 100)}
	if opts != nil {
		s.refuse = opts.Refuse
	}
	srv := smtp.NewServer(smtp.BackendFunc(func(*smtp.Conn) (smtp.Session, error) { return &session{s: s}, nil }))
	srv.Domain = "mailtest.local"
	srv.ReadTimeout, srv.WriteTimeout = time.Minute, time.Minute
	go srv.Serve(ln)
	t.Cleanup(func() { srv.Close() })
	return s
}

// Next returns the next accepted message, waiting until ctx ends. A
// message the server could not parse fails here.
func (s *Server) Next(ctx context.Context) (*Message, error) {
	select {
	case m := <-s.msgs:
		return m, nil
	case err := <-s.errs:
		return nil, err
	case <-ctx.Done():
		return nil, fmt.Errorf("mailtest: no message: %w", ctx.Err())
	}
}

// Wait is Next for a test: it fails the test after a generous timeout.
func (s *Server) Wait(t testing.TB) *Message {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	m, err := s.Next(ctx)
	if err != nil {
		t.Fatal(err)
	}
	return m
}

// Pending is how many accepted messages no one has taken with Next yet.
func (s *Server) Pending() int { return len(s.msgs) }

// Refused is how many messages the server has refused.
func (s *Server) Refused() int {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.refused
}

// refuseNext reports whether this message is one of those to refuse.
func (s *Server) refuseNext() bool {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.refused < s.refuse {
		s.refused++
		return true
	}
	return false
}

type session struct {
	s    *Server
	from string
	to   []string
}

func (se *session) Reset()        { se.from, se.to = "", nil }
func (se *session) Logout() error { return nil }

func (se *session) Mail(from string, _ *smtp.MailOptions) error {
	se.from = from
	return nil
}

func (se *session) Rcpt(to string, _ *smtp.RcptOptions) error {
	se.to = append(se.to, to)
	return nil
}

func (se *session) Data(r io.Reader) error {
	raw, err := io.ReadAll(r)
	if err != nil {
		return err
	}
	if se.s.refuseNext() {
		return &smtp.SMTPError{Code: 451, EnhancedCode: smtp.EnhancedCode{4, 3, 0}, Message: "mailtest: try again later"}
	}
	m, err := parse(raw)
	if err != nil {
		se.s.errs <- fmt.Errorf("mailtest: unparsable message: %w\n%s", err, raw)
		return &smtp.SMTPError{Code: 554, EnhancedCode: smtp.EnhancedCode{5, 6, 0}, Message: err.Error()}
	}
	m.From, m.To = se.from, append([]string(nil), se.to...)
	se.s.msgs <- m
	return nil
}

// parse reads a message: its headers and its text and HTML parts, whether
// the body is one part or multipart/alternative.
func parse(raw []byte) (*Message, error) {
	msg, err := netmail.ReadMessage(bytes.NewReader(raw))
	if err != nil {
		return nil, err
	}
	m := &Message{Header: msg.Header, Raw: raw}
	if m.Subject, err = new(mime.WordDecoder).DecodeHeader(msg.Header.Get("Subject")); err != nil {
		return nil, fmt.Errorf("subject: %w", err)
	}
	return m, m.readPart(msg.Header.Get("Content-Type"), msg.Header.Get("Content-Transfer-Encoding"), msg.Body)
}

func (m *Message) readPart(contentType, encoding string, body io.Reader) error {
	typ, params, err := mime.ParseMediaType(cmp.Or(contentType, "text/plain"))
	if err != nil {
		return err
	}
	if strings.HasPrefix(typ, "multipart/") {
		mr := multipart.NewReader(body, params["boundary"])
		for {
			p, err := mr.NextRawPart()
			if errors.Is(err, io.EOF) {
				return nil
			}
			if err != nil {
				return err
			}
			if err := m.readPart(p.Header.Get("Content-Type"), p.Header.Get("Content-Transfer-Encoding"), p); err != nil {
				return err
			}
		}
	}
	if strings.EqualFold(encoding, "quoted-printable") {
		body = quotedprintable.NewReader(body)
	}
	b, err := io.ReadAll(body)
	if err != nil {
		return err
	}
	text := strings.ReplaceAll(string(b), "\r\n", "\n")
	switch typ {
	case "text/plain":
		m.Text = text
	case "text/html":
		m.HTML = text
	}
	return nil
}

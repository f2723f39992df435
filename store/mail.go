package store

import (
	"context"
	"database/sql"
	"time"

	"github.com/webrana/webrana"
)

// Mail message statuses (mail_messages.status).
const (
	MailQueued = "queued" // waiting for its delivery job
	MailSent   = "sent"   // the SMTP server accepted it: never sent again
	MailKept   = "kept"   // no SMTP server configured: kept for operators to read
	MailFailed = "failed" // the last delivery attempt failed
)

// MailMessage is one rendered e-mail in the outbox.
type MailMessage struct {
	ID        string     `json:"id"`
	UserID    string     `json:"user_id,omitempty"`
	To        string     `json:"to"`
	Kind      string     `json:"kind"`
	Subject   string     `json:"subject"`
	Text      string     `json:"text,omitempty"`
	HTML      string     `json:"html,omitempty"`
	Status    string     `json:"status"`
	Attempts  int        `json:"attempts"`
	LastError string     `json:"last_error,omitempty"`
	CreatedAt time.Time  `json:"created_at"`
	SentAt    *time.Time `json:"sent_at,omitempty"`
}

const mailColumns = `id, user_id, to_addr, kind, subject, text_body, html_body, status, attempts, last_error, created_at, sent_at`

// mailListColumns are the list's: the bodies are left out (empty).
const mailListColumns = `id, user_id, to_addr, kind, subject, '', '', status, attempts, last_error, created_at, sent_at`

func scanMail(s scanner) (*MailMessage, error) {
	var m MailMessage
	var user sql.NullString
	var sent sql.NullTime
	if err := s.Scan(&m.ID, &user, &m.To, &m.Kind, &m.Subject, &m.Text, &m.HTML, &m.Status, &m.Attempts, &m.LastError,
		&m.CreatedAt, &sent); err != nil {
		return nil, err
	}
	m.UserID, m.CreatedAt, m.SentAt = user.String, m.CreatedAt.UTC(), timePtr(sent)
	return &m, nil
}

// InsertMailMessage adds a queued message to the outbox in the
// transaction of the change it reports; it sets ID and CreatedAt.
func (tx *Tx) InsertMailMessage(ctx context.Context, m *MailMessage) error {
	c := tx.conn()
	m.ID, m.CreatedAt, m.Status = newID(), c.now().UTC(), MailQueued
	var user any
	if m.UserID != "" {
		user = m.UserID
	}
	_, err := c.exec(ctx, `INSERT INTO mail_messages (`+mailColumns+`) VALUES (?, ?, ?, ?, ?, ?, ?, ?, 0, '', ?, NULL)`,
		m.ID, user, m.To, m.Kind, m.Subject, m.Text, m.HTML, m.Status, m.CreatedAt)
	return err
}

// MailMessage returns one message with its bodies.
func (db *DB) MailMessage(ctx context.Context, id string) (*MailMessage, error) {
	m, err := scanMail(db.conn().row(ctx, `SELECT `+mailColumns+` FROM mail_messages WHERE id = ?`, id))
	return m, notFound(err, "Mail message")
}

// ListMailMessages returns a page of the outbox, newest first, without
// the bodies, and the total.
func (db *DB) ListMailMessages(ctx context.Context, p webrana.Page) ([]*MailMessage, int, error) {
	return listPage(ctx, db.conn(), scanMail, `SELECT `+mailListColumns+` FROM mail_messages ORDER BY created_at DESC, id DESC`,
		`SELECT COUNT(*) FROM mail_messages`, nil, p)
}

// MarkMailSent records that the SMTP server accepted the message, after
// attempts tries, and keeps text and html as its bodies from now on (the
// sender's copy, with one-time links scrubbed). It reports false when the
// message was already sent (so nothing changed).
func (db *DB) MarkMailSent(ctx context.Context, id string, attempts int, at time.Time, text, html string) (bool, error) {
	res, err := db.conn().exec(ctx, `UPDATE mail_messages SET status = ?, attempts = ?, last_error = '', sent_at = ?,
		text_body = ?, html_body = ? WHERE id = ? AND status <> ?`, MailSent, attempts, at.UTC(), text, html, id, MailSent)
	if err != nil {
		return false, err
	}
	n, err := res.RowsAffected()
	return n == 1, err
}

// MarkMailKept records that the message is kept for operators to read (no
// SMTP server is configured), with text and html as its bodies from now on
// (the caller's copy: scrubbed of one-time links outside the sandbox). A
// sent message stays sent.
func (db *DB) MarkMailKept(ctx context.Context, id, text, html string) error {
	_, err := db.conn().exec(ctx, `UPDATE mail_messages SET status = ?, text_body = ?, html_body = ? WHERE id = ? AND status <> ?`,
		MailKept, text, html, id, MailSent)
	return err
}

// RecordMailFailure records a failed delivery attempt after which the
// message stays queued for another.
func (db *DB) RecordMailFailure(ctx context.Context, id string, attempts int, reason string) error {
	_, err := db.conn().exec(ctx, `UPDATE mail_messages SET status = ?, attempts = ?, last_error = ? WHERE id = ? AND status <> ?`,
		MailQueued, attempts, reason, id, MailSent)
	return err
}

// MarkMailFailed records that the last delivery attempt failed: the
// message is failed for good, and keeps text and html as its bodies from
// now on (the caller's copy, with one-time links scrubbed).
func (db *DB) MarkMailFailed(ctx context.Context, id string, attempts int, reason, text, html string) error {
	_, err := db.conn().exec(ctx, `UPDATE mail_messages SET status = ?, attempts = ?, last_error = ?, text_body = ?, html_body = ?
		WHERE id = ? AND status <> ?`, MailFailed, attempts, reason, text, html, id, MailSent)
	return err
}

// MailOptOuts returns the kinds of e-mail a user switched off.
func (db *DB) MailOptOuts(ctx context.Context, userID string) ([]string, error) {
	return db.conn().mailOptOuts(ctx, userID)
}

// MailOptedOut reports, in the transaction, whether a user switched a kind
// of e-mail off.
func (tx *Tx) MailOptedOut(ctx context.Context, userID, kind string) (bool, error) {
	n, err := tx.conn().count(ctx, `SELECT COUNT(*) FROM mail_opt_outs WHERE user_id = ? AND kind = ?`, userID, kind)
	return n > 0, err
}

// SetMailOptOut switches a kind of e-mail off (off) or on for a user.
func (tx *Tx) SetMailOptOut(ctx context.Context, userID, kind string, off bool) error {
	c := tx.conn()
	if !off {
		_, err := c.exec(ctx, `DELETE FROM mail_opt_outs WHERE user_id = ? AND kind = ?`, userID, kind)
		return err
	}
	_, err := c.exec(ctx, `INSERT INTO mail_opt_outs (user_id, kind, created_at) VALUES (?, ?, ?)
		ON CONFLICT (user_id, kind) DO NOTHING`, userID, kind, c.now())
	return err
}

func (c conn) mailOptOuts(ctx context.Context, userID string) ([]string, error) {
	return list(ctx, c, func(s scanner) (string, error) {
		var k string
		return k, s.Scan(&k)
	}, `SELECT kind FROM mail_opt_outs WHERE user_id = ? ORDER BY kind`, userID)
}

package main

import (
	"context"
	"io"
	"strings"
	"testing"

	"github.com/webrana/webrana/alerts"
	"github.com/webrana/webrana/mail"
	"github.com/webrana/webrana/mail/mailtest"
	"github.com/webrana/webrana/store"
)

// TestMailDeliveredEndToEnd: Main configured with only WEBRANA_SMTP_ADDR
// and WEBRANA_SMTP_FROM (no alert recipients) delivers a message queued in
// a transaction to the SMTP server, through its River worker, with links
// on WEBRANA_BASE_URL and the configured sender name.
func TestMailDeliveredEndToEnd(t *testing.T) {
	srv := mailtest.Start(t, nil)
	r := startMain(t, map[string]string{"WEBRANA_DATA_DIR": t.TempDir(), "WEBRANA_SMTP_ADDR": srv.Addr,
		"WEBRANA_SMTP_FROM": "noreply@example.com", "WEBRANA_SMTP_SENDER_NAME": "Acme Cloud",
		"WEBRANA_BASE_URL": "https://panel.example.com/", "WEBRANA_SMTP_PASSWORD": "hunter2-smtp"})
	ctx := context.Background()
	err := r.DB.InTx(ctx, func(tx *store.Tx) error {
		return r.Mail.QueueTx(ctx, tx, mail.Message{To: "new@example.com", Kind: mail.Verify,
			Data: mail.LinkData{Path: "/verify?token=t0k", ExpiresIn: "24 hours"}})
	})
	if err != nil {
		t.Fatal(err)
	}
	got := srv.Wait(t)
	if got.From != "noreply@example.com" || got.To[0] != "new@example.com" || got.Header.Get("From") != `"Acme Cloud" <noreply@example.com>` ||
		got.Subject != "Confirm your e-mail address for Acme Cloud" ||
		!strings.Contains(got.Text, "https://panel.example.com/verify?token=t0k") || !strings.Contains(got.HTML, "https://panel.example.com/verify?token=t0k") {
		t.Fatalf("delivered %+v", got)
	}
	if strings.Contains(r.stderr.String(), "hunter2-smtp") {
		t.Fatal("the SMTP password is in the log")
	}
	for _, ch := range r.Config.alertChannels(r.Config.mailSender()) {
		if ch.Name() == "email" {
			t.Fatal("an alert e-mail channel without WEBRANA_ALERT_EMAIL_TO")
		}
	}
}

// TestMailConfig: the defaults, and alert e-mail sharing the one sender.
func TestMailConfig(t *testing.T) {
	cfg, err := LoadConfig("test", nil, testEnv(map[string]string{}), io.Discard)
	if err != nil || cfg.BaseURL != "" || cfg.mailSender() != nil {
		t.Fatalf("defaults: base URL %q, sender %v, %v", cfg.BaseURL, cfg.mailSender(), err)
	}
	cfg, err = LoadConfig("test", nil, testEnv(map[string]string{"WEBRANA_SMTP_ADDR": "smtp.example.com:587", "WEBRANA_SMTP_FROM": "w@example.com",
		"WEBRANA_ALERT_EMAIL_TO": "ops@example.com, oncall@example.com", "WEBRANA_SMTP_USERNAME": "w", "WEBRANA_SMTP_PASSWORD": "s3cret-pw"}), io.Discard)
	if err != nil {
		t.Fatal(err)
	}
	sender := cfg.mailSender()
	if sender.(*mail.SMTP).RequireTLS {
		t.Fatal("STARTTLS required without WEBRANA_SMTP_TLS=require")
	}
	var email *alerts.Email
	for _, ch := range cfg.alertChannels(sender) {
		if e, ok := ch.(*alerts.Email); ok {
			email = e
		}
	}
	if email == nil || email.Sender != sender || len(email.To) != 2 || email.To[1] != "oncall@example.com" {
		t.Fatalf("alert e-mail channel %+v; want the customers' sender", email)
	}
	if s := cfg.String(); strings.Contains(s, "s3cret-pw") || !strings.Contains(s, "smtp.example.com:587") {
		t.Fatalf("config log line: %s", s)
	}
	cfg, err = LoadConfig("test", nil, testEnv(map[string]string{"WEBRANA_SMTP_ADDR": "smtp.example.com:587", "WEBRANA_SMTP_FROM": "w@example.com",
		"WEBRANA_SMTP_TLS": "require"}), io.Discard)
	if err != nil || !cfg.mailSender().(*mail.SMTP).RequireTLS {
		t.Fatalf("WEBRANA_SMTP_TLS=require: %v", err)
	}
}

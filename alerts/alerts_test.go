package alerts_test

import (
	"context"
	"encoding/json"
	"errors"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/riverqueue/river"

	"github.com/webrana/webrana"
	"github.com/webrana/webrana/alerts"
	"github.com/webrana/webrana/jobs"
	"github.com/webrana/webrana/mail/mailtest"
	"github.com/webrana/webrana/secrets"
	"github.com/webrana/webrana/store"
	"github.com/webrana/webrana/store/storetest"
)

func acct(name string, p webrana.ProviderType, limit, active int, health webrana.Health) *webrana.Account {
	return &webrana.Account{ID: "id-" + name, Name: name, ProviderType: p, Limit: limit, Active: active, Health: health, IsActive: true}
}

func TestConditions(t *testing.T) {
	keys := func(cs []alerts.Condition) map[string]string {
		out := map[string]string{}
		for _, c := range cs {
			out[c.Key] = c.Severity
		}
		return out
	}
	tests := []struct {
		name     string
		accounts []*webrana.Account
		want     map[string]string
	}{
		{"seed mock-up: one full account, pool 66%", []*webrana.Account{
			acct("p", webrana.DigitalOcean, 25, 20, webrana.HealthHealthy), acct("a2", webrana.DigitalOcean, 25, 5, webrana.HealthHealthy),
			acct("a3", webrana.DigitalOcean, 25, 25, webrana.HealthHealthy)},
			map[string]string{"account_full:id-a3": "warning"}},
		{"pool above 80%", []*webrana.Account{
			acct("a", webrana.DigitalOcean, 10, 9, webrana.HealthHealthy), acct("b", webrana.DigitalOcean, 10, 8, webrana.HealthHealthy)},
			map[string]string{"pool_high_usage:digitalocean": "warning"}},
		{"all full", []*webrana.Account{
			acct("a", webrana.Linode, 2, 2, webrana.HealthHealthy), acct("b", webrana.Linode, 3, 3, webrana.HealthUnknown)},
			map[string]string{"account_full:id-a": "warning", "account_full:id-b": "warning", "all_accounts_full:linode": "critical"}},
		{"unhealthy is not counted as capacity", []*webrana.Account{
			acct("a", webrana.DigitalOcean, 10, 10, webrana.HealthHealthy), acct("b", webrana.DigitalOcean, 10, 0, webrana.HealthUnhealthy)},
			map[string]string{"account_full:id-a": "warning", "all_accounts_full:digitalocean": "critical", "account_unhealthy:id-b": "critical"}},
		{"inactive accounts are ignored", []*webrana.Account{
			func() *webrana.Account {
				a := acct("a", webrana.DigitalOcean, 1, 1, webrana.HealthUnhealthy)
				a.IsActive = false
				return a
			}()},
			map[string]string{}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got := keys(alerts.Conditions(tt.accounts))
			if len(got) != len(tt.want) {
				t.Fatalf("conditions %v, want %v", got, tt.want)
			}
			for k, sev := range tt.want {
				if got[k] != sev {
					t.Errorf("condition %s = %q, want %q (all: %v)", k, got[k], sev, got)
				}
			}
		})
	}
}

func wait[T any](t *testing.T, ch <-chan T, what string) T {
	t.Helper()
	select {
	case v := <-ch:
		return v
	case <-time.After(30 * time.Second):
		t.Fatalf("timed out waiting for %s", what)
		panic("unreachable")
	}
}

// TestAlertsArriveAtWebhookAndSMTP: a full account opens an alert once;
// its notification reaches a signed webhook and an SMTP server through River
// jobs; freeing the account resolves it, and that is delivered too.
func TestAlertsArriveAtWebhookAndSMTP(t *testing.T) {
	t.Run("sqlite", func(t *testing.T) { testDelivery(t, storetest.OpenSQLite(t)) })
	t.Run("postgres", func(t *testing.T) { testDelivery(t, storetest.OpenPostgres(t)) })
}

type hook struct {
	body      []byte
	signature string
	event     string
}

func testDelivery(t *testing.T, db *store.DB) {
	ctx := context.Background()
	if err := jobs.Migrate(ctx, db); err != nil {
		t.Fatal(err)
	}
	secret := []byte("webhook-secret")
	hooks := make(chan hook, 10)
	wh := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		b, _ := io.ReadAll(r.Body)
		hooks <- hook{b, r.Header.Get("X-Webrana-Signature"), r.Header.Get("X-Webrana-Event")}
	}))
	defer wh.Close()
	smtpSrv := mailtest.Start(t, nil)
	// One channel from the environment, one stored by an administrator.
	keys := secrets.NewKeyring(secrets.NewKey(), nil)
	channels := alerts.NewChannelSet(db, keys, &alerts.ChannelSetConfig{Static: []alerts.Channel{&alerts.Webhook{URL: wh.URL, Secret: secret}}})
	if _, err := channels.Create(ctx, webrana.Actor{}, alerts.ChannelInput{Kind: "email", Name: "ops", Secret: "smtp-password",
		Config: webrana.AlertChannelConfig{SMTPAddr: smtpSrv.Addr, From: "webrana@example.com", To: []string{"ops@example.com"}}}); err != nil {
		t.Fatal(err)
	}
	workers := river.NewWorkers()
	river.AddWorker(workers, alerts.NewNotifyWorker(db, channels))
	q, err := jobs.New(db, &jobs.Config{Workers: workers})
	if err != nil {
		t.Fatal(err)
	}
	if err := q.Start(ctx); err != nil {
		t.Fatal(err)
	}
	defer func() {
		stopCtx, cancel := context.WithTimeout(ctx, 10*time.Second)
		defer cancel()
		q.Stop(stopCtx)
	}()
	if _, err := db.EnsureProvider(ctx, webrana.Linode, "Linode"); err != nil {
		t.Fatal(err)
	}
	full := &webrana.Account{ProviderType: webrana.Linode, Name: "L1", TokenCiphertext: "x", IsActive: true, Limit: 2, Active: 2, Health: webrana.HealthHealthy}
	spare := &webrana.Account{ProviderType: webrana.Linode, Name: "L2", TokenCiphertext: "y", IsActive: true, Limit: 10, Active: 1, Health: webrana.HealthHealthy}
	for _, a := range []*webrana.Account{full, spare} {
		if err := db.CreateAccount(ctx, a); err != nil {
			t.Fatal(err)
		}
	}
	svc := alerts.New(db, q, channels, nil)
	opened, resolved, err := svc.Evaluate(ctx)
	if err != nil || opened != 1 || resolved != 0 {
		t.Fatalf("Evaluate = %d opened, %d resolved, %v; want the one account_full", opened, resolved, err)
	}
	if opened, _, _ := svc.Evaluate(ctx); opened != 0 {
		t.Fatal("a second evaluation opened the alert again")
	}

	h := wait(t, hooks, "the webhook")
	var n struct {
		Event string
		Alert struct{ Kind, Key, Message string }
	}
	if err := json.Unmarshal(h.body, &n); err != nil {
		t.Fatal(err)
	}
	if h.signature != alerts.Sign(secret, h.body) || h.event != "alert.opened" || n.Event != "opened" ||
		n.Alert.Kind != webrana.AlertAccountFull || !strings.Contains(n.Alert.Message, "L1") {
		t.Fatalf("webhook got %+v (signature %q)", n, h.signature)
	}
	if h.signature == alerts.Sign([]byte("other"), h.body) {
		t.Fatal("the signature does not depend on the secret")
	}
	mail := smtpSrv.Wait(t)
	if mail.Subject != "[Webrana warning] account_full opened" || !strings.Contains(mail.Text, "L1") || !strings.Contains(mail.HTML, "L1") ||
		mail.From != "webrana@example.com" || len(mail.To) != 1 || mail.To[0] != "ops@example.com" {
		t.Fatalf("mail: %+v", mail)
	}

	three := 3 // a raised limit frees a slot
	if _, err := db.UpdateAccount(ctx, full.ID, store.AccountUpdate{Limit: &three}); err != nil {
		t.Fatal(err)
	}
	if _, resolved, err := svc.Evaluate(ctx); err != nil || resolved != 1 {
		t.Fatalf("after freeing a slot: resolved %d, %v", resolved, err)
	}
	if h := wait(t, hooks, "the resolution webhook"); h.event != "alert.resolved" {
		t.Fatalf("second webhook event %q", h.event)
	}
	if mail := smtpSrv.Wait(t); mail.Subject != "[Webrana warning] account_full resolved" || !strings.Contains(mail.Text, "Resolved") {
		t.Fatalf("mail: %+v", mail)
	}
	open, err := db.OpenAlerts(ctx)
	if err != nil || len(open) != 0 {
		t.Fatalf("open alerts after resolution: %v %v", open, err)
	}
}

func TestWebhookFailureIsAnError(t *testing.T) {
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) { w.WriteHeader(502) }))
	defer srv.Close()
	err := (&alerts.Webhook{URL: srv.URL, Secret: []byte("s")}).Send(context.Background(),
		alerts.Notification{Event: "opened", Alert: &webrana.Alert{ID: "a"}})
	if err == nil || !strings.Contains(err.Error(), "502") {
		t.Fatalf("Send to a failing webhook: %v; want an error, so River retries", err)
	}
}

func TestChannelValidation(t *testing.T) {
	cs := alerts.NewChannelSet(storetest.OpenSQLite(t), secrets.NewKeyring(secrets.NewKey(), nil), nil)
	ok := webrana.AlertChannelConfig{SMTPAddr: "127.0.0.1:25", From: "w@example.com", To: []string{"ops@example.com"}}
	tests := []struct {
		name  string
		in    alerts.ChannelInput
		field string
	}{
		{"unknown kind", alerts.ChannelInput{Kind: "sms", Name: "x"}, "kind"},
		{"no name", alerts.ChannelInput{Kind: "email", Config: ok}, "name"},
		{"webhook without URL", alerts.ChannelInput{Kind: "webhook", Name: "x", Secret: strings.Repeat("s", 16)}, "config.url"},
		{"webhook with a short secret", alerts.ChannelInput{Kind: "webhook", Name: "x", Secret: "short",
			Config: webrana.AlertChannelConfig{URL: "https://hooks.example.com/x"}}, "secret"},
		{"email without server", alerts.ChannelInput{Kind: "email", Name: "x", Config: webrana.AlertChannelConfig{From: ok.From, To: ok.To}}, "config.smtp_addr"},
		{"email to nobody", alerts.ChannelInput{Kind: "email", Name: "x", Config: webrana.AlertChannelConfig{SMTPAddr: ok.SMTPAddr, From: ok.From}}, "config.to"},
		{"email to a non-address", alerts.ChannelInput{Kind: "email", Name: "x",
			Config: webrana.AlertChannelConfig{SMTPAddr: ok.SMTPAddr, From: ok.From, To: []string{"ops"}}}, "config.to"},
	}
	for _, tt := range tests {
		_, err := cs.Create(context.Background(), webrana.Actor{}, tt.in)
		var e *webrana.Error
		if !errors.As(err, &e) || e.Field != tt.field {
			t.Errorf("%s: %v, want invalid %s", tt.name, err, tt.field)
		}
	}
	ch, err := cs.Create(context.Background(), webrana.Actor{}, alerts.ChannelInput{Kind: "webhook", Name: "hook", Secret: "a-long-signing-secret",
		Config: webrana.AlertChannelConfig{URL: "https://hooks.example.com/x", SMTPAddr: "ignored:25"}})
	if err != nil || ch.Config.SMTPAddr != "" || strings.Contains(ch.SecretCiphertext, "a-long-signing-secret") {
		t.Fatalf("webhook channel %+v, %v; want only its URL kept and its secret sealed", ch, err)
	}
}

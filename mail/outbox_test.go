package mail_test

import (
	"context"
	"errors"
	"strings"
	"testing"
	"time"

	"github.com/riverqueue/river"
	"github.com/riverqueue/river/rivertype"

	"github.com/webrana/webrana"
	"github.com/webrana/webrana/cloud/cloudtest"
	"github.com/webrana/webrana/jobs"
	"github.com/webrana/webrana/mail"
	"github.com/webrana/webrana/mail/mailtest"
	"github.com/webrana/webrana/store"
	"github.com/webrana/webrana/store/storetest"
)

// bundle is the outbox on a real database, with an insert-only queue.
type bundle struct {
	db     *store.DB
	outbox *mail.Outbox
	cfg    *mail.Config
	clock  *cloudtest.Clock
	user   *webrana.User
}

func engines(t *testing.T, fn func(t *testing.T, b *bundle)) {
	t.Run("sqlite", func(t *testing.T) { t.Parallel(); fn(t, setup(t, storetest.OpenSQLite(t))) })
	t.Run("postgres", func(t *testing.T) { t.Parallel(); fn(t, setup(t, storetest.OpenPostgres(t))) })
}

func setup(t *testing.T, db *store.DB) *bundle {
	t.Helper()
	ctx := context.Background()
	if err := jobs.Migrate(ctx, db); err != nil {
		t.Fatal(err)
	}
	q, err := jobs.New(db, nil)
	if err != nil {
		t.Fatal(err)
	}
	c := cloudtest.NewClock(time.Date(2031, 5, 1, 9, 0, 0, 0, time.UTC))
	db.Now = c.Now
	u := &webrana.User{Email: "cus@example.com", Role: webrana.RoleCustomer, PasswordHash: "x"}
	if err := db.CreateUser(ctx, u); err != nil {
		t.Fatal(err)
	}
	cfg := &mail.Config{BaseURL: "https://panel.example.com", From: "noreply@example.com", SenderName: "Acme Cloud", Now: c.Now}
	return &bundle{db: db, outbox: mail.NewOutbox(db, q, cfg), cfg: cfg, clock: c, user: u}
}

// queue queues m in a transaction that commits unless fail is set.
func (b *bundle) queue(t *testing.T, m mail.Message, fail bool) error {
	t.Helper()
	rollback := errors.New("the change failed")
	err := b.db.InTx(context.Background(), func(tx *store.Tx) error {
		if err := b.outbox.QueueTx(context.Background(), tx, m); err != nil {
			return err
		}
		if fail {
			return rollback
		}
		return nil
	})
	if errors.Is(err, rollback) {
		return nil
	}
	return err
}

// counts are the outbox's rows and its delivery jobs.
func (b *bundle) counts(t *testing.T) (rows, jobs int) {
	t.Helper()
	ctx := context.Background()
	if err := b.db.SQL().QueryRowContext(ctx, `SELECT COUNT(*) FROM mail_messages`).Scan(&rows); err != nil {
		t.Fatal(err)
	}
	if err := b.db.SQL().QueryRowContext(ctx, `SELECT COUNT(*) FROM river_job WHERE kind = 'mail_send'`).Scan(&jobs); err != nil {
		t.Fatal(err)
	}
	return rows, jobs
}

func (b *bundle) only(t *testing.T) *store.MailMessage {
	t.Helper()
	items, total, err := b.outbox.List(context.Background(), webrana.Page{})
	if err != nil || total != 1 {
		t.Fatalf("outbox: %d messages, %v; want 1", total, err)
	}
	m, err := b.outbox.Message(context.Background(), items[0].ID)
	if err != nil {
		t.Fatal(err)
	}
	return m
}

func ready(to, userID string) mail.Message {
	return mail.Message{To: to, UserID: userID, Kind: mail.ServerReady, Data: mail.ServerData{Name: "web-1", IPv4: "203.0.113.7", Path: "/servers/1"}}
}

// TestQueueTxCommitsWithTheChange: a queued message and its job exist
// exactly when the caller's transaction commits.
func TestQueueTxCommitsWithTheChange(t *testing.T) {
	engines(t, func(t *testing.T, b *bundle) {
		if err := b.queue(t, ready(b.user.Email, b.user.ID), true); err != nil {
			t.Fatal(err)
		}
		if rows, jobs := b.counts(t); rows != 0 || jobs != 0 {
			t.Fatalf("after rollback: %d rows, %d jobs; want none", rows, jobs)
		}
		if err := b.queue(t, ready(b.user.Email, b.user.ID), false); err != nil {
			t.Fatal(err)
		}
		if rows, jobs := b.counts(t); rows != 1 || jobs != 1 {
			t.Fatalf("after commit: %d rows, %d jobs; want 1 and 1", rows, jobs)
		}
		m := b.only(t)
		if m.Status != store.MailQueued || m.To != b.user.Email || m.UserID != b.user.ID || m.Kind != "server_ready" ||
			m.Subject != "Your server web-1 is ready" || !strings.Contains(m.Text, "https://panel.example.com/servers/1") ||
			!strings.Contains(m.HTML, "203.0.113.7") || !m.CreatedAt.Equal(b.clock.Now()) {
			t.Fatalf("stored %+v", m)
		}
	})
}

func TestQueueTxRefuses(t *testing.T) {
	engines(t, func(t *testing.T, b *bundle) {
		for _, m := range []mail.Message{
			{To: "a@example.com, b@example.com", Kind: mail.Verify, Data: mail.LinkData{Path: "/verify"}},
			{To: "a@example.com\r\nBcc: x@example.com", Kind: mail.Verify, Data: mail.LinkData{Path: "/verify"}},
			{To: "a@example.com", Kind: mail.Verify, Data: mail.ServerData{}},
		} {
			if err := b.queue(t, m, false); err == nil {
				t.Errorf("QueueTx(%+v) succeeded", m)
			}
		}
		if rows, jobs := b.counts(t); rows != 0 || jobs != 0 {
			t.Fatalf("%d rows, %d jobs after refusals", rows, jobs)
		}
	})
}

// TestPreferencesHonoured: an optional kind switched off queues nothing;
// mandatory kinds cannot be switched off and always go.
func TestPreferencesHonoured(t *testing.T) {
	engines(t, func(t *testing.T, b *bundle) {
		ctx := context.Background()
		me := webrana.Actor{User: b.user}
		p, err := b.outbox.Preferences(ctx, me)
		if err != nil || len(p) != len(mail.OptionalKinds) || !p[mail.ServerReady] {
			t.Fatalf("defaults %v, %v; want every optional kind on", p, err)
		}
		_, err = b.outbox.SetPreferences(ctx, me, map[string]bool{"server_ready": false, "verify": false})
		if webrana.ErrorField(err) != "verify" {
			t.Fatalf("switching verify off: %v; want refused with field verify", err)
		}
		if p, _ := b.outbox.Preferences(ctx, me); !p[mail.ServerReady] {
			t.Fatal("a refused change changed something")
		}
		if p, err = b.outbox.SetPreferences(ctx, me, map[string]bool{"server_ready": false, "balance_low": true}); err != nil ||
			p[mail.ServerReady] || !p[mail.BalanceLow] {
			t.Fatalf("after switching server_ready off: %v, %v", p, err)
		}
		if err := b.queue(t, ready(b.user.Email, b.user.ID), false); err != nil {
			t.Fatal(err)
		}
		if rows, jobs := b.counts(t); rows != 0 || jobs != 0 {
			t.Fatalf("server_ready switched off: %d rows, %d jobs queued", rows, jobs)
		}
		// Even a stored opt-out of a mandatory kind (none can be made) is ignored.
		if err := b.db.InTx(ctx, func(tx *store.Tx) error { return tx.SetMailOptOut(ctx, b.user.ID, "verify", true) }); err != nil {
			t.Fatal(err)
		}
		if err := b.queue(t, mail.Message{To: b.user.Email, UserID: b.user.ID, Kind: mail.Verify, Data: mail.LinkData{Path: "/verify?token=t"}}, false); err != nil {
			t.Fatal(err)
		}
		if rows, _ := b.counts(t); rows != 1 {
			t.Fatalf("verify: %d rows; mandatory mail always goes", rows)
		}
		// Another user's preferences are theirs.
		if err := b.queue(t, ready("other@example.com", ""), false); err != nil {
			t.Fatal(err)
		}
		if rows, _ := b.counts(t); rows != 2 {
			t.Fatalf("%d rows; a message to someone else was not queued", rows)
		}
		if p, err = b.outbox.SetPreferences(ctx, me, map[string]bool{"server_ready": true}); err != nil || !p[mail.ServerReady] {
			t.Fatalf("switching back on: %v, %v", p, err)
		}
	})
}

// job is a River job of the worker's, as River hands it on attempt n.
func job(id string, attempt int) *river.Job[mail.SendArgs] {
	return &river.Job[mail.SendArgs]{JobRow: &rivertype.JobRow{Attempt: attempt, MaxAttempts: mail.MaxAttempts}, Args: mail.SendArgs{MessageID: id}}
}

// TestWorkerDeliversOnce: the worker sends the stored message to a real
// SMTP server with both parts and the headers; a second run of the job
// sends nothing.
func TestWorkerDeliversOnce(t *testing.T) {
	engines(t, func(t *testing.T, b *bundle) {
		ctx := context.Background()
		srv := mailtest.Start(t, nil)
		w := mail.NewSendWorker(b.db, &mail.SMTP{Addr: srv.Addr}, b.cfg)
		if err := b.queue(t, ready(b.user.Email, b.user.ID), false); err != nil {
			t.Fatal(err)
		}
		m := b.only(t)
		b.clock.Advance(time.Minute)
		if err := w.Work(ctx, job(m.ID, 1)); err != nil {
			t.Fatal(err)
		}
		got := srv.Wait(t)
		if got.From != "noreply@example.com" || len(got.To) != 1 || got.To[0] != b.user.Email ||
			got.Header.Get("From") != `"Acme Cloud" <noreply@example.com>` || got.Subject != "Your server web-1 is ready" ||
			got.Header.Get("Message-ID") != "<"+m.ID+"@example.com>" || got.Header.Get("Date") == "" ||
			got.Text != strings.ReplaceAll(m.Text, "\r\n", "\n") || got.HTML != m.HTML {
			t.Fatalf("delivered %+v\nheaders %v", got, got.Header)
		}
		sent := b.only(t)
		if sent.Status != store.MailSent || sent.Attempts != 1 || sent.SentAt == nil || !sent.SentAt.Equal(b.clock.Now()) {
			t.Fatalf("after delivery: %+v", sent)
		}
		if err := w.Work(ctx, job(m.ID, 2)); err != nil {
			t.Fatal(err)
		}
		if srv.Pending() != 0 {
			t.Fatal("a second run of the job sent the message again")
		}
	})
}

// TestWorkerRetries: a server refusing (451) makes the job fail, so River
// retries, with the attempt recorded; the next attempt delivers once; a
// last failed attempt leaves the message failed.
func TestWorkerRetries(t *testing.T) {
	engines(t, func(t *testing.T, b *bundle) {
		ctx := context.Background()
		srv := mailtest.Start(t, &mailtest.Options{Refuse: 1})
		w := mail.NewSendWorker(b.db, &mail.SMTP{Addr: srv.Addr}, b.cfg)
		if err := b.queue(t, ready(b.user.Email, b.user.ID), false); err != nil {
			t.Fatal(err)
		}
		id := b.only(t).ID
		if err := w.Work(ctx, job(id, 1)); err == nil || !strings.Contains(err.Error(), "451") {
			t.Fatalf("refused delivery: %v; want the 451 as an error, so River retries", err)
		}
		if m := b.only(t); m.Status != store.MailQueued || m.Attempts != 1 || !strings.Contains(m.LastError, "451") || srv.Pending() != 0 {
			t.Fatalf("after a refusal: %+v", m)
		}
		if err := w.Work(ctx, job(id, 2)); err != nil {
			t.Fatal(err)
		}
		if got := srv.Wait(t); got.Subject != "Your server web-1 is ready" || srv.Pending() != 0 || srv.Refused() != 1 {
			t.Fatalf("delivered %q, %d more, %d refused", got.Subject, srv.Pending(), srv.Refused())
		}
		if m := b.only(t); m.Status != store.MailSent || m.Attempts != 2 || m.LastError != "" {
			t.Fatalf("after the retry: %+v", m)
		}

		// A server that never answers: the last attempt marks it failed.
		dead := mail.NewSendWorker(b.db, &mail.SMTP{Addr: "127.0.0.1:1"}, b.cfg)
		if err := b.queue(t, mail.Message{To: "x@example.com", Kind: mail.Verify, Data: mail.LinkData{Path: "/v"}}, false); err != nil {
			t.Fatal(err)
		}
		items, _, _ := b.outbox.List(ctx, webrana.Page{})
		var other string
		for _, it := range items {
			if it.ID != id {
				other = it.ID
			}
		}
		for _, step := range []struct {
			attempt int
			status  string
		}{{mail.MaxAttempts - 1, store.MailQueued}, {mail.MaxAttempts, store.MailFailed}} {
			if err := dead.Work(ctx, job(other, step.attempt)); err == nil {
				t.Fatal("delivery to a closed port succeeded")
			}
			if m, _ := b.outbox.Message(ctx, other); m.Status != step.status || m.Attempts != step.attempt || m.LastError == "" {
				t.Fatalf("after attempt %d: %+v, want %s", step.attempt, m, step.status)
			}
		}
	})
}

// TestKeptWithoutSMTP: with no SMTP server configured the message is kept
// for operators, and a kept message is not kept again.
func TestKeptWithoutSMTP(t *testing.T) {
	engines(t, func(t *testing.T, b *bundle) {
		w := mail.NewSendWorker(b.db, nil, b.cfg)
		if err := b.queue(t, ready(b.user.Email, b.user.ID), false); err != nil {
			t.Fatal(err)
		}
		m := b.only(t)
		if err := w.Work(context.Background(), job(m.ID, 1)); err != nil {
			t.Fatal(err)
		}
		if m := b.only(t); m.Status != store.MailKept || m.SentAt != nil || m.Text == "" {
			t.Fatalf("kept: %+v", m)
		}
		if err := w.Work(context.Background(), job("00000000-0000-0000-0000-000000000000", 1)); err == nil {
			t.Fatal("a job for a message that does not exist succeeded; want it cancelled")
		}
	})
}

// TestDeliveredThroughRiver: the whole path, River working the job the
// outbox enqueued.
func TestDeliveredThroughRiver(t *testing.T) {
	engines(t, func(t *testing.T, b *bundle) {
		ctx := context.Background()
		srv := mailtest.Start(t, nil)
		workers := river.NewWorkers()
		river.AddWorker(workers, mail.NewSendWorker(b.db, &mail.SMTP{Addr: srv.Addr}, b.cfg))
		q, err := jobs.New(b.db, &jobs.Config{Workers: workers})
		if err != nil {
			t.Fatal(err)
		}
		outbox := mail.NewOutbox(b.db, q, b.cfg)
		if err := q.Start(ctx); err != nil {
			t.Fatal(err)
		}
		t.Cleanup(func() {
			stop, cancel := context.WithTimeout(ctx, 10*time.Second)
			defer cancel()
			q.Stop(stop)
		})
		err = b.db.InTx(ctx, func(tx *store.Tx) error {
			return outbox.QueueTx(ctx, tx, mail.Message{To: "new@example.com", Kind: mail.Invite,
				Data: mail.LinkData{Path: "/invite?token=t0k", ExpiresIn: "7 days", Inviter: "Ops"}})
		})
		if err != nil {
			t.Fatal(err)
		}
		got := srv.Wait(t)
		if got.Subject != "You are invited to Acme Cloud" || !strings.Contains(got.Text, "https://panel.example.com/invite?token=t0k") ||
			!strings.Contains(got.HTML, "https://panel.example.com/invite?token=t0k") {
			t.Fatalf("delivered %+v", got)
		}
	})
}

// TestOneTimeLinksStayTheRecipients: a verification link reaches the
// recipient whole, but neither the stored copy once sent nor what
// operators read of a message meant for delivery carries its token; a kept
// message (the sandbox) shows it, since that is where it is read.
func TestOneTimeLinksStayTheRecipients(t *testing.T) {
	engines(t, func(t *testing.T, b *bundle) {
		ctx := context.Background()
		srv := mailtest.Start(t, nil)
		verify := mail.Message{To: b.user.Email, UserID: b.user.ID, Kind: mail.Verify, Data: mail.LinkData{Path: "/verify?token=S3CRET-tok_1&next=%2F"}}
		if err := b.queue(t, verify, false); err != nil {
			t.Fatal(err)
		}
		m := b.only(t)
		if strings.Contains(m.Text+m.HTML, "S3CRET") || !strings.Contains(m.Text, "/verify?token=[removed]&next=%2F") {
			t.Fatalf("operators read a queued message's token:\n%s", m.Text)
		}
		if err := mail.NewSendWorker(b.db, &mail.SMTP{Addr: srv.Addr}, b.cfg).Work(ctx, job(m.ID, 1)); err != nil {
			t.Fatal(err)
		}
		got := srv.Wait(t)
		if !strings.Contains(got.Text, "https://panel.example.com/verify?token=S3CRET-tok_1&next=%2F") ||
			!strings.Contains(got.HTML, "https://panel.example.com/verify?token=S3CRET-tok_1&amp;next=%2F") {
			t.Fatalf("the recipient's link is not whole:\n%s\n%s", got.Text, got.HTML)
		}
		var text, html string
		if err := b.db.SQL().QueryRowContext(ctx, `SELECT text_body || html_body FROM mail_messages WHERE id = `+placeholder(b.db), m.ID).Scan(&text); err != nil {
			t.Fatal(err)
		}
		if strings.Contains(text+html, "S3CRET") {
			t.Fatal("the sent message's token is still stored")
		}

		// Kept (no SMTP server): in the sandbox (ShowKeptLinks) the
		// operator's copy is the usable one; in production it is scrubbed.
		b.clock.Advance(time.Minute) // the newest
		if err := b.queue(t, mail.Message{To: "x@example.com", Kind: mail.Invite, Data: mail.LinkData{Path: "/invite?token=K3PT"}}, false); err != nil {
			t.Fatal(err)
		}
		items, _, _ := b.outbox.List(ctx, webrana.Page{})
		if err := mail.NewSendWorker(b.db, nil, b.cfg).Work(ctx, job(items[0].ID, 1)); err != nil {
			t.Fatal(err)
		}
		if kept, _ := b.outbox.Message(ctx, items[0].ID); kept.Status != store.MailKept || strings.Contains(kept.Text, "K3PT") {
			t.Fatalf("kept in production: %+v, want the link scrubbed", kept)
		}
		sandbox := *b.cfg
		sandbox.ShowKeptLinks = true
		b.clock.Advance(time.Minute)
		if err := b.queue(t, mail.Message{To: "y@example.com", Kind: mail.Invite, Data: mail.LinkData{Path: "/invite?token=S4NDBOX"}}, false); err != nil {
			t.Fatal(err)
		}
		items, _, _ = b.outbox.List(ctx, webrana.Page{})
		if err := mail.NewSendWorker(b.db, nil, &sandbox).Work(ctx, job(items[0].ID, 1)); err != nil {
			t.Fatal(err)
		}
		if kept, _ := mail.NewOutbox(b.db, nil, &sandbox).Message(ctx, items[0].ID); !strings.Contains(kept.Text, "/invite?token=S4NDBOX") {
			t.Fatalf("kept in the sandbox: %+v", kept)
		}
	})
}

// TestUndeliveredMailKeepsNoLinks: a message that will never be delivered
// keeps no usable one-time link in the database: one whose last attempt
// failed, and one kept in production without an SMTP server (the sandbox
// keeps it, its Mail page being where links are read).
func TestUndeliveredMailKeepsNoLinks(t *testing.T) {
	engines(t, func(t *testing.T, b *bundle) {
		ctx := context.Background()
		stored := func(id string) string {
			t.Helper()
			var bodies string
			if err := b.db.SQL().QueryRowContext(ctx, `SELECT text_body || html_body FROM mail_messages WHERE id = `+placeholder(b.db), id).Scan(&bodies); err != nil {
				t.Fatal(err)
			}
			return bodies
		}
		queue := func(token string) string {
			t.Helper()
			b.clock.Advance(time.Minute) // the newest
			if err := b.queue(t, mail.Message{To: "x@example.com", Kind: mail.PasswordReset, Data: mail.LinkData{Path: "/reset?token=" + token}}, false); err != nil {
				t.Fatal(err)
			}
			items, _, err := b.outbox.List(ctx, webrana.Page{})
			if err != nil {
				t.Fatal(err)
			}
			return items[0].ID
		}

		failed := queue("F41LED")
		dead := mail.NewSendWorker(b.db, &mail.SMTP{Addr: "127.0.0.1:1"}, b.cfg)
		if err := dead.Work(ctx, job(failed, mail.MaxAttempts-1)); err == nil {
			t.Fatal("delivery to a closed port succeeded")
		}
		if !strings.Contains(stored(failed), "token=F41LED") {
			t.Fatal("a message still to be retried lost its link")
		}
		if err := dead.Work(ctx, job(failed, mail.MaxAttempts)); err == nil {
			t.Fatal("delivery to a closed port succeeded")
		}
		if m, _ := b.db.MailMessage(ctx, failed); m.Status != store.MailFailed || strings.Contains(stored(failed), "F41LED") ||
			!strings.Contains(m.Text, "/reset?token=[removed]") {
			t.Fatalf("failed for good: %s, stored bodies %q: want the link removed", m.Status, stored(failed))
		}

		kept := queue("K3PT")
		if err := mail.NewSendWorker(b.db, nil, b.cfg).Work(ctx, job(kept, 1)); err != nil {
			t.Fatal(err)
		}
		if strings.Contains(stored(kept), "K3PT") {
			t.Fatal("kept in production without SMTP: the link is stored in clear")
		}

		sandbox := *b.cfg
		sandbox.ShowKeptLinks = true
		shown := queue("S4NDBOX")
		if err := mail.NewSendWorker(b.db, nil, &sandbox).Work(ctx, job(shown, 1)); err != nil {
			t.Fatal(err)
		}
		if m, _ := mail.NewOutbox(b.db, nil, &sandbox).Message(ctx, shown); !strings.Contains(m.Text, "/reset?token=S4NDBOX") {
			t.Fatalf("kept in the sandbox: %q, want the link shown", m.Text)
		}
	})
}

// placeholder is the engine's first bind parameter.
func placeholder(db *store.DB) string {
	if db.Engine() == store.Postgres {
		return "$1"
	}
	return "?"
}

package billing_test

import (
	"context"
	"errors"
	"testing"
	"time"

	"github.com/webrana/webrana"
	"github.com/webrana/webrana/billing"
	"github.com/webrana/webrana/mail"
	"github.com/webrana/webrana/mail/queuetest"
	"github.com/webrana/webrana/store"
)

func TestLow(t *testing.T) {
	for _, c := range []struct {
		name                       string
		balance, dayCharges, floor int64
		low                        bool
	}{
		{"covers a day", 241, 240, 0, false},
		{"exactly a day", 240, 240, 0, false},
		{"less than a day", 239, 240, 0, true},
		{"below zero", -1, 240, 0, true},
		{"no servers, nothing low", -100, 0, 1000, false},
		{"covers a day, below the floor", 500, 240, 1000, true},
		{"above the floor", 1000, 240, 1000, false},
	} {
		if got := billing.Low(c.balance, c.dayCharges, c.floor); got != c.low {
			t.Errorf("%s: Low(%d, %d, %d) = %v, want %v", c.name, c.balance, c.dayCharges, c.floor, got, c.low)
		}
	}
}

// setBalance brings the customer's balance to amount with an adjustment.
func (r *rig) setBalance(t *testing.T, amount int64) {
	t.Helper()
	now := r.balance(t)
	kind := webrana.LedgerCredit
	if amount < now {
		kind = webrana.LedgerCharge
	}
	_, err := r.db.AppendLedger(context.Background(), &webrana.LedgerEntry{UserID: r.customer.ID, Kind: kind, Amount: amount - now,
		Currency: "USD", Note: "test adjustment"})
	must(t, err)
}

func (r *rig) balance(t *testing.T) int64 {
	t.Helper()
	b, err := r.db.Balance(context.Background(), r.customer.ID, "USD")
	must(t, err)
	return b.Amount
}

// TestBalanceLowIsToldOncePerCrossing: the meter tells a customer whose
// balance falls below a day of their servers' charges once, however often
// it runs while the balance stays low; back above, and below again, is
// told again; a crossing straight below zero is left to dunning; a message
// that cannot be queued leaves the balance unmarked, and the next run
// tells it.
func TestBalanceLowIsToldOncePerCrossing(t *testing.T) {
	engines(t, func(t *testing.T, db *store.DB) {
		r := newRig(t, db, time.Date(2031, 5, 3, 10, 0, 0, 0, time.UTC), 10, 100_000) // a day costs 240
		rec := queuetest.New(db)
		r.meter = billing.NewMeter(db, &billing.MeterConfig{Now: r.clock.Now, Mail: rec})
		told := func() []mail.Message { return rec.Of(t, mail.BalanceLow) }
		r.setBalance(t, 300)
		r.clock.Advance(24*time.Hour + 30*time.Minute) // the first day over; hour 25 started: 290 left
		r.run(t)
		r.clock.Advance(5 * time.Hour) // 240 left: still a day
		r.run(t)
		if n := len(told()); n != 0 || r.balance(t) != 240 {
			t.Fatalf("told %d times with %d left, want none with 240 (a day)", n, r.balance(t))
		}
		r.clock.Advance(time.Hour) // 230: below a day
		rec.FailNext(1)
		if _, _, err := r.meter.Run(context.Background()); !errors.Is(err, queuetest.ErrRefused) {
			t.Fatalf("a run whose message could not be queued: %v", err)
		}
		if n := len(told()); n != 0 {
			t.Fatalf("told %d times in a transaction that rolled back", n)
		}
		for range 3 { // hour after hour, still low
			r.run(t)
			r.clock.Advance(time.Hour)
		}
		got := told()
		if len(got) != 1 {
			t.Fatalf("told %d times while the balance stayed low, want once", len(got))
		}
		if m := got[0]; m.To != r.customer.Email || m.UserID != r.customer.ID ||
			m.Data != (mail.BalanceData{Balance: "2.30 USD", Path: "/billing"}) {
			t.Fatalf("balance low: %+v", m)
		}
		r.setBalance(t, 10_000) // topped up: above again
		r.run(t)
		r.setBalance(t, 100) // and below again
		r.run(t)
		if got := told(); len(got) != 2 || got[1].Data.(mail.BalanceData).Balance != "1.00 USD" {
			t.Fatalf("a second crossing: told %+v, want a second message at 1.00 USD", got)
		}
		r.setBalance(t, 10_000)
		r.run(t)
		r.setBalance(t, -50) // straight below zero: dunning warns
		r.run(t)
		r.run(t)
		if n := len(told()); n != 2 {
			t.Fatalf("told %d times, want no message for a balance below zero", n)
		}
	})
}

// servers suspends, restores and deletes in the database only: dunning's
// collaborator (lifecycle.Service) at its edge.
type servers struct{ db *store.DB }

func (s servers) set(ctx context.Context, in *webrana.Instance, st webrana.InstanceStatus) error {
	_, err := s.db.UpdateInstance(ctx, in.ID, store.InstanceUpdate{Status: &st})
	return err
}
func (s servers) Suspend(ctx context.Context, in *webrana.Instance) error {
	return s.set(ctx, in, webrana.StatusSuspended)
}
func (s servers) Restore(ctx context.Context, in *webrana.Instance) error {
	return s.set(ctx, in, webrana.StatusActive)
}
func (s servers) DeleteUnpaid(ctx context.Context, _ *webrana.User, in *webrana.Instance) (*webrana.Instance, error) {
	return in, s.set(ctx, in, webrana.StatusDeleted)
}

// TestUnpaidStepsAreToldOnce: each step of the unpaid sequence is told
// once, in its transaction, with its date: the warning with the suspension
// date, the suspension with the deletion date, then the deletion.
func TestUnpaidStepsAreToldOnce(t *testing.T) {
	engines(t, func(t *testing.T, db *store.DB) {
		ctx := context.Background()
		r := newRig(t, db, time.Date(2031, 5, 3, 10, 0, 0, 0, time.UTC), 10, 100_000)
		rec := queuetest.New(db)
		d := billing.NewDunning(db, servers{db}, &billing.DunningConfig{Currency: "USD", Grace: 72 * time.Hour, DestroyAfter: 14 * 24 * time.Hour,
			Now: r.clock.Now, Mail: rec})
		r.setBalance(t, -500)
		rec.FailNext(1)
		if err := d.Run(ctx); !errors.Is(err, queuetest.ErrRefused) {
			t.Fatalf("a warning that could not be queued: %v", err)
		}
		if c, err := db.DunningOf(ctx, r.customer.ID); err != nil || c != nil || len(rec.Committed(t)) != 0 {
			t.Fatalf("after the rollback: %+v (%v), %d messages; want no step, none", c, err, len(rec.Committed(t)))
		}
		audited := func(action string) int {
			t.Helper()
			_, n, err := db.ListAudit(ctx, store.AuditFilter{Action: action, TargetID: r.customer.ID})
			must(t, err)
			return n
		}
		if n := audited("billing.warned"); n != 0 {
			t.Fatalf("a warning rolled back with its message left %d audit entries; the entry shares the step's transaction", n)
		}
		for _, step := range []struct {
			after time.Duration
			kind  mail.Kind
			date  string
		}{
			{0, mail.UnpaidWarning, "2031-05-06 10:00 UTC"},
			{72 * time.Hour, mail.UnpaidSuspend, "2031-05-20 10:00 UTC"},
			{14 * 24 * time.Hour, mail.UnpaidDeletion, ""},
		} {
			r.clock.Advance(step.after)
			for range 3 { // the job runs again: each step is told once
				must(t, d.Run(ctx))
			}
			got := rec.Of(t, step.kind)
			if len(got) != 1 {
				t.Fatalf("%s told %d times, want once", step.kind, len(got))
			}
			if n := audited("billing." + map[mail.Kind]string{mail.UnpaidWarning: "warned", mail.UnpaidSuspend: "suspended",
				mail.UnpaidDeletion: "destroyed"}[step.kind]); n != 1 {
				t.Fatalf("%s audited %d times, want once", step.kind, n)
			}
			want := mail.BalanceData{Balance: "-5.00 USD", Date: step.date, Path: "/billing"}
			if m := got[0]; m.To != r.customer.Email || m.UserID != r.customer.ID || m.Data != want {
				t.Fatalf("%s: %+v, want %+v to %s", step.kind, m, want, r.customer.Email)
			}
		}
		if n := len(rec.Committed(t)); n != 3 {
			t.Fatalf("%d messages in all, want the three steps", n)
		}
	})
}

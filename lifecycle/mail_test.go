package lifecycle_test

import (
	"context"
	"errors"
	"testing"

	"github.com/webrana/webrana"
	"github.com/webrana/webrana/cloudsim"
	"github.com/webrana/webrana/mail"
	"github.com/webrana/webrana/mail/queuetest"
	"github.com/webrana/webrana/pool/pooltest"
	"github.com/webrana/webrana/store"
)

// TestFailedActionIsToldOnce: an action that ends failed is told to the
// server's owner once, with what was asked and why it failed, in the
// transaction that ends it (a message that cannot be queued leaves the
// action unfinished, and the retry tells it); an action that completes is
// not told.
func TestFailedActionIsToldOnce(t *testing.T) {
	pooltest.Engines(t, func(t *testing.T, pw *pooltest.World) {
		ctx := context.Background()
		rec := queuetest.New(pw.DB)
		w := worldMailing(t, pw, webrana.DigitalOcean, rec)
		if got := w.settle(w.act(webrana.ActionReboot, webrana.ActionParams{}), 1); got.Status != webrana.ActionCompleted {
			t.Fatalf("a reboot ended %s", got.Status)
		}
		if got := rec.Committed(t); len(got) != 0 {
			t.Fatalf("a completed action queued %d messages", len(got))
		}

		a := w.act(webrana.ActionPowerCycle, webrana.ActionParams{})
		w.Fault(cloudsim.FaultSpec{Method: "POST", PathPrefix: "/v2/droplets", Status: 422, Count: 2})
		rec.FailNext(1)
		if err := w.run(a, 1); !errors.Is(err, queuetest.ErrRefused) {
			t.Fatalf("a failure whose message could not be queued: %v, want the outbox's error", err)
		}
		if got, err := w.DB.ActionByID(ctx, a.ID); err != nil || got.Status == webrana.ActionErrored || len(rec.Committed(t)) != 0 {
			t.Fatalf("after the rollback the action is %v (%v) with %d messages; want unfinished, none", got.Status, err, len(rec.Committed(t)))
		}
		got := w.settle(a, 2)
		w.settle(a, 3) // the job again: the action is over
		if got.Status != webrana.ActionErrored || got.Error == "" {
			t.Fatalf("a refused power cycle ended %s (%q)", got.Status, got.Error)
		}
		sent := rec.Committed(t)
		if len(sent) != 1 || sent[0].Kind != mail.ActionFailed {
			t.Fatalf("queued %d messages, want one action_failed", len(sent))
		}
		owner, err := w.DB.UserByID(ctx, w.in.OwnerID)
		must(t, err)
		if sent[0].To != owner.Email || sent[0].UserID != owner.ID {
			t.Fatalf("told %q (%s), want the owner %q", sent[0].To, sent[0].UserID, owner.Email)
		}
		d := sent[0].Data.(mail.ServerData)
		want := mail.ServerData{Name: "web", Provider: string(webrana.DigitalOcean), Region: w.in.Region, Plan: "Small digitalocean",
			IPv4: w.instance().IPv4, IPv6: w.instance().IPv6, Action: "power cycle", Reason: got.Error, Path: "/servers/" + w.in.ID}
		if d != want {
			t.Fatalf("action failed carries %+v, want %+v", d, want)
		}
		// The store's side: finishing a finished action runs nothing.
		again := 0
		must(t, w.DB.FinishAction(ctx, got, webrana.ActionErrored, got.Error, store.InstanceUpdate{},
			func(*store.Tx) error { again++; return nil }))
		if again != 0 {
			t.Fatal("finishing a finished action ran its step again")
		}
	})
}

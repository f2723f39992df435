package cloudsim_test

import (
	"context"
	"encoding/json"
	"fmt"
	"testing"
	"time"

	"github.com/linode/linodego"

	"github.com/webrana/webrana/cloudsim"
)

// linodeEventsOf lists the events of one Linode through linodego, with the
// filter linodego's own pollers use.
func linodeEventsOf(t *testing.T, c *linodego.Client, id int, extra map[string]any) []linodego.Event {
	t.Helper()
	f := map[string]any{"entity.id": id, "entity.type": "linode", "+order_by": "created", "+order": "desc"}
	for k, v := range extra {
		f[k] = v
	}
	b, _ := json.Marshal(f)
	events, err := c.ListEvents(context.Background(), &linodego.ListOptions{Filter: string(b)})
	if err != nil {
		t.Fatalf("list events: %v", err)
	}
	return events
}

func eventActions(events []linodego.Event) string {
	var out []string
	for _, e := range events {
		out = append(out, fmt.Sprintf("%s/%s", e.Action, e.Status))
	}
	return fmt.Sprint(out)
}

// TestLinodeEvents: each thing the simulated Linode does is an event that
// starts and finishes on the clock, newest first, per Linode by X-Filter.
func TestLinodeEvents(t *testing.T) {
	t.Parallel()
	e := newLinodeEnv(t)
	c := e.account(t, cloudsim.AccountSpec{Token: "events"})
	ctx := context.Background()
	in := linodeCreate(t, c, "evented")

	got := linodeEventsOf(t, c, in.ID, nil)
	if len(got) != 1 || got[0].Action != linodego.ActionLinodeCreate || got[0].Status != linodego.EventStarted ||
		got[0].PercentComplete != 0 || got[0].Entity == nil || got[0].Entity.Label != "evented" ||
		got[0].Username != "events" || got[0].Created == nil || !got[0].Created.Equal(e.clock.Now().Truncate(time.Second)) {
		t.Fatalf("after create: %+v", got)
	}
	e.clock.Advance(15 * time.Second)
	if ev, err := c.GetEvent(ctx, got[0].ID); err != nil || ev.Status != linodego.EventStarted || ev.PercentComplete < 40 || ev.PercentComplete > 60 {
		t.Fatalf("half way: %+v, %v", ev, err)
	}
	e.clock.Advance(15 * time.Second)
	if ev, err := c.GetEvent(ctx, got[0].ID); err != nil || ev.Status != linodego.EventFinished || ev.PercentComplete != 100 || ev.Duration != 30 {
		t.Fatalf("after the create delay: %+v, %v", ev, err)
	}

	for _, step := range []func() error{
		func() error { return c.RebootInstance(ctx, in.ID, 0) },
		func() error { return c.ShutdownInstance(ctx, in.ID) },
		func() error {
			return c.ResetInstancePassword(ctx, in.ID, linodego.InstancePasswordResetOptions{RootPass: linodeGoodPass})
		},
		func() error { return c.BootInstance(ctx, in.ID, 0) },
		func() error {
			_, err := c.UpdateInstance(ctx, in.ID, linodego.InstanceUpdateOptions{Label: "renamed"})
			return err
		},
	} {
		if err := step(); err != nil {
			t.Fatal(err)
		}
		e.clock.Advance(10 * time.Second)
	}
	got = linodeEventsOf(t, c, in.ID, nil)
	want := "[linode_update/notification linode_boot/finished password_reset/finished linode_shutdown/finished " +
		"linode_reboot/finished linode_create/finished]"
	if eventActions(got) != want {
		t.Fatalf("events newest first: %s\nwant %s", eventActions(got), want)
	}
	if got[0].Entity.Label != "renamed" || got[len(got)-1].Entity.Label != "renamed" {
		t.Fatalf("entity labels follow the Linode: %+v", got[0].Entity)
	}
	boots := linodeEventsOf(t, c, in.ID, map[string]any{"action": "linode_boot"})
	if len(boots) != 1 {
		t.Fatalf("filter by action: %s", eventActions(boots))
	}
	since := linodeEventsOf(t, c, in.ID, map[string]any{"created": map[string]any{"+gte": linodeTimeOf(e.clock.Now().Add(-20 * time.Second))}})
	if eventActions(since) != "[linode_update/notification linode_boot/finished]" {
		t.Fatalf("filter by created: %s", eventActions(since))
	}

	// Deleting a Linode mid-action fails the action's event.
	other := linodeCreate(t, c, "bystander")
	if err := c.DeleteInstance(ctx, other.ID); err != nil {
		t.Fatal(err)
	}
	if got := eventActions(linodeEventsOf(t, c, other.ID, nil)); got != "[linode_delete/notification linode_create/failed]" {
		t.Fatalf("deleted while provisioning: %s", got)
	}

	all, err := c.ListEvents(ctx, nil)
	if err != nil || len(all) != 8 || all[0].ID < all[len(all)-1].ID {
		t.Fatalf("account events: %d newest first, %v", len(all), err)
	}
	if _, err := c.GetEvent(ctx, 1); err == nil {
		t.Fatal("unknown event found")
	} else {
		linodeErr(t, err, 404, "Not found")
	}
	_, err = c.ListEvents(ctx, &linodego.ListOptions{Filter: `{"label":"x"}`})
	linodeErr(t, err, 400, "Cannot filter on label")

	// Events older than 90 days are gone.
	e.clock.Advance(91 * 24 * time.Hour)
	if all, err := c.ListEvents(ctx, nil); err != nil || len(all) != 0 {
		t.Fatalf("after 91 days: %d events, %v", len(all), err)
	}
}

// TestLinodeEventsPaginate: events page like every Linode collection.
func TestLinodeEventsPaginate(t *testing.T) {
	t.Parallel()
	e := newLinodeEnv(t)
	c := e.account(t, cloudsim.AccountSpec{Token: "many", Limit: 60})
	for i := range 60 {
		linodeCreate(t, c, fmt.Sprintf("many-%02d", i))
		e.clock.Advance(time.Second) // under the 20 creates per 15 s
	}
	opts := &linodego.ListOptions{PageSize: 25}
	all, err := c.ListEvents(context.Background(), opts)
	if err != nil || len(all) != 60 || opts.Pages != 3 || opts.Results != 60 {
		t.Fatalf("walked %d events over %d pages (%d results): %v", len(all), opts.Pages, opts.Results, err)
	}
	seen := map[int]bool{}
	for i, ev := range all {
		if seen[ev.ID] || (i > 0 && ev.ID >= all[i-1].ID) {
			t.Fatalf("event %d repeated or out of order at %d", ev.ID, i)
		}
		seen[ev.ID] = true
	}
	if n := e.spec.Checked()["GET /{apiVersion}/account/events 200"]; n != 3 {
		t.Fatalf("validated %d event pages, want 3", n)
	}
}

func linodeTimeOf(t time.Time) string { return t.UTC().Format("2006-01-02T15:04:05") }

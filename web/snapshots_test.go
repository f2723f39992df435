package web_test

import (
	"context"
	"strings"
	"testing"

	"github.com/webrana/webrana"
	"github.com/webrana/webrana/store"
	"github.com/webrana/webrana/web/webtest"
)

type snapshotJSON struct {
	ID           string
	InstanceID   string `json:"instance_id"`
	ServerLabel  string `json:"server_label"`
	Name         string
	SizeGB       int `json:"size_gb"`
	Status       string
	PriceGBMonth int64 `json:"price_gb_month"`
	MonthlyCost  int64 `json:"monthly_cost"`
}

type snapshotList struct {
	Items []snapshotJSON
	Total int
}

func snapshotsAt(t *testing.T, c *webtest.Client, path string) snapshotList {
	t.Helper()
	var l snapshotList
	res := c.Do("GET", path, nil)
	mustStatus(t, res, 200, "GET "+path)
	res.JSON(t, &l)
	return l
}

// takeSnapshot asks for a snapshot and, as the action worker would, ends
// the action with the snapshot taken (sizeGB), returning it.
func (h *harness) takeSnapshot(t *testing.T, c *webtest.Client, in *webrana.Instance, name string, sizeGB int) snapshotJSON {
	t.Helper()
	ctx := context.Background()
	var a struct{ ID, Type string }
	res := c.Do("POST", "/api/vps/"+in.ID+"/actions", map[string]any{"type": "snapshot", "name": name})
	mustStatus(t, res, 202, "snapshot")
	res.JSON(t, &a)
	if a.Type != "snapshot" {
		t.Fatalf("snapshot accepted as %+v", a)
	}
	act, err := h.db.ActionByID(ctx, a.ID)
	if err != nil {
		t.Fatal(err)
	}
	snap, err := h.db.SnapshotByAction(ctx, a.ID)
	if err != nil {
		t.Fatal(err)
	}
	if err := h.db.FinishAction(ctx, act, webrana.ActionCompleted, "", store.InstanceUpdate{}, func(tx *store.Tx) error {
		return tx.SnapshotTaken(ctx, snap.ID, "17000"+name, sizeGB, in.Region, h.clock.Now())
	}); err != nil {
		t.Fatal(err)
	}
	for _, s := range snapshotsAt(t, c, "/api/vps/"+in.ID+"/snapshots").Items {
		if s.ID == snap.ID {
			return s
		}
	}
	t.Fatalf("snapshot %s not listed", snap.ID)
	return snapshotJSON{}
}

// finishActions ends the server's action under way, as the worker would.
func (h *harness) finishActions(t *testing.T, in *webrana.Instance) {
	t.Helper()
	ctx := context.Background()
	acts, _, err := h.db.ListActions(ctx, in.ID, webrana.Page{PerPage: 50})
	if err != nil {
		t.Fatal(err)
	}
	for _, a := range acts {
		if a.Status == webrana.ActionQueued || a.Status == webrana.ActionInProgress {
			if err := h.db.FinishAction(ctx, a, webrana.ActionCompleted, "", store.InstanceUpdate{}); err != nil {
				t.Fatal(err)
			}
		}
	}
}

// TestSnapshotsAPI: take (with field errors for bad names), list per
// server and per customer with the provider's price, restore (its
// snapshot and password checked), the customer's limit, deletion (once,
// a snapshot being taken refused), and another customer's snapshots 404.
func TestSnapshotsAPI(t *testing.T) {
	engines(t, func(t *testing.T, h *harness) {
		ctx := context.Background()
		admin := h.user("ops@example.com", webrana.RoleAdmin)
		_ = admin
		owner := h.user("owner@example.com", webrana.RoleCustomer)
		h.user("other@example.com", webrana.RoleCustomer)
		c, other, ops := h.login("owner@example.com"), h.login("other@example.com"), h.login("ops@example.com")
		do := h.server(t, owner, h.plan(t, webrana.DigitalOcean), "web-do", webrana.StatusActive)
		ln := h.server(t, owner, h.plan(t, webrana.Linode), "web-ln", webrana.StatusActive)

		// The operator prices snapshots per provider.
		p, err := h.db.ProviderByType(ctx, webrana.DigitalOcean)
		if err != nil {
			t.Fatal(err)
		}
		res := ops.Do("PATCH", "/api/admin/providers/"+p.ID, map[string]any{"snapshot_price_gb_month": 6})
		mustStatus(t, res, 200, "set the snapshot price")
		if !strings.Contains(string(res.Body), `"snapshot_price_gb_month":6`) {
			t.Fatalf("provider after the price: %s", res.Body)
		}
		res = ops.Do("PATCH", "/api/admin/providers/"+p.ID, map[string]any{"snapshot_price_gb_month": -1})
		if res.Status != 400 || res.ErrorField() != "snapshot_price_gb_month" {
			t.Fatalf("a negative price: %d %s", res.Status, res.Body)
		}

		// Bad input: field errors.
		for _, bad := range []struct {
			body  map[string]any
			field string
		}{
			{map[string]any{"type": "snapshot"}, "name"},
			{map[string]any{"type": "snapshot", "name": strings.Repeat("n", 65)}, "name"},
			{map[string]any{"type": "restore"}, "snapshot_id"},
			{map[string]any{"type": "restore", "snapshot_id": "no-such"}, "snapshot_id"},
		} {
			res := c.Do("POST", "/api/vps/"+do.ID+"/actions", bad.body)
			if res.Status != 400 || res.ErrorField() != bad.field {
				t.Fatalf("%v: %d %s, want a field error on %s", bad.body, res.Status, res.Body, bad.field)
			}
		}

		golden := h.takeSnapshot(t, c, do, "golden", 25)
		if golden.Name != "golden" || golden.SizeGB != 25 || golden.Status != "available" || golden.ServerLabel != "web-do" ||
			golden.PriceGBMonth != 6 || golden.MonthlyCost != 150 {
			t.Fatalf("snapshot %+v, want golden, 25 GB at 0.06 = 1.50 a month", golden)
		}
		lnSnap := h.takeSnapshot(t, c, ln, "linode-one", 3)
		if all := snapshotsAt(t, c, "/api/snapshots"); all.Total != 2 {
			t.Fatalf("the customer's snapshots: %+v", all)
		}

		// Restore: DigitalOcean takes no password; Linode needs one.
		res = c.Do("POST", "/api/vps/"+do.ID+"/actions", map[string]any{"type": "restore", "snapshot_id": golden.ID, "password": "Pw-Restore-2031!"})
		if res.Status != 400 || res.ErrorField() != "password" {
			t.Fatalf("restore on DigitalOcean with a password: %d %s", res.Status, res.Body)
		}
		res = c.Do("POST", "/api/vps/"+ln.ID+"/actions", map[string]any{"type": "restore", "snapshot_id": lnSnap.ID})
		if res.Status != 400 || res.ErrorField() != "password" {
			t.Fatalf("restore on Linode without a password: %d %s", res.Status, res.Body)
		}
		res = c.Do("POST", "/api/vps/"+ln.ID+"/actions", map[string]any{"type": "restore", "snapshot_id": golden.ID, "password": "Pw-Restore-2031!"})
		if res.Status != 400 || res.ErrorField() != "snapshot_id" {
			t.Fatalf("restoring another server's snapshot: %d %s", res.Status, res.Body)
		}
		var restore struct{ Type string }
		res = c.Do("POST", "/api/vps/"+do.ID+"/actions", map[string]any{"type": "restore", "snapshot_id": golden.ID})
		mustStatus(t, res, 202, "restore")
		if res.JSON(t, &restore); restore.Type != "restore" {
			t.Fatalf("restore accepted as %+v", restore)
		}
		h.finishActions(t, do)

		// Another customer: 404 for everything of the owner's.
		mustStatus(t, other.Do("GET", "/api/vps/"+do.ID+"/snapshots", nil), 404, "another's server's snapshots")
		mustStatus(t, other.Do("DELETE", "/api/snapshots/"+golden.ID, nil), 404, "deleting another's snapshot")
		if l := snapshotsAt(t, other, "/api/snapshots"); l.Total != 0 {
			t.Fatalf("another customer sees %+v", l)
		}
		theirs := h.server(t, h.userByEmail(t, "other@example.com"), h.plan(t, webrana.DigitalOcean), "theirs", webrana.StatusActive)
		res = other.Do("POST", "/api/vps/"+theirs.ID+"/actions", map[string]any{"type": "restore", "snapshot_id": golden.ID})
		if res.Status != 400 || res.ErrorField() != "snapshot_id" {
			t.Fatalf("restoring another customer's snapshot: %d %s", res.Status, res.Body)
		}

		// The customer's limit, the operator's setting (default 10).
		var limit struct{ Limit int }
		ops.Do("GET", "/api/admin/snapshot-limit", nil).JSON(t, &limit)
		if limit.Limit != 10 {
			t.Fatalf("default limit %d, want 10", limit.Limit)
		}
		mustStatus(t, c.Do("PATCH", "/api/admin/snapshot-limit", map[string]any{"limit": 3}), 403, "a customer setting the limit")
		res = ops.Unchecked().Do("PATCH", "/api/admin/snapshot-limit", map[string]any{"limit": -1})
		if res.Status != 400 || res.ErrorField() != "limit" {
			t.Fatalf("a negative limit: %d %s", res.Status, res.Body)
		}
		mustStatus(t, ops.Do("PATCH", "/api/admin/snapshot-limit", map[string]any{"limit": 3}), 200, "set the limit")
		res = c.Do("POST", "/api/vps/"+do.ID+"/actions", map[string]any{"type": "snapshot", "name": "third"})
		mustStatus(t, res, 202, "a third snapshot")
		var third struct{ ID string }
		res.JSON(t, &third)
		res = c.Do("POST", "/api/vps/"+ln.ID+"/actions", map[string]any{"type": "snapshot", "name": "fourth"})
		if res.Status != 409 || !strings.Contains(res.ErrorMessage(), "3 snapshots") {
			t.Fatalf("a snapshot over the limit: %d %s", res.Status, res.Body)
		}
		// A snapshot still being taken cannot be deleted.
		creating, err := h.db.SnapshotByAction(ctx, third.ID)
		if err != nil {
			t.Fatal(err)
		}
		mustStatus(t, c.Do("DELETE", "/api/snapshots/"+creating.ID, nil), 409, "deleting a snapshot being taken")

		// Deleting: 202 deleting, again 202, billing stopped.
		var gone snapshotJSON
		res = c.Do("DELETE", "/api/snapshots/"+golden.ID, nil)
		mustStatus(t, res, 202, "delete")
		if res.JSON(t, &gone); gone.Status != "deleting" {
			t.Fatalf("deleted snapshot %+v", gone)
		}
		mustStatus(t, c.Do("DELETE", "/api/snapshots/"+golden.ID, nil), 202, "delete again")
		if got, _ := h.db.SnapshotByID(ctx, golden.ID); got.DeletedAt == nil {
			t.Fatalf("billing not stopped: %+v", got)
		}
	})
}

// TestDeleteServerKeepsSnapshots: deleting a server keeps its snapshots
// unless keep_snapshots=false; kept ones stay listed and deletable.
func TestDeleteServerKeepsSnapshots(t *testing.T) {
	engines(t, func(t *testing.T, h *harness) {
		owner := h.user("owner@example.com", webrana.RoleCustomer)
		c := h.login("owner@example.com")
		plan := h.plan(t, webrana.DigitalOcean)
		kept := h.server(t, owner, plan, "kept", webrana.StatusActive)
		dropped := h.server(t, owner, plan, "dropped", webrana.StatusActive)
		keepSnap := h.takeSnapshot(t, c, kept, "keep-me", 4)
		dropSnap := h.takeSnapshot(t, c, dropped, "drop-me", 4)

		res := c.Do("DELETE", "/api/vps/"+kept.ID+"?keep_snapshots=maybe", nil)
		if res.Status != 400 || res.ErrorField() != "keep_snapshots" {
			t.Fatalf("keep_snapshots=maybe: %d %s", res.Status, res.Body)
		}
		mustStatus(t, c.Do("DELETE", "/api/vps/"+kept.ID, nil), 202, "delete keeping snapshots")
		mustStatus(t, c.Do("DELETE", "/api/vps/"+dropped.ID+"?keep_snapshots=false", nil), 202, "delete with snapshots")

		status := map[string]string{}
		for _, s := range snapshotsAt(t, c, "/api/snapshots").Items {
			status[s.ID] = s.Status
		}
		if len(status) != 2 || status[keepSnap.ID] != "available" || status[dropSnap.ID] != "deleting" {
			t.Fatalf("after the deletions: %v, want the kept snapshot available and the other deleting", status)
		}
		if got, _ := h.db.SnapshotByID(context.Background(), dropSnap.ID); got.Status != webrana.SnapshotDeleting {
			t.Fatalf("snapshot of the server deleted with its snapshots: %+v", got)
		}
		mustStatus(t, c.Do("DELETE", "/api/snapshots/"+keepSnap.ID, nil), 202, "delete a kept snapshot")
	})
}

func (h *harness) userByEmail(t *testing.T, email string) *webrana.User {
	t.Helper()
	u, err := h.db.UserByEmail(context.Background(), email)
	if err != nil {
		t.Fatal(err)
	}
	return u
}

// snapshotFixture is an available snapshot of the owner's active server.
var snapshotFixture = owned{
	create: func(t *testing.T, h *harness, owner *webtest.Client) string {
		ctx := context.Background()
		var me struct{ ID string }
		owner.Do("GET", "/api/me", nil).JSON(t, &me)
		u, err := h.db.UserByID(ctx, me.ID)
		if err != nil {
			t.Fatal(err)
		}
		in := h.server(t, u, h.plan(t, webrana.DigitalOcean), "snapped", webrana.StatusActive)
		s := &webrana.Snapshot{OwnerID: u.ID, InstanceID: in.ID, ProviderType: in.ProviderType, Name: "kept", Region: in.Region}
		if err := h.db.InTx(ctx, func(tx *store.Tx) error {
			if err := tx.CreateSnapshot(ctx, s); err != nil {
				return err
			}
			return tx.SnapshotTaken(ctx, s.ID, "4242", 2, in.Region, h.clock.Now())
		}); err != nil {
			t.Fatal(err)
		}
		return s.ID
	},
	intact: func(t *testing.T, owner *webtest.Client, id string) bool {
		for _, s := range snapshotsAt(t, owner, "/api/snapshots").Items {
			if s.ID == id {
				var acts struct{ Total int }
				owner.Do("GET", "/api/vps/"+s.InstanceID+"/actions", nil).JSON(t, &acts)
				return s.Status == "available" && acts.Total == 0
			}
		}
		return false
	},
}

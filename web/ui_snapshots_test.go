package web_test

import (
	"context"
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/webrana/webrana"
	"github.com/webrana/webrana/store"
)

// TestUISnapshots: the server page loads its Snapshots section, which
// lists each snapshot with its size and monthly cost; the take form queues
// a snapshot (a bad name shows the form again with the reason); restore
// asks on a page saying the disk is replaced (Linode: with a password);
// delete deletes; the delete confirmation says snapshots are kept by
// default; another customer's snapshot pages are 404.
func TestUISnapshots(t *testing.T) {
	engines(t, func(t *testing.T, h *harness) {
		ctx := context.Background()
		u := newUIServers(t, h)
		p, err := h.db.ProviderByType(ctx, webrana.DigitalOcean)
		if err != nil {
			t.Fatal(err)
		}
		if err := h.db.InTx(ctx, func(tx *store.Tx) error { return tx.SetSnapshotPrice(ctx, p.ID, 6) }); err != nil {
			t.Fatal(err)
		}
		page := u.alice.Do("GET", "/servers/"+u.web.ID, nil)
		body := string(page.Body)
		if !strings.Contains(body, `hx-get="/servers/`+u.web.ID+`/snapshots" hx-trigger="load"`) || !has(page.Body, "keep-snapshots") ||
			!strings.Contains(body, "Its snapshots are kept unless you choose otherwise") {
			t.Fatalf("server page lacks the snapshots section or the delete choice:\n%s", body)
		}
		csrf := hiddenCSRF(t, page)

		res := u.alice.PostForm("/servers/"+u.web.ID+"/snapshots", url.Values{"name": {""}, "csrf_token": {csrf}})
		if res.Status != 400 || !strings.Contains(string(res.Body), `id="snapshot-name-error"`) {
			t.Fatalf("a nameless snapshot: %d\n%s", res.Status, res.Body)
		}
		res = u.alice.PostForm("/servers/"+u.web.ID+"/snapshots", url.Values{"name": {"nightly"}, "csrf_token": {csrf}})
		mustStatus(t, res, 303, "take a snapshot")
		snaps, _, err := h.db.ListSnapshotRows(ctx, webrana.SnapshotFilter{InstanceID: u.web.ID})
		if err != nil || len(snaps) != 1 {
			t.Fatalf("snapshots after the form: %v, %v", snaps, err)
		}
		snap := snaps[0]
		acts, _, err := h.db.ListActions(ctx, u.web.ID, webrana.Page{PerPage: 5})
		if err != nil {
			t.Fatal(err)
		}
		if err := h.db.FinishAction(ctx, acts[0], webrana.ActionCompleted, "", store.InstanceUpdate{}, func(tx *store.Tx) error {
			return tx.SnapshotTaken(ctx, snap.ID, "171", 25, "sgp1", h.clock.Now())
		}); err != nil {
			t.Fatal(err)
		}

		section := u.alice.WithHeader("HX-Request", "true").Do("GET", "/servers/"+u.web.ID+"/snapshots", nil)
		mustStatus(t, section, 200, "the section")
		body = string(section.Body)
		for _, want := range []string{`data-name="nightly"`, "25 GB", "1.50 USD", `id="restore-` + snap.ID, `id="delete-` + snap.ID,
			`id="take-snapshot"`, "0.06 USD per GB a month"} {
			if !strings.Contains(body, want) {
				t.Errorf("section lacks %s:\n%s", want, body)
			}
		}
		restore := u.alice.Do("GET", "/snapshots/"+snap.ID+"/restore", nil)
		mustStatus(t, restore, 200, "restore confirmation")
		if !strings.Contains(string(restore.Body), "disk is replaced by the snapshot") || has(restore.Body, "restore-password") {
			t.Fatalf("restore confirmation:\n%s", restore.Body)
		}
		mustStatus(t, u.bob.Do("GET", "/snapshots/"+snap.ID+"/restore", nil), 404, "bob's view of alice's restore")
		h.clock.Advance(time.Second) // the restore is the newest action
		res = u.alice.PostForm("/snapshots/"+snap.ID+"/restore", url.Values{"csrf_token": {csrf}})
		mustStatus(t, res, 303, "restore")
		acts, _, _ = h.db.ListActions(ctx, u.web.ID, webrana.Page{PerPage: 5})
		if acts[0].Type != webrana.ActionRestore || acts[0].Params.SnapshotID != snap.ID {
			t.Fatalf("restore queued as %+v", acts[0])
		}
		bobCSRF := hiddenCSRF(t, u.bob.Do("GET", "/servers/"+u.bobs.ID, nil))
		mustStatus(t, u.bob.PostForm("/snapshots/"+snap.ID+"/delete", url.Values{"csrf_token": {bobCSRF}}), 404, "bob deleting alice's snapshot")
		mustStatus(t, u.alice.PostForm("/snapshots/"+snap.ID+"/delete", url.Values{"csrf_token": {csrf}}), 303, "delete")
		if got, _ := h.db.SnapshotByID(ctx, snap.ID); got.Status != webrana.SnapshotDeleting {
			t.Fatalf("snapshot after the delete form: %+v", got)
		}
	})
}

// TestUISnapshotPrice: the operator sets a provider's snapshot price on the
// Providers page, in major units; a price that is no amount is refused with
// the reason.
func TestUISnapshotPrice(t *testing.T) {
	engines(t, func(t *testing.T, h *harness) {
		ctx := context.Background()
		h.user("ops@example.com", webrana.RoleAdmin)
		ops := signIn(t, h, "ops@example.com")
		page := ops.Do("GET", "/admin/providers", nil)
		if !strings.Contains(string(page.Body), `id="snapshot-price-linode"`) {
			t.Fatalf("providers page lacks the snapshot price:\n%s", page.Body)
		}
		csrf := hiddenCSRF(t, page)
		p, err := h.db.ProviderByType(ctx, webrana.Linode)
		if err != nil {
			t.Fatal(err)
		}
		res := ops.PostForm("/admin/providers/"+p.ID+"/snapshot-price", url.Values{"price": {"abc"}, "csrf_token": {csrf}})
		if res.Status != 400 || !strings.Contains(string(res.Body), "such as 0.06") {
			t.Fatalf("a price that is no amount: %d\n%s", res.Status, res.Body)
		}
		mustStatus(t, ops.PostForm("/admin/providers/"+p.ID+"/snapshot-price", url.Values{"price": {"0.10"}, "csrf_token": {csrf}}), 303, "set the price")
		if got, err := h.db.SnapshotPrice(ctx, webrana.Linode); err != nil || got != 10 {
			t.Fatalf("Linode's snapshot price %d, %v; want 10", got, err)
		}
	})
}

package main

import (
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/chromedp"
)

// snapshotsLoaded is true once the Snapshots section has loaded.
const snapshotsLoaded = `!document.querySelector("#snapshots [aria-busy]")`

// shown is true when an element matches sel.
func shown(sel string) string { return fmt.Sprintf("!!document.querySelector(%q)", sel) }

// TestBrowserSnapshots: on a running DigitalOcean server's page the
// customer takes a snapshot from the Snapshots section, sees it listed with
// its size and monthly cost once the provider has taken it, and restores
// the server from it after a confirmation page that says the disk is
// replaced; the restore shows in the action history.
func TestBrowserSnapshots(t *testing.T) {
	r := newOrderRig(t, map[string]string{"WEBRANA_SIM_ACTION_DELAY": "300ms"})
	// The operator prices DigitalOcean snapshots at 0.06 a GB-month.
	var providers struct {
		Items []struct {
			ID           string
			ProviderType string `json:"provider_type"`
		}
	}
	r.admin.Do("GET", "/api/admin/providers", nil).JSON(t, &providers)
	for _, p := range providers.Items {
		if p.ProviderType == "digitalocean" {
			if res := r.admin.Do("PATCH", "/api/admin/providers/"+p.ID, map[string]any{"snapshot_price_gb_month": 6}); res.Status != 200 {
				t.Fatalf("price snapshots: %d %s", res.Status, res.Body)
			}
		}
	}
	v := r.orderSmallDO("snap-web")
	r.waitFor(v.ID, "active")

	b := newBrowser(t, "http://"+r.Addr())
	b.signIn("demo@webrana.local", rigPassword)
	page := "/servers/" + v.ID
	b.open(page)
	b.wait("#take-snapshot", actionTimeout) // the section loads after the page
	if got := b.text("#no-snapshots"); !strings.Contains(got, "No snapshots") {
		t.Errorf("a new server's snapshots: %q", got)
	}
	b.fill("#snapshot-name", "before-upgrade")
	b.submit("#take-snapshot-button")
	if p := b.path(); p != page {
		t.Fatalf("after taking a snapshot at %s, want %s\n%s", p, page, b.describe())
	}
	if flash := b.text("#flash"); !strings.Contains(flash, "before-upgrade") {
		t.Errorf("flash after taking a snapshot: %q", flash)
	}

	row := `#snapshot-list tr[data-name="before-upgrade"]`
	b.reopenUntil(page, snapshotsLoaded, shown(row+` [data-status="available"]`), time.Minute)
	size := b.text(row + " .snapshot-size")
	cost := b.text(row + " .snapshot-cost")
	if !strings.HasSuffix(size, " GB") || !strings.HasSuffix(cost, " USD") || cost == "0.00 USD" {
		t.Errorf("listed snapshot: size %q, a month %q; want its GB and their price", size, cost)
	}
	var gb int
	fmt.Sscanf(size, "%d GB", &gb)
	if want := fmt.Sprintf("%d.%02d USD", gb*6/100, gb*6%100); cost != want {
		t.Errorf("a month of %d GB at 0.06: %q, want %q", gb, cost, want)
	}
	b.shot("server-snapshots")

	id := get(b, chromedp.Evaluate[string](fmt.Sprintf(`document.querySelector(%q).dataset.id`, row)))
	b.submit("#restore-" + id)
	if p := b.path(); p != "/snapshots/"+id+"/restore" {
		t.Fatalf("restore opened %s\n%s", p, b.describe())
	}
	if w := b.text("#restore-warning"); !strings.Contains(w, "disk is replaced by the snapshot") {
		t.Errorf("the restore confirmation says %q; it must say the disk is replaced", w)
	}
	b.shot("snapshot-restore-confirm")
	b.submit("#confirm-restore")
	if p := b.path(); p != page {
		t.Fatalf("after confirming the restore at %s\n%s", p, b.describe())
	}
	b.reopenUntil(page, snapshotsLoaded, shown(`#action-history tr[data-type="restore"] [data-status="completed"]`), time.Minute)
	if got := b.text(`#action-history tr[data-type="restore"] td`); got != "Restore snapshot" {
		t.Errorf("the history names the restore %q", got)
	}
}

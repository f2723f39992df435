package main

import (
	"strings"
	"testing"
	"time"

	"github.com/chromedp/chromedp"
)

// reopenUntil opens a page again and again until a JavaScript condition
// holds on it: sections drawn with the page (Backups), or loaded after it
// (Snapshots: ready waits for that first; "" for none), show what an action
// did once the page is opened after it.
func (b *browser) reopenUntil(path, ready, cond string, timeout time.Duration) {
	b.t.Helper()
	deadline := time.Now().Add(timeout)
	for {
		b.open(path)
		if ready != "" {
			b.until(ready, actionTimeout)
		}
		if get(b, chromedp.Evaluate[bool](cond)) {
			return
		}
		if time.Now().After(deadline) {
			b.t.Fatalf("waited %s on %s for %s\n%s", timeout, path, cond, b.describe())
		}
		time.Sleep(200 * time.Millisecond) // real time: the sandbox's jobs run on the wall clock
	}
}

// TestBrowserBackups: a customer orders a DigitalOcean server with backups,
// the order page stating their price beside the checkbox and in the review;
// on the server page the Backups section lists the backup the provider took,
// restores it after a confirmation that says the disk is replaced, turns
// backups off, and on again with their monthly price on the confirming
// button.
func TestBrowserBackups(t *testing.T) {
	r := newOrderRig(t, map[string]string{"WEBRANA_SIM_CREATE_DELAY": "1s", "WEBRANA_SIM_ACTION_DELAY": "500ms"})
	b := newBrowser(t, "http://"+r.Addr())
	b.signIn("demo@webrana.local", rigPassword)

	b.open("/servers/new")
	b.click("#provider-digitalocean")
	b.submit("#next")
	b.fill("#label", "backed-1")
	b.click(`input[name="plan_id"]`)
	b.submit("#next")
	b.click(`input[name="region"]`)
	b.submit("#next")
	b.submit("#next") // the preselected distribution image
	price := b.text("#backup-price")
	if !strings.Contains(price, "+1.60 USD a month") {
		t.Fatalf("the backup price beside the checkbox says %q, want +1.60 USD a month (20 %% of 8.00)", price)
	}
	b.click("#backups")
	b.shot("order-5-backups")
	b.submit("#next")
	b.wait("#review-price", actionTimeout)
	if got := b.text("#review-backups"); !strings.Contains(got, "on, +1.60 USD a month") {
		t.Errorf("the review says backups %q", got)
	}
	b.fill("#root_password", browserPassword)
	id := b.place()
	page := "/servers/" + id
	b.wait(`#server-status [data-status="active"]`, time.Minute)

	b.reopenUntil(page, "", `!!document.querySelector("#backup-list tbody tr")`, time.Minute)
	if got := b.text("#backups-state"); !strings.Contains(got, "on") || !strings.Contains(got, "1.60 USD a month") {
		t.Errorf("backups state %q", got)
	}
	backup := get(b, chromedp.Evaluate[string](`document.querySelector("#backup-list tbody tr").id.replace("backup-", "")`))
	b.click("#restore-" + backup)
	warning := b.text("#restore-warning-" + backup)
	if !strings.Contains(warning, "replaces the server's disk") || !strings.Contains(warning, "is lost") {
		t.Errorf("the restore's confirmation says %q; want it to say the disk is replaced", warning)
	}
	b.shot("server-backups-restore")
	b.submit("#restore-confirm-" + backup)
	if got := b.text("#flash"); !strings.Contains(got, "Restore a backup requested for backed-1") {
		t.Errorf("after the restore the page says %q", got)
	}
	// The restore is done when its action says so: the Backups section's
	// buttons are there all along, and one clicked while the restore ends
	// can be swapped away by the page's live refresh before it submits.
	b.reopenUntil(page, "", shown(`#action-history tr[data-type="restore_backup"] [data-status="completed"]`), time.Minute)

	b.click("#backups-disable")
	b.submit("#backups-disable-confirm")
	b.reopenUntil(page, "", `!!document.querySelector("#backups-enable")`, time.Minute)
	if got := b.text("#backups-state"); !strings.Contains(got, "off") {
		t.Errorf("after turning them off: %q", got)
	}
	b.click("#backups-enable")
	if got := b.text("#backups-enable-price"); !strings.Contains(got, "+1.60 USD a month") {
		t.Errorf("turning backups on states %q before confirming", got)
	}
	if got := b.text("#backups-enable-confirm"); got != "Yes, turn on backups for 1.60 USD a month" {
		t.Errorf("the confirming button says %q", got)
	}
	b.submit("#backups-enable-confirm")
	b.reopenUntil(page, "", `!!document.querySelector("#backups-disable")`, time.Minute)
	b.shot("server-backups")
	history := b.text("#history")
	for _, name := range []string{"Turn on backups", "Turn off backups", "Restore a backup"} {
		if !strings.Contains(history, name) {
			t.Errorf("the action history lacks %q:\n%s", name, history)
		}
	}
}

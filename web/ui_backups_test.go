package web_test

import (
	"net/url"
	"strings"
	"testing"

	"github.com/webrana/webrana"
)

// TestUIServerBackups: the server page's Backups section states the
// backups' price before turning them on, lists them while they are on with
// a restore that says the disk is replaced, and its forms queue the
// actions (another customer's server is not found; a refusal is shown in
// the section).
func TestUIServerBackups(t *testing.T) {
	h := sqliteHarness(t)
	u := newUIServers(t, h)
	h.user("admin@example.com", webrana.RoleAdmin)
	admin := h.login("admin@example.com")
	u.do.BackupPriceMonthly, u.do.BackupPriceHourly = 120, 1
	if _, err := h.db.UpdatePlan(t.Context(), u.do); err != nil {
		t.Fatal(err)
	}
	h.atProvider(t, admin, u.web, 0, false)

	page := "/servers/" + u.web.ID
	res := u.alice.Do("GET", page, nil)
	mustStatus(t, res, 200, "server page")
	body := string(res.Body)
	if !has(res.Body, "backups") || !strings.Contains(body, "Automatic backups are <strong>off</strong>") ||
		!strings.Contains(body, "+1.20 USD a month (0.01 USD an hour, up to that)") ||
		!strings.Contains(body, "Yes, turn on backups for 1.20 USD a month") || has(res.Body, "backups-disable") {
		t.Fatalf("Backups section while off:\n%s", body)
	}
	csrf := hiddenCSRF(t, res)
	mustStatus(t, u.bob.PostForm(page+"/backups", url.Values{"type": {"enable_backups"}, "csrf_token": {hiddenCSRF(t, u.bob.Do("GET", "/servers", nil))}}),
		404, "bob turns on alice's backups")
	res = u.alice.PostForm(page+"/backups", url.Values{"type": {"enable_backups"}, "csrf_token": {csrf}})
	mustStatus(t, res, 303, "turn on backups")
	if !strings.Contains(string(u.alice.Do("GET", page, nil).Body), "Turn on backups requested for Alpha-Web.") {
		t.Error("no flash after turning backups on")
	}

	// On (as the worker leaves them once the provider has them on).
	on := h.server(t, u.aliceU, u.do, "backed-up", webrana.StatusActive)
	h.atProvider(t, admin, on, 1, true)
	page = "/servers/" + on.ID
	res = u.alice.Do("GET", page, nil)
	body = string(res.Body)
	if !strings.Contains(body, "Automatic backups are <strong>on</strong>") || !has(res.Body, "backup-list") ||
		!strings.Contains(body, "Restoring replaces the server's disk with this backup") || !has(res.Body, "backups-disable") {
		t.Fatalf("Backups section while on:\n%s", body)
	}
	res = u.alice.PostForm(page+"/backups", url.Values{"type": {"restore_backup"}, "backup_id": {"not-a-number"}, "csrf_token": {csrf}})
	mustStatus(t, res, 400, "restore of no backup")
	if !has(res.Body, "backups-error") {
		t.Fatalf("refused restore:\n%s", res.Body)
	}
	id := list0(t, h.login("alice@example.com"), on.ID)
	res = u.alice.PostForm(page+"/backups", url.Values{"type": {"restore_backup"}, "backup_id": {id}, "csrf_token": {csrf}})
	mustStatus(t, res, 303, "restore")
	res = u.alice.Do("GET", page, nil)
	if !strings.Contains(string(res.Body), "Restore a backup requested for backed-up.") || !strings.Contains(string(res.Body), "Restore a backup") {
		t.Fatalf("page after the restore:\n%s", res.Body)
	}
}

package main

import (
	"strings"
	"testing"
	"time"
)

// TestBrowserFirewall: on a running server's page the customer adds a rule
// to the firewall, meets a refusal at the row it is about, fixes it, and
// watches the rules become applied at the provider; the action history
// names the change.
func TestBrowserFirewall(t *testing.T) {
	r := newOrderRig(t, map[string]string{})
	v := r.orderSmallDO("fw-browser")
	r.waitFor(v.ID, "active")
	b := newBrowser(t, "http://"+r.Addr())
	b.signIn("demo@webrana.local", rigPassword)
	b.open("/servers/" + v.ID)
	b.wait("#firewall", actionTimeout)
	if state := b.text("#firewall-state"); !strings.Contains(state, "No firewall") {
		t.Fatalf("a new server's firewall: %q, want none", state)
	}

	// A row with a bad port range is refused at that row, the form kept.
	b.click("#firewall-edit-open")
	b.choose("#row-0-protocol", "tcp")
	b.fill("#row-0-ports", "22")
	b.fill("#row-0-sources", "0.0.0.0/0, ::/0")
	b.submit("#firewall-add")
	b.wait("#row-1-ports", actionTimeout)
	b.fill("#row-1-ports", "9000-8000")
	b.fill("#row-1-sources", "203.0.113.0/24")
	b.submit("#firewall-save")
	if msg := b.text("#firewall-error"); !strings.Contains(msg, "Rule 2") {
		t.Fatalf("the refusal: %q, want it about rule 2", msg)
	}
	if got := b.value("#row-0-sources"); got != "0.0.0.0/0, ::/0" {
		t.Errorf("row 1 after the refusal: %q", got)
	}
	if n := b.count(`#row-1-ports[aria-invalid="true"]`); n != 1 {
		t.Errorf("the refused row's ports are not marked invalid")
	}
	b.shot("server-firewall-refused")

	// Fixed, saved, and applied by the firewall action.
	b.fill("#row-1-ports", "8000-9000")
	b.submit("#firewall-save")
	b.wait("#flash", actionTimeout)
	b.until(`(function(){ var e = document.querySelector("#firewall-state"); return !!e && e.dataset.state === "applied" })()`, time.Minute)
	if n := b.count("#firewall-rules tbody tr"); n != 2 {
		t.Fatalf("applied rules shown: %d, want 2\n%s", n, b.describe())
	}
	if got := b.text("#firewall-rules tbody tr:nth-child(2)"); !strings.Contains(got, "8000-9000") || !strings.Contains(got, "203.0.113.0/24") {
		t.Errorf("the second rule reads %q", got)
	}
	if got := b.text(`#action-history tr[data-type="firewall"]`); !strings.Contains(got, "Firewall rules") {
		t.Errorf("the history's firewall row reads %q", got)
	}
	b.shot("server-firewall-applied")

	// Removing a row leaves one rule.
	b.click("#firewall-edit-open")
	b.click("#row-0-remove")
	b.submit("#firewall-save")
	b.until(`(function(){ var e = document.querySelector("#firewall-state"); return !!e && e.dataset.state === "applied" && document.querySelectorAll("#firewall-rules tbody tr").length === 1 })()`, time.Minute)
	var fw struct {
		Inbound []struct{ Ports string }
		State   string
	}
	r.customer.Do("GET", "/api/vps/"+v.ID+"/firewall", nil).JSON(t, &fw)
	if fw.State != "applied" || len(fw.Inbound) != 1 || fw.Inbound[0].Ports != "8000-9000" {
		t.Fatalf("the API after removing a row: %+v", fw)
	}
}

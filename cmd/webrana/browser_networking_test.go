package main

import (
	"strings"
	"testing"
	"time"

	"github.com/chromedp/chromedp"
)

// TestBrowserNetworking: on a DigitalOcean server's page the Networking
// section lists its addresses, says before confirming that setting reverse
// DNS renames the droplet, refuses a PTR that is not a host name on its
// field, and shows the PTR once the action is done; the resize form offers
// the disk with its permanence stated, and a resize that would keep a
// smaller disk than the plan sells is refused on the disk choice.
func TestBrowserNetworking(t *testing.T) {
	r := newOrderRig(t, map[string]string{"WEBRANA_SIM_CREATE_DELAY": "2s", "WEBRANA_SIM_ACTION_DELAY": "1s"})
	b := newBrowser(t, "http://"+r.Addr())
	b.signIn("demo@webrana.local", rigPassword)
	id := b.orderDigitalOceanApp("net-1")
	b.wait(`#server-status [data-status="active"]`, time.Minute)
	b.open("/servers/" + id)
	b.wait("#networking", actionTimeout)
	if n := b.count(`#server-addresses tbody tr`); n < 1 {
		t.Fatalf("the Networking section lists %d addresses\n%s", n, b.describe())
	}
	if got := b.text("#server-vpc"); !strings.Contains(got, "default") {
		t.Errorf("VPC of a server ordered without one: %q", got)
	}

	b.click("#action-set_rdns")
	if note := b.text("#rdns-note"); !strings.Contains(note, "renamed to") || !strings.Contains(note, "label in Webrana stays net-1") {
		t.Fatalf("before confirming, the rename is not stated: %q", note)
	}
	b.fill("#rdns-ptr", "not a host name")
	b.submit("#confirm-set_rdns")
	b.wait(`#rdns-ptr[aria-invalid="true"]`, actionTimeout)
	b.fill("#rdns-ptr", "mail.example.com")
	b.submit("#confirm-set_rdns")
	b.until(`(function(){ var c = document.querySelector("#server-addresses tbody tr td.ptr");
		return !!c && c.textContent.indexOf("mail.example.com") >= 0 })()`, time.Minute)
	b.shot("server-networking")

	// The resize form: off first (DigitalOcean resizes stopped servers).
	b.click("#action-power_off")
	b.submit("#confirm-power_off")
	b.wait(`#server-status [data-status="off"]`, time.Minute)
	b.click("#action-resize")
	if w := b.text("#resize-disk-warning"); !strings.Contains(w, "permanent") {
		t.Fatalf("the disk choice does not say a disk resize is permanent: %q", w)
	}
	plan := get(b, chromedp.Evaluate[string](`(function(){
		var o = Array.from(document.querySelectorAll("#resize-plan option")).find(o => o.textContent.indexOf("with the disk only") >= 0);
		return o ? o.value : "" })()`))
	if plan == "" {
		t.Fatalf("no plan offered with the disk only\n%s", b.describe())
	}
	b.choose("#resize-plan", plan)
	b.submit("#confirm-resize")
	b.wait(`#resize-disk[aria-invalid="true"]`, actionTimeout)
	b.click("#resize-disk")
	b.submit("#confirm-resize")
	b.until(`document.querySelector("#action-history tbody tr[data-type='resize']") !== null`, time.Minute)
	if got := b.text(`#action-history tbody tr[data-type="resize"] td:last-child`); !strings.Contains(got, "disk resized") {
		t.Errorf("the history says %q of the disk resize", got)
	}
}

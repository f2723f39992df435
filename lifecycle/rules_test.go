package lifecycle_test

import (
	"cmp"
	"errors"
	"testing"

	"github.com/webrana/webrana"
	"github.com/webrana/webrana/cloud"
	"github.com/webrana/webrana/lifecycle"
)

var (
	do     = webrana.DigitalOcean
	linode = webrana.Linode
)

// TestAllowed: which actions each state and provider allow, and the words
// of each refusal (those Act and Delete answer with).
func TestAllowed(t *testing.T) {
	const (
		off       = "The server is off; power it on first."
		running   = "The server is already running."
		doResize  = "Power the server off before resizing it: DigitalOcean resizes stopped servers."
		linodePw  = "Power the server off before resetting its root password: Linode resets stopped servers."
		linodeV6  = "Every Linode has IPv6 already."
		suspended = "The server is suspended because your balance is below zero; add credit and it is powered on again within the hour."
		settingUp = "The server is still being set up; delete it once it is active (or has failed)."
	)
	all := []string{webrana.ActionPowerOn, webrana.ActionPowerOff, webrana.ActionShutdown, webrana.ActionReboot,
		webrana.ActionPowerCycle, webrana.ActionRebuild, webrana.ActionResize, webrana.ActionRename, webrana.ActionPassword,
		webrana.ActionEnableIPv6, webrana.ActionDelete}
	for _, tc := range []struct {
		name     string
		provider webrana.ProviderType
		status   webrana.InstanceStatus
		ipv6     string
		refused  map[string]string // action → refusal; the others are allowed
		code     string            // of every refusal
	}{
		{"DigitalOcean running", do, webrana.StatusActive, "", map[string]string{
			webrana.ActionPowerOn: running, webrana.ActionResize: doResize}, webrana.ECONFLICT},
		{"DigitalOcean running with IPv6", do, webrana.StatusActive, "2001:db8::1", map[string]string{
			webrana.ActionPowerOn: running, webrana.ActionResize: doResize,
			webrana.ActionEnableIPv6: "IPv6 is already on: 2001:db8::1."}, webrana.ECONFLICT},
		{"DigitalOcean stopped", do, webrana.StatusOff, "", map[string]string{
			webrana.ActionPowerOff: off, webrana.ActionShutdown: off, webrana.ActionReboot: off, webrana.ActionPowerCycle: off},
			webrana.ECONFLICT},
		{"Linode running", linode, webrana.StatusActive, "2001:db8::2", map[string]string{
			webrana.ActionPowerOn: running, webrana.ActionPassword: linodePw, webrana.ActionEnableIPv6: linodeV6}, webrana.ECONFLICT},
		{"Linode stopped", linode, webrana.StatusOff, "2001:db8::2", map[string]string{
			webrana.ActionPowerOff: off, webrana.ActionShutdown: off, webrana.ActionReboot: off, webrana.ActionPowerCycle: off,
			webrana.ActionEnableIPv6: linodeV6}, webrana.ECONFLICT},
		{"suspended", linode, webrana.StatusSuspended, "", allBut(all, suspended, webrana.ActionDelete), webrana.ECONFLICT},
		{"failed", do, webrana.StatusFailed, "", allBut(all, "The server is failed; actions are possible once it is active.",
			webrana.ActionDelete), webrana.ECONFLICT},
		{"provisioning", do, webrana.StatusProvisioning, "", with(allBut(all, "The server is provisioning; actions are possible once it is active."),
			webrana.ActionDelete, settingUp), webrana.ECONFLICT},
		{"pending", linode, webrana.StatusPending, "", with(allBut(all, "The server is pending; actions are possible once it is active."),
			webrana.ActionDelete, settingUp), webrana.ECONFLICT},
		{"held", do, webrana.StatusHeld, "", with(allBut(all, "The server is held; actions are possible once it is active."),
			webrana.ActionDelete, settingUp), webrana.ECONFLICT},
		{"deleting", do, webrana.StatusDeleting, "", with(allBut(all, "The server is deleting; actions are possible once it is active."),
			webrana.ActionDelete, "The server is being deleted already."), webrana.ECONFLICT},
		{"deleted", linode, webrana.StatusDeleted, "", with(allBut(all, "The server is deleted; actions are possible once it is active."),
			webrana.ActionDelete, "The server is deleted already."), webrana.ECONFLICT},
	} {
		t.Run(tc.name, func(t *testing.T) {
			in := &webrana.Instance{ProviderType: tc.provider, Status: tc.status, IPv6: tc.ipv6}
			for _, action := range all {
				err := lifecycle.Allowed(in, action)
				want, refused := tc.refused[action]
				switch {
				case !refused && err != nil:
					t.Errorf("%s refused: %v", action, err)
				case refused && err == nil:
					t.Errorf("%s allowed, want %q", action, want)
				case refused && (webrana.ErrorMessage(err) != want || webrana.ErrorCode(err) != tc.code):
					t.Errorf("%s: %s %q, want %s %q", action, webrana.ErrorCode(err), webrana.ErrorMessage(err), tc.code, want)
				}
			}
		})
	}

	// An unknown action (deletion is not one: it has its own rule) is a
	// mistake in the request.
	err := lifecycle.Allowed(&webrana.Instance{ProviderType: do, Status: webrana.StatusActive}, "teleport")
	if webrana.ErrorCode(err) != webrana.EINVALID || field(err) != "type" {
		t.Errorf("unknown action: %v", err)
	}
}

// allBut refuses every action with the same words, except those named.
func allBut(all []string, refusal string, except ...string) map[string]string {
	m := map[string]string{}
	for _, a := range all {
		m[a] = refusal
	}
	for _, a := range except {
		delete(m, a)
	}
	return m
}

func with(m map[string]string, action, refusal string) map[string]string {
	m[action] = refusal
	return m
}

// TestCanResize: only to an active, bigger and dearer plan of the same
// provider, sold in the server's region; on DigitalOcean a resize that
// keeps the disk only to a plan whose disk is no bigger (the customer
// would pay for disk they do not get), on Linode always with the disk.
func TestCanResize(t *testing.T) {
	in := &webrana.Instance{ProviderType: do, Region: "sgp1", Status: webrana.StatusOff}
	lin := &webrana.Instance{ProviderType: linode, Region: "sgp1", Status: webrana.StatusOff}
	cur := &webrana.Plan{ID: "small", Name: "Small", ProviderType: do, DiskGB: 25, MemoryMB: 1024, PriceMonthly: 600,
		Regions: []string{"sgp1"}, IsActive: true}
	bigger := func(change func(p *webrana.Plan)) *webrana.Plan {
		p := &webrana.Plan{ID: "big", Name: "Big", ProviderType: do, DiskGB: 50, MemoryMB: 2048, PriceMonthly: 1200,
			Regions: []string{"nyc1", "sgp1"}, IsActive: true}
		if change != nil {
			change(p)
		}
		return p
	}
	for _, tc := range []struct {
		name    string
		next    *webrana.Plan
		want    string // the refusal; empty when allowed
		keep    bool   // the resize keeps the disk
		on      *webrana.Instance
		inField string
	}{
		{name: "bigger", next: bigger(nil)},
		{name: "same disk, more memory", next: bigger(func(p *webrana.Plan) { p.DiskGB = 25 })},
		{name: "same disk, more memory, disk kept", next: bigger(func(p *webrana.Plan) { p.DiskGB = 25 }), keep: true},
		{name: "bigger disk, disk kept", next: bigger(nil), keep: true, inField: "disk",
			want: `Plan "Big" has a 50 GB disk and the server's is 25 GB: on DigitalOcean a resize without disk keeps the disk, ` +
				`and you would pay for disk you do not get. Resize with disk (permanent: the server can never be resized to a plan ` +
				`with a smaller disk again), or choose a plan with a 25 GB disk.`},
		{name: "Linode keeping the disk", next: bigger(func(p *webrana.Plan) { p.ProviderType = linode }), keep: true, on: lin, inField: "disk",
			want: "Linode resizes move the disk to the new plan's size: leave disk out or true."},
		{name: "Linode with the disk", next: bigger(func(p *webrana.Plan) { p.ProviderType = linode }), on: lin},
	} {
		t.Run(tc.name, func(t *testing.T) {
			on, c := cmp.Or(tc.on, in), *cur
			c.ProviderType = on.ProviderType
			err := lifecycle.CanResize(on, &c, tc.next, !tc.keep)
			switch {
			case tc.want == "" && err != nil:
				t.Errorf("refused: %v", err)
			case tc.want != "" && (webrana.ErrorMessage(err) != tc.want || field(err) != cmp.Or(tc.inField, "plan_id")):
				t.Errorf("got %v (field %q), want %q on %s", err, field(err), tc.want, cmp.Or(tc.inField, "plan_id"))
			}
		})
	}
	for _, tc := range []struct {
		name string
		next *webrana.Plan
		want string // the refusal; empty when allowed
	}{
		{"inactive", bigger(func(p *webrana.Plan) { p.IsActive = false }), "Unknown plan."},
		{"other provider", bigger(func(p *webrana.Plan) { p.ProviderType = linode }), `Plan "Big" is a linode plan; this server runs on digitalocean.`},
		{"same plan", cur, `The server is on plan "Small" already.`},
		{"smaller disk", bigger(func(p *webrana.Plan) { p.DiskGB = 20 }), `Servers can only grow: plan "Big" is not bigger than "Small".`},
		{"less memory", bigger(func(p *webrana.Plan) { p.MemoryMB = 512 }), `Servers can only grow: plan "Big" is not bigger than "Small".`},
		{"same price", bigger(func(p *webrana.Plan) { p.PriceMonthly = 600 }), `Servers can only grow: plan "Big" is not bigger than "Small".`},
		{"other region", bigger(func(p *webrana.Plan) { p.Regions = []string{"nyc1"} }), `Plan "Big" is not sold in sgp1.`},
	} {
		t.Run(tc.name, func(t *testing.T) {
			err := lifecycle.CanResize(in, cur, tc.next, true)
			switch {
			case tc.want == "" && err != nil:
				t.Errorf("refused: %v", err)
			case tc.want != "" && (webrana.ErrorMessage(err) != tc.want || field(err) != "plan_id"):
				t.Errorf("got %v (field %q), want %q on plan_id", err, field(err), tc.want)
			}
		})
	}
}

// TestCanRebuild: an image listed for other regions only is refused; one
// without regions is offered everywhere.
func TestCanRebuild(t *testing.T) {
	in := &webrana.Instance{ProviderType: linode, Region: "us-east"}
	for _, tc := range []struct {
		name string
		im   *cloud.Image
		want string
	}{
		{"in the region", &cloud.Image{Slug: "linode/debian12", Name: "Debian 12", Regions: []string{"us-east", "eu-west"}}, ""},
		{"everywhere", &cloud.Image{Slug: "linode/alpine3.20", Name: "Alpine 3.20"}, ""},
		{"elsewhere", &cloud.Image{Slug: "linode/arch", Name: "Arch", Regions: []string{"eu-west"}}, "Image Arch is not offered in us-east."},
	} {
		t.Run(tc.name, func(t *testing.T) {
			err := lifecycle.CanRebuild(in, tc.im)
			switch {
			case tc.want == "" && err != nil:
				t.Errorf("refused: %v", err)
			case tc.want != "" && (webrana.ErrorMessage(err) != tc.want || field(err) != "image"):
				t.Errorf("got %v, want %q on image", err, tc.want)
			}
		})
	}
}

// field is the input field an error is about.
func field(err error) string {
	var e *webrana.Error
	if errors.As(err, &e) {
		return e.Field
	}
	return ""
}

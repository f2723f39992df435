package cloudsim_test

import (
	"testing"

	"github.com/digitalocean/godo"
	"github.com/linode/linodego"

	"github.com/webrana/webrana/cloudsim"
)

// Firewalls of both providers through their official clients, every
// exchange validated against the official specs (spec_test.go): created,
// read, replaced, refused when bad, deleted; a deleted server leaves them.

func TestDigitalOceanFirewalls(t *testing.T) {
	t.Parallel()
	// The refusals below send what the API refuses; the spec says so too.
	h := newDOHarness(t, []cloudsim.AccountSpec{doAccount("fw", 5)},
		specException{Request: true, Method: "POST", Path: "/v2/firewalls", Match: "doesn't match the regular expression",
			Reason: "a name the API refuses, sent to see it refused"},
		specException{Request: true, Method: "POST", Path: "/v2/firewalls", Match: `allowed values ["tcp","udp","icmp"]`,
			Reason: "a protocol the API refuses, sent to see it refused"})
	c := h.client(t, "fw")
	d := mustCreate(t, c, createReq("fw-1"))
	everywhere := []string{"0.0.0.0/0", "::/0"}
	req := &godo.FirewallRequest{Name: "webrana-fw-" + "1", DropletIDs: []int{d.ID}, Tags: []string{},
		InboundRules:  []godo.InboundRule{{Protocol: "tcp", PortRange: "22", Sources: &godo.Sources{Addresses: everywhere}}},
		OutboundRules: []godo.OutboundRule{{Protocol: "icmp", PortRange: "0", Destinations: &godo.Destinations{Addresses: everywhere}}}}
	fw, res, err := c.Firewalls.Create(ctx, req)
	if err != nil || res.StatusCode != 202 || fw.ID == "" || len(fw.DropletIDs) != 1 || fw.InboundRules[0].PortRange != "22" ||
		fw.OutboundRules[0].PortRange != "0" {
		t.Fatalf("create: %+v, %v", fw, err)
	}
	req.InboundRules = []godo.InboundRule{{Protocol: "udp", PortRange: "8000-8100", Sources: &godo.Sources{Addresses: []string{"203.0.113.0/24"}}}}
	if got, _, err := c.Firewalls.Update(ctx, fw.ID, req); err != nil || got.InboundRules[0].Protocol != "udp" {
		t.Fatalf("update: %+v, %v", got, err)
	}
	if got, _, err := c.Firewalls.Get(ctx, fw.ID); err != nil || got.InboundRules[0].PortRange != "8000-8100" {
		t.Fatalf("get: %+v, %v", got, err)
	}
	if list, _, err := c.Firewalls.List(ctx, nil); err != nil || len(list) != 1 {
		t.Fatalf("list: %+v, %v", list, err)
	}
	for name, bad := range map[string]*godo.FirewallRequest{
		"no name":      {Tags: []string{}, InboundRules: req.InboundRules},
		"bad name":     {Name: "-fw", Tags: []string{}, InboundRules: req.InboundRules},
		"no rules":     {Name: "empty", Tags: []string{}},
		"bad protocol": {Name: "proto", Tags: []string{}, InboundRules: []godo.InboundRule{{Protocol: "sctp", PortRange: "1", Sources: &godo.Sources{Addresses: everywhere}}}},
		"bad ports":    {Name: "ports", Tags: []string{}, InboundRules: []godo.InboundRule{{Protocol: "tcp", PortRange: "90-80", Sources: &godo.Sources{Addresses: everywhere}}}},
		"port range":   {Name: "ports2", Tags: []string{}, InboundRules: []godo.InboundRule{{Protocol: "tcp", PortRange: "70000", Sources: &godo.Sources{Addresses: everywhere}}}},
		"no sources":   {Name: "src", Tags: []string{}, InboundRules: []godo.InboundRule{{Protocol: "tcp", PortRange: "22", Sources: &godo.Sources{}}}},
		"bad address":  {Name: "addr", Tags: []string{}, InboundRules: []godo.InboundRule{{Protocol: "tcp", PortRange: "22", Sources: &godo.Sources{Addresses: []string{"10.0.0.0/33"}}}}},
	} {
		if _, _, err := c.Firewalls.Create(ctx, bad); err == nil {
			t.Errorf("%s: created", name)
		} else {
			wantDOError(t, err, 400, "")
		}
	}
	_, _, err = c.Firewalls.Create(ctx, &godo.FirewallRequest{Name: "ghost", Tags: []string{}, DropletIDs: []int{999999}, InboundRules: req.InboundRules})
	wantDOError(t, err, 404, "")
	// A deleted droplet leaves the firewall.
	if _, err := c.Droplets.Delete(ctx, d.ID); err != nil {
		t.Fatal(err)
	}
	if got, _, err := c.Firewalls.Get(ctx, fw.ID); err != nil || len(got.DropletIDs) != 0 {
		t.Fatalf("after the droplet's deletion: %+v, %v", got, err)
	}
	if _, err := c.Firewalls.Delete(ctx, fw.ID); err != nil {
		t.Fatal(err)
	}
	_, _, err = c.Firewalls.Get(ctx, fw.ID)
	wantDOError(t, err, 404, "The resource you were accessing could not be found.")
	checked := h.spec.Checked()
	for _, want := range []string{"POST /v2/firewalls 202", "PUT /v2/firewalls/{firewall_id} 200", "GET /v2/firewalls/{firewall_id} 200",
		"GET /v2/firewalls 200", "DELETE /v2/firewalls/{firewall_id} 204", "POST /v2/firewalls 400", "GET /v2/firewalls/{firewall_id} 404"} {
		if checked[want] == 0 {
			t.Errorf("%s was not validated against the spec (validated: %v)", want, checked)
		}
	}
}

func TestLinodeFirewalls(t *testing.T) {
	t.Parallel()
	e := newLinodeEnv(t)
	c := e.account(t, cloudsim.AccountSpec{Token: "fw", Limit: 5})
	in, err := c.CreateInstance(ctx, linodego.InstanceCreateOptions{Region: "us-east", Type: "g6-nanode-1", Label: "fw-1",
		Image: "linode/ubuntu24.04", RootPass: linodeGoodPass})
	if err != nil {
		t.Fatal(err)
	}
	other, err := c.CreateInstance(ctx, linodego.InstanceCreateOptions{Region: "us-east", Type: "g6-nanode-1", Label: "fw-2",
		Image: "linode/ubuntu24.04", RootPass: linodeGoodPass})
	if err != nil {
		t.Fatal(err)
	}
	v4, v6 := []string{"0.0.0.0/0"}, []string{"::/0"}
	rules := linodego.FirewallRuleSet{InboundPolicy: "DROP", OutboundPolicy: "ACCEPT", Outbound: []linodego.FirewallRule{},
		Inbound: []linodego.FirewallRule{{Action: "ACCEPT", Label: "ssh", Protocol: "TCP", Ports: "22",
			Addresses: linodego.NetworkAddresses{IPv4: &v4, IPv6: &v6}}}}
	fw, err := c.CreateFirewall(ctx, linodego.FirewallCreateOptions{Label: "webrana-fw-1", Rules: rules, Tags: []string{"webrana"},
		Devices: linodego.DevicesCreationOptions{Linodes: []int{in.ID}}})
	if err != nil || fw.ID == 0 || fw.Rules.Inbound[0].Ports != "22" || fw.Rules.Version != 1 {
		t.Fatalf("create: %+v, %v", fw, err)
	}
	found, err := c.ListFirewalls(ctx, &linodego.ListOptions{Filter: `{"label":"webrana-fw-1"}`})
	if err != nil || len(found) != 1 || found[0].ID != fw.ID {
		t.Fatalf("by label: %+v, %v", found, err)
	}
	rules.Inbound[0].Protocol, rules.Inbound[0].Ports = "ICMP", ""
	if got, err := c.UpdateFirewallRules(ctx, fw.ID, rules); err != nil || got.Inbound[0].Protocol != "ICMP" || got.Version != 2 {
		t.Fatalf("update rules: %+v, %v", got, err)
	}
	if got, err := c.GetFirewallRules(ctx, fw.ID); err != nil || got.Inbound[0].Protocol != "ICMP" {
		t.Fatalf("rules: %+v, %v", got, err)
	}
	if got, err := c.GetFirewall(ctx, fw.ID); err != nil || got.Label != "webrana-fw-1" {
		t.Fatalf("get: %+v, %v", got, err)
	}
	devices, err := c.ListFirewallDevices(ctx, fw.ID, nil)
	if err != nil || len(devices) != 1 || devices[0].Entity.ID != in.ID {
		t.Fatalf("devices: %+v, %v", devices, err)
	}
	// Refusals: what the real API refuses, with its fields.
	bad := rules
	bad.Inbound = []linodego.FirewallRule{{Action: "ACCEPT", Label: "icmp", Protocol: "ICMP", Ports: "22", Addresses: linodego.NetworkAddresses{IPv4: &v4}}}
	_, err = c.UpdateFirewallRules(ctx, fw.ID, bad)
	linodeErr(t, err, 400, "Ports are not allowed")
	bad.Inbound = []linodego.FirewallRule{{Action: "ACCEPT", Label: "ipv4", Protocol: "TCP", Ports: "22", Addresses: linodego.NetworkAddresses{IPv4: &v6}}}
	_, err = c.UpdateFirewallRules(ctx, fw.ID, bad)
	linodeErr(t, err, 400, "not a valid IPv4 address")
	bad.Inbound = []linodego.FirewallRule{{Action: "ACCEPT", Label: "range", Protocol: "TCP", Ports: "90-80", Addresses: linodego.NetworkAddresses{IPv4: &v4}}}
	_, err = c.UpdateFirewallRules(ctx, fw.ID, bad)
	linodeErr(t, err, 400, "Ports must be")
	_, err = c.CreateFirewall(ctx, linodego.FirewallCreateOptions{Label: "webrana-fw-1", Rules: rules})
	linodeErr(t, err, 400, "unique")
	_, err = c.CreateFirewall(ctx, linodego.FirewallCreateOptions{Label: "second", Rules: rules, Devices: linodego.DevicesCreationOptions{Linodes: []int{in.ID}}})
	linodeErr(t, err, 400, "already assigned")
	_, err = c.CreateFirewallDevice(ctx, fw.ID, linodego.FirewallDeviceCreateOptions{ID: 424242, Type: linodego.FirewallDeviceLinode})
	linodeErr(t, err, 400, "not found")
	dev, err := c.CreateFirewallDevice(ctx, fw.ID, linodego.FirewallDeviceCreateOptions{ID: other.ID, Type: linodego.FirewallDeviceLinode})
	if err != nil || dev.Entity.ID != other.ID {
		t.Fatalf("device: %+v, %v", dev, err)
	}
	if err := c.DeleteFirewallDevice(ctx, fw.ID, dev.ID); err != nil {
		t.Fatal(err)
	}
	// A deleted Linode leaves its firewall.
	if err := c.DeleteInstance(ctx, in.ID); err != nil {
		t.Fatal(err)
	}
	if devices, err := c.ListFirewallDevices(ctx, fw.ID, nil); err != nil || len(devices) != 0 {
		t.Fatalf("devices after the Linode's deletion: %+v, %v", devices, err)
	}
	if err := c.DeleteFirewall(ctx, fw.ID); err != nil {
		t.Fatal(err)
	}
	_, err = c.GetFirewall(ctx, fw.ID)
	linodeErr(t, err, 404, "Not found")
	checked := e.spec.Checked()
	for _, want := range []string{"POST /{apiVersion}/networking/firewalls 200", "GET /{apiVersion}/networking/firewalls 200",
		"PUT /{apiVersion}/networking/firewalls/{firewallId}/rules 200", "GET /{apiVersion}/networking/firewalls/{firewallId}/rules 200",
		"GET /{apiVersion}/networking/firewalls/{firewallId}/devices 200", "POST /{apiVersion}/networking/firewalls/{firewallId}/devices 200",
		"DELETE /{apiVersion}/networking/firewalls/{firewallId}/devices/{deviceId} 200", "DELETE /{apiVersion}/networking/firewalls/{firewallId} 200",
		"PUT /{apiVersion}/networking/firewalls/{firewallId}/rules 400"} {
		if checked[want] == 0 {
			t.Errorf("%s was not validated against the spec (validated: %v)", want, checked)
		}
	}
}

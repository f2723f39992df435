package cloudtest

import (
	"context"
	"reflect"
	"testing"
	"time"

	"github.com/webrana/webrana/cloud"
	"github.com/webrana/webrana/cloudsim"
)

// testFirewalls: a server's inbound rules are set, read back equal,
// replaced, and removed; a provider declaring no firewall is refused before
// it is asked.
func testFirewalls(t *testing.T, f *fixture) {
	ctx := context.Background()
	in := f.mustCreate("webrana-fw-1")
	f.clock.Advance(createDelay + time.Second)
	rules := []cloud.InboundRule{
		{Protocol: "tcp", Ports: "22", Sources: []string{"0.0.0.0/0", "::/0"}},
		{Protocol: "tcp", Ports: "8000-8100", Sources: []string{"203.0.113.0/24"}},
		{Protocol: "udp", Sources: []string{"2001:db8::/32"}},
		{Protocol: "icmp", Sources: []string{"0.0.0.0/0"}},
	}
	if !f.caps().Firewall {
		_, err := f.client.SetFirewall(ctx, in.ID, rules)
		wantCode(t, err, cloud.InvalidArgument, "SetFirewall on a provider declaring no firewall")
		return
	}
	if _, err := f.client.GetFirewall(ctx, in.ID); cloud.Code(err) != cloud.NotFound {
		t.Fatalf("a server's firewall before it has one: %v, want NotFound", err)
	}
	fw, err := f.client.SetFirewall(ctx, in.ID, rules)
	if err != nil {
		t.Fatalf("SetFirewall: %v", err)
	}
	if fw.ID == "" || !reflect.DeepEqual(fw.Inbound, rules) {
		t.Fatalf("SetFirewall answered %+v, want id and %+v", fw, rules)
	}
	f.wantFirewall(in.ID, fw.ID, rules)

	replaced := []cloud.InboundRule{{Protocol: "tcp", Ports: "443", Sources: []string{"198.51.100.7/32", "::/0"}}}
	again, err := f.client.SetFirewall(ctx, in.ID, replaced)
	if err != nil || again.ID != fw.ID {
		t.Fatalf("replacing the rules: %+v, %v; want the same firewall %s", again, err, fw.ID)
	}
	f.wantFirewall(in.ID, fw.ID, replaced)
	if _, err := f.client.SetFirewall(ctx, in.ID, nil); err != nil {
		t.Fatalf("no inbound rules at all (everything dropped): %v", err)
	}
	f.wantFirewall(in.ID, fw.ID, []cloud.InboundRule{})

	if err := f.client.DeleteFirewall(ctx, in.ID); err != nil {
		t.Fatalf("DeleteFirewall: %v", err)
	}
	if _, err := f.client.GetFirewall(ctx, in.ID); cloud.Code(err) != cloud.NotFound {
		t.Fatalf("after DeleteFirewall: %v, want NotFound", err)
	}
	wantCode(t, f.client.DeleteFirewall(ctx, in.ID), cloud.NotFound, "deleting a firewall twice")
	_, err = f.client.SetFirewall(ctx, "987654321", rules)
	wantCode(t, err, cloud.NotFound, "SetFirewall on a server that does not exist")
	_, err = f.client.SetFirewall(ctx, in.ID, []cloud.InboundRule{{Protocol: "icmp", Ports: "22", Sources: []string{"0.0.0.0/0"}}})
	wantCode(t, err, cloud.InvalidArgument, "icmp with ports")
}

// testLostFirewall: a firewall create whose answer was lost is found again
// by name, never made twice; a deleted server's firewall is still deleted.
func testLostFirewall(t *testing.T, f *fixture) {
	if !f.caps().Firewall {
		t.Skip("the provider declares no firewall")
	}
	ctx := context.Background()
	in := f.mustCreate("webrana-fw-2")
	f.clock.Advance(createDelay + time.Second)
	rules := []cloud.InboundRule{{Protocol: "tcp", Ports: "22", Sources: []string{"0.0.0.0/0"}}}
	f.dropNext("POST", f.h.FirewallPath)
	if _, err := f.driver.SetFirewall(ctx, in.ID, rules); err == nil || !cloud.Transient(f.driver.Classify(err)) {
		t.Fatalf("a firewall create with its answer lost: %v, want a transient error", err)
	}
	fw, err := f.client.SetFirewall(ctx, in.ID, rules)
	if err != nil {
		t.Fatalf("SetFirewall again after the lost answer: %v", err)
	}
	f.wantFirewall(in.ID, fw.ID, rules)
	if n := f.sim.Stats().Requests; countRequests(n, "POST", f.h.FirewallPath) != 1 {
		t.Fatalf("firewall creates: %d, want 1 (the retry found the first)", countRequests(n, "POST", f.h.FirewallPath))
	}
	// The server goes; its firewall is still found by name and deleted.
	if err := f.client.DeleteInstance(ctx, in.ID); err != nil {
		t.Fatal(err)
	}
	if err := f.client.DeleteFirewall(ctx, in.ID); err != nil {
		t.Fatalf("deleting the firewall of a deleted server: %v", err)
	}
}

// wantFirewall reads the server's firewall back: the same id and rules.
func (f *fixture) wantFirewall(instanceID, id string, rules []cloud.InboundRule) {
	f.t.Helper()
	got, err := f.client.GetFirewall(context.Background(), instanceID)
	if err != nil {
		f.t.Fatalf("GetFirewall: %v", err)
	}
	if got.ID != id || got.InstanceID != instanceID || !reflect.DeepEqual(got.Inbound, rules) {
		f.t.Fatalf("GetFirewall: %+v, want id %s with %+v", got, id, rules)
	}
}

// countRequests counts the requests of method to path, whatever their answer.
func countRequests(rows []cloudsim.RequestCount, method, path string) int {
	n := 0
	for _, r := range rows {
		if r.Method == method && r.Path == path {
			n += r.Count
		}
	}
	return n
}

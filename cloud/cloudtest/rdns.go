package cloudtest

import (
	"context"
	"errors"
	"testing"

	"github.com/webrana/webrana/cloud"
)

// testRDNS: where reverse DNS is declared, setting the PTR of a server's
// IPv4 and IPv6 addresses completes and reads back, as the declared mode
// says (per address, or as the server's name for all of them); an address
// that is not the server's and a PTR that is not a host name are refused
// on their fields; a missing server is NotFound. Where it is not declared,
// it is refused before the provider is asked.
func testRDNS(t *testing.T, f *fixture) {
	ctx := context.Background()
	in := f.createActive(f.createReq("webrana-rdns"))
	if in.IPv4 == "" || in.IPv6 == "" {
		t.Fatalf("server created with IPv6 has addresses %q and %q", in.IPv4, in.IPv6)
	}
	if f.caps().RDNS == cloud.RDNSNone {
		before := requests(f.sim.Stats())
		_, err := f.client.SetReverseDNS(ctx, in.ID, in.IPv4, "mail.example.com")
		wantField(t, err, "type", "set_rdns where reverse DNS is not declared")
		if requests(f.sim.Stats()) != before {
			t.Fatal("an undeclared set_rdns reached the provider")
		}
		return
	}
	for _, bad := range []struct{ ip, ptr, field string }{
		{in.IPv4, "not a host", "ptr"},
		{in.IPv4, "localhost", "ptr"},
		{in.IPv4, "-bad.example.com", "ptr"},
		{"203.0.113.77", "mail.example.com", "ip"},
		{"not-an-ip", "mail.example.com", "ip"},
	} {
		_, err := f.client.SetReverseDNS(ctx, in.ID, bad.ip, bad.ptr)
		wantField(t, err, bad.field, "set_rdns "+bad.ip+" → "+bad.ptr)
	}
	_, err := f.client.SetReverseDNS(ctx, "999999", in.IPv4, "mail.example.com")
	wantCode(t, err, cloud.NotFound, "set_rdns of a missing server")
	_, err = f.client.ReverseDNS(ctx, "999999")
	wantCode(t, err, cloud.NotFound, "ReverseDNS of a missing server")

	got := f.runAction(in.ID, cloud.ActionRequest{Type: cloud.ActionSetRDNS, IP: in.IPv4, PTR: "mail.example.com"})
	ptrs, err := f.client.ReverseDNS(ctx, in.ID)
	if err != nil {
		t.Fatal(err)
	}
	if ptrs[in.IPv4] != "mail.example.com" {
		t.Fatalf("PTRs after setting the IPv4's: %v", ptrs)
	}
	switch f.caps().RDNS {
	case cloud.RDNSServerName:
		if got.Name != "mail.example.com" || ptrs[in.IPv6] != "mail.example.com" {
			t.Fatalf("declared RDNSServerName, but the server is named %q and its PTRs are %v", got.Name, ptrs)
		}
	case cloud.RDNSPerAddress:
		if got.Name != in.Name || ptrs[in.IPv6] == "mail.example.com" {
			t.Fatalf("declared RDNSPerAddress, but the server is named %q and its PTRs are %v", got.Name, ptrs)
		}
		f.runAction(in.ID, cloud.ActionRequest{Type: cloud.ActionSetRDNS, IP: in.IPv6, PTR: "v6.example.com"})
		if ptrs, err = f.client.ReverseDNS(ctx, in.ID); err != nil || ptrs[in.IPv6] != "v6.example.com" || ptrs[in.IPv4] != "mail.example.com" {
			t.Fatalf("PTRs after setting the IPv6's: %v, %v", ptrs, err)
		}
	}
}

// wantField asserts err is InvalidArgument naming field.
func wantField(t *testing.T, err error, field, what string) {
	t.Helper()
	var e *cloud.Error
	if cloud.Code(err) != cloud.InvalidArgument || !errors.As(err, &e) || e.Field != field {
		t.Fatalf("%s: %v, want InvalidArgument on %q", what, err, field)
	}
}

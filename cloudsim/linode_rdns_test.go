package cloudsim_test

import (
	"context"
	"strings"
	"testing"

	"github.com/linode/linodego"

	"github.com/webrana/webrana/cloudsim"
)

// TestLinodeReverseDNS: each public address has its own rdns, a public
// IPv4's defaulting to Linode's name for it and an IPv6's to none; PUT
// sets it (lower case), null resets it, a body without rdns or with a bad
// name is a field error, and another account's address is not found.
func TestLinodeReverseDNS(t *testing.T) {
	t.Parallel()
	e := newLinodeEnv(t, specException{Request: true, Method: "PUT", Path: "/{apiVersion}/networking/ips/{address}",
		Match: `property "rdns" is missing`, Reason: "the test sends a body without rdns on purpose, to see it refused"})
	c := e.account(t, cloudsim.AccountSpec{Token: "rdns"})
	other := e.account(t, cloudsim.AccountSpec{Token: "rdns-other"})
	ctx := context.Background()
	in := linodeCreate(t, c, "rdns-1")
	v4, v6 := in.IPv4[0].String(), strings.TrimSuffix(in.IPv6, "/128")
	ip, err := c.GetIPAddress(ctx, v4)
	if err != nil || ip.RDNS != strings.ReplaceAll(v4, ".", "-")+".ip.linodeusercontent.com" || ip.LinodeID != in.ID ||
		ip.Type != "ipv4" || !ip.Public || ip.Prefix != 24 {
		t.Fatalf("IPv4 %+v, %v", ip, err)
	}
	if ip, err := c.GetIPAddress(ctx, v6); err != nil || ip.RDNS != "" || ip.Type != "ipv6" {
		t.Fatalf("IPv6 %+v, %v", ip, err)
	}
	for _, addr := range []string{v4, v6} {
		ptr := linodePtr("Mail.Example.com")
		if ip, err := c.UpdateIPAddressV2(ctx, addr, linodego.IPAddressUpdateOptionsV2{RDNS: &ptr}); err != nil || ip.RDNS != "mail.example.com" {
			t.Fatalf("set %s: %+v, %v", addr, ip, err)
		}
		if ip, _ := c.GetIPAddress(ctx, addr); ip.RDNS != "mail.example.com" {
			t.Fatalf("read back %s: %q", addr, ip.RDNS)
		}
	}
	if ip, err := c.UpdateIPAddressV2(ctx, v4, linodego.IPAddressUpdateOptionsV2{RDNS: linodego.Pointer[*string](nil)}); err != nil ||
		!strings.HasSuffix(ip.RDNS, ".ip.linodeusercontent.com") {
		t.Fatalf("reset IPv4: %+v, %v", ip, err)
	}
	for _, bad := range []string{"not a name", "localhost", "-x.example.com", strings.Repeat("a", 64) + ".example.com"} {
		_, err := c.UpdateIPAddressV2(ctx, v4, linodego.IPAddressUpdateOptionsV2{RDNS: linodePtr(linodePtr(bad))})
		if le := linodeErr(t, err, 400, "Must be a valid domain name"); le.Response == nil {
			t.Fatalf("%q: %v", bad, err)
		}
	}
	_, err = c.UpdateIPAddressV2(ctx, v4, linodego.IPAddressUpdateOptionsV2{})
	linodeErr(t, err, 400, "rdns is required")
	_, err = other.GetIPAddress(ctx, v4)
	linodeErr(t, err, 404, "Not found")
}

package lifecycle

import (
	"net/netip"
	"strings"

	"github.com/webrana/webrana"
	"github.com/webrana/webrana/cloud"
	"github.com/webrana/webrana/providers"
)

// Reverse DNS (set_rdns): the PTR of one of the server's public addresses.
// On a provider whose PTRs are the server's name (cloud.RDNSServerName,
// DigitalOcean) the server is renamed at the provider to the PTR, which
// sets the PTR of both its addresses; the action's note says so. The
// server's label in Webrana does not change: the label is the customer's
// name for the server, and the provider's name was never the label
// (servers are created as webrana-<order>). A later rename action renames
// it at the provider too, and so changes the PTR again.

// RDNSNote is what setting the PTR of a server does besides, said before
// confirming and on the action: "" where each address has its own.
func RDNSNote(in *webrana.Instance, ptr string) string {
	reg := providers.Of(in.ProviderType)
	if reg.Capabilities.RDNS != cloud.RDNSServerName {
		return ""
	}
	if ptr == "" {
		ptr = "the name you give"
	}
	return reg.Name + " takes a server's reverse DNS from its name: the server is renamed to " + ptr +
		" there, which sets the PTR of its IPv4 and IPv6 addresses alike. Its label in Webrana stays " + in.Label + "."
}

// checkRDNS: the provider sets reverse DNS, ip is one of the server's
// public addresses and ptr a fully qualified host name (lower case, without
// a final dot).
func checkRDNS(in *webrana.Instance, req Request) (webrana.ActionParams, error) {
	var p webrana.ActionParams
	if err := stateAllows(in, webrana.ActionSetRDNS); err != nil {
		return p, err
	}
	ip, ok := PublicAddress(in, req.IP)
	if !ok {
		return p, webrana.FieldError("ip", "Give one of this server's public addresses: %s.", strings.Join(addresses(in), " or "))
	}
	ptr := strings.TrimSuffix(strings.ToLower(strings.TrimSpace(req.PTR)), ".")
	if !cloud.ValidPTR(ptr) {
		return p, webrana.FieldError("ptr", "A PTR is a fully qualified host name, such as mail.example.com.")
	}
	p.IP, p.PTR = ip, ptr
	return p, nil
}

// PublicAddress is the server's public address that s names (in any
// spelling of it), and whether there is one.
func PublicAddress(in *webrana.Instance, s string) (string, bool) {
	a, err := netip.ParseAddr(strings.TrimSpace(s))
	if err != nil {
		return "", false
	}
	for _, mine := range addresses(in) {
		if m, err := netip.ParseAddr(mine); err == nil && m == a {
			return mine, true
		}
	}
	return "", false
}

func addresses(in *webrana.Instance) []string {
	var out []string
	for _, a := range []string{in.IPv4, in.IPv6} {
		if a != "" {
			out = append(out, a)
		}
	}
	return out
}

// PTRs are the reverse DNS names Webrana set on the server's addresses, by
// address, from its completed set_rdns actions (newest first in actions);
// an address without one has the provider's default. Where the PTR is the
// server's name, the latest applies to every address.
func PTRs(in *webrana.Instance, actions []*webrana.InstanceAction) map[string]string {
	out := map[string]string{}
	byName := providers.Of(in.ProviderType).Capabilities.RDNS == cloud.RDNSServerName
	for _, a := range actions {
		if a.Type != webrana.ActionSetRDNS || a.Status != webrana.ActionCompleted {
			continue
		}
		for _, ip := range addresses(in) {
			if _, set := out[ip]; !set && (byName || ip == a.Params.IP) {
				out[ip] = a.Params.PTR
			}
		}
	}
	return out
}

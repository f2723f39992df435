package cloud

import (
	"context"
	"net/netip"
	"strings"
)

// Reverse DNS: the PTR record of a server's public addresses. Providers
// set it in one of two ways (Capabilities.RDNS): per address (Linode's
// PUT /networking/ips/{address}), or not at all on its own, the PTR being
// the server's name (DigitalOcean, whose PTRs follow the droplet's name:
// setting one renames the droplet, and the PTR of both its addresses
// changes together).

// RDNSMode is how a provider sets a server's reverse DNS.
type RDNSMode int

const (
	// RDNSNone: the provider cannot set reverse DNS.
	RDNSNone RDNSMode = iota
	// RDNSPerAddress: each public address has its own PTR (Linode).
	RDNSPerAddress
	// RDNSServerName: the PTR of every public address of a server is the
	// server's name, so setting it renames the server at the provider
	// (DigitalOcean).
	RDNSServerName
)

// ActionSetRDNS sets the PTR of one of a server's public addresses
// (ActionRequest.IP and PTR). It goes through DoAction like every action,
// reaching the driver's SetReverseDNS. Where the PTR is the server's name
// (RDNSServerName) it is a rename, listed as one (ListedAs).
const ActionSetRDNS ActionType = "set_rdns"

// RDNSDriver is the reverse DNS part of Driver.
//
// Contract (checked by cloudtest for every driver whose Capabilities.RDNS
// is not RDNSNone):
//   - SetReverseDNS sets the PTR of ip, which must be one of the server's
//     public addresses (else InvalidArgument with Field "ip"), to ptr, and
//     returns the action with Type ActionSetRDNS and an ID GetAction
//     accepts. With RDNSServerName it renames the server to ptr, and the
//     PTR of all its addresses changes.
//   - ReverseDNS returns the PTR of each public address of the server, by
//     address as Instance reports it ("" where none is set), once every
//     SetReverseDNS before it has completed.
//   - A server that does not exist is NotFound for both.
type RDNSDriver interface {
	SetReverseDNS(ctx context.Context, instanceID, ip, ptr string) (*Action, error)
	ReverseDNS(ctx context.Context, instanceID string) (map[string]string, error)
}

// ValidPTR reports whether ptr is a host name a PTR record may point at: a
// fully qualified name of at most 253 characters, of at least two labels
// of 1 to 63 letters, digits and hyphens each, no label starting or ending
// with a hyphen, the last not all digits. A final dot is not part of it.
func ValidPTR(ptr string) bool {
	if len(ptr) == 0 || len(ptr) > 253 {
		return false
	}
	labels := strings.Split(ptr, ".")
	if len(labels) < 2 {
		return false
	}
	for _, l := range labels {
		if len(l) == 0 || len(l) > 63 || l[0] == '-' || l[len(l)-1] == '-' {
			return false
		}
		for _, r := range l {
			if !(r >= 'a' && r <= 'z' || r >= 'A' && r <= 'Z' || r >= '0' && r <= '9' || r == '-') {
				return false
			}
		}
	}
	return strings.Trim(labels[len(labels)-1], "0123456789") != ""
}

// checkRDNS refuses a set_rdns request before any call.
func checkRDNS(op string, caps Capabilities, req ActionRequest) *Error {
	switch {
	case caps.RDNS == RDNSNone:
		return invalid(op, "type", "this provider cannot set reverse DNS")
	case !validIP(req.IP):
		return invalid(op, "ip", "set_rdns needs one of the server's public IP addresses")
	case !ValidPTR(req.PTR):
		return invalid(op, "ptr", "a PTR must be a fully qualified host name, such as mail.example.com")
	}
	return nil
}

func validIP(s string) bool {
	a, err := netip.ParseAddr(s)
	return err == nil && !a.Is4In6() && a.Zone() == ""
}

// SetReverseDNS sets the PTR of one of a server's public addresses: it is
// DoAction with ActionSetRDNS.
func (c *Client) SetReverseDNS(ctx context.Context, instanceID, ip, ptr string) (*Action, error) {
	return c.DoAction(ctx, instanceID, ActionRequest{Type: ActionSetRDNS, IP: ip, PTR: ptr})
}

// ReverseDNS returns the PTR of each public address of a server, by
// address. It is refused where the provider cannot set reverse DNS.
func (c *Client) ReverseDNS(ctx context.Context, instanceID string) (map[string]string, error) {
	const op = "ReverseDNS"
	if c.d.Capabilities().RDNS == RDNSNone {
		return nil, c.wrap(op, invalid(op, "type", "this provider cannot set reverse DNS"))
	}
	return retried(ctx, c, op, func(ctx context.Context) (map[string]string, error) { return c.d.ReverseDNS(ctx, instanceID) })
}

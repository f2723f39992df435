package cloud

import (
	"context"
	"net/netip"
	"slices"
	"strconv"
	"strings"
)

// A server's firewall, as Webrana keeps one: the inbound rules of one
// server, on the server's account, in a firewall of the provider's that
// Webrana owns (named FirewallName, so that it is found again after a lost
// answer); outbound traffic is always allowed. Inbound traffic matching no
// rule is dropped.

// Protocols of an InboundRule.
const (
	ProtocolTCP  = "tcp"
	ProtocolUDP  = "udp"
	ProtocolICMP = "icmp"
)

// InboundRule lets traffic of Protocol to Ports in from Sources.
type InboundRule struct {
	Protocol string // tcp, udp or icmp
	// Ports is one port ("22"), a range ("8000-8100"), or "" for every
	// port; always "" for icmp.
	Ports string
	// Sources are IPv4 and IPv6 CIDRs ("0.0.0.0/0", "::/0").
	Sources []string
}

// Firewall is the firewall Webrana keeps for one server.
type Firewall struct {
	ID         string // the provider's id
	InstanceID string
	Inbound    []InboundRule
}

// FirewallName is the name (DigitalOcean) or label (Linode) of the
// firewall Webrana keeps for the server instanceID: how it is told from
// the account's other firewalls and found again.
func FirewallName(instanceID string) string { return "webrana-fw-" + instanceID }

// FirewallDriver is the firewall part of Driver, for providers that
// declare Capabilities.Firewall.
//
// Contract (checked by cloudtest):
//   - SetFirewall makes the server's inbound rules exactly rules: it
//     finds the firewall named FirewallName(instanceID) on the account and
//     replaces its inbound rules (and attaches the server if it is not),
//     or creates it with the server attached. Asked again after a lost
//     answer, it finds the firewall it made and never makes a second one.
//     A server that does not exist is NotFound.
//   - GetFirewall returns the server's firewall with its inbound rules as
//     SetFirewall set them (sources in the order NormalizeRules gives);
//     NotFound when there is none.
//   - DeleteFirewall deletes it; NotFound when there is none. The server
//     itself need not exist any more.
type FirewallDriver interface {
	SetFirewall(ctx context.Context, instanceID string, rules []InboundRule) (*Firewall, error)
	GetFirewall(ctx context.Context, instanceID string) (*Firewall, error)
	DeleteFirewall(ctx context.Context, instanceID string) error
}

// NormalizeRules checks inbound rules and returns them in their one form
// (lower-case protocol, "80-80" as "80", masked CIDRs without repeats,
// IPv4 before IPv6), or InvalidArgument naming the rule's field
// ("inbound[1].ports").
func NormalizeRules(rules []InboundRule) ([]InboundRule, error) {
	out := make([]InboundRule, 0, len(rules))
	for i, r := range rules {
		f := "inbound[" + strconv.Itoa(i) + "]"
		n := InboundRule{Protocol: strings.ToLower(r.Protocol)}
		if !slices.Contains([]string{ProtocolTCP, ProtocolUDP, ProtocolICMP}, n.Protocol) {
			return nil, invalid("SetFirewall", f+".protocol", "protocol is tcp, udp or icmp")
		}
		lo, hi, ok := portRange(r.Ports)
		switch {
		case !ok:
			return nil, invalid("SetFirewall", f+".ports", "ports is a port or a range low-high within 1-65535")
		case lo != 0 && n.Protocol == ProtocolICMP:
			return nil, invalid("SetFirewall", f+".ports", "icmp takes no ports")
		case lo != 0 && lo == hi:
			n.Ports = strconv.Itoa(lo)
		case lo != 0:
			n.Ports = strconv.Itoa(lo) + "-" + strconv.Itoa(hi)
		}
		if len(r.Sources) == 0 {
			return nil, invalid("SetFirewall", f+".sources", "a rule needs a source")
		}
		var ps []netip.Prefix
		for _, s := range r.Sources {
			p, err := netip.ParsePrefix(s)
			if err != nil {
				return nil, invalid("SetFirewall", f+".sources", s+" is not a CIDR")
			}
			ps = append(ps, p.Masked())
		}
		slices.SortFunc(ps, func(a, b netip.Prefix) int {
			if c := a.Addr().Compare(b.Addr()); c != 0 {
				return c
			}
			return a.Bits() - b.Bits()
		})
		for _, p := range slices.Compact(ps) {
			n.Sources = append(n.Sources, p.String())
		}
		out = append(out, n)
	}
	return out, nil
}

// portRange parses "", "22" or "8000-8100": 0, 0 for every port.
func portRange(s string) (lo, hi int, ok bool) {
	if s == "" {
		return 0, 0, true
	}
	a, b, isRange := strings.Cut(s, "-")
	lo, err1 := strconv.Atoi(a)
	hi, err2 := lo, error(nil)
	if isRange {
		hi, err2 = strconv.Atoi(b)
	}
	return lo, hi, err1 == nil && err2 == nil && lo >= 1 && hi <= 65535 && lo <= hi
}

// SplitSources splits CIDRs into IPv4 and IPv6 ones, for providers that
// list them apart (Linode).
func SplitSources(sources []string) (v4, v6 []string) {
	for _, s := range sources {
		if p, err := netip.ParsePrefix(s); err == nil && p.Addr().Is4() {
			v4 = append(v4, s)
		} else {
			v6 = append(v6, s)
		}
	}
	return v4, v6
}

// refuseFirewall: a provider that declares no firewall is asked for none.
func (c *Client) refuseFirewall(op string) error {
	if !c.d.Capabilities().Firewall {
		return c.wrap(op, &Error{Code: InvalidArgument, Op: op, Message: c.d.Provider() + " firewalls are not supported"})
	}
	return nil
}

// SetFirewall makes the server's inbound rules exactly rules, creating
// Webrana's firewall for it the first time. Rules are checked and
// normalised first (NormalizeRules). It is idempotent (the driver finds
// its firewall by name before making one), so it is retried.
func (c *Client) SetFirewall(ctx context.Context, instanceID string, rules []InboundRule) (*Firewall, error) {
	const op = "SetFirewall"
	if err := c.refuseFirewall(op); err != nil {
		return nil, err
	}
	norm, err := NormalizeRules(rules)
	if err != nil {
		return nil, c.wrap(op, err)
	}
	return retried(ctx, c, op, func(ctx context.Context) (*Firewall, error) { return c.d.SetFirewall(ctx, instanceID, norm) })
}

// GetFirewall returns the server's firewall (NotFound when it has none),
// its rules normalised.
func (c *Client) GetFirewall(ctx context.Context, instanceID string) (*Firewall, error) {
	const op = "GetFirewall"
	if err := c.refuseFirewall(op); err != nil {
		return nil, err
	}
	fw, err := retried(ctx, c, op, func(ctx context.Context) (*Firewall, error) { return c.d.GetFirewall(ctx, instanceID) })
	if err != nil {
		return nil, err
	}
	if norm, nerr := NormalizeRules(fw.Inbound); nerr == nil {
		fw.Inbound = norm
	}
	return fw, nil
}

// DeleteFirewall removes the server's firewall; NotFound when it has none.
// Deleting is idempotent, so it is retried.
func (c *Client) DeleteFirewall(ctx context.Context, instanceID string) error {
	const op = "DeleteFirewall"
	if err := c.refuseFirewall(op); err != nil {
		return err
	}
	_, err := retried(ctx, c, op, func(ctx context.Context) (struct{}, error) {
		return struct{}{}, c.d.DeleteFirewall(ctx, instanceID)
	})
	return err
}

package webrana

import (
	"net/netip"
	"slices"
	"strconv"
	"strings"
	"time"
)

// Firewall protocols.
const (
	ProtocolTCP  = "tcp"
	ProtocolUDP  = "udp"
	ProtocolICMP = "icmp"
)

// Bounds of a server's firewall: what both providers accept, with room to
// spare (Linode takes up to 255 addresses in a rule, DigitalOcean 1,000).
const (
	MaxFirewallRules   = 20
	MaxFirewallSources = 20
)

// FirewallRule is one inbound rule of a server's firewall: traffic of
// Protocol to Ports ("22", "8000-8100"; "" for every port, and always ""
// for icmp) from any of Sources (IPv4 or IPv6 CIDRs) is let in. Outbound
// traffic is always allowed.
type FirewallRule struct {
	Protocol string   `json:"protocol"`
	Ports    string   `json:"ports"`
	Sources  []string `json:"sources"`
}

// Firewall states.
const (
	FirewallNone    = "none"    // Webrana keeps no firewall for the server: all inbound traffic reaches it
	FirewallPending = "pending" // the rules are not yet applied at the provider
	FirewallApplied = "applied" // the provider filters with these rules
)

// Firewall is a server's inbound rules as the customer set them, and
// whether the provider applies them yet.
type Firewall struct {
	InstanceID string         `json:"-"`
	Inbound    []FirewallRule `json:"inbound"`
	State      string         `json:"state"`
	UpdatedAt  *time.Time     `json:"updated_at,omitempty"`
	AppliedAt  *time.Time     `json:"applied_at,omitempty"`
	// ProviderFirewallID is the provider's id of the firewall Webrana
	// made for the server; "" before the first time it is applied.
	ProviderFirewallID string `json:"-"`
}

// CheckFirewallRules validates a server's inbound rules and returns them
// in their one form: protocol in lower case, "80-80" as "80", sources as
// masked CIDRs (a bare address as /32 or /128), without repeats, IPv4
// before IPv6. A bad rule is a field error naming it (inbound[2].ports).
func CheckFirewallRules(rules []FirewallRule) ([]FirewallRule, error) {
	if len(rules) > MaxFirewallRules {
		return nil, FieldError("inbound", "A firewall takes at most %d rules.", MaxFirewallRules)
	}
	out := make([]FirewallRule, 0, len(rules))
	for i, r := range rules {
		field := "inbound[" + strconv.Itoa(i) + "]"
		proto := strings.ToLower(strings.TrimSpace(r.Protocol))
		if !slices.Contains([]string{ProtocolTCP, ProtocolUDP, ProtocolICMP}, proto) {
			return nil, FieldError(field+".protocol", "Rule %d: the protocol is tcp, udp or icmp.", i+1)
		}
		ports, err := checkPorts(field, i, proto, strings.TrimSpace(r.Ports))
		if err != nil {
			return nil, err
		}
		sources, err := checkSources(field, i, r.Sources)
		if err != nil {
			return nil, err
		}
		out = append(out, FirewallRule{Protocol: proto, Ports: ports, Sources: sources})
	}
	return out, nil
}

// checkPorts: one port or a range low-high within 1–65535, low ≤ high;
// none for icmp; "" is every port.
func checkPorts(field string, i int, proto, ports string) (string, error) {
	if ports == "" {
		return "", nil
	}
	if proto == ProtocolICMP {
		return "", FieldError(field+".ports", "Rule %d: icmp has no ports; leave ports empty.", i+1)
	}
	lo, hi, isRange := strings.Cut(ports, "-")
	low, ok1 := port(lo)
	high, ok2 := low, true
	if isRange {
		high, ok2 = port(hi)
	}
	switch {
	case !ok1 || !ok2:
		return "", FieldError(field+".ports", "Rule %d: ports is one port (22) or a range (8000-8100), each 1 to 65535.", i+1)
	case low > high:
		return "", FieldError(field+".ports", "Rule %d: the range %s starts above its end.", i+1, ports)
	case low == high:
		return strconv.Itoa(low), nil
	}
	return strconv.Itoa(low) + "-" + strconv.Itoa(high), nil
}

func port(s string) (int, bool) {
	n, err := strconv.Atoi(strings.TrimSpace(s))
	return n, err == nil && n >= 1 && n <= 65535 && !strings.HasPrefix(strings.TrimSpace(s), "+")
}

// checkSources: at least one, at most MaxFirewallSources, each an IPv4 or
// IPv6 address or CIDR.
func checkSources(field string, i int, sources []string) ([]string, error) {
	if len(sources) == 0 {
		return nil, FieldError(field+".sources", "Rule %d: give at least one source (0.0.0.0/0 and ::/0 for anywhere).", i+1)
	}
	if len(sources) > MaxFirewallSources {
		return nil, FieldError(field+".sources", "Rule %d: at most %d sources.", i+1, MaxFirewallSources)
	}
	prefixes := make([]netip.Prefix, 0, len(sources))
	for j, s := range sources {
		p, ok := parseSource(strings.TrimSpace(s))
		if !ok {
			return nil, FieldError(field+".sources["+strconv.Itoa(j)+"]", "Rule %d: %q is not an IPv4 or IPv6 address or CIDR (203.0.113.0/24, 2001:db8::/32).", i+1, s)
		}
		prefixes = append(prefixes, p)
	}
	slices.SortFunc(prefixes, func(a, b netip.Prefix) int {
		if c := a.Addr().Compare(b.Addr()); c != 0 {
			return c
		}
		return a.Bits() - b.Bits()
	})
	prefixes = slices.Compact(prefixes)
	out := make([]string, len(prefixes))
	for j, p := range prefixes {
		out[j] = p.String()
	}
	return out, nil
}

func parseSource(s string) (netip.Prefix, bool) {
	if !strings.Contains(s, "/") {
		a, err := netip.ParseAddr(s)
		if err != nil || a.Zone() != "" {
			return netip.Prefix{}, false
		}
		return netip.PrefixFrom(a.Unmap(), a.Unmap().BitLen()), true
	}
	p, err := netip.ParsePrefix(s)
	if err != nil || p.Addr().Is4In6() {
		return netip.Prefix{}, false
	}
	return p.Masked(), true
}

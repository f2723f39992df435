package cloudsim

import (
	"encoding/json"
	"net/http"
	"net/netip"
	"strings"
)

// Linode's IP addresses and their reverse DNS: GET /v4/networking/ips/{address}
// shows one of the account's addresses, PUT sets its rdns ({"rdns"}
// required; null resets it: a public IPv4 to its default
// a-b-c-d.ip.linodeusercontent.com, an IPv6 address to none). An address
// that is not the account's is 404, as Linode answers. Linode also asks
// that the name resolve forward to the address first; the simulator has no
// DNS and checks only that it is a host name.

// linodeIPJSON is an IP address as the spec's get-ip and put-ip answer it.
type linodeIPJSON struct {
	Address    string  `json:"address"`
	Gateway    *string `json:"gateway"`
	LinodeID   int     `json:"linode_id"`
	Prefix     int     `json:"prefix"`
	Public     bool    `json:"public"`
	RDNS       *string `json:"rdns"`
	Region     string  `json:"region"`
	SubnetMask string  `json:"subnet_mask"`
	Type       string  `json:"type"`
	VPCNAT     *struct {
		Address string `json:"address"`
	} `json:"vpc_nat_1_1,omitempty"` // null for public addresses; the spec says null but does not allow it, so left out
}

// linodeAddress finds the account's Linode with the {address} path's
// public address, answering 404.
func (l *linode) linodeAddress(c *call) (*linodeInstance, string, bool) {
	addr, err := netip.ParseAddr(c.r.PathValue("address"))
	if err == nil {
		want := addr.String()
		for _, id := range linodeStateOf(c).ids {
			in := linodeStateOf(c).Instances[id]
			if want == in.IPv4[0] || want == strings.TrimSuffix(in.IPv6, "/128") {
				return in, want, true
			}
		}
	}
	l.writeError(c, http.StatusNotFound, "Not found")
	return nil, "", false
}

// ip is the address's JSON: IPv4 in a /24 with its .1 gateway, IPv6 SLAAC
// in a /64.
func (in *linodeInstance) ip(addr string) linodeIPJSON {
	out := linodeIPJSON{Address: addr, LinodeID: in.ID, Public: true, Region: in.Region}
	if rdns, ok := in.RDNS[addr]; ok {
		if rdns != "" {
			out.RDNS = &rdns
		}
	}
	if a := netip.MustParseAddr(addr); a.Is4() {
		b := a.As4()
		gw := netip.AddrFrom4([4]byte{b[0], b[1], b[2], 1}).String()
		out.Gateway, out.Prefix, out.SubnetMask, out.Type = &gw, 24, "255.255.255.0", "ipv4"
		if _, set := in.RDNS[addr]; !set {
			def := strings.ReplaceAll(addr, ".", "-") + ".ip.linodeusercontent.com"
			out.RDNS = &def
		}
	} else {
		gw := "fe80::1"
		out.Gateway, out.Prefix, out.SubnetMask, out.Type = &gw, 64, "ffff:ffff:ffff:ffff::", "ipv6"
	}
	return out
}

func (l *linode) getIP(c *call) {
	if in, addr, ok := l.linodeAddress(c); ok {
		writeLinodeJSON(c, http.StatusOK, in.ip(addr))
	}
}

func (l *linode) putIP(c *call) {
	in, addr, ok := l.linodeAddress(c)
	if !ok {
		return
	}
	var req map[string]json.RawMessage
	if !decodeLinodeBody(c, &req) {
		return
	}
	var errs linodeErrs
	raw, given := req["rdns"]
	var rdns *string
	for k := range req {
		if k != "rdns" {
			errs.add(k, "Unknown field")
		}
	}
	switch {
	case !given:
		errs.add("rdns", "rdns is required")
	case json.Unmarshal(raw, &rdns) != nil:
		errs.add("rdns", "Must be a string")
	case rdns != nil && !linodeHostname(*rdns):
		errs.add("rdns", "Must be a valid domain name")
	}
	if len(errs) > 0 {
		writeLinodeErrors(c, http.StatusBadRequest, errs)
		return
	}
	if in.RDNS == nil {
		in.RDNS = map[string]string{}
	}
	if rdns == nil {
		delete(in.RDNS, addr) // back to the default
		if netip.MustParseAddr(addr).Is6() {
			in.RDNS[addr] = ""
		}
	} else {
		in.RDNS[addr] = strings.ToLower(*rdns)
	}
	in.Updated = c.now
	writeLinodeJSON(c, http.StatusOK, in.ip(addr))
}

// linodeHostname: a fully qualified name, labels of letters, digits and
// hyphens not at either end, at most 253 characters.
func linodeHostname(s string) bool {
	labels := strings.Split(s, ".")
	if len(s) > 253 || len(labels) < 2 {
		return false
	}
	for _, l := range labels {
		if l == "" || len(l) > 63 || l[0] == '-' || l[len(l)-1] == '-' ||
			strings.IndexFunc(l, func(r rune) bool {
				return !(r >= 'a' && r <= 'z' || r >= 'A' && r <= 'Z' || r >= '0' && r <= '9' || r == '-')
			}) >= 0 {
			return false
		}
	}
	return true
}

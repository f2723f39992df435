package webrana_test

import (
	"reflect"
	"testing"

	"github.com/webrana/webrana"
)

func TestCheckFirewallRules(t *testing.T) {
	rule := func(proto, ports string, sources ...string) webrana.FirewallRule {
		return webrana.FirewallRule{Protocol: proto, Ports: ports, Sources: sources}
	}
	for _, c := range []struct {
		name  string
		in    []webrana.FirewallRule
		want  []webrana.FirewallRule
		field string
	}{
		{"normalised", []webrana.FirewallRule{rule(" TCP ", "80-80", "::/0", "10.1.2.3/8", "0.0.0.0/0", "10.0.0.0/8"),
			rule("udp", " 8000-8100 ", "2001:DB8::1"), rule("icmp", "", "192.0.2.7")},
			[]webrana.FirewallRule{rule("tcp", "80", "0.0.0.0/0", "10.0.0.0/8", "::/0"),
				rule("udp", "8000-8100", "2001:db8::1/128"), rule("icmp", "", "192.0.2.7/32")}, ""},
		{"every port", []webrana.FirewallRule{rule("tcp", "", "0.0.0.0/0")}, []webrana.FirewallRule{rule("tcp", "", "0.0.0.0/0")}, ""},
		{"none at all", []webrana.FirewallRule{}, []webrana.FirewallRule{}, ""},
		{"protocol", []webrana.FirewallRule{rule("tcp", "1", "::/0"), rule("gre", "", "::/0")}, nil, "inbound[1].protocol"},
		{"port 0", []webrana.FirewallRule{rule("tcp", "0", "::/0")}, nil, "inbound[0].ports"},
		{"port 65536", []webrana.FirewallRule{rule("tcp", "1-65536", "::/0")}, nil, "inbound[0].ports"},
		{"signed port", []webrana.FirewallRule{rule("tcp", "+22", "::/0")}, nil, "inbound[0].ports"},
		{"list of ports", []webrana.FirewallRule{rule("tcp", "22,80", "::/0")}, nil, "inbound[0].ports"},
		{"backwards", []webrana.FirewallRule{rule("udp", "9-8", "::/0")}, nil, "inbound[0].ports"},
		{"icmp ports", []webrana.FirewallRule{rule("icmp", "8", "::/0")}, nil, "inbound[0].ports"},
		{"no source", []webrana.FirewallRule{rule("tcp", "22")}, nil, "inbound[0].sources"},
		{"bad source", []webrana.FirewallRule{rule("tcp", "22", "::/0", "example.com")}, nil, "inbound[0].sources[1]"},
		{"zone", []webrana.FirewallRule{rule("tcp", "22", "fe80::1%eth0")}, nil, "inbound[0].sources[0]"},
		{"mapped", []webrana.FirewallRule{rule("tcp", "22", "::ffff:10.0.0.0/104")}, nil, "inbound[0].sources[0]"},
		{"too many", make([]webrana.FirewallRule, webrana.MaxFirewallRules+1), nil, "inbound"},
	} {
		t.Run(c.name, func(t *testing.T) {
			got, err := webrana.CheckFirewallRules(c.in)
			if c.field != "" {
				if webrana.ErrorCode(err) != webrana.EINVALID || webrana.ErrorField(err) != c.field {
					t.Fatalf("error %v (field %q), want invalid %s", err, webrana.ErrorField(err), c.field)
				}
				return
			}
			if err != nil || !reflect.DeepEqual(got, c.want) {
				t.Fatalf("got %+v, %v; want %+v", got, err, c.want)
			}
		})
	}
}

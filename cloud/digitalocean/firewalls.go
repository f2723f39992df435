package digitalocean

import (
	"context"

	"github.com/digitalocean/godo"

	"github.com/webrana/webrana/cloud"
)

// A server's firewall is a Cloud Firewall named cloud.FirewallName of the
// droplet, with the droplet in droplet_ids, the inbound rules asked and
// every outbound protocol allowed anywhere. DigitalOcean writes "every
// port" as "0" (and icmp's ports as "0"), which reads back as "".

// everywhere is every IPv4 and IPv6 address.
var everywhere = []string{"0.0.0.0/0", "::/0"}

// outboundAll lets every outbound packet out.
var outboundAll = []godo.OutboundRule{
	{Protocol: "tcp", PortRange: "0", Destinations: &godo.Destinations{Addresses: everywhere}},
	{Protocol: "udp", PortRange: "0", Destinations: &godo.Destinations{Addresses: everywhere}},
	{Protocol: "icmp", PortRange: "0", Destinations: &godo.Destinations{Addresses: everywhere}},
}

// SetFirewall replaces the rules of the droplet's firewall, or creates it.
func (d *Driver) SetFirewall(ctx context.Context, instanceID string, rules []cloud.InboundRule) (*cloud.Firewall, error) {
	id, err := dropletID(instanceID)
	if err != nil {
		return nil, err
	}
	if _, _, err := d.c.Droplets.Get(ctx, id); err != nil {
		return nil, err
	}
	req := &godo.FirewallRequest{Name: cloud.FirewallName(instanceID), InboundRules: inboundRules(rules),
		OutboundRules: outboundAll, DropletIDs: []int{id}, Tags: []string{}}
	found, err := d.findFirewall(ctx, instanceID)
	if err != nil {
		return nil, err
	}
	var fw *godo.Firewall
	if found == nil {
		fw, _, err = d.c.Firewalls.Create(ctx, req)
	} else {
		fw, _, err = d.c.Firewalls.Update(ctx, found.ID, req)
	}
	if err != nil {
		return nil, err
	}
	return firewall(instanceID, fw), nil
}

// GetFirewall returns the droplet's firewall.
func (d *Driver) GetFirewall(ctx context.Context, instanceID string) (*cloud.Firewall, error) {
	fw, err := d.findFirewall(ctx, instanceID)
	if err != nil {
		return nil, err
	}
	if fw == nil {
		return nil, noFirewall(instanceID)
	}
	return firewall(instanceID, fw), nil
}

// DeleteFirewall deletes the droplet's firewall.
func (d *Driver) DeleteFirewall(ctx context.Context, instanceID string) error {
	fw, err := d.findFirewall(ctx, instanceID)
	if err != nil {
		return err
	}
	if fw == nil {
		return noFirewall(instanceID)
	}
	_, err = d.c.Firewalls.Delete(ctx, fw.ID)
	return err
}

func noFirewall(instanceID string) error {
	return &cloud.Error{Code: cloud.NotFound, Message: "droplet " + instanceID + " has no firewall of Webrana's"}
}

// findFirewall looks the droplet's firewall up by name among every page of
// the account's firewalls; nil when there is none.
func (d *Driver) findFirewall(ctx context.Context, instanceID string) (*godo.Firewall, error) {
	all, err := listAll(ctx, d.c.Firewalls.List)
	if err != nil {
		return nil, err
	}
	for i := range all {
		if all[i].Name == cloud.FirewallName(instanceID) {
			return &all[i], nil
		}
	}
	return nil, nil
}

func inboundRules(rules []cloud.InboundRule) []godo.InboundRule {
	out := make([]godo.InboundRule, 0, len(rules))
	for _, r := range rules {
		ports := r.Ports
		if ports == "" { // every port; icmp has none, which the API writes "0" too
			ports = "0"
		}
		out = append(out, godo.InboundRule{Protocol: r.Protocol, PortRange: ports, Sources: &godo.Sources{Addresses: r.Sources}})
	}
	return out
}

func firewall(instanceID string, fw *godo.Firewall) *cloud.Firewall {
	out := &cloud.Firewall{ID: fw.ID, InstanceID: instanceID, Inbound: []cloud.InboundRule{}}
	for _, r := range fw.InboundRules {
		in := cloud.InboundRule{Protocol: r.Protocol, Ports: r.PortRange}
		if in.Ports == "0" || in.Ports == "all" || r.Protocol == cloud.ProtocolICMP {
			in.Ports = ""
		}
		if r.Sources != nil {
			in.Sources = r.Sources.Addresses
		}
		out.Inbound = append(out.Inbound, in)
	}
	return out
}

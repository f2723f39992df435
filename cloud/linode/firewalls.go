package linode

import (
	"context"
	"encoding/json"
	"fmt"
	"strings"

	"github.com/linode/linodego"

	"github.com/webrana/webrana/cloud"
)

// A server's firewall is a Cloud Firewall labelled cloud.FirewallName of
// the Linode (and tagged "webrana"), with the Linode as its device,
// inbound_policy DROP with an ACCEPT rule for each inbound rule, and
// outbound_policy ACCEPT without rules. Linode lists a rule's IPv4 and
// IPv6 sources apart; they read back IPv4 first.

// firewallTag marks the firewalls Webrana made, for an operator looking
// at the account.
const firewallTag = "webrana"

// SetFirewall replaces the rules of the Linode's firewall (attaching the
// Linode if it is not), or creates it with the Linode attached.
func (d *Driver) SetFirewall(ctx context.Context, instanceID string, rules []cloud.InboundRule) (*cloud.Firewall, error) {
	id, err := linodeID(instanceID)
	if err != nil {
		return nil, err
	}
	if _, err := d.c.GetInstance(ctx, id); err != nil {
		return nil, err
	}
	set := ruleSet(rules)
	found, err := d.findFirewall(ctx, instanceID)
	if err != nil {
		return nil, err
	}
	if found == nil {
		fw, err := d.c.CreateFirewall(ctx, linodego.FirewallCreateOptions{Label: cloud.FirewallName(instanceID), Rules: set,
			Tags: []string{firewallTag}, Devices: linodego.DevicesCreationOptions{Linodes: []int{id}}})
		if err != nil {
			return nil, err
		}
		return firewall(instanceID, fw.ID, fw.Rules), nil
	}
	got, err := d.c.UpdateFirewallRules(ctx, found.ID, set)
	if err != nil {
		return nil, err
	}
	if err := d.attach(ctx, found.ID, id); err != nil {
		return nil, err
	}
	return firewall(instanceID, found.ID, *got), nil
}

// attach makes the Linode a device of the firewall unless it is one.
func (d *Driver) attach(ctx context.Context, firewallID, linodeID int) error {
	devices, err := d.c.ListFirewallDevices(ctx, firewallID, nil)
	if err != nil {
		return err
	}
	for _, dev := range devices {
		if dev.Entity.Type == linodego.FirewallDeviceLinode && dev.Entity.ID == linodeID {
			return nil
		}
	}
	_, err = d.c.CreateFirewallDevice(ctx, firewallID, linodego.FirewallDeviceCreateOptions{ID: linodeID, Type: linodego.FirewallDeviceLinode})
	return err
}

// GetFirewall returns the Linode's firewall.
func (d *Driver) GetFirewall(ctx context.Context, instanceID string) (*cloud.Firewall, error) {
	fw, err := d.findFirewall(ctx, instanceID)
	if err != nil {
		return nil, err
	}
	if fw == nil {
		return nil, noFirewall(instanceID)
	}
	return firewall(instanceID, fw.ID, fw.Rules), nil
}

// DeleteFirewall deletes the Linode's firewall.
func (d *Driver) DeleteFirewall(ctx context.Context, instanceID string) error {
	fw, err := d.findFirewall(ctx, instanceID)
	if err != nil {
		return err
	}
	if fw == nil {
		return noFirewall(instanceID)
	}
	return d.c.DeleteFirewall(ctx, fw.ID)
}

func noFirewall(instanceID string) error {
	return &cloud.Error{Code: cloud.NotFound, Message: "Linode " + instanceID + " has no firewall of Webrana's"}
}

// findFirewall looks the Linode's firewall up by its label; nil when there
// is none.
func (d *Driver) findFirewall(ctx context.Context, instanceID string) (*linodego.Firewall, error) {
	f, err := json.Marshal(map[string]string{"label": cloud.FirewallName(instanceID)})
	if err != nil {
		return nil, err
	}
	list, err := d.c.ListFirewalls(ctx, &linodego.ListOptions{PageSize: 500, Filter: string(f)})
	if err != nil {
		return nil, err
	}
	for i := range list {
		if list[i].Label == cloud.FirewallName(instanceID) {
			return &list[i], nil
		}
	}
	return nil, nil
}

func ruleSet(rules []cloud.InboundRule) linodego.FirewallRuleSet {
	set := linodego.FirewallRuleSet{InboundPolicy: "DROP", OutboundPolicy: "ACCEPT",
		Inbound: make([]linodego.FirewallRule, 0, len(rules)), Outbound: []linodego.FirewallRule{}}
	for i, r := range rules {
		rule := linodego.FirewallRule{Action: "ACCEPT", Label: fmt.Sprintf("webrana-%d", i+1), Ports: r.Ports,
			Protocol: linodego.NetworkProtocol(strings.ToUpper(r.Protocol))}
		v4, v6 := cloud.SplitSources(r.Sources)
		if len(v4) > 0 {
			rule.Addresses.IPv4 = &v4
		}
		if len(v6) > 0 {
			rule.Addresses.IPv6 = &v6
		}
		set.Inbound = append(set.Inbound, rule)
	}
	return set
}

func firewall(instanceID string, id int, set linodego.FirewallRuleSet) *cloud.Firewall {
	out := &cloud.Firewall{ID: fmt.Sprint(id), InstanceID: instanceID, Inbound: []cloud.InboundRule{}}
	for _, r := range set.Inbound {
		in := cloud.InboundRule{Protocol: strings.ToLower(string(r.Protocol)), Ports: r.Ports}
		if r.Addresses.IPv4 != nil {
			in.Sources = append(in.Sources, *r.Addresses.IPv4...)
		}
		if r.Addresses.IPv6 != nil {
			in.Sources = append(in.Sources, *r.Addresses.IPv6...)
		}
		out.Inbound = append(out.Inbound, in)
	}
	return out
}

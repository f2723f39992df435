package linode

import (
	"context"
	"strings"
	"time"

	"github.com/linode/linodego"

	"github.com/webrana/webrana/cloud"
)

// Linode sets each address's reverse DNS on its own (PUT
// /networking/ips/{address} {"rdns"}), at once: the action is complete
// when Linode accepts it, and Linode records no event of the Linode for it
// (its id names its type and the Linode, as for a rename).

// publicAddresses are a Linode's public IPv4 addresses and its SLAAC IPv6
// address, as Instance reports them.
func publicAddresses(in *linodego.Instance) []string {
	var out []string
	for _, ip := range in.IPv4 {
		if ip != nil && !ip.IsPrivate() {
			out = append(out, ip.String())
		}
	}
	if in.IPv6 != "" {
		out = append(out, strings.TrimSuffix(in.IPv6, "/128"))
	}
	return out
}

// SetReverseDNS sets the PTR of one of the Linode's public addresses.
func (d *Driver) SetReverseDNS(ctx context.Context, instanceID, ip, ptr string) (*cloud.Action, error) {
	in, err := d.get(ctx, instanceID)
	if err != nil {
		return nil, err
	}
	found := false
	for _, a := range publicAddresses(in) {
		found = found || a == ip
	}
	if !found {
		return nil, &cloud.Error{Code: cloud.InvalidArgument, Field: "ip", Message: ip + " is not a public address of this Linode"}
	}
	rdns := &ptr
	if _, err := d.c.UpdateIPAddressV2(ctx, ip, linodego.IPAddressUpdateOptionsV2{RDNS: &rdns}); err != nil {
		return nil, err
	}
	return &cloud.Action{ID: string(cloud.ActionSetRDNS) + ":" + instanceID, Type: cloud.ActionSetRDNS,
		Status: cloud.ActionCompleted, StartedAt: time.Now().UTC()}, nil
}

// ReverseDNS reads the PTR of each of the Linode's public addresses.
func (d *Driver) ReverseDNS(ctx context.Context, instanceID string) (map[string]string, error) {
	in, err := d.get(ctx, instanceID)
	if err != nil {
		return nil, err
	}
	out := map[string]string{}
	for _, a := range publicAddresses(in) {
		ip, err := d.c.GetIPAddress(ctx, a)
		if err != nil {
			return nil, err
		}
		out[a] = ip.RDNS
	}
	return out, nil
}

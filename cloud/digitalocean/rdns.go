package digitalocean

import (
	"context"

	"github.com/webrana/webrana/cloud"
)

// DigitalOcean has no reverse DNS API: the PTR of a droplet's public
// addresses is its name (when the name is a fully qualified domain). So
// SetReverseDNS renames the droplet to the PTR, and both its IPv4 and IPv6
// PTRs change together (cloud.RDNSServerName). The rename is a droplet
// action, listed as a rename (ListedAs).

// SetReverseDNS renames the droplet to ptr, after checking that ip is one
// of its public addresses.
func (d *Driver) SetReverseDNS(ctx context.Context, instanceID, ip, ptr string) (*cloud.Action, error) {
	in, err := d.GetInstance(ctx, instanceID)
	if err != nil {
		return nil, err
	}
	if ip != in.IPv4 && ip != in.IPv6 {
		return nil, &cloud.Error{Code: cloud.InvalidArgument, Field: "ip", Message: ip + " is not a public address of this droplet"}
	}
	n, err := dropletID(instanceID)
	if err != nil {
		return nil, err
	}
	a, _, err := d.c.DropletActions.Rename(ctx, n, ptr)
	if err != nil {
		return nil, err
	}
	return action(a, cloud.ActionSetRDNS), nil
}

// ReverseDNS is the droplet's name for each of its public addresses.
func (d *Driver) ReverseDNS(ctx context.Context, instanceID string) (map[string]string, error) {
	in, err := d.GetInstance(ctx, instanceID)
	if err != nil {
		return nil, err
	}
	out := map[string]string{}
	for _, ip := range []string{in.IPv4, in.IPv6} {
		if ip != "" {
			out[ip] = in.Name
		}
	}
	return out, nil
}

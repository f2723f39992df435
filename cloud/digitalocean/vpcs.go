package digitalocean

import (
	"context"

	"github.com/digitalocean/godo"

	"github.com/webrana/webrana/cloud"
)

// CreateVPC creates a VPC (POST /v2/vpcs).
func (d *Driver) CreateVPC(ctx context.Context, req cloud.VPCRequest) (*cloud.VPC, error) {
	v, _, err := d.c.VPCs.Create(ctx, &godo.VPCCreateRequest{Name: req.Name, RegionSlug: req.Region, Description: req.Description})
	if err != nil {
		return nil, err
	}
	return vpc(v), nil
}

// ListVPCs returns every VPC of the account, every page.
func (d *Driver) ListVPCs(ctx context.Context) ([]*cloud.VPC, error) {
	list, err := listAll(ctx, func(ctx context.Context, lo *godo.ListOptions) ([]*godo.VPC, *godo.Response, error) {
		return d.c.VPCs.List(ctx, lo)
	})
	if err != nil {
		return nil, err
	}
	out := make([]*cloud.VPC, 0, len(list))
	for _, v := range list {
		out = append(out, vpc(v))
	}
	return out, nil
}

// DeleteVPC deletes a VPC; DigitalOcean refuses one with members, and a
// region's default.
func (d *Driver) DeleteVPC(ctx context.Context, id string) error {
	_, err := d.c.VPCs.Delete(ctx, id)
	return err
}

func vpc(v *godo.VPC) *cloud.VPC {
	return &cloud.VPC{ID: v.ID, Name: v.Name, Description: v.Description, Region: v.RegionSlug, IPRange: v.IPRange,
		Default: v.Default, CreatedAt: v.CreatedAt}
}

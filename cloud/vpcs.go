package cloud

import (
	"context"
	"regexp"
	"time"
)

// VPC is a private network of an account, in one region, that servers are
// created in (CreateRequest.VPCUUID).
type VPC struct {
	ID          string // the provider's id (DigitalOcean: a UUID)
	Name        string
	Description string
	Region      string
	IPRange     string // the private range, such as 10.110.0.0/20
	Default     bool   // the region's default VPC, which cannot be deleted
	CreatedAt   time.Time
}

// VPCRequest is a VPC to create.
type VPCRequest struct {
	Name        string // unique on the account (VPCNamePattern)
	Region      string
	Description string
}

// VPCDriver is the VPC part of Driver, for providers whose Capabilities
// declare VPC.
//
// Contract (checked by cloudtest where VPC is declared):
//   - CreateVPC creates a VPC in the region and returns it with its ID, by
//     which ListVPCs lists it and CreateInstance accepts it (VPCUUID) for a
//     server in that region. A name the account already has is
//     InvalidArgument or Conflict.
//   - ListVPCs returns every VPC of the account (every page), the region
//     defaults too.
//   - DeleteVPC deletes a VPC without servers; one that has servers is
//     refused (Conflict or InvalidArgument) and stays; one that does not
//     exist is NotFound.
type VPCDriver interface {
	CreateVPC(ctx context.Context, req VPCRequest) (*VPC, error)
	ListVPCs(ctx context.Context) ([]*VPC, error)
	DeleteVPC(ctx context.Context, id string) error
}

// VPCNamePattern is what a VPC name may be: letters, digits, hyphens and
// periods, 1 to 64 of them (DigitalOcean's rule).
var VPCNamePattern = regexp.MustCompile(`^[A-Za-z0-9.-]{1,64}$`)

func (c *Client) refuseVPC(op string) error {
	if !c.d.Capabilities().VPC {
		return c.wrap(op, invalid(op, "vpc", "this provider has no VPCs"))
	}
	return nil
}

// CreateVPC creates a VPC. It is not retried: on an error that leaves the
// outcome unknown, list the VPCs and look for its name before trying again.
func (c *Client) CreateVPC(ctx context.Context, req VPCRequest) (*VPC, error) {
	const op = "CreateVPC"
	if err := c.refuseVPC(op); err != nil {
		return nil, err
	}
	switch {
	case !VPCNamePattern.MatchString(req.Name):
		return nil, c.wrap(op, invalid(op, "name", "a VPC name is 1 to 64 letters, digits, hyphens and periods"))
	case req.Region == "":
		return nil, c.wrap(op, invalid(op, "region", "a region is required"))
	case len(req.Description) > 255:
		return nil, c.wrap(op, invalid(op, "description", "a description is at most 255 characters"))
	}
	return once(ctx, c, op, func(ctx context.Context) (*VPC, error) { return c.d.CreateVPC(ctx, req) })
}

// ListVPCs returns every VPC of the account.
func (c *Client) ListVPCs(ctx context.Context) ([]*VPC, error) {
	if err := c.refuseVPC("ListVPCs"); err != nil {
		return nil, err
	}
	return retried(ctx, c, "ListVPCs", c.d.ListVPCs)
}

// DeleteVPC deletes a VPC without servers. Deleting is idempotent, so it is
// retried; a VPC already gone is NotFound.
func (c *Client) DeleteVPC(ctx context.Context, id string) error {
	if err := c.refuseVPC("DeleteVPC"); err != nil {
		return err
	}
	_, err := retried(ctx, c, "DeleteVPC", func(ctx context.Context) (struct{}, error) { return struct{}{}, c.d.DeleteVPC(ctx, id) })
	return err
}

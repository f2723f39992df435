package linode

import (
	"context"

	"github.com/webrana/webrana/cloud"
)

// Linode's VPCs are not offered through Webrana yet (Capabilities.VPC is
// false), so the Client refuses these before they reach the driver.

var errNoVPCs = &cloud.Error{Code: cloud.InvalidArgument, Field: "vpc", Message: "VPCs on Linode are not offered"}

// CreateVPC is refused: see Capabilities.VPC.
func (d *Driver) CreateVPC(context.Context, cloud.VPCRequest) (*cloud.VPC, error) {
	return nil, errNoVPCs
}

// ListVPCs is refused: see Capabilities.VPC.
func (d *Driver) ListVPCs(context.Context) ([]*cloud.VPC, error) { return nil, errNoVPCs }

// DeleteVPC is refused: see Capabilities.VPC.
func (d *Driver) DeleteVPC(context.Context, string) error { return errNoVPCs }

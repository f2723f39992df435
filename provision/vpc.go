package provision

import (
	"context"

	"github.com/webrana/webrana"
)

// An order's vpc_uuid must name one of the customer's own VPCs (package
// vpcs), in the order's region and of its provider; another customer's, or
// one Webrana does not know, is refused alike ("not one of your VPCs"),
// never telling whether it exists. The server is placed on the VPC's
// account: the order is refused while that account cannot take a server
// (inactive, unhealthy or full), and a reservation considers that account
// only (store.ReserveRequest.AccountID), holding the order when it fills
// up meanwhile.

// checkVPC checks the order's VPC and returns it (nil without one).
func (s *Service) checkVPC(ctx context.Context, owner *webrana.User, provider webrana.ProviderType, req *Request) (*webrana.VPC, error) {
	if req.VPCUUID == "" {
		return nil, nil
	}
	v, err := s.db.VPCByUUID(ctx, owner.ID, req.VPCUUID)
	if webrana.ErrorCode(err) == webrana.ENOTFOUND || (err == nil && v.ProviderType != provider) {
		return nil, webrana.FieldError("vpc_uuid", "%s is not one of your VPCs.", req.VPCUUID)
	}
	if err != nil {
		return nil, err
	}
	if v.Region != req.Region {
		return nil, webrana.FieldError("vpc_uuid", "VPC %s is in %s; a server in it must be in %s too.", v.Name, v.Region, v.Region)
	}
	acc, err := s.db.AccountByID(ctx, v.AccountID)
	if err != nil {
		return nil, err
	}
	usable := acc.IsActive && (acc.Health == webrana.HealthHealthy || acc.Health == webrana.HealthUnknown)
	if !usable || acc.Active+acc.Reserved >= acc.Limit {
		return nil, webrana.FieldError("vpc_uuid", "VPC %s is on a provider account that cannot take another server right now "+
			"(servers in a VPC go on its account); try again later or order without it.", v.Name)
	}
	return v, nil
}

// pinnedAccount is the account the order's server must go on: its VPC's,
// or "" (any). A VPC no longer recorded (an order placed before VPCs were
// owned) pins nothing.
func pinnedAccount(ctx context.Context, db interface {
	VPCByUUID(ctx context.Context, ownerID, uuid string) (*webrana.VPC, error)
}, in *webrana.Instance) (string, error) {
	if in.Options.VPCUUID == "" {
		return "", nil
	}
	v, err := db.VPCByUUID(ctx, in.OwnerID, in.Options.VPCUUID)
	switch webrana.ErrorCode(err) {
	case "":
		return v.AccountID, nil
	case webrana.ENOTFOUND:
		return "", nil
	}
	return "", err
}

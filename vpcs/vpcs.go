// Package vpcs owns customers' VPCs (issue 19): a customer creates one, on
// an account of the pool chosen as a placement is, or the operator assigns
// them one that exists at the provider already; a customer lists theirs
// and deletes one no server uses. An order's vpc_uuid must name one of the
// customer's own (provision checks it with Owned), and its server is placed
// on that VPC's account.
package vpcs

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"strings"

	"github.com/google/uuid"

	"github.com/webrana/webrana"
	"github.com/webrana/webrana/cloud"
	"github.com/webrana/webrana/clouderr"
	"github.com/webrana/webrana/pool"
	"github.com/webrana/webrana/providers"
	"github.com/webrana/webrana/store"
)

// Store is what Service needs of the database.
type Store interface {
	AccountByID(ctx context.Context, id string) (*webrana.Account, error)
	UserByID(ctx context.Context, id string) (*webrana.User, error)
	VPCAccount(ctx context.Context, provider webrana.ProviderType) (*webrana.Account, error)
	CreateVPC(ctx context.Context, v *webrana.VPC, also ...func(*store.Tx) error) error
	VPCByID(ctx context.Context, ownerID, id string) (*webrana.VPC, error)
	VPCByUUID(ctx context.Context, ownerID, uuid string) (*webrana.VPC, error)
	ListVPCs(ctx context.Context, ownerID string) ([]*webrana.VPC, error)
	VPCServers(ctx context.Context, uuid string) (int, error)
	DeleteVPC(ctx context.Context, ownerID, id string, also ...func(*store.Tx) error) error
}

var _ Store = (*store.DB)(nil)

// Service manages customers' VPCs.
type Service struct {
	db   Store
	pool *pool.Service
}

// New returns the VPC service over db, reaching providers through pool. It
// has no optional settings.
func New(db Store, pool *pool.Service) *Service { return &Service{db: db, pool: pool} }

// Request is a VPC a customer asks for (POST /api/vpcs).
type Request struct {
	Name     string               `json:"name"`
	Region   string               `json:"region"`
	Provider webrana.ProviderType `json:"provider"` // default: the first provider with VPCs
}

// Create makes a VPC at the provider for the customer, on the account a
// placement would choose, and records it with its audit ("vpc.created").
// Servers ordered into it are placed on that account.
func (s *Service) Create(ctx context.Context, by webrana.Actor, req Request) (*webrana.VPC, error) {
	name := strings.TrimSpace(req.Name)
	if !cloud.VPCNamePattern.MatchString(name) {
		return nil, webrana.FieldError("name", "A VPC's name is 1 to 64 letters, digits, hyphens and periods.")
	}
	provider, err := vpcProvider(req.Provider)
	if err != nil {
		return nil, err
	}
	if strings.TrimSpace(req.Region) == "" {
		return nil, webrana.FieldError("region", "Choose the region of the VPC: its servers must be in the same region.")
	}
	acc, err := s.db.VPCAccount(ctx, provider)
	if err == webrana.ErrAllAccountsFull {
		return nil, webrana.Errorf(webrana.EUNAVAILABLE, "No %s account has room for new servers right now; try again later.", providers.Of(provider).Name)
	}
	if err != nil {
		return nil, err
	}
	c, err := s.pool.Client(ctx, acc)
	if err != nil {
		return nil, err
	}
	v := &webrana.VPC{ID: uuid.NewString(), OwnerID: by.UserID(), ProviderType: provider, AccountID: acc.ID, Region: req.Region,
		Name: name, Origin: webrana.VPCCreated}
	pv, err := s.createAt(ctx, c, cloud.VPCRequest{Name: "webrana-" + v.ID[:8], Region: req.Region,
		Description: "Webrana: " + name + " of customer " + v.OwnerID})
	if err != nil {
		return nil, err
	}
	v.UUID, v.IPRange = pv.ID, pv.IPRange
	if err := s.db.CreateVPC(ctx, v, audit(ctx, by.Entry("vpc.created", "vpc", v.ID, name+" "+pv.ID))); err != nil {
		return nil, fmt.Errorf("record VPC %s: %w", pv.ID, err)
	}
	return v, nil
}

// createAt creates the VPC at the provider once; when the answer is lost,
// the VPC is looked for by its name (unique on the account) rather than
// made again.
func (s *Service) createAt(ctx context.Context, c *cloud.Client, req cloud.VPCRequest) (*cloud.VPC, error) {
	pv, err := c.CreateVPC(ctx, req)
	switch code := cloud.Code(err); {
	case err == nil:
		return pv, nil
	case code == cloud.Unavailable || code == cloud.Unknown:
		list, lerr := c.ListVPCs(ctx)
		if lerr == nil {
			if i := slices.IndexFunc(list, func(v *cloud.VPC) bool { return v.Name == req.Name }); i >= 0 {
				return list[i], nil
			}
		}
	case code == cloud.InvalidArgument:
		var ce *cloud.Error
		field := ""
		if errors.As(err, &ce) {
			field = ce.Field
		}
		if field != "region" && field != "name" {
			field = "region" // the provider's refusals of a create are of its region
		}
		return nil, webrana.FieldError(field, "%s", clouderr.Message(err))
	}
	return nil, err
}

// vpcProvider is the provider a VPC is asked of: the one given, which must
// have VPCs, or the first that has.
func vpcProvider(p webrana.ProviderType) (webrana.ProviderType, error) {
	if p == "" {
		for _, reg := range providers.All() {
			if reg.Capabilities.VPC {
				return webrana.ProviderType(reg.Type), nil
			}
		}
	}
	if reg, ok := providers.Lookup(p); ok && reg.Capabilities.VPC {
		return p, nil
	}
	return "", webrana.FieldError("provider", "VPCs are offered on %s only.", providers.NamesWith(func(c cloud.Capabilities) bool { return c.VPC }))
}

// List is the customer's VPCs, oldest first.
func (s *Service) List(ctx context.Context, owner *webrana.User) ([]*webrana.VPC, error) {
	return s.db.ListVPCs(ctx, owner.ID)
}

// Get is the customer's VPC; another's is not found.
func (s *Service) Get(ctx context.Context, owner *webrana.User, id string) (*webrana.VPC, error) {
	return s.db.VPCByID(ctx, owner.ID, id)
}

// Delete removes the customer's VPC: one Webrana created is deleted at the
// provider, one the operator assigned is only taken back (it was there
// before). A VPC servers use is refused.
func (s *Service) Delete(ctx context.Context, by webrana.Actor, owner *webrana.User, id string) error {
	v, err := s.db.VPCByID(ctx, owner.ID, id)
	if err != nil {
		return err
	}
	n, err := s.db.VPCServers(ctx, v.UUID)
	if err != nil {
		return err
	}
	if n > 0 {
		return webrana.Errorf(webrana.ECONFLICT, "%d server(s) are in VPC %s; delete them first.", n, v.Name)
	}
	if v.Origin == webrana.VPCCreated {
		acc, err := s.db.AccountByID(ctx, v.AccountID)
		if err != nil {
			return err
		}
		c, err := s.pool.Client(ctx, acc)
		if err != nil {
			return err
		}
		if err := c.DeleteVPC(ctx, v.UUID); err != nil && cloud.Code(err) != cloud.NotFound {
			if code := cloud.Code(err); code == cloud.Conflict || code == cloud.InvalidArgument || code == cloud.Forbidden {
				return webrana.Errorf(webrana.ECONFLICT, "%s", clouderr.Message(err))
			}
			return err
		}
	}
	return s.db.DeleteVPC(ctx, owner.ID, id, audit(ctx, by.Entry("vpc.deleted", "vpc", v.ID, v.Name+" "+v.UUID)))
}

// Assignment is an existing provider VPC the operator gives a customer
// (POST /api/admin/vpcs).
type Assignment struct {
	OwnerID   string `json:"owner_id"`
	AccountID string `json:"account_id"`
	UUID      string `json:"vpc_uuid"`
	Name      string `json:"name"` // default: the provider's name for it
}

// Assign records a VPC that exists on one of the pool's accounts as the
// customer's, with its audit ("vpc.assigned"). A region's default VPC,
// shared by every server created there without one, is refused, as is one
// that belongs to a customer already.
func (s *Service) Assign(ctx context.Context, by webrana.Actor, a Assignment) (*webrana.VPC, error) {
	owner, err := s.db.UserByID(ctx, a.OwnerID)
	if webrana.ErrorCode(err) == webrana.ENOTFOUND || (err == nil && owner.Role != webrana.RoleCustomer) {
		return nil, webrana.FieldError("owner_id", "Unknown customer.")
	}
	if err != nil {
		return nil, err
	}
	acc, err := s.db.AccountByID(ctx, a.AccountID)
	if webrana.ErrorCode(err) == webrana.ENOTFOUND {
		return nil, webrana.FieldError("account_id", "Unknown account.")
	}
	if err != nil {
		return nil, err
	}
	if !providers.Of(acc.ProviderType).Capabilities.VPC {
		return nil, webrana.FieldError("account_id", "%s accounts have no VPCs in Webrana.", providers.Of(acc.ProviderType).Name)
	}
	c, err := s.pool.Client(ctx, acc)
	if err != nil {
		return nil, err
	}
	list, err := c.ListVPCs(ctx)
	if err != nil {
		return nil, err
	}
	i := slices.IndexFunc(list, func(v *cloud.VPC) bool { return v.ID == a.UUID })
	switch {
	case i < 0:
		return nil, webrana.FieldError("vpc_uuid", "Account %s has no VPC %s.", acc.Name, a.UUID)
	case list[i].Default:
		return nil, webrana.FieldError("vpc_uuid", "VPC %s is the default VPC of %s, shared by every server there; it cannot be one customer's.", a.UUID, list[i].Region)
	}
	name := strings.TrimSpace(a.Name)
	if name == "" {
		name = list[i].Name
	}
	if !cloud.VPCNamePattern.MatchString(name) {
		return nil, webrana.FieldError("name", "A VPC's name is 1 to 64 letters, digits, hyphens and periods.")
	}
	v := &webrana.VPC{OwnerID: owner.ID, ProviderType: acc.ProviderType, AccountID: acc.ID, UUID: a.UUID, Region: list[i].Region,
		Name: name, IPRange: list[i].IPRange, Origin: webrana.VPCAssigned}
	if err := s.db.CreateVPC(ctx, v, func(tx *store.Tx) error {
		return tx.AppendAudit(ctx, by.Entry("vpc.assigned", "vpc", v.ID, owner.Email+" "+a.UUID))
	}); err != nil {
		return nil, err
	}
	return v, nil
}

// Of is the VPC a server is in, as its owner's; nil when it was created in
// its region's default VPC, or in one Webrana does not know.
func (s *Service) Of(ctx context.Context, in *webrana.Instance) (*webrana.VPC, error) {
	if in.Options.VPCUUID == "" {
		return nil, nil
	}
	v, err := s.db.VPCByUUID(ctx, in.OwnerID, in.Options.VPCUUID)
	if webrana.ErrorCode(err) == webrana.ENOTFOUND {
		return nil, nil
	}
	return v, err
}

// ListAll is every customer's VPC, for the operator.
func (s *Service) ListAll(ctx context.Context) ([]*webrana.VPC, error) { return s.db.ListVPCs(ctx, "") }

func audit(ctx context.Context, e *webrana.AuditEntry) func(*store.Tx) error {
	return func(tx *store.Tx) error { return tx.AppendAudit(ctx, e) }
}

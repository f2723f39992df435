package webrana

import "time"

// VPC origins: Webrana created it at the provider for the customer, or the
// operator assigned the customer a VPC that already existed there.
const (
	VPCCreated  = "created"
	VPCAssigned = "assigned"
)

// VPC is a private network a customer owns: one VPC of one provider
// account, in one region. An order's vpc_uuid must name one of the
// customer's own, and places the server on that VPC's account.
type VPC struct {
	ID           string       `json:"id"`
	OwnerID      string       `json:"owner_id"`
	ProviderType ProviderType `json:"provider_type"`
	AccountID    string       `json:"account_id,omitempty"` // admins only
	UUID         string       `json:"vpc_uuid"`             // the provider's id, as orders name it
	Region       string       `json:"region"`
	Name         string       `json:"name"`
	IPRange      string       `json:"ip_range,omitempty"`
	Origin       string       `json:"origin"` // VPCCreated or VPCAssigned
	CreatedAt    time.Time    `json:"created_at"`
}

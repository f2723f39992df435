package webrana

import "time"

// Snapshot statuses: creating until the provider has taken it, then
// available (billed by the hour); deleting from the customer's request
// (billing stops) until the provider has deleted it; failed when taking it
// did not succeed (never billed).
const (
	SnapshotCreating  = "creating"
	SnapshotAvailable = "available"
	SnapshotDeleting  = "deleting"
	SnapshotDeleted   = "deleted"
	SnapshotFailed    = "failed"
)

// DefaultSnapshotLimit is how many snapshots a customer may keep (creating
// or available) unless the operator sets another limit.
const DefaultSnapshotLimit = 10

// MaxSnapshotName is the longest snapshot name.
const MaxSnapshotName = 64

// Snapshot is a saved copy of a server's disk, kept at the provider on the
// server's account, and billed per GB-month at its provider's price.
type Snapshot struct {
	ID           string       `json:"id"`
	OwnerID      string       `json:"owner_id"`
	InstanceID   string       `json:"instance_id"`
	AccountID    string       `json:"-"`
	ProviderType ProviderType `json:"provider_type"`
	ProviderID   string       `json:"-"` // the provider's id, once taken
	ActionID     string       `json:"-"` // the snapshot action that takes it
	Name         string       `json:"name"`
	SizeGB       int          `json:"size_gb"` // what the provider stores, rounded up to whole GB
	Region       string       `json:"region"`
	Status       string       `json:"status"`
	CreatedAt    time.Time    `json:"created_at"`
	AvailableAt  *time.Time   `json:"available_at,omitempty"`
	DeletedAt    *time.Time   `json:"deleted_at,omitempty"`
}

// SnapshotFilter narrows a list of snapshots; every list leaves out the
// deleted and the failed.
type SnapshotFilter struct {
	OwnerID    string // a customer's own
	InstanceID string // a server's
	Page       Page
}

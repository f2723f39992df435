package cloud

import (
	"context"
	"time"
	"unicode/utf8"
)

// Snapshots are saved copies of a server's disk, kept by the provider on the
// server's account and billed by it per GB-month, that the server can be
// restored from. DigitalOcean takes them natively (the droplet's snapshot
// action); Linode captures a private image from the server's disk and
// restores by rebuilding from it (see cloud/linode/snapshots.go).

// Snapshot action types. Taking and restoring a snapshot are actions,
// followed with GetAction like the others and listed by ListActions (under
// ListedAs of their type).
const (
	ActionSnapshot ActionType = "snapshot"
	ActionRestore  ActionType = "restore"
)

// Snapshot is one saved copy of a server's disk at the provider.
type Snapshot struct {
	ID   string // the provider's id (DigitalOcean: the image id; Linode: "private/<id>")
	Name string
	// SizeGB is what the provider stores, in GB (not rounded): what it
	// bills the account.
	SizeGB    float64
	Region    string
	CreatedAt time.Time
	// Available: the snapshot is complete and can be restored (a Linode
	// image is listed while it is still being captured).
	Available bool
}

// SnapshotDriver is a driver's part for snapshots; Driver embeds it.
//
// Contract (checked by cloud/cloudtest for every driver that declares
// Capabilities.Snapshots):
//   - TakeSnapshot starts a snapshot of the server named name and returns
//     its action, of Type ActionSnapshot, that GetAction follows to
//     completion; once it has completed, ListSnapshots lists a snapshot of
//     that name, Available. A server that does not exist is NotFound.
//   - ListSnapshots lists the server's snapshots (every page), each with
//     the provider's id, the name it was taken with, its size and region.
//   - DeleteSnapshot deletes one; a snapshot that does not exist is
//     NotFound (so a retried delete is told apart from a failure).
//   - RestoreSnapshot puts a snapshot of the server back onto it, replacing
//     its disk, and returns the action, of Type ActionRestore, listed as
//     ListedAs(ActionRestore). Where Capabilities.SnapshotRestorePassword
//     is declared, password is root's new password; elsewhere it is empty.
//     A snapshot the provider does not know is NotFound or InvalidArgument.
//   - A driver that does not declare Snapshots returns InvalidArgument
//     from all four (the Client refuses before it is asked).
type SnapshotDriver interface {
	TakeSnapshot(ctx context.Context, instanceID, name string) (*Action, error)
	ListSnapshots(ctx context.Context, instanceID string) ([]*Snapshot, error)
	DeleteSnapshot(ctx context.Context, snapshotID string) error
	RestoreSnapshot(ctx context.Context, instanceID, snapshotID, password string) (*Action, error)
}

// MaxSnapshotName is the longest snapshot name the Client sends.
const MaxSnapshotName = 64

// refuseSnapshots is the error for a provider that declares no snapshots.
func (c *Client) refuseSnapshots(op string) error {
	if c.d.Capabilities().Snapshots {
		return nil
	}
	return c.wrap(op, invalid(op, "type", "this provider keeps no snapshots"))
}

// TakeSnapshot starts a snapshot of a server. It is not retried (a second
// request would be a second snapshot): on an error that leaves the outcome
// unknown, look for it with FindAction or ListSnapshots.
func (c *Client) TakeSnapshot(ctx context.Context, instanceID, name string) (*Action, error) {
	const op = "TakeSnapshot"
	if err := c.refuseSnapshots(op); err != nil {
		return nil, err
	}
	if name == "" || utf8.RuneCountInString(name) > MaxSnapshotName {
		return nil, c.wrap(op, invalid(op, "name", "a snapshot name of 1 to 64 characters is required"))
	}
	return once(ctx, c, op, func(ctx context.Context) (*Action, error) { return c.d.TakeSnapshot(ctx, instanceID, name) })
}

// ListSnapshots lists a server's snapshots.
func (c *Client) ListSnapshots(ctx context.Context, instanceID string) ([]*Snapshot, error) {
	const op = "ListSnapshots"
	if err := c.refuseSnapshots(op); err != nil {
		return nil, err
	}
	return retried(ctx, c, op, func(ctx context.Context) ([]*Snapshot, error) { return c.d.ListSnapshots(ctx, instanceID) })
}

// DeleteSnapshot deletes a snapshot. Deleting is idempotent, so it is
// retried; a snapshot already gone is NotFound.
func (c *Client) DeleteSnapshot(ctx context.Context, snapshotID string) error {
	const op = "DeleteSnapshot"
	if err := c.refuseSnapshots(op); err != nil {
		return err
	}
	if snapshotID == "" {
		return c.wrap(op, invalid(op, "snapshot_id", "a snapshot id is required"))
	}
	_, err := retried(ctx, c, op, func(ctx context.Context) (struct{}, error) {
		return struct{}{}, c.d.DeleteSnapshot(ctx, snapshotID)
	})
	return err
}

// RestoreSnapshot restores a server from one of its snapshots, replacing
// its disk. It requires a password where Capabilities say a restore sets
// one, and refuses one elsewhere. It is not retried.
func (c *Client) RestoreSnapshot(ctx context.Context, instanceID, snapshotID, password string) (*Action, error) {
	const op = "RestoreSnapshot"
	if err := c.refuseSnapshots(op); err != nil {
		return nil, err
	}
	needs := c.d.Capabilities().SnapshotRestorePassword
	switch {
	case snapshotID == "":
		return nil, c.wrap(op, invalid(op, "snapshot_id", "restore needs a snapshot"))
	case needs && password == "":
		return nil, c.wrap(op, invalid(op, "password", "restore needs the new root password on this provider"))
	case !needs && password != "":
		return nil, c.wrap(op, invalid(op, "password", "restore takes no password on this provider"))
	}
	return once(ctx, c, op, func(ctx context.Context) (*Action, error) {
		return c.d.RestoreSnapshot(ctx, instanceID, snapshotID, password)
	})
}

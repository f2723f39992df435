// Package cloud is Webrana's portable provider API, in the style of
// gocloud.dev: Client, a concrete type that validates requests, retries what
// is safe to retry, and classifies every error, over a small Driver
// interface that each provider implements with its official Go client
// (cloud/digitalocean with godo, cloud/linode with linodego). No provider SDK
// type crosses this package's API.
//
// A Client is bound to one provider account (one token). Requests of every
// Client of the same account are paced together (see Pacers), so a burst of
// work never causes a 429.
//
// Provider knowledge stays in the drivers. Each declares its provider's
// Capabilities, which callers read instead of asking which provider it
// is, and turns portable requests (CreateRequest: the customer's intent)
// into its provider's own; the Client refuses what a driver declares it
// cannot do. Each driver package also exports its Registration, which
// package providers lists in the one registry of providers.
//
// This package and cloudtest are the model for what comes next: a new
// provider-facing feature (snapshots, firewalls, reverse DNS) extends the
// Driver contract, Capabilities and the conformance suite, not the callers.
package cloud

import (
	"context"
	"time"
)

// Driver is one provider's implementation. The Client calls it; nothing else
// does. Every method may return any error; Classify turns it into a code.
//
// Contract (checked by cloud/cloudtest for every driver):
//   - A missing instance or action is an error that Classify says is NotFound.
//   - A create over the account's server limit is QuotaExceeded; a bad token
//     is Unauthorized; a 429 is RateLimited, with the RetryAfter the account's
//     Pacer gives it (Pacer.RetryAfter: the provider's Retry-After, the reset
//     of a budget it reports spent, or the pacer's short backoff).
//   - Capabilities is what the provider can do (see Capabilities), the
//     same for every account. What it declares, the driver does; a request
//     reaching the driver asks only for what it declares (the Client
//     refuses the rest).
//   - CreateInstance maps every field of the request to the provider's
//     own (the root password natively or as cloud-init, the marketplace
//     app as an image or a script with its fields), and tags the server
//     with every tag of the request, so that ListInstances with
//     ListOptions.Tag finds it (the idempotency key). What it cannot map
//     it refuses: InvalidArgument naming the field, never dropped.
//   - An Instance reports the options the server has (IPv6, Backups,
//     Monitoring, VPCUUID) as the provider says, not as asked.
//   - ListInstances returns every page.
//   - DoAction returns the action with the request's Type, and an ID that
//     GetAction accepts; where the provider lists actions, the ID is the
//     listed one whenever the driver can tell it, so that a caller who
//     records it can tell its own past actions from a lost one. GetAction's
//     Type may be ListedAs of the type asked.
//   - ListActions returns the server's recent actions (every page), newest
//     first, each with its ID (one GetAction accepts), Type, Status and
//     StartedAt (the provider's clock, to the second). An action started
//     with DoAction is listed once, under ListedAs of its type, from the
//     moment the provider accepted it, even when DoAction's answer was lost:
//     a caller that lost the answer looks for an action of that type
//     started at or after the time it sent the request, and adopts it
//     instead of sending another (Client.FindAction). A server that does not
//     exist is NotFound.
//   - The driver never retries on its own: its client's retries are off.
type Driver interface {
	// Provider is the provider type, as Webrana and cloudsim name it
	// ("digitalocean").
	Provider() string
	// Capabilities declares what the provider can do and how.
	Capabilities() Capabilities
	// Classify maps an error returned by this driver to a portable *Error,
	// filling Code, Message, and where known Field and RetryAfter.
	Classify(err error) *Error

	Account(ctx context.Context) (*AccountInfo, error)
	// AccountStatus is Account in one request to the provider's account
	// endpoint: everything but Active, which it leaves 0 (servers are
	// counted by listing them).
	AccountStatus(ctx context.Context) (*AccountInfo, error)

	CreateInstance(ctx context.Context, req *CreateRequest) (*Instance, error)
	GetInstance(ctx context.Context, id string) (*Instance, error)
	ListInstances(ctx context.Context, opts ListOptions) ([]*Instance, error)
	DeleteInstance(ctx context.Context, id string) error
	DoAction(ctx context.Context, id string, req ActionRequest) (*Action, error)
	GetAction(ctx context.Context, instanceID, actionID string) (*Action, error)
	ListActions(ctx context.Context, instanceID string) ([]*Action, error)
	// ListedAs is the type under which ListActions lists an action that
	// DoAction started as t: t itself, unless the provider serves several
	// portable types with one request (Linode shuts down for power_off
	// and reboots for power_cycle).
	ListedAs(t ActionType) ActionType

	Sizes(ctx context.Context) ([]*Size, error)
	Regions(ctx context.Context) ([]*Region, error)
	Images(ctx context.Context, t ImageType) ([]*Image, error)
	Apps(ctx context.Context) ([]*App, error)

	// EnsureSSHKey registers a public key with the account unless it is
	// there already (matched by fingerprint), and returns it.
	EnsureSSHKey(ctx context.Context, name, publicKey string) (*SSHKey, error)
	Metrics(ctx context.Context, id string, m Metric, start, end time.Time) ([]Point, error)

	RDNSDriver     // reverse DNS (rdns.go)
	VPCDriver      // VPCs (vpcs.go)
	BackupDriver   // backups: turned on and off, listed, restored (backups.go)
	SnapshotDriver // snapshots.go
	FirewallDriver // a server's inbound rules (cloud/firewalls.go)
}

package webrana

import (
	"strings"
	"time"
)

// InstanceStatus is where a customer's server is in its life.
type InstanceStatus string

const (
	StatusPending      InstanceStatus = "pending"
	StatusProvisioning InstanceStatus = "provisioning"
	StatusHeld         InstanceStatus = "held" // waiting for pool capacity
	StatusActive       InstanceStatus = "active"
	StatusOff          InstanceStatus = "off"
	StatusFailed       InstanceStatus = "failed"
	StatusDeleting     InstanceStatus = "deleting"
	StatusDeleted      InstanceStatus = "deleted"
	StatusSuspended    InstanceStatus = "suspended"
)

// Valid reports whether s is a known status.
func (s InstanceStatus) Valid() bool {
	switch s {
	case StatusPending, StatusProvisioning, StatusHeld, StatusActive, StatusOff,
		StatusFailed, StatusDeleting, StatusDeleted, StatusSuspended:
		return true
	}
	return false
}

// InstanceOptions are the customer's choices at creation. They do not
// change after it, but for Backups, which says whether backups are on now:
// chosen at order, kept in step by enable_backups and disable_backups.
type InstanceOptions struct {
	IPv6            bool              `json:"ipv6"`
	Monitoring      bool              `json:"monitoring"`
	Backups         bool              `json:"backups"`
	VPCUUID         string            `json:"vpc_uuid,omitempty"`
	SSHKeyIDs       []string          `json:"ssh_key_ids,omitempty"`
	App             string            `json:"app,omitempty"`
	StackScriptID   int               `json:"stackscript_id,omitempty"`
	StackScriptData map[string]string `json:"stackscript_data,omitempty"`
}

// Instance is a customer's VPS.
type Instance struct {
	ID           string          `json:"id"`
	OwnerID      string          `json:"owner_id"`
	ProviderType ProviderType    `json:"provider_type"`
	AccountID    string          `json:"account_id,omitempty"`
	PlanID       string          `json:"plan_id"`
	Label        string          `json:"label"`
	Region       string          `json:"region"`
	Image        string          `json:"image"`
	Options      InstanceOptions `json:"options"`
	ProviderID   string          `json:"provider_id,omitempty"`
	Status       InstanceStatus  `json:"status"`
	IPv4         string          `json:"ipv4"`
	IPv6         string          `json:"ipv6"`
	Error        string          `json:"error,omitempty"`
	CreatedAt    time.Time       `json:"created_at"`
	UpdatedAt    time.Time       `json:"updated_at"`
	ActiveAt     *time.Time      `json:"active_at,omitempty"`
	DeletedAt    *time.Time      `json:"deleted_at,omitempty"`
}

// InstanceFilter narrows a list of instances. Empty fields match everything.
type InstanceFilter struct {
	OwnerID      string
	ProviderType ProviderType
	Status       InstanceStatus
	AccountID    string
	// Search matches labels containing it, ignoring case.
	Search string
	Page   Page
	// After continues a list after the given instance, newest first (keyset
	// pagination: as fast at the millionth row as at the first). Page.Page
	// is then ignored.
	After *Cursor
	// Estimate lets a list with no filter at all (every server, as an
	// administrator sees them) answer an estimated total where counting
	// would cost more than the page; the answer says whether it did. A
	// filtered list's total is always exact.
	Estimate bool
	// Tag matches the servers carrying the customer's tag.
	Tag string
	// Live leaves out the servers that are gone or never were: deleting,
	// deleted and failed ones.
	Live bool
}

// Cursor is a position in a newest-first list: the last instance seen.
type Cursor struct {
	CreatedAt time.Time
	ID        string
}

// Order statuses.
const (
	OrderPending   = "pending"
	OrderRunning   = "running"
	OrderHeld      = "held"
	OrderSucceeded = "succeeded"
	OrderFailed    = "failed"
)

// Order steps: where an order is in the provisioning workflow, shown to the
// customer as progress.
const (
	StepQueued   = "queued"   // accepted, waiting for a worker
	StepWaiting  = "waiting"  // held: no account has room
	StepCreating = "creating" // an account is reserved; the server is being created
	StepBooting  = "booting"  // the provider has the server; waiting for it to run
	StepDone     = "done"     // active
	StepFailed   = "failed"
)

// Order is one request to create an instance; it remembers every attempt.
type Order struct {
	ID         string `json:"id"`
	InstanceID string `json:"instance_id"`
	UserID     string `json:"user_id"`
	Status     string `json:"status"`
	Step       string `json:"step"`
	AccountID  string `json:"account_id,omitempty"` // the account currently chosen
	Error      string `json:"error,omitempty"`
	// HoldAmount is what was held from the balance for the first billing
	// period, in Currency's minor units.
	HoldAmount int64  `json:"hold_amount"`
	Currency   string `json:"currency"`
	// RootPassword is the customer's root password sealed with the master
	// key; it is erased when the order ends and never leaves the server.
	RootPassword string    `json:"-"`
	CreatedAt    time.Time `json:"created_at"`
	UpdatedAt    time.Time `json:"updated_at"`
}

// Done reports whether the order has ended, well or badly.
func (o *Order) Done() bool { return o.Status == OrderSucceeded || o.Status == OrderFailed }

// Tag is the provider tag that marks servers created for this order, so that a
// retry after a lost response finds and adopts the server instead of creating
// a second one (DESIGN.md §5).
func (o *Order) Tag() string { return orderTagPrefix + o.ID }

// ServerTag marks every server Webrana creates, besides its order's tag:
// one list filtered by it finds every server of Webrana's booting on an
// account (provision's boot watch), whatever else the account runs.
const ServerTag = "webrana"

// orderTagPrefix starts every order's tag.
const orderTagPrefix = "webrana-order-"

// OrderIDFromTags returns the order id of the first order tag among a
// server's tags, or "" when it carries none (not Webrana's).
func OrderIDFromTags(tags []string) string {
	for _, t := range tags {
		if id, ok := strings.CutPrefix(t, orderTagPrefix); ok && id != "" {
			return id
		}
	}
	return ""
}

// ServerName is the provider-side name of the order's server.
func (o *Order) ServerName() string { return "webrana-" + o.ID[:min(8, len(o.ID))] }

// Attempt outcomes besides the error codes of refusals.
const (
	AttemptStarted     = "started"
	AttemptSucceeded   = "succeeded"
	AttemptInterrupted = "interrupted" // the worker stopped before the provider answered
	// Refusals: the account would not take the order. The account is skipped
	// for this order for a while (store.ReserveRequest.RetryRefusedAfter).
	AttemptQuotaExceeded = "quota_exceeded"
	AttemptUnauthorized  = "unauthorized"
	// Failures that end the attempt without saying anything of the account.
	AttemptInvalid     = "invalid"     // the provider rejected the request
	AttemptUnavailable = "unavailable" // the provider failed; the outcome was checked by tag
	AttemptFailed      = "failed"      // the server broke or never started
)

// Attempt is one try of an order on one account.
type Attempt struct {
	ID         string     `json:"id"`
	OrderID    string     `json:"order_id"`
	AccountID  string     `json:"account_id,omitempty"`
	Outcome    string     `json:"outcome"` // "started", "succeeded", or an error code
	Error      string     `json:"error,omitempty"`
	StartedAt  time.Time  `json:"started_at"`
	FinishedAt *time.Time `json:"finished_at,omitempty"`
}

// Ledger entry kinds.
const (
	LedgerCredit  = "credit"
	LedgerCharge  = "charge"
	LedgerRefund  = "refund"
	LedgerHold    = "hold"
	LedgerRelease = "release"
	// LedgerPaymentRefund is money paid back to the card (or other means)
	// a top-up came from: it leaves the balance, so it is negative.
	LedgerPaymentRefund = "payment_refund"
)

// LedgerEntry is one append-only money movement for a customer. Credits,
// refunds and releases are positive; charges, holds and payment refunds
// negative; the balance is the sum.
// IdempotencyKey makes a retried write a no-op (one charge per instance-hour).
type LedgerEntry struct {
	ID             string    `json:"id"`
	UserID         string    `json:"user_id"`
	Kind           string    `json:"kind"`
	Amount         int64     `json:"amount"`
	Currency       string    `json:"currency"`
	InstanceID     string    `json:"instance_id,omitempty"`
	Note           string    `json:"note,omitempty"`
	IdempotencyKey string    `json:"-"`
	CreatedAt      time.Time `json:"created_at"`
}

// Alert kinds.
const (
	AlertAccountFull        = "account_full"
	AlertAllAccountsFull    = "all_accounts_full"
	AlertAccountUnhealthy   = "account_unhealthy"
	AlertPoolHighUsage      = "pool_high_usage"
	AlertProvisioningFailed = "provisioning_failed"
	AlertProvisioningHeld   = "provisioning_held"
	// A card payment whose amount or currency differs from its top-up's,
	// or that names no top-up: nothing was credited; an operator looks.
	AlertPaymentMismatch = "payment_mismatch"
)

// AlertKinds is every kind of alert Webrana raises: the operators' filter
// offers them, and openapi.yaml names them.
var AlertKinds = []string{AlertAccountFull, AlertAllAccountsFull, AlertAccountUnhealthy, AlertPoolHighUsage,
	AlertProvisioningFailed, AlertProvisioningHeld, AlertOrphans, AlertPaymentMismatch}

// Alert is a condition the operator should know about. It is opened once per
// Key while the condition lasts and resolved when it clears.
type Alert struct {
	ID         string     `json:"id"`
	Kind       string     `json:"kind"`
	Key        string     `json:"key"` // identifies the condition, e.g. "account_full:<account id>"
	Severity   string     `json:"severity"`
	Message    string     `json:"message"`
	OpenedAt   time.Time  `json:"opened_at"`
	ResolvedAt *time.Time `json:"resolved_at,omitempty"`
}

// Server action types (POST /api/vps/{id}/actions), and delete.
const (
	ActionPowerOn    = "power_on"
	ActionPowerOff   = "power_off"
	ActionShutdown   = "shutdown"
	ActionReboot     = "reboot"
	ActionPowerCycle = "power_cycle"
	ActionRebuild    = "rebuild"
	ActionResize     = "resize"
	ActionRename     = "rename"
	ActionPassword   = "password_reset"
	ActionEnableIPv6 = "enable_ipv6"
	ActionSetRDNS    = "set_rdns" // the PTR of one of the server's public addresses
	ActionDelete     = "delete"
	// Backups (backups.go).
	ActionEnableBackups  = "enable_backups"
	ActionDisableBackups = "disable_backups"
	ActionRestoreBackup  = "restore_backup"
	// Snapshots (snapshot.go): take one of the server, restore it from one.
	ActionSnapshot = "snapshot"
	ActionRestore  = "restore"
	// ActionFirewall applies the server's firewall rules at the provider
	// (PUT /api/vps/{id}/firewall).
	ActionFirewall = "firewall"
)

// Action statuses.
const (
	ActionQueued     = "queued"
	ActionInProgress = "in-progress"
	ActionCompleted  = "completed"
	ActionErrored    = "errored"
)

// ActionParams are an action's arguments. The password is sealed.
type ActionParams struct {
	Image    string `json:"image,omitempty"`     // rebuild
	PlanID   string `json:"plan_id,omitempty"`   // resize
	Label    string `json:"label,omitempty"`     // rename
	Password string `json:"-"`                   // password_reset and rebuild, where the provider takes one; sealed
	Disk     bool   `json:"disk,omitempty"`      // resize: the disk grows with the plan (permanent)
	IP       string `json:"ip,omitempty"`        // set_rdns: the address
	PTR      string `json:"ptr,omitempty"`       // set_rdns: its new PTR
	BackupID string `json:"backup_id,omitempty"` // restore_backup
	// SnapshotID is the snapshot taken (snapshot) or restored (restore).
	SnapshotID string `json:"snapshot_id,omitempty"`
	Name       string `json:"name,omitempty"` // snapshot
}

// InstanceAction is one action on a server, from request to outcome.
type InstanceAction struct {
	ID               string       `json:"id"`
	InstanceID       string       `json:"instance_id"`
	UserID           string       `json:"user_id,omitempty"`
	Type             string       `json:"type"`
	Params           ActionParams `json:"params"`
	Status           string       `json:"status"`
	ProviderActionID string       `json:"-"`
	Error            string       `json:"error,omitempty"`
	// Note explains an outcome that differs from what was asked (a
	// shutdown the server ignored, finished by powering it off).
	Note      string    `json:"note,omitempty"`
	CreatedAt time.Time `json:"created_at"`
	UpdatedAt time.Time `json:"updated_at"`
	// SentAt is when the action was first sent to the provider; a retry
	// keeps it.
	SentAt     *time.Time `json:"sent_at,omitempty"`
	FinishedAt *time.Time `json:"finished_at,omitempty"`
}

// Finding statuses.
const (
	FindingOpen      = "open"
	FindingDestroyed = "destroyed" // deleted at the provider by an operator's decision
	FindingDismissed = "dismissed" // kept on purpose
	FindingGone      = "gone"      // no longer at the provider
)

// Finding is a server at a provider that carries Webrana's order tag but
// that no instance records: an orphan, from a create whose order failed or
// never existed here.
type Finding struct {
	ID         string     `json:"id"`
	AccountID  string     `json:"account_id"`
	ProviderID string     `json:"provider_id"`
	Tag        string     `json:"tag"`
	OrderID    string     `json:"order_id,omitempty"`
	Detail     string     `json:"detail"`
	Status     string     `json:"status"`
	FoundAt    time.Time  `json:"found_at"`
	ResolvedAt *time.Time `json:"resolved_at,omitempty"`
}

// AlertOrphans is the alert kind open while reconciliation findings are.
const AlertOrphans = "orphan_servers"

package cloud

import (
	"cmp"
	"slices"
	"strconv"
	"time"
)

// Status is an instance's state, the same for every provider.
type Status string

const (
	StatusProvisioning Status = "provisioning"
	StatusActive       Status = "active"
	StatusOff          Status = "off"
	StatusDeleting     Status = "deleting"
	StatusDeleted      Status = "deleted"
	StatusFailed       Status = "failed"
)

// Instance is a server at a provider.
type Instance struct {
	ID         string // the provider's id, as text
	Name       string
	Status     Status
	Region     string
	Size       string
	Image      string
	IPv4       string // public
	IPv6       string // public, when enabled
	Backups    bool   // automatic backups are on
	Monitoring bool   // the monitoring agent is installed (Capabilities.MonitoringAgent)
	VPCUUID    string // the VPC the server is in, where the provider has VPCs
	DiskGB     int    // the disk's size, which a resize may leave smaller than its size's (ResizeDisk)
	Tags       []string
	CreatedAt  time.Time
}

// CreateRequest describes a server to create: the customer's intent, in
// portable terms. Each driver turns it into its provider's request, and
// the Client refuses, before any call, what the driver's Capabilities say
// it cannot do, so no field is ever dropped.
type CreateRequest struct {
	Name     string
	Region   string
	Size     string
	Image    string   // a distribution image's slug or id, or a marketplace app's image (see App)
	SSHKeys  []string // provider key ids or fingerprints, registered first with EnsureSSHKey
	UserData string   // cloud-init (Capabilities.UserData)
	// RootPassword is root's password, set natively or through cloud-init
	// (Capabilities.RootPassword). The driver sees it only to pass it on.
	RootPassword string
	// IPv6 asks for a public IPv6 address. Where every server has one
	// (Capabilities.IPv6Always), false does not take it away.
	IPv6       bool
	Monitoring bool   // install the monitoring agent (Capabilities.MonitoringAgent)
	Backups    bool   // turn on automatic backups (Capabilities.Backups)
	VPCUUID    string // the VPC to place the server in (Capabilities.VPC)
	Tags       []string
	// App is a marketplace app's Slug, as Apps lists it; what it means
	// depends on Capabilities.Marketplace: a 1-click app's image (Image
	// must be it), or a script to run on Image, given AppFields.
	App       string
	AppFields map[string]string // values of the app's Fields, by name (MarketplaceScripts)
}

// ListOptions narrows ListInstances.
type ListOptions struct {
	Tag string // only servers carrying this tag
}

// ActionType is a power or lifecycle action.
type ActionType string

const (
	ActionPowerOn  ActionType = "power_on"
	ActionPowerOff ActionType = "power_off"
	ActionShutdown ActionType = "shutdown"
	ActionReboot   ActionType = "reboot"
	ActionRebuild  ActionType = "rebuild"
	ActionResize   ActionType = "resize"
	ActionRename   ActionType = "rename"
	ActionPassword ActionType = "password_reset"
	// ActionPowerCycle cuts power and restores it, for a server too hung
	// to reboot cleanly. Linode has none; its driver reboots instead.
	ActionPowerCycle ActionType = "power_cycle"
	// ActionEnableIPv6 gives a server a public IPv6 address. Every Linode
	// has one already, so there it completes at once without a change.
	ActionEnableIPv6 ActionType = "enable_ipv6"
)

// ActionRequest is an action with its parameters.
type ActionRequest struct {
	Type  ActionType
	Image string // rebuild
	Size  string // resize
	// Disk: a resize grows the disk to the new size's too (see
	// Capabilities.ResizeDisk).
	Disk bool
	Name string // rename
	// IP and PTR: set_rdns sets the PTR of the server's public address IP.
	IP, PTR string
	// Password is root's new password, for password_reset and rebuild where
	// Capabilities say they take one; refused elsewhere.
	Password string
	BackupID string // restore_backup: a Backup's ID (backups.go)
}

// ActionStatus is an action's progress.
type ActionStatus string

const (
	ActionInProgress ActionStatus = "in-progress"
	ActionCompleted  ActionStatus = "completed"
	ActionErrored    ActionStatus = "errored"
)

// Action is an action's progress. Linode has no action objects: its
// driver follows an action it started by the instance's state, and lists
// the account's events as actions (see cloud/linode). Type is the portable
// type where there is one, else the provider's own name (such as
// DigitalOcean's "create" or "snapshot").
type Action struct {
	ID          string
	Type        ActionType
	Status      ActionStatus
	StartedAt   time.Time
	CompletedAt *time.Time
}

// SortNewestFirst orders actions by start time, latest first; actions
// started in the same second by id, the larger (numeric) first.
func SortNewestFirst(actions []*Action) {
	slices.SortStableFunc(actions, func(a, b *Action) int {
		if c := b.StartedAt.Compare(a.StartedAt); c != 0 {
			return c
		}
		x, errA := strconv.Atoi(a.ID)
		y, errB := strconv.Atoi(b.ID)
		if errA != nil || errB != nil {
			return 0
		}
		return cmp.Compare(y, x)
	})
}

// AccountInfo is what a provider says about an account.
type AccountInfo struct {
	Email      string
	UUID       string
	Status     string // DigitalOcean: active, warning, locked; Linode: active
	Limit      int    // server limit, when the provider publishes one
	LimitKnown bool
	Active     int // servers on the account
}

// Size is a server size with the provider's price.
type Size struct {
	Slug         string
	Description  string
	VCPUs        int
	MemoryMB     int
	DiskGB       int
	TransferGB   int
	PriceMonthly float64 // in the provider's currency (USD)
	PriceHourly  float64
	// BackupPriceMonthly and BackupPriceHourly are what the provider
	// charges for the size's automatic backups (USD): Linode's per-type
	// price, DigitalOcean's percentage of the size's price
	// (Capabilities.BackupPricePercent). 0: not priced.
	BackupPriceMonthly float64
	BackupPriceHourly  float64
	Regions            []string
	Available          bool
}

// Region is a data centre.
type Region struct {
	Slug      string
	Name      string
	Available bool
	Features  []string
}

// ImageType separates operating systems from application images.
type ImageType string

const (
	ImageDistribution ImageType = "distribution"
	ImageApplication  ImageType = "application"
)

// Image is an operating system (or DigitalOcean application) image.
type Image struct {
	Slug         string
	Name         string
	Distribution string // family, such as "Ubuntu"
	Type         ImageType
	Regions      []string
	MinDiskGB    int
}

// App is a marketplace application, of the provider's Marketplace kind: a
// DigitalOcean 1-click or a Linode StackScript.
type App struct {
	Slug        string // what CreateRequest.App takes: a 1-click app's slug, a StackScript's id as text
	Name        string
	Category    string
	Description string
	Images      []string // MarketplaceImages: the app's own image; MarketplaceScripts: the images it runs on
	Fields      []AppField
}

// AppField is a value a marketplace app asks for (a StackScript's
// user-defined field), given in CreateRequest.AppFields.
type AppField struct {
	Name    string
	Label   string
	Default string
	Example string
	OneOf   []string
	// Required fields have no default: the app cannot be deployed without
	// a value for them (a Linode StackScript's UDF without default=).
	Required bool
}

// SSHKey is a public key registered at a provider account.
type SSHKey struct {
	ID          string
	Name        string
	Fingerprint string
	PublicKey   string
}

// Metric names a monitoring series. Every driver answers it in the same
// unit, whatever its provider reports.
type Metric string

const (
	// MetricCPU is CPU use in percent busy of the whole server (all its
	// vCPUs together), 0 to 100.
	MetricCPU Metric = "cpu"
	// MetricBandwidth is public outbound traffic in bits per second.
	MetricBandwidth Metric = "bandwidth"
)

// Point is one sample of a series.
type Point struct {
	Time  time.Time
	Value float64
}

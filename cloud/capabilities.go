package cloud

// Capabilities is what a provider's servers can do and how, as its driver
// declares it (Driver.Capabilities; without a client, the registry of
// package providers). Services read it instead of asking which provider
// it is: which options to offer and to refuse, what an action needs, and
// in which state it may run.
//
// A declaration is a promise both ways. The Client refuses a request that
// asks for what is declared missing (InvalidArgument naming the field), so
// a driver never drops a field silently; and what is declared is done, as
// cloudtest checks for every driver against the simulator.
//
// A new provider-facing feature (snapshots, firewalls, reverse DNS) adds
// its declaration here together with the Driver methods it needs and its
// checks in cloudtest; a provider without it declares the zero value,
// which always means "cannot".
type Capabilities struct {
	// RootPassword is how CreateRequest.RootPassword reaches the server.
	RootPassword RootPasswordMode
	// RootPasswordRequired: every create needs a root password (Linode).
	// Where it does not, a server created with neither a password nor an
	// SSH key gets a password the provider e-mails to the account's owner
	// (DigitalOcean), who is not the customer.
	RootPasswordRequired bool
	// UserData: a create takes cloud-init user data (CreateRequest.UserData).
	UserData bool
	// MonitoringAgent: a create can install the provider's monitoring
	// agent, for memory and disk metrics and alerts (CreateRequest.Monitoring;
	// DigitalOcean). Metrics reports CPU and bandwidth of every server
	// with or without one.
	MonitoringAgent bool
	// VPC: a create can place the server in a VPC of the account
	// (CreateRequest.VPCUUID; DigitalOcean).
	VPC bool
	// Backups: a create can turn on the provider's automatic backups
	// (CreateRequest.Backups).
	Backups bool
	// BackupActions: automatic backups can be turned on and off on an
	// existing server, listed and restored onto it (BackupDriver).
	BackupActions bool
	// BackupPricePercent: the provider prices a server's backups at this
	// percentage of the server's price (DigitalOcean: 20), and so does
	// Webrana's default backup price of a plan. 0: each size carries its
	// own backup price (cloud.Size.BackupPriceMonthly; Linode).
	BackupPricePercent int
	// IPv6Always: every server has a public IPv6 address (Linode), so
	// CreateRequest.IPv6 changes nothing and enable_ipv6 completes at once
	// without a change. Otherwise a server has one only when created with
	// IPv6, or after enable_ipv6 (DigitalOcean).
	IPv6Always bool
	// Marketplace is what Apps lists and CreateRequest.App means.
	Marketplace MarketplaceKind
	// PowerCycle: the provider power-cycles a server natively. Otherwise
	// the driver reboots it for power_cycle, and ListedAs says so (Linode).
	PowerCycle bool
	// ResizeStopped: only a stopped server can be resized (DigitalOcean).
	// Otherwise a running server is restarted to be resized (Linode).
	ResizeStopped bool
	// PasswordReset is what password_reset does.
	PasswordReset PasswordResetMode
	// PasswordResetStopped: the root password can be reset only while the
	// server is stopped (Linode).
	PasswordResetStopped bool
	// RebuildPassword: a rebuild sets a new root password, which
	// ActionRequest.Password must give (Linode). Otherwise the server keeps
	// its password and a rebuild takes none (DigitalOcean).
	RebuildPassword bool
	// PublishesLimit: Account reports the account's server limit
	// (AccountInfo.LimitKnown; DigitalOcean's droplet_limit). Otherwise the
	// operator sets one (Linode).
	PublishesLimit bool
	// RDNS is how a server's reverse DNS is set (rdns.go): per address
	// (Linode), as the server's name (DigitalOcean), or not at all.
	RDNS RDNSMode
	// ResizeDisk is what a resize does to the disk (ActionRequest.Disk):
	// always grow it with the size (Linode), grow it when asked, for good
	// (DigitalOcean), or never.
	ResizeDisk ResizeDiskMode
	// Snapshots: the provider keeps snapshots of a server's disk that it
	// can be restored from (SnapshotDriver; snapshots.go).
	Snapshots bool
	// SnapshotRestorePassword: restoring a snapshot sets a new root
	// password, which RestoreSnapshot must give (Linode, whose restore is a
	// rebuild from a private image). Otherwise the restored disk keeps the
	// password it was saved with and a restore takes none (DigitalOcean).
	SnapshotRestorePassword bool
	// Firewall: the provider filters a server's inbound traffic with a
	// firewall Webrana keeps for it on the account (FirewallDriver; a
	// DigitalOcean Cloud Firewall, a Linode Cloud Firewall).
	Firewall bool
}

// ResizeDiskMode is what a resize does to a server's disk.
type ResizeDiskMode int

const (
	// ResizeDiskNever: a resize changes CPU and memory only.
	ResizeDiskNever ResizeDiskMode = iota
	// ResizeDiskOptional: a resize grows the disk to the new size's when
	// ActionRequest.Disk asks, and keeps it otherwise (CPU and memory
	// only). A grown disk cannot shrink: the server can never be resized
	// to a size with a smaller disk again (DigitalOcean).
	ResizeDiskOptional
	// ResizeDiskAlways: a resize migrates the disk to the new size's, and
	// ActionRequest.Disk must say so (Linode's allow_auto_disk_resize).
	ResizeDiskAlways
)

// RootPasswordMode is how a create sets root's password.
type RootPasswordMode int

const (
	// RootPasswordNone: the provider cannot set one at create.
	RootPasswordNone RootPasswordMode = iota
	// RootPasswordNative: the provider's create takes it (Linode's root_pass).
	RootPasswordNative
	// RootPasswordCloudInit: the driver writes it as cloud-init user data
	// (DigitalOcean has no password field), so a request cannot carry
	// user data of its own as well.
	RootPasswordCloudInit
)

// MarketplaceKind is the kind of marketplace a provider has.
type MarketplaceKind int

const (
	// MarketplaceNone: the provider has no marketplace; Apps lists nothing.
	MarketplaceNone MarketplaceKind = iota
	// MarketplaceImages: an app is an image with the software installed
	// (DigitalOcean's 1-click apps). CreateRequest.App names the app and
	// Image its image (App.Images); it takes no fields.
	MarketplaceImages
	// MarketplaceScripts: an app is a script the server runs on its first
	// boot (Linode's StackScripts), on an Image the app supports
	// (App.Images), with values for its Fields in CreateRequest.AppFields.
	MarketplaceScripts
)

// PasswordResetMode is what password_reset does.
type PasswordResetMode int

const (
	// PasswordResetNone: the provider cannot reset a root password.
	PasswordResetNone PasswordResetMode = iota
	// PasswordResetEmailed: the provider chooses the new password and
	// e-mails it to the account's owner, restarting a running server
	// (DigitalOcean); the action takes no password.
	PasswordResetEmailed
	// PasswordResetGiven: the action sets the password that
	// ActionRequest.Password gives (Linode).
	PasswordResetGiven
)

// refuseCreate is the InvalidArgument error for the first field of req
// that these capabilities say the provider cannot honour, or nil.
func (caps Capabilities) refuseCreate(op string, req *CreateRequest) *Error {
	switch {
	case req.RootPassword == "" && caps.RootPasswordRequired:
		return invalid(op, "root_password", "this provider needs a root password")
	case req.RootPassword != "" && caps.RootPassword == RootPasswordNone:
		return invalid(op, "root_password", "this provider cannot set a root password")
	case req.UserData != "" && !caps.UserData:
		return invalid(op, "user_data", "this provider takes no cloud-init user data")
	case req.UserData != "" && req.RootPassword != "" && caps.RootPassword == RootPasswordCloudInit:
		return invalid(op, "user_data", "this provider sets the root password through cloud-init user data: give one or the other")
	case req.Monitoring && !caps.MonitoringAgent:
		return invalid(op, "monitoring", "this provider has no monitoring agent to install")
	case req.VPCUUID != "" && !caps.VPC:
		return invalid(op, "vpc_uuid", "this provider has no VPCs")
	case req.Backups && !caps.Backups:
		return invalid(op, "backups", "this provider has no automatic backups")
	case req.App != "" && caps.Marketplace == MarketplaceNone:
		return invalid(op, "app", "this provider has no marketplace")
	case len(req.AppFields) > 0 && caps.Marketplace != MarketplaceScripts:
		return invalid(op, "app_fields", "this provider's marketplace apps take no fields")
	case len(req.AppFields) > 0 && req.App == "":
		return invalid(op, "app_fields", "app fields need an app")
	}
	return nil
}

// refuseAction is the InvalidArgument error for an action these
// capabilities say the provider cannot do as asked, or nil. The server's
// state (ResizeStopped, PasswordResetStopped) is the provider's to check.
func (caps Capabilities) refuseAction(op string, req ActionRequest) *Error {
	takes, needs := false, false // a password
	switch req.Type {
	case ActionPassword:
		if caps.PasswordReset == PasswordResetNone {
			return invalid(op, "type", "this provider cannot reset a root password")
		}
		takes = caps.PasswordReset == PasswordResetGiven
		needs = takes
	case ActionRebuild:
		takes, needs = caps.RebuildPassword, caps.RebuildPassword
	}
	if req.Type == ActionResize {
		switch {
		case req.Disk && caps.ResizeDisk == ResizeDiskNever:
			return invalid(op, "disk", "this provider cannot resize a disk")
		case !req.Disk && caps.ResizeDisk == ResizeDiskAlways:
			return invalid(op, "disk", "this provider always resizes the disk with the server: ask for disk")
		}
	}
	switch {
	case needs && req.Password == "":
		return invalid(op, "password", string(req.Type)+" needs the new root password on this provider")
	case !takes && req.Password != "":
		return invalid(op, "password", string(req.Type)+" takes no password on this provider")
	}
	return nil
}

// Package linode is the cloud driver for Linode (Akamai), over the official
// linodego client. It is the only package that imports linodego.
package linode

import (
	"cmp"
	"context"
	"errors"
	"net/http"
	"strconv"
	"strings"
	"time"

	"github.com/linode/linodego"

	"github.com/webrana/webrana/cloud"
	"github.com/webrana/webrana/ratelimit"
)

// Type is Linode's provider type, as Webrana and cloudsim name it.
const Type = "linode"

// DefaultBaseURL is Linode's API (linodego adds the version).
const DefaultBaseURL = "https://api.linode.com"

// RatePolicy is Linode's published limits per token and operation:
// creating Linodes 20 per 15 s, listing images 20 a minute, StackScripts 60,
// instance stats 50, other collections 200, everything else 1,600 a minute;
// each reported in the X-RateLimit-* headers of its own answers.
var RatePolicy = cloud.RatePolicy{Bucket: bucket, Remaining: "X-Ratelimit-Remaining", Reset: "X-Ratelimit-Reset"}

func bucket(method, path string) (string, []cloud.Limit) {
	p := ratelimit.Template(path)
	perMinute := func(n int) []cloud.Limit { return []cloud.Limit{{N: n, Per: time.Minute}} }
	switch {
	case method == http.MethodPost && p == "/v4/linode/instances":
		return "create", []cloud.Limit{{N: 20, Per: 15 * time.Second}}
	case method == http.MethodGet && p == "/v4/images":
		return "images", perMinute(20)
	case method == http.MethodGet && p == "/v4/linode/stackscripts":
		return "stackscripts", perMinute(60)
	case method == http.MethodGet && p == "/v4/linode/instances/{id}/stats":
		return "stats", perMinute(50)
	case method == http.MethodGet && (p == "/v4/linode/instances" || p == "/v4/linode/types" || p == "/v4/regions"):
		return method + " " + p, perMinute(200)
	}
	return "default", perMinute(1600)
}

// Config configures a driver: the account's token, and BaseURL (default
// DefaultBaseURL; LINODE_API_URL overrides it).
type Config = cloud.DriverConfig

// Driver implements cloud.Driver for one Linode account.
type Driver struct {
	c     *linodego.Client
	pacer *cloud.Pacer // the account's, which knows how long a 429 holds it back
}

var _ cloud.Driver = (*Driver)(nil)

// New returns a driver. linodego retries up to 1,000 times by default and
// caches catalog answers; both are turned off: the cloud.Client retries
// what is safe to retry, and the catalog service caches. linodego sends
// the token itself.
func New(cfg Config) (*Driver, error) {
	hc, pacer, err := cfg.HTTPClient(Type, RatePolicy, false)
	if err != nil {
		return nil, err
	}
	c := linodego.NewClient(hc)
	c.SetToken(cfg.Token)
	c.SetBaseURL(strings.TrimSuffix(cmp.Or(cfg.BaseURL, DefaultBaseURL), "/"))
	c.SetAPIVersion("v4")
	c.SetRetryCount(0)
	c.UseCache(false)
	c.SetUserAgent("webrana")
	return &Driver{c: &c, pacer: pacer}, nil
}

// Registration is Linode's entry in the registry of providers.
func Registration() cloud.Registration {
	return cloud.Registration{Type: Type, Name: "Linode", Capabilities: Capabilities(), RatePolicy: RatePolicy,
		BudgetPath: "/v4/account", New: cloud.Constructor(New)}
}

// Provider is "linode".
func (d *Driver) Provider() string { return Type }

// Capabilities is what every Linode account can do (see Capabilities).
func (d *Driver) Capabilities() cloud.Capabilities { return Capabilities() }

// Capabilities declares Linode's: a root password every create needs
// (root_pass), no user data, monitoring agent or VPCs through this driver,
// IPv6 on every Linode, StackScripts with their fields, a reboot for a
// power cycle, resizes of running Linodes (restarted), password resets
// that take the password and need the Linode stopped, rebuilds with a new
// password, no published server limit, and Cloud Firewalls (firewalls.go).
func Capabilities() cloud.Capabilities {
	return cloud.Capabilities{RootPassword: cloud.RootPasswordNative, RootPasswordRequired: true, Backups: true, BackupActions: true,
		IPv6Always: true, Marketplace: cloud.MarketplaceScripts, PasswordReset: cloud.PasswordResetGiven,
		PasswordResetStopped: true, RebuildPassword: true, Snapshots: true, SnapshotRestorePassword: true, Firewall: true, RDNS: cloud.RDNSPerAddress, ResizeDisk: cloud.ResizeDiskAlways}
}

// Classify maps linodego's errors to portable codes.
func (d *Driver) Classify(err error) *cloud.Error {
	var le *linodego.Error
	if !errors.As(err, &le) {
		if errors.Is(err, context.Canceled) {
			return &cloud.Error{Code: cloud.Unknown, Message: "canceled", Err: err}
		}
		return &cloud.Error{Code: cloud.Unavailable, Message: "Linode could not be reached", Err: err}
	}
	e := &cloud.Error{Message: le.Message, Err: err}
	switch s := le.Code; {
	case s < 100: // linodego's codes for errors without an HTTP answer
		e.Code = cloud.Unavailable
	case s == http.StatusUnauthorized:
		e.Code = cloud.Unauthorized
	case s == http.StatusForbidden:
		e.Code = cloud.Forbidden
	case s == http.StatusNotFound:
		e.Code = cloud.NotFound
	case s == http.StatusTooManyRequests:
		e.Code = cloud.RateLimited
		e.RetryAfter = d.pacer.RetryAfter(le.Response)
	case s == http.StatusBadRequest && strings.Contains(le.Message, "Account Limit reached"):
		e.Code = cloud.QuotaExceeded
	case s == http.StatusConflict:
		e.Code = cloud.Conflict
	case s >= 500:
		e.Code = cloud.Unavailable
	case s >= 400:
		e.Code = cloud.InvalidArgument
		e.Field = field(le.Message)
	default:
		e.Code = cloud.Unknown
	}
	return e
}

// field takes the field name from linodego's "[field] reason" messages.
func field(msg string) string {
	if strings.HasPrefix(msg, "[") {
		if end := strings.Index(msg, "]"); end > 1 {
			return msg[1:end]
		}
	}
	return ""
}

// Account returns the account's e-mail and server count. Linode publishes
// no server limit: the operator sets one.
func (d *Driver) Account(ctx context.Context) (*cloud.AccountInfo, error) {
	info, err := d.AccountStatus(ctx)
	if err != nil {
		return nil, err
	}
	opts := &linodego.ListOptions{PageOptions: &linodego.PageOptions{Page: 1}, PageSize: 25}
	if _, err := d.c.ListInstances(ctx, opts); err != nil {
		return nil, err
	}
	info.Active = opts.Results
	return info, nil
}

// AccountStatus returns the account's e-mail: GET /v4/account alone.
func (d *Driver) AccountStatus(ctx context.Context) (*cloud.AccountInfo, error) {
	a, err := d.c.GetAccount(ctx)
	if err != nil {
		return nil, err
	}
	return &cloud.AccountInfo{Email: a.Email, UUID: a.EUUID, Status: "active"}, nil
}

func linodeID(id string) (int, error) {
	n, err := strconv.Atoi(id)
	if err != nil || n <= 0 {
		return 0, &cloud.Error{Code: cloud.NotFound, Message: "no linode " + id}
	}
	return n, nil
}

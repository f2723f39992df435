// Package digitalocean is the cloud driver for DigitalOcean, over the
// official godo client. It is the only package that imports godo.
package digitalocean

import (
	"cmp"
	"context"
	"errors"
	"net/http"
	"strconv"
	"strings"
	"time"

	"github.com/digitalocean/godo"

	"github.com/webrana/webrana/cloud"
)

// Type is DigitalOcean's provider type, as Webrana and cloudsim name it.
const Type = "digitalocean"

// DefaultBaseURL is DigitalOcean's API.
const DefaultBaseURL = "https://api.digitalocean.com/"

// RatePolicy is DigitalOcean's published limits per token: 5,000 requests
// an hour and 250 a minute, one budget for every request (reported in the
// Ratelimit-* headers), and at most 10 SSH key creations a minute. Key
// creations are paced in a bucket of their own, so at most 10 a minute go
// uncounted in the shared budget: a margin the 250 absorbs.
var RatePolicy = cloud.RatePolicy{
	Bucket: func(method, path string) (string, []cloud.Limit) {
		if method == http.MethodPost && strings.HasSuffix(path, "/v2/account/keys") {
			return "keys", []cloud.Limit{{N: 10, Per: time.Minute}, {N: 250, Per: time.Minute}, {N: 5000, Per: time.Hour}}
		}
		return "all", []cloud.Limit{{N: 250, Per: time.Minute}, {N: 5000, Per: time.Hour}}
	},
	Remaining: "Ratelimit-Remaining", Reset: "Ratelimit-Reset",
}

// Config configures a driver: the account's token, and BaseURL (default
// DefaultBaseURL; DIGITALOCEAN_API_URL overrides it).
type Config = cloud.DriverConfig

// Driver implements cloud.Driver for one DigitalOcean account.
type Driver struct {
	c     *godo.Client
	pacer *cloud.Pacer // the account's, which knows how long a 429 holds it back
}

var _ cloud.Driver = (*Driver)(nil)

// New returns a driver. godo's own retries stay off (no
// WithRetryAndBackoffs): the cloud.Client retries what is safe to retry.
// godo's client sends no token of its own without oauth2, so the HTTP
// client adds it.
func New(cfg Config) (*Driver, error) {
	hc, pacer, err := cfg.HTTPClient(Type, RatePolicy, true)
	if err != nil {
		return nil, err
	}
	base := cmp.Or(cfg.BaseURL, DefaultBaseURL)
	if !strings.HasSuffix(base, "/") {
		base += "/"
	}
	c, err := godo.New(hc, godo.SetBaseURL(base), godo.SetUserAgent("webrana"))
	if err != nil {
		return nil, err
	}
	return &Driver{c: c, pacer: pacer}, nil
}

// Registration is DigitalOcean's entry in the registry of providers.
func Registration() cloud.Registration {
	return cloud.Registration{Type: Type, Name: "DigitalOcean", Capabilities: Capabilities(), RatePolicy: RatePolicy,
		BudgetPath: "/v2/account", New: cloud.Constructor(New)}
}

// Provider is "digitalocean".
func (d *Driver) Provider() string { return Type }

// Capabilities is what every DigitalOcean account can do (see Capabilities).
func (d *Driver) Capabilities() cloud.Capabilities { return Capabilities() }

// Capabilities declares DigitalOcean's: no password field (cloud-init sets
// it; without one or an SSH key DigitalOcean e-mails a password to the
// account's owner), a monitoring agent, VPCs, IPv6 on request, 1-click
// app images, a native power cycle, resizes of stopped droplets only,
// password resets it chooses and e-mails, rebuilds that keep the password,
// a published droplet limit, and Cloud Firewalls (firewalls.go).
func Capabilities() cloud.Capabilities {
	return cloud.Capabilities{RootPassword: cloud.RootPasswordCloudInit, UserData: true, MonitoringAgent: true, VPC: true,
		Backups: true, BackupActions: true, BackupPricePercent: BackupPricePercent, Marketplace: cloud.MarketplaceImages, PowerCycle: true, ResizeStopped: true,
		PasswordReset: cloud.PasswordResetEmailed, PublishesLimit: true, Snapshots: true, Firewall: true,
		RDNS: cloud.RDNSServerName, ResizeDisk: cloud.ResizeDiskOptional}
}

// Classify maps godo's errors to portable codes.
func (d *Driver) Classify(err error) *cloud.Error {
	var er *godo.ErrorResponse
	var arg *godo.ArgError
	switch {
	case errors.As(err, &er) && er.Response != nil:
		return d.classifyStatus(er.Response, er.Message, err)
	case errors.As(err, &arg):
		return &cloud.Error{Code: cloud.InvalidArgument, Message: arg.Error(), Err: err}
	case errors.Is(err, context.Canceled):
		return &cloud.Error{Code: cloud.Unknown, Message: "canceled", Err: err}
	default: // the network: refused, reset, timed out, answer lost
		return &cloud.Error{Code: cloud.Unavailable, Message: "DigitalOcean could not be reached", Err: err}
	}
}

func (d *Driver) classifyStatus(res *http.Response, msg string, err error) *cloud.Error {
	e := &cloud.Error{Message: msg, Err: err}
	switch s := res.StatusCode; {
	case s == http.StatusUnauthorized:
		e.Code = cloud.Unauthorized
	case s == http.StatusForbidden:
		e.Code = cloud.Forbidden
	case s == http.StatusNotFound:
		e.Code = cloud.NotFound
	case s == http.StatusTooManyRequests:
		e.Code = cloud.RateLimited
		e.RetryAfter = d.pacer.RetryAfter(res)
	case s == http.StatusUnprocessableEntity && strings.Contains(msg, "droplet limit"):
		e.Code = cloud.QuotaExceeded
	case s == http.StatusConflict:
		e.Code = cloud.Conflict
	case s >= 500:
		e.Code = cloud.Unavailable
	case s >= 400:
		e.Code = cloud.InvalidArgument
	default:
		e.Code = cloud.Unknown
	}
	return e
}

// Account returns the account's limit, e-mail, status and droplet count.
func (d *Driver) Account(ctx context.Context) (*cloud.AccountInfo, error) {
	info, err := d.AccountStatus(ctx)
	if err != nil {
		return nil, err
	}
	// One droplet per page: the total is in meta.
	_, res, err := d.c.Droplets.List(ctx, &godo.ListOptions{Page: 1, PerPage: 1})
	if err != nil {
		return nil, err
	}
	if res.Meta != nil {
		info.Active = res.Meta.Total
	}
	return info, nil
}

// AccountStatus returns the account's limit, e-mail and status: GET
// /v2/account alone.
func (d *Driver) AccountStatus(ctx context.Context) (*cloud.AccountInfo, error) {
	a, _, err := d.c.Account.Get(ctx)
	if err != nil {
		return nil, err
	}
	return &cloud.AccountInfo{Email: a.Email, UUID: a.UUID, Status: a.Status, Limit: a.DropletLimit, LimitKnown: true}, nil
}

func dropletID(id string) (int, error) {
	n, err := strconv.Atoi(id)
	if err != nil || n <= 0 {
		return 0, &cloud.Error{Code: cloud.NotFound, Message: "no droplet " + id}
	}
	return n, nil
}

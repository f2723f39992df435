package digitalocean

import (
	"context"
	"fmt"
	"slices"
	"strconv"
	"strings"
	"time"
	"unicode"
	"unicode/utf8"

	"github.com/digitalocean/godo"

	"github.com/webrana/webrana/cloud"
)

// maxPerPage is DigitalOcean's largest page.
const maxPerPage = 200

// CreateInstance creates a droplet. A 1-click app is created from its
// image, and the root password, which DigitalOcean has no field for, is
// set by cloud-init (rootPasswordUserData).
func (d *Driver) CreateInstance(ctx context.Context, req *cloud.CreateRequest) (*cloud.Instance, error) {
	image, err := appImage(req)
	if err != nil {
		return nil, err
	}
	userData := req.UserData
	if req.RootPassword != "" {
		if userData, err = rootPasswordUserData(req.RootPassword); err != nil {
			return nil, err
		}
	}
	keys := make([]godo.DropletCreateSSHKey, 0, len(req.SSHKeys))
	for _, k := range req.SSHKeys {
		if id, err := strconv.Atoi(k); err == nil {
			keys = append(keys, godo.DropletCreateSSHKey{ID: id})
		} else {
			keys = append(keys, godo.DropletCreateSSHKey{Fingerprint: k})
		}
	}
	tags := req.Tags
	if tags == nil {
		tags = []string{}
	}
	dr, _, err := d.c.Droplets.Create(ctx, &godo.DropletCreateRequest{
		Name: req.Name, Region: req.Region, Size: req.Size, Image: godo.DropletCreateImage{Slug: image},
		SSHKeys: keys, Backups: req.Backups, IPv6: req.IPv6, Monitoring: req.Monitoring,
		UserData: userData, Tags: tags, VPCUUID: req.VPCUUID,
	})
	if err != nil {
		return nil, err
	}
	return instance(dr), nil
}

// appImage is the image to create from. A 1-click app is its image: the
// app's slug is its image's (see Apps), so an app with another image is
// refused.
func appImage(req *cloud.CreateRequest) (string, error) {
	if req.App != "" && req.Image != req.App {
		return "", &cloud.Error{Code: cloud.InvalidArgument, Field: "image",
			Message: fmt.Sprintf("the 1-click app %s is created from its own image %s, not %s", req.App, req.App, req.Image)}
	}
	return req.Image, nil
}

// rootPasswordUserData is the cloud-init that sets root's password. The
// password is written as a double-quoted YAML scalar, in which Go's
// quoting of printable text reads back the same; a password with control
// characters or invalid UTF-8 (which would not) is refused.
func rootPasswordUserData(password string) (string, error) {
	if !utf8.ValidString(password) || strings.ContainsFunc(password, unicode.IsControl) {
		return "", &cloud.Error{Code: cloud.InvalidArgument, Field: "root_password",
			Message: "a root password of printable characters is required"}
	}
	return "#cloud-config\nchpasswd:\n  expire: false\n  users:\n    - name: root\n      password: " +
		strconv.Quote(password) + "\n      type: text\nssh_pwauth: true\n", nil
}

// GetInstance returns a droplet.
func (d *Driver) GetInstance(ctx context.Context, id string) (*cloud.Instance, error) {
	n, err := dropletID(id)
	if err != nil {
		return nil, err
	}
	dr, _, err := d.c.Droplets.Get(ctx, n)
	if err != nil {
		return nil, err
	}
	return instance(dr), nil
}

// ListInstances returns every droplet (or those with a tag), all pages.
func (d *Driver) ListInstances(ctx context.Context, opts cloud.ListOptions) ([]*cloud.Instance, error) {
	var out []*cloud.Instance
	for page := 1; ; page++ {
		lo := &godo.ListOptions{Page: page, PerPage: maxPerPage}
		var drs []godo.Droplet
		var res *godo.Response
		var err error
		if opts.Tag != "" {
			drs, res, err = d.c.Droplets.ListByTag(ctx, opts.Tag, lo)
		} else {
			drs, res, err = d.c.Droplets.List(ctx, lo)
		}
		if err != nil {
			return nil, err
		}
		for i := range drs {
			out = append(out, instance(&drs[i]))
		}
		if res.Links == nil || res.Links.IsLastPage() || len(drs) == 0 {
			return out, nil
		}
	}
}

// DeleteInstance deletes a droplet.
func (d *Driver) DeleteInstance(ctx context.Context, id string) error {
	n, err := dropletID(id)
	if err != nil {
		return err
	}
	_, err = d.c.Droplets.Delete(ctx, n)
	return err
}

// instance converts a droplet.
func instance(dr *godo.Droplet) *cloud.Instance {
	in := &cloud.Instance{ID: strconv.Itoa(dr.ID), Name: dr.Name, Status: status(dr.Status), Size: dr.SizeSlug, Tags: dr.Tags,
		Backups: slices.Contains(dr.Features, "backups"), Monitoring: slices.Contains(dr.Features, "monitoring"), VPCUUID: dr.VPCUUID,
		DiskGB: dr.Disk}
	if dr.Region != nil {
		in.Region = dr.Region.Slug
	}
	if dr.Image != nil {
		in.Image = dr.Image.Slug
	}
	in.IPv4, _ = dr.PublicIPv4()
	in.IPv6, _ = dr.PublicIPv6()
	in.CreatedAt, _ = time.Parse(time.RFC3339, dr.Created)
	return in
}

// status maps DigitalOcean's droplet statuses (new, active, off, archive).
func status(s string) cloud.Status {
	switch s {
	case "new":
		return cloud.StatusProvisioning
	case "active":
		return cloud.StatusActive
	case "off":
		return cloud.StatusOff
	case "archive":
		return cloud.StatusDeleted
	default:
		return cloud.StatusFailed
	}
}

// DoAction starts a droplet action.
func (d *Driver) DoAction(ctx context.Context, id string, req cloud.ActionRequest) (*cloud.Action, error) {
	n, err := dropletID(id)
	if err != nil {
		return nil, err
	}
	da := d.c.DropletActions
	var a *godo.Action
	switch req.Type {
	case cloud.ActionPowerOn:
		a, _, err = da.PowerOn(ctx, n)
	case cloud.ActionPowerOff:
		a, _, err = da.PowerOff(ctx, n)
	case cloud.ActionShutdown:
		a, _, err = da.Shutdown(ctx, n)
	case cloud.ActionReboot:
		a, _, err = da.Reboot(ctx, n)
	case cloud.ActionRebuild:
		a, _, err = da.RebuildByImageSlug(ctx, n, req.Image)
	case cloud.ActionResize:
		a, _, err = da.Resize(ctx, n, req.Size, req.Disk)
	case cloud.ActionRename:
		a, _, err = da.Rename(ctx, n, req.Name)
	case cloud.ActionPassword:
		a, _, err = da.PasswordReset(ctx, n)
	case cloud.ActionPowerCycle:
		a, _, err = da.PowerCycle(ctx, n)
	case cloud.ActionEnableIPv6:
		a, _, err = da.EnableIPv6(ctx, n)
	default:
		return nil, &cloud.Error{Code: cloud.InvalidArgument, Field: "type", Message: "unsupported action " + string(req.Type)}
	}
	if err != nil {
		return nil, err
	}
	return action(a, req.Type), nil
}

// GetAction returns a droplet action's progress.
func (d *Driver) GetAction(ctx context.Context, instanceID, actionID string) (*cloud.Action, error) {
	n, err := dropletID(instanceID)
	if err != nil {
		return nil, err
	}
	aid, err := strconv.Atoi(actionID)
	if err != nil {
		return nil, &cloud.Error{Code: cloud.NotFound, Message: "no action " + actionID}
	}
	a, _, err := d.c.DropletActions.Get(ctx, n, aid)
	if err != nil {
		return nil, err
	}
	return action(a, cloud.ActionType(a.Type)), nil
}

func action(a *godo.Action, t cloud.ActionType) *cloud.Action {
	out := &cloud.Action{ID: strconv.Itoa(a.ID), Type: t, Status: cloud.ActionStatus(a.Status)}
	if a.StartedAt != nil {
		out.StartedAt = a.StartedAt.Time
	}
	if a.CompletedAt != nil {
		c := a.CompletedAt.Time
		out.CompletedAt = &c
	}
	return out
}

// ListActions returns a droplet's actions, every page, newest first. A
// droplet action's type is already the portable one where there is one.
func (d *Driver) ListActions(ctx context.Context, instanceID string) ([]*cloud.Action, error) {
	n, err := dropletID(instanceID)
	if err != nil {
		return nil, err
	}
	list, err := listAll(ctx, func(ctx context.Context, lo *godo.ListOptions) ([]godo.Action, *godo.Response, error) {
		return d.c.Droplets.Actions(ctx, n, lo)
	})
	if err != nil {
		return nil, err
	}
	out := make([]*cloud.Action, 0, len(list))
	for i := range list {
		out = append(out, action(&list[i], cloud.ActionType(list[i].Type)))
	}
	cloud.SortNewestFirst(out)
	return out, nil
}

// ListedAs is t: every portable action is a droplet action of its own,
// but set_rdns, which is a rename, and a backup's restore, a droplet
// "restore" (backups.go).
func (d *Driver) ListedAs(t cloud.ActionType) cloud.ActionType {
	switch t {
	case cloud.ActionSetRDNS:
		return cloud.ActionRename
	case cloud.ActionRestoreBackup:
		return listedRestore
	}
	return t
}

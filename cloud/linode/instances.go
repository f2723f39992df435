package linode

import (
	"context"
	"encoding/json"
	"strconv"
	"strings"

	"github.com/linode/linodego"

	"github.com/webrana/webrana/cloud"
)

// CreateInstance creates a Linode. SSH keys are passed inline as
// authorized_keys (see EnsureSSHKey); the root password is its root_pass;
// a marketplace app is a StackScript, run with the app's fields.
func (d *Driver) CreateInstance(ctx context.Context, req *cloud.CreateRequest) (*cloud.Instance, error) {
	script, err := stackScriptID(req.App)
	if err != nil {
		return nil, err
	}
	in, err := d.c.CreateInstance(ctx, linodego.InstanceCreateOptions{
		Region: req.Region, Type: req.Size, Label: req.Name, Image: req.Image, RootPass: req.RootPassword,
		AuthorizedKeys: req.SSHKeys, BackupsEnabled: req.Backups, Tags: req.Tags,
		StackScriptID: script, StackScriptData: req.AppFields,
	})
	if err != nil {
		return nil, err
	}
	return instance(in), nil
}

// stackScriptID is the StackScript an app names (its id, as Apps lists
// it), or 0 for none.
func stackScriptID(app string) (int, error) {
	if app == "" {
		return 0, nil
	}
	id, err := strconv.Atoi(app)
	if err != nil || id <= 0 {
		return 0, &cloud.Error{Code: cloud.InvalidArgument, Field: "app", Message: "no StackScript " + app}
	}
	return id, nil
}

// GetInstance returns a Linode.
func (d *Driver) GetInstance(ctx context.Context, id string) (*cloud.Instance, error) {
	in, err := d.get(ctx, id)
	if err != nil {
		return nil, err
	}
	return instance(in), nil
}

func (d *Driver) get(ctx context.Context, id string) (*linodego.Instance, error) {
	n, err := linodeID(id)
	if err != nil {
		return nil, err
	}
	return d.c.GetInstance(ctx, n)
}

// ListInstances returns every Linode (or those with a tag); linodego walks
// the pages.
func (d *Driver) ListInstances(ctx context.Context, opts cloud.ListOptions) ([]*cloud.Instance, error) {
	lo := &linodego.ListOptions{PageSize: 500}
	if opts.Tag != "" {
		f, err := json.Marshal(map[string]string{"tags": opts.Tag})
		if err != nil {
			return nil, err
		}
		lo.Filter = string(f)
	}
	ins, err := d.c.ListInstances(ctx, lo)
	if err != nil {
		return nil, err
	}
	out := make([]*cloud.Instance, 0, len(ins))
	for i := range ins {
		out = append(out, instance(&ins[i]))
	}
	return out, nil
}

// DeleteInstance deletes a Linode.
func (d *Driver) DeleteInstance(ctx context.Context, id string) error {
	n, err := linodeID(id)
	if err != nil {
		return err
	}
	return d.c.DeleteInstance(ctx, n)
}

func instance(in *linodego.Instance) *cloud.Instance {
	out := &cloud.Instance{ID: strconv.Itoa(in.ID), Name: in.Label, Status: status(in.Status), Region: in.Region,
		Size: in.Type, Image: in.Image, Tags: in.Tags, IPv6: strings.TrimSuffix(in.IPv6, "/128")}
	if in.Backups != nil {
		out.Backups = in.Backups.Enabled
	}
	if in.Specs != nil {
		out.DiskGB = in.Specs.Disk / 1024 // MB
	}
	for _, ip := range in.IPv4 {
		if ip != nil && !ip.IsPrivate() {
			out.IPv4 = ip.String()
			break
		}
	}
	if in.Created != nil {
		out.CreatedAt = in.Created.UTC()
	}
	return out
}

// status maps Linode's statuses: transitions of a running server count as
// active, those before its first boot as provisioning.
func status(s linodego.InstanceStatus) cloud.Status {
	switch s {
	case linodego.InstanceRunning, linodego.InstanceBooting, linodego.InstanceRebooting,
		linodego.InstanceShuttingDown, linodego.InstanceResizing, linodego.InstanceMigrating:
		return cloud.StatusActive
	case linodego.InstanceOffline:
		return cloud.StatusOff
	case linodego.InstanceProvisioning, linodego.InstanceRebuilding, linodego.InstanceCloning, linodego.InstanceRestoring:
		return cloud.StatusProvisioning
	case linodego.InstanceDeleting:
		return cloud.StatusDeleting
	default:
		return cloud.StatusFailed
	}
}

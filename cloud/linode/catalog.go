package linode

import (
	"context"
	"regexp"
	"strconv"
	"strings"
	"time"

	"github.com/webrana/webrana/cloud"
)

// Sizes lists Linode types. Linode offers every type in every region whose
// capabilities include Linodes, so each size lists those regions.
func (d *Driver) Sizes(ctx context.Context) ([]*cloud.Size, error) {
	types, err := d.c.ListTypes(ctx, nil)
	if err != nil {
		return nil, err
	}
	regions, err := d.Regions(ctx)
	if err != nil {
		return nil, err
	}
	var slugs []string
	for _, r := range regions {
		if r.Available {
			slugs = append(slugs, r.Slug)
		}
	}
	out := make([]*cloud.Size, 0, len(types))
	for _, t := range types {
		s := &cloud.Size{Slug: t.ID, Description: t.Label, VCPUs: t.VCPUs, MemoryMB: t.Memory, DiskGB: t.Disk / 1024,
			TransferGB: t.Transfer, Regions: slugs, Available: true}
		if t.Price != nil {
			s.PriceMonthly, s.PriceHourly = float64(t.Price.Monthly), float64(t.Price.Hourly)
		}
		if t.Addons != nil && t.Addons.Backups != nil && t.Addons.Backups.Price != nil {
			s.BackupPriceMonthly, s.BackupPriceHourly = float64(t.Addons.Backups.Price.Monthly), float64(t.Addons.Backups.Price.Hourly)
		}
		out = append(out, s)
	}
	return out, nil
}

// Regions lists Linode's regions.
func (d *Driver) Regions(ctx context.Context) ([]*cloud.Region, error) {
	regions, err := d.c.ListRegions(ctx, nil)
	if err != nil {
		return nil, err
	}
	out := make([]*cloud.Region, 0, len(regions))
	for _, r := range regions {
		out = append(out, &cloud.Region{Slug: r.ID, Name: r.Label, Available: r.Status == "ok", Features: r.Capabilities})
	}
	return out, nil
}

// Images lists public distribution images; Linode has no application images
// (its marketplace is StackScripts, see Apps).
func (d *Driver) Images(ctx context.Context, t cloud.ImageType) ([]*cloud.Image, error) {
	if t == cloud.ImageApplication {
		return []*cloud.Image{}, nil
	}
	images, err := d.c.ListImages(ctx, nil)
	if err != nil {
		return nil, err
	}
	out := make([]*cloud.Image, 0, len(images))
	for _, im := range images {
		if !im.IsPublic || im.Deprecated {
			continue
		}
		out = append(out, &cloud.Image{Slug: im.ID, Name: im.Label, Distribution: im.Vendor, Type: cloud.ImageDistribution,
			MinDiskGB: (im.Size + 1023) / 1024})
	}
	return out, nil
}

// Apps lists public StackScripts with the fields they ask for.
func (d *Driver) Apps(ctx context.Context) ([]*cloud.App, error) {
	scripts, err := d.c.ListStackscripts(ctx, nil)
	if err != nil {
		return nil, err
	}
	out := make([]*cloud.App, 0, len(scripts))
	for _, s := range scripts {
		if !s.IsPublic {
			continue
		}
		app := &cloud.App{Slug: strconv.Itoa(s.ID), Name: s.Label, Category: cloud.AppCategory(s.Label),
			Description: s.Description, Images: s.Images}
		if s.UserDefinedFields != nil {
			required := requiredUDFs(s.Script)
			for _, f := range *s.UserDefinedFields {
				field := cloud.AppField{Name: f.Name, Label: f.Label, Default: f.Default, Example: f.Example, Required: required[f.Name]}
				if f.OneOf != "" {
					field.OneOf = strings.Split(f.OneOf, ",")
				}
				app.Fields = append(app.Fields, field)
			}
		}
		out = append(out, app)
	}
	return out, nil
}

// EnsureSSHKey needs no call at Linode: keys go inline into each create's
// authorized_keys. It returns the key itself as its id, with its MD5
// fingerprint.
func (d *Driver) EnsureSSHKey(ctx context.Context, name, publicKey string) (*cloud.SSHKey, error) {
	fp, err := cloud.Fingerprint(publicKey)
	if err != nil {
		return nil, &cloud.Error{Code: cloud.InvalidArgument, Field: "public_key", Message: err.Error()}
	}
	fields := strings.Fields(publicKey)
	key := strings.Join(fields[:2], " ")
	return &cloud.SSHKey{ID: key, Name: name, Fingerprint: fp, PublicKey: key}, nil
}

// Metrics returns a Linode's CPU use, in percent busy of all its vCPUs
// (0 to 100), or its public IPv4 bandwidth out, in bits per second, from
// the last 24 hours Linode keeps, cut to the asked period. Linode counts
// CPU at 100 percent per core, so it is divided by the Linode's vCPUs.
func (d *Driver) Metrics(ctx context.Context, id string, m cloud.Metric, start, end time.Time) ([]cloud.Point, error) {
	n, err := linodeID(id)
	if err != nil {
		return nil, err
	}
	if m != cloud.MetricCPU && m != cloud.MetricBandwidth {
		return nil, &cloud.Error{Code: cloud.InvalidArgument, Field: "metric", Message: "unknown metric " + string(m)}
	}
	cores := 1.0
	if m == cloud.MetricCPU {
		in, err := d.c.GetInstance(ctx, n)
		if err != nil {
			return nil, err
		}
		if in.Specs != nil && in.Specs.VCPUs > 0 {
			cores = float64(in.Specs.VCPUs)
		}
	}
	stats, err := d.c.GetInstanceStats(ctx, n)
	if err != nil {
		return nil, err
	}
	series := stats.Data.NetV4.Out // bits/s already
	if m == cloud.MetricCPU {
		series = stats.Data.CPU
	}
	var out []cloud.Point
	for _, p := range series {
		if len(p) < 2 {
			continue
		}
		t := time.UnixMilli(int64(p[0])).UTC()
		if t.Before(start) || t.After(end) {
			continue
		}
		v := p[1]
		if m == cloud.MetricCPU {
			v = min(max(v/cores, 0), 100)
		}
		out = append(out, cloud.Point{Time: t, Value: v})
	}
	return out, nil
}

// udfTag is a StackScript's declaration of a user-defined field, as Linode
// reads it from the script: <UDF name="…" label="…" default="…">.
var (
	udfTag     = regexp.MustCompile(`<UDF\s([^>]*)>`)
	udfName    = regexp.MustCompile(`\bname\s*=\s*"([^"]*)"`)
	udfDefault = regexp.MustCompile(`\bdefault\s*=`)
)

// requiredUDFs names the fields a script declares without a default:
// Linode deploys the script only with a value for each. The API's field
// list cannot tell them apart (an absent default and an empty one read
// alike), so they are read from the script's own declarations; a field
// not declared there is taken to be optional.
func requiredUDFs(script string) map[string]bool {
	out := map[string]bool{}
	for _, m := range udfTag.FindAllStringSubmatch(script, -1) {
		if name := udfName.FindStringSubmatch(m[1]); name != nil && !udfDefault.MatchString(m[1]) {
			out[name[1]] = true
		}
	}
	return out
}

package digitalocean

import (
	"context"
	"strconv"
	"time"

	"github.com/digitalocean/godo"

	"github.com/webrana/webrana/cloud"
)

// Sizes lists droplet sizes with DigitalOcean's prices.
func (d *Driver) Sizes(ctx context.Context) ([]*cloud.Size, error) {
	return listAll(ctx, func(ctx context.Context, lo *godo.ListOptions) ([]*cloud.Size, *godo.Response, error) {
		sizes, res, err := d.c.Sizes.List(ctx, lo)
		out := make([]*cloud.Size, 0, len(sizes))
		for _, s := range sizes {
			out = append(out, &cloud.Size{Slug: s.Slug, Description: s.Description, VCPUs: s.Vcpus, MemoryMB: s.Memory,
				DiskGB: s.Disk, TransferGB: int(s.Transfer * 1000), PriceMonthly: s.PriceMonthly, PriceHourly: s.PriceHourly,
				Regions: s.Regions, Available: s.Available})
		}
		return out, res, err
	})
}

// Regions lists DigitalOcean's regions.
func (d *Driver) Regions(ctx context.Context) ([]*cloud.Region, error) {
	return listAll(ctx, func(ctx context.Context, lo *godo.ListOptions) ([]*cloud.Region, *godo.Response, error) {
		regions, res, err := d.c.Regions.List(ctx, lo)
		out := make([]*cloud.Region, 0, len(regions))
		for _, r := range regions {
			out = append(out, &cloud.Region{Slug: r.Slug, Name: r.Name, Available: r.Available, Features: r.Features})
		}
		return out, res, err
	})
}

// Images lists public distribution or application images.
func (d *Driver) Images(ctx context.Context, t cloud.ImageType) ([]*cloud.Image, error) {
	list := d.c.Images.ListDistribution
	if t == cloud.ImageApplication {
		list = d.c.Images.ListApplication
	}
	return listAll(ctx, func(ctx context.Context, lo *godo.ListOptions) ([]*cloud.Image, *godo.Response, error) {
		images, res, err := list(ctx, lo)
		out := make([]*cloud.Image, 0, len(images))
		for _, im := range images {
			slug := im.Slug
			if slug == "" {
				slug = strconv.Itoa(im.ID)
			}
			out = append(out, &cloud.Image{Slug: slug, Name: im.Name, Distribution: im.Distribution, Type: t,
				Regions: im.Regions, MinDiskGB: im.MinDiskSize})
		}
		return out, res, err
	})
}

// Apps lists the 1-click applications: the 1-clicks endpoint names them,
// and their application images carry the names and descriptions.
func (d *Driver) Apps(ctx context.Context) ([]*cloud.App, error) {
	clicks, _, err := d.c.OneClick.List(ctx, "droplet")
	if err != nil {
		return nil, err
	}
	images, err := d.Images(ctx, cloud.ImageApplication)
	if err != nil {
		return nil, err
	}
	bySlug := map[string]*cloud.Image{}
	for _, im := range images {
		bySlug[im.Slug] = im
	}
	out := make([]*cloud.App, 0, len(clicks))
	for _, oc := range clicks {
		app := &cloud.App{Slug: oc.Slug, Name: oc.Slug, Category: cloud.AppCategory(oc.Slug)}
		if im, ok := bySlug[oc.Slug]; ok {
			app.Name, app.Description, app.Images = im.Name, im.Distribution, []string{im.Slug}
		}
		out = append(out, app)
	}
	return out, nil
}

// EnsureSSHKey finds a key by fingerprint or registers it.
func (d *Driver) EnsureSSHKey(ctx context.Context, name, publicKey string) (*cloud.SSHKey, error) {
	fp, err := cloud.Fingerprint(publicKey)
	if err != nil {
		return nil, &cloud.Error{Code: cloud.InvalidArgument, Field: "public_key", Message: err.Error()}
	}
	k, res, err := d.c.Keys.GetByFingerprint(ctx, fp)
	if err != nil && (res == nil || res.StatusCode != 404) {
		return nil, err
	}
	if err != nil {
		var createRes *godo.Response
		if k, createRes, err = d.c.Keys.Create(ctx, &godo.KeyCreateRequest{Name: name, PublicKey: publicKey}); err != nil {
			if createRes == nil || createRes.StatusCode != 422 {
				return nil, err
			}
			// "SSH Key is already in use": another request registered it
			// between our lookup and our create. It is there: take it.
			if k, _, err = d.c.Keys.GetByFingerprint(ctx, fp); err != nil {
				return nil, err
			}
		}
	}
	return &cloud.SSHKey{ID: strconv.Itoa(k.ID), Name: k.Name, Fingerprint: k.Fingerprint, PublicKey: k.PublicKey}, nil
}

// Metrics returns a droplet's CPU use or public bandwidth.
func (d *Driver) Metrics(ctx context.Context, id string, m cloud.Metric, start, end time.Time) ([]cloud.Point, error) {
	if _, err := dropletID(id); err != nil {
		return nil, err
	}
	var res *godo.MetricsResponse
	var err error
	switch m {
	case cloud.MetricCPU:
		res, _, err = d.c.Monitoring.GetDropletCPU(ctx, &godo.DropletMetricsRequest{HostID: id, Start: start, End: end})
	case cloud.MetricBandwidth:
		res, _, err = d.c.Monitoring.GetDropletBandwidth(ctx, &godo.DropletBandwidthMetricsRequest{
			DropletMetricsRequest: godo.DropletMetricsRequest{HostID: id, Start: start, End: end},
			Interface:             "public", Direction: "outbound"})
	default:
		return nil, &cloud.Error{Code: cloud.InvalidArgument, Field: "metric", Message: "unknown metric " + string(m)}
	}
	if err != nil {
		return nil, err
	}
	var out []cloud.Point
	if len(res.Data.Result) == 0 {
		return out, nil
	}
	for _, v := range res.Data.Result[0].Values { // one series: the droplet's
		out = append(out, cloud.Point{Time: v.Timestamp.Time().UTC(), Value: float64(v.Value)})
	}
	return out, nil
}

// listAll collects every page of a godo list.
func listAll[T any](ctx context.Context, page func(context.Context, *godo.ListOptions) ([]T, *godo.Response, error)) ([]T, error) {
	var out []T
	for p := 1; ; p++ {
		items, res, err := page(ctx, &godo.ListOptions{Page: p, PerPage: maxPerPage})
		if err != nil {
			return nil, err
		}
		out = append(out, items...)
		if res == nil || res.Links == nil || res.Links.IsLastPage() || len(items) == 0 {
			return out, nil
		}
	}
}

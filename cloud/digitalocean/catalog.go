package digitalocean

import (
	"context"
	"sort"
	"strconv"
	"strings"
	"time"

	"github.com/digitalocean/godo"
	"github.com/digitalocean/godo/metrics"

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
				BackupPriceMonthly: backupPrice(s.PriceMonthly), BackupPriceHourly: backupPrice(s.PriceHourly),
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
	images, err := d.images(ctx, t)
	if err != nil {
		return nil, err
	}
	out := make([]*cloud.Image, 0, len(images))
	for _, im := range images {
		out = append(out, &cloud.Image{Slug: imageSlug(im), Name: im.Name, Distribution: im.Distribution, Type: t,
			Regions: im.Regions, MinDiskGB: im.MinDiskSize})
	}
	return out, nil
}

// images lists every page of public distribution or application images,
// as godo has them.
func (d *Driver) images(ctx context.Context, t cloud.ImageType) ([]godo.Image, error) {
	list := d.c.Images.ListDistribution
	if t == cloud.ImageApplication {
		list = d.c.Images.ListApplication
	}
	return listAll(ctx, list)
}

// imageSlug is an image's slug, or its id for images without one.
func imageSlug(im godo.Image) string {
	if im.Slug == "" {
		return strconv.Itoa(im.ID)
	}
	return im.Slug
}

// Apps lists the 1-click applications: the 1-clicks endpoint names them
// (slug and type only), and their application images carry the
// Marketplace names and descriptions.
func (d *Driver) Apps(ctx context.Context) ([]*cloud.App, error) {
	clicks, _, err := d.c.OneClick.List(ctx, "droplet")
	if err != nil {
		return nil, err
	}
	images, err := d.images(ctx, cloud.ImageApplication)
	if err != nil {
		return nil, err
	}
	bySlug := map[string]godo.Image{}
	for _, im := range images {
		bySlug[imageSlug(im)] = im
	}
	out := make([]*cloud.App, 0, len(clicks))
	for _, oc := range clicks {
		app := &cloud.App{Slug: oc.Slug, Name: oc.Slug, Category: cloud.AppCategory(oc.Slug)}
		if im, ok := bySlug[oc.Slug]; ok {
			app.Images = []string{imageSlug(im)}
			if im.Name != "" {
				app.Name = im.Name
			}
			app.Description = appDescription(im)
		}
		out = append(out, app)
	}
	return out, nil
}

// appDescription is the Marketplace text of a 1-click app's image; without
// one, a line naming the system the app runs on, never the bare family.
func appDescription(im godo.Image) string {
	switch {
	case strings.TrimSpace(im.Description) != "":
		return strings.TrimSpace(im.Description)
	case im.Distribution != "":
		return "1-click app on " + im.Distribution + "."
	}
	return ""
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

// Metrics returns a droplet's CPU use, in percent busy of all its vCPUs
// (0 to 100), or its public outbound bandwidth, in bits per second.
func (d *Driver) Metrics(ctx context.Context, id string, m cloud.Metric, start, end time.Time) ([]cloud.Point, error) {
	if _, err := dropletID(id); err != nil {
		return nil, err
	}
	switch m {
	case cloud.MetricCPU:
		res, _, err := d.c.Monitoring.GetDropletCPU(ctx, &godo.DropletMetricsRequest{HostID: id, Start: start, End: end})
		if err != nil {
			return nil, err
		}
		return cpuPercent(res.Data.Result), nil
	case cloud.MetricBandwidth:
		res, _, err := d.c.Monitoring.GetDropletBandwidth(ctx, &godo.DropletBandwidthMetricsRequest{
			DropletMetricsRequest: godo.DropletMetricsRequest{HostID: id, Start: start, End: end},
			Interface:             "public", Direction: "outbound"})
		if err != nil {
			return nil, err
		}
		var out []cloud.Point
		if len(res.Data.Result) == 0 {
			return out, nil
		}
		for _, v := range res.Data.Result[0].Values { // one series: the droplet's
			// The API answers megabits per second; the portable unit is bit/s.
			out = append(out, cloud.Point{Time: v.Timestamp.Time().UTC(), Value: float64(v.Value) * 1e6})
		}
		return out, nil
	}
	return nil, &cloud.Error{Code: cloud.InvalidArgument, Field: "metric", Message: "unknown metric " + string(m)}
}

// cpuPercent turns the CPU metric's series into percent busy per interval.
// DigitalOcean answers one series per mode (idle, iowait, user, system,
// …), each a cumulative counter of CPU-seconds summed over the vCPUs.
// Between consecutive samples, the time spent in every mode is the
// interval's whole CPU time, and all but idle and iowait is busy:
// busy% = 100 × (Δtotal − Δidle − Δiowait) / Δtotal, dated at the later
// sample. Only times every mode has a sample for count; an interval whose
// total does not grow (a counter reset, as on a reboot) is left out.
func cpuPercent(series []metrics.SampleStream) []cloud.Point {
	type sample struct {
		total, idle float64
		modes       int
	}
	at := map[metrics.Time]*sample{}
	modes := 0
	for _, s := range series {
		mode := string(s.Metric["mode"])
		if strings.HasPrefix(mode, "guest") {
			continue // guest time is counted in user and nice already
		}
		modes++
		for _, v := range s.Values {
			x := at[v.Timestamp]
			if x == nil {
				x = &sample{}
				at[v.Timestamp] = x
			}
			x.total += float64(v.Value)
			if mode == "idle" || mode == "iowait" {
				x.idle += float64(v.Value)
			}
			x.modes++
		}
	}
	times := make([]metrics.Time, 0, len(at))
	for t, x := range at {
		if x.modes == modes {
			times = append(times, t)
		}
	}
	sort.Slice(times, func(i, j int) bool { return times[i] < times[j] })
	var out []cloud.Point
	for i := 1; i < len(times); i++ {
		prev, cur := at[times[i-1]], at[times[i]]
		total := cur.total - prev.total
		if total <= 0 {
			continue
		}
		busy := 100 * (total - (cur.idle - prev.idle)) / total
		out = append(out, cloud.Point{Time: times[i].Time().UTC(), Value: min(max(busy, 0), 100)})
	}
	return out
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

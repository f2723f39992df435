package cloudtest

import (
	"context"
	"slices"
	"testing"

	"github.com/webrana/webrana/cloud"
	"github.com/webrana/webrana/cloudsim"
)

// wantEveryItemOnce checks that a list the driver collected holds every
// item of the simulator's catalog list exactly once (keys are the items'
// slugs).
func wantEveryItemOnce(t *testing.T, provider, list string, keys []string) {
	t.Helper()
	seen := map[string]bool{}
	for _, k := range keys {
		if seen[k] {
			t.Errorf("%s: %s came back twice", list, k)
		}
		seen[k] = true
	}
	if want := cloudsim.CatalogCount(provider, list); len(keys) != want {
		t.Errorf("%s: %d items, the catalog has %d", list, len(keys), want)
	}
}

func slugs[T any](items []T, slug func(T) string) []string {
	out := make([]string, 0, len(items))
	for _, it := range items {
		out = append(out, slug(it))
	}
	return out
}

func testCatalog(t *testing.T, f *fixture) {
	ctx := context.Background()
	sizes, err := f.client.Sizes(ctx)
	if err != nil || len(sizes) < 5 {
		t.Fatalf("Sizes: %d, %v", len(sizes), err)
	}
	wantEveryItemOnce(t, f.h.Registration.Type, cloudsim.CatalogSizes, slugs(sizes, func(s *cloud.Size) string { return s.Slug }))
	var harnessSize *cloud.Size
	for _, s := range sizes {
		if s.Slug == "" || s.VCPUs < 1 || s.MemoryMB < 512 || s.DiskGB < 1 || s.PriceMonthly <= 0 || s.PriceHourly <= 0 {
			t.Errorf("size %+v lacks specs or prices", s)
		}
		if s.Slug == f.h.Size {
			harnessSize = s
		}
	}
	if harnessSize == nil || !slices.Contains(harnessSize.Regions, f.h.Region) {
		t.Fatalf("size %s missing or not offered in %s", f.h.Size, f.h.Region)
	}
	regions, err := f.client.Regions(ctx)
	if err != nil || !slices.ContainsFunc(regions, func(r *cloud.Region) bool { return r.Slug == f.h.Region && r.Available && r.Name != "" }) {
		t.Fatalf("Regions lack an available %s: %v", f.h.Region, err)
	}
	images, err := f.client.Images(ctx, cloud.ImageDistribution)
	if err != nil || !slices.ContainsFunc(images, func(i *cloud.Image) bool { return i.Slug == f.h.Image && i.Distribution != "" }) {
		t.Fatalf("distribution images lack %s with its family: %v", f.h.Image, err)
	}
	for _, i := range images {
		if i.Type != cloud.ImageDistribution {
			t.Errorf("image %s of type %s among distributions", i.Slug, i.Type)
		}
	}
	imageSlug := func(i *cloud.Image) string { return i.Slug }
	wantEveryItemOnce(t, f.h.Registration.Type, cloudsim.CatalogDistributions, slugs(images, imageSlug))
	appImages, err := f.client.Images(ctx, cloud.ImageApplication)
	if err != nil {
		t.Fatal(err)
	}
	wantEveryItemOnce(t, f.h.Registration.Type, cloudsim.CatalogApplications, slugs(appImages, imageSlug))
	apps, err := f.client.Apps(ctx)
	if err != nil || len(apps) < 3 {
		t.Fatalf("Apps: %d, %v", len(apps), err)
	}
	wantEveryItemOnce(t, f.h.Registration.Type, cloudsim.CatalogApps, slugs(apps, func(a *cloud.App) string { return a.Slug }))
	pages := 0
	for _, r := range f.sim.Stats().Requests {
		if r.Method == "GET" && r.Path == f.h.MultiPageCatalog && r.Status == 200 {
			pages += r.Count
		}
	}
	if pages < 2 {
		t.Errorf("GET %s answered %d times: the driver did not walk its pages", f.h.MultiPageCatalog, pages)
	}
	families := map[string]bool{}
	for _, i := range images {
		families[i.Distribution] = true
	}
	for _, a := range apps {
		if a.Slug == "" || a.Name == "" {
			t.Errorf("app %+v lacks slug or name", a)
		}
		// The simulators give every app a text of its own: it must be the
		// description, not the family of the system it runs on.
		if a.Description == "" || families[a.Description] {
			t.Errorf("app %s has description %q; want its own text", a.Slug, a.Description)
		}
	}
}

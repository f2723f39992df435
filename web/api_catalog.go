package web

import (
	"net/http"
	"slices"
	"sort"

	"github.com/webrana/webrana/cloud"
)

// catalogResponse is every catalog answer: one page of the items (?page=
// and ?per_page=, as every list), in the shape of the other lists, plus
// their freshness and, for images and apps, the page's items grouped for
// display.
type catalogResponse[T, G any] struct {
	listResponse[T]
	catalogMeta
	Groups []G `json:"groups,omitempty"`
}

// catalogPage cuts the page the request asks for out of a whole catalog
// and groups its items with grouped (nil: no groups).
func catalogPage[T, G any](r *http.Request, items []T, meta catalogMeta, grouped func([]T) []G) (catalogResponse[T, G], error) {
	p, err := pageParams(r)
	if err != nil {
		return catalogResponse[T, G]{}, err
	}
	out := catalogResponse[T, G]{listResponse: pageOf(items, p), catalogMeta: meta}
	if grouped != nil {
		out.Groups = grouped(out.Items)
	}
	return out, nil
}

type sizeJSON struct {
	Slug         string   `json:"slug"`
	Description  string   `json:"description"`
	VCPUs        int      `json:"vcpus"`
	MemoryMB     int      `json:"memory_mb"`
	DiskGB       int      `json:"disk_gb"`
	TransferGB   int      `json:"transfer_gb"`
	PriceMonthly float64  `json:"price_monthly"` // the provider's list price, not Webrana's (see plans)
	PriceHourly  float64  `json:"price_hourly"`
	Currency     string   `json:"currency"`
	Regions      []string `json:"regions"`
	Available    bool     `json:"available"`
}

// handleSizes lists a provider's sizes with their prices and regions;
// ?region= keeps those offered there.
func (s *Server) handleSizes(w http.ResponseWriter, r *http.Request) error {
	p, err := s.providerKind(r)
	if err != nil {
		return err
	}
	res, err := s.catalog.GetSizes(r.Context(), p)
	if err != nil {
		return err
	}
	region := r.URL.Query().Get("region")
	var out []sizeJSON
	for _, z := range res.Items {
		if region != "" && !slices.Contains(z.Regions, region) {
			continue
		}
		out = append(out, sizeJSON{Slug: z.Slug, Description: z.Description, VCPUs: z.VCPUs, MemoryMB: z.MemoryMB,
			DiskGB: z.DiskGB, TransferGB: z.TransferGB, PriceMonthly: z.PriceMonthly, PriceHourly: z.PriceHourly,
			Currency: "USD", Regions: nonNil(z.Regions), Available: z.Available}) // the provider's prices (cloud.Size), not webrana.BillingCurrency
	}
	return writePage(w, r, out, catalogMeta{res.FetchedAt, res.Stale}, noGroups[sizeJSON])
}

type regionJSON struct {
	Slug      string   `json:"slug"`
	Name      string   `json:"name"`
	Available bool     `json:"available"`
	Features  []string `json:"features"`
}

func (s *Server) handleRegions(w http.ResponseWriter, r *http.Request) error {
	p, err := s.providerKind(r)
	if err != nil {
		return err
	}
	res, err := s.catalog.GetRegions(r.Context(), p)
	if err != nil {
		return err
	}
	out := make([]regionJSON, 0, len(res.Items))
	for _, g := range res.Items {
		out = append(out, regionJSON{Slug: g.Slug, Name: g.Name, Available: g.Available, Features: nonNil(g.Features)})
	}
	return writePage(w, r, out, catalogMeta{res.FetchedAt, res.Stale}, noGroups[regionJSON])
}

type imageJSON struct {
	Slug         string   `json:"slug"`
	Name         string   `json:"name"`
	Distribution string   `json:"distribution"`
	Type         string   `json:"type"`
	Regions      []string `json:"regions"`
	MinDiskGB    int      `json:"min_disk_gb"`
}

type imageGroup struct {
	Distribution string      `json:"distribution"`
	Images       []imageJSON `json:"images"`
}

// handleImages lists images of ?type=distribution (default) or application,
// and groups them by distribution family.
func (s *Server) handleImages(w http.ResponseWriter, r *http.Request) error {
	p, err := s.providerKind(r)
	if err != nil {
		return err
	}
	t := cloud.ImageType(r.URL.Query().Get("type"))
	switch t {
	case "":
		t = cloud.ImageDistribution
	case cloud.ImageDistribution, cloud.ImageApplication:
	default:
		return fieldErr("type", "type must be distribution or application.")
	}
	res, err := s.catalog.GetImages(r.Context(), p, t)
	if err != nil {
		return err
	}
	out := make([]imageJSON, 0, len(res.Items))
	for _, im := range res.Items {
		out = append(out, imageJSON{Slug: im.Slug, Name: im.Name, Distribution: im.Distribution, Type: string(im.Type),
			Regions: nonNil(im.Regions), MinDiskGB: im.MinDiskGB})
	}
	return writePage(w, r, out, catalogMeta{res.FetchedAt, res.Stale}, func(items []imageJSON) []imageGroup {
		return group(items, func(i imageJSON) string { return i.Distribution },
			func(k string, items []imageJSON) imageGroup { return imageGroup{Distribution: k, Images: items} })
	})
}

type appJSON struct {
	Slug        string      `json:"slug"`
	Name        string      `json:"name"`
	Category    string      `json:"category"`
	Description string      `json:"description"`
	Images      []string    `json:"images"`
	Fields      []fieldJSON `json:"fields"`
}

type fieldJSON struct {
	Name    string   `json:"name"`
	Label   string   `json:"label"`
	Default string   `json:"default"`
	Example string   `json:"example"`
	OneOf   []string `json:"one_of"`
	// Required: an order of the app must give this field a value.
	Required bool `json:"required"`
}

type appGroup struct {
	Category string    `json:"category"`
	Apps     []appJSON `json:"apps"`
}

// handleMarketplace lists marketplace apps (DigitalOcean 1-clicks, Linode
// StackScripts with their fields), grouped by category.
func (s *Server) handleMarketplace(w http.ResponseWriter, r *http.Request) error {
	p, err := s.providerKind(r)
	if err != nil {
		return err
	}
	res, err := s.catalog.GetApps(r.Context(), p)
	if err != nil {
		return err
	}
	out := make([]appJSON, 0, len(res.Items))
	for _, a := range res.Items {
		fields := make([]fieldJSON, 0, len(a.Fields))
		for _, f := range a.Fields {
			fields = append(fields, fieldJSON{Name: f.Name, Label: f.Label, Default: f.Default, Example: f.Example, OneOf: nonNil(f.OneOf),
				Required: f.Required})
		}
		out = append(out, appJSON{Slug: a.Slug, Name: a.Name, Category: a.Category, Description: a.Description,
			Images: nonNil(a.Images), Fields: fields})
	}
	return writePage(w, r, out, catalogMeta{res.FetchedAt, res.Stale}, func(items []appJSON) []appGroup {
		return group(items, func(a appJSON) string { return a.Category },
			func(k string, items []appJSON) appGroup { return appGroup{Category: k, Apps: items} })
	})
}

// writePage answers one page of a catalog (see catalogPage).
func writePage[T, G any](w http.ResponseWriter, r *http.Request, items []T, meta catalogMeta, grouped func([]T) []G) error {
	out, err := catalogPage(r, items, meta, grouped)
	if err != nil {
		return err
	}
	writeJSON(w, http.StatusOK, out)
	return nil
}

// noGroups is the grouping of catalogs shown ungrouped.
func noGroups[T any]([]T) []struct{} { return nil }

// group gathers items by key, groups sorted by key, items in their order.
func group[T, G any](items []T, keyOf func(T) string, mk func(string, []T) G) []G {
	by := map[string][]T{}
	for _, it := range items {
		by[keyOf(it)] = append(by[keyOf(it)], it)
	}
	keys := make([]string, 0, len(by))
	for k := range by {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	out := make([]G, 0, len(keys))
	for _, k := range keys {
		out = append(out, mk(k, by[k]))
	}
	return out
}

func nonNil[T any](s []T) []T {
	if s == nil {
		return []T{}
	}
	return s
}

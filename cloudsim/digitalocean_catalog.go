package cloudsim

import (
	"cmp"
	"embed"
	"encoding/json"
	"fmt"
	"net/http"
	"slices"
	"strconv"
	"sync"
)

// DigitalOcean's public catalog: sizes, regions, distribution images and
// 1-Click applications, as the real API lists them (slugs, specs, prices and
// region availability). The data is embedded from catalog/digitalocean.
//
//go:embed catalog/digitalocean/*.json
var doCatalogFS embed.FS

// doSize is a size as GET /v2/sizes shows it.
type doSize struct {
	Slug         string       `json:"slug"`
	Memory       int          `json:"memory"`
	Vcpus        int          `json:"vcpus"`
	Disk         int          `json:"disk"`
	Transfer     float64      `json:"transfer"`
	PriceMonthly float64      `json:"price_monthly"`
	PriceHourly  float64      `json:"price_hourly"`
	Regions      []string     `json:"regions"`
	Available    bool         `json:"available"`
	Description  string       `json:"description"`
	DiskInfo     []doDiskInfo `json:"disk_info"`
}

type doDiskInfo struct {
	Type string `json:"type"`
	Size struct {
		Amount int    `json:"amount"`
		Unit   string `json:"unit"`
	} `json:"size"`
}

func doLocalDisk(gb int) []doDiskInfo {
	d := doDiskInfo{Type: "local"}
	d.Size.Amount, d.Size.Unit = gb, "gib"
	return []doDiskInfo{d}
}

// doRegion is a region as GET /v2/regions shows it; Sizes is derived from
// the sizes' region lists.
type doRegion struct {
	Slug      string   `json:"slug"`
	Name      string   `json:"name"`
	Features  []string `json:"features"`
	Available bool     `json:"available"`
	Sizes     []string `json:"sizes"`
}

// doImage is an image as GET /v2/images shows it: public distributions and
// applications from the catalog, and an account's snapshots.
type doImage struct {
	ID            int      `json:"id"`
	Name          string   `json:"name"`
	Type          string   `json:"type"`
	Distribution  string   `json:"distribution"`
	Slug          *string  `json:"slug"`
	Public        bool     `json:"public"`
	Regions       []string `json:"regions"`
	CreatedAt     string   `json:"created_at"`
	MinDiskSize   int      `json:"min_disk_size"`
	SizeGigabytes float64  `json:"size_gigabytes"`
	Description   string   `json:"description"`
	Tags          []string `json:"tags"`
	Status        string   `json:"status"`
	ErrorMessage  string   `json:"error_message"`

	application bool   // a 1-Click application (GET /v2/images?type=application)
	category    string // its Marketplace category
}

// doApp is a 1-Click application in the catalog file; it is listed by
// GET /v2/1-clicks (slug and type, as the real API) and is an application
// image. Name, category and description are the Marketplace's.
type doApp struct {
	ID            int     `json:"id"`
	Slug          string  `json:"slug"`
	Name          string  `json:"name"`
	Category      string  `json:"category"`
	Description   string  `json:"description"`
	Distribution  string  `json:"distribution"`
	MinDiskSize   int     `json:"min_disk_size"`
	SizeGigabytes float64 `json:"size_gigabytes"`
	CreatedAt     string  `json:"created_at"`
}

type doOneClick struct {
	Slug string `json:"slug"`
	Type string `json:"type"`
}

// doCatalogData is the whole catalog, with the JSON of each object rendered
// once: droplets embed their size, region and image on every answer.
type doCatalogData struct {
	sizes     []*doSize
	regions   []*doRegion
	images    []*doImage // distributions, then applications
	oneClicks []doOneClick

	sizeBySlug   map[string]*doSize
	regionBySlug map[string]*doRegion
	imageBySlug  map[string]*doImage
	imageByID    map[int]*doImage
	raw          map[any]json.RawMessage // *doSize, *doRegion, *doImage → JSON
}

// doCatalog returns the catalog, loading it on first use.
var doCatalog = sync.OnceValue(func() *doCatalogData {
	c, err := loadDOCatalog()
	if err != nil {
		panic("cloudsim: embedded DigitalOcean catalog: " + err.Error())
	}
	return c
})

func loadDOCatalog() (*doCatalogData, error) {
	c := &doCatalogData{sizeBySlug: map[string]*doSize{}, regionBySlug: map[string]*doRegion{},
		imageBySlug: map[string]*doImage{}, imageByID: map[int]*doImage{}, raw: map[any]json.RawMessage{}}
	var apps []doApp
	var kube []string
	for name, v := range map[string]any{"sizes": &c.sizes, "regions": &c.regions, "images": &c.images,
		"apps": &apps, "kubernetes_1clicks": &kube} {
		b, err := doCatalogFS.ReadFile("catalog/digitalocean/" + name + ".json")
		if err != nil {
			return nil, err
		}
		if err := json.Unmarshal(b, v); err != nil {
			return nil, fmt.Errorf("%s.json: %w", name, err)
		}
	}
	c.extend(&apps)
	for _, r := range c.regions {
		r.Sizes = []string{}
		c.regionBySlug[r.Slug] = r
	}
	for _, s := range c.sizes {
		s.DiskInfo = doLocalDisk(s.Disk)
		c.sizeBySlug[s.Slug] = s
		for _, slug := range s.Regions {
			r, ok := c.regionBySlug[slug]
			if !ok || !r.Available {
				return nil, fmt.Errorf("size %s: region %s is unknown or unavailable", s.Slug, slug)
			}
			r.Sizes = append(r.Sizes, s.Slug)
		}
	}
	var available []string
	for _, r := range c.regions {
		if r.Available {
			available = append(available, r.Slug)
		}
	}
	for _, img := range c.images {
		img.Type, img.Public, img.Regions, img.Tags, img.Status = "snapshot", true, available, []string{}, "available"
	}
	for _, a := range apps {
		slug := a.Slug
		c.images = append(c.images, &doImage{ID: a.ID, Name: a.Name, Type: "snapshot", Distribution: a.Distribution,
			Slug: &slug, Public: true, Regions: available, CreatedAt: a.CreatedAt, MinDiskSize: a.MinDiskSize,
			SizeGigabytes: a.SizeGigabytes, Description: a.Description, Tags: []string{}, Status: "available",
			application: true, category: a.Category})
		c.oneClicks = append(c.oneClicks, doOneClick{Slug: a.Slug, Type: "droplet"})
	}
	for _, k := range kube {
		c.oneClicks = append(c.oneClicks, doOneClick{Slug: k, Type: "kubernetes"})
	}
	for _, img := range c.images {
		if img.Slug == nil || c.imageBySlug[*img.Slug] != nil || c.imageByID[img.ID] != nil {
			return nil, fmt.Errorf("image %d: missing or duplicate slug or id", img.ID)
		}
		c.imageBySlug[*img.Slug], c.imageByID[img.ID] = img, img
	}
	for _, v := range c.objects() {
		b, err := json.Marshal(v)
		if err != nil {
			return nil, err
		}
		c.raw[v] = b
	}
	return c, nil
}

// extend adds the generated sizes, distributions and applications
// (digitalocean_catalog_gen.go) to those of the files, which win where a
// slug is in both. Sizes are listed by price, as DigitalOcean lists them.
func (c *doCatalogData) extend(apps *[]doApp) {
	sizes := map[string]bool{}
	for _, sz := range c.sizes {
		sizes[sz.Slug] = true
	}
	for _, f := range doFamilies {
		for _, sz := range f.sizes() {
			if !sizes[sz.Slug] {
				sizes[sz.Slug] = true
				c.sizes = append(c.sizes, sz)
			}
		}
	}
	slices.SortStableFunc(c.sizes, func(a, b *doSize) int { return cmp.Compare(a.PriceMonthly, b.PriceMonthly) })
	images := map[string]bool{}
	for _, img := range c.images {
		images[*img.Slug] = true
	}
	for _, img := range doDistributions() {
		if !images[*img.Slug] {
			c.images = append(c.images, img)
		}
	}
	for _, a := range *apps {
		images[a.Slug] = true
	}
	for _, a := range doMarketplaceApps() {
		if !images[a.Slug] {
			*apps = append(*apps, a)
		}
	}
}

func (c *doCatalogData) objects() []any {
	var out []any
	for _, s := range c.sizes {
		out = append(out, s)
	}
	for _, r := range c.regions {
		out = append(out, r)
	}
	for _, i := range c.images {
		out = append(out, i)
	}
	return out
}

// sizeAvailableIn reports whether a size can be created in a region.
func (s *doSize) availableIn(region string) bool { return slices.Contains(s.Regions, region) }

// defaultRegion is where DigitalOcean places a droplet created without a
// region: the first region, in this preference, that offers the size.
func (c *doCatalogData) defaultRegion(size *doSize) string {
	for _, slug := range []string{"nyc3", "sfo3", "ams3", "fra1", "lon1", "tor1", "sgp1", "blr1", "syd1", "nyc1"} {
		if size.availableIn(slug) {
			return slug
		}
	}
	return ""
}

func (d *digitalOcean) listSizes(c *call) {
	cat := doCatalog()
	doList(c, "sizes", cat.sizes, func(b []byte, s *doSize) []byte { return append(b, cat.raw[s]...) })
}

func (d *digitalOcean) listRegions(c *call) {
	cat := doCatalog()
	doList(c, "regions", cat.regions, func(b []byte, r *doRegion) []byte { return append(b, cat.raw[r]...) })
}

// listImages lists public images (type=distribution or application narrows
// them) and the account's snapshots (alone with private=true).
func (d *digitalOcean) listImages(c *call) {
	st, cat := c.do(), doCatalog()
	q := c.r.URL.Query()
	typ, private, tag := q.Get("type"), q.Get("private") == "true", q.Get("tag_name")
	var list []*doImage
	if !private {
		for _, img := range cat.images {
			if typ == "" || (typ == "application") == img.application {
				list = append(list, img)
			}
		}
	}
	if typ == "" {
		ids := make([]int, 0, len(st.Snapshots))
		for id := range st.Snapshots {
			ids = append(ids, id)
		}
		slices.Sort(ids)
		for _, id := range ids {
			list = append(list, st.Snapshots[id])
		}
	}
	if tag != "" {
		list = slices.DeleteFunc(list, func(img *doImage) bool { return !slices.Contains(img.Tags, tag) })
	}
	doList(c, "images", list, st.appendImage)
}

// getImage finds an image by id or, for public images, slug.
func (d *digitalOcean) getImage(c *call) {
	st, cat := c.do(), doCatalog()
	ref := c.r.PathValue("image")
	img := cat.imageBySlug[ref]
	if id, err := strconv.Atoi(ref); err == nil {
		img = st.image(id)
	}
	if img == nil {
		d.writeError(c, http.StatusNotFound, doNotFound)
		return
	}
	doWriteRaw(c, http.StatusOK, doObject(doField{"image", st.appendImage(nil, img)}))
}

// listOneClicks lists the 1-Click applications (type=droplet or kubernetes
// narrows them). Like the real API it gives only slug and type; the
// applications' names and descriptions are on their images.
func (d *digitalOcean) listOneClicks(c *call) {
	typ := c.r.URL.Query().Get("type")
	out := []doOneClick{}
	for _, oc := range doCatalog().oneClicks {
		if typ == "" || oc.Type == typ {
			out = append(out, oc)
		}
	}
	doWrite(c, http.StatusOK, map[string]any{"1_clicks": out})
}

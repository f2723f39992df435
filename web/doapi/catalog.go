package doapi

import (
	"context"
	"net/http"
	"slices"
	"strings"

	"github.com/webrana/webrana"
	"github.com/webrana/webrana/cloud"
)

// The account, and what can be ordered: sizes (Webrana's active plans),
// regions and images.

type accountJSON struct {
	DropletLimit    int    `json:"droplet_limit"`
	FloatingIPLimit int    `json:"floating_ip_limit"`
	Email           string `json:"email"`
	Name            string `json:"name"`
	UUID            string `json:"uuid"`
	EmailVerified   bool   `json:"email_verified"`
	Status          string `json:"status"`
	StatusMessage   string `json:"status_message"`
}

func (a *API) getAccount(w http.ResponseWriter, _ *http.Request, c *caller) error {
	u := c.user()
	status, message := "active", ""
	if !u.EmailVerified {
		status, message = "warning", "Confirm your e-mail address before ordering."
	}
	writeJSON(w, http.StatusOK, map[string]any{"account": accountJSON{DropletLimit: a.dropletLimit, Email: u.Email,
		Name: strings.SplitN(u.Email, "@", 2)[0], UUID: u.ID, EmailVerified: u.EmailVerified, Status: status, StatusMessage: message}})
	return nil
}

type sizeJSON struct {
	Slug         string   `json:"slug"`
	Memory       int      `json:"memory"`
	VCPUs        int      `json:"vcpus"`
	Disk         int      `json:"disk"`
	Transfer     float64  `json:"transfer"` // TB
	PriceMonthly float64  `json:"price_monthly"`
	PriceHourly  float64  `json:"price_hourly"`
	Regions      []string `json:"regions"`
	Available    bool     `json:"available"`
	Description  string   `json:"description"`
}

// sizeOf is a plan as a size: its prices in major units of its currency.
func sizeOf(p *webrana.Plan) sizeJSON {
	regions := slices.Clone(p.Regions)
	if regions == nil {
		regions = []string{}
	}
	return sizeJSON{Slug: p.Slug, Memory: p.MemoryMB, VCPUs: p.VCPUs, Disk: p.DiskGB, Transfer: float64(p.TransferGB) / 1000,
		PriceMonthly: float64(p.PriceMonthly) / 100, PriceHourly: float64(p.PriceHourly) / 100,
		Regions: regions, Available: p.IsActive, Description: p.Name}
}

func (a *API) activePlans(ctx context.Context) ([]*webrana.Plan, error) {
	return a.plans.List(ctx, "", true)
}

// planBySlug is the active plan sold as the size slug.
func (a *API) planBySlug(ctx context.Context, slug, field string) (*webrana.Plan, error) {
	all, err := a.activePlans(ctx)
	if err != nil {
		return nil, err
	}
	for _, p := range all {
		if p.Slug == slug {
			return p, nil
		}
	}
	return nil, webrana.FieldError(field, "You specified an invalid size for Droplet creation: %q is no size (GET /v2/sizes lists them).", slug)
}

func (a *API) listSizes(w http.ResponseWriter, r *http.Request, _ *caller) error {
	page, err := pageOf(r)
	if err != nil {
		return err
	}
	all, err := a.activePlans(r.Context())
	if err != nil {
		return err
	}
	sizes := make([]sizeJSON, len(all))
	for i, p := range all {
		sizes[i] = sizeOf(p)
	}
	writeJSON(w, http.StatusOK, map[string]any{"sizes": cut(sizes, page), "links": pageLinks(r, page, len(sizes)),
		"meta": meta{Total: len(sizes)}})
	return nil
}

type regionJSON struct {
	Slug      string   `json:"slug"`
	Name      string   `json:"name"`
	Features  []string `json:"features"`
	Available bool     `json:"available"`
	Sizes     []string `json:"sizes"`
}

// regions are the regions of the active plans, each with the sizes sold
// there, named as their providers' catalogs name them.
func (a *API) regions(ctx context.Context) ([]regionJSON, error) {
	all, err := a.activePlans(ctx)
	if err != nil {
		return nil, err
	}
	var out []regionJSON
	index := map[string]int{}
	named := map[webrana.ProviderType]map[string]*cloud.Region{}
	for _, p := range all {
		if named[p.ProviderType] == nil {
			named[p.ProviderType] = map[string]*cloud.Region{}
			if res, err := a.catalog.GetRegions(ctx, p.ProviderType); err == nil {
				for _, reg := range res.Items {
					named[p.ProviderType][reg.Slug] = reg
				}
			}
		}
		for _, slug := range p.Regions {
			i, ok := index[slug]
			if !ok {
				r := regionJSON{Slug: slug, Name: slug, Features: []string{}, Available: true, Sizes: []string{}}
				if reg := named[p.ProviderType][slug]; reg != nil {
					r.Name, r.Available = reg.Name, reg.Available
					if reg.Features != nil {
						r.Features = reg.Features
					}
				}
				i = len(out)
				index[slug] = i
				out = append(out, r)
			}
			out[i].Sizes = append(out[i].Sizes, p.Slug)
		}
	}
	slices.SortFunc(out, func(x, y regionJSON) int { return strings.Compare(x.Slug, y.Slug) })
	return out, nil
}

func (a *API) listRegions(w http.ResponseWriter, r *http.Request, _ *caller) error {
	page, err := pageOf(r)
	if err != nil {
		return err
	}
	all, err := a.regions(r.Context())
	if err != nil {
		return err
	}
	writeJSON(w, http.StatusOK, map[string]any{"regions": cut(all, page), "links": pageLinks(r, page, len(all)),
		"meta": meta{Total: len(all)}})
	return nil
}

type imageJSON struct {
	ID            int64    `json:"id"`
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
}

// imageRef is what an image's public number names: a provider's catalog
// image by slug.
func imageRef(p webrana.ProviderType, slug string) string { return "image:" + string(p) + ":" + slug }

// catalogImage is one image of a provider's catalog.
type catalogImage struct {
	provider webrana.ProviderType
	image    *cloud.Image
}

// images are the images of the providers of the active plans, of a type
// ("" for both).
func (a *API) images(ctx context.Context, t cloud.ImageType) ([]catalogImage, error) {
	all, err := a.activePlans(ctx)
	if err != nil {
		return nil, err
	}
	var providers []webrana.ProviderType
	for _, p := range all {
		if !slices.Contains(providers, p.ProviderType) {
			providers = append(providers, p.ProviderType)
		}
	}
	slices.Sort(providers)
	types := []cloud.ImageType{cloud.ImageDistribution, cloud.ImageApplication}
	if t != "" {
		types = []cloud.ImageType{t}
	}
	var out []catalogImage
	for _, p := range providers {
		for _, t := range types {
			res, err := a.catalog.GetImages(ctx, p, t)
			if err != nil {
				return nil, err
			}
			for _, img := range res.Items {
				out = append(out, catalogImage{provider: p, image: img})
			}
		}
	}
	return out, nil
}

// imageJSONs renders catalog images with their public numbers.
func (a *API) imageJSONs(ctx context.Context, imgs []catalogImage) ([]imageJSON, error) {
	refs := make([]string, len(imgs))
	for i, ci := range imgs {
		refs[i] = imageRef(ci.provider, ci.image.Slug)
	}
	numbers, err := a.servers.Numbers(ctx, refs)
	if err != nil {
		return nil, err
	}
	out := make([]imageJSON, len(imgs))
	for i, ci := range imgs {
		out[i] = imageView(numbers[refs[i]], ci.image)
	}
	return out, nil
}

func imageView(id int64, img *cloud.Image) imageJSON {
	slug := img.Slug
	regions := img.Regions
	if regions == nil {
		regions = []string{}
	}
	return imageJSON{ID: id, Name: img.Name, Type: "base", Distribution: distribution(img.Distribution), Slug: &slug,
		Public: true, Regions: regions, CreatedAt: "2020-01-01T00:00:00Z", MinDiskSize: img.MinDiskGB,
		Description: img.Name, Tags: []string{}, Status: "available"}
}

// distributions are the distribution names DigitalOcean's images carry.
var distributions = []string{"Arch Linux", "CentOS", "CoreOS", "Debian", "Fedora", "Fedora Atomic", "FreeBSD",
	"Gentoo", "openSUSE", "RancherOS", "Rocky Linux", "Ubuntu"}

// distribution is an image's family as DigitalOcean names it, or "Unknown".
func distribution(name string) string {
	for _, d := range distributions {
		if strings.EqualFold(d, name) {
			return d
		}
	}
	return "Unknown"
}

func (a *API) listImages(w http.ResponseWriter, r *http.Request, _ *caller) error {
	page, err := pageOf(r)
	if err != nil {
		return err
	}
	t := cloud.ImageType(r.URL.Query().Get("type"))
	if t != "" && t != cloud.ImageDistribution && t != cloud.ImageApplication {
		return invalid("type must be distribution or application.")
	}
	all, err := a.images(r.Context(), t)
	if err != nil {
		return err
	}
	shown, err := a.imageJSONs(r.Context(), cut(all, page))
	if err != nil {
		return err
	}
	writeJSON(w, http.StatusOK, map[string]any{"images": shown, "links": pageLinks(r, page, len(all)),
		"meta": meta{Total: len(all)}})
	return nil
}

package doapi

import (
	"context"
	"crypto/rand"
	"encoding/json"
	"net/http"
	"strconv"
	"strings"
	"time"

	"github.com/webrana/webrana"
	"github.com/webrana/webrana/cloud"
	"github.com/webrana/webrana/providers"
	"github.com/webrana/webrana/provision"
	"github.com/webrana/webrana/store"
)

// Droplets are the customer's servers. An order placed here is placed
// exactly as POST /api/vps places it (provision.Service.Place: the balance
// hold, the placement in the pool, held while the pool is full).

type dropletJSON struct {
	ID               int64           `json:"id"`
	Name             string          `json:"name"`
	Memory           int             `json:"memory"`
	VCPUs            int             `json:"vcpus"`
	Disk             int             `json:"disk"`
	DiskInfo         []diskInfo      `json:"disk_info"`
	Locked           bool            `json:"locked"`
	Status           string          `json:"status"`
	CreatedAt        string          `json:"created_at"`
	Features         []string        `json:"features"`
	BackupIDs        []int64         `json:"backup_ids"`
	NextBackupWindow *backupWindow   `json:"next_backup_window"`
	SnapshotIDs      []int64         `json:"snapshot_ids"`
	Image            imageJSON       `json:"image"`
	VolumeIDs        []string        `json:"volume_ids"`
	Size             sizeJSON        `json:"size"`
	SizeSlug         string          `json:"size_slug"`
	Networks         networks        `json:"networks"`
	Region           regionJSON      `json:"region"`
	Tags             []string        `json:"tags"`
	VPCUUID          string          `json:"vpc_uuid,omitempty"`
	Kernel           json.RawMessage `json:"kernel,omitempty"`
}

type diskInfo struct {
	Type string `json:"type"`
	Size struct {
		Amount int    `json:"amount"`
		Unit   string `json:"unit"`
	} `json:"size"`
}

type backupWindow struct {
	Start string `json:"start"`
	End   string `json:"end"`
}

type networks struct {
	V4 []network `json:"v4"`
	V6 []network `json:"v6"`
}

type network struct {
	IPAddress string `json:"ip_address"`
	Type      string `json:"type"`
}

// dropletStatus is a server's status as DigitalOcean names it: "new" until
// it first runs (provisioning, or held while the pool is full).
func dropletStatus(s webrana.InstanceStatus) string {
	switch s {
	case webrana.StatusPending, webrana.StatusProvisioning, webrana.StatusHeld:
		return "new"
	case webrana.StatusActive:
		return "active"
	case webrana.StatusOff, webrana.StatusSuspended:
		return "off"
	}
	return "archive"
}

func doTime(t time.Time) string { return t.UTC().Format(time.RFC3339) }

// view renders servers: the plans, regions, images, numbers and tags they
// need are read once for the lot.
type view struct {
	plans   map[string]*webrana.Plan
	regions map[string]regionJSON
	images  map[string]imageJSON // by ref
	numbers map[string]int64
	tags    map[string][]string
}

func (a *API) newView(ctx context.Context, rows []*store.InstanceRow) (*view, error) {
	v := &view{plans: map[string]*webrana.Plan{}, regions: map[string]regionJSON{}, images: map[string]imageJSON{}}
	all, err := a.plans.List(ctx, "", false)
	if err != nil {
		return nil, err
	}
	for _, p := range all {
		v.plans[p.ID] = p
	}
	regions, err := a.regions(ctx)
	if err != nil {
		return nil, err
	}
	for _, r := range regions {
		v.regions[r.Slug] = r
	}
	ids := make([]string, len(rows))
	refs := make([]string, 0, 2*len(rows))
	for i, row := range rows {
		ids[i] = row.ID
		refs = append(refs, row.ID, imageRef(row.ProviderType, row.Image))
	}
	if v.numbers, err = a.servers.Numbers(ctx, refs); err != nil {
		return nil, err
	}
	if v.tags, err = a.servers.Tags(ctx, ids); err != nil {
		return nil, err
	}
	named := map[string]*cloud.Image{}
	if imgs, err := a.images(ctx, ""); err == nil { // cached catalogs; a name is a nicety
		for _, ci := range imgs {
			named[imageRef(ci.provider, ci.image.Slug)] = ci.image
		}
	}
	for _, row := range rows {
		ref := imageRef(row.ProviderType, row.Image)
		img := named[ref]
		if img == nil {
			img = &cloud.Image{Slug: row.Image, Name: row.Image}
		}
		v.images[ref] = imageView(v.numbers[ref], img)
	}
	return v, nil
}

func (v *view) droplet(row *store.InstanceRow) dropletJSON {
	in := row.Instance
	plan := v.plans[in.PlanID]
	if plan == nil {
		plan = &webrana.Plan{Name: row.PlanName, Regions: []string{}}
	}
	d := dropletJSON{ID: v.numbers[in.ID], Name: in.Label, Memory: plan.MemoryMB, VCPUs: plan.VCPUs, Disk: plan.DiskGB,
		Status: dropletStatus(in.Status), CreatedAt: doTime(in.CreatedAt), Features: []string{}, BackupIDs: []int64{},
		SnapshotIDs: []int64{}, Image: v.images[imageRef(in.ProviderType, in.Image)], VolumeIDs: []string{},
		Size: sizeOf(plan), SizeSlug: plan.Slug, Networks: networks{V4: []network{}, V6: []network{}},
		Tags: v.tags[in.ID], VPCUUID: in.Options.VPCUUID}
	var disk diskInfo
	disk.Type, disk.Size.Amount, disk.Size.Unit = "local", plan.DiskGB, "gib"
	d.DiskInfo = []diskInfo{disk}
	if d.Tags == nil {
		d.Tags = []string{}
	}
	if in.Options.Backups {
		d.Features = append(d.Features, "backups")
	}
	if in.Options.IPv6 {
		d.Features = append(d.Features, "ipv6")
	}
	if in.Options.Monitoring {
		d.Features = append(d.Features, "monitoring")
	}
	d.Features = append(d.Features, "private_networking")
	if in.IPv4 != "" {
		d.Networks.V4 = append(d.Networks.V4, network{IPAddress: in.IPv4, Type: "public"})
	}
	if in.IPv6 != "" {
		d.Networks.V6 = append(d.Networks.V6, network{IPAddress: in.IPv6, Type: "public"})
	}
	region, ok := v.regions[in.Region]
	if !ok {
		region = regionJSON{Slug: in.Region, Name: in.Region, Features: []string{}, Available: false, Sizes: []string{}}
	}
	d.Region = region
	return d
}

func (a *API) droplets(ctx context.Context, rows []*store.InstanceRow) ([]dropletJSON, error) {
	v, err := a.newView(ctx, rows)
	if err != nil {
		return nil, err
	}
	out := make([]dropletJSON, len(rows))
	for i, row := range rows {
		out[i] = v.droplet(row)
	}
	return out, nil
}

// createRequest is POST /v2/droplets' body, with one name or several.
type createRequest struct {
	Name       *string           `json:"name"`
	Names      []string          `json:"names"`
	Region     string            `json:"region"`
	Size       string            `json:"size"`
	Image      json.RawMessage   `json:"image"`
	SSHKeys    []json.RawMessage `json:"ssh_keys"`
	Backups    bool              `json:"backups"`
	IPv6       bool              `json:"ipv6"`
	Monitoring bool              `json:"monitoring"`
	UserData   string            `json:"user_data"`
	Tags       []string          `json:"tags"`
	VPCUUID    string            `json:"vpc_uuid"`
}

// maxNames is how many droplets one request may create, as DigitalOcean.
const maxNames = 10

func (a *API) createDroplets(w http.ResponseWriter, r *http.Request, c *caller) error {
	var req createRequest
	if err := decode(w, r, &req); err != nil {
		return err
	}
	names := req.Names
	if req.Name != nil {
		names = []string{*req.Name}
	}
	switch {
	case len(names) == 0:
		return webrana.FieldError("name", "name (or names) is required.")
	case len(names) > maxNames:
		return webrana.FieldError("names", "At most %d droplets per request.", maxNames)
	case req.UserData != "":
		return webrana.FieldError("user_data", "user_data is not offered here; give ssh_keys and configure the server after it starts.")
	}
	order, plan, err := a.orderOf(r.Context(), c, &req)
	if err != nil {
		return err
	}
	if err := a.affords(r.Context(), c, plan, len(names)); err != nil {
		return err
	}
	var rows []*store.InstanceRow
	for _, name := range names {
		o := *order
		o.Label = name
		if o.RootPassword != "" {
			o.RootPassword = generatedPassword()
		}
		in, _, err := a.orders.Place(r.Context(), c.actor, o)
		if err != nil {
			return err
		}
		row, err := a.servers.Server(r.Context(), c.user(), in.ID)
		if err != nil {
			return err
		}
		rows = append(rows, row)
	}
	shown, err := a.droplets(r.Context(), rows)
	if err != nil {
		return err
	}
	created, err := a.createLinks(r, rows) // create_actions.go
	if err != nil {
		return err
	}
	if req.Name != nil {
		writeJSON(w, http.StatusAccepted, map[string]any{"droplet": shown[0], "links": map[string]any{"actions": created}})
		return nil
	}
	writeJSON(w, http.StatusAccepted, map[string]any{"droplets": shown, "links": map[string]any{"actions": created}})
	return nil
}

// orderOf translates a create request into Webrana's order (without its
// label): the size's plan, the image or 1-click app, the customer's keys.
// Where the plan's provider needs a root password (Linode), the order gets
// a generated one the customer never needs: they sign in with their keys.
func (a *API) orderOf(ctx context.Context, c *caller, req *createRequest) (*provision.Request, *webrana.Plan, error) {
	plan, err := a.planBySlug(ctx, req.Size, "size")
	if err != nil {
		return nil, nil, err
	}
	o := &provision.Request{ProviderType: plan.ProviderType, PlanID: plan.ID, Region: req.Region, IPv6: req.IPv6,
		Monitoring: req.Monitoring, Backups: req.Backups, VPCUUID: req.VPCUUID, Tags: req.Tags}
	slug, app, err := a.resolveImage(ctx, plan.ProviderType, req.Image)
	if err != nil {
		return nil, nil, err
	}
	if app {
		o.App = slug
	} else {
		o.Image = slug
	}
	if len(req.SSHKeys) == 0 {
		return nil, nil, webrana.FieldError("ssh_keys", "Give at least one SSH key (ssh_keys): root passwords are not e-mailed.")
	}
	if o.SSHKeyIDs, err = a.keyIDs(ctx, c, req.SSHKeys); err != nil {
		return nil, nil, err
	}
	if providers.Of(plan.ProviderType).Capabilities.RootPasswordRequired {
		o.RootPassword = "generated"
	}
	return o, plan, nil
}

// affords refuses a request for several droplets that the customer's
// balance cannot pay the first day of, before any is placed: one request
// places all of them or none for want of money.
func (a *API) affords(ctx context.Context, c *caller, plan *webrana.Plan, n int) error {
	if n < 2 || a.ledger == nil {
		return nil
	}
	day, err := provision.FirstPeriod(plan)
	if err != nil {
		return err
	}
	need, err := webrana.MulMoney(day.Amount, int64(n))
	if err != nil {
		return err
	}
	balance, err := a.ledger.Balance(ctx, c.user().ID)
	if err != nil {
		return err
	}
	if balance.Amount < need {
		return webrana.Errorf(webrana.EPAYMENT, "Your balance is %s; these %d servers need %s %s for their first day. Add credit and try again.",
			balance, n, webrana.FormatMajor(need), day.Currency)
	}
	return nil
}

// resolveImage finds the image a request names, by slug or public number,
// among the provider's images; app reports a 1-click app's image.
func (a *API) resolveImage(ctx context.Context, p webrana.ProviderType, raw json.RawMessage) (slug string, app bool, err error) {
	var s string
	var n int64
	switch {
	case len(raw) == 0 || string(raw) == "null":
		return "", false, webrana.FieldError("image", "image is required.")
	case json.Unmarshal(raw, &s) == nil:
		if num, err := strconv.ParseInt(s, 10, 64); err == nil {
			n = num
		}
	case json.Unmarshal(raw, &n) == nil:
	default:
		return "", false, webrana.FieldError("image", "image is a slug or an id.")
	}
	if n != 0 {
		nums, err := a.servers.NumberedRef(ctx, n)
		prefix := "image:" + string(p) + ":"
		if err != nil || !strings.HasPrefix(nums, prefix) {
			return "", false, webrana.FieldError("image", "You specified an invalid image for Droplet creation: %d.", n)
		}
		s = strings.TrimPrefix(nums, prefix)
	}
	apps, err := a.catalog.GetImages(ctx, p, cloud.ImageApplication)
	if err != nil {
		return "", false, err
	}
	for _, img := range apps.Items {
		if img.Slug == s {
			return s, true, nil
		}
	}
	return s, false, nil // provision checks a distribution image against the catalog
}

// keyIDs resolves ssh_keys (public numbers or fingerprints) to the
// customer's keys.
func (a *API) keyIDs(ctx context.Context, c *caller, raw []json.RawMessage) ([]string, error) {
	var ids []string
	for _, k := range raw {
		var ident string
		if err := json.Unmarshal(k, &ident); err != nil {
			var n int64
			if err := json.Unmarshal(k, &n); err != nil {
				return nil, webrana.FieldError("ssh_keys", "ssh_keys are ids or fingerprints.")
			}
			ident = strconv.FormatInt(n, 10)
		}
		key, _, err := a.key(ctx, c.user(), ident)
		if webrana.ErrorCode(err) == webrana.ENOTFOUND {
			return nil, webrana.FieldError("ssh_keys", "SSH key %s is not one of yours (GET /v2/account/keys lists them).", ident)
		}
		if err != nil {
			return nil, err
		}
		ids = append(ids, key.ID)
	}
	return ids, nil
}

// generatedPassword is a strong root password no one is told: the
// customer signs in with their SSH keys.
func generatedPassword() string { return "Wr7%" + strings.ToLower(rand.Text()[:12]) + rand.Text()[:12] }

// dropletFilter is the customer's live servers, by tag.
func dropletFilter(c *caller, r *http.Request) webrana.InstanceFilter {
	return webrana.InstanceFilter{OwnerID: c.user().ID, Tag: r.URL.Query().Get("tag_name"), Live: true}
}

func (a *API) listDroplets(w http.ResponseWriter, r *http.Request, c *caller) error {
	page, err := pageOf(r)
	if err != nil {
		return err
	}
	f := dropletFilter(c, r)
	f.Page = page
	rows, total, err := a.servers.Servers(r.Context(), f)
	if err != nil {
		return err
	}
	shown, err := a.droplets(r.Context(), rows)
	if err != nil {
		return err
	}
	writeJSON(w, http.StatusOK, map[string]any{"droplets": shown, "links": pageLinks(r, page, total.N),
		"meta": meta{Total: total.N}})
	return nil
}

// droplet is the customer's live server numbered by the path's id; anyone
// else's, or one that is gone, is not found.
func (a *API) droplet(r *http.Request, c *caller) (*store.InstanceRow, error) {
	notFound := webrana.Errorf(webrana.ENOTFOUND, "The resource you were accessing could not be found.")
	n, err := strconv.ParseInt(r.PathValue("id"), 10, 64)
	if err != nil || n <= 0 {
		return nil, notFound
	}
	row, err := a.servers.ServerNumbered(r.Context(), c.user(), n)
	if webrana.ErrorCode(err) == webrana.ENOTFOUND || (err == nil && (row.OwnerID != c.user().ID || !live(row.Status))) {
		return nil, notFound
	}
	return row, err
}

func live(s webrana.InstanceStatus) bool {
	return s != webrana.StatusDeleting && s != webrana.StatusDeleted && s != webrana.StatusFailed
}

func (a *API) getDroplet(w http.ResponseWriter, r *http.Request, c *caller) error {
	row, err := a.droplet(r, c)
	if err != nil {
		return err
	}
	shown, err := a.droplets(r.Context(), []*store.InstanceRow{row})
	if err != nil {
		return err
	}
	writeJSON(w, http.StatusOK, map[string]any{"droplet": shown[0]})
	return nil
}

func (a *API) deleteDroplet(w http.ResponseWriter, r *http.Request, c *caller) error {
	row, err := a.droplet(r, c)
	if err != nil {
		return err
	}
	if _, err := a.servers.Delete(r.Context(), c.actor, row.Instance); err != nil {
		return err
	}
	noContent(w)
	return nil
}

// deleteDropletsByTag deletes every live server of the customer's that
// carries the tag.
func (a *API) deleteDropletsByTag(w http.ResponseWriter, r *http.Request, c *caller) error {
	f := dropletFilter(c, r)
	if f.Tag == "" {
		return webrana.FieldError("tag_name", "tag_name is required.")
	}
	var doomed []*store.InstanceRow
	for page := 1; ; page++ {
		f.Page = webrana.Page{Page: page, PerPage: maxPerPage}
		rows, _, err := a.servers.Servers(r.Context(), f)
		if err != nil {
			return err
		}
		doomed = append(doomed, rows...)
		if len(rows) < maxPerPage {
			break
		}
	}
	for _, row := range doomed {
		if _, err := a.servers.Delete(r.Context(), c.actor, row.Instance); err != nil {
			return err
		}
	}
	noContent(w)
	return nil
}

// Package provision turns a customer's order into a running server
// (DESIGN.md §5). Place validates an order against the catalog and the plan
// and writes the instance, the order, the hold on the customer's balance
// and the provisioning job in one transaction. Worker is that job: it
// reserves an account, creates the server with the order's tag (looking the
// tag up first, so a lost answer is adopted rather than repeated), waits
// for it to run, and turns the hold into a charge; it fails over when an
// account refuses, holds the order when every account is full, and when the
// order cannot succeed releases everything it took and says why.
//
// Check is the one validation of an order, stage by stage: POST /api/vps
// runs it whole, the create-server wizard runs it through each step's
// stage, so the API and the pages can never disagree (an example to follow).
package provision

import (
	"cmp"
	"context"
	"fmt"
	"maps"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/webrana/webrana"
	"github.com/webrana/webrana/catalog"
	"github.com/webrana/webrana/cloud"
	"github.com/webrana/webrana/jobs"
	"github.com/webrana/webrana/providers"
	"github.com/webrana/webrana/secrets"
	"github.com/webrana/webrana/store"
)

// Service accepts orders.
type Service struct {
	db      OrderStore
	catalog *catalog.Service
	keys    *secrets.Keyring
	queue   jobs.Enqueuer
	// defaultRegions are the regions orders of a provider take when they
	// name none, where the plan is sold (Config.DefaultRegions).
	defaultRegions map[webrana.ProviderType]string
}

// Config holds the order service's optional settings. A nil Config, and
// zero fields, take the defaults.
type Config struct {
	// DefaultRegions are the regions orders of a provider take when they
	// name none, where the plan is sold (DIGITALOCEAN_DEFAULT_REGION); the
	// create-server form preselects them. Default: none (region required).
	DefaultRegions map[webrana.ProviderType]string
}

// New returns the order service over db: orders are checked against
// catalog, root passwords sealed with keys, and each order's job enqueued
// on queue. cfg may be nil.
func New(db OrderStore, catalog *catalog.Service, keys *secrets.Keyring, queue jobs.Enqueuer, cfg *Config) *Service {
	c := Config{}
	if cfg != nil {
		c = *cfg
	}
	return &Service{db: db, catalog: catalog, keys: keys, queue: queue, defaultRegions: maps.Clone(c.DefaultRegions)}
}

// DefaultRegion is the region an order of the provider takes when it names
// none, if its plan is sold there ("" when there is none).
func (s *Service) DefaultRegion(p webrana.ProviderType) string { return s.defaultRegions[p] }

// Request is a customer's order, as POST /api/vps takes it.
type Request struct {
	ProviderType    webrana.ProviderType `json:"provider_type"`
	ProviderID      string               `json:"provider_id"`
	PlanID          string               `json:"plan_id"`
	Region          string               `json:"region"`
	Image           string               `json:"image"`
	App             string               `json:"app"`
	StackScriptID   int                  `json:"stackscript_id"`
	StackScriptData map[string]string    `json:"stackscript_data"`
	Label           string               `json:"label"`
	SSHKeyIDs       []string             `json:"ssh_key_ids"`
	RootPassword    string               `json:"root_password"`
	IPv6            bool                 `json:"ipv6"`
	Monitoring      bool                 `json:"monitoring"`
	VPCUUID         string               `json:"vpc_uuid"`
	Backups         bool                 `json:"backups"`
	// Tags are the customer's own tags on the server (checkTags).
	Tags []string `json:"tags"`
	// IdempotencyKey places the order once per customer and key: placing
	// it again returns the first order's server, whatever else the request
	// says. POST /api/vps takes it from the Idempotency-Key header; the
	// create-server form sends one per review.
	IdempotencyKey string `json:"-"`
}

// MaxIdempotencyKey bounds an order's idempotency key.
const MaxIdempotencyKey = 100

// FirstPeriod is what an order holds from the customer's balance: its first
// billing period, the first day (24 hours at the plan's hourly price, never
// more than the monthly price). The hold becomes the charge for that day
// when the server is active; hourly metering bills from then on.
//
// A plan whose prices are out of range (stored before prices were bounded)
// cannot be ordered: its day could be zero, or wrap around to a negative
// hold, and a server would run unpaid. Plans in range always hold at least
// one minor unit and at most webrana.MaxAmount.
func FirstPeriod(p *webrana.Plan) (webrana.Money, error) {
	if err := p.CheckPrices(); err != nil {
		return webrana.Money{}, webrana.FieldError("plan_id", "Plan %q cannot be ordered until an operator corrects its prices: %s",
			p.Name, webrana.ErrorMessage(err))
	}
	day, err := webrana.MulMoney(prepaidHours, p.PriceHourly)
	if err != nil {
		return webrana.Money{}, err
	}
	return webrana.Money{Amount: min(day, p.PriceMonthly), Currency: p.Currency}, nil
}

// PrepaidSpan is the first billing period, which the order's hold pays for
// (FirstPeriod prices it): hourly metering starts after it.
const PrepaidSpan = 24 * time.Hour

// prepaidHours is the first period in hours.
const prepaidHours = int64(PrepaidSpan / time.Hour)

// completion is how an order on a server that runs with these addresses
// ends: its first period prepaid, its hold charged for it in full.
func completion(o *webrana.Order, s *cloud.Instance) store.Completion {
	return store.Completion{IPv4: s.IPv4, IPv6: s.IPv6, Prepaid: PrepaidSpan, Charge: o.HoldAmount}
}

// Place validates a customer's order and accepts it: the instance
// (provisioning), its order, the hold, the provisioning job and the audit
// entry ("vps.ordered", by the customer) are written in one transaction.
// With an idempotency key the customer placed an order with already, it
// places nothing and returns that order's server with again true.
func (s *Service) Place(ctx context.Context, by webrana.Actor, req Request) (in *webrana.Instance, again bool, err error) {
	owner := by.User
	if err := owner.MayOrder(); err != nil {
		return nil, false, err
	}
	key := strings.TrimSpace(req.IdempotencyKey)
	if len(key) > MaxIdempotencyKey {
		return nil, false, webrana.FieldError("Idempotency-Key", "Idempotency-Key is at most %d characters.", MaxIdempotencyKey)
	}
	if key != "" {
		// A shortcut for an order sent again later (its checks could fail
		// by now); orders sent at once are told apart by PlaceOrder.
		if in, err := s.placed(ctx, owner, key); in != nil || err != nil {
			return in, in != nil, err
		}
	}
	in, plan, err := s.validate(ctx, owner, &req)
	if err != nil {
		return nil, false, err
	}
	hold, backupHold, err := OrderHold(plan, in.Options.Backups) // backups.go
	if err != nil {
		return nil, false, err
	}
	no := store.NewOrder{Instance: in, Hold: hold, IdempotencyKey: key, Tags: req.Tags, BackupHold: backupHold}
	if req.RootPassword != "" {
		if no.RootPassword, err = s.keys.Seal(req.RootPassword); err != nil {
			return nil, false, err
		}
	}
	o, err := s.db.PlaceOrder(ctx, no, func(tx *store.Tx, o *webrana.Order) error {
		if err := s.queue.InsertTx(ctx, tx, Args{OrderID: o.ID}, nil); err != nil {
			return err
		}
		return tx.AppendAudit(ctx, by.Entry("vps.ordered", "instance", in.ID, in.Label))
	})
	if err != nil {
		return nil, false, fmt.Errorf("place order for %s: %w", owner.ID, err)
	}
	if o.InstanceID != in.ID { // the same key, placed at the same time
		in, err := s.db.InstanceByID(ctx, o.InstanceID)
		return in, err == nil, err
	}
	return in, false, nil
}

// placed is the server of the customer's order with the key, or nil.
func (s *Service) placed(ctx context.Context, owner *webrana.User, key string) (*webrana.Instance, error) {
	o, err := s.db.OrderByIdempotencyKey(ctx, owner.ID, key)
	if webrana.ErrorCode(err) == webrana.ENOTFOUND {
		return nil, nil
	}
	if err != nil {
		return nil, err
	}
	return s.db.InstanceByID(ctx, o.InstanceID)
}

func (s *Service) validate(ctx context.Context, owner *webrana.User, req *Request) (*webrana.Instance, *webrana.Plan, error) {
	c, err := s.Check(ctx, owner, req, StageAll)
	if err != nil {
		return nil, nil, err
	}
	in := &webrana.Instance{OwnerID: owner.ID, ProviderType: c.Provider, PlanID: c.Plan.ID, Label: c.Label, Region: req.Region,
		Image: c.Image, Status: webrana.StatusProvisioning, Options: webrana.InstanceOptions{
			IPv6: req.IPv6, Monitoring: req.Monitoring, Backups: req.Backups, VPCUUID: req.VPCUUID,
			SSHKeyIDs: req.SSHKeyIDs, App: req.App, StackScriptID: req.StackScriptID, StackScriptData: req.StackScriptData}}
	return in, c.Plan, nil
}

// appSlug is the order's marketplace app as the provider's catalog lists
// it (cloud.App.Slug): the 1-click app's slug, or the StackScript's id.
func appSlug(opts webrana.InstanceOptions) string {
	if opts.StackScriptID != 0 {
		return strconv.Itoa(opts.StackScriptID)
	}
	return opts.App
}

// Stage is how much of an order Check validates: the steps of the
// create-server form, each taking in those before it.
type Stage int

const (
	StageProvider Stage = iota + 1 // the provider
	StagePlan                      // the label and the plan
	StageRegion                    // the region
	StageImage                     // the image, 1-click app or StackScript
	StageConfig                    // SSH keys and options
	StageAll                       // access (the root password): the whole order
)

// Checked is what Check resolved, as far as it went.
type Checked struct {
	Provider webrana.ProviderType
	Label    string
	Plan     *webrana.Plan
	Size     *cloud.Size // the plan's size in the catalog
	Image    string      // the image to create from (a 1-click app's own)
}

// Check validates an order up to a stage, in the order Place does, so a
// form taking the order step by step refuses each step as Place would.
func (s *Service) Check(ctx context.Context, owner *webrana.User, req *Request, through Stage) (*Checked, error) {
	c := &Checked{}
	prov, err := s.provider(ctx, req)
	if err != nil {
		return c, err
	}
	c.Provider = prov.Type
	if through < StagePlan {
		return c, nil
	}
	cat := s.catalog.Of(prov) // one read of the provider's row for every catalog the order checks
	if c.Label, err = webrana.ValidLabel(req.Label); err != nil {
		return c, err
	}
	if c.Plan, err = s.plan(ctx, c.Provider, req.PlanID); err != nil || through < StageRegion {
		return c, err
	}
	if d := s.DefaultRegion(c.Provider); req.Region == "" && d != "" && slices.Contains(c.Plan.Regions, d) {
		req.Region = d
	}
	if c.Size, err = s.size(ctx, cat, c.Plan, req.Region); err != nil || through < StageImage {
		return c, err
	}
	if c.Image, err = s.image(ctx, cat, c.Size, req); err != nil || through < StageConfig {
		return c, err
	}
	if err := s.sshKeys(ctx, owner, req.SSHKeyIDs); err != nil {
		return c, err
	}
	if err := checkTags(req.Tags); err != nil {
		return c, err
	}
	if err := checkOptions(c.Provider, req); err != nil {
		return c, err
	}
	if _, err := s.checkVPC(ctx, owner, c.Provider, req); err != nil || through < StageAll {
		return c, err
	}
	return c, checkAccess(c.Provider, req, c.Label, owner.Email)
}

// Regions lists the plan's regions where its size can be ordered today,
// by the same check Place makes.
func (s *Service) Regions(ctx context.Context, plan *webrana.Plan) ([]*cloud.Region, error) {
	cat, err := s.catalog.View(ctx, plan.ProviderType)
	if err != nil {
		return nil, err
	}
	all, err := cat.Regions(ctx)
	if err != nil {
		return nil, err
	}
	var out []*cloud.Region
	for _, region := range plan.Regions {
		if _, err := s.size(ctx, cat, plan, region); webrana.ErrorCode(err) == webrana.EINVALID {
			continue
		} else if err != nil {
			return nil, err
		}
		if i := slices.IndexFunc(all.Items, func(r *cloud.Region) bool { return r.Slug == region }); i >= 0 {
			out = append(out, all.Items[i])
		}
	}
	return out, nil
}

// provider resolves provider_type or provider_id to an enabled provider.
func (s *Service) provider(ctx context.Context, req *Request) (*webrana.Provider, error) {
	var p *webrana.Provider
	var err error
	switch {
	case req.ProviderID != "":
		if p, err = s.db.ProviderByID(ctx, req.ProviderID); webrana.ErrorCode(err) == webrana.ENOTFOUND {
			return nil, webrana.FieldError("provider_id", "Unknown provider.")
		}
	case req.ProviderType.Valid():
		p, err = s.db.ProviderByType(ctx, req.ProviderType)
	default:
		return nil, webrana.FieldError("provider_type", "provider_type must be %s (or give provider_id).", webrana.ProviderTypesText())
	}
	if err != nil {
		return nil, err
	}
	if req.ProviderType != "" && req.ProviderType != p.Type {
		return nil, webrana.FieldError("provider_type", "provider_type and provider_id name different providers.")
	}
	if !p.Enabled {
		return nil, webrana.FieldError("provider_type", "%s is not taking orders at the moment.", p.Name)
	}
	return p, nil
}

func (s *Service) plan(ctx context.Context, provider webrana.ProviderType, id string) (*webrana.Plan, error) {
	if id == "" {
		return nil, webrana.FieldError("plan_id", "Choose a plan.")
	}
	plan, err := s.db.PlanByID(ctx, id)
	if webrana.ErrorCode(err) == webrana.ENOTFOUND || (err == nil && !plan.IsActive) {
		return nil, webrana.FieldError("plan_id", "Unknown plan.")
	}
	if err != nil {
		return nil, err
	}
	if plan.ProviderType != provider {
		return nil, webrana.FieldError("plan_id", "Plan %q is a %s plan, not a %s one.", plan.Name, plan.ProviderType, provider)
	}
	if _, err := FirstPeriod(plan); err != nil {
		return nil, err
	}
	return plan, nil
}

// size checks the region: the plan allows it, and the provider offers the
// plan's size there today.
func (s *Service) size(ctx context.Context, cat catalog.View, plan *webrana.Plan, region string) (*cloud.Size, error) {
	if region == "" {
		return nil, webrana.FieldError("region", "Choose a region.")
	}
	if !slices.Contains(plan.Regions, region) {
		return nil, webrana.FieldError("region", "Plan %q is not sold in %s; choose one of %s.", plan.Name, region, strings.Join(plan.Regions, ", "))
	}
	sizes, err := cat.Sizes(ctx)
	if err != nil {
		return nil, err
	}
	i := slices.IndexFunc(sizes.Items, func(z *cloud.Size) bool { return z.Slug == plan.SizeSlug })
	if i < 0 || !sizes.Items[i].Available || !slices.Contains(sizes.Items[i].Regions, region) {
		return nil, webrana.FieldError("region", "Plan %q is not available in %s at the moment; choose another region.", plan.Name, region)
	}
	regions, err := cat.Regions(ctx)
	if err != nil {
		return nil, err
	}
	if j := slices.IndexFunc(regions.Items, func(r *cloud.Region) bool { return r.Slug == region }); j < 0 || !regions.Items[j].Available {
		return nil, webrana.FieldError("region", "Region %s is not taking new servers at the moment.", region)
	}
	return sizes.Items[i], nil
}

// image resolves the image to create from: a distribution image, a 1-click
// app (its image) where the provider's marketplace is of images, or an
// image for a StackScript where it is of scripts.
func (s *Service) image(ctx context.Context, cat catalog.View, size *cloud.Size, req *Request) (string, error) {
	provider := cat.Provider().Type
	reg := providers.Of(provider)
	market := reg.Capabilities.Marketplace
	switch {
	case req.App != "" && market != cloud.MarketplaceImages:
		return "", webrana.FieldError("app", "1-click apps are %s's; on %s %s.",
			providers.NamesWith(marketplaceOf(cloud.MarketplaceImages)), reg.Name, marketplaceChoice(market))
	case req.StackScriptID != 0 && market != cloud.MarketplaceScripts:
		return "", webrana.FieldError("stackscript_id", "StackScripts are %s's; on %s %s.",
			providers.NamesWith(marketplaceOf(cloud.MarketplaceScripts)), reg.Name, marketplaceChoice(market))
	case req.StackScriptID == 0 && len(req.StackScriptData) > 0:
		return "", webrana.FieldError("stackscript_data", "stackscript_data needs a stackscript_id.")
	case req.App != "":
		return s.appImage(ctx, cat, size, req)
	}
	if req.Image == "" {
		return "", webrana.FieldError("image", "Choose an image.")
	}
	images, err := cat.Images(ctx, cloud.ImageDistribution)
	if err != nil {
		return "", err
	}
	i := slices.IndexFunc(images.Items, func(im *cloud.Image) bool { return im.Slug == req.Image })
	if i < 0 {
		return "", webrana.FieldError("image", "%s has no image %q.", provider, req.Image)
	}
	if err := ImageFits(images.Items[i], size, req.Region); err != nil {
		return "", err
	}
	if req.StackScriptID != 0 {
		if err := s.stackScript(ctx, cat, req); err != nil {
			return "", err
		}
	}
	return req.Image, nil
}

// marketplaceOf is the capability of a marketplace of kind k.
func marketplaceOf(k cloud.MarketplaceKind) func(cloud.Capabilities) bool {
	return func(c cloud.Capabilities) bool { return c.Marketplace == k }
}

// marketplaceChoice says what an order chooses from a marketplace of kind
// k instead of another's apps.
func marketplaceChoice(k cloud.MarketplaceKind) string {
	switch k {
	case cloud.MarketplaceImages:
		return "choose a 1-click app"
	case cloud.MarketplaceScripts:
		return "choose a StackScript"
	}
	return "choose an image"
}

// ImageFits reports whether an image can be created in a region on a size.
func ImageFits(im *cloud.Image, size *cloud.Size, region string) error {
	if len(im.Regions) > 0 && !slices.Contains(im.Regions, region) {
		return webrana.FieldError("image", "Image %s is not offered in %s.", im.Name, region)
	}
	if im.MinDiskGB > 0 && size.DiskGB > 0 && im.MinDiskGB > size.DiskGB {
		return webrana.FieldError("image", "Image %s needs a %d GB disk; this plan has %d GB.", im.Name, im.MinDiskGB, size.DiskGB)
	}
	return nil
}

func (s *Service) appImage(ctx context.Context, cat catalog.View, size *cloud.Size, req *Request) (string, error) {
	provider := cat.Provider().Type
	apps, err := cat.Apps(ctx)
	if err != nil {
		return "", err
	}
	i := slices.IndexFunc(apps.Items, func(a *cloud.App) bool { return a.Slug == req.App })
	if i < 0 || len(apps.Items[i].Images) == 0 {
		return "", webrana.FieldError("app", "%s has no 1-click app %q.", providers.Of(provider).Name, req.App)
	}
	image := apps.Items[i].Images[0]
	if req.Image != "" && req.Image != image {
		return "", webrana.FieldError("image", "The 1-click app %s brings its own image; leave image empty.", apps.Items[i].Name)
	}
	images, err := cat.Images(ctx, cloud.ImageApplication)
	if err != nil {
		return "", err
	}
	if err := appFits(apps.Items[i], images.Items, size, req.Region); err != nil {
		return "", err
	}
	return image, nil
}

// appFits checks a 1-click app's image, when the catalog lists it, against
// the size and region.
func appFits(app *cloud.App, images []*cloud.Image, size *cloud.Size, region string) error {
	if j := slices.IndexFunc(images, func(im *cloud.Image) bool { return im.Slug == app.Images[0] }); j >= 0 {
		if err := ImageFits(images[j], size, region); err != nil {
			return webrana.FieldError("app", "%s", webrana.ErrorMessage(err))
		}
	}
	return nil
}

// ImageChoices are what an order on a size in a region can be created
// from, filtered as Place checks them.
type ImageChoices struct {
	Images []*cloud.Image // distribution images that fit
	Apps   []*cloud.App   // 1-click apps whose image fits, or every StackScript (see RunsOn), by the marketplace's kind
}

// ImageChoices lists the images and marketplace apps an order on the
// size in the region may choose.
func (s *Service) ImageChoices(ctx context.Context, provider webrana.ProviderType, size *cloud.Size, region string) (*ImageChoices, error) {
	cat, err := s.catalog.View(ctx, provider)
	if err != nil {
		return nil, err
	}
	images, err := cat.Images(ctx, cloud.ImageDistribution)
	if err != nil {
		return nil, err
	}
	out := &ImageChoices{}
	for _, im := range images.Items {
		if ImageFits(im, size, region) == nil {
			out.Images = append(out.Images, im)
		}
	}
	market := providers.Of(provider).Capabilities.Marketplace
	if market == cloud.MarketplaceNone {
		return out, nil
	}
	apps, err := cat.Apps(ctx)
	if err != nil {
		return nil, err
	}
	if market == cloud.MarketplaceScripts {
		out.Apps = apps.Items
		return out, nil
	}
	appImages, err := cat.Images(ctx, cloud.ImageApplication)
	if err != nil {
		return nil, err
	}
	for _, a := range apps.Items {
		if len(a.Images) > 0 && appFits(a, appImages.Items, size, region) == nil {
			out.Apps = append(out.Apps, a)
		}
	}
	return out, nil
}

// RunsOn reports whether a StackScript supports an image.
func RunsOn(script *cloud.App, image string) bool {
	return slices.Contains(script.Images, image) || slices.Contains(script.Images, "any/all")
}

// stackScript checks the StackScript exists, takes the image, and that its
// data names only the script's fields, with allowed values.
func (s *Service) stackScript(ctx context.Context, cat catalog.View, req *Request) error {
	provider := cat.Provider().Type
	apps, err := cat.Apps(ctx)
	if err != nil {
		return err
	}
	id := strconv.Itoa(req.StackScriptID)
	i := slices.IndexFunc(apps.Items, func(a *cloud.App) bool { return a.Slug == id })
	if i < 0 {
		return webrana.FieldError("stackscript_id", "%s has no public StackScript %d.", providers.Of(provider).Name, req.StackScriptID)
	}
	app := apps.Items[i]
	if !RunsOn(app, req.Image) {
		return webrana.FieldError("image", "StackScript %s runs on %s, not %s.", app.Name, strings.Join(app.Images, ", "), req.Image)
	}
	for name, value := range req.StackScriptData {
		j := slices.IndexFunc(app.Fields, func(f cloud.AppField) bool { return f.Name == name })
		if j < 0 {
			return webrana.FieldError("stackscript_data", "StackScript %s has no field %q.", app.Name, name)
		}
		if f := app.Fields[j]; len(f.OneOf) > 0 && !slices.Contains(f.OneOf, value) {
			return webrana.FieldError("stackscript_data", "%s must be one of %s.", cmp.Or(f.Label, f.Name), strings.Join(f.OneOf, ", "))
		}
	}
	return requiredFields(app, req.StackScriptData)
}

// requiredFields checks the script's required fields (those without a
// default) are filled in: Linode runs a StackScript only with every one of
// them, and would refuse the create after the order was accepted.
func requiredFields(script *cloud.App, data map[string]string) error {
	for _, f := range script.Fields {
		if f.Required && strings.TrimSpace(data[f.Name]) == "" {
			return webrana.FieldError("stackscript_data", "StackScript %s needs %s (stackscript_data.%s).", script.Name, cmp.Or(f.Label, f.Name), f.Name)
		}
	}
	return nil
}

// MaxSSHKeys bounds the keys of one server.
const MaxSSHKeys = 10

func (s *Service) sshKeys(ctx context.Context, owner *webrana.User, ids []string) error {
	if len(ids) > MaxSSHKeys {
		return webrana.FieldError("ssh_key_ids", "At most %d SSH keys per server.", MaxSSHKeys)
	}
	for i, id := range ids {
		if slices.Contains(ids[:i], id) {
			return webrana.FieldError("ssh_key_ids", "SSH key %s is listed twice.", id)
		}
		if _, err := s.db.SSHKeyByID(ctx, owner.ID, id); err != nil {
			if webrana.ErrorCode(err) == webrana.ENOTFOUND {
				return webrana.FieldError("ssh_key_ids", "Unknown SSH key %s; add it under SSH keys first.", id)
			}
			return err
		}
	}
	return nil
}

// checkAccess makes sure the customer can get into the server: a provider
// that requires a root password gets one (Linode); the others get a
// password or an SSH key (else DigitalOcean e-mails a password to the
// account owner, who is not the customer).
func checkAccess(provider webrana.ProviderType, req *Request, label, email string) error {
	reg := providers.Of(provider)
	switch {
	case req.RootPassword != "":
		return webrana.CheckRootPassword(req.RootPassword, label, email)
	case reg.Capabilities.RootPasswordRequired:
		return webrana.FieldError("root_password", "%s needs a root password.", reg.Name)
	case len(req.SSHKeyIDs) == 0:
		return webrana.FieldError("root_password", "Give a root password or at least one SSH key, or you could not log in.")
	}
	return nil
}

// uuidPattern is a VPC's id.
var uuidPattern = regexp.MustCompile(`^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$`)

// checkOptions refuses options the chosen provider does not have (its
// capabilities), rather than ignoring them. IPv6 is never refused: where
// every server has it, the server has it anyway.
func checkOptions(provider webrana.ProviderType, req *Request) error {
	reg := providers.Of(provider)
	switch caps := reg.Capabilities; {
	case req.Monitoring && !caps.MonitoringAgent:
		return webrana.FieldError("monitoring", "%s has no monitoring agent option; its metrics are always on.", reg.Name)
	case req.VPCUUID != "" && !caps.VPC:
		return webrana.FieldError("vpc_uuid", "VPCs are offered on %s only.", providers.NamesWith(func(c cloud.Capabilities) bool { return c.VPC }))
	case req.Backups && !caps.Backups:
		return webrana.FieldError("backups", "%s has no automatic backups.", reg.Name)
	}
	if req.VPCUUID != "" && !uuidPattern.MatchString(req.VPCUUID) {
		return webrana.FieldError("vpc_uuid", "vpc_uuid must be a VPC's UUID.")
	}
	return nil
}

package web

import (
	"cmp"
	"context"
	"crypto/rand"
	"errors"
	"maps"
	"net/http"
	"net/url"
	"slices"
	"strconv"
	"strings"

	"github.com/webrana/webrana"
	"github.com/webrana/webrana/cloud"
	"github.com/webrana/webrana/providers"
	"github.com/webrana/webrana/provision"
	"github.com/webrana/webrana/web/pages"
)

// orderPages registers the create-server wizard and its live progress.
func (s *Server) orderPages() {
	s.ui("GET /servers/new", SignedIn, s.handleOrderPage)
	s.ui("POST /servers/new", SignedIn, s.handleOrderForm)
}

// orderStep is one step of the create-server wizard: the stage of the
// order it completes (Next validates the order through it, with
// provision's own checks, the ones POST /api/vps makes) and the fields it
// asks for (a refusal of one of them is shown on this step).
type orderStep struct {
	step   int // pages.Step...
	stage  provision.Stage
	fields []string
}

// orderWizard is the wizard's steps in the order they are shown. Its own
// list: provision's stages say what is checked, not how the form is cut
// into pages; a step could ask for two stages' fields, or none.
var orderWizard = []orderStep{
	{pages.StepProvider, provision.StageProvider, []string{"provider_type", "provider_id"}},
	{pages.StepPlan, provision.StagePlan, []string{"label", "plan_id"}},
	{pages.StepRegion, provision.StageRegion, []string{"region"}},
	{pages.StepImage, provision.StageImage, []string{"image_kind", "image", "app", "stackscript_id", "stackscript_data"}},
	{pages.StepConfig, provision.StageConfig, []string{"ssh_key_ids", "backups", "monitoring", "ipv6", "vpc_uuid"}},
	{pages.StepReview, provision.StageAll, []string{"root_password"}},
}

// The wizard's first and last steps; the last is the review.
var (
	orderFirst  = orderWizard[0].step
	orderReview = orderWizard[len(orderWizard)-1].step
)

// stageBefore is how much of the order the steps before step complete: what
// must be valid to show it (0 before the first, where nothing is).
func stageBefore(step int) provision.Stage {
	var done provision.Stage
	for _, st := range orderWizard {
		if st.step >= step {
			break
		}
		done = st.stage
	}
	return done
}

// handleOrderPage opens the wizard at its first step; ?provider= picks
// the provider.
func (s *Server) handleOrderPage(w http.ResponseWriter, r *http.Request) error {
	w.Header().Set("Cache-Control", "no-store")
	f := pages.OrderForm{Provider: webrana.ProviderType(r.URL.Query().Get("provider"))}
	return s.orderStep(w, r, f, orderFirst, nil, "")
}

// handleOrderForm moves the wizard: "back" to the previous step as it is,
// "next" to the following step once the steps so far are valid (the
// order's own checks, stage by stage), "refresh" shows the step again
// after a choice that changes it, and "place" orders from the review.
// Its pages are not stored: the review's form carries the order's key.
func (s *Server) handleOrderForm(w http.ResponseWriter, r *http.Request) error {
	w.Header().Set("Cache-Control", "no-store")
	if err := r.ParseForm(); err != nil {
		return webrana.Errorf(webrana.EINVALID, "The form could not be read.")
	}
	f := orderFormFrom(r.PostForm)
	from, _ := strconv.Atoi(r.PostForm.Get("step"))
	from = min(max(from, orderFirst), orderReview)
	switch nav := r.PostForm.Get("nav"); {
	case nav == "back":
		return s.orderStep(w, r, f, max(from-1, orderFirst), nil, "")
	case nav == "refresh":
		return s.orderStep(w, r, f, from, nil, "")
	case nav == "place" || from == orderReview:
		return s.placeOrderForm(w, r, f)
	}
	if from == pages.StepImage && f.ImageKind == pages.KindStackScript && appKind(f.Provider).Value == pages.KindStackScript && f.StackScriptID != f.UDFFor {
		// Another StackScript was chosen than the one whose fields the
		// form showed (no script ran to refresh them): show its fields.
		script, err := s.stackScript(r.Context(), f.Provider, f.StackScriptID)
		if err != nil {
			return err
		}
		if script != nil && len(script.Fields) > 0 {
			return s.orderStep(w, r, f, pages.StepImage, nil, "Fill in the settings of "+script.Name+", then choose Next.")
		}
		f.UDFFor = f.StackScriptID
	}
	return s.orderStep(w, r, f, from+1, nil, "")
}

// placeOrderForm places the order as POST /api/vps does and goes to the
// new server's page. The review's key places it once: sent again (a double
// click, a resent form), it goes to the server the first one ordered.
func (s *Server) placeOrderForm(w http.ResponseWriter, r *http.Request, f pages.OrderForm) error {
	req, err := orderRequest(f, provision.StageAll)
	if err == nil {
		req.IdempotencyKey = f.IdempotencyKey
		var in *webrana.Instance
		var again bool
		if in, again, err = s.placeOrder(r, req); err == nil {
			msg := "Server " + in.Label + " ordered. It is being created now."
			if again {
				msg = "Server " + in.Label + " was ordered already; here it is."
			}
			redirectFlash(w, r, "/servers/"+in.ID, msg)
			return nil
		}
	}
	if webrana.ErrorCode(err) == webrana.EINTERNAL {
		return err
	}
	return s.orderStep(w, r, f, orderReview, err, "")
}

// orderStep shows a step of the wizard, with an error if one is given.
// The steps before it must be valid: if one is not (a choice was tampered
// with, or the catalog changed), that step is shown with its error. The
// root password is never shown: a refused one is typed again.
func (s *Server) orderStep(w http.ResponseWriter, r *http.Request, f pages.OrderForm, step int, shown error, notice string) error {
	f.RootPassword = ""
	for {
		d, err := s.orderData(r.Context(), principal(r).User, &f, step)
		if err != nil {
			if webrana.ErrorCode(err) == webrana.EINTERNAL || step == orderFirst {
				return err
			}
			step, shown, notice = min(orderFieldStep(err, step-1), step-1), err, ""
			continue
		}
		d.Notice = notice
		status := http.StatusOK
		if shown != nil {
			status, d.Error = ErrorStatus(shown), webrana.ErrorMessage(shown)
			var e *webrana.Error
			if errors.As(shown, &e) {
				d.Field = e.Field
			}
		}
		fr := s.frame(w, r, "New server: "+pages.OrderSteps[step-1], "new")
		if isHTMX(r) {
			s.render(w, r, status, pages.OrderWizard(fr.CSRF, d))
			return nil
		}
		s.render(w, r, status, pages.Order(fr, d))
		return nil
	}
}

// orderFieldStep is the step that asks for an order's field.
func orderFieldStep(err error, otherwise int) int {
	field := webrana.ErrorField(err)
	for _, st := range orderWizard {
		if slices.Contains(st.fields, field) {
			return st.step
		}
	}
	return otherwise
}

// orderFormFrom reads the wizard's fields. A key too long for an order
// (tampered with) is dropped: the review gives a new one.
func orderFormFrom(v url.Values) pages.OrderForm {
	f := pages.OrderForm{Provider: webrana.ProviderType(v.Get("provider_type")), Label: v.Get("label"),
		PlanID: v.Get("plan_id"), Region: v.Get("region"), ImageKind: v.Get("image_kind"), Image: v.Get("image"),
		App: v.Get("app"), StackScriptID: v.Get("stackscript_id"), UDFFor: v.Get("udf_for"),
		RootPassword: v.Get("root_password"), SSHKeyIDs: v["ssh_key_ids"],
		Backups: v.Get("backups") != "", Monitoring: v.Get("monitoring") != "", IPv6: v.Get("ipv6") != "",
		VPCUUID: strings.TrimSpace(v.Get("vpc_uuid")), IdempotencyKey: strings.TrimSpace(v.Get("idempotency_key"))}
	if len(f.IdempotencyKey) > provision.MaxIdempotencyKey {
		f.IdempotencyKey = ""
	}
	for k, vals := range v {
		if name, ok := strings.CutPrefix(k, "stackscript_data."); ok && name != "" && len(vals) > 0 {
			if f.StackScriptData == nil {
				f.StackScriptData = map[string]string{}
			}
			f.StackScriptData[name] = vals[0]
		}
	}
	return f
}

// orderRequest turns the wizard's choices into the order POST /api/vps
// takes: only the options the chosen provider's capabilities offer, and
// those of the image kind its marketplace has. Through the image stage it
// also requires the app or StackScript its kind names.
func orderRequest(f pages.OrderForm, through provision.Stage) (provision.Request, error) {
	req := provision.Request{ProviderType: f.Provider, PlanID: f.PlanID, Region: f.Region, Label: f.Label,
		SSHKeyIDs: f.SSHKeyIDs, RootPassword: f.RootPassword, Backups: f.Backups}
	caps := providers.Of(f.Provider).Capabilities
	if !caps.IPv6Always {
		req.IPv6 = f.IPv6
	}
	if caps.MonitoringAgent {
		req.Monitoring = f.Monitoring
	}
	if caps.VPC {
		req.VPCUUID = f.VPCUUID
	}
	switch kind := appKind(f.Provider).Value; {
	case kind == pages.KindApp && f.ImageKind == kind:
		if f.App == "" && through >= provision.StageImage {
			return req, webrana.FieldError("app", "Choose a 1-click app.")
		}
		req.App = f.App
	case kind == pages.KindStackScript && f.ImageKind == kind:
		id, err := strconv.Atoi(f.StackScriptID)
		if (err != nil || id <= 0) && through >= provision.StageImage {
			return req, webrana.FieldError("stackscript_id", "Choose a StackScript.")
		}
		req.Image, req.StackScriptID = f.Image, id
		if f.UDFFor == f.StackScriptID {
			for k, v := range f.StackScriptData {
				if v != "" {
					if req.StackScriptData == nil {
						req.StackScriptData = map[string]string{}
					}
					req.StackScriptData[k] = v
				}
			}
		}
	default:
		req.Image = f.Image
	}
	return req, nil
}

// appKind is the wizard's way to start from the provider's marketplace
// apps: 1-click apps or StackScripts, by the marketplace's kind; its Value
// is "" for a provider without a marketplace.
func appKind(p webrana.ProviderType) pages.OrderKind {
	switch providers.Of(p).Capabilities.Marketplace {
	case cloud.MarketplaceImages:
		return pages.OrderKind{Value: pages.KindApp, Label: "A 1-click app", Hint: "Software installed and ready, from the marketplace."}
	case cloud.MarketplaceScripts:
		return pages.OrderKind{Value: pages.KindStackScript, Label: "A StackScript", Hint: "An image set up by a script, with your settings."}
	}
	return pages.OrderKind{}
}

// checkOrder validates the choices up to a stage, as Place would.
func (s *Server) checkOrder(ctx context.Context, me *webrana.User, f pages.OrderForm, through provision.Stage) (*provision.Checked, error) {
	req, err := orderRequest(f, through)
	if err != nil {
		return nil, err
	}
	return s.orders.Check(ctx, me, &req, through)
}

// orderData gathers what a step shows, after checking the steps before
// it. Where a choice of this step is missing or no longer offered, the
// first option is chosen, so Next works with few clicks.
func (s *Server) orderData(ctx context.Context, me *webrana.User, f *pages.OrderForm, step int) (pages.OrderData, error) {
	d := pages.OrderData{Step: step, Names: map[webrana.ProviderType]string{}}
	all, err := s.catalog.Providers(ctx)
	if err != nil {
		return d, err
	}
	for _, p := range all {
		d.Names[p.Type] = p.Name
	}
	var c *provision.Checked
	if done := stageBefore(step); done != 0 {
		if c, err = s.checkOrder(ctx, me, *f, done); err != nil {
			return d, err
		}
	}
	switch step {
	case pages.StepProvider:
		offered, err := s.catalog.Offered(ctx) // as GET /api/providers lists them
		if err != nil {
			return d, err
		}
		for _, p := range offered {
			d.Providers = append(d.Providers, pages.OrderProvider{Type: p.Type, Name: p.Name})
		}
		if len(d.Providers) == 0 {
			return d, webrana.Errorf(webrana.EUNAVAILABLE, "No provider is taking orders at the moment; try again later.")
		}
		if !slices.ContainsFunc(d.Providers, func(p pages.OrderProvider) bool { return p.Type == f.Provider }) {
			f.Provider = d.Providers[0].Type
		}
	case pages.StepPlan:
		if d.Plans, err = s.plans.List(ctx, f.Provider, true); err != nil {
			return d, err
		}
		f.PlanID = pick(d.Plans, f.PlanID, func(p *webrana.Plan) string { return p.ID })
	case pages.StepRegion:
		regions, err := s.orders.Regions(ctx, c.Plan)
		if err != nil {
			return d, err
		}
		for _, g := range regions {
			d.Regions = append(d.Regions, pages.OrderRegion{Slug: g.Slug, Name: g.Name})
		}
		if !slices.ContainsFunc(d.Regions, func(g pages.OrderRegion) bool { return g.Slug == f.Region }) {
			f.Region = s.orders.DefaultRegion(c.Provider) // preselected where offered (DIGITALOCEAN_DEFAULT_REGION)
		}
		f.Region = pick(d.Regions, f.Region, func(g pages.OrderRegion) string { return g.Slug })
	case pages.StepImage:
		if err := s.orderImageData(ctx, &d, f, c); err != nil {
			return d, err
		}
	case pages.StepConfig:
		if d.SSHKeys, err = s.auth.SSHKeys(ctx, me); err != nil {
			return d, err
		}
		if d.VPCs, err = s.orderVPCs(ctx, me, f); err != nil { // ui_networking.go
			return d, err
		}
		d.Plan = c.Plan // its backup price, beside the checkbox
	default:
		if err := s.orderReviewData(ctx, me, &d, f, c); err != nil {
			return d, err
		}
	}
	d.Form = *f
	return d, nil
}

// pick keeps a chosen value that is among the options, else the first.
func pick[T any](options []T, chosen string, key func(T) string) string {
	if slices.ContainsFunc(options, func(o T) bool { return key(o) == chosen }) || len(options) == 0 {
		return chosen
	}
	return key(options[0])
}

// orderImageData fills the image step: images by family, and the
// provider's marketplace apps, 1-click apps or StackScripts with the chosen
// one's fields, as provision offers them for the plan's size in the region.
func (s *Server) orderImageData(ctx context.Context, d *pages.OrderData, f *pages.OrderForm, c *provision.Checked) error {
	choices, err := s.orders.ImageChoices(ctx, c.Provider, c.Size, f.Region)
	if err != nil {
		return err
	}
	d.Kinds = []pages.OrderKind{{Value: pages.KindDistribution, Label: "An operating system", Hint: "A clean distribution image."}}
	market := appKind(c.Provider)
	if market.Value != "" {
		d.Kinds = append(d.Kinds, market)
	}
	kind := market.Value
	if kind == "" || f.ImageKind != kind || len(choices.Apps) == 0 {
		f.ImageKind = pages.KindDistribution
	}
	apps := make([]pages.OrderApp, 0, len(choices.Apps))
	for _, a := range choices.Apps {
		apps = append(apps, pages.OrderApp{Slug: a.Slug, Name: a.Name, Category: a.Category, Description: a.Description, RunsOn: runsOn(a)})
	}
	d.Apps = group(apps, func(a pages.OrderApp) string { return a.Category },
		func(k string, items []pages.OrderApp) pages.OrderAppGroup {
			return pages.OrderAppGroup{Category: k, Apps: items}
		})
	images := choices.Images
	switch kind {
	case pages.KindApp:
		f.App = pick(choices.Apps, f.App, func(a *cloud.App) string { return a.Slug })
	case pages.KindStackScript:
		f.StackScriptID = pick(choices.Apps, f.StackScriptID, func(a *cloud.App) string { return a.Slug })
		if i := slices.IndexFunc(choices.Apps, func(a *cloud.App) bool { return a.Slug == f.StackScriptID }); i >= 0 && f.ImageKind == pages.KindStackScript {
			script := choices.Apps[i]
			d.Script = &pages.OrderApp{Slug: script.Slug, Name: script.Name}
			images = slices.DeleteFunc(slices.Clone(images), func(im *cloud.Image) bool { return !provision.RunsOn(script, im.Slug) })
			for _, fl := range script.Fields {
				v := fl.Default
				if got, ok := f.StackScriptData[fl.Name]; ok && f.UDFFor == script.Slug {
					v = got
				}
				d.Fields = append(d.Fields, pages.OrderField{Name: fl.Name, Label: cmp.Or(fl.Label, fl.Name), Value: v, Example: fl.Example,
					OneOf: fl.OneOf, Required: fl.Required})
			}
			f.UDFFor = script.Slug
		}
	}
	f.Image = pick(images, f.Image, func(im *cloud.Image) string { return im.Slug })
	list := make([]pages.OrderImage, 0, len(images))
	for _, im := range images {
		list = append(list, pages.OrderImage{Slug: im.Slug, Name: im.Name, Family: im.Distribution})
	}
	d.Images = group(list, func(im pages.OrderImage) string { return im.Family },
		func(k string, items []pages.OrderImage) pages.OrderImageGroup {
			return pages.OrderImageGroup{Family: k, Images: items}
		})
	return nil
}

// runsOn says in words which images a StackScript supports.
func runsOn(a *cloud.App) string {
	if len(a.Images) == 0 || slices.Contains(a.Images, "any/all") {
		return "any image"
	}
	return strings.Join(a.Images, ", ")
}

// stackScript finds a StackScript in the provider's catalog, or nil.
func (s *Server) stackScript(ctx context.Context, p webrana.ProviderType, id string) (*cloud.App, error) {
	apps, err := s.catalog.GetApps(ctx, p)
	if err != nil {
		return nil, err
	}
	if i := slices.IndexFunc(apps.Items, func(a *cloud.App) bool { return a.Slug == id }); i >= 0 {
		return apps.Items[i], nil
	}
	return nil, nil
}

// orderReviewData fills the review: every choice in words, the price and
// the first day's hold as Place takes it, and the order's idempotency key
// (kept when the review is shown again after a refusal: nothing was placed
// with it).
func (s *Server) orderReviewData(ctx context.Context, me *webrana.User, d *pages.OrderData, f *pages.OrderForm, c *provision.Checked) error {
	if f.IdempotencyKey == "" {
		f.IdempotencyKey = rand.Text()
	}
	plan := c.Plan
	hold, _, err := provision.OrderHold(plan, f.Backups)
	if err != nil {
		return err
	}
	d.Plan, d.Hold = plan, hold
	balance, err := s.ledger.Balance(ctx, me.ID)
	if err != nil {
		return err
	}
	d.Balance = balance
	region := f.Region
	if regions, err := s.catalog.GetRegions(ctx, c.Provider); err == nil {
		if i := slices.IndexFunc(regions.Items, func(g *cloud.Region) bool { return g.Slug == f.Region }); i >= 0 {
			region = regions.Items[i].Name + " (" + f.Region + ")"
		}
	}
	fact := func(id, term, value string) {
		d.Review = append(d.Review, pages.OrderFact{ID: id, Term: term, Value: value})
	}
	fact("review-provider", "Provider", cmp.Or(d.Names[c.Provider], string(c.Provider)))
	fact("review-label", "Label", c.Label)
	fact("review-plan", "Plan", plan.Name+": "+strconv.Itoa(plan.VCPUs)+" vCPU, "+strconv.Itoa(plan.MemoryMB)+" MB memory, "+strconv.Itoa(plan.DiskGB)+" GB disk")
	fact("review-region", "Region", region)
	switch kind := appKind(f.Provider).Value; {
	case kind == pages.KindApp && f.ImageKind == kind:
		name := f.App
		if apps, err := s.catalog.GetApps(ctx, c.Provider); err == nil {
			if i := slices.IndexFunc(apps.Items, func(a *cloud.App) bool { return a.Slug == f.App }); i >= 0 {
				name = apps.Items[i].Name
			}
		}
		fact("review-app", "1-click app", name)
		fact("review-image", "Image", c.Image+" (the app's own)")
	case kind == pages.KindStackScript && f.ImageKind == kind:
		script, err := s.stackScript(ctx, c.Provider, f.StackScriptID)
		if err != nil {
			return err
		}
		name := f.StackScriptID
		if script != nil {
			name = script.Name
		}
		fact("review-stackscript", "StackScript", name)
		fact("review-image", "Image", s.imageName(ctx, c.Provider, c.Image))
		var settings []string
		for _, k := range slices.Sorted(maps.Keys(f.StackScriptData)) {
			switch v := f.StackScriptData[k]; {
			case v == "":
			case pages.SecretSetting(k):
				settings = append(settings, k+" = (set, hidden)")
			default:
				settings = append(settings, k+" = "+v)
			}
		}
		fact("review-stackscript-data", "Settings", cmp.Or(strings.Join(settings, "; "), "none"))
	default:
		fact("review-image", "Image", s.imageName(ctx, c.Provider, c.Image))
	}
	keys := "none"
	if len(f.SSHKeyIDs) > 0 {
		mine, err := s.auth.SSHKeys(ctx, me)
		if err != nil {
			return err
		}
		var names []string
		for _, k := range mine {
			if slices.Contains(f.SSHKeyIDs, k.ID) {
				names = append(names, k.Name)
			}
		}
		keys = strings.Join(names, ", ")
	}
	fact("review-ssh-keys", "SSH keys", keys)
	fact("review-backups", "Backups", pages.BackupsFact(f.Backups, plan))
	caps := providers.Of(c.Provider).Capabilities
	if caps.MonitoringAgent {
		fact("review-monitoring", "Monitoring", onOff(f.Monitoring))
	}
	if !caps.IPv6Always {
		fact("review-ipv6", "IPv6", onOff(f.IPv6))
	}
	if caps.VPC {
		fact("review-vpc", "VPC", cmp.Or(f.VPCUUID, "the region's default"))
	}
	return nil
}

// imageName is an image's family and name, or its slug.
func (s *Server) imageName(ctx context.Context, p webrana.ProviderType, slug string) string {
	images, err := s.catalog.GetImages(ctx, p, cloud.ImageDistribution)
	if err != nil {
		return slug
	}
	if i := slices.IndexFunc(images.Items, func(im *cloud.Image) bool { return im.Slug == slug }); i >= 0 {
		im := images.Items[i]
		if strings.HasPrefix(im.Name, im.Distribution) {
			return im.Name + " (" + slug + ")"
		}
		return strings.TrimSpace(im.Distribution+" "+im.Name) + " (" + slug + ")"
	}
	return slug
}

func onOff(b bool) string {
	if b {
		return "on"
	}
	return "off"
}

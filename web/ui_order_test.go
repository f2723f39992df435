package web_test

import (
	"context"
	"html"
	"net/url"
	"regexp"
	"strings"
	"testing"

	"github.com/webrana/webrana"
	"github.com/webrana/webrana/store"
	"github.com/webrana/webrana/web/webtest"
)

var (
	formTag     = regexp.MustCompile(`<(input|select|option|/select)\b([^>]*)>`)
	tagAttr     = regexp.MustCompile(`([a-zA-Z_:][-\w:.]*)(?:="([^"]*)")?`)
	currentStep = regexp.MustCompile(`<li aria-current="step">(\d)\. `)
)

// formValues is what a browser would submit from the page's form as it
// stands: hidden inputs, text fields, checked radios and checkboxes, and
// selected options.
func formValues(body []byte) url.Values {
	v := url.Values{}
	var selectName string
	for _, m := range formTag.FindAllSubmatch(body, -1) {
		attrs := map[string]string{}
		for _, a := range tagAttr.FindAllSubmatch(m[2], -1) {
			if a[2] != nil || string(a[1]) != "value" {
				attrs[string(a[1])] = html.UnescapeString(string(a[2]))
			}
		}
		_, checked := attrs["checked"]
		_, selected := attrs["selected"]
		switch string(m[1]) {
		case "select":
			selectName = attrs["name"]
		case "/select":
			selectName = ""
		case "option":
			if selectName != "" && selected {
				v.Set(selectName, attrs["value"])
			}
		default:
			name := attrs["name"]
			switch attrs["type"] {
			case "radio", "checkbox":
				if value, ok := attrs["value"]; checked && ok {
					v.Add(name, value)
				} else if checked {
					v.Add(name, "on") // a browser's value for a checkbox without one
				}
			default:
				if name != "" {
					v.Add(name, attrs["value"])
				}
			}
		}
	}
	return v
}

// wizard submits the page's form as a browser would after the person
// changed the given fields and pressed a button (nav).
func wizard(t *testing.T, c *webtest.Client, page *webtest.Response, nav string, change url.Values) *webtest.Response {
	t.Helper()
	v := formValues(page.Body)
	for k, vals := range change {
		v[k] = vals
	}
	v.Set("nav", nav)
	return c.PostForm("/servers/new", v)
}

// atStep fails unless the page is the wizard at the step, with the status.
func atStep(t *testing.T, res *webtest.Response, status, step int, what string) {
	t.Helper()
	mustStatus(t, res, status, what)
	m := currentStep.FindSubmatch(res.Body)
	if m == nil || string(m[1]) != string(rune('0'+step)) {
		t.Fatalf("%s: at step %s, want %d:\n%s", what, m, step, res.Body)
	}
}

func mustContain(t *testing.T, res *webtest.Response, what string, parts ...string) {
	t.Helper()
	for _, p := range parts {
		if !strings.Contains(string(res.Body), p) {
			t.Fatalf("%s: page lacks %q:\n%s", what, p, res.Body)
		}
	}
}

func mustLack(t *testing.T, res *webtest.Response, what string, parts ...string) {
	t.Helper()
	for _, p := range parts {
		if strings.Contains(string(res.Body), p) {
			t.Fatalf("%s: page shows %q:\n%s", what, p, res.Body)
		}
	}
}

// orderCustomer signs a customer in through the form with an SSH key and,
// when credit > 0, money.
func orderCustomer(t *testing.T, h *harness, email string, credit int64) (*webtest.Client, *webrana.User, string) {
	t.Helper()
	u := h.user(email, webrana.RoleCustomer)
	api := h.login(email)
	if credit > 0 {
		h.credit(t, api, credit)
	}
	res := api.Do("POST", "/api/ssh-keys", map[string]string{"name": "laptop", "public_key": testKey(t, 7)})
	mustStatus(t, res, 201, "SSH key")
	var key struct{ ID string }
	res.JSON(t, &key)
	return signIn(t, h, email), u, key.ID
}

// placedInstance is the order's server, found from the redirect.
func placedInstance(t *testing.T, h *harness, res *webtest.Response) *webrana.Instance {
	t.Helper()
	mustStatus(t, res, 303, "place order")
	id, ok := strings.CutPrefix(res.Header.Get("Location"), "/servers/")
	if !ok || id == "" {
		t.Fatalf("placed order redirects to %q", res.Header.Get("Location"))
	}
	if ck, _ := setCookie(t, res, "webrana_flash"); ck == nil || !strings.Contains(ck.Value, "ordered") {
		t.Errorf("no flash message after the order: %v", res.Header.Values("Set-Cookie"))
	}
	in, err := h.db.InstanceByID(context.Background(), id)
	if err != nil {
		t.Fatalf("instance %s: %v", id, err)
	}
	entries, _, err := h.db.ListAudit(context.Background(), store.AuditFilter{Action: "vps.ordered", TargetID: id})
	if err != nil || len(entries) != 1 {
		t.Fatalf("audit of the order: %d entries, %v", len(entries), err)
	}
	return in
}

// TestUIOrderDigitalOceanApp walks every step of a DigitalOcean order of
// a 1-click app, checking what each step offers.
func TestUIOrderDigitalOceanApp(t *testing.T) {
	t.Parallel()
	h := sqliteHarness(t)
	c, _, keyID := orderCustomer(t, h, "a@example.com", 1000)
	plan := h.plan(t, webrana.DigitalOcean)
	lin := h.plan(t, webrana.Linode)
	// A region the provider is not taking servers in is not offered.
	plan.Regions = append(plan.Regions, "nyc2")
	plan.VCPUs, plan.MemoryMB, plan.DiskGB = 1, 1024, 25
	if _, err := h.db.UpdatePlan(context.Background(), plan); err != nil {
		t.Fatal(err)
	}

	page := c.Do("GET", "/servers/new", nil)
	atStep(t, page, 200, 1, "GET /servers/new")
	noStore(t, page, "GET /servers/new")
	mustContain(t, page, "step 1", `hx-sync="this:drop"`, `hx-disabled-elt="#order-form button[type=submit]"`, `<ol class="steps"`, `id="provider-digitalocean" name="provider_type" value="digitalocean"`,
		`id="provider-linode"`, `src="/assets/digitalocean.svg"`, `id="next" name="nav" value="next"`, `id="back" name="nav" value="back"`)

	page = wizard(t, c, page, "next", url.Values{"provider_type": {"digitalocean"}})
	atStep(t, page, 200, 2, "provider chosen")
	mustContain(t, page, "step 2", `<input id="label" name="label"`, `id="plan-`+plan.ID+`" name="plan_id" value="`+plan.ID+`"`,
		"6.00 USD", "0.01 USD", "1 vCPU", "1 GB memory", "25 GB disk")
	mustLack(t, page, "step 2", `id="plan-`+lin.ID+`"`)

	page = wizard(t, c, page, "next", url.Values{"label": {"blog-1"}, "plan_id": {plan.ID}})
	atStep(t, page, 200, 3, "plan chosen")
	mustContain(t, page, "step 3", `id="region-sgp1" name="region" value="sgp1"`, "Singapore 1", `id="region-nyc3"`)
	mustLack(t, page, "step 3", `id="region-nyc2"`)

	page = wizard(t, c, page, "next", url.Values{"region": {"sgp1"}})
	atStep(t, page, 200, 4, "region chosen")
	mustContain(t, page, "step 4", `name="image_kind" value="distribution"`, `name="image_kind" value="app"`,
		`<legend>Ubuntu</legend>`, `<legend>Debian</legend>`, `id="image-ubuntu-24-04-x64"`,
		`<legend>CMS</legend>`, `<legend>Databases</legend>`, `id="app-wordpress-20-04" name="app" value="wordpress-20-04"`, "WordPress 6.6 on Ubuntu 22.04")
	mustLack(t, page, "step 4 (GitLab needs a 50 GB disk)", `id="app-gitlab-20-04"`)

	page = wizard(t, c, page, "next", url.Values{"image_kind": {"app"}, "app": {"wordpress-20-04"}})
	atStep(t, page, 200, 5, "app chosen")
	mustContain(t, page, "step 5", `id="password-later"`,
		`name="ssh_key_ids" value="`+keyID+`"`, `id="backups"`, `id="monitoring"`, `id="ipv6"`, `id="vpc_uuid"`)
	mustLack(t, page, "step 5 (the review asks for the password)", `name="root_password"`)

	page = wizard(t, c, page, "next", url.Values{"ssh_key_ids": {keyID}, "monitoring": {"on"}, "ipv6": {"on"}})
	atStep(t, page, 200, 6, "configured")
	noStore(t, page, "review")
	mustContain(t, page, "review", `<dl id="review"`, "blog-1", plan.Name, "Singapore 1 (sgp1)", "WordPress 6.6 on Ubuntu 22.04",
		"wordpress-20-04 (the app&#39;s own)", "laptop", `id="review-monitoring">on`, `id="review-ipv6">on`, `id="review-backups">off`,
		`id="review-price"`, "6.00 USD per month", "0.01 USD per hour", "0.24 USD is held", `id="place-order"`,
		`<input id="root_password" name="root_password" type="password"`, "Optional: you chose an SSH key.", `name="idempotency_key"`)

	in := placedInstance(t, h, wizard(t, c, page, "place", url.Values{"root_password": {"Kx9!mQ2#vLp7"}}))
	o := in.Options
	if in.OwnerID == "" || in.ProviderType != webrana.DigitalOcean || in.PlanID != plan.ID || in.Region != "sgp1" || in.Label != "blog-1" ||
		in.Image != "wordpress-20-04" || o.App != "wordpress-20-04" || !o.Monitoring || !o.IPv6 || o.Backups ||
		len(o.SSHKeyIDs) != 1 || o.SSHKeyIDs[0] != keyID || in.Status != webrana.StatusProvisioning {
		t.Fatalf("ordered instance: %+v %+v", in, o)
	}
}

// TestUIOrderLinodeStackScript walks a Linode order of a StackScript:
// choosing another script shows its fields, whose values reach the order.
func TestUIOrderLinodeStackScript(t *testing.T) {
	t.Parallel()
	h := sqliteHarness(t)
	c, _, _ := orderCustomer(t, h, "a@example.com", 1000)
	plan := h.plan(t, webrana.Linode)

	page := c.Do("GET", "/servers/new", nil)
	page = wizard(t, c, page, "next", url.Values{"provider_type": {"linode"}})
	page = wizard(t, c, page, "next", url.Values{"label": {"hello-1"}, "plan_id": {plan.ID}})
	atStep(t, page, 200, 3, "plan chosen")
	mustContain(t, page, "step 3", `id="region-us-east"`, "Newark, NJ")
	page = wizard(t, c, page, "next", url.Values{"region": {"us-east"}})
	atStep(t, page, 200, 4, "region chosen")
	mustContain(t, page, "step 4", `name="image_kind" value="stackscript"`, `id="image-linode/debian12"`, `<legend>Debian</legend>`)

	// Choosing "A StackScript" shows the scripts (htmx refreshes the step),
	// the first chosen, its fields and only the images it runs on.
	page = wizard(t, c.WithHeader("HX-Request", "true"), page, "refresh", url.Values{"image_kind": {"stackscript"}})
	atStep(t, page, 200, 4, "StackScripts shown")
	mustLack(t, page, "htmx fragment", "<html")
	mustContain(t, page, "StackScripts", `id="script-10079" name="stackscript_id" value="10079"`, "Hello World",
		`id="udf-soa_email_address" name="stackscript_data.soa_email_address"`, `id="image-linode/ubuntu24.04"`)
	mustLack(t, page, "WordPress runs on Ubuntu only", `id="image-linode/debian12"`)

	// Another script, then Next without a refresh (no JavaScript): its
	// fields are shown first, with their defaults.
	page = wizard(t, c, page, "next", url.Values{"stackscript_id": {"10079"}})
	atStep(t, page, 200, 4, "another StackScript")
	mustContain(t, page, "Hello World's fields", `id="order-notice"`, `<input id="udf-greeting" name="stackscript_data.greeting" value="Hello, world!"`,
		`<label for="udf-color">Favourite colour</label>`, `id="image-linode/debian12"`)
	mustLack(t, page, "Hello World's fields", `id="udf-soa_email_address"`)

	page = wizard(t, c, page, "next", url.Values{"stackscript_data.greeting": {"Hi there"}, "image": {"linode/debian12"}})
	atStep(t, page, 200, 5, "StackScript filled in")
	mustLack(t, page, "Linode options", `id="monitoring"`, `id="ipv6"`, `id="vpc_uuid"`)
	page = wizard(t, c, page, "next", url.Values{"backups": {"on"}})
	atStep(t, page, 200, 6, "configured")
	mustContain(t, page, "review", `id="review-stackscript">Hello World`, "Debian 12 (linode/debian12)",
		"greeting = Hi there", "color = green", `id="review-backups">on`, `name="root_password" type="password" autocomplete="new-password" maxlength="128" required`)

	in := placedInstance(t, h, wizard(t, c, page, "place", url.Values{"root_password": {"Kx9!mQ2#vLp7"}}))
	o := in.Options
	if in.ProviderType != webrana.Linode || in.Image != "linode/debian12" || o.StackScriptID != 10079 || !o.Backups ||
		o.StackScriptData["greeting"] != "Hi there" || o.StackScriptData["color"] != "green" || o.StackScriptData["packages"] != "curl" {
		t.Fatalf("ordered instance: %+v %+v", in, o)
	}
}

// TestUIOrderStepErrors: a bad step is refused on the same step with the
// message and a 4xx, keeping what was entered.
func TestUIOrderStepErrors(t *testing.T) {
	t.Parallel()
	h := sqliteHarness(t)
	c, _, keyID := orderCustomer(t, h, "a@example.com", 1000)
	plan := h.plan(t, webrana.DigitalOcean)

	step2 := wizard(t, c, c.Do("GET", "/servers/new", nil), "next", url.Values{"provider_type": {"digitalocean"}})
	res := wizard(t, c, step2, "next", url.Values{"label": {"-bad label-"}, "plan_id": {plan.ID}})
	atStep(t, res, 400, 2, "bad label")
	mustContain(t, res, "bad label", `role="alert"`, "A label is 3 to 64", `id="err-label"`, `value="-bad label-"`, `aria-invalid="true"`,
		`value="`+plan.ID+`" checked`)

	res = wizard(t, c, step2, "next", url.Values{"label": {"web-1"}, "plan_id": {""}})
	atStep(t, res, 400, 2, "no plan")
	mustContain(t, res, "no plan", `role="alert"`, "Choose a plan.", `id="err-plan_id"`, `value="web-1"`)

	res = wizard(t, c, step2, "next", url.Values{"label": {"web-1"}, "plan_id": {"no-such-plan"}})
	atStep(t, res, 400, 2, "unknown plan")

	page := wizard(t, c, step2, "next", url.Values{"label": {"web-1"}, "plan_id": {plan.ID}})
	page = wizard(t, c, page, "next", url.Values{"region": {"sgp1"}})
	page = wizard(t, c, page, "next", url.Values{"image_kind": {"distribution"}, "image": {"debian-12-x64"}})
	atStep(t, page, 200, 5, "image chosen")
	review := wizard(t, c, page, "next", url.Values{"ssh_key_ids": {keyID}, "backups": {"on"}})
	atStep(t, review, 200, 6, "configured")
	key := formValues(review.Body).Get("idempotency_key")
	res = wizard(t, c, review, "place", url.Values{"root_password": {"password1234"}})
	atStep(t, res, 400, 6, "weak password")
	noStore(t, res, "weak password")
	mustContain(t, res, "weak password", `role="alert"`, `id="err-root_password"`, `aria-invalid="true"`,
		`name="ssh_key_ids" value="`+keyID+`"`, `name="backups" value="on"`, `name="idempotency_key" value="`+key+`"`)
	mustLack(t, res, "weak password", "password1234")
	if v := formValues(res.Body); v.Get("root_password") != "" || len(v["root_password"]) != 1 {
		t.Fatalf("the review after a refused password: root_password %q, want one empty field", v["root_password"])
	}

	// A tampered earlier choice is caught on its own step.
	res = wizard(t, c, page, "next", url.Values{"region": {"fra1"}})
	atStep(t, res, 400, 3, "region outside the plan")
	mustContain(t, res, "region outside the plan", "is not sold in fra1")
}

// TestUIOrderBackKeepsChoices: Back shows the previous step with every
// choice made, later ones included.
func TestUIOrderBackKeepsChoices(t *testing.T) {
	t.Parallel()
	h := sqliteHarness(t)
	c, _, keyID := orderCustomer(t, h, "a@example.com", 1000)
	h.plan(t, webrana.DigitalOcean)
	plan := h.plan(t, webrana.DigitalOcean) // not the first: the default would hide a lost choice

	page := wizard(t, c, c.Do("GET", "/servers/new", nil), "next", url.Values{"provider_type": {"digitalocean"}})
	page = wizard(t, c, page, "next", url.Values{"label": {"keep-me"}, "plan_id": {plan.ID}})
	page = wizard(t, c, page, "next", url.Values{"region": {"nyc3"}})
	page = wizard(t, c, page, "next", url.Values{"image_kind": {"distribution"}, "image": {"fedora-41-x64"}})
	page = wizard(t, c, page, "next", url.Values{"ssh_key_ids": {keyID}, "ipv6": {"on"}})
	atStep(t, page, 200, 6, "review")

	// A password typed on the review and then Back is not kept: no page
	// shows it back, it is typed when the order is placed.
	back := wizard(t, c, page, "back", url.Values{"root_password": {"Kx9!mQ2#vLp7"}})
	atStep(t, back, 200, 5, "back to configuration")
	mustContain(t, back, "configuration kept", `value="`+keyID+`" checked`, `id="ipv6" name="ipv6" role="switch" checked`)
	mustLack(t, back, "configuration kept", "Kx9!mQ2#vLp7", `name="idempotency_key"`)
	mustLack(t, back, "configuration kept", `id="monitoring" name="monitoring" role="switch" checked`)
	back = wizard(t, c, back, "back", nil)
	atStep(t, back, 200, 4, "back to the image")
	mustContain(t, back, "image kept", `value="fedora-41-x64" checked`, `id="kind-distribution" name="image_kind" value="distribution" checked`)
	back = wizard(t, c, back, "back", nil)
	atStep(t, back, 200, 3, "back to the region")
	mustContain(t, back, "region kept", `value="nyc3" checked`)
	back = wizard(t, c, back, "back", nil)
	atStep(t, back, 200, 2, "back to the plan")
	mustContain(t, back, "plan kept", `value="keep-me"`, `value="`+plan.ID+`" checked`)
	back = wizard(t, c, back, "back", nil)
	atStep(t, back, 200, 1, "back to the provider")
	mustContain(t, back, "provider kept", `value="digitalocean" checked`)

	// Forward again without touching anything: the same order reaches
	// the review.
	for step := 2; step <= 6; step++ {
		back = wizard(t, c, back, "next", nil)
		atStep(t, back, 200, step, "forward again")
		mustLack(t, back, "forward again", "Kx9!mQ2#vLp7")
	}
	mustContain(t, back, "review again", "keep-me", "(nyc3)", "fedora-41-x64", `id="review-ipv6">on`)
	in := placedInstance(t, h, wizard(t, c, back, "place", url.Values{"root_password": {"Kx9!mQ2#vLp7"}}))
	if in.Label != "keep-me" || in.PlanID != plan.ID || in.Region != "nyc3" || in.Image != "fedora-41-x64" || !in.Options.IPv6 {
		t.Fatalf("ordered after going back and forth: %+v", in)
	}
}

// TestUIOrderLowBalance: a customer who cannot pay the first day sees why
// on the review, and nothing is ordered.
func TestUIOrderLowBalance(t *testing.T) {
	t.Parallel()
	h := sqliteHarness(t)
	c, u, _ := orderCustomer(t, h, "poor@example.com", 10)
	plan := h.plan(t, webrana.DigitalOcean)

	page := wizard(t, c, c.Do("GET", "/servers/new", nil), "next", url.Values{"provider_type": {"digitalocean"}})
	page = wizard(t, c, page, "next", url.Values{"label": {"web-1"}, "plan_id": {plan.ID}})
	page = wizard(t, c, page, "next", nil)
	page = wizard(t, c, page, "next", nil)
	page = wizard(t, c, page, "next", nil)
	atStep(t, page, 200, 6, "review")
	mustContain(t, page, "balance shown", `id="review-balance">0.10 USD`, "Required: you chose no SSH key.")
	password := url.Values{"root_password": {"Kx9!mQ2#vLp7"}}

	res := wizard(t, c, page, "place", nil)
	atStep(t, res, 400, 6, "no password and no SSH key")
	mustContain(t, res, "no password and no SSH key", `id="err-root_password"`, "Give a root password or at least one SSH key")

	res = wizard(t, c, page, "place", password)
	atStep(t, res, 402, 6, "order over the balance")
	mustContain(t, res, "order over the balance", `role="alert"`, "Your balance is 0.10 USD", "Add credit", `<dl id="review"`)
	// htmx gets the same step as a fragment.
	res = wizard(t, c.WithHeader("HX-Request", "true"), page, "place", password)
	atStep(t, res, 402, 6, "order over the balance (htmx)")
	mustLack(t, res, "htmx fragment", "<html")
	if _, n, err := h.db.ListInstances(context.Background(), webrana.InstanceFilter{OwnerID: u.ID}); err != nil || n != 0 {
		t.Fatalf("%d instances after a refused order (%v)", n, err)
	}

	// With money, htmx is sent to the new server's page.
	h.credit(t, h.login("poor@example.com"), 1000)
	res = wizard(t, c.WithHeader("HX-Request", "true"), page, "place", password)
	mustStatus(t, res, 204, "order through htmx")
	if loc := res.Header.Get("HX-Redirect"); !strings.HasPrefix(loc, "/servers/") || len(loc) <= len("/servers/") {
		t.Fatalf("HX-Redirect %q", loc)
	}
}

// noStore fails unless the answer may not be stored: the wizard's pages
// carry the order's key.
func noStore(t *testing.T, res *webtest.Response, what string) {
	t.Helper()
	if cc := res.Header.Get("Cache-Control"); cc != "no-store" {
		t.Errorf("%s: Cache-Control %q, want no-store", what, cc)
	}
}

// TestUIOrderPlacedOnce: the review's form placed twice (a double click,
// a resent form) orders one server with one hold, and the second answer
// goes to that server too; a review shown anew orders another.
func TestUIOrderPlacedOnce(t *testing.T) {
	t.Parallel()
	h := sqliteHarness(t)
	c, u, keyID := orderCustomer(t, h, "a@example.com", 1000)
	plan := h.plan(t, webrana.DigitalOcean)

	page := wizard(t, c, c.Do("GET", "/servers/new", nil), "next", url.Values{"provider_type": {"digitalocean"}})
	page = wizard(t, c, page, "next", url.Values{"label": {"once-1"}, "plan_id": {plan.ID}})
	page = wizard(t, c, page, "next", nil)
	page = wizard(t, c, page, "next", nil)
	review := wizard(t, c, page, "next", url.Values{"ssh_key_ids": {keyID}})
	atStep(t, review, 200, 6, "review")
	if key := formValues(review.Body).Get("idempotency_key"); len(key) < 20 {
		t.Fatalf("the review's idempotency key is %q", key)
	}

	first := placedInstance(t, h, wizard(t, c, review, "place", nil))
	res := wizard(t, c, review, "place", nil)
	if again := placedInstance(t, h, res); again.ID != first.ID {
		t.Fatalf("the review placed again ordered %s, then %s", first.ID, again.ID)
	}
	if ck, _ := setCookie(t, res, "webrana_flash"); ck == nil || !strings.Contains(ck.Value, "already") {
		t.Errorf("the order placed again says %v", res.Header.Values("Set-Cookie"))
	}
	res = wizard(t, c.WithHeader("HX-Request", "true"), review, "place", nil)
	mustStatus(t, res, 204, "placed again through htmx")
	if loc := res.Header.Get("HX-Redirect"); loc != "/servers/"+first.ID {
		t.Fatalf("placed again through htmx: HX-Redirect %q, want /servers/%s", loc, first.ID)
	}
	if _, n, err := h.db.ListInstances(context.Background(), webrana.InstanceFilter{OwnerID: u.ID}); err != nil || n != 1 {
		t.Fatalf("%d instances after the review placed three times (%v), want 1", n, err)
	}
	if n := holds(t, h, u.ID); n != 1 {
		t.Fatalf("%d holds after the review placed three times, want 1", n)
	}

	// Back and Next again: a new review, a new key, another server.
	again := wizard(t, c, wizard(t, c, review, "back", nil), "next", nil)
	atStep(t, again, 200, 6, "review again")
	if formValues(again.Body).Get("idempotency_key") == formValues(review.Body).Get("idempotency_key") {
		t.Fatal("a review shown anew kept the key of the one before")
	}
	if second := placedInstance(t, h, wizard(t, c, again, "place", nil)); second.ID == first.ID {
		t.Fatalf("a new review ordered %s again", second.ID)
	}
}

// TestUIOrderSecretSettingsStayHidden: a StackScript field holding a secret
// (LAMP's token_password) is typed into a password input and the review
// says it is set without showing it.
func TestUIOrderSecretSettingsStayHidden(t *testing.T) {
	t.Parallel()
	h := sqliteHarness(t)
	c, _, _ := orderCustomer(t, h, "a@example.com", 1000)
	plan := h.plan(t, webrana.Linode)
	page := c.Do("GET", "/servers/new", nil)
	page = wizard(t, c, page, "next", url.Values{"provider_type": {"linode"}})
	page = wizard(t, c, page, "next", url.Values{"label": {"lamp-1"}, "plan_id": {plan.ID}})
	page = wizard(t, c, page, "next", url.Values{"region": {"us-east"}})
	page = wizard(t, c, page, "next", url.Values{"image_kind": {"stackscript"}, "stackscript_id": {"401701"}})
	atStep(t, page, 200, 4, "LAMP's fields")
	if !regexp.MustCompile(`<input id="udf-token_password"[^>]*type="password"`).Match(page.Body) {
		t.Fatalf("the token field is not a password input:\n%s", page.Body)
	}
	page = wizard(t, c, page, "next", url.Values{"image": {"linode/debian12"}, "stackscript_data.soa_email_address": {"ops@example.com"},
		"stackscript_data.user_name": {"webmaster"}, "stackscript_data.token_password": {"sekrit-token-123"}})
	page = wizard(t, c, page, "next", url.Values{})
	atStep(t, page, 200, 6, "review")
	review := regexp.MustCompile(`(?s)<dl id="review".*?</dl>`).Find(page.Body)
	if review == nil || strings.Contains(string(review), "sekrit-token-123") || !strings.Contains(string(review), "token_password = (set, hidden)") ||
		!strings.Contains(string(review), "user_name = webmaster") {
		t.Errorf("the review shows a secret setting or hides the others:\n%s", review)
	}
}

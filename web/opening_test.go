package web_test

import (
	"context"
	"net/http"
	"net/url"
	"strings"
	"testing"

	"github.com/webrana/webrana"
	"github.com/webrana/webrana/auth"
	"github.com/webrana/webrana/jobs"
	"github.com/webrana/webrana/provision"
	"github.com/webrana/webrana/secrets"
	"github.com/webrana/webrana/store"
	"github.com/webrana/webrana/store/storetest"
	"github.com/webrana/webrana/web"
)

// defaultRegionHarness is a harness on SQLite whose orders default
// DigitalOcean's region to region (DIGITALOCEAN_DEFAULT_REGION).
func defaultRegionHarness(t *testing.T, region string) *harness {
	db := storetest.OpenSQLite(t)
	return newHarness(t, db, auth.ThrottlePolicy{}, func(c *web.Config) {
		queue, err := jobs.New(db, nil) // insert-only, as the harness's own
		if err != nil {
			t.Fatal(err)
		}
		c.Orders = provision.New(db, c.Catalog, secrets.NewKeyring(secrets.NewKey(), nil), queue,
			&provision.Config{DefaultRegions: map[webrana.ProviderType]string{webrana.DigitalOcean: region}})
	})
}

// TestOrderDefaultRegion: a DigitalOcean order without a region takes the
// default region where the plan is sold there; elsewhere it is refused as
// before, naming the region.
func TestOrderDefaultRegion(t *testing.T) {
	tests := []struct {
		name, region string
		status       int
		field        string
	}{
		{"plan sold in the default region", "nyc3", http.StatusAccepted, ""},
		{"plan not sold in the default region", "fra1", http.StatusBadRequest, "region"},
		{"no default region", "", http.StatusBadRequest, "region"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			h := defaultRegionHarness(t, tt.region)
			h.user("a@example.com", webrana.RoleCustomer)
			c := h.login("a@example.com")
			h.credit(t, c, 1000)
			plan := h.plan(t, webrana.DigitalOcean) // sold in sgp1 and nyc3
			res := c.Do("POST", "/api/vps", map[string]any{"provider_type": "digitalocean", "plan_id": plan.ID,
				"image": "ubuntu-24-04-x64", "label": "web-1", "root_password": "Kx9!mQ2#vLp7"})
			if res.Status != tt.status || res.ErrorField() != tt.field {
				t.Fatalf("status %d field %q (%s), want %d %q", res.Status, res.ErrorField(), res.Body, tt.status, tt.field)
			}
			if tt.status != http.StatusAccepted {
				return
			}
			var in struct{ Region string }
			res.JSON(t, &in)
			if in.Region != tt.region {
				t.Fatalf("ordered in %q, want the default %q", in.Region, tt.region)
			}
		})
	}
}

// TestWizardPreselectsDefaultRegion: the create-server form's region step
// preselects DIGITALOCEAN_DEFAULT_REGION when the plan is sold there, and
// the first region otherwise.
func TestWizardPreselectsDefaultRegion(t *testing.T) {
	for _, tt := range []struct{ def, want string }{{"nyc3", "nyc3"}, {"fra1", "sgp1"}} {
		t.Run(tt.def, func(t *testing.T) {
			t.Parallel()
			h := defaultRegionHarness(t, tt.def)
			c, _, _ := orderCustomer(t, h, "a@example.com", 1000)
			plan := h.plan(t, webrana.DigitalOcean)
			page := c.Do("GET", "/servers/new", nil)
			page = wizard(t, c, page, "next", url.Values{"provider_type": {"digitalocean"}})
			page = wizard(t, c, page, "next", url.Values{"label": {"web-1"}, "plan_id": {plan.ID}})
			atStep(t, page, 200, 3, "plan chosen")
			if got := formValues(page.Body).Get("region"); got != tt.want {
				t.Fatalf("region step preselects %q, want %q", got, tt.want)
			}
		})
	}
}

// TestProviderLogosAnswer: the logo each provider names is served.
func TestProviderLogosAnswer(t *testing.T) {
	t.Parallel()
	h := sqliteHarness(t)
	h.user("admin@example.com", webrana.RoleAdmin)
	admin := h.login("admin@example.com")
	var all struct{ Items []struct{ Logo string } }
	admin.Do("GET", "/api/admin/providers", nil).JSON(t, &all)
	if len(all.Items) != len(webrana.ProviderTypes) {
		t.Fatalf("%d providers", len(all.Items))
	}
	for _, p := range all.Items {
		if !strings.HasPrefix(p.Logo, "/assets/") {
			t.Errorf("logo %q is not under /assets/", p.Logo)
		}
		res, err := http.Get(h.url + p.Logo)
		if err != nil {
			t.Fatal(err)
		}
		res.Body.Close()
		if res.StatusCode != 200 || !strings.HasPrefix(res.Header.Get("Content-Type"), "image/svg") {
			t.Errorf("GET %s: %d %s", p.Logo, res.StatusCode, res.Header.Get("Content-Type"))
		}
	}
}

// TestCatalogAndProviderPages: the catalogs and the providers' list answer
// one page at a time in the shape of every list, and refuse bad pages.
func TestCatalogAndProviderPages(t *testing.T) {
	t.Parallel()
	h := sqliteHarness(t)
	h.user("admin@example.com", webrana.RoleAdmin)
	c := h.login("admin@example.com")
	type page struct {
		Items   []map[string]any
		Total   int
		Page    int
		PerPage int `json:"per_page"`
		Groups  []map[string]any
	}
	get := func(path string) page {
		t.Helper()
		res := c.Do("GET", path, nil)
		mustStatus(t, res, 200, path)
		var p page
		res.JSON(t, &p)
		return p
	}
	first := get("/api/vps/digitalocean/sizes")
	if first.Page != 1 || first.PerPage != webrana.DefaultPerPage || len(first.Items) != webrana.DefaultPerPage || first.Total <= webrana.DefaultPerPage {
		t.Fatalf("sizes by default: page %d per_page %d, %d items of %d", first.Page, first.PerPage, len(first.Items), first.Total)
	}
	seen := map[any]bool{}
	for n := 1; (n-1)*40 < first.Total; n++ {
		p := get("/api/vps/digitalocean/sizes?per_page=40&page=" + string(rune('0'+n)))
		if p.Total != first.Total || p.PerPage != 40 || p.Page != n {
			t.Fatalf("page %d: %+v", n, p)
		}
		for _, it := range p.Items {
			if seen[it["slug"]] {
				t.Fatalf("size %v on two pages", it["slug"])
			}
			seen[it["slug"]] = true
		}
	}
	if len(seen) != first.Total {
		t.Fatalf("the pages hold %d sizes, want %d", len(seen), first.Total)
	}
	apps := get("/api/vps/linode/marketplace?per_page=5&page=2")
	grouped := 0
	for _, g := range apps.Groups {
		grouped += len(g["apps"].([]any))
	}
	if len(apps.Items) != 5 || grouped != 5 {
		t.Fatalf("marketplace page: %d items, %d grouped; want 5 of each", len(apps.Items), grouped)
	}
	if p := get("/api/vps/linode/regions?per_page=500"); p.PerPage != webrana.MaxPerPage {
		t.Fatalf("per_page over the maximum: %d, want %d", p.PerPage, webrana.MaxPerPage)
	}
	if p := get("/api/admin/providers?per_page=1&page=2"); len(p.Items) != 1 || p.Total != len(webrana.ProviderTypes) || p.Page != 2 {
		t.Fatalf("providers page 2: %+v", p)
	}
	for _, path := range []string{"/api/vps/digitalocean/sizes?page=0", "/api/vps/linode/images?per_page=x",
		"/api/vps/digitalocean/regions?page=-1", "/api/vps/linode/marketplace?per_page=0", "/api/admin/providers?page=two"} {
		if res := c.Do("GET", path, nil); res.Status != 400 || res.ErrorCode() != "invalid" {
			t.Errorf("%s: %d %s, want 400", path, res.Status, res.Body)
		}
	}
}

// TestStackScriptRequiredFields: an order of a StackScript without a value
// for a field the script declares without a default is refused before it
// is accepted; the API lists which fields are required.
func TestStackScriptRequiredFields(t *testing.T) {
	t.Parallel()
	h := sqliteHarness(t)
	h.user("a@example.com", webrana.RoleCustomer)
	c := h.login("a@example.com")
	h.credit(t, c, 1000)
	plan := h.plan(t, webrana.Linode)
	var apps struct {
		Items []struct {
			Slug   string
			Fields []struct {
				Name     string
				Required bool
			}
		}
	}
	c.Do("GET", "/api/vps/linode/marketplace?per_page=200", nil).JSON(t, &apps)
	required := map[string]bool{}
	for _, a := range apps.Items {
		if a.Slug == "401701" { // LAMP: soa_email_address and user_name have no default
			for _, f := range a.Fields {
				required[f.Name] = f.Required
			}
		}
	}
	if !required["soa_email_address"] || !required["user_name"] || required["pubkey"] || len(required) == 0 {
		t.Fatalf("LAMP's required fields: %v", required)
	}
	order := func(data map[string]string) map[string]any {
		return map[string]any{"provider_type": "linode", "plan_id": plan.ID, "region": "us-east", "image": "linode/ubuntu24.04",
			"label": "lamp-1", "root_password": "Kx9!mQ2#vLp7", "stackscript_id": 401701, "stackscript_data": data}
	}
	tests := []struct {
		name   string
		data   map[string]string
		status int
		want   string
	}{
		{"none given", nil, 400, "soa_email_address"},
		{"one missing", map[string]string{"soa_email_address": "ops@example.com"}, 400, "user_name"},
		{"one blank", map[string]string{"soa_email_address": "ops@example.com", "user_name": "  "}, 400, "user_name"},
		{"all given", map[string]string{"soa_email_address": "ops@example.com", "user_name": "webmaster"}, 202, ""},
	}
	for _, tt := range tests {
		res := c.Do("POST", "/api/vps", order(tt.data))
		if res.Status != tt.status || (tt.want != "" && (res.ErrorField() != "stackscript_data" || !strings.Contains(string(res.Body), tt.want))) {
			t.Errorf("%s: %d %s, want %d naming %s", tt.name, res.Status, res.Body, tt.status, tt.want)
		}
	}
}

// TestInstanceProviderServerID: the instance says its server's id at the
// provider as provider_server_id, and still as the deprecated provider_id.
func TestInstanceProviderServerID(t *testing.T) {
	t.Parallel()
	h := sqliteHarness(t)
	u := h.user("a@example.com", webrana.RoleCustomer)
	c := h.login("a@example.com")
	in := adoptedInstance(t, h, u, "123456")
	var got map[string]any
	res := c.Do("GET", "/api/vps/"+in.ID, nil)
	mustStatus(t, res, 200, "instance")
	res.JSON(t, &got)
	if got["provider_server_id"] != "123456" || got["provider_id"] != "123456" {
		t.Fatalf("provider_server_id %v, provider_id %v; want both 123456", got["provider_server_id"], got["provider_id"])
	}
}

// adoptedInstance writes an active instance of the user whose server has
// the given id at DigitalOcean.
func adoptedInstance(t *testing.T, h *harness, u *webrana.User, serverID string) *webrana.Instance {
	t.Helper()
	plan := h.plan(t, webrana.DigitalOcean)
	in := &webrana.Instance{OwnerID: u.ID, ProviderType: webrana.DigitalOcean, PlanID: plan.ID, Label: "kept-1", Region: "sgp1",
		Image: "ubuntu-24-04-x64", ProviderID: serverID, Status: webrana.StatusActive}
	if err := h.db.InTx(context.Background(), func(tx *store.Tx) error { return tx.CreateInstance(context.Background(), in) }); err != nil {
		t.Fatal(err)
	}
	return in
}

// TestWizardRequiresStackScriptFields: the create-server form marks the
// StackScript's fields without default as required and, as the API does,
// refuses the image step until they are filled in.
func TestWizardRequiresStackScriptFields(t *testing.T) {
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
	mustContain(t, page, "required marks", `Email address (for the Let&#39;s Encrypt SSL certificate)`, `(required)`)
	page = wizard(t, c, page, "next", url.Values{"image": {"linode/debian12"}, "stackscript_data.soa_email_address": {"ops@example.com"}})
	atStep(t, page, 400, 4, "a required field left empty")
	mustContain(t, page, "the refusal", "needs The limited sudo user")
	page = wizard(t, c, page, "next", url.Values{"stackscript_data.soa_email_address": {"ops@example.com"},
		"stackscript_data.user_name": {"webmaster"}})
	atStep(t, page, 200, 5, "every required field given")
}

package web_test

import (
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/webrana/webrana"
	"github.com/webrana/webrana/cloudsim"
)

type catalogBody[T any] struct {
	Items     []T
	Total     int
	FetchedAt time.Time `json:"fetched_at"`
	Stale     bool
	Groups    []map[string]any
}

type sizeItem struct {
	Slug         string
	PriceMonthly float64 `json:"price_monthly"`
	Regions      []string
	VCPUs        int
}

func TestCatalogEndpoints(t *testing.T) {
	t.Parallel()
	h := sqliteHarness(t)
	h.user("c@example.com", webrana.RoleCustomer)
	c := h.login("c@example.com")

	var sizes catalogBody[sizeItem]
	res := c.Do("GET", "/api/vps/digitalocean/sizes?per_page=200", nil)
	mustStatus(t, res, 200, "sizes")
	res.JSON(t, &sizes)
	if len(sizes.Items) < 5 || sizes.Total != len(sizes.Items) || sizes.Stale || sizes.FetchedAt.IsZero() {
		t.Fatalf("sizes: %d items, total %d, stale %v, fetched %v", len(sizes.Items), sizes.Total, sizes.Stale, sizes.FetchedAt)
	}
	for _, z := range sizes.Items {
		if z.PriceMonthly <= 0 || z.VCPUs < 1 {
			t.Errorf("size %+v lacks price or specs", z)
		}
	}
	var inSgp catalogBody[sizeItem]
	c.Do("GET", "/api/vps/digitalocean/sizes?region=sgp1&per_page=200", nil).JSON(t, &inSgp)
	if len(inSgp.Items) == 0 || len(inSgp.Items) > len(sizes.Items) {
		t.Fatalf("sizes in sgp1: %d of %d", len(inSgp.Items), len(sizes.Items))
	}
	for _, z := range inSgp.Items {
		if !slices.Contains(z.Regions, "sgp1") {
			t.Errorf("size %s is not offered in sgp1", z.Slug)
		}
	}
	// Served from cache: one provider call for both requests.
	if n := simCalls(h.sim, "/v2/sizes"); n != 1 {
		t.Fatalf("%d provider calls for two size requests, want 1", n)
	}

	var images catalogBody[struct{ Slug, Distribution string }]
	c.Do("GET", "/api/vps/linode/images", nil).JSON(t, &images)
	grouped := 0
	for _, g := range images.Groups {
		members := g["images"].([]any)
		for _, m := range members {
			if m.(map[string]any)["distribution"] != g["distribution"] {
				t.Errorf("image %v in group %v", m, g["distribution"])
			}
		}
		grouped += len(members)
	}
	if len(images.Items) == 0 || grouped != len(images.Items) {
		t.Fatalf("images: %d items, %d in groups", len(images.Items), grouped)
	}
	mustStatus(t, c.Do("GET", "/api/vps/digitalocean/images?type=application", nil), 200, "application images")
	if res := c.Do("GET", "/api/vps/digitalocean/images?type=iso", nil); res.Status != 400 || res.ErrorCode() != "invalid" {
		t.Fatalf("bad image type: %d %s", res.Status, res.Body)
	}

	var apps catalogBody[struct {
		Name, Category string
		Fields         []struct{ Name, Label string }
	}]
	c.Do("GET", "/api/vps/linode/marketplace", nil).JSON(t, &apps)
	withFields := 0
	for _, a := range apps.Items {
		if a.Category == "" {
			t.Errorf("app %s has no category", a.Name)
		}
		if len(a.Fields) > 0 {
			withFields++
		}
	}
	if len(apps.Items) < 3 || withFields == 0 || len(apps.Groups) < 2 {
		t.Fatalf("marketplace: %d apps, %d with fields, %d groups", len(apps.Items), withFields, len(apps.Groups))
	}
	mustStatus(t, c.Do("GET", "/api/vps/digitalocean/regions", nil), 200, "regions")
	if res := c.Do("GET", "/api/vps/aws/sizes", nil); res.Status != 404 {
		t.Fatalf("unknown provider: %d", res.Status)
	}
}

func simCalls(sim *cloudsim.Sim, path string) int {
	n := 0
	for _, r := range sim.Stats().Requests {
		if r.Path == path {
			n += r.Count
		}
	}
	return n
}

// TestCatalogOutageServesStale: when the provider fails after the cache
// expired, customers get the last good catalog, marked stale with its age.
func TestCatalogOutageServesStale(t *testing.T) {
	t.Parallel()
	h := sqliteHarness(t)
	h.user("c@example.com", webrana.RoleCustomer)
	c := h.login("c@example.com")
	var fresh, stale catalogBody[struct{ Slug string }]
	c.Do("GET", "/api/vps/linode/regions", nil).JSON(t, &fresh)
	if err := h.sim.AddFault(cloudsim.FaultSpec{Provider: "linode", Status: 503}); err != nil {
		t.Fatal(err)
	}
	h.clock.Advance(2 * time.Hour)
	res := c.Do("GET", "/api/vps/linode/regions", nil)
	mustStatus(t, res, 200, "regions during an outage")
	res.JSON(t, &stale)
	if !stale.Stale || !stale.FetchedAt.Equal(fresh.FetchedAt) || len(stale.Items) != len(fresh.Items) {
		t.Fatalf("during the outage: stale %v fetched %v (%d items); want the copy of %v", stale.Stale, stale.FetchedAt, len(stale.Items), fresh.FetchedAt)
	}
	if res := c.Do("GET", "/api/vps/linode/marketplace", nil); res.Status != 503 || res.ErrorCode() != "unavailable" {
		t.Fatalf("never fetched, provider down: %d %s", res.Status, res.Body)
	}
}

type providerItem struct {
	ID, Name, Status string
	Type             string     `json:"provider_type"`
	Enabled          bool       `json:"is_enabled"`
	LastError        string     `json:"last_error"`
	LastSuccessAt    *time.Time `json:"last_success_at"`
}

func TestProviderAdministration(t *testing.T) {
	t.Parallel()
	h := sqliteHarness(t)
	h.user("admin@example.com", webrana.RoleAdmin)
	h.user("c@example.com", webrana.RoleCustomer)
	admin, customer := h.login("admin@example.com"), h.login("c@example.com")

	var all struct{ Items []providerItem }
	admin.Do("GET", "/api/admin/providers", nil).JSON(t, &all)
	if len(all.Items) != 2 {
		t.Fatalf("admin providers: %+v", all.Items)
	}
	var linode providerItem
	for _, p := range all.Items {
		if p.Type == "linode" {
			linode = p
		}
	}
	mustStatus(t, customer.Do("GET", "/api/vps/linode/sizes", nil), 200, "linode sizes while enabled")

	res := admin.Do("PATCH", "/api/admin/providers/"+linode.ID, map[string]any{"is_enabled": false, "name": "Akamai Linode"})
	mustStatus(t, res, 200, "disable linode")
	var offered struct{ Items []providerItem }
	customer.Do("GET", "/api/providers", nil).JSON(t, &offered)
	if len(offered.Items) != 1 || offered.Items[0].Type != "digitalocean" {
		t.Fatalf("offered after disabling Linode: %+v", offered.Items)
	}
	if res := customer.Do("GET", "/api/vps/linode/sizes", nil); res.Status != 404 {
		t.Fatalf("disabled provider's sizes: %d", res.Status)
	}
	if res := admin.Do("PATCH", "/api/admin/providers/"+linode.ID, map[string]any{"name": "  "}); res.Status != 400 {
		t.Fatalf("blank name: %d", res.Status)
	}
	var audit struct {
		Items []struct {
			Action, Detail string
			TargetID       string `json:"target_id"`
		}
	}
	admin.Do("GET", "/api/admin/audit?action=provider.updated", nil).JSON(t, &audit)
	if len(audit.Items) != 1 || audit.Items[0].TargetID != linode.ID || !strings.Contains(audit.Items[0].Detail, "enabled=false") {
		t.Fatalf("audit: %+v", audit.Items)
	}
}

func TestProviderValidate(t *testing.T) {
	t.Parallel()
	h := sqliteHarness(t)
	h.user("admin@example.com", webrana.RoleAdmin)
	admin := h.login("admin@example.com")
	var all struct{ Items []providerItem }
	admin.Do("GET", "/api/admin/providers", nil).JSON(t, &all)
	ids := map[string]string{}
	for _, p := range all.Items {
		ids[p.Type] = p.ID
	}
	type result struct {
		OK       bool
		Message  string
		Provider providerItem
		Account  *struct {
			Email  string
			Limit  *int
			Active int
		}
	}
	var do, li result
	admin.Do("POST", "/api/admin/providers/"+ids["digitalocean"]+"/validate", nil).JSON(t, &do)
	if !do.OK || do.Account == nil || do.Account.Limit == nil || *do.Account.Limit != 25 || do.Account.Active != 3 ||
		do.Provider.Status != "active" || do.Provider.LastSuccessAt == nil {
		t.Fatalf("DigitalOcean validate: %+v", do)
	}
	admin.Do("POST", "/api/admin/providers/"+ids["linode"]+"/validate", nil).JSON(t, &li)
	if !li.OK || li.Account == nil || li.Account.Limit != nil {
		t.Fatalf("Linode validate (no published limit): %+v", li)
	}
	revoked := true
	if err := h.sim.UpdateAccount("token-linode", cloudsim.AccountUpdate{Revoked: &revoked}); err != nil {
		t.Fatal(err)
	}
	li = result{}
	admin.Do("POST", "/api/admin/providers/"+ids["linode"]+"/validate", nil).JSON(t, &li)
	if li.OK || !strings.Contains(li.Message, "refused the token") || li.Provider.Status != "error" || li.Provider.LastError == "" {
		t.Fatalf("validate with a revoked token: %+v", li)
	}
	if strings.Contains(li.Message, "token-linode") || strings.Contains(li.Provider.LastError, "token-linode") {
		t.Fatal("the token leaked into the answer")
	}
}

package web_test

import (
	"strings"
	"testing"

	"github.com/webrana/webrana"
)

// TestPlanSlugs (issue 20): a plan's slug names it as a size in /v2/. It
// defaults to its name's (made unique among active plans by its provider,
// then a number), an operator may set it, a slug another active plan has
// is a field error, and so is one that is not lower-case letters, digits
// and hyphens; an inactive plan's slug is free for another.
func TestPlanSlugs(t *testing.T) {
	engines(t, func(t *testing.T, h *harness) {
		h.user("admin@example.com", webrana.RoleAdmin)
		admin := h.login("admin@example.com")
		plan := func(body map[string]any) (int, map[string]any) {
			full := map[string]any{"provider_type": "digitalocean", "size_slug": "s-1vcpu-1gb", "price_monthly": 700,
				"price_hourly": 1, "regions": []string{"sgp1"}}
			for k, v := range body {
				full[k] = v
			}
			res := admin.Do("POST", "/api/admin/plans", full)
			var out map[string]any
			res.JSON(t, &out)
			return res.Status, out
		}
		slugOf := func(status int, p map[string]any) string {
			t.Helper()
			if status != 201 {
				t.Fatalf("create plan: %d %v", status, p)
			}
			return p["slug"].(string)
		}
		if s := slugOf(plan(map[string]any{"name": "Basic 1 GB"})); s != "basic-1-gb" {
			t.Errorf("default slug %q, want basic-1-gb", s)
		}
		if s := slugOf(plan(map[string]any{"name": "Basic 1 GB", "provider_type": "linode", "size_slug": "g6-nanode-1",
			"regions": []string{"us-east"}})); s != "basic-1-gb-linode" {
			t.Errorf("second default slug %q, want basic-1-gb-linode", s)
		}
		if s := slugOf(plan(map[string]any{"name": "Basic, 1 GB!"})); s != "basic-1-gb-digitalocean" {
			t.Errorf("third default slug %q, want basic-1-gb-digitalocean", s)
		}
		if s := slugOf(plan(map[string]any{"name": "Basic (1 GB)"})); s != "basic-1-gb-digitalocean-2" {
			t.Errorf("fourth default slug %q, want basic-1-gb-digitalocean-2", s)
		}
		if s := slugOf(plan(map[string]any{"name": "Starter", "slug": "s-1vcpu-1gb"})); s != "s-1vcpu-1gb" {
			t.Errorf("given slug %q", s)
		}
		for _, tc := range []struct {
			name, slug, want string
		}{
			{"Clash", "basic-1-gb", "has the slug"},
			{"Upper", "Basic", "lower-case"},
			{"Spaces", "a b", "lower-case"},
			{"Edge", "-a", "lower-case"},
		} {
			status, body := plan(map[string]any{"name": tc.name, "slug": tc.slug})
			e, _ := body["error"].(map[string]any)
			if status != 400 || e["field"] != "slug" || !strings.Contains(e["message"].(string), tc.want) {
				t.Errorf("slug %q: %d %v, want 400 on slug saying %q", tc.slug, status, body, tc.want)
			}
		}
		// Renaming keeps the slug; a clash on change is refused; a
		// deactivated plan's slug is free.
		_, starter := plan(map[string]any{"name": "Other", "slug": "other"})
		id := starter["id"].(string)
		res := admin.Do("PATCH", "/api/admin/plans/"+id, map[string]any{"name": "Renamed"})
		var p map[string]any
		res.JSON(t, &p)
		if res.Status != 200 || p["slug"] != "other" {
			t.Errorf("rename: %d %v", res.Status, p)
		}
		if res := admin.Do("PATCH", "/api/admin/plans/"+id, map[string]any{"slug": "s-1vcpu-1gb"}); res.Status != 400 ||
			res.ErrorField() != "slug" {
			t.Errorf("change to a taken slug: %d %s", res.Status, res.Body)
		}
		mustStatus(t, admin.Do("PATCH", "/api/admin/plans/"+id, map[string]any{"is_active": false}), 200, "deactivate")
		if s := slugOf(plan(map[string]any{"name": "New other", "slug": "other"})); s != "other" {
			t.Errorf("an inactive plan's slug: %q", s)
		}
		if res := admin.Do("PATCH", "/api/admin/plans/"+id, map[string]any{"is_active": true}); res.Status != 400 || res.ErrorField() != "slug" {
			t.Errorf("reactivating onto a taken slug: %d %s", res.Status, res.Body)
		}
	})
}

// TestUIPlanSlug: the plan form takes a slug (blank: from the name), shows
// a plan's on its edit page, and answers a taken one with the field error,
// keeping what was typed.
func TestUIPlanSlug(t *testing.T) {
	t.Parallel()
	h := sqliteHarness(t)
	admin, csrf := opSignIn(t, h)
	mustStatus(t, admin.PostForm("/admin/plans", opPlanForm(csrf)), 303, "create plan with no slug")
	mustStatus(t, admin.PostForm("/admin/plans", opPlanForm(csrf, "name", "Bigger", "slug", "big-1")), 303, "create plan with a slug")
	slugs := map[string]string{}
	for _, p := range opStoredPlans(t, h) {
		slugs[p.Name] = p.Slug
	}
	if slugs["Starter"] != "starter" || slugs["Bigger"] != "big-1" {
		t.Fatalf("slugs %v", slugs)
	}
	res := admin.PostForm("/admin/plans", opPlanForm(csrf, "name", "Third", "slug", "big-1"))
	if res.Status != 400 {
		t.Fatalf("a taken slug: %d", res.Status)
	}
	mustContain(t, res, "taken slug", `id="plan-slug" name="slug" value="big-1"`, "has the slug", `aria-invalid="true"`)
	for _, p := range opStoredPlans(t, h) {
		if p.Name == "Bigger" {
			res := admin.Do("GET", "/admin/plans/"+p.ID+"/edit", nil)
			mustStatus(t, res, 200, "edit page")
			mustContain(t, res, "edit page", `id="plan-slug" name="slug" value="big-1"`)
		}
	}
}

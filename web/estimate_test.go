package web_test

import (
	"fmt"
	"testing"

	"github.com/webrana/webrana"
	"github.com/webrana/webrana/store"
	"github.com/webrana/webrana/store/storetest"
)

// TestListVPSEstimatedTotal: an administrator's unfiltered list of every
// server answers PostgreSQL's estimate of the total once there are many
// (here from 10, for the test) and says so — estimated in the API, "about"
// on the page, whose pager then goes by full pages. Filtered lists and a
// customer's own stay counted; SQLite always counts.
func TestListVPSEstimatedTotal(t *testing.T) {
	engines(t, func(t *testing.T, h *harness) {
		h.db.EstimateFrom = 10
		estimates := h.db.Engine() == store.Postgres
		h.user("admin@example.com", webrana.RoleAdmin)
		alice := h.user("a@example.com", webrana.RoleCustomer)
		bob := h.user("b@example.com", webrana.RoleCustomer)
		// 12 servers, alice's and bob's in turn, analysed: PostgreSQL's
		// estimate is then the count, so it can be compared exactly.
		storetest.SeedInstances(t, h.db, []*webrana.User{alice, bob}, h.plan(t, webrana.DigitalOcean), 12)
		admin, customer := h.login("admin@example.com"), h.login("a@example.com")

		type list struct {
			Total      int
			Estimated  bool
			Items      []struct{ ID string }
			NextCursor string `json:"next_cursor"`
		}
		var first list
		admin.Do("GET", "/api/vps?per_page=5", nil).JSON(t, &first)
		if first.Total != 12 || first.Estimated != estimates || len(first.Items) != 5 {
			t.Fatalf("every server: total %d estimated %v, %d items; want 12, %v, 5", first.Total, first.Estimated, len(first.Items), estimates)
		}
		for _, tc := range []struct {
			name  string
			path  string
			admin bool
			total int
			est   bool
		}{
			{"page 2", "/api/vps?per_page=5&page=2", true, 12, estimates},
			{"after a cursor", "/api/vps?per_page=5&cursor=" + first.NextCursor, true, 12, estimates},
			{"by status", "/api/vps?status=active", true, 12, false},
			{"by provider", "/api/vps?provider=digitalocean", true, 12, false},
			{"by label", "/api/vps?q=web-", true, 12, false},
			{"by owner", "/api/vps?owner_id=" + bob.ID, true, 6, false},
			{"by account", "/api/vps?account_id=none", true, 0, false},
			{"a customer's own", "/api/vps", false, 6, false},
		} {
			c := customer
			if tc.admin {
				c = admin
			}
			var got list
			res := c.Do("GET", tc.path, nil)
			mustStatus(t, res, 200, tc.name)
			res.JSON(t, &got)
			if got.Total != tc.total || got.Estimated != tc.est {
				t.Errorf("%s: total %d estimated %v, want %d %v", tc.name, got.Total, got.Estimated, tc.total, tc.est)
			}
		}

		page := signIn(t, h, "admin@example.com")
		about := map[bool]string{true: "about 12 servers", false: ">12 servers<"}[estimates]
		res := page.Do("GET", "/admin/servers?per_page=5", nil)
		mustStatus(t, res, 200, "all servers")
		mustContain(t, res, "all servers", about, `rel="next"`)
		if estimates {
			mustContain(t, res, "all servers", "Page 1 of about 3")
		}
		res = page.Do("GET", "/admin/servers?per_page=5&page=3", nil)
		mustContain(t, res, "last page", `rel="prev"`)
		mustLack(t, res, "last page", `rel="next"`)
		res = page.Do("GET", "/admin/servers?status=active", nil)
		mustContain(t, res, "filtered", ">12 servers<")
		mustLack(t, res, "filtered", "about")

		// Grown and analysed again: the estimate follows, the filtered
		// list is counted.
		storetest.SeedInstances(t, h.db, []*webrana.User{alice}, h.plan(t, webrana.DigitalOcean), 20)
		for path, want := range map[string]string{"/api/vps": fmt.Sprint(32, estimates), "/api/vps?status=active": "32 false"} {
			var grown list
			admin.Do("GET", path, nil).JSON(t, &grown)
			if got := fmt.Sprint(grown.Total, grown.Estimated); got != want {
				t.Errorf("%s after growth: total and estimated %s, want %s", path, got, want)
			}
		}
	})
}

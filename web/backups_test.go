package web_test

import (
	"context"
	"encoding/json"
	"fmt"
	"net/http/httptest"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/webrana/webrana"
	"github.com/webrana/webrana/store"
	"github.com/webrana/webrana/web/webtest"
)

// simCall sends a request to the simulator with an account's token and
// decodes its answer into out (may be nil).
func (h *harness) simCall(t *testing.T, method, path, token, body string, out any) {
	t.Helper()
	req := httptest.NewRequest(method, path, strings.NewReader(body))
	req.Header.Set("Authorization", "Bearer "+token)
	if body != "" {
		req.Header.Set("Content-Type", "application/json")
	}
	rec := httptest.NewRecorder()
	h.sim.Handler().ServeHTTP(rec, req)
	if rec.Code >= 300 {
		t.Fatalf("simulator %s %s: %d %s", method, path, rec.Code, rec.Body)
	}
	if out != nil {
		if err := json.Unmarshal(rec.Body.Bytes(), out); err != nil {
			t.Fatalf("simulator %s %s: %v", method, path, err)
		}
	}
}

// atProvider makes in one of the simulated account's servers (the n-th
// foreign one), Webrana's account of that provider created if needed,
// with the server's backups turned on at the provider and in Webrana when
// backups is true.
func (h *harness) atProvider(t *testing.T, admin *webtest.Client, in *webrana.Instance, n int, backups bool) {
	t.Helper()
	p, token := in.ProviderType, "token-"+string(in.ProviderType)
	accounts, err := h.db.ListAccounts(context.Background(), p)
	if err != nil {
		t.Fatal(err)
	}
	var accountID string
	if len(accounts) > 0 {
		accountID = accounts[0].ID
	} else {
		accountID = createAccount(t, admin, "/internal/accounts",
			map[string]any{"provider_type": string(p), "name": "Main " + string(p), "token": token, "limit": 25}).ID
	}
	var id int
	if p == webrana.Linode {
		var list struct{ Data []struct{ ID int } }
		h.simCall(t, "GET", "/v4/linode/instances", token, "", &list)
		id = list.Data[n].ID
		if backups {
			h.simCall(t, "POST", fmt.Sprintf("/v4/linode/instances/%d/backups/enable", id), token, "{}", nil)
		}
	} else {
		var list struct{ Droplets []struct{ ID int } }
		h.simCall(t, "GET", "/v2/droplets", token, "", &list)
		id = list.Droplets[n].ID
		if backups {
			h.simCall(t, "POST", fmt.Sprintf("/v2/droplets/%d/actions", id), token, `{"type":"enable_backups"}`, nil)
			h.clock.Advance(time.Minute) // the action completes
		}
	}
	providerID := strconv.Itoa(id)
	if _, err := h.db.UpdateInstance(context.Background(), in.ID, store.InstanceUpdate{AccountID: &accountID,
		ProviderID: &providerID, Backups: &backups}); err != nil {
		t.Fatal(err)
	}
}

type backupItem struct {
	ID        string
	Name      string
	CreatedAt time.Time `json:"created_at"`
	Available bool
}

// TestVPSBackups on both engines and both providers: a server whose
// backups are on lists them (the simulator's first, taken when they were
// turned on) and takes restore_backup with one of their ids; enable and
// disable are accepted only where they change something; a restore needs a
// backup id (a field error otherwise); a suspended server refuses them all;
// another customer's server is not found, for the list and the actions.
func TestVPSBackups(t *testing.T) {
	engines(t, func(t *testing.T, h *harness) {
		alice := h.user("alice@example.com", webrana.RoleCustomer)
		h.user("bob@example.com", webrana.RoleCustomer)
		h.user("admin@example.com", webrana.RoleAdmin)
		admin, ac, bc := h.login("admin@example.com"), h.login("alice@example.com"), h.login("bob@example.com")
		for _, p := range webrana.ProviderTypes {
			plan := h.plan(t, p)
			on := h.server(t, alice, plan, "on-"+string(p), webrana.StatusActive)
			off := h.server(t, alice, plan, "off-"+string(p), webrana.StatusActive)
			h.atProvider(t, admin, on, 0, true)
			h.atProvider(t, admin, off, 1, false)

			res := ac.Do("GET", "/api/vps/"+on.ID+"/backups", nil)
			mustStatus(t, res, 200, string(p)+" backups")
			var list struct {
				Items []backupItem
				Total int
			}
			res.JSON(t, &list)
			if list.Total != 1 || len(list.Items) != 1 || list.Items[0].ID == "" || list.Items[0].CreatedAt.IsZero() || !list.Items[0].Available {
				t.Fatalf("%s backups: %+v, want the one taken when they were turned on", p, list)
			}
			res = ac.Do("GET", "/api/vps/"+off.ID+"/backups", nil)
			mustStatus(t, res, 200, string(p)+" backups when off")
			res.JSON(t, &list)
			if list.Total != 0 || len(list.Items) != 0 {
				t.Fatalf("%s backups of a server without them: %+v", p, list)
			}

			// Another customer's server: not found, for everything.
			for _, c := range []struct{ method, path string }{{"GET", "/backups"}, {"POST", "/actions"}} {
				res := bc.Do(c.method, "/api/vps/"+on.ID+c.path, map[string]any{"type": "disable_backups"})
				if res.Status != 404 {
					t.Errorf("%s: bob %s %s: %d, want 404", p, c.method, c.path, res.Status)
				}
			}

			for _, tc := range []struct {
				name   string
				server *webrana.Instance
				body   map[string]any
				status int
				field  string
			}{
				{"enable when on", on, map[string]any{"type": "enable_backups"}, 409, ""},
				{"disable when off", off, map[string]any{"type": "disable_backups"}, 409, ""},
				{"restore when off", off, map[string]any{"type": "restore_backup", "backup_id": "1"}, 409, ""},
				{"restore without a backup", on, map[string]any{"type": "restore_backup"}, 400, "backup_id"},
				{"restore of no number", on, map[string]any{"type": "restore_backup", "backup_id": "latest"}, 400, "backup_id"},
			} {
				res := ac.Do("POST", "/api/vps/"+tc.server.ID+"/actions", tc.body)
				if res.Status != tc.status || (tc.field != "" && !strings.Contains(string(res.Body), `"field":"`+tc.field+`"`)) {
					t.Errorf("%s: %s: %d %s; want %d on %q", p, tc.name, res.Status, res.Body, tc.status, tc.field)
				}
			}

			var a struct {
				Type, Status string
				Params       struct {
					BackupID string `json:"backup_id"`
				}
			}
			res = ac.Do("POST", "/api/vps/"+on.ID+"/actions", map[string]any{"type": "restore_backup", "backup_id": list0(t, ac, on.ID)})
			mustStatus(t, res, 202, string(p)+" restore_backup")
			res.JSON(t, &a)
			if a.Type != "restore_backup" || a.Status != "queued" || a.Params.BackupID == "" {
				t.Fatalf("%s restore_backup accepted as %+v", p, a)
			}
			res = ac.Do("POST", "/api/vps/"+off.ID+"/actions", map[string]any{"type": "enable_backups"})
			mustStatus(t, res, 202, string(p)+" enable_backups")
			res.JSON(t, &a)
			if a.Type != "enable_backups" || a.Status != "queued" {
				t.Fatalf("%s enable_backups accepted as %+v", p, a)
			}

			// Suspended: refused, whatever the backups.
			suspended := h.server(t, alice, plan, "held-"+string(p), webrana.StatusSuspended)
			res = ac.Do("POST", "/api/vps/"+suspended.ID+"/actions", map[string]any{"type": "enable_backups"})
			if res.Status != 409 || !strings.Contains(string(res.Body), "suspended") {
				t.Errorf("%s: enable_backups on a suspended server: %d %s", p, res.Status, res.Body)
			}
		}
	})
}

// list0 is the id of a server's newest backup.
func list0(t *testing.T, c *webtest.Client, id string) string {
	t.Helper()
	var list struct{ Items []backupItem }
	c.Do("GET", "/api/vps/"+id+"/backups", nil).JSON(t, &list)
	if len(list.Items) == 0 {
		t.Fatal("no backups")
	}
	return list.Items[0].ID
}

// TestPlanBackupPrices: a plan created without backup prices takes its
// provider's default — DigitalOcean's 20 % of the plan's prices, rounded
// up; Linode's backup price of the type from its catalog (the simulator's
// nanode: 2.00 a month, 0.003 an hour, so 200 and 1) — and the operator
// sets them, within their bounds.
func TestPlanBackupPrices(t *testing.T) {
	engines(t, func(t *testing.T, h *harness) {
		h.user("admin@example.com", webrana.RoleAdmin)
		admin := h.login("admin@example.com")
		type plan struct {
			ID      string
			Monthly int64 `json:"backup_price_monthly"`
			Hourly  int64 `json:"backup_price_hourly"`
		}
		create := func(body map[string]any) plan {
			t.Helper()
			res := admin.Do("POST", "/api/admin/plans", body)
			mustStatus(t, res, 201, "create plan")
			var p plan
			res.JSON(t, &p)
			return p
		}
		do := create(map[string]any{"provider_type": "digitalocean", "size_slug": "s-1vcpu-1gb", "name": "Starter",
			"price_monthly": 799, "price_hourly": 2, "regions": []string{"sgp1"}})
		if do.Monthly != 160 || do.Hourly != 1 {
			t.Errorf("DigitalOcean default backup prices %d/%d, want 160 (20 %% of 799, rounded up) and 1", do.Monthly, do.Hourly)
		}
		ln := create(map[string]any{"provider_type": "linode", "size_slug": "g6-nanode-1", "name": "Nano",
			"price_monthly": 700, "price_hourly": 1, "regions": []string{"us-east"}})
		if ln.Monthly != 200 || ln.Hourly != 1 {
			t.Errorf("Linode default backup prices %d/%d, want the catalog's 200 and 1", ln.Monthly, ln.Hourly)
		}
		own := create(map[string]any{"provider_type": "digitalocean", "size_slug": "s-1vcpu-1gb", "name": "Own",
			"price_monthly": 800, "price_hourly": 2, "regions": []string{"sgp1"}, "backup_price_monthly": 300, "backup_price_hourly": 1})
		if own.Monthly != 300 || own.Hourly != 1 {
			t.Errorf("the operator's backup prices %d/%d, want 300 and 1", own.Monthly, own.Hourly)
		}
		for _, bad := range []struct {
			body  map[string]any
			field string
		}{
			{map[string]any{"backup_price_monthly": 100, "backup_price_hourly": 101}, "backup_price_hourly"},
			{map[string]any{"backup_price_monthly": 100_000_000_001}, "backup_price_monthly"},
			{map[string]any{"backup_price_monthly": -1}, "backup_price_monthly"},
		} {
			res := admin.Do("PATCH", "/api/admin/plans/"+own.ID, bad.body)
			if res.Status != 400 || !strings.Contains(string(res.Body), `"field":"`+bad.field+`"`) {
				t.Errorf("PATCH %v: %d %s; want 400 on %s", bad.body, res.Status, res.Body, bad.field)
			}
		}
		res := admin.Do("PATCH", "/api/admin/plans/"+own.ID, map[string]any{"backup_price_monthly": 250})
		mustStatus(t, res, 200, "change backup price")
		var got plan
		res.JSON(t, &got)
		if got.Monthly != 250 || got.Hourly != 1 {
			t.Errorf("changed backup prices %d/%d, want 250 and 1", got.Monthly, got.Hourly)
		}
	})
}

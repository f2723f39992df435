package web_test

import (
	"strings"
	"testing"

	"github.com/webrana/webrana"
	"github.com/webrana/webrana/cloudsim"
	"github.com/webrana/webrana/web/webtest"
)

type accountItem struct {
	ID, Name, Email string
	ProviderType    string `json:"provider_type"`
	TokenHint       string `json:"token_hint"`
	Limit, Active   int
	Reserved, Free  int
	Utilization     float64
	IsPrimary       bool   `json:"is_primary"`
	IsActive        bool   `json:"is_active"`
	RequestBudget   int    `json:"request_budget"`
	Health          string `json:"health_status"`
	HealthReason    string `json:"health_reason"`
}

func createAccount(t *testing.T, admin *webtest.Client, path string, body map[string]any) accountItem {
	t.Helper()
	res := admin.Do("POST", path, body)
	mustStatus(t, res, 201, "create account")
	var a accountItem
	res.JSON(t, &a)
	return a
}

// TestAccountEndpoints covers the seed's account administration on both
// databases: add (live token check), list, change, sync, health, delete.
func TestAccountEndpoints(t *testing.T) {
	engines(t, func(t *testing.T, h *harness) {
		h.user("admin@example.com", webrana.RoleAdmin)
		admin := h.login("admin@example.com")
		var bodies []string

		do := createAccount(t, admin, "/internal/do-accounts", map[string]any{"name": "Primary", "token": "token-digitalocean", "is_primary": true})
		if do.ProviderType != "digitalocean" || do.Limit != 25 || do.Active != 3 || do.Free != 22 || do.Utilization != 12 ||
			!do.IsPrimary || do.Health != "HEALTHY" || do.TokenHint == "" || do.Email != "digitalocean@example.com" ||
			do.RequestBudget <= 0 || do.RequestBudget >= 250 {
			t.Fatalf("created %+v", do)
		}
		li := createAccount(t, admin, "/internal/accounts", map[string]any{"provider_type": "linode", "name": "Linode", "token": "token-linode", "limit": 10})
		if li.Limit != 10 || li.Active != 3 {
			t.Fatalf("linode account %+v", li)
		}
		for _, bad := range []struct {
			path  string
			body  map[string]any
			field string
		}{
			{"/internal/accounts", map[string]any{"provider_type": "digitalocean", "name": "X", "token": "wrong-token"}, "token"},
			{"/internal/do-accounts", map[string]any{"provider_type": "linode", "name": "X", "token": "token-linode"}, "provider_type"},
			{"/internal/accounts", map[string]any{"provider_type": "linode", "name": "X", "token": "token-linode"}, "limit"},
			{"/internal/accounts", map[string]any{"provider_type": "digitalocean", "name": "X", "token": "token-digitalocean", "colour": 1}, "colour"},
		} {
			res := admin.Do("POST", bad.path, bad.body)
			if res.Status != 400 || !strings.Contains(string(res.Body), `"field":"`+bad.field+`"`) {
				t.Errorf("POST %s %v: %d %s; want 400 on %s", bad.path, bad.body, res.Status, res.Body, bad.field)
			}
			bodies = append(bodies, string(res.Body))
		}

		var all, onlyDO struct{ Items []accountItem }
		res := admin.Do("GET", "/internal/accounts", nil)
		res.JSON(t, &all)
		bodies = append(bodies, string(res.Body))
		admin.Do("GET", "/internal/do-accounts", nil).JSON(t, &onlyDO)
		if len(all.Items) != 2 || len(onlyDO.Items) != 1 || onlyDO.Items[0].ID != do.ID {
			t.Fatalf("lists: all %d, do-accounts %+v", len(all.Items), onlyDO.Items)
		}
		if res := admin.Do("GET", "/internal/do-accounts/"+li.ID, nil); res.Status != 404 {
			t.Fatalf("a Linode account through do-accounts: %d", res.Status)
		}
		if res := admin.Do("PATCH", "/internal/accounts/"+do.ID, map[string]any{"limit": 40}); res.Status != 400 {
			t.Fatalf("editing DigitalOcean's own limit: %d", res.Status)
		}
		res = admin.Do("PATCH", "/internal/accounts/"+li.ID, map[string]any{"limit": 12, "name": "Linode main"})
		mustStatus(t, res, 200, "patch linode")

		// Sync reads the provider's new numbers; health sees a revoked token.
		if err := h.sim.UpdateAccount("token-digitalocean", cloudsim.AccountUpdate{Limit: ptrInt(30)}); err != nil {
			t.Fatal(err)
		}
		var synced accountItem
		admin.Do("POST", "/internal/do-accounts/"+do.ID+"/sync", nil).JSON(t, &synced)
		if synced.Limit != 30 || synced.Free != 27 {
			t.Fatalf("after sync %+v", synced)
		}
		var sa struct{ Synced int }
		admin.Do("POST", "/internal/accounts/sync-all", nil).JSON(t, &sa)
		if sa.Synced != 2 {
			t.Fatalf("sync-all synced %d", sa.Synced)
		}
		revoked := true
		if err := h.sim.UpdateAccount("token-linode", cloudsim.AccountUpdate{Revoked: &revoked}); err != nil {
			t.Fatal(err)
		}
		var health struct {
			Health string `json:"health_status"`
			Reason string `json:"health_reason"`
		}
		res = admin.Do("GET", "/internal/accounts/"+li.ID+"/health", nil)
		res.JSON(t, &health)
		if health.Health != "UNHEALTHY" || !strings.Contains(health.Reason, "refused") {
			t.Fatalf("health with a revoked token: %+v", health)
		}

		mustStatus(t, admin.Do("DELETE", "/internal/accounts/"+li.ID, nil), 204, "delete")
		if res := admin.Do("GET", "/internal/accounts/"+li.ID, nil); res.Status != 404 {
			t.Fatalf("deleted account still there: %d", res.Status)
		}
		var audit struct {
			Items []struct{ Action, Detail string }
		}
		res = admin.Do("GET", "/api/admin/audit?target_type=account", nil)
		res.JSON(t, &audit)
		bodies = append(bodies, string(res.Body))
		actions := map[string]int{}
		for _, e := range audit.Items {
			actions[e.Action]++
		}
		if actions["account.created"] != 2 || actions["account.updated"] < 1 || actions["account.deleted"] != 1 {
			t.Fatalf("audit actions %v", actions)
		}
		for _, b := range bodies {
			if strings.Contains(b, "token-digitalocean") || strings.Contains(b, "token-linode") {
				t.Fatalf("a token reached an answer: %s", b)
			}
		}
	})
}

func ptrInt(n int) *int { return &n }

func TestAlertsEndpoint(t *testing.T) {
	t.Parallel()
	h := sqliteHarness(t)
	h.user("admin@example.com", webrana.RoleAdmin)
	admin := h.login("admin@example.com")
	ctx := t.Context()
	for _, a := range []*webrana.Alert{
		{Kind: webrana.AlertAccountFull, Key: "account_full:x", Severity: "warning", Message: "x is full"},
		{Kind: webrana.AlertPoolHighUsage, Key: "pool_high_usage:linode", Severity: "warning", Message: "90%"},
	} {
		if _, err := h.db.OpenAlert(ctx, a); err != nil {
			t.Fatal(err)
		}
	}
	if _, err := h.db.ResolveAlert(ctx, "account_full:x"); err != nil {
		t.Fatal(err)
	}
	var all, open struct {
		Items []struct{ Kind string }
		Total int
	}
	admin.Do("GET", "/api/admin/alerts", nil).JSON(t, &all)
	admin.Do("GET", "/api/admin/alerts?open=true", nil).JSON(t, &open)
	if all.Total != 2 || open.Total != 1 || open.Items[0].Kind != webrana.AlertPoolHighUsage {
		t.Fatalf("all %+v, open %+v", all, open)
	}
	if res := admin.Do("GET", "/api/admin/alerts?open=maybe", nil); res.Status != 400 {
		t.Fatalf("open=maybe: %d", res.Status)
	}
}

func TestAlertChannelEndpoints(t *testing.T) {
	t.Parallel()
	h := sqliteHarness(t)
	h.user("admin@example.com", webrana.RoleAdmin)
	admin := h.login("admin@example.com")
	const secret = "a-very-long-signing-secret"
	res := admin.Do("POST", "/api/admin/alert-channels", map[string]any{"kind": "webhook", "name": "ops hook", "secret": secret,
		"config": map[string]any{"url": "https://hooks.example.com/webrana"}})
	mustStatus(t, res, 201, "create webhook channel")
	var ch struct {
		ID        string
		HasSecret bool `json:"has_secret"`
	}
	res.JSON(t, &ch)
	if !ch.HasSecret || strings.Contains(string(res.Body), secret) {
		t.Fatalf("created channel %s", res.Body)
	}
	if res := admin.Do("POST", "/api/admin/alert-channels", map[string]any{"kind": "email", "name": "mail", "config": map[string]any{"smtp_addr": "nope"}}); res.Status != 400 ||
		!strings.Contains(string(res.Body), `"field":"config.smtp_addr"`) {
		t.Fatalf("bad e-mail channel: %d %s", res.Status, res.Body)
	}
	var list struct{ Items []struct{ Name string } }
	res = admin.Do("GET", "/api/admin/alert-channels", nil)
	res.JSON(t, &list)
	if len(list.Items) != 1 || list.Items[0].Name != "ops hook" || strings.Contains(string(res.Body), secret) {
		t.Fatalf("channels %s", res.Body)
	}
	mustStatus(t, admin.Do("DELETE", "/api/admin/alert-channels/"+ch.ID, nil), 204, "delete channel")
	mustStatus(t, admin.Do("DELETE", "/api/admin/alert-channels/"+ch.ID, nil), 404, "delete again")
}

package web_test

import (
	"context"
	"reflect"
	"strings"
	"testing"
	"time"

	"github.com/webrana/webrana"
	"github.com/webrana/webrana/cloud"
	"github.com/webrana/webrana/lifecycle"
	"github.com/webrana/webrana/pool/pooltest"
	"github.com/webrana/webrana/store"
)

// firewallJSON is GET /api/vps/{id}/firewall.
type firewallJSON struct {
	Inbound []webrana.FirewallRule `json:"inbound"`
	State   string                 `json:"state"`
}

// TestFirewallValidationAndIsolation: bad rules get a field error naming
// the rule; someone else's server is not found; a suspended server
// refuses; good rules are recorded normalised and pending, with their
// action and audit entry.
func TestFirewallValidationAndIsolation(t *testing.T) {
	engines(t, func(t *testing.T, h *harness) {
		owner := h.user("fw@example.com", webrana.RoleCustomer)
		other := h.user("other@example.com", webrana.RoleCustomer)
		alice, bob := h.login("fw@example.com"), h.login("other@example.com")
		in := h.server(t, owner, h.plan(t, webrana.DigitalOcean), "fw-web", webrana.StatusActive)
		bobs := h.server(t, other, h.plan(t, webrana.Linode), "bob-web", webrana.StatusActive)
		path := "/api/vps/" + in.ID + "/firewall"

		var fw firewallJSON
		res := alice.Do("GET", path, nil)
		mustStatus(t, res, 200, "a server without a firewall")
		res.JSON(t, &fw)
		if fw.State != webrana.FirewallNone || len(fw.Inbound) != 0 {
			t.Fatalf("no firewall yet: %+v", fw)
		}

		rule := func(proto, ports string, sources ...string) map[string]any {
			return map[string]any{"protocol": proto, "ports": ports, "sources": sources}
		}
		many := make([]map[string]any, webrana.MaxFirewallRules+1)
		for i := range many {
			many[i] = rule("tcp", "22", "0.0.0.0/0")
		}
		manySources := make([]string, webrana.MaxFirewallSources+1)
		for i := range manySources {
			manySources[i] = "10.0.0." + string(rune('0'+i%10)) + "/32"
		}
		good := rule("tcp", "22", "0.0.0.0/0")
		for _, c := range []struct {
			name  string
			body  any
			field string
		}{
			{"no inbound", map[string]any{}, "inbound"},
			{"unknown protocol", map[string]any{"inbound": []any{good, rule("sctp", "", "0.0.0.0/0")}}, "inbound[1].protocol"},
			{"port zero", map[string]any{"inbound": []any{rule("tcp", "0", "0.0.0.0/0")}}, "inbound[0].ports"},
			{"port too high", map[string]any{"inbound": []any{rule("udp", "65536", "0.0.0.0/0")}}, "inbound[0].ports"},
			{"range backwards", map[string]any{"inbound": []any{good, good, rule("tcp", "8100-8000", "0.0.0.0/0")}}, "inbound[2].ports"},
			{"ports words", map[string]any{"inbound": []any{rule("tcp", "ssh", "0.0.0.0/0")}}, "inbound[0].ports"},
			{"icmp with ports", map[string]any{"inbound": []any{rule("icmp", "22", "0.0.0.0/0")}}, "inbound[0].ports"},
			{"no sources", map[string]any{"inbound": []any{rule("tcp", "22")}}, "inbound[0].sources"},
			{"bad source", map[string]any{"inbound": []any{rule("tcp", "22", "::/0", "300.1.1.0/24")}}, "inbound[0].sources[1]"},
			{"bad mask", map[string]any{"inbound": []any{rule("tcp", "22", "10.0.0.0/33")}}, "inbound[0].sources[0]"},
			{"too many sources", map[string]any{"inbound": []any{rule("tcp", "22", manySources...)}}, "inbound[0].sources"},
			{"too many rules", map[string]any{"inbound": many}, "inbound"},
		} {
			res := alice.Do("PUT", path, c.body)
			if res.Status != 400 || res.ErrorField() != c.field {
				t.Errorf("%s: %d field %q (%s), want 400 naming %s", c.name, res.Status, res.ErrorField(), res.Body, c.field)
			}
		}

		// Someone else's server, or none, is not found, read or written.
		for _, p := range []string{"/api/vps/" + bobs.ID + "/firewall", "/api/vps/nope/firewall"} {
			mustStatus(t, alice.Do("GET", p, nil), 404, "GET "+p)
			mustStatus(t, alice.Do("PUT", p, map[string]any{"inbound": []any{good}}), 404, "PUT "+p)
		}
		mustStatus(t, bob.Do("GET", path, nil), 404, "bob reading alice's firewall")

		// Good rules: normalised, pending, applied by a firewall action.
		res = alice.Do("PUT", path, map[string]any{"inbound": []any{
			rule("TCP", "80-80", "::/0", "0.0.0.0/0", "0.0.0.0/0"), rule("tcp", "8000-8100", "203.0.113.9/24"),
			rule("icmp", "", "2001:db8::1")}})
		mustStatus(t, res, 202, "good rules")
		var a webrana.InstanceAction
		res.JSON(t, &a)
		if a.Type != webrana.ActionFirewall || a.Status != webrana.ActionQueued || a.InstanceID != in.ID {
			t.Fatalf("the action: %+v", a)
		}
		alice.Do("GET", path, nil).JSON(t, &fw)
		want := []webrana.FirewallRule{{Protocol: "tcp", Ports: "80", Sources: []string{"0.0.0.0/0", "::/0"}},
			{Protocol: "tcp", Ports: "8000-8100", Sources: []string{"203.0.113.0/24"}},
			{Protocol: "icmp", Ports: "", Sources: []string{"2001:db8::1/128"}}}
		if fw.State != webrana.FirewallPending || !reflect.DeepEqual(fw.Inbound, want) {
			t.Fatalf("after PUT: %+v, want pending %+v", fw, want)
		}
		// One action at a time: another change waits for this one.
		mustStatus(t, alice.Do("PUT", path, map[string]any{"inbound": []any{}}), 409, "a second change while the first runs")
		// The firewall action is not one of /actions.
		res = alice.Do("POST", "/api/vps/"+in.ID+"/actions", map[string]any{"type": "firewall"})
		if res.Status != 400 || res.ErrorField() != "type" {
			t.Fatalf("firewall through /actions: %d %s", res.Status, res.Body)
		}
		audits, _, err := h.db.ListAudit(context.Background(), store.AuditFilter{Action: "vps.firewall"})
		if err != nil || len(audits) != 1 || audits[0].ActorID != owner.ID || audits[0].TargetID != in.ID {
			t.Fatalf("audit: %+v, %v", audits, err)
		}

		// A suspended server refuses, and so does one being set up.
		sus := h.server(t, owner, h.plan(t, webrana.DigitalOcean), "fw-sus", webrana.StatusSuspended)
		res = alice.Do("PUT", "/api/vps/"+sus.ID+"/firewall", map[string]any{"inbound": []any{good}})
		if res.Status != 409 || !strings.Contains(res.ErrorMessage(), "suspended") {
			t.Fatalf("suspended: %d %s", res.Status, res.Body)
		}
		mustStatus(t, alice.Do("GET", "/api/vps/"+sus.ID+"/firewall", nil), 200, "a suspended server's firewall is still shown")
	})
}

// TestFirewallAppliedKeptAndRemoved follows the rules to the provider: the
// firewall action applies them (GET says applied; the provider has them),
// a rebuild applies them again (here after someone removed the firewall
// at the provider), and deleting the server removes its firewall.
func TestFirewallAppliedKeptAndRemoved(t *testing.T) {
	engines(t, func(t *testing.T, h *harness) {
		for _, p := range webrana.ProviderTypes {
			t.Run(string(p), func(t *testing.T) { testFirewallApplied(t, h, p) })
		}
	})
}

func testFirewallApplied(t *testing.T, h *harness, p webrana.ProviderType) {
	ctx := context.Background()
	pw := pooltest.NewOn(t, h.db) // the provider the worker talks to
	acc := pw.Account(p, "FW "+string(p), 10, 0)
	client := pw.Client(acc)
	server, err := client.CreateInstance(ctx, &cloud.CreateRequest{Name: "webrana-fw", Region: pooltest.Region(p),
		Size: pooltest.Size(p), Image: pooltest.Image(p), RootPassword: "Firewall-Test-Root-Pw-1!"})
	pw.Must(err)
	pw.Clock.Advance(pooltest.CreateDelay + time.Second)
	email := "fw-" + string(p) + "@example.com"
	owner := h.user(email, webrana.RoleCustomer)
	alice := h.login(email)
	plan := pw.Plan(p)
	in := &webrana.Instance{OwnerID: owner.ID, ProviderType: p, AccountID: acc.ID, PlanID: plan.ID, Label: "fw",
		Region: plan.Regions[0], Image: pooltest.Image(p), ProviderID: server.ID, Status: webrana.StatusActive}
	pw.Must(h.db.InTx(ctx, func(tx *store.Tx) error { return tx.CreateInstance(ctx, in) }))
	// Passwords are sealed by the server's keyring; the pool's tokens by the world's.
	worker := lifecycle.NewWorker(h.db, pw.Pool, h.keys, &lifecycle.WorkerConfig{Now: pw.Clock.Now})
	work := func(actionID string) *webrana.InstanceAction {
		t.Helper()
		pw.Must(pw.Settle(1000, func() error {
			return worker.Work(ctx, pooltest.Job(lifecycle.Args{ActionID: actionID}, 1))
		}))
		a, err := h.db.ActionByID(ctx, actionID)
		pw.Must(err)
		return a
	}
	path := "/api/vps/" + in.ID + "/firewall"
	body := map[string]any{"inbound": []any{
		map[string]any{"protocol": "tcp", "ports": "22", "sources": []string{"0.0.0.0/0", "::/0"}},
		map[string]any{"protocol": "udp", "ports": "60000-61000", "sources": []string{"198.51.100.0/24"}}}}
	want := []cloud.InboundRule{{Protocol: "tcp", Ports: "22", Sources: []string{"0.0.0.0/0", "::/0"}},
		{Protocol: "udp", Ports: "60000-61000", Sources: []string{"198.51.100.0/24"}}}
	res := alice.Do("PUT", path, body)
	mustStatus(t, res, 202, "set the rules")
	var a webrana.InstanceAction
	res.JSON(t, &a)
	if done := work(a.ID); done.Status != webrana.ActionCompleted {
		t.Fatalf("the firewall action: %+v", done)
	}
	wantApplied := func(what string) {
		t.Helper()
		var fw firewallJSON
		alice.Do("GET", path, nil).JSON(t, &fw)
		if fw.State != webrana.FirewallApplied {
			t.Fatalf("%s: state %s, want applied", what, fw.State)
		}
		got, err := client.GetFirewall(ctx, server.ID)
		if err != nil || !reflect.DeepEqual(got.Inbound, want) {
			t.Fatalf("%s: the provider's firewall %+v, %v; want %+v", what, got, err, want)
		}
	}
	wantApplied("after the firewall action")

	// Someone removes the firewall at the provider; a rebuild puts it back.
	pw.Must(client.DeleteFirewall(ctx, server.ID))
	rebuild := map[string]any{"type": "rebuild", "image": pooltest.Image(p)}
	if client.Capabilities().RebuildPassword {
		rebuild["password"] = "Rebuilt-Root-Pw-2031!"
	}
	res = alice.Do("POST", "/api/vps/"+in.ID+"/actions", rebuild)
	mustStatus(t, res, 202, "rebuild")
	res.JSON(t, &a)
	if done := work(a.ID); done.Status != webrana.ActionCompleted {
		t.Fatalf("the rebuild: %+v", done)
	}
	wantApplied("after the rebuild")

	// Deleting the server removes its firewall at the provider.
	mustStatus(t, alice.Do("DELETE", "/api/vps/"+in.ID, nil), 202, "delete")
	acts, _, err := h.db.ListActions(ctx, in.ID, webrana.Page{})
	pw.Must(err)
	if done := work(acts[0].ID); done.Status != webrana.ActionCompleted || done.Type != webrana.ActionDelete {
		t.Fatalf("the deletion: %+v", done)
	}
	if _, err := client.GetFirewall(ctx, server.ID); cloud.Code(err) != cloud.NotFound {
		t.Fatalf("the deleted server's firewall: %v, want NotFound", err)
	}
}

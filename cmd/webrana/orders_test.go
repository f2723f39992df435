package main

import (
	"cmp"
	"context"
	"encoding/json"
	"fmt"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/webrana/webrana"
	"github.com/webrana/webrana/cloud"
	"github.com/webrana/webrana/cloudsim"
	"github.com/webrana/webrana/store/storetest"
	"github.com/webrana/webrana/web/webtest"
)

// orderRig is a sandbox server with a fast simulator (servers run as soon
// as they exist), signed in as the demo customer and the admin.
type orderRig struct {
	*running
	t        testing.TB
	customer *webtest.Client
	admin    *webtest.Client
}

const rigPassword = "orders-test-password"

// orderRigs runs fn on a sandbox over SQLite and over PostgreSQL.
func orderRigs(t *testing.T, fn func(t *testing.T, r *orderRig)) {
	t.Run("sqlite", func(t *testing.T) {
		t.Parallel()
		fn(t, newOrderRig(t, map[string]string{}))
	})
	t.Run("postgres", func(t *testing.T) {
		t.Parallel()
		fn(t, newOrderRig(t, map[string]string{"WEBRANA_DATABASE_URL": storetest.PostgresURL(t, false), "WEBRANA_SANDBOX": "1"}))
	})
}

func newOrderRig(t testing.TB, vars map[string]string) *orderRig {
	vars["WEBRANA_DATA_DIR"] = t.TempDir()
	vars["WEBRANA_DEMO_PASSWORD"] = rigPassword
	vars["WEBRANA_SIM_CREATE_DELAY"] = cmp.Or(vars["WEBRANA_SIM_CREATE_DELAY"], "1ns")
	vars["WEBRANA_SIM_ACTION_DELAY"] = cmp.Or(vars["WEBRANA_SIM_ACTION_DELAY"], "1ns")
	vars["WEBRANA_PROVISION_POLL"] = "20ms"
	vars["WEBRANA_BOOT_WATCH"] = cmp.Or(vars["WEBRANA_BOOT_WATCH"], "20ms")
	vars["WEBRANA_HELD_RETRY"] = "100ms"
	m := startMain(t, vars)
	r := &orderRig{running: m, t: t}
	r.customer = r.login("demo@webrana.local")
	r.admin = r.login("admin@webrana.local")
	return r
}

func (r *orderRig) login(email string) *webtest.Client {
	c := webtest.New(r.t, "http://"+r.Addr())
	res := c.Do("POST", "/api/auth/login", map[string]string{"email": email, "password": rigPassword})
	if res.Status != 200 {
		r.t.Fatalf("login %s: %d %s", email, res.Status, res.Body)
	}
	var out struct{ Token string }
	res.JSON(r.t, &out)
	return c.WithToken(out.Token)
}

// plan returns the id of a demo plan of the provider with the given size.
func (r *orderRig) plan(p webrana.ProviderType, size string) string {
	var list struct{ Items []webrana.Plan }
	r.customer.Do("GET", "/api/plans?provider="+string(p), nil).JSON(r.t, &list)
	for _, pl := range list.Items {
		if pl.SizeSlug == size {
			return pl.ID
		}
	}
	r.t.Fatalf("no %s plan of size %s", p, size)
	return ""
}

type vpsJSON struct {
	ID       string
	Status   string
	IPv4     string
	Error    string
	Account  *struct{ ID, Name string }
	Progress *struct {
		OrderID  string `json:"order_id"`
		Step     string
		Attempts []struct {
			AccountName string `json:"account_name"`
			Outcome     string
		}
	}
}

// order places an order as the customer; it must be accepted.
func (r *orderRig) order(body map[string]any) vpsJSON {
	r.t.Helper()
	res := r.customer.Do("POST", "/api/vps", body)
	if res.Status != 202 {
		r.t.Fatalf("order %v: %d %s", body, res.Status, res.Body)
	}
	var v vpsJSON
	res.JSON(r.t, &v)
	return v
}

// waitFor polls the instance (as admin) until its status is one of want.
func (r *orderRig) waitFor(id string, want ...string) vpsJSON {
	r.t.Helper()
	deadline := time.Now().Add(time.Minute)
	for {
		var v vpsJSON
		r.admin.Do("GET", "/api/vps/"+id, nil).JSON(r.t, &v)
		if slices.Contains(want, v.Status) {
			return v
		}
		if time.Now().After(deadline) {
			r.t.Fatalf("instance %s still %s (progress %+v), want %v", id, v.Status, v.Progress, want)
		}
		time.Sleep(10 * time.Millisecond) // polling an outcome, not timing it
	}
}

// awaitStartupSync waits for the pool sync and health check the job system
// runs at start to have finished, so that neither overlaps what a test does
// next: a health check may judge a token the test is about to have
// refused. The next ones are minutes away.
func (r *orderRig) awaitStartupSync() {
	r.t.Helper()
	deadline := time.Now().Add(time.Minute)
	for {
		var n int
		err := r.DB.SQL().QueryRowContext(context.Background(),
			`SELECT COUNT(DISTINCT kind) FROM river_job WHERE kind IN ('pool_health', 'pool_sync') AND state = 'completed'`).Scan(&n)
		if err != nil {
			r.t.Fatal(err)
		}
		if n == 2 {
			return
		}
		if time.Now().After(deadline) {
			r.t.Fatal("the start-up pool sync and health check never completed")
		}
		time.Sleep(10 * time.Millisecond) // polling an outcome
	}
}

// account returns a pool account by name.
func (r *orderRig) account(name string) *webrana.Account {
	r.t.Helper()
	accounts, err := r.DB.ListAccounts(context.Background(), "")
	if err != nil {
		r.t.Fatal(err)
	}
	for _, a := range accounts {
		if a.Name == name {
			return a
		}
	}
	r.t.Fatalf("no account %q", name)
	return nil
}

// simToken is the simulator token of a pool account.
func (r *orderRig) simToken(name string) string {
	token, err := r.Keys.Open(r.account(name).TokenCiphertext)
	if err != nil {
		r.t.Fatal(err)
	}
	return token
}

// setSimLimit changes an account's limit at the provider only: Webrana
// learns it at the next sync.
func (r *orderRig) setSimLimit(name string, limit int) {
	if err := r.Sim.sim.UpdateAccount(r.simToken(name), cloudsim.AccountUpdate{Limit: &limit}); err != nil {
		r.t.Fatal(err)
	}
}

// serversTagged counts the servers carrying the order's tag on every
// account of the provider, through the real driver.
func (r *orderRig) serversTagged(p webrana.ProviderType, orderID string) int {
	r.t.Helper()
	accounts, err := r.DB.ListAccounts(context.Background(), p)
	if err != nil {
		r.t.Fatal(err)
	}
	n := 0
	for _, a := range accounts {
		c, err := r.Pool.Client(context.Background(), a)
		if err != nil {
			r.t.Fatal(err)
		}
		found, err := c.ListInstances(context.Background(), cloud.ListOptions{Tag: (&webrana.Order{ID: orderID}).Tag()})
		if err != nil {
			r.t.Fatal(err)
		}
		n += len(found)
	}
	return n
}

func (r *orderRig) balance() int64 {
	var bill struct{ Balance webrana.Money }
	r.customer.Do("GET", "/api/billing", nil).JSON(r.t, &bill)
	return bill.Balance.Amount
}

// TestOrdersBecomeActive: orders for a DigitalOcean distribution image and
// 1-click app, and a Linode image and StackScript, all become active with an
// address, each made once, each charged its first day.
func TestOrdersBecomeActive(t *testing.T) {
	orderRigs(t, func(t *testing.T, r *orderRig) {
		res := r.customer.Do("POST", "/api/ssh-keys", map[string]string{"name": "laptop",
			"public_key": "ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIOMqqnkVzrm0SdG6UOoqKLsabgH5C9okWi0dh2l9GKJl demo@laptop"})
		if res.Status != 201 {
			t.Fatalf("add key: %d %s", res.Status, res.Body)
		}
		var key struct{ ID string }
		res.JSON(t, &key)
		do, lin := r.plan(webrana.DigitalOcean, "s-1vcpu-1gb"), r.plan(webrana.Linode, "g6-nanode-1")
		before := r.balance()
		orders := map[string]map[string]any{
			"do-image": {"provider_type": "digitalocean", "plan_id": do, "region": "sgp1", "image": "ubuntu-24-04-x64",
				"label": "do-image", "ssh_key_ids": []string{key.ID}, "ipv6": true, "monitoring": true},
			"do-app": {"provider_type": "digitalocean", "plan_id": do, "region": "sgp1", "app": "wordpress-20-04",
				"label": "do-app", "root_password": "Kx9!mQ2#vLp7", "ssh_key_ids": []string{key.ID}},
			"linode-image": {"provider_type": "linode", "plan_id": lin, "region": "us-east", "image": "linode/debian12",
				"label": "linode-image", "root_password": "Kx9!mQ2#vLp7"},
			"linode-stackscript": {"provider_type": "linode", "plan_id": lin, "region": "us-east", "image": "linode/ubuntu24.04",
				"label": "linode-stackscript", "root_password": "Kx9!mQ2#vLp7", "stackscript_id": 10079,
				"stackscript_data": map[string]string{"greeting": "hi"}},
		}
		ids := map[string]string{}
		for name, body := range orders {
			ids[name] = r.order(body).ID
		}
		var charged int64
		for name, id := range ids {
			v := r.waitFor(id, "active", "failed")
			if v.Status != "active" || v.IPv4 == "" || v.Progress.Step != "done" {
				t.Fatalf("%s: %+v, want active with an address", name, v)
			}
			p := webrana.ProviderType(orders[name]["provider_type"].(string))
			if n := r.serversTagged(p, v.Progress.OrderID); n != 1 {
				t.Errorf("%s: %d servers carry the order's tag, want 1", name, n)
			}
			in, err := r.DB.InstanceByID(context.Background(), id)
			if err != nil {
				t.Fatal(err)
			}
			plan, err := r.DB.PlanByID(context.Background(), in.PlanID)
			if err != nil {
				t.Fatal(err)
			}
			charged += min(24*plan.PriceHourly, plan.PriceMonthly)
		}
		if got := r.balance(); got != before-charged {
			t.Fatalf("balance %d after four active servers, want %d (each first day charged once)", got, before-charged)
		}
		// The key was created once with the DigitalOcean account both orders
		// landed on, and remembered. Two workers registering it at the same
		// moment may both ask; the provider refuses the second (422) and
		// that worker adopts the key, so only creations are counted.
		stats := r.Sim.sim.Stats()
		created := map[string]int{}
		for _, row := range stats.Requests {
			if row.Method == "POST" && row.Path == "/v2/account/keys" && row.Status == 201 {
				created[row.Account] += row.Count
			}
		}
		for account, n := range created {
			if n > 1 {
				t.Errorf("the customer's key was created %d times with %s, want once per account", n, account)
			}
		}
		if len(created) == 0 {
			t.Error("the customer's key was never registered with DigitalOcean")
		}
		if stats.LimitErrors != 0 {
			t.Errorf("%d limit errors served", stats.LimitErrors)
		}
	})
}

// TestOrderFailsOverOnLimit: the account Webrana prefers answers the
// provider's limit error (its limit was lowered behind Webrana's back): the
// order lands on the next account, both attempts are recorded, and the
// refusing account is synced to its true count.
func TestOrderFailsOverOnLimit(t *testing.T) {
	orderRigs(t, func(t *testing.T, r *orderRig) {
		r.awaitStartupSync()          // else the start-up sync may learn the new limit first
		r.setSimLimit("Account 2", 5) // 5 of 5: full at the provider, 5 of 25 in Webrana
		v := r.order(map[string]any{"provider_type": "digitalocean", "plan_id": r.plan(webrana.DigitalOcean, "s-1vcpu-1gb"),
			"region": "sgp1", "image": "ubuntu-24-04-x64", "label": "failover", "root_password": "Kx9!mQ2#vLp7"})
		v = r.waitFor(v.ID, "active", "failed")
		if v.Status != "active" || v.Account == nil || v.Account.Name != "Primary" {
			t.Fatalf("after failover: %+v, want active on Primary", v)
		}
		var outcomes []string
		for _, a := range v.Progress.Attempts {
			outcomes = append(outcomes, a.AccountName+":"+a.Outcome)
		}
		if !slices.Equal(outcomes, []string{"Account 2:quota_exceeded", "Primary:succeeded"}) {
			t.Fatalf("attempts %v", outcomes)
		}
		if n := r.Sim.sim.Stats().LimitErrors; n != 1 {
			t.Fatalf("%d limit errors, want exactly the one that caused the failover", n)
		}
		if a := r.account("Account 2"); a.Limit != 5 || a.Reserved != 0 {
			t.Fatalf("refusing account after the failover: limit %d reserved %d; want synced to 5, nothing reserved", a.Limit, a.Reserved)
		}
	})
}

// TestLostCreateIsAdopted: the provider makes the server but the answer is
// lost; the retry finds it by the order's tag instead of making another.
func TestLostCreateIsAdopted(t *testing.T) {
	orderRigs(t, func(t *testing.T, r *orderRig) {
		if err := r.Sim.sim.AddFault(cloudsim.FaultSpec{Provider: "digitalocean", Method: "POST", PathPrefix: "/v2/droplets", Drop: true, Count: 1}); err != nil {
			t.Fatal(err)
		}
		v := r.order(map[string]any{"provider_type": "digitalocean", "plan_id": r.plan(webrana.DigitalOcean, "s-1vcpu-1gb"),
			"region": "sgp1", "image": "ubuntu-24-04-x64", "label": "lost", "root_password": "Kx9!mQ2#vLp7"})
		v = r.waitFor(v.ID, "active", "failed")
		if v.Status != "active" {
			t.Fatalf("after a lost answer: %+v, want active", v)
		}
		if n := r.serversTagged(webrana.DigitalOcean, v.Progress.OrderID); n != 1 {
			t.Fatalf("%d servers carry the order's tag after a lost create, want exactly 1", n)
		}
		creates := 0
		for _, row := range r.Sim.sim.Stats().Requests {
			if row.Method == "POST" && row.Path == "/v2/droplets" {
				creates += row.Count
			}
		}
		if creates != 1 {
			t.Fatalf("%d creates sent, want 1 (the retry adopts by tag)", creates)
		}
		for _, a := range []string{"Primary", "Account 2", "Account 3"} {
			if acc := r.account(a); acc.Reserved != 0 {
				t.Errorf("account %s has %d reserved after the order ended", a, acc.Reserved)
			}
		}
	})
}

// TestHeldOrderProceedsWhenCapacityAppears: with every account full the
// order is held (not failed) and alerted; when a limit is raised it goes on.
func TestHeldOrderProceedsWhenCapacityAppears(t *testing.T) {
	orderRigs(t, func(t *testing.T, r *orderRig) {
		r.awaitStartupSync()
		r.setSimLimit("Primary", 20)
		r.setSimLimit("Account 2", 5)
		if res := r.admin.Do("POST", "/internal/accounts/sync-all", map[string]any{}); res.Status != 200 {
			t.Fatalf("sync-all: %d %s", res.Status, res.Body)
		}
		before := r.balance()
		v := r.order(map[string]any{"provider_type": "digitalocean", "plan_id": r.plan(webrana.DigitalOcean, "s-1vcpu-1gb"),
			"region": "sgp1", "image": "ubuntu-24-04-x64", "label": "held", "root_password": "Kx9!mQ2#vLp7"})
		v = r.waitFor(v.ID, "held")
		var alerts struct {
			Items []struct{ Kind, Key string }
		}
		r.admin.Do("GET", "/api/admin/alerts?open=true&kind=provisioning_held", nil).JSON(t, &alerts)
		if len(alerts.Items) != 1 || alerts.Items[0].Key != "provisioning_held:digitalocean" {
			t.Fatalf("open held alerts %+v, want one for digitalocean", alerts.Items)
		}
		if got := r.balance(); got != before-48 {
			t.Fatalf("balance %d while held, want %d (the first day stays held)", got, before-48)
		}

		r.setSimLimit("Account 2", 6)
		if res := r.admin.Do("POST", "/internal/accounts/sync-all", map[string]any{}); res.Status != 200 {
			t.Fatalf("sync-all: %d %s", res.Status, res.Body)
		}
		v = r.waitFor(v.ID, "active")
		if v.Account == nil || v.Account.Name != "Account 2" {
			t.Fatalf("held order proceeded on %+v, want Account 2", v.Account)
		}
		if _, _, err := r.Alerts.Evaluate(context.Background()); err != nil {
			t.Fatal(err)
		}
		r.admin.Do("GET", "/api/admin/alerts?open=true&kind=provisioning_held", nil).JSON(t, &alerts)
		if len(alerts.Items) != 0 {
			t.Fatalf("held alert still open after the order proceeded: %+v", alerts.Items)
		}
		if n := r.Sim.sim.Stats().LimitErrors; n != 0 {
			t.Fatalf("%d limit errors served, want 0", n)
		}
	})
}

// TestOrdersBeyondCapacityAreHeld: 300 orders at once against a pool with
// 250 free slots: exactly 250 become active and 50 wait, and the provider
// never answers a limit error.
func TestOrdersBeyondCapacityAreHeld(t *testing.T) {
	orderRigs(t, func(t *testing.T, r *orderRig) {
		ctx := context.Background()
		r.awaitStartupSync()
		// Replace the demo DigitalOcean pool by five accounts with 50 free
		// slots each.
		for _, name := range []string{"Primary", "Account 2", "Account 3"} {
			if res := r.admin.Do("PATCH", "/internal/accounts/"+r.account(name).ID, map[string]any{"is_active": false}); res.Status != 200 {
				t.Fatalf("deactivate %s: %d %s", name, res.Status, res.Body)
			}
		}
		for i := range 5 {
			token := fmt.Sprintf("dop_v1_capacity%02d", i)
			if err := r.Sim.sim.AddAccount(cloudsim.AccountSpec{Provider: "digitalocean", Token: token,
				Email: fmt.Sprintf("cap%d@example.com", i), Limit: 60, Instances: 10}); err != nil {
				t.Fatal(err)
			}
			res := r.admin.Do("POST", "/internal/accounts", map[string]any{"provider_type": "digitalocean", "name": fmt.Sprintf("Cap %d", i), "token": token})
			if res.Status != 201 {
				t.Fatalf("add account: %d %s", res.Status, res.Body)
			}
		}
		r.Sim.sim.ResetStats()
		plan := r.plan(webrana.DigitalOcean, "s-1vcpu-1gb")
		var me struct{ ID string }
		r.customer.Do("GET", "/api/me", nil).JSON(t, &me)
		if res := r.admin.Do("POST", "/api/admin/customers/"+me.ID+"/credit", map[string]any{"amount": 20000, "note": "burst"}); res.Status != 201 {
			t.Fatalf("credit: %d %s", res.Status, res.Body)
		}

		start := time.Now()
		var wg sync.WaitGroup
		sem := make(chan struct{}, 16)
		for i := range 300 {
			wg.Go(func() {
				sem <- struct{}{}
				defer func() { <-sem }()
				res := r.customer.Do("POST", "/api/vps", map[string]any{"provider_type": "digitalocean", "plan_id": plan, "region": "sgp1",
					"image": "ubuntu-24-04-x64", "label": fmt.Sprintf("burst-%03d", i), "root_password": "Kx9!mQ2#vLp7"})
				if res.Status != 202 {
					t.Errorf("order %d: %d %s", i, res.Status, res.Body)
				}
			})
		}
		wg.Wait()
		if t.Failed() {
			return
		}
		deadline := time.Now().Add(4 * time.Minute) // generous: the race detector is slow
		for {
			_, nActive, err := r.DB.ListInstances(ctx, webrana.InstanceFilter{Status: webrana.StatusActive, Page: webrana.Page{PerPage: 1}})
			if err != nil {
				t.Fatal(err)
			}
			_, nHeld, err := r.DB.ListInstances(ctx, webrana.InstanceFilter{Status: webrana.StatusHeld, Page: webrana.Page{PerPage: 1}})
			if err != nil {
				t.Fatal(err)
			}
			if nActive == 250 && nHeld == 50 {
				t.Logf("300 orders: 250 active and 50 held after %s", time.Since(start).Round(time.Millisecond))
				break
			}
			if time.Now().After(deadline) {
				t.Fatalf("%d active and %d held after four minutes, want 250 and 50", nActive, nHeld)
			}
			time.Sleep(20 * time.Millisecond) // polling an outcome, not timing it
		}
		stats := r.Sim.sim.Stats()
		if stats.LimitErrors != 0 {
			t.Fatalf("the simulator served %d limit errors, want 0", stats.LimitErrors)
		}
		creates := 0
		for _, row := range stats.Requests {
			if row.Method == "POST" && row.Path == "/v2/droplets" {
				creates += row.Count
			}
		}
		if creates != 250 {
			t.Fatalf("%d creates for 250 servers", creates)
		}
		for i := range 5 {
			a := r.account(fmt.Sprintf("Cap %d", i))
			if a.Active != 60 || a.Reserved != 0 {
				t.Errorf("%s at %d active, %d reserved; want 60, 0", a.Name, a.Active, a.Reserved)
			}
		}
	})
}

func (r *orderRig) orderSmallDO(label string) vpsJSON {
	return r.order(map[string]any{"provider_type": "digitalocean", "plan_id": r.plan(webrana.DigitalOcean, "s-1vcpu-1gb"),
		"region": "sgp1", "image": "ubuntu-24-04-x64", "label": label, "root_password": "Kx9!mQ2#vLp7"})
}

func outcomes(v vpsJSON) []string {
	var out []string
	for _, a := range v.Progress.Attempts {
		out = append(out, a.AccountName+":"+a.Outcome)
	}
	return out
}

// TestRevokedTokenFailsOver: the preferred account's token was revoked at
// the provider since the last health check: the order meets the refusal,
// the account is marked unhealthy, and the order lands on the next one.
func TestRevokedTokenFailsOver(t *testing.T) {
	orderRigs(t, func(t *testing.T, r *orderRig) {
		r.awaitStartupSync() // the next health check is a minute away: the order meets the revoked token first
		revoked := true
		if err := r.Sim.sim.UpdateAccount(r.simToken("Account 2"), cloudsim.AccountUpdate{Revoked: &revoked}); err != nil {
			t.Fatal(err)
		}
		v := r.waitFor(r.orderSmallDO("revoked").ID, "active", "failed")
		if v.Status != "active" || v.Account.Name != "Primary" {
			t.Fatalf("order %+v, want active on Primary", v)
		}
		if got := outcomes(v); !slices.Equal(got, []string{"Account 2:unauthorized", "Primary:succeeded"}) {
			t.Fatalf("attempts %v", got)
		}
		if a := r.account("Account 2"); a.Health != webrana.HealthUnhealthy || a.Reserved != 0 {
			t.Fatalf("revoked account: health %s, reserved %d; want UNHEALTHY, 0", a.Health, a.Reserved)
		}
	})
}

// TestRejectedOrderFailsAndReleases: the provider rejects the request
// itself: the order fails with the provider's reason in plain words, the
// hold is released, the slot given back, and the operator alerted.
func TestRejectedOrderFailsAndReleases(t *testing.T) {
	orderRigs(t, func(t *testing.T, r *orderRig) {
		if err := r.Sim.sim.AddFault(cloudsim.FaultSpec{Provider: "digitalocean", Method: "POST", PathPrefix: "/v2/droplets", Status: 422}); err != nil {
			t.Fatal(err)
		}
		before := r.balance()
		v := r.waitFor(r.orderSmallDO("rejected").ID, "active", "failed")
		if v.Status != "failed" || !strings.Contains(v.Error, "The provider refused to create this server") || !strings.Contains(v.Error, "Nothing was charged") {
			t.Fatalf("rejected order: %+v", v)
		}
		var mine vpsJSON
		r.customer.Do("GET", "/api/vps/"+v.ID, nil).JSON(t, &mine)
		if mine.Error != v.Error || mine.Account != nil || len(mine.Progress.Attempts) != 0 {
			t.Fatalf("the customer sees %+v: want the reason, and neither account nor attempts", mine)
		}
		if got := r.balance(); got != before {
			t.Fatalf("balance %d after a failed order, want %d (hold released)", got, before)
		}
		for _, a := range []string{"Primary", "Account 2"} {
			if acc := r.account(a); acc.Reserved != 0 {
				t.Errorf("%s has %d reserved after the order failed", a, acc.Reserved)
			}
		}
		var alerts struct {
			Items []struct{ ID, Key, Message string }
		}
		r.admin.Do("GET", "/api/admin/alerts?open=true&kind=provisioning_failed", nil).JSON(t, &alerts)
		if len(alerts.Items) != 1 || !strings.Contains(alerts.Items[0].Key, v.Progress.OrderID) {
			t.Fatalf("failed-order alerts %+v, want one for order %s", alerts.Items, v.Progress.OrderID)
		}
		// It stays open through evaluations until an operator resolves it.
		if _, _, err := r.Alerts.Evaluate(context.Background()); err != nil {
			t.Fatal(err)
		}
		res := r.admin.Do("POST", "/api/admin/alerts/"+alerts.Items[0].ID+"/resolve", map[string]any{})
		if res.Status != 200 {
			t.Fatalf("resolve: %d %s", res.Status, res.Body)
		}
		r.admin.Do("GET", "/api/admin/alerts?open=true&kind=provisioning_failed", nil).JSON(t, &alerts)
		if len(alerts.Items) != 0 {
			t.Fatalf("alert still open after resolving: %+v", alerts.Items)
		}
	})
}

// TestTransientCreateErrorIsRetried: a provider outage answering the create
// is retried with backoff on the same account, the tag looked up first; one
// server results.
func TestTransientCreateErrorIsRetried(t *testing.T) {
	orderRigs(t, func(t *testing.T, r *orderRig) {
		if err := r.Sim.sim.AddFault(cloudsim.FaultSpec{Provider: "digitalocean", Method: "POST", PathPrefix: "/v2/droplets", Status: 503, Count: 1}); err != nil {
			t.Fatal(err)
		}
		v := r.waitFor(r.orderSmallDO("transient").ID, "active", "failed")
		if v.Status != "active" {
			t.Fatalf("order %+v, want active after the retry", v)
		}
		got := outcomes(v)
		if len(got) != 2 || !strings.HasSuffix(got[0], ":unavailable") || !strings.HasSuffix(got[1], ":succeeded") ||
			strings.Split(got[0], ":")[0] != strings.Split(got[1], ":")[0] {
			t.Fatalf("attempts %v, want unavailable then succeeded on the same account", got)
		}
		if n := r.serversTagged(webrana.DigitalOcean, v.Progress.OrderID); n != 1 {
			t.Fatalf("%d servers with the order's tag, want 1", n)
		}
	})
}

// TestServerRemovedWhileBooting: the server disappears at the provider
// before it runs: the order fails in plain words, nothing is charged, and
// the account's slot is given back.
func TestServerRemovedWhileBooting(t *testing.T) {
	r := newOrderRig(t, map[string]string{"WEBRANA_SIM_CREATE_DELAY": "1h"})
	r.awaitStartupSync()
	before := r.balance()
	v := r.orderSmallDO("vanishing")
	deadline := time.Now().Add(time.Minute)
	for v.Progress == nil || v.Progress.Step != "booting" {
		if time.Now().After(deadline) {
			t.Fatalf("order never reached booting: %+v", v)
		}
		time.Sleep(10 * time.Millisecond) // polling an outcome
		r.admin.Do("GET", "/api/vps/"+v.ID, nil).JSON(t, &v)
	}
	in, err := r.DB.InstanceByID(context.Background(), v.ID)
	if err != nil {
		t.Fatal(err)
	}
	activeBefore := r.account(v.Account.Name).Active
	c, err := r.Pool.Client(context.Background(), r.account(v.Account.Name))
	if err != nil {
		t.Fatal(err)
	}
	if err := c.DeleteInstance(context.Background(), in.ProviderID); err != nil {
		t.Fatal(err)
	}
	v = r.waitFor(v.ID, "failed")
	if !strings.Contains(v.Error, "removed at the provider") {
		t.Fatalf("error %q, want the server's removal explained", v.Error)
	}
	if got := r.balance(); got != before {
		t.Fatalf("balance %d, want %d: nothing charged", got, before)
	}
	// The account's count is the provider's again (whether the order gave
	// the slot back or a sync that began meanwhile counted without it).
	running := -1
	for _, info := range r.Sim.sim.Accounts() {
		if info.Email == r.account(v.Account.Name).Email {
			running = info.Instances
		}
	}
	if a := r.account(v.Account.Name); a.Active != running || a.Active != activeBefore-1 || a.Reserved != 0 {
		t.Fatalf("account at %d active (was %d), %d reserved; the provider runs %d: want the slot back", a.Active, activeBefore, a.Reserved, running)
	}
}

// TestBootWatchKeepsItsListsInItsJob: the boot watch's runs leave the next
// the times of their lists, which its budget of two lists a tick counts,
// in its River job's row (River keeps a job's recorded output on a
// snooze), so that a replica running the next look knows them. On both
// engines' River drivers.
func TestBootWatchKeepsItsListsInItsJob(t *testing.T) {
	for _, engine := range []string{"sqlite", "postgres"} {
		t.Run(engine, func(t *testing.T) {
			t.Parallel()
			vars := map[string]string{"WEBRANA_SIM_CREATE_DELAY": "300ms", "WEBRANA_BOOT_WATCH": "100ms"}
			if engine == "postgres" {
				vars["WEBRANA_DATABASE_URL"], vars["WEBRANA_SANDBOX"] = storetest.PostgresURL(t, false), "1"
			}
			r := newOrderRig(t, vars)
			placed := time.Now()
			if v := r.waitFor(r.orderSmallDO("watched").ID, "active", "failed"); v.Status != "active" {
				t.Fatalf("order: %+v", v)
			}
			// River writes the snooze of the look that completed the order
			// after the order's own commit: poll its outcome.
			deadline := time.Now().Add(time.Minute)
			for {
				kept, ok := r.watchListedSince(placed)
				if ok {
					return
				}
				if time.Now().After(deadline) {
					t.Fatalf("no watch's job keeps the time of its last list (after %s): %q", placed, kept)
				}
				time.Sleep(10 * time.Millisecond) // polling an outcome
			}
		})
	}
}

// watchListedSince reports whether a boot watch's job keeps, as the time of
// its last list, one since t; and every watch job's metadata.
func (r *orderRig) watchListedSince(t time.Time) ([]string, bool) {
	r.t.Helper()
	rows, err := r.DB.SQL().QueryContext(context.Background(), `SELECT metadata FROM river_job WHERE kind = 'boot_watch'`)
	if err != nil {
		r.t.Fatal(err)
	}
	defer rows.Close()
	var kept []string
	for rows.Next() {
		var metadata string
		if err := rows.Scan(&metadata); err != nil {
			r.t.Fatal(err)
		}
		var m struct {
			Output struct{ Lists [2]time.Time }
		}
		if err := json.Unmarshal([]byte(metadata), &m); err != nil {
			r.t.Fatalf("a watch's metadata %q: %v", metadata, err)
		}
		if last := m.Output.Lists[1]; !last.Before(t) && !last.After(time.Now()) {
			return nil, true
		}
		kept = append(kept, metadata)
	}
	if err := rows.Err(); err != nil {
		r.t.Fatal(err)
	}
	return kept, false
}

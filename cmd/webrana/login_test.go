package main

import (
	"context"
	"errors"
	"net/url"
	"strings"
	"testing"

	"github.com/webrana/webrana"
	"github.com/webrana/webrana/cloudsim"
	"github.com/webrana/webrana/store"
	"github.com/webrana/webrana/web/webtest"
)

// TestSandboxDemoUsersSignIn: the demo users printed in the banner can sign
// in through the API and through the login page.
func TestSandboxDemoUsersSignIn(t *testing.T) {
	const pw = "sandbox demo pw"
	m := startMain(t, map[string]string{"WEBRANA_DATA_DIR": t.TempDir(), "WEBRANA_DEMO_PASSWORD": pw})
	base := "http://" + m.Addr()
	if !strings.Contains(m.stdout.String(), pw) {
		t.Fatalf("banner does not show the demo password:\n%s", m.stdout)
	}

	api := webtest.New(t, base)
	res := api.Do("POST", "/api/auth/login", map[string]string{"email": "admin@webrana.local", "password": pw})
	if res.Status != 200 {
		t.Fatalf("API login: %d %s", res.Status, res.Body)
	}
	var login struct{ Token string }
	res.JSON(t, &login)
	var me struct{ Email, Role string }
	res = api.WithToken(login.Token).Do("GET", "/api/me", nil)
	res.JSON(t, &me)
	if me.Email != "admin@webrana.local" || me.Role != "admin" {
		t.Fatalf("/api/me = %+v", me)
	}

	browser := webtest.New(t, base)
	if res := browser.Do("GET", "/login", nil); res.Status != 200 {
		t.Fatalf("GET /login: %d", res.Status)
	}
	csrf := browser.Cookie("webrana_csrf")
	if csrf == nil {
		t.Fatal("login page set no CSRF cookie")
	}
	res = browser.PostForm("/login", url.Values{"csrf_token": {csrf.Value}, "email": {"demo@webrana.local"}, "password": {pw}, "next": {"/"}})
	if res.Status != 303 || browser.Cookie("webrana_session") == nil {
		t.Fatalf("form login: %d %s", res.Status, res.Body)
	}
	res = browser.Do("GET", "/", nil)
	if res.Status != 200 || !strings.Contains(string(res.Body), "demo@webrana.local") {
		t.Fatalf("home after sign-in: %d %s", res.Status, res.Body)
	}

	// The catalogs answer from the in-process simulator.
	customer := webtest.New(t, base)
	res = customer.Do("POST", "/api/auth/login", map[string]string{"email": "demo@webrana.local", "password": pw})
	res.JSON(t, &login)
	customer = customer.WithToken(login.Token)
	for _, path := range []string{"/api/providers", "/api/plans", "/api/vps/digitalocean/sizes", "/api/vps/linode/sizes",
		"/api/vps/digitalocean/images", "/api/vps/linode/marketplace"} {
		var body struct{ Items []any }
		res := customer.Do("GET", path, nil)
		res.JSON(t, &body)
		if res.Status != 200 || len(body.Items) == 0 {
			t.Errorf("sandbox %s: %d with %d items", path, res.Status, len(body.Items))
		}
	}
}

// TestSandboxSimulatorAdminAPI: the in-process simulator's /_sim/ API is
// served by the main server to administrators only, and shows the demo pool.
func TestSandboxSimulatorAdminAPI(t *testing.T) {
	const pw = "sandbox demo pw"
	m := startMain(t, map[string]string{"WEBRANA_DATA_DIR": t.TempDir(), "WEBRANA_DEMO_PASSWORD": pw})
	base := "http://" + m.Addr()
	login := func(email string) *webtest.Client {
		c := webtest.New(t, base)
		res := c.Do("POST", "/api/auth/login", map[string]string{"email": email, "password": pw})
		var out struct{ Token string }
		res.JSON(t, &out)
		return c.WithToken(out.Token)
	}
	if res := webtest.New(t, base).Do("GET", "/_sim/stats", nil); res.Status != 401 {
		t.Errorf("anonymous /_sim/stats: %d, want 401", res.Status)
	}
	if res := login("demo@webrana.local").Do("GET", "/_sim/stats", nil); res.Status != 403 {
		t.Errorf("customer /_sim/stats: %d, want 403", res.Status)
	}
	res := login("admin@webrana.local").Do("GET", "/_sim/stats", nil)
	var stats struct {
		Accounts []struct {
			Provider         string
			Limit, Instances int
		}
	}
	res.JSON(t, &stats)
	if res.Status != 200 || len(stats.Accounts) != len(demoPool) {
		t.Fatalf("admin /_sim/stats: %d %s", res.Status, res.Body)
	}
	for i, a := range stats.Accounts {
		want := demoPool[i].spec
		if a.Provider != want.Provider || a.Limit != want.Limit || a.Instances != want.Instances {
			t.Errorf("account %d = %+v, want %+v", i, a, want)
		}
	}
}

// TestSandboxPoolMetricsAndAlerts: the demo pool is in the database, its
// gauges are on /metrics, and an evaluation opens the seed mock-up's one
// alert (Account 3 is full).
func TestSandboxPoolMetricsAndAlerts(t *testing.T) {
	const pw = "sandbox demo pw"
	m := startMain(t, map[string]string{"WEBRANA_DATA_DIR": t.TempDir(), "WEBRANA_DEMO_PASSWORD": pw})
	base := "http://" + m.Addr()
	if _, _, err := m.Alerts.Evaluate(context.Background()); err != nil {
		t.Fatal(err)
	}
	admin := webtest.New(t, base)
	res := admin.Do("POST", "/api/auth/login", map[string]string{"email": "admin@webrana.local", "password": pw})
	var login struct{ Token string }
	res.JSON(t, &login)
	admin = admin.WithToken(login.Token)
	var accounts struct {
		Items []struct {
			Name          string
			Limit, Active int
			IsPrimary     bool `json:"is_primary"`
		}
	}
	admin.Do("GET", "/internal/accounts", nil).JSON(t, &accounts)
	if len(accounts.Items) != len(demoPool) {
		t.Fatalf("demo pool in the database: %+v", accounts.Items)
	}
	var alerts struct {
		Items []struct{ Kind, Message string }
	}
	admin.Do("GET", "/api/admin/alerts?open=true", nil).JSON(t, &alerts)
	if len(alerts.Items) != 1 || alerts.Items[0].Kind != "account_full" || !strings.Contains(alerts.Items[0].Message, "Account 3") {
		t.Fatalf("open alerts %+v; want Account 3 full", alerts.Items)
	}
	// A revoked token: one health cycle marks the account UNHEALTHY and one
	// evaluation alerts; no reservation lands on it meanwhile.
	linodeToken := m.Sim.sim.Tokens("linode")[0]
	revoked := true
	if err := m.Sim.sim.UpdateAccount(linodeToken, cloudsim.AccountUpdate{Revoked: &revoked}); err != nil {
		t.Fatal(err)
	}
	if _, err := m.Pool.CheckAll(context.Background()); err != nil {
		t.Logf("health cycle reported: %v", err)
	}
	if _, _, err := m.Alerts.Evaluate(context.Background()); err != nil {
		t.Fatal(err)
	}
	admin.Do("GET", "/api/admin/alerts?open=true&kind=account_unhealthy", nil).JSON(t, &alerts)
	if len(alerts.Items) != 1 || !strings.Contains(alerts.Items[0].Message, "Linode") {
		t.Fatalf("after revoking the Linode token: open unhealthy alerts %+v", alerts.Items)
	}
	if _, err := m.DB.Reserve(context.Background(), store.ReserveRequest{Provider: webrana.Linode, OrderID: "o"}); !errors.Is(err, webrana.ErrNoAvailableAccount) {
		t.Fatalf("reserve on the revoked Linode account: %v", err)
	}

	// Only an administrator may read them: no WEBRANA_METRICS_TOKEN is set.
	body := admin.Do("GET", "/metrics", nil).Body
	for _, want := range []string{
		`webrana_account_limit{account="Primary",provider="digitalocean"} 25`,
		`webrana_account_active{account="Account 3",provider="digitalocean"} 25`,
		`webrana_pool_utilization_ratio{provider="digitalocean"} 0.6666666666666666`,
	} {
		if !strings.Contains(string(body), want) {
			t.Errorf("/metrics lacks %s", want)
		}
	}
}

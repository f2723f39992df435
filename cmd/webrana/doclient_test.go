package main

import (
	"context"
	"net/http/httptest"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/webrana/webrana"
	"github.com/webrana/webrana/cloudsim"
	"github.com/webrana/webrana/secrets"
	"github.com/webrana/webrana/web/doapi/dotest"
	"github.com/webrana/webrana/web/webtest"
)

// Issue 20's independent client: scripts/doclient/lifecycle.js drives a
// whole server life through a DigitalOcean v2 API with dots-wrapper, a
// DigitalOcean client for Node.js from the npm registry (pinned by
// scripts/doclient/package-lock.json, installed by scripts/doclient.sh).

// doclientTimeout bounds one run of the script, however it hangs.
const doclientTimeout = 3 * time.Minute

// doclientEnv finds node and the installed client: WEBRANA_NODE and
// WEBRANA_DOCLIENT_MODULES (set by scripts/test), else node on the PATH and
// scripts/doclient/node_modules (an `npm ci` there). Missing, the test skips
// on a developer's machine and fails in CI.
func doclientEnv(t *testing.T) (node, modules string) {
	t.Helper()
	node = os.Getenv("WEBRANA_NODE")
	if node == "" {
		node, _ = exec.LookPath("node")
	}
	modules = os.Getenv("WEBRANA_DOCLIENT_MODULES")
	if modules == "" {
		modules, _ = filepath.Abs(filepath.Join("..", "..", "scripts", "doclient", "node_modules"))
	}
	if _, err := os.Stat(filepath.Join(modules, "dots-wrapper", "package.json")); node == "" || err != nil {
		msg := "node or the DigitalOcean client is missing (scripts/test installs them through scripts/doclient.sh)"
		if os.Getenv("CI") != "" {
			t.Fatal(msg + "; the independent client's test must run in CI")
		}
		t.Skip(msg + "; skipping")
	}
	return node, modules
}

// runDOClient runs the script against a DigitalOcean v2 API (base URL up
// to /v2) with a token, failing the test with the script's output when it
// exits non-zero. The child sees no proxy settings: it talks to loopback.
func runDOClient(t *testing.T, apiURL, token string, args ...string) string {
	t.Helper()
	node, modules := doclientEnv(t)
	ctx, cancel := context.WithTimeout(context.Background(), doclientTimeout)
	defer cancel()
	script, err := filepath.Abs(filepath.Join("..", "..", "scripts", "doclient", "lifecycle.js"))
	if err != nil {
		t.Fatal(err)
	}
	cmd := exec.CommandContext(ctx, node, append([]string{script}, args...)...)
	cmd.Env = []string{
		"PATH=" + os.Getenv("PATH"),
		"HOME=" + t.TempDir(),
		"NODE_PATH=" + modules,
		"DIGITALOCEAN_API_URL=" + apiURL,
		"DIGITALOCEAN_TOKEN=" + token,
	}
	start := time.Now()
	out, err := cmd.CombinedOutput()
	if err != nil {
		t.Fatalf("the DigitalOcean client's server life failed after %.2fs (%v):\n%s", time.Since(start).Seconds(), err, out)
	}
	t.Logf("node %s (%.2fs):\n%s", filepath.Base(script), time.Since(start).Seconds(), out)
	if !strings.Contains(string(out), "done: a whole server life") {
		t.Fatalf("the script exited 0 without finishing:\n%s", out)
	}
	return string(out)
}

// TestDOClientAgainstSimulator runs the script against the simulator's
// own DigitalOcean API, whose answers follow the official spec: what the
// script expects is what DigitalOcean says. It also shows the script
// fails, with the step named, where an answer differs.
func TestDOClientAgainstSimulator(t *testing.T) {
	sim := cloudsim.New(cloudsim.Config{CreateDelay: 200 * time.Millisecond, ActionDelay: 100 * time.Millisecond})
	const token = "dop_v1_doclient"
	if err := sim.AddAccount(cloudsim.AccountSpec{Provider: "digitalocean", Token: token, Email: "client@example.com", Limit: 5}); err != nil {
		t.Fatal(err)
	}
	srv := httptest.NewServer(sim.Handler())
	defer srv.Close()
	proxy, spec := dotest.Proxy(t, srv.URL)
	runDOClient(t, proxy.URL+"/v2", token)
	checked := spec.Checked()
	for _, want := range doclientExchanges {
		if checked[want] == 0 {
			t.Errorf("the script's run never checked %q against the spec; checked: %v", want, checked)
		}
	}

	// A size the API does not list ends the run at its step, saying so.
	node, modules := doclientEnv(t)
	script, _ := filepath.Abs(filepath.Join("..", "..", "scripts", "doclient", "lifecycle.js"))
	cmd := exec.Command(node, script, "--size", "no-such-size")
	cmd.Env = []string{"PATH=" + os.Getenv("PATH"), "NODE_PATH=" + modules,
		"DIGITALOCEAN_API_URL=" + srv.URL + "/v2", "DIGITALOCEAN_TOKEN=" + token}
	out, err := cmd.CombinedOutput()
	if ee, ok := err.(*exec.ExitError); !ok || ee.ExitCode() != 1 ||
		!strings.Contains(string(out), "FAIL sizes: GET /v2/sizes lists no no-such-size") {
		t.Fatalf("a size not listed: %v\n%s", err, out)
	}
}

// TestDOClientDrivesWebrana: a customer with credit and an API token
// drives a whole server life through Webrana's /v2 with the independent
// client, on both engines; Webrana then shows the two servers the script
// made as deleted, the customer charged for them.
func TestDOClientDrivesWebrana(t *testing.T) {
	doclientEnv(t) // skip (or fail in CI) before starting servers
	orderRigs(t, func(t *testing.T, r *orderRig) {
		const credit = 50_000
		customer, token := r.apiCustomer("doclient@example.com", credit)
		// Every request and answer passes a proxy that checks it against
		// DigitalOcean's official spec.
		proxy, spec := dotest.Proxy(t, "http://"+r.Addr())
		runDOClient(t, proxy.URL+"/v2", token,
			"--size", r.sizeSlug(webrana.DigitalOcean, "s-1vcpu-1gb"), "--region", "nyc3", "--image", "ubuntu-24-04-x64")
		checked := spec.Checked()
		for _, want := range doclientExchanges {
			if checked[want] == 0 {
				t.Errorf("the script's run never checked %q against the spec; checked: %v", want, checked)
			}
		}

		var list struct{ Items []vpsJSON }
		customer.Do("GET", "/api/vps", nil).JSON(t, &list)
		if len(list.Items) != 2 {
			t.Fatalf("the customer has %d servers, want the script's two: %+v", len(list.Items), list.Items)
		}
		for _, v := range list.Items {
			r.waitFor(v.ID, string(webrana.StatusDeleted))
		}
		var bill struct{ Balance webrana.Money }
		customer.Do("GET", "/api/billing", nil).JSON(t, &bill)
		if bill.Balance.Amount >= credit {
			t.Fatalf("balance %d after two servers ran, want less than the %d credited", bill.Balance.Amount, credit)
		}
	})
}

// doclientExchanges are what a run of the script must have sent and had
// answered, as "METHOD spec-path status".
var doclientExchanges = []string{
	"GET /v2/account 200", "GET /v2/account 401", "GET /v2/sizes 200",
	"POST /v2/account/keys 201", "DELETE /v2/account/keys/{ssh_key_identifier} 204",
	"POST /v2/droplets 202", "GET /v2/droplets 200", "GET /v2/droplets/{droplet_id} 200",
	"POST /v2/droplets/{droplet_id}/actions 201", "GET /v2/actions/{action_id} 200",
	"GET /v2/droplets/{droplet_id}/actions 200",
	"DELETE /v2/droplets/{droplet_id} 204", "DELETE /v2/droplets 204", "GET /v2/droplets/{droplet_id} 404",
}

// apiCustomer creates a customer whose address an operator vouched for,
// credits them (minor units) and returns their signed-in client and a new
// API token of theirs.
func (r *orderRig) apiCustomer(email string, credit int64) (*webtest.Client, string) {
	r.t.Helper()
	hash, err := secrets.HashPassword(rigPassword)
	if err != nil {
		r.t.Fatal(err)
	}
	u := &webrana.User{Email: email, Role: webrana.RoleCustomer, PasswordHash: hash, EmailVerified: true}
	if err := r.DB.CreateUser(context.Background(), u); err != nil {
		r.t.Fatal(err)
	}
	c := r.login(email)
	if res := r.admin.Do("POST", "/api/admin/customers/"+u.ID+"/credit", map[string]any{"amount": credit, "note": "doclient"}); res.Status != 201 {
		r.t.Fatalf("credit: %d %s", res.Status, res.Body)
	}
	res := c.Do("POST", "/api/tokens", map[string]any{"name": "doclient"})
	if res.Status != 201 {
		r.t.Fatalf("create an API token: %d %s", res.Status, res.Body)
	}
	var tok struct{ Token string }
	res.JSON(r.t, &tok)
	if tok.Token == "" {
		r.t.Fatalf("no token in %s", res.Body)
	}
	return c, tok.Token
}

// sizeSlug is the slug under which /v2 sells the demo plan of the provider
// with the given size.
func (r *orderRig) sizeSlug(p webrana.ProviderType, size string) string {
	r.t.Helper()
	var list struct {
		Items []struct {
			SizeSlug string `json:"size_slug"`
			Slug     string `json:"slug"`
		}
	}
	r.customer.Do("GET", "/api/plans?provider="+string(p), nil).JSON(r.t, &list)
	for _, pl := range list.Items {
		if pl.SizeSlug == size && pl.Slug != "" {
			return pl.Slug
		}
	}
	r.t.Fatalf("no %s plan of size %s with a slug for /v2", p, size)
	return ""
}

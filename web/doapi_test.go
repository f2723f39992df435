package web_test

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/digitalocean/godo"

	"github.com/webrana/webrana"
	"github.com/webrana/webrana/auth"
	"github.com/webrana/webrana/store"
	"github.com/webrana/webrana/store/storetest"
	"github.com/webrana/webrana/web"
	"github.com/webrana/webrana/web/doapi/dotest"
	"github.com/webrana/webrana/web/webtest"
)

// doCustomer is a customer driving Webrana's /v2/ with godo, every exchange
// checked against DigitalOcean's official spec.
type doCustomer struct {
	user  *webrana.User
	token string
	do    *godo.Client
	http  *http.Client // raw requests, through the same validating transport
	spec  *dotest.Transport
	base  string
}

// doCustomer makes a customer with an API token (minted through the API,
// as customers do) and a godo client on it, retries off.
func (h *harness) doCustomer(t *testing.T, email string) *doCustomer {
	t.Helper()
	u := h.user(email, webrana.RoleCustomer)
	c := h.login(email)
	res := c.Do("POST", "/api/tokens", map[string]any{"name": "terraform"})
	mustStatus(t, res, 201, "mint API token")
	var tok struct{ Token string }
	res.JSON(t, &tok)
	return h.doClient(t, u, tok.Token)
}

func (h *harness) doClient(t *testing.T, u *webrana.User, token string) *doCustomer {
	t.Helper()
	tr := dotest.NewTransport(t)
	hc := &http.Client{Transport: tr}
	client, err := godo.New(hc, godo.SetBaseURL(h.url+"/"),
		godo.SetRequestHeaders(map[string]string{"Authorization": "Bearer " + token}))
	if err != nil {
		t.Fatal(err)
	}
	return &doCustomer{user: u, token: token, do: client, http: hc, spec: tr, base: h.url}
}

// raw sends a request as the customer and decodes DigitalOcean's error
// body when there is one.
func (c *doCustomer) raw(t *testing.T, method, path string, body any) (int, doError, http.Header) {
	t.Helper()
	var r io.Reader
	if body != nil {
		b, _ := json.Marshal(body)
		r = strings.NewReader(string(b))
	}
	req, _ := http.NewRequest(method, c.base+path, r)
	req.Header.Set("Authorization", "Bearer "+c.token)
	req.Header.Set("Content-Type", "application/json")
	res, err := c.http.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer res.Body.Close()
	var e doError
	_ = json.NewDecoder(res.Body).Decode(&e)
	return res.StatusCode, e, res.Header
}

type doError struct{ ID, Message string }

// statusOf is the HTTP status of a godo error.
func statusOf(err error) int {
	var er *godo.ErrorResponse
	if errors.As(err, &er) {
		return er.Response.StatusCode
	}
	return 0
}

// TestDigitalOceanAPIDrivesServers: a customer's godo drives a server's
// life through /v2/ on both engines — account, sizes (the active plans by
// slug), regions, images, SSH keys, several droplets created with tags,
// listed by tag and by page, actions, deleted by tag and by id — and
// every exchange matches DigitalOcean's spec.
func TestDigitalOceanAPIDrivesServers(t *testing.T) {
	engines(t, func(t *testing.T, h *harness) {
		ctx := context.Background()
		plan := h.sizedPlan(t, webrana.DigitalOcean)
		bigger := h.sizedPlan(t, webrana.DigitalOcean)
		linode := h.sizedPlan(t, webrana.Linode)
		alice := h.doCustomer(t, "alice@example.com")
		h.credit(t, h.login("alice@example.com"), 100000)

		acct, res, err := alice.do.Account.Get(ctx)
		if err != nil || acct.Email != "alice@example.com" || acct.DropletLimit != 25 || acct.UUID != alice.user.ID || acct.Status != "active" {
			t.Fatalf("account: %+v %v", acct, err)
		}
		if res.Rate.Limit != 5000 || res.Rate.Remaining != 4999 || res.Rate.Reset.IsZero() {
			t.Errorf("rate limit headers: %+v", res.Rate)
		}

		sizes := got(alice.do.Sizes.List(ctx, &godo.ListOptions{PerPage: 200}))(t)
		bySlug := map[string]godo.Size{}
		for _, s := range sizes {
			bySlug[s.Slug] = s
		}
		for _, p := range []*webrana.Plan{plan, bigger, linode} {
			s, ok := bySlug[p.Slug]
			if !ok || p.Slug == "" || s.PriceMonthly != 6 || s.PriceHourly != 0.01 || s.Description != p.Name || !s.Available {
				t.Errorf("size of plan %q (%s): %+v in %v", p.Name, p.Slug, s, sizes)
			}
		}
		regions := got(alice.do.Regions.List(ctx, nil))(t)
		if i := slices.IndexFunc(regions, func(r godo.Region) bool { return r.Slug == "sgp1" }); i < 0 ||
			!slices.Contains(regions[i].Sizes, plan.Slug) || regions[i].Name == "sgp1" {
			t.Errorf("regions: %+v", regions)
		}
		if dists := got(alice.do.Images.ListDistribution(ctx, &godo.ListOptions{PerPage: 200}))(t); !slices.ContainsFunc(dists,
			func(i godo.Image) bool { return i.Slug == "ubuntu-24-04-x64" && i.ID > 0 }) {
			t.Errorf("distributions: %+v", dists)
		}
		if apps := got(alice.do.Images.ListApplication(ctx, nil))(t); len(apps) == 0 {
			t.Error("no 1-click apps")
		}

		key := got(alice.do.Keys.Create(ctx, &godo.KeyCreateRequest{Name: "laptop", PublicKey: testKey(t, 1)}))(t)
		if key.ID <= 0 || !strings.Contains(key.Fingerprint, ":") {
			t.Fatalf("key: %+v", key)
		}
		if k := got(alice.do.Keys.GetByFingerprint(ctx, key.Fingerprint))(t); k.ID != key.ID {
			t.Errorf("key by fingerprint: %+v", k)
		}

		create := godo.DropletMultiCreateRequest{Names: []string{"web-1", "web-2", "web-3"}, Region: "sgp1", Size: plan.Slug,
			Image: godo.DropletCreateImage{Slug: "ubuntu-24-04-x64"}, SSHKeys: []godo.DropletCreateSSHKey{{ID: key.ID}},
			Tags: []string{"web", "prod"}, IPv6: true, Monitoring: true}
		web := got(alice.do.Droplets.CreateMultiple(ctx, &create))(t)
		if len(web) != 3 {
			t.Fatalf("created %d droplets", len(web))
		}
		ids := map[int]bool{}
		for _, d := range web {
			ids[d.ID] = true
			if d.ID <= 0 || d.Status != "new" || d.SizeSlug != plan.Slug || d.Region.Slug != "sgp1" || !slices.Equal(d.Tags, []string{"prod", "web"}) ||
				d.Image.Slug != "ubuntu-24-04-x64" || !slices.Contains(d.Features, "ipv6") {
				t.Errorf("created droplet: %+v", d)
			}
		}
		db := got(alice.do.Droplets.Create(ctx, &godo.DropletCreateRequest{Name: "db-1", Region: "sgp1", Size: bigger.Slug,
			Image: godo.DropletCreateImage{Slug: "ubuntu-24-04-x64"}, SSHKeys: []godo.DropletCreateSSHKey{{Fingerprint: key.Fingerprint}},
			Tags: []string{"db"}}))(t)
		ids[db.ID] = true
		if len(ids) != 4 || db.Status != "new" {
			t.Fatalf("droplet ids %v, db %+v", ids, db)
		}

		if tagged := got(alice.do.Droplets.ListByTag(ctx, "web", nil))(t); len(tagged) != 3 {
			t.Errorf("tag web: %d droplets", len(tagged))
		}
		first, res, err := alice.do.Droplets.List(ctx, &godo.ListOptions{Page: 1, PerPage: 3})
		if err != nil || len(first) != 3 || res.Meta.Total != 4 || res.Links == nil || res.Links.Pages == nil || res.Links.Pages.Next == "" {
			t.Fatalf("first page: %d droplets, %+v %+v %v", len(first), res.Meta, res.Links, err)
		}
		second, res, err := alice.do.Droplets.List(ctx, &godo.ListOptions{Page: 2, PerPage: 3})
		if err != nil || len(second) != 1 || res.Links.Pages.Prev == "" || res.Links.Pages.Next != "" {
			t.Fatalf("second page: %d droplets, %+v %v", len(second), res.Links, err)
		}
		if got := got(alice.do.Droplets.Get(ctx, db.ID))(t); got.Name != "db-1" || got.Memory != 0 && got.Memory != db.Memory {
			t.Errorf("get: %+v", got)
		}

		// A server that is not running yet takes no action; once it runs it does.
		if _, _, err := alice.do.DropletActions.PowerOff(ctx, db.ID); statusOf(err) != 422 {
			t.Errorf("power off a new droplet: %v, want 422", err)
		}
		h.activate(t, db.ID, alice)
		if got := got(alice.do.Droplets.Get(ctx, db.ID))(t); got.Status != "active" {
			t.Errorf("active droplet's status %q", got.Status)
		}
		act := got(alice.do.DropletActions.PowerOff(ctx, db.ID))(t)
		if act.ID <= 0 || act.Type != "power_off" || act.Status != "in-progress" || act.ResourceID != db.ID || act.ResourceType != "droplet" {
			t.Errorf("power off: %+v", act)
		}
		if got := got(alice.do.Actions.Get(ctx, act.ID))(t); got.ID != act.ID || got.Type != "power_off" {
			t.Errorf("action: %+v", got)
		}
		if acts := got(alice.do.Droplets.Actions(ctx, db.ID, nil))(t); len(acts) != 1 || acts[0].ID != act.ID {
			t.Errorf("droplet actions: %+v", acts)
		}
		h.finishAction(t, act.ID, webrana.StatusOff) // as the action's job would
		if got := got(alice.do.Actions.Get(ctx, act.ID))(t); got.Status != "completed" || got.CompletedAt == nil {
			t.Errorf("finished action: %+v", got)
		}
		if got := got(alice.do.Droplets.Get(ctx, db.ID))(t); got.Status != "off" {
			t.Errorf("powered-off droplet's status %q", got.Status)
		}

		for _, d := range web { // servers still being set up cannot be deleted
			h.activate(t, d.ID, alice)
		}
		if _, err := alice.do.Droplets.DeleteByTag(ctx, "web"); err != nil {
			t.Fatal(err)
		}
		if tagged := got(alice.do.Droplets.ListByTag(ctx, "web", nil))(t); len(tagged) != 0 {
			t.Errorf("tag web after deleting it: %d droplets", len(tagged))
		}
		if left := got(alice.do.Droplets.List(ctx, nil))(t); len(left) != 1 || left[0].ID != db.ID {
			t.Errorf("left: %+v", left)
		}
		if _, err := alice.do.Droplets.Delete(ctx, db.ID); err != nil {
			t.Fatal(err)
		}
		if _, _, err := alice.do.Droplets.Get(ctx, db.ID); statusOf(err) != 404 {
			t.Errorf("get a deleted droplet: %v, want 404", err)
		}
		if _, err := alice.do.Keys.DeleteByID(ctx, key.ID); err != nil {
			t.Fatal(err)
		}

		checked := alice.spec.Checked()
		for _, want := range []string{"GET /v2/account 200", "GET /v2/sizes 200", "GET /v2/regions 200", "GET /v2/images 200",
			"POST /v2/account/keys 201", "GET /v2/account/keys/{ssh_key_identifier} 200", "DELETE /v2/account/keys/{ssh_key_identifier} 204",
			"POST /v2/droplets 202", "GET /v2/droplets 200", "GET /v2/droplets/{droplet_id} 200", "GET /v2/droplets/{droplet_id} 404",
			"DELETE /v2/droplets 204", "DELETE /v2/droplets/{droplet_id} 204", "POST /v2/droplets/{droplet_id}/actions 201",
			"POST /v2/droplets/{droplet_id}/actions 422", "GET /v2/droplets/{droplet_id}/actions 200", "GET /v2/actions/{action_id} 200"} {
			if checked[want] == 0 {
				t.Errorf("no exchange %s was checked against the spec (checked: %v)", want, checked)
			}
		}
	})
}

// sizedPlan is h.plan with its size's resources, as the plans service
// fills them in.
func (h *harness) sizedPlan(t *testing.T, p webrana.ProviderType) *webrana.Plan {
	t.Helper()
	plan := h.plan(t, p)
	plan.VCPUs, plan.MemoryMB, plan.DiskGB, plan.TransferGB = 1, 1024, 25, 1000
	updated, err := h.db.UpdatePlan(context.Background(), plan)
	if err != nil {
		t.Fatal(err)
	}
	return updated
}

// finishAction completes an action, leaving its server in status, as the
// action's job does.
func (h *harness) finishAction(t *testing.T, action int, status webrana.InstanceStatus) {
	t.Helper()
	ctx := context.Background()
	ref, err := h.db.RefOfNumber(ctx, int64(action))
	if err != nil {
		t.Fatal(err)
	}
	a, err := h.db.ActionByID(ctx, ref)
	if err != nil {
		t.Fatal(err)
	}
	if err := h.db.FinishAction(ctx, a, webrana.ActionCompleted, "", store.InstanceUpdate{Status: &status}); err != nil {
		t.Fatal(err)
	}
}

// activate marks a droplet's server running, as the order worker would.
func (h *harness) activate(t *testing.T, droplet int, c *doCustomer) {
	t.Helper()
	h.setDropletStatus(t, droplet, c, webrana.StatusActive)
}

// setDropletStatus moves a droplet's server to status, as the order
// worker would.
func (h *harness) setDropletStatus(t *testing.T, droplet int, c *doCustomer, status webrana.InstanceStatus) {
	t.Helper()
	rows, _, err := h.db.ListInstanceRows(context.Background(), webrana.InstanceFilter{OwnerID: c.user.ID, Page: webrana.Page{Page: 1, PerPage: 200}})
	if err != nil {
		t.Fatal(err)
	}
	for _, row := range rows {
		n, err := h.db.PublicNumbers(context.Background(), []string{row.ID})
		if err != nil {
			t.Fatal(err)
		}
		if n[row.ID] == int64(droplet) {
			if err := h.db.SetServerStatus(context.Background(), row.ID, row.Status, status); err != nil {
				t.Fatal(err)
			}
			return
		}
	}
	t.Fatalf("no server is droplet %d", droplet)
}

// got unwraps godo's answer, failing the test on an error:
// got(client.Call(...))(t).
func got[T any](v T, _ *godo.Response, err error) func(*testing.T) T {
	return func(t *testing.T) T {
		t.Helper()
		if err != nil {
			t.Fatalf("godo: %v", err)
		}
		return v
	}
}

// publicNumber is the /v2/ id of a server, action or SSH key.
func (h *harness) publicNumber(t *testing.T, id string) string {
	t.Helper()
	n, err := h.db.PublicNumbers(context.Background(), []string{id})
	if err != nil || n[id] == 0 {
		t.Fatalf("public number of %s: %v %v", id, n, err)
	}
	return fmt.Sprint(n[id])
}

// The access test's fixtures for /v2/ routes: the owner's resources by
// number, made through Webrana's own API.
var (
	dropletFixture = owned{
		create: func(t *testing.T, h *harness, owner *webtest.Client) string {
			return h.publicNumber(t, h.order(t, owner).ID)
		},
		intact: func(t *testing.T, owner *webtest.Client, id string) bool {
			var d struct{ Droplet struct{ Status string } }
			res := owner.Unchecked().Do("GET", "/v2/droplets/"+id, nil)
			res.JSON(t, &d)
			var acts struct{ Meta struct{ Total int } }
			owner.Unchecked().Do("GET", "/v2/droplets/"+id+"/actions", nil).JSON(t, &acts)
			return res.Status == 200 && d.Droplet.Status == "new" && acts.Meta.Total == 0
		},
	}
	dropletActionFixture = owned{
		create: func(t *testing.T, h *harness, owner *webtest.Client) string {
			in := h.order(t, owner)
			if err := h.db.SetServerStatus(context.Background(), in.ID, webrana.StatusProvisioning, webrana.StatusActive); err != nil {
				t.Fatal(err)
			}
			res := owner.Do("POST", "/api/vps/"+in.ID+"/actions", map[string]string{"type": "reboot"})
			mustStatus(t, res, 202, "reboot")
			var a struct{ ID string }
			res.JSON(t, &a)
			return h.publicNumber(t, a.ID)
		},
		intact: func(t *testing.T, owner *webtest.Client, id string) bool {
			return owner.Unchecked().Do("GET", "/v2/actions/"+id, nil).Status == 200
		},
	}
	doKeyFixture = owned{
		create: func(t *testing.T, h *harness, owner *webtest.Client) string {
			return h.publicNumber(t, sshKeyFixture.create(t, h, owner))
		},
		intact: func(t *testing.T, owner *webtest.Client, id string) bool {
			return owner.Unchecked().Do("GET", "/v2/account/keys/"+id, nil).Status == 200
		},
	}
)

// TestDigitalOceanAPIRefuses: DigitalOcean's error bodies and statuses —
// a bad token is 401 "Unauthorized", a size that is no plan and a
// balance too low for the first day are 422, an unknown id is 404 — and
// another customer's droplets, actions, keys and tags are not found (and
// stay as they were).
func TestDigitalOceanAPIRefuses(t *testing.T) {
	engines(t, func(t *testing.T, h *harness) {
		ctx := context.Background()
		plan := h.sizedPlan(t, webrana.DigitalOcean)
		alice := h.doCustomer(t, "alice@example.com")
		bob := h.doCustomer(t, "bob@example.com")
		h.credit(t, h.login("bob@example.com"), 100000)
		stranger := h.doClient(t, alice.user, "wr_not-a-token")

		status, body, hdr := stranger.raw(t, "GET", "/v2/account", nil)
		if status != 401 || body.ID != "Unauthorized" || body.Message == "" || hdr.Get("Content-Type") != "application/json; charset=utf-8" {
			t.Errorf("bad token: %d %+v", status, body)
		}
		if _, _, err := stranger.do.Droplets.List(ctx, nil); statusOf(err) != 401 {
			t.Errorf("godo with a bad token: %v", err)
		}

		aliceKey := got(alice.do.Keys.Create(ctx, &godo.KeyCreateRequest{Name: "a", PublicKey: testKey(t, 2)}))(t)
		bobKey := got(bob.do.Keys.Create(ctx, &godo.KeyCreateRequest{Name: "b", PublicKey: testKey(t, 3)}))(t)
		order := map[string]any{"name": "web-1", "size": plan.Slug, "region": "sgp1", "image": "ubuntu-24-04-x64",
			"ssh_keys": []int{aliceKey.ID}}
		with := func(k string, v any) map[string]any {
			o := map[string]any{}
			for key, val := range order {
				o[key] = val
			}
			o[k] = v
			return o
		}
		tests := []struct {
			name string
			body map[string]any
			want string // in the message
		}{
			{"no such size", with("size", "huge-9000"), "invalid size"},
			{"a balance too low", order, "balance"},
			{"someone else's key", with("ssh_keys", []int{bobKey.ID}), "not one of yours"},
			{"no key", with("ssh_keys", []int{}), "SSH key"},
			{"user data", with("user_data", "#cloud-config"), "user_data"},
			{"a bad tag", with("tags", []string{"no spaces allowed"}), "Tag"},
			{"no such image", with("image", "windows-95"), "image"},
		}
		for _, tc := range tests {
			status, body, _ := alice.raw(t, "POST", "/v2/droplets", tc.body)
			if status != 422 || body.ID != "unprocessable_entity" || !strings.Contains(body.Message, tc.want) {
				t.Errorf("%s: %d %+v, want 422 unprocessable_entity saying %q", tc.name, status, body, tc.want)
			}
		}
		if ds := got(alice.do.Droplets.List(ctx, nil))(t); len(ds) != 0 {
			t.Errorf("refused orders left droplets: %+v", ds)
		}

		// Money for one first day (0.24) but not two: a request for two
		// places neither; one for one is placed.
		h.credit(t, h.login("alice@example.com"), 30)
		two := with("names", []string{"web-1", "web-2"})
		delete(two, "name")
		if status, body, _ := alice.raw(t, "POST", "/v2/droplets", two); status != 422 || !strings.Contains(body.Message, "balance") {
			t.Errorf("two droplets on money for one: %d %+v", status, body)
		}
		if ds := got(alice.do.Droplets.List(ctx, nil))(t); len(ds) != 0 {
			t.Errorf("a refused request for two left droplets: %+v", ds)
		}
		if status, body, _ := alice.raw(t, "POST", "/v2/droplets", order); status != 202 {
			t.Errorf("one droplet on money for one: %d %+v", status, body)
		}

		alice.spec.Exceptions = append(alice.spec.Exceptions,
			dotest.Exception{Method: "GET", Path: "/v2/droplets/{droplet_id}", Request: true, Match: "value abc: an invalid integer",
				Reason: "deliberately asks for a droplet id that is no number"},
			dotest.Exception{Method: "GET", Path: "/v2/nothing-here", Request: true, Match: "not in the spec",
				Reason: "deliberately asks for a path DigitalOcean does not have"})
		for _, path := range []string{"/v2/droplets/999999", "/v2/droplets/abc", "/v2/actions/999999", "/v2/account/keys/999999", "/v2/nothing-here"} {
			if status, body, _ := alice.raw(t, "GET", path, nil); status != 404 || body.ID != "not_found" {
				t.Errorf("GET %s: %d %+v, want 404 not_found", path, status, body)
			}
		}

		// Bob's things are not Alice's.
		bobs := got(bob.do.Droplets.Create(ctx, &godo.DropletCreateRequest{Name: "bob-1", Region: "sgp1", Size: plan.Slug,
			Image: godo.DropletCreateImage{Slug: "ubuntu-24-04-x64"}, SSHKeys: []godo.DropletCreateSSHKey{{ID: bobKey.ID}}, Tags: []string{"web"}}))(t)
		h.activate(t, bobs.ID, bob)
		act := got(bob.do.DropletActions.Reboot(ctx, bobs.ID))(t)
		id := fmt.Sprint(bobs.ID)
		for _, probe := range []struct{ method, path string }{
			{"GET", "/v2/droplets/" + id}, {"DELETE", "/v2/droplets/" + id}, {"GET", "/v2/droplets/" + id + "/actions"},
			{"POST", "/v2/droplets/" + id + "/actions"}, {"GET", fmt.Sprint("/v2/actions/", act.ID)},
			{"GET", fmt.Sprint("/v2/account/keys/", bobKey.ID)}, {"GET", "/v2/account/keys/" + bobKey.Fingerprint},
			{"DELETE", fmt.Sprint("/v2/account/keys/", bobKey.ID)},
		} {
			status, body, _ := alice.raw(t, probe.method, probe.path, map[string]string{"type": "power_off"})
			if status != 404 || body.ID != "not_found" {
				t.Errorf("alice %s %s: %d %+v, want 404", probe.method, probe.path, status, body)
			}
		}
		if ds := got(alice.do.Droplets.ListByTag(ctx, "web", nil))(t); len(ds) != 0 {
			t.Errorf("alice sees bob's tag: %+v", ds)
		}
		if _, err := alice.do.Droplets.DeleteByTag(ctx, "web"); err != nil {
			t.Fatal(err)
		}
		if d := got(bob.do.Droplets.Get(ctx, bobs.ID))(t); d.Status != "active" || !slices.Equal(d.Tags, []string{"web"}) {
			t.Errorf("bob's droplet after alice's attempts: %+v", d)
		}
		if acts := got(bob.do.Droplets.Actions(ctx, bobs.ID, nil))(t); len(acts) != 1 {
			t.Errorf("bob's actions after alice's attempts: %+v", acts)
		}
		if _, _, err := bob.do.Keys.GetByID(ctx, bobKey.ID); err != nil {
			t.Errorf("bob's key after alice's attempts: %v", err)
		}
	})
}

// TestDigitalOceanAPIRateLimit: each customer has their own hourly window;
// every answer says what is left of it, and past it the answer is 429
// too_many_requests with Retry-After, as DigitalOcean's.
func TestDigitalOceanAPIRateLimit(t *testing.T) {
	t.Parallel()
	h := newHarness(t, storetest.OpenSQLite(t), auth.ThrottlePolicy{}, func(c *web.Config) { c.DigitalOceanRateLimit = 3 })
	alice, bob := h.doCustomer(t, "alice@example.com"), h.doCustomer(t, "bob@example.com")
	for i := 2; i >= 0; i-- {
		status, _, hdr := alice.raw(t, "GET", "/v2/account", nil)
		if status != 200 || hdr.Get("Ratelimit-Limit") != "3" || hdr.Get("Ratelimit-Remaining") != fmt.Sprint(i) || hdr.Get("Ratelimit-Reset") == "" {
			t.Fatalf("request with %d left: %d %v", i, status, hdr)
		}
	}
	status, body, hdr := alice.raw(t, "GET", "/v2/account", nil)
	if status != 429 || body.ID != "too_many_requests" || hdr.Get("Retry-After") == "" || hdr.Get("Ratelimit-Remaining") != "0" {
		t.Errorf("past the limit: %d %+v %v", status, body, hdr)
	}
	if _, _, err := alice.do.Droplets.List(context.Background(), nil); statusOf(err) != 429 {
		t.Errorf("godo past the limit: %v", err)
	}
	if status, _, _ := bob.raw(t, "GET", "/v2/account", nil); status != 200 {
		t.Errorf("another customer: %d", status)
	}
}

// TestDigitalOceanAPISnapshots: godo's DropletActions.Snapshot takes a
// snapshot through lifecycle's Act (an action of type snapshot, numbered
// like any), and Droplets.Snapshots lists the droplet's snapshots in
// DigitalOcean's droplet snapshot shape, page by page, checked against the
// spec; a nameless snapshot is 422, another customer's droplet 404.
func TestDigitalOceanAPISnapshots(t *testing.T) {
	engines(t, func(t *testing.T, h *harness) {
		ctx := context.Background()
		plan := h.sizedPlan(t, webrana.DigitalOcean)
		alice := h.doCustomer(t, "alice@example.com")
		bob := h.doCustomer(t, "bob@example.com")
		h.credit(t, h.login("alice@example.com"), 100000)
		key := got(alice.do.Keys.Create(ctx, &godo.KeyCreateRequest{Name: "laptop", PublicKey: testKey(t, 1)}))(t)
		d := got(alice.do.Droplets.Create(ctx, &godo.DropletCreateRequest{Name: "web-1", Region: "sgp1", Size: plan.Slug,
			Image: godo.DropletCreateImage{Slug: "ubuntu-24-04-x64"}, SSHKeys: []godo.DropletCreateSSHKey{{ID: key.ID}}}))(t)
		h.activate(t, d.ID, alice)

		if snaps, res, err := alice.do.Droplets.Snapshots(ctx, d.ID, nil); err != nil || len(snaps) != 0 || res.Meta.Total != 0 {
			t.Fatalf("no snapshots yet: %+v %v", snaps, err)
		}
		if _, _, err := alice.do.DropletActions.Snapshot(ctx, d.ID, " "); statusOf(err) != 422 {
			t.Errorf("nameless snapshot: %v, want 422", err)
		}
		names := []string{"before-upgrade", "after-upgrade"}
		var snapIDs []string
		for i, name := range names {
			act := got(alice.do.DropletActions.Snapshot(ctx, d.ID, name))(t)
			if act.ID <= 0 || act.Type != "snapshot" || act.Status != "in-progress" || act.ResourceID != d.ID {
				t.Fatalf("snapshot action: %+v", act)
			}
			// Taken, as the action's job does: the provider's size, then done.
			ref, err := h.db.RefOfNumber(ctx, int64(act.ID))
			if err != nil {
				t.Fatal(err)
			}
			snap, err := h.db.SnapshotByAction(ctx, ref)
			if err != nil || snap.Name != name {
				t.Fatalf("snapshot of action %d: %+v %v", act.ID, snap, err)
			}
			if err := h.db.InTx(ctx, func(tx *store.Tx) error {
				return tx.SnapshotTaken(ctx, snap.ID, fmt.Sprint(9000+i), 3+i, "sgp1", h.clock.Now())
			}); err != nil {
				t.Fatal(err)
			}
			h.finishAction(t, act.ID, webrana.StatusActive)
			if got := got(alice.do.Actions.Get(ctx, act.ID))(t); got.Status != "completed" || got.Type != "snapshot" {
				t.Errorf("finished snapshot action: %+v", got)
			}
			snapIDs = append(snapIDs, snap.ID)
			h.clock.Advance(time.Minute)
		}

		all, res, err := alice.do.Droplets.Snapshots(ctx, d.ID, &godo.ListOptions{PerPage: 200})
		if err != nil || len(all) != 2 || res.Meta.Total != 2 {
			t.Fatalf("snapshots: %+v %v", all, err)
		}
		for i, s := range all { // newest first
			want := len(names) - 1 - i
			if s.ID <= 0 || fmt.Sprint(s.ID) != h.publicNumber(t, snapIDs[want]) || s.Name != names[want] || s.Type != "snapshot" ||
				s.Public || s.Slug != "" || !slices.Equal(s.Regions, []string{"sgp1"}) || s.MinDiskSize != plan.DiskGB ||
				s.SizeGigaBytes != float64(3+want) || s.Distribution == "" || s.Created == "" {
				t.Errorf("snapshot %d: %+v", i, s)
			}
		}
		if all[0].ID == all[1].ID || all[0].ID == d.ID {
			t.Errorf("snapshot numbers %d, %d (droplet %d)", all[0].ID, all[1].ID, d.ID)
		}
		first, res, err := alice.do.Droplets.Snapshots(ctx, d.ID, &godo.ListOptions{Page: 1, PerPage: 1})
		if err != nil || len(first) != 1 || first[0].ID != all[0].ID || res.Meta.Total != 2 || res.Links.Pages.Next == "" {
			t.Errorf("first page: %+v %+v %v", first, res.Links, err)
		}
		second, res, err := alice.do.Droplets.Snapshots(ctx, d.ID, &godo.ListOptions{Page: 2, PerPage: 1})
		if err != nil || len(second) != 1 || second[0].ID != all[1].ID || res.Links.Pages.Prev == "" || res.Links.Pages.Next != "" {
			t.Errorf("second page: %+v %+v %v", second, res.Links, err)
		}
		if acts := got(alice.do.Droplets.Actions(ctx, d.ID, nil))(t); len(acts) != 2 {
			t.Errorf("droplet actions: %+v", acts)
		}

		// Bob sees neither the droplet's snapshots nor can take one.
		if _, _, err := bob.do.Droplets.Snapshots(ctx, d.ID, nil); statusOf(err) != 404 {
			t.Errorf("bob lists alice's snapshots: %v, want 404", err)
		}
		if _, _, err := bob.do.DropletActions.Snapshot(ctx, d.ID, "mine"); statusOf(err) != 404 {
			t.Errorf("bob snapshots alice's droplet: %v, want 404", err)
		}
		if n, _, _ := alice.do.Droplets.Snapshots(ctx, d.ID, nil); len(n) != 2 {
			t.Errorf("after bob: %d snapshots", len(n))
		}

		checked := alice.spec.Checked()
		for _, want := range []string{"GET /v2/droplets/{droplet_id}/snapshots 200", "POST /v2/droplets/{droplet_id}/actions 201",
			"POST /v2/droplets/{droplet_id}/actions 422"} {
			if checked[want] == 0 {
				t.Errorf("no exchange %s was checked against the spec (checked: %v)", want, checked)
			}
		}
		if bob.spec.Checked()["GET /v2/droplets/{droplet_id}/snapshots 404"] == 0 {
			t.Errorf("bob's 404 was not checked against the spec: %v", bob.spec.Checked())
		}
	})
}

// TestDigitalOceanAPICreateActions: a create answers links.actions with
// one "create" action per droplet, which GET /v2/actions/{id} serves (so
// doctl's --wait works): in-progress while the order is set up, completed
// once the server is active, errored when the order failed; another
// customer's is 404. Checked against the spec.
func TestDigitalOceanAPICreateActions(t *testing.T) {
	engines(t, func(t *testing.T, h *harness) {
		ctx := context.Background()
		plan := h.sizedPlan(t, webrana.DigitalOcean)
		alice := h.doCustomer(t, "alice@example.com")
		bob := h.doCustomer(t, "bob@example.com")
		h.credit(t, h.login("alice@example.com"), 100000)
		key := got(alice.do.Keys.Create(ctx, &godo.KeyCreateRequest{Name: "laptop", PublicKey: testKey(t, 1)}))(t)
		create := godo.DropletMultiCreateRequest{Names: []string{"web-1", "web-2"}, Region: "sgp1", Size: plan.Slug,
			Image: godo.DropletCreateImage{Slug: "ubuntu-24-04-x64"}, SSHKeys: []godo.DropletCreateSSHKey{{ID: key.ID}}}
		ds, res, err := alice.do.Droplets.CreateMultiple(ctx, &create)
		if err != nil || len(ds) != 2 || res.Links == nil || len(res.Links.Actions) != 2 {
			t.Fatalf("create: %+v %+v %v", ds, res.Links, err)
		}
		one, res1, err := alice.do.Droplets.Create(ctx, &godo.DropletCreateRequest{Name: "db-1", Region: "sgp1", Size: plan.Slug,
			Image: godo.DropletCreateImage{Slug: "ubuntu-24-04-x64"}, SSHKeys: []godo.DropletCreateSSHKey{{ID: key.ID}}})
		if err != nil || res1.Links == nil || len(res1.Links.Actions) != 1 {
			t.Fatalf("create one: %+v %v", res1, err)
		}
		ds = append(ds, *one)
		links := append(res.Links.Actions, res1.Links.Actions...)
		seen := map[int]bool{}
		for i, l := range links {
			if l.ID <= 0 || l.Rel != "create" || !strings.HasSuffix(l.HREF, fmt.Sprintf("/v2/actions/%d", l.ID)) ||
				!strings.HasPrefix(l.HREF, "http") || seen[l.ID] || l.ID == ds[i].ID {
				t.Errorf("link %d: %+v", i, l)
			}
			seen[l.ID] = true
			a := got(alice.do.Actions.Get(ctx, l.ID))(t)
			if a.ID != l.ID || a.Type != "create" || a.Status != "in-progress" || a.ResourceID != ds[i].ID ||
				a.ResourceType != "droplet" || a.CompletedAt != nil || a.RegionSlug != "sgp1" {
				t.Errorf("create action %d: %+v", i, a)
			}
		}

		h.activate(t, ds[0].ID, alice)
		h.setDropletStatus(t, ds[1].ID, alice, webrana.StatusFailed)
		for i, want := range []string{"completed", "errored", "in-progress"} {
			a := got(alice.do.Actions.Get(ctx, links[i].ID))(t)
			if a.Status != want || (want != "in-progress") != (a.CompletedAt != nil) {
				t.Errorf("create action of droplet %d: %+v, want %s", i, a, want)
			}
		}
		// As a droplet's action list it is not shown; its numbers stay.
		if acts := got(alice.do.Droplets.Actions(ctx, ds[0].ID, nil))(t); len(acts) != 0 {
			t.Errorf("droplet actions: %+v", acts)
		}
		if _, _, err := bob.do.Actions.Get(ctx, links[0].ID); statusOf(err) != 404 {
			t.Errorf("bob reads alice's create action: %v, want 404", err)
		}
		if alice.spec.Checked()["GET /v2/actions/{action_id} 200"] == 0 || alice.spec.Checked()["POST /v2/droplets 202"] == 0 ||
			bob.spec.Checked()["GET /v2/actions/{action_id} 404"] == 0 {
			t.Errorf("not checked against the spec: %v %v", alice.spec.Checked(), bob.spec.Checked())
		}
	})
}

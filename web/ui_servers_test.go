package web_test

import (
	"cmp"
	"context"
	"encoding/json"
	"net/http"
	"net/http/httptest"
	"net/url"
	"regexp"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/webrana/webrana"
	"github.com/webrana/webrana/provision"
	"github.com/webrana/webrana/store"
	"github.com/webrana/webrana/web/webtest"
)

// server creates an instance of owner directly in the store (no order),
// as an adopted or long-running server is.
func (h *harness) server(t *testing.T, owner *webrana.User, plan *webrana.Plan, label string, status webrana.InstanceStatus) *webrana.Instance {
	t.Helper()
	region := plan.Regions[0]
	image := "ubuntu-24-04-x64"
	if plan.ProviderType == webrana.Linode {
		image = "linode/ubuntu24.04"
	}
	in := &webrana.Instance{OwnerID: owner.ID, ProviderType: plan.ProviderType, PlanID: plan.ID, Label: label,
		Region: region, Image: image, Status: status, IPv4: "203.0.113.7"}
	if err := h.db.InTx(context.Background(), func(tx *store.Tx) error { return tx.CreateInstance(context.Background(), in) }); err != nil {
		t.Fatal(err)
	}
	return in
}

// setStatus changes a server's status in the store.
func (h *harness) setStatus(t *testing.T, id string, status webrana.InstanceStatus) {
	t.Helper()
	if _, err := h.db.UpdateInstance(context.Background(), id, store.InstanceUpdate{Status: &status}); err != nil {
		t.Fatal(err)
	}
}

// has reports whether the page has an element with the id.
func has(body []byte, id string) bool { return strings.Contains(string(body), `id="`+id+`"`) }

// rowLabels are the labels of the server table's rows, in order.
func rowLabels(body []byte) []string {
	var out []string
	for _, m := range regexp.MustCompile(`<td><a href="/servers/[^"]+">([^<]*)</a></td>`).FindAllSubmatch(body, -1) {
		out = append(out, string(m[1]))
	}
	return out
}

func sameLabels(got []string, want ...string) bool {
	if len(got) != len(want) {
		return false
	}
	seen := map[string]bool{}
	for _, g := range got {
		seen[g] = true
	}
	for _, w := range want {
		if !seen[w] {
			return false
		}
	}
	return true
}

// statusIn returns the data-status of the page's #server-status badge.
func statusIn(t *testing.T, body []byte) string {
	t.Helper()
	m := regexp.MustCompile(`id="server-status"[^>]*>\s*<span class="[^"]*" data-status="([^"]*)"`).FindSubmatch(body)
	if m == nil {
		t.Fatalf("no #server-status badge in:\n%s", body)
	}
	return string(m[1])
}

// uiServers is a harness with two customers: alice with a DigitalOcean and
// a Linode server, bob with one of his own.
type uiServers struct {
	h            *harness
	alice, bob   *webtest.Client
	aliceU, bobU *webrana.User
	do, lin      *webrana.Plan
	web, db      *webrana.Instance
	bobs         *webrana.Instance
}

func newUIServers(t *testing.T, h *harness) *uiServers {
	u := &uiServers{h: h}
	u.aliceU = h.user("alice@example.com", webrana.RoleCustomer)
	u.bobU = h.user("bob@example.com", webrana.RoleCustomer)
	u.alice, u.bob = signIn(t, h, "alice@example.com"), signIn(t, h, "bob@example.com")
	u.do, u.lin = h.plan(t, webrana.DigitalOcean), h.plan(t, webrana.Linode)
	u.web = h.server(t, u.aliceU, u.do, "Alpha-Web", webrana.StatusActive)
	h.clock.Advance(time.Second)
	u.db = h.server(t, u.aliceU, u.lin, "beta_db", webrana.StatusOff)
	u.bobs = h.server(t, u.bobU, u.do, "bob-secret", webrana.StatusActive)
	return u
}

// TestUIServersListShowsOnlyMine: the list shows the caller's servers with
// provider, status, addresses and plan, and none of another customer's.
func TestUIServersListShowsOnlyMine(t *testing.T) {
	engines(t, func(t *testing.T, h *harness) {
		u := newUIServers(t, h)
		res := u.alice.Do("GET", "/servers", nil)
		mustStatus(t, res, 200, "GET /servers")
		body := string(res.Body)
		if got := rowLabels(res.Body); !sameLabels(got, "Alpha-Web", "beta_db") {
			t.Fatalf("alice's list shows %v, want Alpha-Web and beta_db", got)
		}
		for _, want := range []string{`id="filter"`, `id="provider-filter"`, `name="provider"`, `id="search"`, `name="q"`,
			`type="search"`, `id="status-filter"`, `id="apply-filter"`, `href="/servers/new"`, `data-provider="linode"`,
			`data-status="off"`, "203.0.113.7", u.lin.Name, `<label for="provider-filter">`} {
			if !strings.Contains(body, want) {
				t.Errorf("list lacks %s", want)
			}
		}
		if strings.Contains(body, "bob-secret") || has(res.Body, "clear-filter") {
			t.Error("alice's list shows bob's server or a filter to clear")
		}
		res = u.bob.Do("GET", "/servers", nil)
		if got := rowLabels(res.Body); !sameLabels(got, "bob-secret") {
			t.Fatalf("bob's list shows %v", got)
		}
	})
}

// TestUIServersFilterKeptInCookie: a submitted filter is kept in a session
// cookie and applied when the list is opened again without one, until
// cleared; a bad filter is refused with its value kept.
func TestUIServersFilterKeptInCookie(t *testing.T) {
	h := sqliteHarness(t)
	u := newUIServers(t, h)
	res := u.alice.Do("GET", "/servers?provider=linode&status=&q=", nil)
	mustStatus(t, res, 200, "filter by linode")
	if got := rowLabels(res.Body); !sameLabels(got, "beta_db") {
		t.Fatalf("linode filter shows %v", got)
	}
	ck, line := setCookie(t, res, "webrana_servers_filter")
	if ck == nil || !ck.HttpOnly || ck.SameSite != http.SameSiteLaxMode || ck.Path != "/" || ck.MaxAge != 0 {
		t.Fatalf("filter cookie %q", line)
	}

	res = u.alice.Do("GET", "/servers", nil)
	mustStatus(t, res, 200, "GET /servers again")
	if got := rowLabels(res.Body); !sameLabels(got, "beta_db") {
		t.Fatalf("reopened list shows %v, want the kept linode filter", got)
	}
	if !strings.Contains(string(res.Body), `<option value="linode" selected>`) || !has(res.Body, "clear-filter") {
		t.Errorf("reopened list does not show the kept filter:\n%s", res.Body)
	}

	// Another filter replaces it.
	res = u.alice.Do("GET", "/servers?provider=digitalocean&status=active&q=", nil)
	if got := rowLabels(res.Body); !sameLabels(got, "Alpha-Web") {
		t.Fatalf("digitalocean+active shows %v", got)
	}
	if got := rowLabels(u.alice.Do("GET", "/servers", nil).Body); !sameLabels(got, "Alpha-Web") {
		t.Fatalf("second kept filter shows %v", got)
	}

	// A bad filter: 400, the message and the value kept, the kept filter untouched.
	res = u.alice.Do("GET", "/servers?provider=aws&q=alpha", nil)
	mustStatus(t, res, 400, "unknown provider")
	body := string(res.Body)
	if !strings.Contains(body, `role="alert"`) || !strings.Contains(body, "provider must be digitalocean or linode.") ||
		!strings.Contains(body, `value="alpha"`) {
		t.Errorf("bad filter page:\n%s", body)
	}
	if got := rowLabels(u.alice.Do("GET", "/servers", nil).Body); !sameLabels(got, "Alpha-Web") {
		t.Fatalf("after a bad filter the kept one shows %v", got)
	}

	// Bob's browser has a session of its own.
	if got := rowLabels(u.bob.Do("GET", "/servers", nil).Body); !sameLabels(got, "bob-secret") {
		t.Fatalf("bob's list shows %v", got)
	}

	res = u.alice.Do("GET", "/servers?clear=1", nil)
	mustStatus(t, res, 303, "clear")
	if ck, _ := setCookie(t, res, "webrana_servers_filter"); ck == nil || ck.MaxAge >= 0 {
		t.Fatalf("clear did not delete the cookie: %v", res.Header.Values("Set-Cookie"))
	}
	res = u.alice.Do("GET", "/servers", nil)
	if got := rowLabels(res.Body); !sameLabels(got, "Alpha-Web", "beta_db") {
		t.Fatalf("after clearing the list shows %v", got)
	}

	// Submitting an empty filter forgets the kept one too.
	u.alice.Do("GET", "/servers?provider=linode", nil)
	res = u.alice.Do("GET", "/servers?provider=&status=&q=", nil)
	if got := rowLabels(res.Body); !sameLabels(got, "Alpha-Web", "beta_db") {
		t.Fatalf("empty filter shows %v", got)
	}
	if got := rowLabels(u.alice.Do("GET", "/servers", nil).Body); !sameLabels(got, "Alpha-Web", "beta_db") {
		t.Fatalf("after an empty filter the list shows %v", got)
	}

	// An altered cookie is ignored, not an error.
	u.alice.SetCookie("webrana_servers_filter", "provider=aws")
	res = u.alice.Do("GET", "/servers", nil)
	mustStatus(t, res, 200, "altered cookie")
	if got := rowLabels(res.Body); !sameLabels(got, "Alpha-Web", "beta_db") {
		t.Fatalf("altered cookie list shows %v", got)
	}
}

// TestUIServersSearch: the search finds labels containing it, ignoring
// case, on the page and through GET /api/vps?q=; pages keep the filter.
func TestUIServersSearch(t *testing.T) {
	h := sqliteHarness(t)
	u := newUIServers(t, h)
	res := u.alice.Do("GET", "/servers?q=ALPHA", nil)
	if got := rowLabels(res.Body); !sameLabels(got, "Alpha-Web") {
		t.Fatalf("search ALPHA shows %v", got)
	}
	if !strings.Contains(string(res.Body), `value="ALPHA"`) {
		t.Error("the search box does not keep the search")
	}
	if got := rowLabels(u.alice.Do("GET", "/servers?q=a_w", nil).Body); len(got) != 0 {
		t.Fatalf("search a_w (_ is a LIKE wildcard: it would match Alpha-Web) shows %v", got)
	}
	if got := rowLabels(u.alice.Do("GET", "/servers?q=secret", nil).Body); len(got) != 0 {
		t.Fatalf("search for bob's server shows %v", got)
	}

	api := h.login("alice@example.com")
	var list struct {
		Total int
		Items []struct{ Label string }
	}
	api.Do("GET", "/api/vps?q=_DB", nil).JSON(t, &list)
	if list.Total != 1 || list.Items[0].Label != "beta_db" {
		t.Fatalf("API search _DB: %+v", list)
	}
	res = api.Do("GET", "/api/vps?q="+strings.Repeat("x", 65), nil)
	if res.Status != 400 || res.ErrorField() != "q" {
		t.Fatalf("API search of 65 characters: %d %s", res.Status, res.Body)
	}

	// Pages of a search keep it.
	for i := range 21 {
		h.server(t, u.aliceU, u.do, "many-"+strconv.Itoa(i), webrana.StatusActive)
	}
	res = u.alice.Do("GET", "/servers?q=many", nil)
	if got := rowLabels(res.Body); len(got) != 20 || !strings.Contains(string(res.Body), `href="/servers?q=many&amp;page=2"`) {
		t.Fatalf("first page of 21: %d rows, pager:\n%s", len(got), res.Body)
	}
	res = u.alice.Do("GET", "/servers?q=many&page=2", nil)
	if got := rowLabels(res.Body); len(got) != 1 || !strings.HasPrefix(got[0], "many-") {
		t.Fatalf("second page: %v", got)
	}
}

// TestUIServersDetail: the page shows the server's status, specs, cost and
// addresses, and the actions its provider and state allow.
func TestUIServersDetail(t *testing.T) {
	engines(t, func(t *testing.T, h *harness) {
		u := newUIServers(t, h)
		ctx := context.Background()
		if _, err := h.db.AppendLedger(ctx, &webrana.LedgerEntry{UserID: u.aliceU.ID, Kind: webrana.LedgerCharge, Amount: -37,
			Currency: "USD", InstanceID: u.web.ID}); err != nil {
			t.Fatal(err)
		}
		res := u.alice.Do("GET", "/servers/"+u.web.ID, nil)
		mustStatus(t, res, 200, "detail")
		body := string(res.Body)
		if s := statusIn(t, res.Body); s != "active" {
			t.Errorf("status %q, want active", s)
		}
		for _, want := range []string{"Alpha-Web", u.do.Name, "sgp1", "ubuntu-24-04-x64", "203.0.113.7", "0.37 USD",
			`id="server-provider"`, "/assets/digitalocean.svg", `<div id="server-live" data-polling="false">`,
			`hx-get="/servers/` + u.web.ID + `/charts"`, "6.00 USD"} {
			if !strings.Contains(body, want) {
				t.Errorf("detail lacks %q", want)
			}
		}
		if strings.Contains(body, "every 2s") {
			t.Error("a settled server's page polls")
		}
		wantActions(t, res.Body, []string{"shutdown", "reboot", "enable_ipv6"},
			[]string{"power_off", "power_cycle", "rename", "rebuild", "password_reset", "delete"},
			[]string{"power_on", "resize"})
		if !strings.Contains(body, `<details id="confirm-box-power_off"`) || !strings.Contains(body, `<summary id="action-power_off" role="button"`) {
			t.Error("power off is not behind a confirmation")
		}
		// The rebuild offers the catalog's images, the rename the label.
		if !strings.Contains(body, `id="rebuild-image"`) || !strings.Contains(body, `<option value="ubuntu-24-04-x64" selected>`) ||
			!strings.Contains(body, `id="rename-label"`) {
			t.Errorf("rebuild or rename inputs missing:\n%s", body)
		}

		// Off on Linode: power on, resize and the password reset (with a
		// password), no power off.
		bigger := &webrana.Plan{ProviderType: webrana.Linode, SizeSlug: "g6-standard-1", Name: "Linode 2 GB", VCPUs: 1, MemoryMB: 2048,
			DiskGB: 50, PriceMonthly: 1200, PriceHourly: 2, Currency: "USD", Regions: []string{"us-east"}, IsActive: true}
		if err := h.db.CreatePlan(ctx, bigger); err != nil {
			t.Fatal(err)
		}
		res = u.alice.Do("GET", "/servers/"+u.db.ID, nil)
		if s := statusIn(t, res.Body); s != "off" {
			t.Errorf("status %q, want off", s)
		}
		wantActions(t, res.Body, []string{"power_on"}, []string{"resize", "rebuild", "password_reset", "rename", "delete"},
			[]string{"power_off", "reboot", "shutdown", "power_cycle", "enable_ipv6"})
		body = string(res.Body)
		if !strings.Contains(body, `id="password_reset-password"`) || !strings.Contains(body, `value="`+bigger.ID+`"`) {
			t.Errorf("Linode password or bigger plan missing:\n%s", body)
		}
		// Active on Linode: no password reset; on DigitalOcean no resize while running.
		h.setStatus(t, u.db.ID, webrana.StatusActive)
		wantActions(t, u.alice.Do("GET", "/servers/"+u.db.ID, nil).Body, []string{"reboot"}, []string{"resize", "power_off"},
			[]string{"password_reset", "power_on", "enable_ipv6"})

		// Suspended: only deletion; the reason is shown.
		h.setStatus(t, u.db.ID, webrana.StatusSuspended)
		res = u.alice.Do("GET", "/servers/"+u.db.ID, nil)
		wantActions(t, res.Body, nil, []string{"delete"}, []string{"power_on", "reboot", "rename"})
		if !has(res.Body, "server-suspended") {
			t.Error("suspension not explained")
		}
	})
}

// wantActions checks the page's action buttons: direct ones, ones behind a
// confirmation, and absent ones.
func wantActions(t *testing.T, body []byte, direct, confirmed, absent []string) {
	t.Helper()
	page := string(body)
	for _, a := range direct {
		if !strings.Contains(page, `<button type="submit" id="action-`+a+`"`) {
			t.Errorf("no direct button #action-%s", a)
		}
	}
	for _, a := range confirmed {
		if !strings.Contains(page, `<details id="confirm-box-`+a+`"`) || !strings.Contains(page, `<summary id="action-`+a+`"`) ||
			(a != "resize" && !strings.Contains(page, `id="confirm-`+a+`"`)) {
			t.Errorf("no confirmed action %s", a)
		}
	}
	for _, a := range absent {
		if has(body, "action-"+a) {
			t.Errorf("#action-%s offered", a)
		}
	}
}

// offersActions reports whether the page has any action button.
func offersActions(body []byte) bool {
	return regexp.MustCompile(`<(button type="submit"|summary) id="action-`).Match(body)
}

// TestUIServersProgress: a server being set up shows its order's steps and
// polls; a failed order shows the reason; a held one says so.
func TestUIServersProgress(t *testing.T) {
	h := sqliteHarness(t)
	h.user("alice@example.com", webrana.RoleCustomer)
	alice := signIn(t, h, "alice@example.com")
	api := h.login("alice@example.com")
	ctx := context.Background()

	in := h.order(t, api)
	res := alice.Do("GET", "/servers/"+in.ID, nil)
	mustStatus(t, res, 200, "provisioning detail")
	body := string(res.Body)
	if statusIn(t, res.Body) != "provisioning" || !strings.Contains(body, `class="progress-steps"`) ||
		!strings.Contains(body, `hx-trigger="every 2s"`) || offersActions(res.Body) {
		t.Fatalf("provisioning page:\n%s", body)
	}
	htmx := alice.WithHeader("HX-Request", "true")
	live := htmx.Do("GET", "/servers/"+in.ID+"/live", nil)
	mustStatus(t, live, 200, "live")
	// While polling, the live region only: no history, specifications or
	// cost, which the settling poll brings.
	if !strings.HasPrefix(strings.TrimSpace(string(live.Body)), `<div id="server-live"`) || !strings.Contains(string(live.Body), `hx-trigger="every 2s"`) ||
		!strings.HasSuffix(strings.TrimSpace(string(live.Body)), `</div>`) || strings.Contains(string(live.Body), "hx-swap-oob") ||
		strings.Contains(string(live.Body), `id="history"`) || strings.Contains(string(live.Body), `id="specs"`) ||
		strings.Contains(string(live.Body), "<html") || !has(live.Body, "progress-note") {
		t.Fatalf("live fragment while provisioning:\n%s", live.Body)
	}

	o, err := h.db.OrderByInstance(ctx, in.ID)
	if err != nil {
		t.Fatal(err)
	}
	if err := h.db.HoldOrder(ctx, o.ID, "all accounts full", 0, nil); err != nil {
		t.Fatal(err)
	}
	res = alice.Do("GET", "/servers/"+in.ID, nil)
	if !has(res.Body, "progress-held") || !strings.Contains(string(res.Body), `data-status="held">held</span>: waiting for capacity`) ||
		!strings.Contains(string(res.Body), "every 2s") {
		t.Fatalf("held page:\n%s", res.Body)
	}

	if err := h.db.FailOrder(ctx, o.ID, webrana.AttemptFailed, "The provider could not start the server.", nil); err != nil {
		t.Fatal(err)
	}
	res = htmx.Do("GET", "/servers/"+in.ID+"/live", nil)
	body = string(res.Body)
	if !regexp.MustCompile(`role="alert" id="progress-error">[^<]*The provider could not start the server.`).MatchString(body) ||
		strings.Contains(body, "hx-trigger") || strings.Contains(body, "hx-get") {
		t.Fatalf("failed live fragment:\n%s", body)
	}
	wantActions(t, res.Body, nil, []string{"delete"}, []string{"reboot", "power_on"})

	// Completed: settled, no progress, the first day charged this month.
	in2 := h.order(t, api)
	o2, err := h.db.OrderByInstance(ctx, in2.ID)
	if err != nil {
		t.Fatal(err)
	}
	if err := h.db.CompleteOrder(ctx, o2.ID, store.Completion{IPv4: "198.51.100.4", IPv6: "2001:db8::4", Prepaid: provision.PrepaidSpan, Charge: o2.HoldAmount}); err != nil {
		t.Fatal(err)
	}
	// The poll that sees it settle brings the rest of the page along: the
	// specifications (active since, cost) and the charts to load.
	live = htmx.Do("GET", "/servers/"+in2.ID+"/live", nil)
	body = string(live.Body)
	if strings.Contains(body, "hx-trigger=\"every") || !strings.Contains(body, `<section id="specs" aria-labelledby="specs-title" hx-swap-oob="true">`) ||
		!strings.Contains(body, `<section id="history" aria-labelledby="history-title" hx-swap-oob="true">`) ||
		!strings.Contains(body, `<div class="page-head" id="server-head" hx-swap-oob="true">`) ||
		!strings.Contains(body, `hx-get="/servers/`+in2.ID+`/charts" hx-trigger="load"`) || !strings.Contains(body, "0.24 USD") {
		t.Fatalf("settling live fragment:\n%s", body)
	}
	res = alice.Do("GET", "/servers/"+in2.ID, nil)
	body = string(res.Body)
	if statusIn(t, res.Body) != "active" || strings.Contains(body, "every 2s") || has(res.Body, "server-progress") ||
		!strings.Contains(body, "0.24 USD") || !strings.Contains(body, "2001:db8::4") {
		t.Fatalf("completed page:\n%s", body)
	}
}

// TestUIServersActions: an action form queues the action (seen through the
// API's history, and polled while it runs); a refused one shows the
// page again with the reason and the status.
func TestUIServersActions(t *testing.T) {
	engines(t, func(t *testing.T, h *harness) {
		u := newUIServers(t, h)
		csrf := hiddenCSRF(t, u.alice.Do("GET", "/servers/"+u.web.ID, nil))
		res := u.alice.PostForm("/servers/"+u.web.ID+"/actions", url.Values{"type": {"power_off"}, "csrf_token": {csrf}})
		mustStatus(t, res, 303, "power off")
		if loc := res.Header.Get("Location"); loc != "/servers/"+u.web.ID {
			t.Fatalf("redirected to %q", loc)
		}
		var actions struct {
			Total int
			Items []struct{ Type, Status string }
		}
		h.login("alice@example.com").Do("GET", "/api/vps/"+u.web.ID+"/actions", nil).JSON(t, &actions)
		if actions.Total != 1 || actions.Items[0].Type != "power_off" || actions.Items[0].Status != "queued" {
			t.Fatalf("history after the form: %+v", actions)
		}
		res = u.alice.Do("GET", "/servers/"+u.web.ID, nil)
		body := string(res.Body)
		if !strings.Contains(body, "Power off requested") || !has(res.Body, "action-history") ||
			!strings.Contains(body, `data-type="power_off"`) || !strings.Contains(body, "every 2s") || !has(res.Body, "action-busy") {
			t.Fatalf("page after the action:\n%s", body)
		}

		// Another action while one runs: refused, 409, on the server page.
		res = u.alice.PostForm("/servers/"+u.web.ID+"/actions", url.Values{"type": {"reboot"}, "csrf_token": {csrf}})
		mustStatus(t, res, 409, "second action")
		if !regexp.MustCompile(`role="alert"[^>]*>[^<]*Another action is still running`).Match(res.Body) || !has(res.Body, "server-live") {
			t.Fatalf("refused action page:\n%s", res.Body)
		}

		// An action the state does not allow: 409 with the reason.
		res = u.alice.PostForm("/servers/"+u.db.ID+"/actions", url.Values{"type": {"reboot"}, "csrf_token": {csrf}})
		mustStatus(t, res, 409, "reboot while off")
		if !strings.Contains(string(res.Body), "The server is off; power it on first.") {
			t.Fatalf("refused reboot:\n%s", res.Body)
		}

		// A bad rename: 400, the field marked, the typed label kept.
		res = u.alice.PostForm("/servers/"+u.db.ID+"/actions", url.Values{"type": {"rename"}, "label": {"no spaces allowed"}, "csrf_token": {csrf}})
		mustStatus(t, res, 400, "bad rename")
		body = string(res.Body)
		if !strings.Contains(body, `value="no spaces allowed"`) || !strings.Contains(body, `id="rename-label-error"`) ||
			!strings.Contains(body, `<details id="confirm-box-rename" class="confirm" open`) {
			t.Fatalf("bad rename page:\n%s", body)
		}
		// A good one is queued with its label.
		res = u.alice.PostForm("/servers/"+u.db.ID+"/actions", url.Values{"type": {"rename"}, "label": {"gamma-db"}, "csrf_token": {csrf}})
		mustStatus(t, res, 303, "rename")
		list, _, err := h.db.ListActions(context.Background(), u.db.ID, webrana.Page{})
		if err != nil {
			t.Fatal(err)
		}
		if len(list) != 1 || list[0].Type != "rename" || list[0].Params.Label != "gamma-db" {
			t.Fatalf("rename recorded as %+v", list)
		}
		// Without the form's token the router refuses.
		mustStatus(t, u.alice.PostForm("/servers/"+u.web.ID+"/actions", url.Values{"type": {"reboot"}}), 403, "no csrf")
	})
}

// TestUIServersDelete: the delete form starts the deletion; the page then
// shows it in motion, with no actions.
func TestUIServersDelete(t *testing.T) {
	h := sqliteHarness(t)
	u := newUIServers(t, h)
	csrf := hiddenCSRF(t, u.alice.Do("GET", "/servers/"+u.web.ID, nil))
	res := u.alice.PostForm("/servers/"+u.web.ID+"/delete", url.Values{"csrf_token": {csrf}})
	mustStatus(t, res, 303, "delete")
	in, err := h.db.InstanceByID(context.Background(), u.web.ID)
	if err != nil {
		t.Fatal(err)
	}
	if in.Status != webrana.StatusDeleting {
		t.Fatalf("status %s after delete, want deleting", in.Status)
	}
	res = u.alice.Do("GET", "/servers/"+u.web.ID, nil)
	if statusIn(t, res.Body) != "deleting" || !strings.Contains(string(res.Body), "every 2s") || offersActions(res.Body) ||
		!strings.Contains(string(res.Body), "Deleting Alpha-Web.") {
		t.Fatalf("page while deleting:\n%s", res.Body)
	}
	// A server still being set up cannot be deleted: 409 on the page.
	api := h.login("alice@example.com")
	h.credit(t, api, 1000)
	pending := h.order(t, api)
	res = u.alice.PostForm("/servers/"+pending.ID+"/delete", url.Values{"csrf_token": {csrf}})
	mustStatus(t, res, 409, "delete while provisioning")
	if !strings.Contains(string(res.Body), "still being set up") || !strings.Contains(string(res.Body), `role="alert"`) {
		t.Fatalf("refused delete:\n%s", res.Body)
	}
}

// TestUIServersOtherCustomer: another customer's server is not found on
// every server route; an administrator may see it.
func TestUIServersOtherCustomer(t *testing.T) {
	h := sqliteHarness(t)
	u := newUIServers(t, h)
	csrf := hiddenCSRF(t, u.bob.Do("GET", "/servers", nil))
	for _, path := range []string{"", "/live", "/charts"} {
		res := u.bob.Do("GET", "/servers/"+u.web.ID+path, nil)
		if res.Status != 404 || !strings.Contains(string(res.Body), "not found") || strings.Contains(string(res.Body), "Alpha-Web") {
			t.Errorf("bob GET %s: %d %s", path, res.Status, res.Body)
		}
	}
	for _, path := range []string{"/actions", "/delete"} {
		res := u.bob.PostForm("/servers/"+u.web.ID+path, url.Values{"type": {"reboot"}, "csrf_token": {csrf}})
		if res.Status != 404 || !strings.Contains(string(res.Body), "not found") {
			t.Errorf("bob POST %s: %d %s", path, res.Status, res.Body)
		}
	}
	if in, _ := h.db.InstanceByID(context.Background(), u.web.ID); in.Status != webrana.StatusActive {
		t.Fatalf("bob's requests changed alice's server: %s", in.Status)
	}
	h.user("admin@example.com", webrana.RoleAdmin)
	res := signIn(t, h, "admin@example.com").Do("GET", "/servers/"+u.web.ID, nil)
	if res.Status != 200 || !strings.Contains(string(res.Body), "Alpha-Web") {
		t.Fatalf("admin on alice's server: %d", res.Status)
	}
}

// TestUIServersCharts: the charts fragment draws the provider's CPU and
// bandwidth as SVG; without metrics it says so quietly.
func TestUIServersCharts(t *testing.T) {
	h := sqliteHarness(t)
	u := newUIServers(t, h)
	u.alice = u.alice.WithHeader("HX-Request", "true") // as the page loads them
	// No account or provider id: metrics cannot be had.
	res := u.alice.Do("GET", "/servers/"+u.web.ID+"/charts", nil)
	mustStatus(t, res, 200, "charts without metrics")
	if !has(res.Body, "charts-unavailable") || strings.Contains(string(res.Body), "<svg") {
		t.Fatalf("charts without metrics:\n%s", res.Body)
	}

	// On a simulated droplet of a real account: two SVG charts.
	h.user("admin@example.com", webrana.RoleAdmin)
	acc := createAccount(t, h.login("admin@example.com"), "/internal/accounts",
		map[string]any{"provider_type": "digitalocean", "name": "Primary", "token": "token-digitalocean", "limit": 25})
	rec := httptest.NewRecorder()
	req := httptest.NewRequest("GET", "/v2/droplets", nil)
	req.Header.Set("Authorization", "Bearer token-digitalocean")
	h.sim.Handler().ServeHTTP(rec, req)
	var droplets struct{ Droplets []struct{ ID int } }
	if err := json.Unmarshal(rec.Body.Bytes(), &droplets); err != nil || len(droplets.Droplets) == 0 {
		t.Fatalf("simulated droplets: %v %s", err, rec.Body)
	}
	providerID := strconv.Itoa(droplets.Droplets[0].ID)
	if _, err := h.db.UpdateInstance(context.Background(), u.web.ID, store.InstanceUpdate{AccountID: &acc.ID, ProviderID: &providerID}); err != nil {
		t.Fatal(err)
	}
	h.clock.Advance(3 * time.Hour)
	res = u.alice.Do("GET", "/servers/"+u.web.ID+"/charts", nil)
	mustStatus(t, res, 200, "charts")
	body := string(res.Body)
	if strings.Count(body, "<svg") != 2 || !has(res.Body, "chart-cpu") || !has(res.Body, "chart-bandwidth") ||
		!regexp.MustCompile(`<polyline class="line" points="[0-9.]+,[0-9.]+ [0-9.]+,[0-9.]+`).MatchString(body) {
		t.Fatalf("charts:\n%s", body)
	}
	// Stopped servers have charts; servers being set up have none.
	h.setStatus(t, u.web.ID, webrana.StatusProvisioning)
	res = u.alice.Do("GET", "/servers/"+u.web.ID+"/charts", nil)
	if !has(res.Body, "charts-unavailable") {
		t.Fatalf("charts of a provisioning server:\n%s", res.Body)
	}
	if strings.Contains(string(u.alice.Do("GET", "/servers/"+u.web.ID, nil).Body), `/charts"`) {
		t.Error("a provisioning server's page loads charts")
	}
}

// TestUIServersFragmentsRedirect: the live region and the charts opened
// directly (not by htmx), as after signing in with next= pointing at them,
// are the server page; another customer's are still not found.
func TestUIServersFragmentsRedirect(t *testing.T) {
	h := sqliteHarness(t)
	u := newUIServers(t, h)
	page := "/servers/" + u.web.ID
	for _, path := range []string{page + "/live", page + "/charts"} {
		res := u.alice.Do("GET", path, nil)
		mustStatus(t, res, 303, "GET "+path+" without htmx")
		if loc := res.Header.Get("Location"); loc != page {
			t.Errorf("GET %s without htmx: to %q, want %s", path, loc, page)
		}
		res = u.alice.WithHeader("HX-Request", "true").Do("GET", path, nil)
		mustStatus(t, res, 200, "GET "+path+" by htmx")
		if strings.Contains(string(res.Body), "<html") {
			t.Errorf("GET %s by htmx is a whole page:\n%s", path, res.Body)
		}
		if res := u.bob.Do("GET", path, nil); res.Status != 404 || strings.Contains(string(res.Body), "Alpha-Web") {
			t.Errorf("bob GET %s: %d", path, res.Status)
		}
	}

	// Signing in with next= the live region ends on the server page.
	c, csrf := loginPage(t, h)
	res := c.PostForm("/login", formLogin(csrf, "alice@example.com", testPassword, page+"/live"))
	mustStatus(t, res, 303, "sign in")
	if loc := res.Header.Get("Location"); loc != page+"/live" {
		t.Fatalf("signed in to %q", loc)
	}
	res = c.Do("GET", page+"/live", nil)
	mustStatus(t, res, 303, "the live region after signing in")
	res = c.Do("GET", res.Header.Get("Location"), nil)
	mustStatus(t, res, 200, "the server page after signing in")
	if !strings.Contains(string(res.Body), "<html") || !has(res.Body, "server-live") || !has(res.Body, "history") {
		t.Fatalf("after signing in:\n%s", res.Body)
	}
}

// TestUIServersButtonsMatchAct: for every provider and state, the page
// shows exactly the actions lifecycle accepts: each shown one, asked for
// with what the page offers, is accepted; each one not shown is refused
// for the server's state (409). The resize offers exactly the plans Act
// takes.
func TestUIServersButtonsMatchAct(t *testing.T) {
	h := sqliteHarness(t)
	owner := h.user("alice@example.com", webrana.RoleCustomer)
	alice := signIn(t, h, "alice@example.com")
	csrf := hiddenCSRF(t, alice.Do("GET", "/servers", nil))
	ctx := context.Background()
	plans := map[webrana.ProviderType]*webrana.Plan{webrana.DigitalOcean: h.plan(t, webrana.DigitalOcean), webrana.Linode: h.plan(t, webrana.Linode)}
	// Per provider: a bigger plan in the region (offered), one elsewhere
	// and a smaller one (neither offered, both refused by Act).
	offered, refused := map[webrana.ProviderType]string{}, map[webrana.ProviderType][]string{}
	for p, cur := range plans {
		for i, spec := range []struct {
			regions      []string
			disk, memory int
			price        int64
		}{{cur.Regions, 50, 2048, 1200}, {[]string{"elsewhere"}, 80, 4096, 2400}, {cur.Regions, 10, 512, 400}} {
			plan := &webrana.Plan{ProviderType: p, SizeSlug: "size-" + strconv.Itoa(i), Name: string(p) + " plan " + strconv.Itoa(i),
				VCPUs: 1, MemoryMB: spec.memory, DiskGB: spec.disk, PriceMonthly: spec.price, PriceHourly: 1, Currency: "USD",
				Regions: spec.regions, IsActive: true}
			if err := h.db.CreatePlan(ctx, plan); err != nil {
				t.Fatal(err)
			}
			if i == 0 {
				offered[p] = plan.ID
			} else {
				refused[p] = append(refused[p], plan.ID)
			}
		}
	}
	all := []string{"power_on", "power_off", "shutdown", "reboot", "power_cycle", "rebuild", "resize", "rename",
		"password_reset", "enable_ipv6", "delete"}
	statuses := []webrana.InstanceStatus{webrana.StatusActive, webrana.StatusOff, webrana.StatusSuspended, webrana.StatusFailed,
		webrana.StatusPending, webrana.StatusProvisioning, webrana.StatusHeld, webrana.StatusDeleting, webrana.StatusDeleted}
	shownID := regexp.MustCompile(`<(?:button type="submit"|summary) id="action-([a-z_0-9]+)"`)
	firstImage := regexp.MustCompile(`id="rebuild-image"[^>]*>\s*<optgroup[^>]*>\s*<option value="([^"]+)"`)
	planOptions := regexp.MustCompile(`<option value="([^"]+)"[^>]*>[^<]* — `)
	n := 0
	for _, v := range []struct {
		provider webrana.ProviderType
		ipv6     string
	}{{webrana.DigitalOcean, ""}, {webrana.DigitalOcean, "2001:db8::7"}, {webrana.Linode, "2001:db8::8"}} {
		// server makes a server of the variant in the status.
		server := func(status webrana.InstanceStatus) *webrana.Instance {
			n++
			in := h.server(t, owner, plans[v.provider], "match-"+strconv.Itoa(n), status)
			if v.ipv6 != "" {
				if _, err := h.db.UpdateInstance(ctx, in.ID, store.InstanceUpdate{IPv6: &v.ipv6}); err != nil {
					t.Fatal(err)
				}
			}
			return in
		}
		for _, status := range statuses {
			name := string(v.provider) + " " + string(status)
			if v.ipv6 != "" {
				name += " with IPv6"
			}
			t.Run(name, func(t *testing.T) {
				page := alice.Do("GET", "/servers/"+server(status).ID, nil)
				mustStatus(t, page, 200, "server page")
				shown := map[string]bool{}
				for _, m := range shownID.FindAllSubmatch(page.Body, -1) {
					shown[string(m[1])] = true
				}
				var image, plan string
				if m := firstImage.FindSubmatch(page.Body); m != nil {
					image = string(m[1])
				}
				if shown["resize"] {
					var ids []string
					for _, m := range planOptions.FindAllSubmatch(page.Body, -1) {
						ids = append(ids, string(m[1]))
					}
					if len(ids) != 1 || ids[0] != offered[v.provider] {
						t.Errorf("resize offers %v, want only %s", ids, offered[v.provider])
					}
					plan = offered[v.provider]
				}
				if shown["rebuild"] && image == "" {
					t.Fatalf("rebuild shown without images:\n%s", page.Body)
				}
				for _, action := range all {
					in := server(status)
					form := url.Values{"csrf_token": {csrf}}
					path := "/servers/" + in.ID + "/delete"
					if action != "delete" {
						path = "/servers/" + in.ID + "/actions"
						form.Set("type", action)
						form.Set("image", cmp.Or(image, "ubuntu-24-04-x64"))
						form.Set("plan_id", cmp.Or(plan, offered[v.provider]))
						form.Set("disk", "true") // the bigger plan has a bigger disk: resized with it (issue 19)
						form.Set("label", "renamed-"+strconv.Itoa(n))
						if v.provider == webrana.Linode && (action == "rebuild" || action == "password_reset") {
							form.Set("root_password", "Kx9!mQ2#vLp7")
						}
					}
					res := alice.PostForm(path, form)
					switch {
					case shown[action] && res.Status != 303:
						t.Errorf("%s shown but refused: %d %s", action, res.Status, problemText(res.Body))
					case !shown[action] && action == "delete" && (status == webrana.StatusDeleting || status == webrana.StatusDeleted):
						// Nothing left to delete: Delete accepts it again, changing nothing.
					case !shown[action] && res.Status != 409:
						t.Errorf("%s not shown but answered %d %s, want 409 (refused for the state)", action, res.Status, problemText(res.Body))
					}
				}
				if shown["resize"] {
					for _, id := range refused[v.provider] {
						res := alice.PostForm("/servers/"+server(status).ID+"/actions", url.Values{"csrf_token": {csrf}, "type": {"resize"}, "plan_id": {id}})
						if res.Status != 400 {
							t.Errorf("resize to a plan not offered: %d, want 400", res.Status)
						}
					}
				}
			})
		}
	}
}

// problemText is the alert of a refused form, for failure messages.
func problemText(body []byte) string {
	if m := regexp.MustCompile(`role="alert"[^>]*>([^<]*)`).FindSubmatch(body); m != nil {
		return string(m[1])
	}
	return ""
}

package web_test

import (
	"context"
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/webrana/webrana"
	"github.com/webrana/webrana/auth"
	"github.com/webrana/webrana/cloudsim"
	"github.com/webrana/webrana/store/storetest"
	"github.com/webrana/webrana/web"
	"github.com/webrana/webrana/web/webtest"
)

// boundedEngines runs fn on both databases with a server whose requests
// may wait for providers a short while only.
func boundedEngines(t *testing.T, fn func(t *testing.T, h *harness)) {
	const timeout = time.Second
	t.Run("sqlite", func(t *testing.T) {
		t.Parallel()
		fn(t, newHarness(t, storetest.OpenSQLite(t), auth.ThrottlePolicy{}, withTimeout(timeout)))
	})
	t.Run("postgres", func(t *testing.T) {
		t.Parallel()
		fn(t, newHarness(t, storetest.OpenPostgres(t), auth.ThrottlePolicy{}, withTimeout(timeout)))
	})
}

// withTimeout gives the server's requests timeout to answer.
func withTimeout(timeout time.Duration) func(*web.Config) {
	return func(c *web.Config) { c.RequestTimeout = timeout }
}

// mustBeBusy fails unless res is the 503 that says the provider is slow or
// limiting us: the JSON error body for the API, the message in the page
// for the pages.
func mustBeBusy(t *testing.T, res *webtest.Response, what string) {
	t.Helper()
	if res.Status != 503 {
		t.Errorf("%s: %d %s; want 503", what, res.Status, res.Body)
		return
	}
	if strings.HasPrefix(res.Header.Get("Content-Type"), "application/json") {
		if res.ErrorCode() != "unavailable" || res.ErrorMessage() != webrana.ErrProviderBusy.Message {
			t.Errorf("%s: error %s %q; want unavailable saying %q", what, res.ErrorCode(), res.ErrorMessage(), webrana.ErrProviderBusy.Message)
		}
		return
	}
	if !strings.Contains(string(res.Body), webrana.ErrProviderBusy.Message) {
		t.Errorf("%s: the page does not say the provider is slow or limiting us:\n%s", what, res.Body)
	}
}

// TestRequestsAnswerWhenTheProviderDoesNot: with the providers answering
// far slower than a request may wait, or refusing every call with a 429,
// an operator's sync and health check (API and pages) and a customer's
// catalog read on a cold cache (API and the order wizard) each answer 503
// "the provider is slow or limiting us" instead of waiting for it; the
// catalog serves its stale copy when it has one.
func TestRequestsAnswerWhenTheProviderDoesNot(t *testing.T) {
	for _, fault := range []struct {
		name string
		spec cloudsim.FaultSpec
	}{
		// Five times the bound: long enough to miss it, short enough that
		// the catalog fetches that go on after the requests end soon.
		{"slow", cloudsim.FaultSpec{LatencyMS: 5000}},
		{"limiting", cloudsim.FaultSpec{Status: 429}},
	} {
		t.Run(fault.name, func(t *testing.T) {
			boundedEngines(t, func(t *testing.T, h *harness) { testBusyProvider(t, h, fault.spec) })
		})
	}
}

// signedIn signs a user in without HTTP, for an API client and a browser
// with its CSRF token: under -race a password's hash may take longer than
// these servers' short bound lets a request take.
func signedIn(t *testing.T, h *harness, email string) (api, browser *webtest.Client, csrf string) {
	t.Helper()
	login := func(kind auth.LoginKind) string {
		_, token, err := h.auth.Login(context.Background(), email, testPassword, "127.0.0.1", kind)
		if err != nil {
			t.Fatal(err)
		}
		return token
	}
	browser = h.client()
	browser.SetCookie("webrana_session", login(auth.LoginBrowser))
	return h.client().WithToken(login(auth.LoginAPI)), browser, hiddenCSRF(t, browser.Do("GET", "/", nil))
}

func testBusyProvider(t *testing.T, h *harness, fault cloudsim.FaultSpec) {
	h.user("ops@example.com", webrana.RoleAdmin)
	h.user("c@example.com", webrana.RoleCustomer)
	o := &poolOperator{h: h}
	o.api, o.browser, o.csrf = signedIn(t, h, "ops@example.com")
	customerAPI, customer, _ := signedIn(t, h, "c@example.com")
	do := createAccount(t, o.api, "/internal/do-accounts", map[string]any{"name": "Primary", "token": "token-digitalocean"})
	plan := h.plan(t, webrana.DigitalOcean)
	wizardAtPlan := wizard(t, customer, customer.Do("GET", "/servers/new", nil), "next", url.Values{"provider_type": {"digitalocean"}})
	atStep(t, wizardAtPlan, 200, 2, "the wizard's plan step")
	var warm catalogBody[sizeItem]
	customerAPI.Do("GET", "/api/vps/digitalocean/sizes", nil).JSON(t, &warm)
	h.clock.Advance(2 * time.Hour) // the sizes expire: the next read asks the provider
	if err := h.sim.AddFault(fault); err != nil {
		t.Fatal(err)
	}

	for _, path := range []string{"/internal/accounts/" + do.ID, "/internal/do-accounts/" + do.ID} {
		mustBeBusy(t, o.api.Do("POST", path+"/sync", nil), "POST "+path+"/sync")
		mustBeBusy(t, o.api.Do("GET", path+"/health", nil), "GET "+path+"/health")
	}
	for _, prefix := range []string{"/internal/accounts", "/internal/do-accounts"} {
		mustBeBusy(t, o.api.Do("POST", prefix+"/sync-all", nil), "POST "+prefix+"/sync-all")
	}
	mustBeBusy(t, o.post("/admin/accounts/"+do.ID+"/sync", nil), "the accounts page's Sync")
	mustBeBusy(t, o.post("/admin/accounts/sync-all", nil), "the accounts page's Sync all")

	for _, path := range []string{"digitalocean/regions", "digitalocean/images", "digitalocean/images?type=application",
		"digitalocean/marketplace", "linode/sizes"} {
		mustBeBusy(t, customerAPI.Do("GET", "/api/vps/"+path, nil), "GET /api/vps/"+path+" (cold)")
	}
	mustBeBusy(t, wizard(t, customer, wizardAtPlan, "next", url.Values{"label": {"web-1"}, "plan_id": {plan.ID}}), "the wizard's region step (cold)")
	res := customerAPI.Do("GET", "/api/vps/digitalocean/sizes", nil)
	var sizes catalogBody[sizeItem]
	res.JSON(t, &sizes)
	if res.Status != 200 || !sizes.Stale || !sizes.FetchedAt.Equal(warm.FetchedAt) || len(sizes.Items) != len(warm.Items) {
		t.Fatalf("sizes, expired copy: %d, stale %v, fetched %v; want the copy of %v", res.Status, sizes.Stale, sizes.FetchedAt, warm.FetchedAt)
	}
}

package web_test

import (
	"net/url"
	"regexp"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/webrana/webrana"
	"github.com/webrana/webrana/cloudsim"
	"github.com/webrana/webrana/store"
	"github.com/webrana/webrana/web/webtest"
)

// opSignIn signs an administrator in through the login form and returns
// the browser with its CSRF token.
func opSignIn(t *testing.T, h *harness) (*webtest.Client, string) {
	t.Helper()
	h.user("admin@example.com", webrana.RoleAdmin)
	c := signIn(t, h, "admin@example.com")
	return c, hiddenCSRF(t, c.Do("GET", "/", nil))
}

// elementByID is the HTML of the element with the id, from its start tag to
// the end tag that closes it (same-name elements nested inside counted): what
// htmx's hx-select takes from an answer.
func elementByID(t *testing.T, res *webtest.Response, id string) string {
	t.Helper()
	body := string(res.Body)
	at := strings.Index(body, ` id="`+id+`"`)
	if at < 0 {
		t.Fatalf("no element #%s in the answer:\n%s", id, body)
	}
	start := strings.LastIndex(body[:at], "<")
	name := regexp.MustCompile(`^<([a-z0-9]+)`).FindStringSubmatch(body[start:])[1]
	open := regexp.MustCompile(`<` + name + `[\s>]|</` + name + `>`)
	depth := 0
	for _, m := range open.FindAllStringIndex(body[start:], -1) {
		if body[start+m[0]+1] != '/' {
			depth++
			continue
		}
		if depth--; depth == 0 {
			return body[start : start+m[1]]
		}
	}
	t.Fatalf("element #%s is not closed", id)
	return ""
}

// opInRegion fails unless the element with the id (a list htmx swaps)
// holds every snippet.
func opInRegion(t *testing.T, res *webtest.Response, id, what string, snippets ...string) {
	t.Helper()
	el := elementByID(t, res, id)
	for _, s := range snippets {
		if !strings.Contains(el, s) {
			t.Fatalf("%s: #%s lacks %q:\n%s", what, id, s, el)
		}
	}
}

func opPlanForm(csrf string, kv ...string) url.Values {
	v := url.Values{"csrf_token": {csrf}, "provider_type": {"digitalocean"}, "size_slug": {"s-1vcpu-1gb"},
		"name": {"Starter"}, "price_monthly": {"12.00"}, "price_hourly": {"0.02"}, "regions": {"sgp1", "nyc3"}, "is_active": {"true"}}
	for i := 0; i+1 < len(kv); i += 2 {
		if kv[i+1] == "" {
			v.Del(kv[i])
			continue
		}
		v.Set(kv[i], kv[i+1])
	}
	return v
}

func opStoredPlans(t *testing.T, h *harness) []*webrana.Plan {
	t.Helper()
	plans, err := h.db.ListPlans(t.Context(), store.PlanFilter{})
	if err != nil {
		t.Fatal(err)
	}
	return plans
}

// TestUIOperatorPlanCreate: the provider first, then a size from the
// simulator's catalog with the provider's price, its regions; prices typed
// in major units are stored exactly in minor units; the plan is listed.
func TestUIOperatorPlanCreate(t *testing.T) {
	t.Parallel()
	h := sqliteHarness(t)
	admin, csrf := opSignIn(t, h)

	res := admin.Do("GET", "/admin/plans/new", nil)
	mustStatus(t, res, 200, "new plan: provider step")
	mustContain(t, res, "provider step", `id="provider-digitalocean"`, `href="/admin/plans/new?provider=linode"`)

	res = admin.Do("GET", "/admin/plans/new?provider=digitalocean", nil)
	mustStatus(t, res, 200, "new plan: size step")
	mustContain(t, res, "size step", `<select id="size_slug" name="size_slug"`, `<option value="s-1vcpu-1gb">s-1vcpu-1gb — 1 vCPU, 1 GB, 25 GB disk — provider $6.00/mo`, `id="no-size"`)

	// Picking a size (htmx reloads the size's fields) fills its resources and regions.
	res = admin.Do("GET", "/admin/plans/new?provider=digitalocean&size_slug=s-1vcpu-1gb&regions=sgp1&regions=atlantis1", nil)
	mustStatus(t, res, 200, "pick a size")
	mustContain(t, res, "picked size", `id="provider-price"`, `$6.00/month`, `$0.00893/hour`, `id="vcpus" name="vcpus" type="number" min="0" value="1"`,
		`value="sgp1" id="region-sgp1" checked`, `value="nyc3" id="region-nyc3">`)
	if strings.Contains(string(res.Body), "atlantis1") {
		t.Error("a region the size is not offered in is shown")
	}

	// Without JavaScript: "Use this size" posts the form and shows it again, nothing saved, nothing lost.
	res = admin.PostForm("/admin/plans", opPlanForm(csrf, "step", "size", "regions", "", "name", "Kept name"))
	mustStatus(t, res, 200, "use this size")
	mustContain(t, res, "use this size", `value="Kept name"`, `id="region-sgp1"`, `value="12.00"`)
	if n := len(opStoredPlans(t, h)); n != 0 {
		t.Fatalf("'Use this size' saved %d plans", n)
	}

	res = admin.PostForm("/admin/plans", opPlanForm(csrf))
	mustStatus(t, res, 303, "create plan")
	if loc := res.Header.Get("Location"); loc != "/admin/plans?provider=digitalocean" {
		t.Fatalf("created plan: redirect to %q", loc)
	}
	plans := opStoredPlans(t, h)
	if len(plans) != 1 {
		t.Fatalf("%d plans after creating one", len(plans))
	}
	p := plans[0]
	if p.Name != "Starter" || p.SizeSlug != "s-1vcpu-1gb" || p.PriceMonthly != 1200 || p.PriceHourly != 2 || p.Currency != "USD" ||
		p.VCPUs != 1 || p.MemoryMB != 1024 || p.DiskGB != 25 || !p.IsActive || !slices.Equal(p.Regions, []string{"sgp1", "nyc3"}) {
		t.Fatalf("stored plan %+v", p)
	}

	res = admin.Do("GET", "/admin/plans", nil)
	mustStatus(t, res, 200, "plans page")
	mustContain(t, res, "plans page", "Plan &#34;Starter&#34; saved.", `id="plans"`, `<tr data-plan-id="`+p.ID+`"`, "12.00 USD", "0.02 USD", "1 GB",
		`data-status="active"`, `id="add-plan"`, `id="plan-provider-filter"`, `id="plans-linode"`)
	res = admin.Do("GET", "/admin/plans?provider=linode", nil)
	mustStatus(t, res, 200, "linode plans")
	if strings.Contains(string(res.Body), p.ID) || strings.Contains(string(res.Body), `id="plans-digitalocean"`) {
		t.Error("the linode filter shows DigitalOcean's plans")
	}
	mustContain(t, res, "linode plans", `<option value="linode" selected>`)
	mustStatus(t, admin.Do("GET", "/admin/plans?provider=aws", nil), 400, "unknown provider filter")
}

// TestUIOperatorPlanErrors: a bad amount or a region the size lacks
// answers 4xx with the message and the field error, keeping what was typed.
func TestUIOperatorPlanErrors(t *testing.T) {
	t.Parallel()
	h := sqliteHarness(t)
	admin, csrf := opSignIn(t, h)
	for _, tt := range []struct {
		name  string
		form  url.Values
		field string
		kept  []string
	}{
		{"three decimals", opPlanForm(csrf, "price_monthly", "12.345", "name", "Typed name"), "price_monthly",
			[]string{`value="12.345"`, `value="Typed name"`, `value="sgp1" id="region-sgp1" checked`, `value="0.02"`}},
		{"not a number", opPlanForm(csrf, "price_hourly", "abc"), "price_hourly", []string{`value="abc"`, `value="12.00"`}},
		{"negative", opPlanForm(csrf, "price_monthly", "-5"), "price_monthly", []string{`value="-5"`}},
		{"zero", opPlanForm(csrf, "price_monthly", "0.00"), "price_monthly", []string{`value="0.00"`}},
		{"hourly above monthly", opPlanForm(csrf, "price_hourly", "13"), "price_hourly", []string{`value="13"`}},
		{"no region", opPlanForm(csrf, "regions", ""), "regions", []string{`value="Starter"`}},
		{"region not offered", opPlanForm(csrf, "regions", "atlantis1"), "regions", []string{`value="Starter"`}},
		{"unknown size", opPlanForm(csrf, "size_slug", "s-64vcpu-1tb"), "size_slug", []string{`value="Starter"`}},
		{"no name", opPlanForm(csrf, "name", ""), "name", []string{`value="12.00"`}},
	} {
		t.Run(tt.name, func(t *testing.T) {
			res := admin.PostForm("/admin/plans", tt.form)
			if res.Status != 400 {
				t.Fatalf("status %d, want 400:\n%s", res.Status, res.Body)
			}
			mustContain(t, res, tt.name, append([]string{`role="alert"`, `class="field-error" id="` + tt.field + `-error"`,
				`aria-describedby="` + tt.field + `-error" aria-invalid="true"`}, tt.kept...)...)
		})
	}
	if n := len(opStoredPlans(t, h)); n != 0 {
		t.Fatalf("refused forms stored %d plans", n)
	}
	// A duplicate name is a conflict, shown on the form too.
	mustStatus(t, admin.PostForm("/admin/plans", opPlanForm(csrf)), 303, "create")
	res := admin.PostForm("/admin/plans", opPlanForm(csrf, "price_monthly", "9.99"))
	mustStatus(t, res, 409, "duplicate name")
	mustContain(t, res, "duplicate", `role="alert"`, `value="9.99"`)
}

// TestUIOperatorPlanEditDelete: edit prices, regions and the active flag,
// pick another size (its resources follow), then delete.
func TestUIOperatorPlanEditDelete(t *testing.T) {
	t.Parallel()
	h := sqliteHarness(t)
	admin, csrf := opSignIn(t, h)
	mustStatus(t, admin.PostForm("/admin/plans", opPlanForm(csrf)), 303, "create")
	id := opStoredPlans(t, h)[0].ID

	res := admin.Do("GET", "/admin/plans/"+id+"/edit", nil)
	mustStatus(t, res, 200, "edit page")
	mustContain(t, res, "edit page", `action="/admin/plans/`+id+`"`, `value="Starter"`, `value="12.00"`, `value="0.02"`,
		`<option value="s-1vcpu-1gb" selected>`, `id="region-nyc3" checked`, `id="is_active" name="is_active" value="true" checked`, `id="delete-plan"`)

	// Another size: the form shows its resources, keeping the regions it also offers.
	res = admin.Do("GET", "/admin/plans/"+id+"/edit?size_slug=s-2vcpu-4gb&regions=sgp1", nil)
	mustStatus(t, res, 200, "edit: pick a size")
	mustContain(t, res, "edit: picked", `id="vcpus" name="vcpus" type="number" min="0" value="2"`, `id="memory_mb" name="memory_mb" type="number" min="0" value="4096"`,
		`id="region-sgp1" checked`)

	form := opPlanForm(csrf, "size_slug", "s-2vcpu-4gb", "price_monthly", "30.50", "price_hourly", "0.05", "regions", "sgp1", "is_active", "",
		"vcpus", "", "memory_mb", "", "disk_gb", "", "transfer_gb", "")
	res = admin.PostForm("/admin/plans/"+id, form)
	mustStatus(t, res, 303, "update")
	p, err := h.db.PlanByID(t.Context(), id)
	if err != nil {
		t.Fatal(err)
	}
	if p.SizeSlug != "s-2vcpu-4gb" || p.VCPUs != 2 || p.MemoryMB != 4096 || p.PriceMonthly != 3050 || p.PriceHourly != 5 ||
		p.IsActive || !slices.Equal(p.Regions, []string{"sgp1"}) {
		t.Fatalf("updated plan %+v", p)
	}
	res = admin.Do("GET", "/admin/plans", nil)
	mustContain(t, res, "after update", "30.50 USD", `data-status="inactive"`)

	// The provider of a plan cannot change; bad input keeps the values.
	res = admin.PostForm("/admin/plans/"+id, opPlanForm(csrf, "provider_type", "linode", "size_slug", "g6-nanode-1", "regions", "us-east"))
	if res.Status != 400 {
		t.Fatalf("changing the provider: %d", res.Status)
	}
	res = admin.PostForm("/admin/plans/"+id, opPlanForm(csrf, "price_hourly", "1,5"))
	mustStatus(t, res, 400, "bad hourly price on edit")
	mustContain(t, res, "bad edit", `value="1,5"`, `id="price_hourly-error"`)
	if p, _ := h.db.PlanByID(t.Context(), id); p.PriceMonthly != 3050 {
		t.Fatal("a refused edit changed the plan")
	}

	res = admin.PostForm("/admin/plans/"+id+"/delete", url.Values{"csrf_token": {csrf}})
	mustStatus(t, res, 303, "delete")
	if _, err := h.db.PlanByID(t.Context(), id); webrana.ErrorCode(err) != webrana.ENOTFOUND {
		t.Fatalf("deleted plan still there: %v", err)
	}
	mustStatus(t, admin.Do("GET", "/admin/plans/"+id+"/edit", nil), 404, "edit a deleted plan")
	mustStatus(t, admin.PostForm("/admin/plans/"+id+"/delete", url.Values{"csrf_token": {csrf}}), 404, "delete twice")
}

// TestUIOperatorServers: every customer's servers, filtered by provider,
// status and owner.
func TestUIOperatorServers(t *testing.T) {
	t.Parallel()
	h := sqliteHarness(t)
	admin, _ := opSignIn(t, h)
	h.user("a@example.com", webrana.RoleCustomer)
	h.user("b@example.com", webrana.RoleCustomer)
	alice, bob := h.login("a@example.com"), h.login("b@example.com")
	do := h.order(t, alice)
	plan := h.plan(t, webrana.Linode)
	h.credit(t, bob, 1000)
	res := bob.Do("POST", "/api/vps", map[string]any{"provider_type": "linode", "plan_id": plan.ID, "region": "us-east",
		"image": "linode/ubuntu24.04", "label": "lin-1", "root_password": "Kx9!mQ2#vLp7"})
	mustStatus(t, res, 202, "linode order")
	var li instanceJSON
	res.JSON(t, &li)

	res = admin.Do("GET", "/admin/servers", nil)
	mustStatus(t, res, 200, "all servers")
	mustContain(t, res, "all servers", `id="admin-provider-filter"`, `id="admin-account-filter"`, `id="admin-status-filter"`,
		`data-id="`+do.ID+`"`, `data-id="`+li.ID+`"`, `href="/servers/`+do.ID+`"`, `<th scope="col">Account</th>`)

	res = admin.Do("GET", "/admin/servers?provider=linode", nil)
	mustStatus(t, res, 200, "linode servers")
	mustContain(t, res, "linode servers", `data-id="`+li.ID+`"`, `<option value="linode" selected>`)
	if strings.Contains(string(res.Body), do.ID) {
		t.Error("the linode filter lists a DigitalOcean server")
	}
	res = admin.Do("GET", "/admin/servers?owner=A@example.com", nil)
	mustContain(t, res, "alice's servers", `data-id="`+do.ID+`"`)
	if strings.Contains(string(res.Body), li.ID) {
		t.Error("the owner filter lists bob's server")
	}
	res = admin.Do("GET", "/admin/servers?q=lin", nil)
	mustContain(t, res, "label search", `data-id="`+li.ID+`"`, `id="admin-search" name="q" type="search" value="lin"`)
	if strings.Contains(string(res.Body), do.ID) {
		t.Error("the label search lists web-1")
	}
	res = admin.Do("GET", "/admin/servers?status=active", nil)
	mustContain(t, res, "active servers", `id="no-servers"`)

	res = admin.Do("GET", "/admin/servers?owner=nobody@example.com&provider=linode", nil)
	mustStatus(t, res, 400, "unknown owner")
	mustContain(t, res, "unknown owner", `role="alert"`, `id="owner-error"`, `value="nobody@example.com"`)
	mustStatus(t, admin.Do("GET", "/admin/servers?status=exploded", nil), 400, "unknown status")

	// Through htmx, which swaps #admin-servers (hx-select) and #servers-total
	// (hx-select-oob): a refused filter is explained inside the list, and the
	// total follows the filter.
	hx := admin.WithHeader("HX-Request", "true")
	res = hx.Do("GET", "/admin/servers", nil)
	mustStatus(t, res, 200, "htmx: all servers")
	opInRegion(t, res, "servers-total", "htmx: all", ">2 servers<")
	res = hx.Do("GET", "/admin/servers?provider=linode", nil)
	opInRegion(t, res, "servers-total", "htmx: linode total", ">1 servers<")
	opInRegion(t, res, "admin-servers", "htmx: linode list", `data-id="`+li.ID+`"`)
	res = hx.Do("GET", "/admin/servers?owner=nobody@example.com", nil)
	mustStatus(t, res, 400, "htmx: unknown owner")
	opInRegion(t, res, "admin-servers", "htmx: unknown owner", `role="alert"`, "No user has the e-mail nobody@example.com.")
	opInRegion(t, res, "servers-total", "htmx: unknown owner total", ">0 servers<")
	for _, bad := range []string{"status=exploded", "page=0"} {
		res = hx.Do("GET", "/admin/servers?"+bad, nil)
		mustStatus(t, res, 400, "htmx: "+bad)
		opInRegion(t, res, "admin-servers", "htmx: "+bad, `role="alert"`)
	}
}

// TestUIOperatorListFilterErrors: through htmx (which keeps only the list's
// region of the answer), a refused filter on the alerts, reconciliation,
// customers and plans lists is explained inside that region; the customers'
// total follows the role filter.
func TestUIOperatorListFilterErrors(t *testing.T) {
	t.Parallel()
	h := sqliteHarness(t)
	admin, _ := opSignIn(t, h)
	h.user("c@example.com", webrana.RoleCustomer)
	hx := admin.WithHeader("HX-Request", "true")
	for _, tt := range []struct{ path, region, message string }{
		{"/admin/alerts?open=maybe", "alerts-list", "open must be true or false."},
		{"/admin/alerts?page=x", "alerts-list", "page must be a positive whole number."},
		{"/admin/reconciliation?per_page=0", "findings-list", "per_page must be a positive whole number."},
		{"/admin/customers?role=root", "customers-list", "role must be admin or customer."},
		{"/admin/plans?provider=aws", "plan-groups", "provider must be digitalocean or linode."},
	} {
		res := hx.Do("GET", tt.path, nil)
		mustStatus(t, res, 400, tt.path)
		opInRegion(t, res, tt.region, tt.path, `role="alert"`, tt.message)
		if strings.Contains(string(res.Body), `id="page-error"`) {
			t.Errorf("%s: the message is also outside the list", tt.path)
		}
	}
	res := hx.Do("GET", "/admin/customers", nil)
	mustStatus(t, res, 200, "htmx: everyone")
	opInRegion(t, res, "customers-total", "everyone", ">2 users<")
	res = hx.Do("GET", "/admin/customers?role=customer", nil)
	opInRegion(t, res, "customers-total", "customers only", ">1 users<")
	opInRegion(t, res, "customers-list", "customers only", `data-email="c@example.com"`)
	if strings.Contains(elementByID(t, res, "customers-list"), "admin@example.com") {
		t.Error("role=customer lists the administrator")
	}
}

// TestUIOperatorAlerts: open and resolved alerts; resolving one from the page.
func TestUIOperatorAlerts(t *testing.T) {
	t.Parallel()
	h := sqliteHarness(t)
	admin, csrf := opSignIn(t, h)
	ctx := t.Context()
	full := &webrana.Alert{Kind: webrana.AlertAccountFull, Key: "account_full:x", Severity: "warning", Message: "Account X is full"}
	old := &webrana.Alert{Kind: webrana.AlertPoolHighUsage, Key: "pool_high_usage:linode", Severity: "warning", Message: "Linode pool at 90%"}
	for _, a := range []*webrana.Alert{old, full} {
		if _, err := h.db.OpenAlert(ctx, a); err != nil {
			t.Fatal(err)
		}
	}
	if _, err := h.db.ResolveAlert(ctx, old.Key); err != nil {
		t.Fatal(err)
	}
	res := admin.Do("GET", "/admin/alerts", nil)
	mustStatus(t, res, 200, "alerts")
	mustContain(t, res, "alerts", `id="alerts"`, "Account X is full", "Linode pool at 90%", `id="resolve-`+full.ID+`"`, "1 open")
	for _, kind := range webrana.AlertKinds { // the filter offers every kind, payments' too
		mustContain(t, res, "alerts filter", `value="`+kind+`"`)
	}
	if strings.Contains(string(res.Body), `id="resolve-`+old.ID+`"`) {
		t.Error("a resolved alert offers to be resolved")
	}
	res = admin.Do("GET", "/admin/alerts?open=true", nil)
	if strings.Contains(string(res.Body), "Linode pool at 90%") {
		t.Error("open=true lists a resolved alert")
	}

	res = admin.PostForm("/admin/alerts/"+full.ID+"/resolve", url.Values{"csrf_token": {csrf}})
	mustStatus(t, res, 303, "resolve")
	a, err := h.db.AlertByID(ctx, full.ID)
	if err != nil || a.ResolvedAt == nil {
		t.Fatalf("alert after resolving: %+v %v", a, err)
	}
	res = admin.Do("GET", "/admin/alerts", nil)
	mustContain(t, res, "after resolve", "Alert resolved: Account X is full", "0 open")
	if strings.Contains(string(res.Body), `id="resolve-`) {
		t.Error("a resolve button is left")
	}
	mustStatus(t, admin.PostForm("/admin/alerts/00000000-0000-0000-0000-000000000000/resolve", url.Values{"csrf_token": {csrf}}), 404, "unknown alert")
}

// TestUIOperatorReconciliation: findings listed with their account; one
// dismissed from the page, and not twice.
func TestUIOperatorReconciliation(t *testing.T) {
	t.Parallel()
	h := sqliteHarness(t)
	admin, csrf := opSignIn(t, h)
	acct := createAccount(t, h.login("admin@example.com"), "/internal/accounts",
		map[string]any{"provider_type": "digitalocean", "name": "Primary DO", "token": "token-digitalocean", "limit": 25})
	f := &webrana.Finding{AccountID: acct.ID, ProviderID: "424242", Tag: "webrana:order:x", Detail: "droplet web-9 has no order"}
	if _, err := h.db.RecordFinding(t.Context(), f); err != nil {
		t.Fatal(err)
	}
	res := admin.Do("GET", "/admin/reconciliation", nil)
	mustStatus(t, res, 200, "findings")
	mustContain(t, res, "findings", `id="findings"`, "Primary DO", "424242", "droplet web-9 has no order",
		`id="destroy-`+f.ID+`"`, `id="dismiss-`+f.ID+`"`, `<details class="confirm">`)

	res = admin.PostForm("/admin/reconciliation/"+f.ID+"/dismiss", url.Values{"csrf_token": {csrf}})
	mustStatus(t, res, 303, "dismiss")
	got, err := h.db.FindingByID(t.Context(), f.ID)
	if err != nil || got.Status != webrana.FindingDismissed {
		t.Fatalf("finding after dismissing: %+v %v", got, err)
	}
	res = admin.PostForm("/admin/reconciliation/"+f.ID+"/destroy", url.Values{"csrf_token": {csrf}})
	mustStatus(t, res, 409, "destroy a closed finding")
	mustContain(t, res, "closed finding", "already closed")
	res = admin.Do("GET", "/admin/reconciliation?open=true", nil)
	mustContain(t, res, "open findings", `id="no-findings"`)
}

// TestUIOperatorCustomers: credit a customer in major units and see the
// balance change through the customer's own API; bad amounts are refused
// with the values kept; a form sent twice credits once; disable and enable.
func TestUIOperatorCustomers(t *testing.T) {
	t.Parallel()
	h := sqliteHarness(t)
	admin, csrf := opSignIn(t, h)
	c := h.user("c@example.com", webrana.RoleCustomer)
	customer := h.login("c@example.com")
	balance := func() int64 {
		t.Helper()
		var bill struct{ Balance webrana.Money }
		customer.Do("GET", "/api/billing", nil).JSON(t, &bill)
		return bill.Balance.Amount
	}

	res := admin.Do("GET", "/admin/customers", nil)
	mustStatus(t, res, 200, "customers")
	mustContain(t, res, "customers", `id="customers"`, `data-email="c@example.com"`, `id="balance-`+c.ID+`"`, "0.00 USD",
		`id="credit-`+c.ID+`"`, `id="amount-`+c.ID+`"`, `id="disable-`+c.ID+`"`, "admin@example.com")
	key := regexp.MustCompile(`name="idempotency_key" value="([^"]+)"`).FindSubmatch(res.Body)
	if key == nil {
		t.Fatal("the credit form has no idempotency key")
	}

	for _, bad := range []struct{ amount, note, field string }{
		{"25.001", "Bank transfer", "amount"},
		{"25,00", "Bank transfer", "amount"},
		{"0", "Bank transfer", "amount"},
		{"100000.01", "Bank transfer", "amount"},
		{"25.00", "  ", "note"},
	} {
		res := admin.PostForm("/admin/customers/"+c.ID+"/credit", url.Values{"csrf_token": {csrf}, "amount": {bad.amount}, "note": {bad.note}})
		if res.Status != 400 {
			t.Fatalf("credit %q %q: %d, want 400", bad.amount, bad.note, res.Status)
		}
		mustContain(t, res, "bad credit", `role="alert"`, `id="`+bad.field+`-error-`+c.ID+`"`, `value="`+bad.amount+`"`,
			`<details class="credit" open>`)
	}
	if b := balance(); b != 0 {
		t.Fatalf("refused credits changed the balance to %d", b)
	}

	form := url.Values{"csrf_token": {csrf}, "amount": {"25.50"}, "note": {"Bank transfer 42"}, "idempotency_key": {string(key[1])}}
	res = admin.PostForm("/admin/customers/"+c.ID+"/credit", form)
	mustStatus(t, res, 303, "credit")
	if b := balance(); b != 2550 {
		t.Fatalf("balance %d after crediting 25.50, want 2550", b)
	}
	res = admin.Do("GET", "/admin/customers", nil)
	mustContain(t, res, "after credit", "Credited 25.50 USD. The balance is now 25.50 USD.", ">25.50 USD</span>")
	mustStatus(t, admin.PostForm("/admin/customers/"+c.ID+"/credit", form), 303, "the same form again")
	if b := balance(); b != 2550 {
		t.Fatalf("balance %d after sending the form twice, want 2550", b)
	}
	res = admin.Do("GET", "/admin/customers", nil)
	mustContain(t, res, "the same form again", "Already credited: this form was sent before. The balance is 25.50 USD.")
	if strings.Contains(string(res.Body), "Credited 25.50") {
		t.Error("a replayed credit says it credited")
	}

	// Administrators have no balance.
	var me struct{ ID string }
	h.login("admin@example.com").Do("GET", "/api/me", nil).JSON(t, &me)
	res = admin.PostForm("/admin/customers/"+me.ID+"/credit", url.Values{"csrf_token": {csrf}, "amount": {"5"}, "note": {"x"}})
	mustStatus(t, res, 400, "credit an admin")
	mustContain(t, res, "credit an admin", "Only customers have a balance.")

	mustStatus(t, admin.PostForm("/admin/customers/"+c.ID+"/disable", url.Values{"csrf_token": {csrf}}), 303, "disable")
	if u, _ := h.db.UserByID(t.Context(), c.ID); !u.Disabled {
		t.Fatal("the customer is not disabled")
	}
	if res := customer.Do("GET", "/api/billing", nil); res.Status != 401 {
		t.Fatalf("a disabled customer's session still works: %d", res.Status)
	}
	res = admin.Do("GET", "/admin/customers?role=customer", nil)
	mustContain(t, res, "disabled customer", `id="enable-`+c.ID+`"`, `data-status="disabled"`)
	if strings.Contains(string(res.Body), `data-email="admin@example.com"`) {
		t.Error("role=customer lists the administrator")
	}
	mustStatus(t, admin.PostForm("/admin/customers/"+c.ID+"/enable", url.Values{"csrf_token": {csrf}}), 303, "enable")
	if u, _ := h.db.UserByID(t.Context(), c.ID); u.Disabled {
		t.Fatal("the customer is still disabled")
	}
}

// TestUIOperatorAudit: the audit log lists the operator's actions, newest
// first, filtered by action; a bad time filter is explained.
func TestUIOperatorAudit(t *testing.T) {
	t.Parallel()
	h := sqliteHarness(t)
	admin, csrf := opSignIn(t, h)
	h.clock.Advance(time.Minute) // the plan is created after the login
	mustStatus(t, admin.PostForm("/admin/plans", opPlanForm(csrf)), 303, "create plan")
	id := opStoredPlans(t, h)[0].ID

	res := admin.Do("GET", "/admin/audit", nil)
	mustStatus(t, res, 200, "audit")
	mustContain(t, res, "audit", `id="audit"`, `data-action="plan.created"`, "admin@example.com", id, "Starter")
	body := string(res.Body)
	if login := strings.Index(body, `data-action="login.succeeded"`); login < 0 || strings.Index(body, `data-action="plan.created"`) > login {
		t.Error("the audit log is not newest first: the plan was created after the login")
	}
	res = admin.Do("GET", "/admin/audit?action=plan.deleted", nil)
	mustStatus(t, res, 200, "filtered audit")
	mustContain(t, res, "filtered audit", `id="no-audit"`, `value="plan.deleted"`)
	res = admin.Do("GET", "/admin/audit?since=yesterday", nil)
	mustStatus(t, res, 400, "bad since")
	mustContain(t, res, "bad since", `role="alert"`, `id="since-error"`, `value="yesterday"`)
}

// TestUIOperatorPlanCatalogDown: when the provider's catalog cannot be had,
// the size picker's htmx answer still has #size-fields, with the reason and
// the fields as they were (resources and regions), so the next save does
// not lose them; a save in the outage shows the form again as typed.
func TestUIOperatorPlanCatalogDown(t *testing.T) {
	t.Parallel()
	h := sqliteHarness(t)
	admin, csrf := opSignIn(t, h)
	if err := h.sim.AddFault(cloudsim.FaultSpec{Provider: "digitalocean", Status: 503}); err != nil {
		t.Fatal(err)
	}
	hx := admin.WithHeader("HX-Request", "true")
	res := hx.Do("GET", "/admin/plans/new?provider=digitalocean&size_slug=s-2vcpu-4gb&regions=sgp1&regions=nyc3"+
		"&vcpus=1&memory_mb=1024&disk_gb=25&transfer_gb=", nil)
	if res.Status < 500 {
		t.Fatalf("picking a size with the catalog down: %d, want 5xx", res.Status)
	}
	opInRegion(t, res, "size-fields", "catalog down", `role="alert"`, `id="catalog-error"`,
		`id="vcpus" name="vcpus" type="number" min="0" value="1"`, `id="memory_mb" name="memory_mb" type="number" min="0" value="1024"`,
		`id="disk_gb" name="disk_gb" type="number" min="0" value="25"`, `id="transfer_gb" name="transfer_gb" type="number" min="0" value=""`,
		`value="sgp1" id="region-sgp1" checked`, `value="nyc3" id="region-nyc3" checked`)

	res = admin.PostForm("/admin/plans", opPlanForm(csrf, "name", "Typed name", "vcpus", "1"))
	if res.Status < 500 {
		t.Fatalf("saving with the catalog down: %d, want 5xx", res.Status)
	}
	mustContain(t, res, "save, catalog down", `id="catalog-error"`, `value="Typed name"`, `value="12.00"`, `value="0.02"`,
		`<option value="s-1vcpu-1gb" selected>`, `value="sgp1" id="region-sgp1" checked`, `id="vcpus" name="vcpus" type="number" min="0" value="1"`)
	if n := len(opStoredPlans(t, h)); n != 0 {
		t.Fatalf("%d plans saved with the catalog down", n)
	}

	h.sim.ClearFaults()
	res = hx.Do("GET", "/admin/plans/new?provider=digitalocean&size_slug=s-2vcpu-4gb&regions=sgp1&vcpus=1", nil)
	mustStatus(t, res, 200, "the catalog is back")
	opInRegion(t, res, "size-fields", "catalog back", `id="provider-price"`, `id="vcpus" name="vcpus" type="number" min="0" value="2"`,
		`value="sgp1" id="region-sgp1" checked`)
}

// TestUIOperatorRefusesCustomers: a signed-in customer is refused every
// operator page and form.
func TestUIOperatorRefusesCustomers(t *testing.T) {
	t.Parallel()
	h := sqliteHarness(t)
	h.user("c@example.com", webrana.RoleCustomer)
	c := signIn(t, h, "c@example.com")
	csrf := hiddenCSRF(t, c.Do("GET", "/", nil))
	for _, path := range []string{"/admin/plans", "/admin/plans/new?provider=digitalocean", "/admin/servers", "/admin/alerts",
		"/admin/reconciliation", "/admin/customers", "/admin/audit"} {
		res := c.Do("GET", path, nil)
		mustStatus(t, res, 403, path)
		mustContain(t, res, path, "Administrators only.")
	}
	res := c.PostForm("/admin/plans", opPlanForm(csrf))
	mustStatus(t, res, 403, "customer creates a plan")
	if n := len(opStoredPlans(t, h)); n != 0 {
		t.Fatal("a customer created a plan")
	}
	u, _ := h.db.UserByEmail(t.Context(), "c@example.com")
	mustStatus(t, c.PostForm("/admin/customers/"+u.ID+"/credit", url.Values{"csrf_token": {csrf}, "amount": {"1000"}, "note": {"me"}}), 403, "customer credits themself")
}

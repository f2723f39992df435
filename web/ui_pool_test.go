package web_test

import (
	"context"
	"html"
	"net/url"
	"regexp"
	"strings"
	"testing"

	"github.com/webrana/webrana"
	"github.com/webrana/webrana/cloudsim"
	"github.com/webrana/webrana/web/webtest"
)

// poolOperator is an administrator with a browser session (for the pages)
// and an API token (to set up accounts through the JSON API).
type poolOperator struct {
	h       *harness
	api     *webtest.Client
	browser *webtest.Client
	csrf    string
}

func newPoolOperator(t *testing.T, h *harness) *poolOperator {
	t.Helper()
	h.user("ops@example.com", webrana.RoleAdmin)
	c := signIn(t, h, "ops@example.com")
	return &poolOperator{h: h, api: h.login("ops@example.com"), browser: c, csrf: hiddenCSRF(t, c.Do("GET", "/", nil))}
}

// post submits a form with the session's CSRF token.
func (o *poolOperator) post(path string, form url.Values) *webtest.Response {
	if form == nil {
		form = url.Values{}
	}
	form.Set("csrf_token", o.csrf)
	return o.browser.PostForm(path, form)
}

// page opens a page and expects 200.
func (o *poolOperator) page(t *testing.T, path string) string {
	t.Helper()
	res := o.browser.Do("GET", path, nil)
	mustStatus(t, res, 200, "GET "+path)
	return string(res.Body)
}

// postRedirect submits a form, expects a redirect to the accounts page or
// to want, and returns the page it leads to (with its flash).
func (o *poolOperator) postRedirect(t *testing.T, path string, form url.Values, want string) string {
	t.Helper()
	res := o.post(path, form)
	mustStatus(t, res, 303, "POST "+path)
	if loc := res.Header.Get("Location"); loc != want {
		t.Fatalf("POST %s redirected to %q, want %q", path, loc, want)
	}
	return o.page(t, want)
}

// flash returns the page's flash message ("" when none).
func flash(body string) string {
	m := regexp.MustCompile(`(?s)<p class="flash" role="status" id="flash">(.*?)</p>`).FindStringSubmatch(body)
	if m == nil {
		return ""
	}
	return html.UnescapeString(m[1])
}

// accountRowHTML returns the table row of the account, or "".
func accountRowHTML(body, id string) string {
	m := regexp.MustCompile(`(?s)<tr data-account-id="` + regexp.QuoteMeta(id) + `".*?</tr>`).FindString(body)
	return html.UnescapeString(m)
}

// bannerHTML returns the pool banner, or "".
func bannerHTML(body string) string {
	return html.UnescapeString(regexp.MustCompile(`(?s)<div id="pool-banner".*?</div>`).FindString(body))
}

func TestUIPoolAccountsPage(t *testing.T) {
	t.Parallel()
	h := sqliteHarness(t)
	o := newPoolOperator(t, h)
	do := createAccount(t, o.api, "/internal/accounts", map[string]any{"provider_type": "digitalocean", "name": "Primary",
		"token": "token-digitalocean", "is_primary": true})
	li := createAccount(t, o.api, "/internal/accounts", map[string]any{"provider_type": "linode", "name": "Linode A",
		"token": "token-linode", "limit": 10})
	body := o.page(t, "/admin/accounts")
	for _, want := range []string{`id="add-account" href="/admin/accounts/new"`, `<table class="striped pool" id="accounts">`,
		`id="sync-all"`, `action="/admin/accounts/sync-all"`} {
		if !strings.Contains(body, want) {
			t.Errorf("the accounts page lacks %s", want)
		}
	}
	row := accountRowHTML(body, do.ID)
	for _, want := range []string{`data-name="Primary"`, `<span class="badge primary">Primary</span>`, "digitalocean@example.com",
		"3/25 (12%)", "3 running · 0 reserved · 22 free", `data-status="HEALTHY"`, "/assets/digitalocean.svg",
		`id="toggle-` + do.ID + `"`, `aria-checked="true"`, `id="sync-` + do.ID + `"`, `href="/admin/accounts/` + do.ID + `/edit"`,
		`id="delete-` + do.ID + `"`, `action="/admin/accounts/` + do.ID + `/delete"`, `name="active" value="false"`} {
		if !strings.Contains(row, want) {
			t.Errorf("Primary's row lacks %s:\n%s", want, row)
		}
	}
	if row := accountRowHTML(body, li.ID); !strings.Contains(row, "3/10 (30%)") || strings.Contains(row, "badge primary") {
		t.Errorf("Linode's row:\n%s", row)
	}
	total := regexp.MustCompile(`(?s)id="pool-total".*?</article>`).FindString(body)
	if !strings.Contains(total, "Total capacity: 6/35 (17%)") || !strings.Contains(total, `aria-valuenow="6"`) {
		t.Errorf("pool total:\n%s", total)
	}
	if b := bannerHTML(body); b != "" {
		t.Errorf("a banner on a healthy pool at 17%%:\n%s", b)
	}
	if strings.Contains(body, "token-digitalocean") || strings.Contains(body, "token-linode") {
		t.Error("a token reached the page")
	}

	// Filtered by provider: only Linode's accounts, the filter marked.
	body = o.page(t, "/admin/accounts?provider=linode")
	if accountRowHTML(body, do.ID) != "" || accountRowHTML(body, li.ID) == "" ||
		!strings.Contains(body, `href="/admin/accounts?provider=linode" aria-current="page"`) ||
		!strings.Contains(body, "Total capacity: 3/10 (30%)") {
		t.Errorf("the Linode filter shows the wrong accounts:\n%s", body)
	}
	mustStatus(t, o.browser.Do("GET", "/admin/accounts?provider=aws", nil), 400, "unknown provider filter")
}

func TestUIPoolAddAccount(t *testing.T) {
	engines(t, func(t *testing.T, h *harness) {
		o := newPoolOperator(t, h)
		if err := h.sim.AddAccount(cloudsim.AccountSpec{Provider: "linode", Token: "tok-linode-backup", Email: "backup@example.com",
			Limit: 50, Instances: 2}); err != nil {
			t.Fatal(err)
		}
		form := o.page(t, "/admin/accounts/new")
		for _, want := range []string{`id="name"`, `<select id="provider_type" name="provider_type"`, `id="email"`,
			`<input id="token" name="token" type="password" autocomplete="off"`, `id="limit"`, `id="is_primary"`,
			`id="is_active" name="is_active" type="checkbox" role="switch" value="true" checked`, `id="save-account"`,
			`<label for="token">`, `<option value="linode"`} {
			if !strings.Contains(form, want) {
				t.Errorf("the add form lacks %s", want)
			}
		}
		body := o.postRedirect(t, "/admin/accounts", url.Values{"name": {"Backup"}, "provider_type": {"linode"}, "email": {""},
			"token": {"tok-linode-backup"}, "limit": {"7"}, "is_active": {"true"}}, "/admin/accounts")
		if f := flash(body); !strings.Contains(f, "Added Backup: 2/7 in use") {
			t.Errorf("flash %q", f)
		}
		accounts, err := h.db.ListAccounts(context.Background(), webrana.Linode)
		if err != nil || len(accounts) != 1 {
			t.Fatalf("linode accounts %v, %v", accounts, err)
		}
		a := accounts[0]
		if a.Name != "Backup" || a.Limit != 7 || a.Active != 2 || !a.IsActive || a.IsPrimary || a.Email != "backup@example.com" {
			t.Fatalf("created %+v", a)
		}
		if row := accountRowHTML(body, a.ID); !strings.Contains(row, "2/7 (28%)") || !strings.Contains(row, "backup@example.com") {
			t.Errorf("the new account's row:\n%s", row)
		}

		// DigitalOcean publishes its limit: none is typed; unchecked boxes are false.
		o.postRedirect(t, "/admin/accounts", url.Values{"name": {"DO"}, "provider_type": {"digitalocean"},
			"token": {"token-digitalocean"}, "is_primary": {"true"}}, "/admin/accounts")
		accounts, _ = h.db.ListAccounts(context.Background(), webrana.DigitalOcean)
		if len(accounts) != 1 || accounts[0].Limit != 25 || !accounts[0].LimitFromProvider || accounts[0].IsActive || !accounts[0].IsPrimary {
			t.Fatalf("DigitalOcean account %+v", accounts)
		}
	})
}

func TestUIPoolAddAccountBadInput(t *testing.T) {
	t.Parallel()
	h := sqliteHarness(t)
	o := newPoolOperator(t, h)
	for _, c := range []struct {
		name  string
		form  url.Values
		field string
		words string
	}{
		{"empty name", url.Values{"name": {" "}, "provider_type": {"linode"}, "token": {"token-linode"}, "limit": {"5"}}, "name", "A name of 1 to 64 characters is required."},
		{"unknown token", url.Values{"name": {"Kept name"}, "provider_type": {"digitalocean"}, "token": {"no-such-token"}}, "token", "The provider refused this token"},
		{"no limit for Linode", url.Values{"name": {"Kept name"}, "provider_type": {"linode"}, "token": {"token-linode"}}, "limit", "publishes no server limit"},
		{"limit not a number", url.Values{"name": {"Kept name"}, "provider_type": {"linode"}, "token": {"token-linode"}, "limit": {"lots"}}, "limit", "whole number"},
		{"unknown provider", url.Values{"name": {"Kept name"}, "provider_type": {"aws"}, "token": {"token-linode"}}, "provider_type", "digitalocean or linode"},
	} {
		t.Run(c.name, func(t *testing.T) {
			c.form.Set("email", "kept@example.com")
			res := o.post("/admin/accounts", c.form)
			mustStatus(t, res, 400, c.name)
			body := html.UnescapeString(string(res.Body))
			if !strings.Contains(body, `role="alert" id="page-error">`+c.words) && !strings.Contains(body, c.words) {
				t.Errorf("the page does not say %q:\n%s", c.words, body)
			}
			if !strings.Contains(body, `<small class="field-error" id="`+c.field+`-error">`) {
				t.Errorf("no error under %s", c.field)
			}
			if !strings.Contains(body, `value="kept@example.com"`) {
				t.Error("the e-mail typed is lost")
			}
			if c.field != "name" && !strings.Contains(body, `value="Kept name"`) {
				t.Error("the name typed is lost")
			}
			if tok := c.form.Get("token"); strings.Contains(body, tok) {
				t.Errorf("the token %q was put back into the page", tok)
			}
		})
	}
	if accounts, _ := h.db.ListAccounts(context.Background(), ""); len(accounts) != 0 {
		t.Fatalf("bad input created accounts: %v", accounts)
	}
}

func TestUIPoolSync(t *testing.T) {
	t.Parallel()
	h := sqliteHarness(t)
	o := newPoolOperator(t, h)
	do := createAccount(t, o.api, "/internal/accounts", map[string]any{"provider_type": "digitalocean", "name": "Primary", "token": "token-digitalocean"})
	li := createAccount(t, o.api, "/internal/accounts", map[string]any{"provider_type": "linode", "name": "Linode A", "token": "token-linode", "limit": 10})

	if err := h.sim.UpdateAccount("token-digitalocean", cloudsim.AccountUpdate{Limit: ptrInt(30)}); err != nil {
		t.Fatal(err)
	}
	body := o.postRedirect(t, "/admin/accounts/"+do.ID+"/sync", nil, "/admin/accounts")
	if f := flash(body); f != "Synced Primary: 3/30 in use." {
		t.Errorf("flash %q", f)
	}
	if row := accountRowHTML(body, do.ID); !strings.Contains(row, "3/30 (10%)") {
		t.Errorf("after sync:\n%s", row)
	}
	// The filter the form was sent from is kept.
	o.postRedirect(t, "/admin/accounts/"+li.ID+"/sync?provider=linode", nil, "/admin/accounts?provider=linode")

	body = o.postRedirect(t, "/admin/accounts/sync-all", nil, "/admin/accounts")
	if f := flash(body); f != "Synced 2 active account(s)." {
		t.Errorf("sync-all flash %q", f)
	}

	// A revoked token: the sync says so, and the banner names the account.
	revoked := true
	if err := h.sim.UpdateAccount("token-linode", cloudsim.AccountUpdate{Revoked: &revoked}); err != nil {
		t.Fatal(err)
	}
	body = o.postRedirect(t, "/admin/accounts/"+li.ID+"/sync", nil, "/admin/accounts")
	if f := flash(body); !strings.Contains(f, "Synced Linode A") || !strings.Contains(f, "UNHEALTHY") {
		t.Errorf("flash after a revoked token %q", f)
	}
	if b := bannerHTML(body); !strings.Contains(b, "Linode A is unhealthy: The provider refused the token") || !strings.Contains(b, "banner bad") {
		t.Errorf("banner:\n%s", b)
	}
	if row := accountRowHTML(body, li.ID); !strings.Contains(row, `data-status="UNHEALTHY"`) {
		t.Errorf("row of the revoked account:\n%s", row)
	}

	// An unknown account: the accounts page with the problem and a 404.
	res := o.post("/admin/accounts/00000000-0000-0000-0000-000000000000/sync", nil)
	mustStatus(t, res, 404, "sync of a missing account")
	if !strings.Contains(string(res.Body), `id="page-error">Account not found.`) || !strings.Contains(string(res.Body), `id="accounts"`) {
		t.Errorf("missing account:\n%s", res.Body)
	}
}

func TestUIPoolEditAccount(t *testing.T) {
	t.Parallel()
	h := sqliteHarness(t)
	o := newPoolOperator(t, h)
	li := createAccount(t, o.api, "/internal/accounts", map[string]any{"provider_type": "linode", "name": "Linode A", "token": "token-linode", "limit": 10})
	do := createAccount(t, o.api, "/internal/accounts", map[string]any{"provider_type": "digitalocean", "name": "DO", "token": "token-digitalocean"})

	form := o.page(t, "/admin/accounts/"+li.ID+"/edit")
	for _, want := range []string{`action="/admin/accounts/` + li.ID + `"`, `id="name" name="name" type="text" maxlength="64" required value="Linode A"`,
		`value="10"`, `id="is_active" name="is_active" type="checkbox" role="switch" value="true" checked`, "Leave empty to keep the current token"} {
		if !strings.Contains(form, want) {
			t.Errorf("the edit form lacks %s", want)
		}
	}
	if strings.Contains(form, "token-linode") {
		t.Error("the token is in the edit form")
	}
	if f := o.page(t, "/admin/accounts/"+do.ID+"/edit"); !regexp.MustCompile(`id="limit"[^>]*disabled`).MatchString(f) {
		t.Error("DigitalOcean's own limit is editable")
	}

	edit := url.Values{"name": {"Linode main"}, "email": {"ops@linode.example"}, "limit": {"12"}, "is_active": {"true"}, "token": {""}}
	body := o.postRedirect(t, "/admin/accounts/"+li.ID, edit, "/admin/accounts")
	if f := flash(body); f != "Saved Linode main: 3/12 in use." {
		t.Errorf("flash %q", f)
	}
	a, err := h.db.AccountByID(context.Background(), li.ID)
	if err != nil {
		t.Fatal(err)
	}
	if a.Limit != 12 || a.Name != "Linode main" || a.Email != "ops@linode.example" || !a.IsActive || a.TokenHint != li.TokenHint {
		t.Fatalf("after edit %+v", a)
	}
	if row := accountRowHTML(body, li.ID); !strings.Contains(row, "3/12 (25%)") {
		t.Errorf("row after edit:\n%s", row)
	}

	// Bad input keeps what was typed; a refused token changes nothing.
	res := o.post("/admin/accounts/"+li.ID, url.Values{"name": {"Renamed"}, "email": {"x@example.com"}, "limit": {"0"}, "is_active": {"true"}})
	mustStatus(t, res, 400, "limit 0")
	if b := string(res.Body); !strings.Contains(b, "limit must be between 1 and 10000.") || !strings.Contains(b, `value="Renamed"`) ||
		!strings.Contains(b, `value="x@example.com"`) || !strings.Contains(b, `id="limit-error"`) {
		t.Errorf("limit 0:\n%s", b)
	}
	res = o.post("/admin/accounts/"+li.ID, url.Values{"name": {"Linode main"}, "limit": {"12"}, "is_active": {"true"}, "token": {"stolen-token"}})
	mustStatus(t, res, 400, "refused token")
	if b := string(res.Body); !strings.Contains(b, `id="token-error"`) || strings.Contains(b, "stolen-token") {
		t.Errorf("refused token:\n%s", b)
	}
	if a, _ := h.db.AccountByID(context.Background(), li.ID); a.Limit != 12 || a.Name != "Linode main" {
		t.Fatalf("a refused edit changed the account: %+v", a)
	}
	mustStatus(t, o.browser.Do("GET", "/admin/accounts/00000000-0000-0000-0000-000000000000/edit", nil), 404, "edit a missing account")
}

func TestUIPoolActiveAndDelete(t *testing.T) {
	t.Parallel()
	h := sqliteHarness(t)
	o := newPoolOperator(t, h)
	li := createAccount(t, o.api, "/internal/accounts", map[string]any{"provider_type": "linode", "name": "Linode A", "token": "token-linode", "limit": 10})

	body := o.postRedirect(t, "/admin/accounts/"+li.ID+"/active", url.Values{"active": {"false"}}, "/admin/accounts")
	if a, _ := h.db.AccountByID(context.Background(), li.ID); a.IsActive {
		t.Fatal("the account is still active")
	}
	if f := flash(body); !strings.Contains(f, "Linode A is inactive") {
		t.Errorf("flash %q", f)
	}
	row := accountRowHTML(body, li.ID)
	if !strings.Contains(row, `aria-checked="false"`) || !strings.Contains(row, `name="active" value="true"`) {
		t.Errorf("row of an inactive account:\n%s", row)
	}
	if b := bannerHTML(body); !strings.Contains(b, "No Linode account is active") {
		t.Errorf("banner with no active Linode account:\n%s", b)
	}
	mustStatus(t, o.post("/admin/accounts/"+li.ID+"/active", url.Values{"active": {"maybe"}}), 400, "active=maybe")
	o.postRedirect(t, "/admin/accounts/"+li.ID+"/active", url.Values{"active": {"true"}}, "/admin/accounts")
	if a, _ := h.db.AccountByID(context.Background(), li.ID); !a.IsActive {
		t.Fatal("the account was not reactivated")
	}

	body = o.postRedirect(t, "/admin/accounts/"+li.ID+"/delete", nil, "/admin/accounts")
	if f := flash(body); f != "Deleted Linode A." {
		t.Errorf("flash %q", f)
	}
	if _, err := h.db.AccountByID(context.Background(), li.ID); webrana.ErrorCode(err) != webrana.ENOTFOUND {
		t.Fatalf("the deleted account: %v", err)
	}
	if accountRowHTML(body, li.ID) != "" || !strings.Contains(body, `id="no-accounts"`) {
		t.Error("the deleted account is still listed")
	}
	res := o.post("/admin/accounts/"+li.ID+"/delete", nil)
	mustStatus(t, res, 404, "delete twice")
	if !strings.Contains(string(res.Body), "Account not found.") {
		t.Errorf("delete twice:\n%s", res.Body)
	}
}

func TestUIPoolBannerWhenFull(t *testing.T) {
	t.Parallel()
	h := sqliteHarness(t)
	o := newPoolOperator(t, h)
	// The accounts fill the way they do in life: the provider's limit
	// changes, and a sync reads it.
	setLimit := func(token string, limit int, account string) {
		t.Helper()
		if err := h.sim.UpdateAccount(token, cloudsim.AccountUpdate{Limit: &limit}); err != nil {
			t.Fatal(err)
		}
		mustStatus(t, o.api.Do("POST", "/internal/accounts/"+account+"/sync", nil), 200, "sync")
	}
	for token, spec := range map[string][2]int{"tok-do-3": {26, 25}, "tok-do-2": {1000, 80}} {
		if err := h.sim.AddAccount(cloudsim.AccountSpec{Provider: "digitalocean", Token: token, Email: token + "@example.com",
			Limit: spec[0], Instances: spec[1]}); err != nil {
			t.Fatal(err)
		}
	}
	full := createAccount(t, o.api, "/internal/accounts", map[string]any{"provider_type": "digitalocean", "name": "Account 3", "token": "tok-do-3"})
	other := createAccount(t, o.api, "/internal/accounts", map[string]any{"provider_type": "digitalocean", "name": "Account 2", "token": "tok-do-2"})
	if b := bannerHTML(o.page(t, "/admin/accounts")); b != "" {
		t.Fatalf("banner before any account is full:\n%s", b)
	}

	setLimit("tok-do-3", 25, full.ID)
	body := o.page(t, "/admin/accounts")
	b := bannerHTML(body)
	if !strings.Contains(b, "Account 3 is full (25/25).") || strings.Contains(b, "Account 2") || strings.Contains(b, "pool is") {
		t.Errorf("banner with one full account (pool 105/1025):\n%s", b)
	}
	if row := accountRowHTML(body, full.ID); !strings.Contains(row, `<span class="badge bad">full</span>`) || !strings.Contains(row, "fill bad") {
		t.Errorf("the full account's row:\n%s", row)
	}

	// The DigitalOcean pool at 80% or more is named too.
	setLimit("tok-do-2", 100, other.ID)
	if b := bannerHTML(o.page(t, "/admin/accounts")); !strings.Contains(b, "pool is 84% used (105/125)") {
		t.Errorf("banner with the pool at 84%%:\n%s", b)
	}
}

func TestUIPoolCustomerRefused(t *testing.T) {
	t.Parallel()
	h := sqliteHarness(t)
	o := newPoolOperator(t, h)
	li := createAccount(t, o.api, "/internal/accounts", map[string]any{"provider_type": "linode", "name": "Linode A", "token": "token-linode", "limit": 10})
	h.user("cust@example.com", webrana.RoleCustomer)
	c := signIn(t, h, "cust@example.com")
	csrf := hiddenCSRF(t, c.Do("GET", "/", nil))
	for _, path := range []string{"/admin/accounts", "/admin/accounts/new", "/admin/accounts/" + li.ID + "/edit", "/admin/providers"} {
		res := c.Do("GET", path, nil)
		mustStatus(t, res, 403, "customer GET "+path)
		if !strings.Contains(string(res.Body), "Administrators only.") {
			t.Errorf("GET %s: %s", path, res.Body)
		}
	}
	for _, path := range []string{"/admin/accounts", "/admin/accounts/" + li.ID + "/delete", "/admin/accounts/" + li.ID + "/active", "/admin/accounts/sync-all"} {
		mustStatus(t, c.PostForm(path, url.Values{"csrf_token": {csrf}, "active": {"false"}, "name": {"x"}}), 403, "customer POST "+path)
	}
	if a, err := h.db.AccountByID(context.Background(), li.ID); err != nil || !a.IsActive {
		t.Fatalf("a customer changed the account: %+v %v", a, err)
	}
}

func TestUIPoolProviders(t *testing.T) {
	t.Parallel()
	h := sqliteHarness(t)
	o := newPoolOperator(t, h)
	createAccount(t, o.api, "/internal/accounts", map[string]any{"provider_type": "linode", "name": "Linode A", "token": "token-linode", "limit": 10})
	providers, err := h.db.ListProviders(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	ids := map[webrana.ProviderType]string{}
	for _, p := range providers {
		ids[p.Type] = p.ID
	}
	card := func(body, typ string) string {
		return html.UnescapeString(regexp.MustCompile(`(?s)<article class="provider-card" data-provider="` + typ + `".*?</article>`).FindString(body))
	}

	body := o.page(t, "/admin/providers")
	li := card(body, "linode")
	for _, want := range []string{"/assets/linode.svg", `id="toggle-provider-linode"`, `aria-checked="true"`, `id="validate-linode"`,
		`action="/admin/providers/` + ids[webrana.Linode] + `/validate"`, `href="/admin/accounts?provider=linode"`, "1 (1 active)", "3/10 (30%)"} {
		if !strings.Contains(li, want) {
			t.Errorf("Linode's card lacks %s:\n%s", want, li)
		}
	}
	if do := card(body, "digitalocean"); !strings.Contains(do, "0 (0 active)") || !strings.Contains(do, "No active account") {
		t.Errorf("DigitalOcean's card:\n%s", do)
	}

	body = o.postRedirect(t, "/admin/providers/"+ids[webrana.DigitalOcean], url.Values{"enabled": {"false"}}, "/admin/providers")
	if f := flash(body); !strings.Contains(f, "is disabled") {
		t.Errorf("flash %q", f)
	}
	if p, _ := h.db.ProviderByID(context.Background(), ids[webrana.DigitalOcean]); p.Enabled {
		t.Fatal("DigitalOcean is still enabled")
	}
	if do := card(body, "digitalocean"); !strings.Contains(do, `aria-checked="false"`) || !strings.Contains(do, `name="enabled" value="true"`) {
		t.Errorf("disabled card:\n%s", do)
	}
	mustStatus(t, o.post("/admin/providers/"+ids[webrana.DigitalOcean], url.Values{"enabled": {"yes please"}}), 400, "enabled=yes please")
	o.postRedirect(t, "/admin/providers/"+ids[webrana.DigitalOcean], url.Values{"enabled": {"true"}}, "/admin/providers")
	if p, _ := h.db.ProviderByID(context.Background(), ids[webrana.DigitalOcean]); !p.Enabled {
		t.Fatal("DigitalOcean was not enabled again")
	}

	body = o.postRedirect(t, "/admin/providers/"+ids[webrana.Linode]+"/validate", nil, "/admin/providers")
	if f := flash(body); !strings.Contains(f, "The credentials work.") || !strings.Contains(f, "linode@example.com") {
		t.Errorf("validate flash %q", f)
	}
	if p, _ := h.db.ProviderByID(context.Background(), ids[webrana.Linode]); p.LastSuccessAt == nil || p.Status != webrana.ProviderActive {
		t.Fatalf("after validation %+v", p)
	}

	revoked := true
	if err := h.sim.UpdateAccount("token-linode", cloudsim.AccountUpdate{Revoked: &revoked}); err != nil {
		t.Fatal(err)
	}
	res := o.post("/admin/providers/"+ids[webrana.Linode]+"/validate", nil)
	mustStatus(t, res, 200, "validate with a revoked token")
	if b := html.UnescapeString(string(res.Body)); !strings.Contains(b, `id="page-error">Linode: The check failed: the provider refused the token`) ||
		!strings.Contains(card(b, "linode"), "Last error:") {
		t.Errorf("failed validation:\n%s", b)
	}
	mustStatus(t, o.post("/admin/providers/00000000-0000-0000-0000-000000000000/validate", nil), 404, "validate a missing provider")
}

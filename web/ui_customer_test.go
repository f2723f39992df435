package web_test

import (
	"context"
	"html"
	"net/url"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/webrana/webrana"
	"github.com/webrana/webrana/web/pages"
	"github.com/webrana/webrana/web/webtest"
)

// pageHas fails the test unless the page contains every piece.
func pageHas(t *testing.T, res *webtest.Response, what string, pieces ...string) {
	t.Helper()
	body := string(res.Body)
	for _, p := range pieces {
		if !strings.Contains(body, p) {
			t.Errorf("%s: the page lacks %q:\n%s", what, p, body)
		}
	}
}

type keyList struct {
	Items []struct{ ID, Name, Fingerprint string }
	Total int
}

func TestUICustomerSSHKeys(t *testing.T) {
	engines(t, func(t *testing.T, h *harness) {
		h.user("ann@example.com", webrana.RoleCustomer)
		c, api := signIn(t, h, "ann@example.com"), h.login("ann@example.com")
		res := c.Do("GET", "/ssh-keys", nil)
		mustStatus(t, res, 200, "GET /ssh-keys")
		pageHas(t, res, "empty keys page", `id="no-keys"`, `<form id="add-key" method="post" action="/ssh-keys">`,
			`<label for="key-name">`, `<label for="public_key">`, `id="save-key"`, `aria-current="page">SSH keys`)
		csrf := hiddenCSRF(t, res)

		// Added through the form, listed on the page and by the API.
		key := testKey(t, 41)
		res = c.PostForm("/ssh-keys", url.Values{"name": {"laptop"}, "public_key": {key}, "csrf_token": {csrf}})
		mustStatus(t, res, 303, "add key")
		if loc := res.Header.Get("Location"); loc != "/ssh-keys" {
			t.Fatalf("after adding a key: redirect to %q", loc)
		}
		var keys keyList
		api.Do("GET", "/api/ssh-keys", nil).JSON(t, &keys)
		if keys.Total != 1 || keys.Items[0].Name != "laptop" {
			t.Fatalf("keys after the form: %+v", keys)
		}
		res = c.Do("GET", "/ssh-keys", nil)
		mustStatus(t, res, 200, "GET /ssh-keys")
		pageHas(t, res, "keys page after adding", `id="flash"`, "laptop")
		table := elementByID(t, res, "ssh-keys")
		for _, want := range []string{"laptop", keys.Items[0].Fingerprint, `id="delete-key-` + keys.Items[0].ID + `"`,
			`action="/ssh-keys/` + keys.Items[0].ID + `/delete"`, "2031-05-01"} {
			if !strings.Contains(table, want) {
				t.Errorf("#ssh-keys lacks %q:\n%s", want, table)
			}
		}

		// A bad key: the reason under the field, a 4xx, and nothing typed lost.
		for _, bad := range []struct{ name, key, message, field string }{
			{"work", "ssh-ed25519 not-a-key", "This is not an SSH public key", "public_key"},
			{"work", "-----BEGIN OPENSSH PRIVATE KEY-----", "This is a private key", "public_key"},
			{strings.Repeat("n", 65), testKey(t, 42), "Key names are at most 64 characters.", "key-name"},
		} {
			res = c.PostForm("/ssh-keys", url.Values{"name": {bad.name}, "public_key": {bad.key}, "csrf_token": {csrf}})
			mustStatus(t, res, 400, "add a bad key")
			pageHas(t, res, "refused key", `role="alert"`, bad.message, `id="`+bad.field+`-error"`, `aria-invalid="true"`,
				`value="`+bad.name+`"`, ">"+html.EscapeString(bad.key)+"</textarea>")
			if !strings.Contains(elementByID(t, res, "ssh-keys"), "laptop") {
				t.Errorf("the refused form no longer lists the existing keys")
			}
		}
		api.Do("GET", "/api/ssh-keys", nil).JSON(t, &keys)
		if keys.Total != 1 {
			t.Fatalf("a refused key was stored: %+v", keys)
		}

		// Deleted through its confirmation form.
		res = c.PostForm("/ssh-keys/"+keys.Items[0].ID+"/delete", url.Values{"csrf_token": {csrf}})
		mustStatus(t, res, 303, "delete key")
		api.Do("GET", "/api/ssh-keys", nil).JSON(t, &keys)
		if keys.Total != 0 {
			t.Fatalf("keys after deleting: %+v", keys)
		}
		res = c.Do("GET", "/ssh-keys", nil)
		pageHas(t, res, "keys page after deleting", "SSH key deleted", `id="no-keys"`)
		res = c.PostForm("/ssh-keys/00000000-0000-0000-0000-000000000000/delete", url.Values{"csrf_token": {csrf}})
		mustStatus(t, res, 404, "delete a key that does not exist")
		pageHas(t, res, "deleting a missing key", "SSH key not found.")
	})
}

var newTokenCode = regexp.MustCompile(`<code id="new-token">([^<]+)</code>`)

func TestUICustomerTokens(t *testing.T) {
	engines(t, func(t *testing.T, h *harness) {
		h.user("ann@example.com", webrana.RoleCustomer)
		c := signIn(t, h, "ann@example.com")
		res := c.Do("GET", "/tokens", nil)
		mustStatus(t, res, 200, "GET /tokens")
		pageHas(t, res, "empty tokens page", `id="no-tokens"`, `<label for="token-name">`, `<label for="token-days">`,
			`<option value="30">`, `<option value="365">`, `<option value="0">`, `<option value="90" selected>`)
		csrf := hiddenCSRF(t, res)

		// Minted: shown once, on the answer itself, and it works.
		res = c.PostForm("/tokens", url.Values{"name": {"deploy"}, "expires_in_days": {"30"}, "csrf_token": {csrf}})
		mustStatus(t, res, 201, "create token")
		m := newTokenCode.FindSubmatch(res.Body)
		if m == nil {
			t.Fatalf("no #new-token in the answer:\n%s", res.Body)
		}
		token := string(m[1])
		pageHas(t, res, "minted token", "will not be shown again", "deploy", "2031-05-31")
		if cc := res.Header.Get("Cache-Control"); cc != "no-store" {
			t.Errorf("the page with a new token has Cache-Control %q, want no-store", cc)
		}
		if strings.Contains(strings.Join(res.Header.Values("Set-Cookie"), ";")+res.Header.Get("Location"), token) {
			t.Errorf("the token travelled in a header")
		}
		bearer := h.client().WithToken(token)
		mustStatus(t, bearer.Do("GET", "/api/me", nil), 200, "the new token authenticates")

		res = c.Do("GET", "/tokens", nil)
		mustStatus(t, res, 200, "GET /tokens")
		if strings.Contains(string(res.Body), token) || strings.Contains(string(res.Body), `id="new-token"`) {
			t.Fatalf("the token was shown a second time")
		}
		var list struct {
			Items []struct{ ID, Name string }
		}
		bearer.Do("GET", "/api/tokens", nil).JSON(t, &list)
		if len(list.Items) != 1 || list.Items[0].Name != "deploy" {
			t.Fatalf("tokens: %+v", list)
		}
		id := list.Items[0].ID
		table := elementByID(t, res, "tokens")
		for _, want := range []string{"deploy", "2031-05-31", `id="revoke-` + id + `"`, `data-state="active"`} {
			if !strings.Contains(table, want) {
				t.Errorf("#tokens lacks %q:\n%s", want, table)
			}
		}
		// Revoking asks first: the button is inside a confirmation.
		if !regexp.MustCompile(`(?s)<details class="confirm"><summary[^>]*>Revoke</summary>.*?id="revoke-` + id + `"`).MatchString(table) {
			t.Errorf("the revoke button is not behind a confirmation:\n%s", table)
		}

		// Refusals keep what was typed.
		for _, bad := range []struct{ name, days, message, field string }{
			{"", "90", "Give the token a name", "token-name"},
			{"nightly", "999", "A token lives 1 to 365 days", "token-days"},
			{"nightly", "soon", "A token lives 1 to 365 days", "token-days"},
		} {
			res = c.PostForm("/tokens", url.Values{"name": {bad.name}, "expires_in_days": {bad.days}, "csrf_token": {csrf}})
			mustStatus(t, res, 400, "create a bad token")
			pageHas(t, res, "refused token", `role="alert"`, bad.message, `id="`+bad.field+`-error"`, `value="`+bad.name+`"`)
			if newTokenCode.Match(res.Body) {
				t.Errorf("a refused form showed a token")
			}
		}

		// Revoked: it stops working, and the list says when.
		res = c.PostForm("/tokens/"+id+"/revoke", url.Values{"csrf_token": {csrf}})
		mustStatus(t, res, 303, "revoke")
		mustStatus(t, bearer.Do("GET", "/api/me", nil), 401, "the revoked token")
		res = c.Do("GET", "/tokens", nil)
		pageHas(t, res, "tokens after revoking", "Token revoked")
		table = elementByID(t, res, "tokens")
		if !strings.Contains(table, `data-state="revoked"`) || strings.Contains(table, `id="revoke-`+id+`"`) {
			t.Errorf("#tokens after revoking:\n%s", table)
		}
		res = c.PostForm("/tokens/"+id+"/revoke", url.Values{"csrf_token": {csrf}})
		mustStatus(t, res, 404, "revoke twice")
		pageHas(t, res, "revoking twice", "API token not found.")
	})
}

func TestUICustomerBilling(t *testing.T) {
	engines(t, func(t *testing.T, h *harness) {
		h.user("admin@example.com", webrana.RoleAdmin)
		ann := h.user("ann@example.com", webrana.RoleCustomer)
		h.user("bob@example.com", webrana.RoleCustomer)
		c, admin := signIn(t, h, "ann@example.com"), h.login("admin@example.com")

		res := c.Do("GET", "/billing", nil)
		mustStatus(t, res, 200, "GET /billing")
		pageHas(t, res, "empty billing", `id="billing-balance">0.00 USD<`, `id="no-ledger"`, `aria-current="page">Billing`)

		mustStatus(t, admin.Do("POST", "/api/admin/customers/"+ann.ID+"/credit", map[string]any{"amount": 2500, "note": "welcome credit"}), 201, "credit")
		h.clock.Advance(time.Minute)
		server := h.order(t, h.login("ann@example.com")) // credits 10.00 and holds 0.24 against the server

		res = c.Do("GET", "/billing", nil)
		mustStatus(t, res, 200, "GET /billing")
		pageHas(t, res, "billing", `id="billing-balance">34.76 USD<`)
		if strings.Contains(string(res.Body), `id="dunning"`) {
			t.Errorf("a positive balance shows the dunning banner")
		}
		ledger := elementByID(t, res, "ledger")
		for _, want := range []string{"welcome credit", "+25.00 USD", "+10.00 USD", "-0.24 USD", `data-kind="hold"`, `data-kind="credit"`,
			`<a href="/servers/` + server.ID + `">web-1</a>`} {
			if !strings.Contains(ledger, want) {
				t.Errorf("#ledger lacks %q:\n%s", want, ledger)
			}
		}
		if strings.Index(ledger, "-0.24 USD") > strings.Index(ledger, "welcome credit") {
			t.Errorf("#ledger is not newest first:\n%s", ledger)
		}

		// Paged.
		res = c.Do("GET", "/billing?per_page=2", nil)
		pageHas(t, res, "first page", `rel="next"`, "Page 1 of 2")
		res = c.Do("GET", "/billing?page=2&per_page=2", nil)
		if ledger := elementByID(t, res, "ledger"); !strings.Contains(ledger, "welcome credit") || strings.Contains(ledger, "-0.24 USD") {
			t.Errorf("second page:\n%s", ledger)
		}

		// Below zero: the dunning banner and how far it went.
		ctx := context.Background()
		if _, err := h.db.AppendLedger(ctx, &webrana.LedgerEntry{UserID: ann.ID, Kind: webrana.LedgerCharge, Amount: -5000, Currency: "USD", Note: "usage"}); err != nil {
			t.Fatal(err)
		}
		res = c.Do("GET", "/billing", nil)
		pageHas(t, res, "negative balance", `id="billing-balance">-15.24 USD<`, `id="dunning"`, `role="alert"`, "suspended", "deleted")
		if err := h.db.DunningStep(ctx, ann.ID, "warned_at", h.clock.Now()); err != nil {
			t.Fatal(err)
		}
		res = c.Do("GET", "/billing", nil)
		pageHas(t, res, "warned", `id="dunning-steps"`, "Warning sent on 2031-05-01", "Next: servers suspended")
		// When, if nothing is paid: the grace (3 days by default) after the
		// balance fell below zero, then 14 days more.
		var billing struct {
			Dunning struct {
				NegativeSince time.Time `json:"negative_since"`
				SuspendsAt    time.Time `json:"suspends_at"`
				DeletesAt     time.Time `json:"deletes_at"`
			}
		}
		c.Do("GET", "/api/billing", nil).JSON(t, &billing)
		since := billing.Dunning.NegativeSince
		if !billing.Dunning.SuspendsAt.Equal(since.Add(72*time.Hour)) || !billing.Dunning.DeletesAt.Equal(since.Add(17*24*time.Hour)) {
			t.Errorf("dunning schedule %+v, want suspension 72h and deletion 17 days after %s", billing.Dunning, since)
		}
		pageHas(t, res, "the schedule", "Next: servers suspended on "+pages.DatePtr(&billing.Dunning.SuspendsAt)+" UTC",
			"Then: servers deleted on "+pages.DatePtr(&billing.Dunning.DeletesAt)+" UTC")

		// Another customer sees none of it.
		res = signIn(t, h, "bob@example.com").Do("GET", "/billing", nil)
		mustStatus(t, res, 200, "bob's billing")
		if strings.Contains(string(res.Body), "welcome credit") || !strings.Contains(string(res.Body), `id="billing-balance">0.00 USD<`) {
			t.Errorf("bob's billing shows ann's:\n%s", res.Body)
		}
	})
}

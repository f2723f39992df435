package web_test

import (
	"context"
	"html"
	"net/url"
	"slices"
	"strings"
	"testing"

	"github.com/webrana/webrana"
	"github.com/webrana/webrana/mail"
	"github.com/webrana/webrana/store"
	"github.com/webrana/webrana/web"
)

// queueMail queues a message as a producer would, in its own transaction.
func (h *harness) queueMail(t *testing.T, m mail.Message) {
	t.Helper()
	ctx := context.Background()
	if err := h.db.InTx(ctx, func(tx *store.Tx) error { return h.outbox.QueueTx(ctx, tx, m) }); err != nil {
		t.Fatal(err)
	}
}

type mailList struct {
	Items []struct {
		ID, To, Kind, Subject, Status, Text, HTML string
		CreatedAt                                 string `json:"created_at"`
	}
	Total, Page, PerPage int
}

// TestAdminMailAPI: operators read the outbox, newest first, and one
// message with its bodies; customers are refused; every answer matches
// openapi.yaml (webtest validates it).
func TestAdminMailAPI(t *testing.T) {
	engines(t, func(t *testing.T, h *harness) {
		h.user("admin@example.com", webrana.RoleAdmin)
		cus := h.user("cus@example.com", webrana.RoleCustomer)
		admin, customer := h.login("admin@example.com"), h.login("cus@example.com")

		var list mailList
		admin.Do("GET", "/api/admin/mail", nil).JSON(t, &list)
		if list.Total != 0 || len(list.Items) != 0 || list.Page != 1 {
			t.Fatalf("empty outbox: %+v", list)
		}
		h.queueMail(t, mail.Message{To: cus.Email, UserID: cus.ID, Kind: mail.Verify, Data: mail.LinkData{Path: "/verify?token=abc", ExpiresIn: "24 hours"}})
		h.clock.Advance(60e9)
		h.queueMail(t, mail.Message{To: cus.Email, UserID: cus.ID, Kind: mail.ServerReady, Data: mail.ServerData{Name: "<web-1>", Path: "/servers/1"}})

		res := admin.Do("GET", "/api/admin/mail?per_page=1", nil)
		mustStatus(t, res, 200, "list mail")
		res.JSON(t, &list)
		if list.Total != 2 || len(list.Items) != 1 || list.Items[0].Kind != "server_ready" || list.Items[0].Status != "queued" ||
			list.Items[0].To != cus.Email || list.Items[0].Subject != "Your server <web-1> is ready" || list.Items[0].Text != "" {
			t.Fatalf("newest first, without bodies: %+v", list)
		}
		admin.Do("GET", "/api/admin/mail?page=2&per_page=1", nil).JSON(t, &list)
		if len(list.Items) != 1 || list.Items[0].Kind != "verify" {
			t.Fatalf("second page: %+v", list)
		}
		var one struct{ ID, Subject, Text, HTML string }
		res = admin.Do("GET", "/api/admin/mail/"+list.Items[0].ID, nil)
		mustStatus(t, res, 200, "one message")
		res.JSON(t, &one)
		// Not kept (it waits for delivery): its one-time link is not the operator's.
		if !strings.Contains(one.Text, "https://panel.example.com/verify?token=[removed]") || !strings.Contains(one.HTML, "<!DOCTYPE html>") ||
			strings.Contains(one.Text+one.HTML, "token=abc") {
			t.Fatalf("message: %+v", one)
		}
		mustStatus(t, admin.Do("GET", "/api/admin/mail/00000000-0000-0000-0000-000000000000", nil), 404, "unknown message")
		for _, path := range []string{"/api/admin/mail", "/api/admin/mail/" + one.ID} {
			if res := customer.Do("GET", path, nil); res.Status != 403 || strings.Contains(string(res.Body), "verify?token") {
				t.Errorf("customer GET %s: %d %s", path, res.Status, res.Body)
			}
		}
	})
}

// TestNotificationsAPI: customers see and switch their optional e-mails;
// mandatory kinds and unknown keys are refused with the key as the field;
// each customer's setting is their own.
func TestNotificationsAPI(t *testing.T) {
	engines(t, func(t *testing.T, h *harness) {
		h.user("a@example.com", webrana.RoleCustomer)
		h.user("b@example.com", webrana.RoleCustomer)
		a, b := h.login("a@example.com"), h.login("b@example.com")
		var p map[string]bool
		a.Do("GET", "/api/me/notifications", nil).JSON(t, &p)
		if len(p) != len(mail.OptionalKinds) || !p["server_ready"] || !p["new_sign_in"] {
			t.Fatalf("defaults: %v", p)
		}
		tests := []struct {
			name   string
			body   any
			status int
			field  string
		}{
			{"switch one off", map[string]any{"server_ready": false}, 200, ""},
			{"a mandatory kind", map[string]any{"verify": false}, 400, "verify"},
			{"an unknown key", map[string]any{"newsletter": true}, 400, "newsletter"},
			{"not a boolean", map[string]any{"balance_low": "no"}, 400, "balance_low"},
			{"nothing", map[string]any{}, 200, ""},
		}
		for _, tt := range tests {
			res := a.Do("PATCH", "/api/me/notifications", tt.body)
			if res.Status != tt.status || res.ErrorField() != tt.field {
				t.Errorf("%s: %d field %q, want %d %q: %s", tt.name, res.Status, res.ErrorField(), tt.status, tt.field, res.Body)
			}
		}
		a.Do("GET", "/api/me/notifications", nil).JSON(t, &p)
		if p["server_ready"] || !p["balance_low"] || !p["order_failed"] {
			t.Fatalf("after the changes: %v", p)
		}
		b.Do("GET", "/api/me/notifications", nil).JSON(t, &p)
		if !p["server_ready"] {
			t.Fatal("one customer's switch changed another's")
		}
	})
}

// TestUIMailAndAccountPages: the operators' Mail page lists messages and
// shows one with its HTML only inside a sandboxed frame; the account
// page's switches save the preferences.
func TestUIMailAndAccountPages(t *testing.T) {
	h := sqliteHarness(t)
	h.user("admin@example.com", webrana.RoleAdmin)
	cus := h.user("cus@example.com", webrana.RoleCustomer)
	h.queueMail(t, mail.Message{To: cus.Email, UserID: cus.ID, Kind: mail.ServerReady, Data: mail.ServerData{Name: `<script>alert(1)</script>`, Path: "/servers/1"}})
	items, _, err := h.outbox.List(context.Background(), webrana.Page{})
	if err != nil || len(items) != 1 {
		t.Fatal(items, err)
	}
	msg, _ := h.outbox.Message(context.Background(), items[0].ID)

	op := signIn(t, h, "admin@example.com")
	res := op.Do("GET", "/admin/mail", nil)
	mustStatus(t, res, 200, "Mail page")
	pageHas(t, res, "Mail page", `aria-current="page">Mail`, `href="/admin/mail/`+msg.ID+`"`, "cus@example.com", `data-status="queued"`)
	res = op.Do("GET", "/admin/mail/"+msg.ID, nil)
	mustStatus(t, res, 200, "one message")
	body := string(res.Body)
	pageHas(t, res, "message page", `<iframe id="mail-html"`, `sandbox=""`, `srcdoc="`+html.EscapeString(msg.HTML), "https://panel.example.com/servers/1")
	if strings.Contains(body, "<script>alert(1)") || strings.Contains(body, `<p>Hello,</p>`) {
		t.Fatalf("the message's HTML is in the panel's own page:\n%s", body)
	}
	mustStatus(t, op.Do("GET", "/admin/mail/00000000-0000-0000-0000-000000000000", nil), 404, "unknown message page")

	c := signIn(t, h, "cus@example.com")
	res = c.Do("GET", "/account", nil)
	mustStatus(t, res, 200, "account page")
	pageHas(t, res, "account page", `id="notify-server_ready"`, `id="notify-new_sign_in"`, "checked")
	res = c.PostForm("/account/notifications", url.Values{"csrf_token": {hiddenCSRF(t, res)}, "balance_low": {"on"}})
	mustStatus(t, res, 303, "save notifications")
	p, err := h.outbox.Preferences(context.Background(), webrana.Actor{User: cus})
	if err != nil || !p[mail.BalanceLow] || p[mail.ServerReady] || p[mail.NewSignIn] {
		t.Fatalf("after the form: %v, %v", p, err)
	}
	res = c.Do("GET", "/account", nil)
	pageHas(t, res, "account page after saving", `id="flash"`)
	if strings.Contains(string(res.Body), `id="notify-server_ready" value="on" checked`) {
		t.Error("a switched-off kind is still ticked")
	}
}

// TestKindsInTheSpec: openapi.yaml names exactly the kinds of mail the
// outbox holds and of alerts Webrana raises, so a list never answers a
// kind the spec refuses.
func TestKindsInTheSpec(t *testing.T) {
	doc, err := web.OpenAPI()
	if err != nil {
		t.Fatal(err)
	}
	var mailKinds []string
	for _, k := range mail.Kinds {
		mailKinds = append(mailKinds, string(k))
	}
	for schema, kinds := range map[string][]string{"MailMessage": mailKinds, "Alert": webrana.AlertKinds} {
		var spec []string
		for _, v := range doc.Components.Schemas[schema].Value.Properties["kind"].Value.Enum {
			spec = append(spec, v.(string))
		}
		spec, kinds = slices.Sorted(slices.Values(spec)), slices.Sorted(slices.Values(kinds))
		if !slices.Equal(spec, kinds) {
			t.Errorf("openapi.yaml's %s kinds %v, Webrana's %v", schema, spec, kinds)
		}
	}
}

package web_test

import (
	"bytes"
	"context"
	"net/url"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/webrana/webrana"
	"github.com/webrana/webrana/store"
	"github.com/webrana/webrana/web/webtest"
)

type auditEntry struct {
	ID         string
	ActorID    string `json:"actor_id"`
	ActorEmail string `json:"actor_email"`
	Action     string
	TargetType string `json:"target_type"`
	TargetID   string `json:"target_id"`
	Detail     string
	SourceAddr string    `json:"source_addr"`
	CreatedAt  time.Time `json:"created_at"`
}

type auditList struct {
	Items   []auditEntry
	Total   int
	Page    int
	PerPage int `json:"per_page"`
}

// audit queries GET /api/admin/audit with the given filter.
func audit(t *testing.T, admin *webtest.Client, q url.Values) auditList {
	t.Helper()
	res := admin.Do("GET", "/api/admin/audit?"+q.Encode(), nil)
	mustStatus(t, res, 200, "GET /api/admin/audit?"+q.Encode())
	var l auditList
	res.JSON(t, &l)
	return l
}

func actions(l auditList) []string {
	var out []string
	for _, e := range l.Items {
		out = append(out, e.Action)
	}
	return out
}

type userList struct {
	Items []struct {
		ID       string
		Email    string
		Role     string
		Disabled bool
	}
	Total int
}

func TestAdminUsers(t *testing.T) {
	t.Parallel()
	engines(t, func(t *testing.T, h *harness) {
		root := h.user("root@example.com", webrana.RoleAdmin)
		h.clock.Advance(time.Second)
		alice := h.user("alice@example.com", webrana.RoleCustomer)
		h.clock.Advance(time.Second)
		h.user("bob@example.com", webrana.RoleCustomer)
		admin := h.login("root@example.com")

		var all userList
		res := admin.Do("GET", "/api/admin/users", nil)
		mustStatus(t, res, 200, "list users")
		res.JSON(t, &all)
		var emails []string
		for _, u := range all.Items {
			emails = append(emails, u.Email)
		}
		if all.Total != 3 || !slices.Equal(emails, []string{"root@example.com", "alice@example.com", "bob@example.com"}) {
			t.Errorf("users %v (total %d), want the three, oldest first", emails, all.Total)
		}
		if bytes.Contains(res.Body, []byte("argon2")) || bytes.Contains(res.Body, []byte("password")) {
			t.Errorf("user list shows password hashes: %s", res.Body)
		}
		var customers userList
		admin.Do("GET", "/api/admin/users?role=customer", nil).JSON(t, &customers)
		if customers.Total != 2 {
			t.Errorf("%d customers, want 2", customers.Total)
		}
		wantError(t, admin.Do("GET", "/api/admin/users?role=root", nil), 400, "invalid", "role")

		// Promote alice; the audit log says who did it, to whom, from where.
		res = admin.Do("PATCH", "/api/admin/users/"+alice.ID, map[string]any{"role": "admin"})
		mustStatus(t, res, 200, "promote")
		var u struct{ Role string }
		res.JSON(t, &u)
		if u.Role != "admin" {
			t.Fatalf("role %q after promotion", u.Role)
		}
		got := audit(t, admin, url.Values{"action": {"user.role_changed"}})
		if len(got.Items) != 1 {
			t.Fatalf("role changes %+v, want one", got.Items)
		}
		e := got.Items[0]
		if e.ActorID != root.ID || e.ActorEmail != root.Email || e.TargetType != "user" || e.TargetID != alice.ID ||
			e.SourceAddr != "127.0.0.1" || e.Detail != "customer -> admin" {
			t.Errorf("audit entry %+v", e)
		}
		// Alice's new role applies to her next request.
		aliceC := h.login("alice@example.com")
		mustStatus(t, aliceC.Do("GET", "/api/admin/users", nil), 200, "alice as admin")

		for _, tt := range []struct {
			name   string
			id     string
			body   any
			status int
			code   string
			field  string
		}{
			{"invalid role", alice.ID, map[string]any{"role": "root"}, 400, "invalid", "role"},
			{"unknown field", alice.ID, map[string]any{"email": "x@example.com"}, 400, "invalid", "email"},
			{"unknown user", "00000000-0000-0000-0000-000000000000", map[string]any{"disabled": true}, 404, "not_found", ""},
		} {
			t.Run(tt.name, func(t *testing.T) {
				wantError(t, admin.Do("PATCH", "/api/admin/users/"+tt.id, tt.body), tt.status, tt.code, tt.field)
			})
		}

		// Demoting an admin ends their sessions: privileges never outlive the role.
		mustStatus(t, admin.Do("PATCH", "/api/admin/users/"+alice.ID, map[string]any{"role": "customer"}), 200, "demote")
		wantError(t, aliceC.Do("GET", "/api/me", nil), 401, "unauthorized", "")
	})
}

func TestLastAdminCannotBeRemoved(t *testing.T) {
	t.Parallel()
	engines(t, func(t *testing.T, h *harness) {
		root := h.user("root@example.com", webrana.RoleAdmin)
		other := h.user("other@example.com", webrana.RoleAdmin)
		admin := h.login("root@example.com")
		// Another admin, disabled, does not count.
		mustStatus(t, admin.Do("PATCH", "/api/admin/users/"+other.ID, map[string]any{"disabled": true}), 200, "disable other admin")

		for _, body := range []map[string]any{{"role": "customer"}, {"disabled": true}, {"role": "customer", "disabled": true}} {
			wantError(t, admin.Do("PATCH", "/api/admin/users/"+root.ID, body), 409, "conflict", "")
		}
		u, err := h.db.UserByID(context.Background(), root.ID)
		if err != nil {
			t.Fatal(err)
		}
		if u.Role != webrana.RoleAdmin || u.Disabled {
			t.Fatalf("refused change was applied: %+v", u)
		}
		whoami(t, admin) // and the session lives on

		// With another active admin, the change goes through.
		mustStatus(t, admin.Do("PATCH", "/api/admin/users/"+other.ID, map[string]any{"disabled": false}), 200, "enable other admin")
		mustStatus(t, admin.Do("PATCH", "/api/admin/users/"+root.ID, map[string]any{"role": "customer"}), 200, "demote self")
		wantError(t, admin.Do("GET", "/api/me", nil), 401, "unauthorized", "")
	})
}

func TestDisablingEndsSessions(t *testing.T) {
	t.Parallel()
	engines(t, func(t *testing.T, h *harness) {
		h.user("root@example.com", webrana.RoleAdmin)
		alice := h.user("alice@example.com", webrana.RoleCustomer)
		admin := h.login("root@example.com")
		aliceC := h.login("alice@example.com")
		tok := createToken(t, aliceC, map[string]any{"name": "ci"})
		api := h.client().WithToken(tok.Token)

		res := admin.Do("PATCH", "/api/admin/users/"+alice.ID, map[string]any{"disabled": true})
		mustStatus(t, res, 200, "disable")
		var u struct{ Disabled bool }
		res.JSON(t, &u)
		if !u.Disabled {
			t.Fatal("user not disabled")
		}
		wantError(t, aliceC.Do("GET", "/api/me", nil), 401, "unauthorized", "")
		wantError(t, api.Do("GET", "/api/me", nil), 401, "unauthorized", "")
		wantError(t, h.tryLogin("alice@example.com", testPassword), 403, "forbidden", "")
		if l := audit(t, admin, url.Values{"action": {"user.disabled"}, "target_id": {alice.ID}}); l.Total != 1 {
			t.Errorf("%d user.disabled entries, want 1", l.Total)
		}

		// Enabling again does not bring ended sessions back.
		mustStatus(t, admin.Do("PATCH", "/api/admin/users/"+alice.ID, map[string]any{"disabled": false}), 200, "enable")
		wantError(t, aliceC.Do("GET", "/api/me", nil), 401, "unauthorized", "")
		whoami(t, h.login("alice@example.com"))
	})
}

func TestAuditLog(t *testing.T) {
	t.Parallel()
	engines(t, func(t *testing.T, h *harness) {
		root := h.user("root@example.com", webrana.RoleAdmin)
		alice := h.user("alice@example.com", webrana.RoleCustomer)
		start := h.clock.Now()
		admin := h.login("root@example.com")

		// One event a second, so that newest-first is one order.
		h.clock.Advance(time.Hour)
		middle := h.clock.Now()
		wantError(t, h.tryLogin("alice@example.com", "wrong password"), 401, "unauthorized", "")
		h.clock.Advance(time.Second)
		aliceC := h.login("alice@example.com")
		h.clock.Advance(time.Second)
		tok := createToken(t, aliceC, map[string]any{"name": "ci"})
		h.clock.Advance(time.Second)
		mustStatus(t, aliceC.Do("DELETE", "/api/tokens/"+tok.ID, nil), 204, "revoke")
		h.clock.Advance(time.Second)
		mustStatus(t, aliceC.Do("POST", "/api/auth/logout", nil), 204, "logout")

		all := audit(t, admin, url.Values{"per_page": {"200"}})
		want := []string{"logout", "token.revoked", "token.created", "login.succeeded", "login.failed", "login.succeeded"}
		if !slices.Equal(actions(all), want) {
			t.Fatalf("audit actions %v, want (newest first) %v", actions(all), want)
		}
		for _, e := range all.Items {
			if e.SourceAddr != "127.0.0.1" {
				t.Errorf("%s: source %q, want 127.0.0.1", e.Action, e.SourceAddr)
			}
		}
		failed := all.Items[4]
		if failed.ActorID != "" || failed.TargetID != alice.ID || !strings.Contains(failed.Detail, "alice@example.com") {
			t.Errorf("login.failed entry %+v: want anonymous actor, alice as target", failed)
		}
		for _, i := range []int{0, 1, 2, 3} {
			if e := all.Items[i]; e.ActorID != alice.ID || e.ActorEmail != alice.Email {
				t.Errorf("%s entry %+v: want alice as actor", e.Action, e)
			}
		}
		if e := all.Items[2]; e.TargetType != "api_token" || e.TargetID != tok.ID || e.Detail != "name=ci" {
			t.Errorf("token.created entry %+v", e)
		}
		if e := all.Items[1]; e.TargetType != "api_token" || e.TargetID != tok.ID {
			t.Errorf("token.revoked entry %+v", e)
		}
		if e := all.Items[5]; e.ActorID != root.ID || e.TargetType != "session" {
			t.Errorf("root's login.succeeded entry %+v", e)
		}

		filters := []struct {
			name  string
			query url.Values
			want  []string
		}{
			{"action", url.Values{"action": {"login.succeeded"}}, []string{"login.succeeded", "login.succeeded"}},
			{"actor", url.Values{"actor_id": {root.ID}}, []string{"login.succeeded"}},
			{"actor and action", url.Values{"actor_id": {alice.ID}, "action": {"token.created"}}, []string{"token.created"}},
			{"target", url.Values{"target_id": {tok.ID}}, []string{"token.revoked", "token.created"}},
			{"target type", url.Values{"target_type": {"user"}}, []string{"login.failed"}},
			{"since", url.Values{"since": {middle.Format(time.RFC3339)}}, want[:5]},
			{"until", url.Values{"until": {middle.Format(time.RFC3339)}}, want[5:]},
			{"since and until", url.Values{"since": {start.Format(time.RFC3339)}, "until": {start.Add(time.Minute).Format(time.RFC3339)}}, want[5:]},
			{"since in another zone", url.Values{"since": {middle.In(time.FixedZone("WIB", 7*3600)).Format(time.RFC3339)}}, want[:5]},
			{"nothing", url.Values{"action": {"no.such.action"}}, nil},
			{"page 2", url.Values{"per_page": {"4"}, "page": {"2"}}, want[4:]},
		}
		for _, f := range filters {
			t.Run(f.name, func(t *testing.T) {
				l := audit(t, admin, f.query)
				if !slices.Equal(actions(l), f.want) {
					t.Errorf("actions %v, want %v", actions(l), f.want)
				}
				if f.name != "page 2" && l.Total != len(f.want) {
					t.Errorf("total %d, want %d", l.Total, len(f.want))
				}
			})
		}

		for _, tt := range []struct{ query, field string }{
			{"since=yesterday", "since"},
			{"until=2031-05-01", "until"},
			{"per_page=0", "per_page"},
		} {
			t.Run(tt.query, func(t *testing.T) {
				wantError(t, admin.Do("GET", "/api/admin/audit?"+tt.query, nil), 400, "invalid", tt.field)
			})
		}
	})
}

// TestSecretsNeverLeak: passwords, right or wrong, and tokens never reach
// the audit log, in the database or through the API.
func TestSecretsNeverLeak(t *testing.T) {
	t.Parallel()
	engines(t, func(t *testing.T, h *harness) {
		h.user("root@example.com", webrana.RoleAdmin)
		h.user("alice@example.com", webrana.RoleCustomer)
		const wrongPassword = "Zebra-Quokka-4471-wrong"
		secrets := []string{testPassword, wrongPassword}

		for _, email := range []string{"alice@example.com", "nobody@example.com", "Alice@Example.com"} {
			wantError(t, h.tryLogin(email, wrongPassword), 401, "unauthorized", "")
		}
		// A password typed into the e-mail field is a secret too.
		wantError(t, h.tryLogin(wrongPassword, wrongPassword), 401, "unauthorized", "")

		aliceRes := h.tryLogin("alice@example.com", testPassword)
		session := tokenOf(t, aliceRes)
		secrets = append(secrets, session)
		alice := h.client().WithToken(session)
		for _, name := range []string{"ci", "backup"} {
			tok := createToken(t, alice, map[string]any{"name": name})
			whoami(t, h.client().WithToken(tok.Token))
			secrets = append(secrets, tok.Token)
		}
		c, csrf := loginPage(t, h)
		res := c.PostForm("/login", formLogin(csrf, "alice@example.com", testPassword, "/"))
		mustStatus(t, res, 303, "form login")
		secrets = append(secrets, c.Cookie("webrana_session").Value)
		rootToken := tokenOf(t, h.tryLogin("root@example.com", testPassword))
		secrets = append(secrets, rootToken)
		mustStatus(t, alice.Do("POST", "/api/auth/logout", nil), 204, "logout")

		entries, total, err := h.db.ListAudit(context.Background(), store.AuditFilter{Page: webrana.Page{PerPage: 200}})
		if err != nil {
			t.Fatal(err)
		}
		if total < 10 || len(entries) != total {
			t.Fatalf("%d audit entries (total %d): the scenario was not recorded", len(entries), total)
		}
		var stored strings.Builder
		for _, e := range entries {
			stored.WriteString(strings.Join([]string{e.ID, e.ActorID, e.ActorEmail, e.Action, e.TargetType, e.TargetID, e.Detail, e.SourceAddr}, "\x00"))
		}
		admin := h.client().WithToken(rootToken)
		var bodies [][]byte
		for _, q := range []string{"per_page=200", "action=login.failed", "per_page=1&page=2"} {
			res := admin.Do("GET", "/api/admin/audit?"+q, nil)
			mustStatus(t, res, 200, "audit")
			bodies = append(bodies, res.Body)
		}
		for _, s := range secrets {
			// The distinctive part is enough: a prefix or a lower-cased copy leaks too.
			needle := strings.ToLower(s[len(s)/3:])
			if strings.Contains(strings.ToLower(stored.String()), needle) {
				t.Errorf("audit log in the database holds secret %q", s)
			}
			for _, b := range bodies {
				if strings.Contains(strings.ToLower(string(b)), needle) {
					t.Errorf("GET /api/admin/audit shows secret %q", s)
				}
			}
		}
	})
}

package web_test

import (
	"bytes"
	"context"
	"net/url"
	"strings"
	"sync"
	"testing"

	"github.com/webrana/webrana"
	"github.com/webrana/webrana/mail"
	"github.com/webrana/webrana/store"
	"github.com/webrana/webrana/web/webtest"
)

// mailRecorder is auth's Mailer in these tests: it keeps what was queued,
// so a test can follow the links as the recipient would.
type mailRecorder struct {
	mu   sync.Mutex
	sent []mail.Message
}

func (r *mailRecorder) QueueTx(_ context.Context, _ *store.Tx, m mail.Message) error {
	r.mu.Lock()
	defer r.mu.Unlock()
	r.sent = append(r.sent, m)
	return nil
}

// take returns the messages queued since the last take.
func (r *mailRecorder) take() []mail.Message {
	r.mu.Lock()
	defer r.mu.Unlock()
	out := r.sent
	r.sent = nil
	return out
}

// link returns the token of the one message queued since the last take,
// which must be of the kind, to the address, linking to the page.
func (r *mailRecorder) link(t *testing.T, kind mail.Kind, to, page string) string {
	t.Helper()
	msgs := r.take()
	if len(msgs) != 1 || msgs[0].Kind != kind || msgs[0].To != to {
		t.Fatalf("queued %+v, want one %s to %s", msgs, kind, to)
	}
	d := msgs[0].Data.(mail.LinkData)
	u, err := url.Parse(d.Path)
	if err != nil || u.Path != page || u.Query().Get("token") == "" {
		t.Fatalf("link %q, want %s?token=…", d.Path, page)
	}
	return u.Query().Get("token")
}

// none fails if anything was queued.
func (r *mailRecorder) none(t *testing.T, what string) {
	t.Helper()
	if msgs := r.take(); len(msgs) != 0 {
		t.Fatalf("%s queued %+v", what, msgs)
	}
}

// setSignup sets the sign-up mode through the admin API.
func (h *harness) setSignup(t *testing.T, admin *webtest.Client, mode string) {
	t.Helper()
	res := admin.Do("PATCH", "/api/admin/settings", map[string]string{"signup": mode})
	mustStatus(t, res, 200, "PATCH /api/admin/settings")
	var s struct{ Signup string }
	res.JSON(t, &s)
	if s.Signup != mode {
		t.Fatalf("settings say sign-up is %q, want %q", s.Signup, mode)
	}
}

type meVerified struct {
	Email         string
	EmailVerified bool `json:"email_verified"`
}

func verifiedOf(t *testing.T, c *webtest.Client) meVerified {
	t.Helper()
	var m meVerified
	res := c.Do("GET", "/api/me", nil)
	mustStatus(t, res, 200, "GET /api/me")
	res.JSON(t, &m)
	return m
}

// orderBody is a valid DigitalOcean order of the plan.
func orderBody(plan *webrana.Plan, label string) map[string]any {
	return map[string]any{"provider_type": "digitalocean", "plan_id": plan.ID, "region": "sgp1",
		"image": "ubuntu-24-04-x64", "label": label, "root_password": "Kx9!mQ2#vLp7"}
}

func TestSignupAndVerifyAPI(t *testing.T) {
	engines(t, func(t *testing.T, h *harness) {
		h.user("admin@example.com", webrana.RoleAdmin)
		h.user("alice@example.com", webrana.RoleCustomer)
		admin, anon := h.login("admin@example.com"), h.client()
		signup := func(email, password string) *webtest.Response {
			return anon.Do("POST", "/api/auth/signup", map[string]string{"email": email, "password": password})
		}

		// The default is closed; the operator chooses.
		var s struct{ Signup string }
		admin.Do("GET", "/api/admin/settings", nil).JSON(t, &s)
		if s.Signup != "closed" {
			t.Fatalf("default sign-up mode %q, want closed", s.Signup)
		}
		if e := wantError(t, signup("new@example.com", testPassword), 403, "forbidden", ""); !strings.Contains(e.Message, "closed") {
			t.Errorf("closed sign-up says %q", e.Message)
		}
		h.setSignup(t, admin, "invite")
		if e := wantError(t, signup("new@example.com", testPassword), 403, "forbidden", ""); !strings.Contains(e.Message, "invitation") {
			t.Errorf("invite-only sign-up says %q", e.Message)
		}
		wantError(t, admin.Do("PATCH", "/api/admin/settings", map[string]string{"signup": "maybe"}), 400, "invalid", "signup")
		h.setSignup(t, admin, "open")
		h.mail.none(t, "refused sign-ups")

		wantError(t, signup("new@example.com", "short"), 400, "invalid", "password")
		wantError(t, signup("not-an-address", testPassword), 400, "invalid", "email")

		// New and existing addresses: the same answer, byte for byte.
		fresh := signup("new@example.com", testPassword)
		mustStatus(t, fresh, 202, "sign-up")
		first := h.mail.link(t, mail.Verify, "new@example.com", "/verify")
		taken := signup("alice@example.com", "another passphrase")
		if taken.Status != fresh.Status || !bytes.Equal(taken.Body, fresh.Body) {
			t.Fatalf("sign-up answers differ: new %d %s, existing %d %s", fresh.Status, fresh.Body, taken.Status, taken.Body)
		}
		h.mail.none(t, "a sign-up with a confirmed address")
		if _, err := h.db.UserByEmail(context.Background(), "new@example.com"); err != nil {
			t.Fatal(err)
		}

		// Signed in but unconfirmed: no orders, with a way to a new link.
		customer := h.login("new@example.com")
		if m := verifiedOf(t, customer); m.EmailVerified {
			t.Fatal("a signed-up customer is confirmed before following the link")
		}
		plan := h.plan(t, webrana.DigitalOcean)
		h.credit(t, customer, 1000)
		e := wantError(t, customer.Do("POST", "/api/vps", orderBody(plan, "web-1")), 403, "forbidden", "")
		if !strings.Contains(e.Message, "Confirm your e-mail address") || !strings.Contains(e.Message, "/api/auth/verify/resend") {
			t.Fatalf("refused order says %q", e.Message)
		}

		mustStatus(t, customer.Do("POST", "/api/auth/verify/resend", nil), 202, "resend")
		second := h.mail.link(t, mail.Verify, "new@example.com", "/verify")
		wantError(t, anon.Do("POST", "/api/auth/verify", map[string]string{"token": first}), 400, "invalid", "token")
		res := anon.Do("POST", "/api/auth/verify", map[string]string{"token": second})
		mustStatus(t, res, 200, "verify")
		var v struct {
			Email         string
			EmailVerified bool `json:"email_verified"`
			EmailChanged  bool `json:"email_changed"`
		}
		res.JSON(t, &v)
		if v.Email != "new@example.com" || !v.EmailVerified || v.EmailChanged {
			t.Fatalf("verify answered %s", res.Body)
		}
		wantError(t, anon.Do("POST", "/api/auth/verify", map[string]string{"token": second}), 400, "invalid", "token")
		if m := verifiedOf(t, customer); !m.EmailVerified {
			t.Fatal("GET /api/me says unconfirmed after the link was followed")
		}
		mustStatus(t, customer.Do("POST", "/api/vps", orderBody(plan, "web-1")), 202, "order once confirmed")
		wantError(t, customer.Do("POST", "/api/auth/verify/resend", nil), 409, "conflict", "")
	})
}

func TestPasswordResetAPI(t *testing.T) {
	engines(t, func(t *testing.T, h *harness) {
		h.user("alice@example.com", webrana.RoleCustomer)
		before := h.login("alice@example.com")
		anon := h.client()
		reset := func(email string) *webtest.Response {
			return anon.Do("POST", "/api/auth/password-reset", map[string]string{"email": email})
		}

		unknown, known := reset("nobody@example.com"), reset("alice@example.com")
		mustStatus(t, known, 202, "reset")
		if unknown.Status != known.Status || !bytes.Equal(unknown.Body, known.Body) {
			t.Fatalf("reset answers differ: unknown %d %s, known %d %s", unknown.Status, unknown.Body, known.Status, known.Body)
		}
		token := h.mail.link(t, mail.PasswordReset, "alice@example.com", "/reset")

		confirm := func(token, password string) *webtest.Response {
			return anon.Do("POST", "/api/auth/password-reset/confirm", map[string]string{"token": token, "password": password})
		}
		wantError(t, confirm(token, "short"), 400, "invalid", "password")
		mustStatus(t, confirm(token, "a fresh passphrase"), 200, "reset confirmed")
		wantError(t, confirm(token, "yet another one!"), 400, "invalid", "token")
		wantError(t, before.Do("GET", "/api/me", nil), 401, "unauthorized", "")
		mustStatus(t, h.tryLogin("alice@example.com", "a fresh passphrase"), 200, "login with the new password")

		// Per source: ten requests an hour, then 429 with Retry-After (the
		// count started with the two above).
		for i := range 8 {
			mustStatus(t, reset("someone"+string(rune('a'+i))+"@example.com"), 202, "reset")
		}
		res := reset("more@example.com")
		wantError(t, res, 429, "rate_limited", "")
		if res.Header.Get("Retry-After") == "" {
			t.Error("no Retry-After on a throttled reset")
		}
	})
}

func TestAccountAPI(t *testing.T) {
	engines(t, func(t *testing.T, h *harness) {
		h.user("alice@example.com", webrana.RoleCustomer)
		here, there := h.login("alice@example.com"), h.login("alice@example.com")
		change := func(current, next string) *webtest.Response {
			return here.Do("POST", "/api/me/password", map[string]string{"current_password": current, "new_password": next})
		}
		wantError(t, change("wrong password", "a new passphrase"), 400, "invalid", "current_password")
		wantError(t, change(testPassword, "short"), 400, "invalid", "new_password")
		mustStatus(t, change(testPassword, "a new passphrase"), 200, "password changed")
		mustStatus(t, here.Do("GET", "/api/me", nil), 200, "the session in use")
		wantError(t, there.Do("GET", "/api/me", nil), 401, "unauthorized", "")

		res := here.Do("POST", "/api/me/email", map[string]string{"email": "alice@new.example.com", "password": "a new passphrase"})
		mustStatus(t, res, 202, "address change")
		token := h.mail.link(t, mail.EmailChange, "alice@new.example.com", "/verify")
		if m := verifiedOf(t, here); m.Email != "alice@example.com" {
			t.Fatalf("the address changed to %s before confirmation", m.Email)
		}
		wantError(t, here.Do("POST", "/api/me/email", map[string]string{"email": "x@example.com", "password": "wrong"}), 400, "invalid", "password")
		res = h.client().Do("POST", "/api/auth/verify", map[string]string{"token": token})
		mustStatus(t, res, 200, "confirm the new address")
		if !strings.Contains(string(res.Body), `"email_changed":true`) {
			t.Fatalf("verify answered %s", res.Body)
		}
		if m := verifiedOf(t, here); m.Email != "alice@new.example.com" || !m.EmailVerified {
			t.Fatalf("after confirmation: %+v", m)
		}
	})
}

func TestInviteAPI(t *testing.T) {
	engines(t, func(t *testing.T, h *harness) {
		h.user("admin@example.com", webrana.RoleAdmin)
		h.user("alice@example.com", webrana.RoleCustomer)
		admin, alice := h.login("admin@example.com"), h.login("alice@example.com")

		invite := func(c *webtest.Client, email, role string) *webtest.Response {
			return c.Do("POST", "/api/admin/users", map[string]string{"email": email, "role": role})
		}
		wantError(t, invite(alice, "x@example.com", "customer"), 403, "forbidden", "")
		if e := wantError(t, invite(admin, "alice@example.com", "customer"), 409, "conflict", "email"); !strings.Contains(e.Message, "already exists") {
			t.Errorf("existing address says %q", e.Message)
		}
		wantError(t, invite(admin, "op@example.com", "owner"), 400, "invalid", "role")
		res := invite(admin, "op@example.com", "admin")
		mustStatus(t, res, 201, "invite")
		var u struct {
			ID            string
			Role          string
			EmailVerified bool `json:"email_verified"`
		}
		res.JSON(t, &u)
		if u.Role != "admin" || u.EmailVerified {
			t.Fatalf("invited %s", res.Body)
		}
		msgs := h.mail.take()
		if len(msgs) != 1 || msgs[0].Data.(mail.LinkData).Inviter != "admin@example.com" {
			t.Fatalf("queued %+v, want one invitation naming the inviter", msgs)
		}
		h.mail.sent = msgs
		token := h.mail.link(t, mail.Invite, "op@example.com", "/invite")

		accept := func(password string) *webtest.Response {
			return h.client().Do("POST", "/api/auth/invite/accept", map[string]string{"token": token, "password": password})
		}
		wantError(t, accept("short"), 400, "invalid", "password")
		op := h.client().WithToken(tokenOf(t, accept("the operator's passphrase")))
		if m := verifiedOf(t, op); !m.EmailVerified || m.Email != "op@example.com" {
			t.Fatalf("accepted: %+v", m)
		}
		wantError(t, accept("again and again"), 400, "invalid", "token")

		// Disabled: the user's sessions end and their tokens stop working.
		res = op.Do("POST", "/api/tokens", map[string]any{"name": "script"})
		mustStatus(t, res, 201, "token")
		var tok struct{ Token string }
		res.JSON(t, &tok)
		mustStatus(t, admin.Do("PATCH", "/api/admin/users/"+u.ID, map[string]bool{"disabled": true}), 200, "disable")
		wantError(t, op.Do("GET", "/api/me", nil), 401, "unauthorized", "")
		wantError(t, h.client().WithToken(tok.Token).Do("GET", "/api/me", nil), 401, "unauthorized", "")
		mustStatus(t, admin.Do("PATCH", "/api/admin/users/"+u.ID, map[string]bool{"disabled": false}), 200, "enable")
		mustStatus(t, h.client().WithToken(tok.Token).Do("GET", "/api/me", nil), 200, "token after re-enabling")
	})
}

package web_test

import (
	"context"
	"net/url"
	"strings"
	"testing"

	"github.com/webrana/webrana"
	"github.com/webrana/webrana/mail"
	"github.com/webrana/webrana/web/webtest"
)

// publicPage opens a page shown before sign-in in a new browser and
// returns the browser and its form's CSRF token.
func publicPage(t *testing.T, h *harness, path string, status int) (*webtest.Client, *webtest.Response, string) {
	t.Helper()
	c := h.client()
	res := c.Do("GET", path, nil)
	mustStatus(t, res, status, "GET "+path)
	return c, res, hiddenCSRF(t, res)
}

func TestSignupPages(t *testing.T) {
	t.Parallel()
	h := sqliteHarness(t)
	h.user("admin@example.com", webrana.RoleAdmin)
	admin := h.login("admin@example.com")

	// Closed: no link on the login page, and the page says so.
	_, login, _ := publicPage(t, h, "/login", 200)
	mustContain(t, login, "login page", `href="/reset" id="forgot-password"`)
	mustLack(t, login, "login page, sign-up closed", `id="signup-link"`)
	res := h.client().Do("GET", "/signup", nil)
	mustStatus(t, res, 403, "GET /signup while closed")
	mustContain(t, res, "closed sign-up page", "Sign-up is closed")

	h.setSignup(t, admin, "open")
	_, login, _ = publicPage(t, h, "/login", 200)
	mustContain(t, login, "login page, sign-up open", `href="/signup" id="signup-link"`)

	c, page, csrf := publicPage(t, h, "/signup", 200)
	mustContain(t, page, "sign-up page", `action="/signup"`, `name="email"`, `name="password"`, `autocomplete="new-password"`)
	res = c.PostForm("/signup", url.Values{"email": {"new@example.com"}, "password": {testPassword}})
	mustStatus(t, res, 403, "sign-up without its CSRF token")
	res = c.PostForm("/signup", url.Values{"csrf_token": {csrf}, "email": {"new@example.com"}, "password": {"short"}})
	mustStatus(t, res, 400, "short password")
	mustContain(t, res, "refused sign-up", `id="password-error"`, "at least 10 characters", `value="new@example.com"`)
	res = c.PostForm("/signup", url.Values{"csrf_token": {csrf}, "email": {"new@example.com"}, "password": {testPassword}})
	mustStatus(t, res, 202, "sign-up")
	mustContain(t, res, "signed up", `id="signup-done"`, "Check your inbox")
	token := h.mail.link(t, mail.Verify, "new@example.com", "/verify")

	// Unconfirmed and signed in: a banner with a button for a new link, and
	// the wizard's last step refuses the order with the reason.
	browser := signIn(t, h, "new@example.com")
	home := browser.Do("GET", "/", nil)
	mustContain(t, home, "home while unconfirmed", `id="unconfirmed-banner"`, `action="/account/verify/resend"`, `id="resend-verification"`)
	plan := h.plan(t, webrana.DigitalOcean)
	h.credit(t, h.login("new@example.com"), 1000)
	page = wizard(t, browser, browser.Do("GET", "/servers/new", nil), "next", url.Values{"provider_type": {"digitalocean"}})
	page = wizard(t, browser, page, "next", url.Values{"label": {"blog-1"}, "plan_id": {plan.ID}})
	page = wizard(t, browser, page, "next", url.Values{"region": {"sgp1"}})
	page = wizard(t, browser, page, "next", url.Values{"image_kind": {"distribution"}, "image": {"ubuntu-24-04-x64"}})
	page = wizard(t, browser, page, "next", nil)
	atStep(t, page, 200, 6, "review")
	refused := wizard(t, browser, page, "place", url.Values{"root_password": {"Kx9!mQ2#vLp7"}})
	atStep(t, refused, 403, 6, "order while unconfirmed")
	mustContain(t, refused, "refused order", "Confirm your e-mail address before ordering")

	res = browser.PostForm("/account/verify/resend", url.Values{"csrf_token": {sessionCSRF(t, browser)}})
	mustStatus(t, res, 303, "resend")
	if res.Header.Get("Location") != "/account" {
		t.Errorf("resend goes to %q", res.Header.Get("Location"))
	}
	stale := token
	token = h.mail.link(t, mail.Verify, "new@example.com", "/verify")

	res = h.client().Do("GET", "/verify?token="+url.QueryEscape(stale), nil)
	mustStatus(t, res, 400, "a replaced link")
	mustContain(t, res, "replaced link", "Link not valid", "Ask for a new one")
	res = h.client().Do("GET", "/verify?token="+url.QueryEscape(token), nil)
	mustStatus(t, res, 200, "confirm")
	mustContain(t, res, "confirmed", "Address confirmed", "new@example.com is confirmed")
	mustLack(t, browser.Do("GET", "/", nil), "home once confirmed", `id="unconfirmed-banner"`)
	placedInstance(t, h, wizard(t, browser, page, "place", url.Values{"root_password": {"Kx9!mQ2#vLp7"}}))
}

// sessionCSRF is the CSRF token of a signed-in browser's pages.
func sessionCSRF(t *testing.T, c *webtest.Client) string {
	t.Helper()
	return hiddenCSRF(t, c.Do("GET", "/account", nil))
}

func TestResetPages(t *testing.T) {
	t.Parallel()
	h := sqliteHarness(t)
	h.user("alice@example.com", webrana.RoleCustomer)

	c, page, csrf := publicPage(t, h, "/reset", 200)
	mustContain(t, page, "reset page", `action="/reset"`, `name="email"`)
	res := c.PostForm("/reset", url.Values{"csrf_token": {csrf}, "email": {"nobody@example.com"}})
	mustStatus(t, res, 202, "reset for an unknown address")
	mustContain(t, res, "reset requested", `id="reset-done"`)
	h.mail.none(t, "a reset for an unknown address")
	mustStatus(t, c.PostForm("/reset", url.Values{"csrf_token": {csrf}, "email": {"alice@example.com"}}), 202, "reset")
	token := h.mail.link(t, mail.PasswordReset, "alice@example.com", "/reset")

	c, page, csrf = publicPage(t, h, "/reset?token="+url.QueryEscape(token), 200)
	mustContain(t, page, "new password page", `name="token" value="`+token+`"`, `autocomplete="new-password"`)
	if page.Header.Get("Referrer-Policy") != "no-referrer" {
		t.Error("a page with a token in its address sends it as a referrer")
	}
	res = c.PostForm("/reset", url.Values{"csrf_token": {csrf}, "token": {token}, "password": {"short"}})
	mustStatus(t, res, 400, "short password")
	mustContain(t, res, "refused password", `id="password-error"`)
	res = c.PostForm("/reset", url.Values{"csrf_token": {csrf}, "token": {token}, "password": {"a fresh passphrase"}})
	mustStatus(t, res, 200, "new password")
	mustContain(t, res, "password changed", "Password changed")
	res = c.PostForm("/reset", url.Values{"csrf_token": {csrf}, "token": {token}, "password": {"another passphrase"}})
	mustStatus(t, res, 400, "a used link")
	mustContain(t, res, "used link", "Link not valid")
	mustStatus(t, h.tryLogin("alice@example.com", "a fresh passphrase"), 200, "login with the new password")
}

func TestInviteAndSettingsPages(t *testing.T) {
	t.Parallel()
	h := sqliteHarness(t)
	h.user("admin@example.com", webrana.RoleAdmin)
	h.user("alice@example.com", webrana.RoleCustomer)
	admin := signIn(t, h, "admin@example.com")
	csrf := sessionCSRF(t, admin)

	page := admin.Do("GET", "/admin/customers", nil)
	mustContain(t, page, "users page", `id="invite-form"`, `action="/admin/customers/invite"`, `name="role"`)
	res := admin.PostForm("/admin/customers/invite", url.Values{"csrf_token": {csrf}, "email": {"alice@example.com"}, "role": {"customer"}})
	mustStatus(t, res, 409, "invite an existing address")
	mustContain(t, res, "refused invitation", `id="invite-email-error"`, "already exists")
	res = admin.PostForm("/admin/customers/invite", url.Values{"csrf_token": {csrf}, "email": {"bob@example.com"}, "role": {"customer"}})
	mustStatus(t, res, 303, "invite")
	token := h.mail.link(t, mail.Invite, "bob@example.com", "/invite")
	mustContain(t, admin.Do("GET", "/admin/customers", nil), "users page", "bob@example.com", "address not confirmed")

	c, page, fcsrf := publicPage(t, h, "/invite?token="+url.QueryEscape(token), 200)
	mustContain(t, page, "invitation page", `action="/invite"`, `name="token"`)
	res = c.PostForm("/invite", url.Values{"csrf_token": {fcsrf}, "token": {token}, "password": {"bob's passphrase"}})
	mustStatus(t, res, 303, "accept")
	if ck, _ := setCookie(t, res, "webrana_session"); ck == nil || ck.Value == "" {
		t.Fatal("accepting an invitation set no session")
	}
	mustContain(t, c.Do("GET", "/account", nil), "account page", "bob@example.com", "confirmed")

	// Settings.
	page = admin.Do("GET", "/admin/settings", nil)
	mustContain(t, page, "settings page", `value="closed" checked id="signup-closed"`)
	res = admin.PostForm("/admin/settings", url.Values{"csrf_token": {csrf}, "signup": {"sometimes"}})
	mustStatus(t, res, 400, "invalid mode")
	mustContain(t, res, "refused settings", "signup must be open, invite or closed")
	mustStatus(t, admin.PostForm("/admin/settings", url.Values{"csrf_token": {csrf}, "signup": {"invite"}}), 303, "save settings")
	mustContain(t, admin.Do("GET", "/admin/settings", nil), "settings page", `value="invite" checked id="signup-invite"`)
	mustStatus(t, admin.PostForm("/admin/settings", url.Values{"signup": {"open"}}), 403, "settings without CSRF")
}

func TestAccountPage(t *testing.T) {
	t.Parallel()
	h := sqliteHarness(t)
	h.user("alice@example.com", webrana.RoleCustomer)
	other := h.login("alice@example.com")
	c := signIn(t, h, "alice@example.com")
	page := c.Do("GET", "/account", nil)
	mustContain(t, page, "account page", `id="password-change-form"`, `id="email-form"`, `href="/tokens"`, "confirmed")
	csrf := hiddenCSRF(t, page)

	res := c.PostForm("/account/password", url.Values{"csrf_token": {csrf}, "current_password": {"wrong one"}, "new_password": {"a new passphrase"}})
	mustStatus(t, res, 400, "wrong current password")
	mustContain(t, res, "refused change", `id="current-password-error"`)
	res = c.PostForm("/account/password", url.Values{"csrf_token": {csrf}, "current_password": {testPassword}, "new_password": {"a new passphrase"}})
	mustStatus(t, res, 303, "change password")
	mustStatus(t, c.Do("GET", "/account", nil), 200, "the browser stays signed in")
	wantError(t, other.Do("GET", "/api/me", nil), 401, "unauthorized", "")

	res = c.PostForm("/account/email", url.Values{"csrf_token": {csrf}, "email": {"alice@new.example.com"}, "password": {"a new passphrase"}})
	mustStatus(t, res, 303, "change address")
	change := h.mail.link(t, mail.EmailChange, "alice@new.example.com", "/verify")
	res = c.PostForm("/account/email", url.Values{"csrf_token": {csrf}, "email": {"bad"}, "password": {"a new passphrase"}})
	mustStatus(t, res, 400, "bad address")
	mustContain(t, res, "refused address", `id="new-email-error"`)

	// Following the link (as a mail scanner would) changes nothing: the
	// page asks, and a POST confirms.
	anon, confirm, anonCSRF := publicPage(t, h, "/verify?token="+url.QueryEscape(change), 200)
	mustContain(t, confirm, "address change page", `action="/verify"`, `id="confirm-address"`, "alice@new.example.com")
	mustContain(t, c.Do("GET", "/account", nil), "account page before the POST", "alice@example.com")
	res = anon.PostForm("/verify", url.Values{"csrf_token": {"wrong"}, "token": {change}})
	mustStatus(t, res, 403, "confirm without its CSRF token")
	res = anon.PostForm("/verify", url.Values{"csrf_token": {anonCSRF}, "token": {change}})
	mustStatus(t, res, 200, "confirm the address")
	mustContain(t, res, "confirmed", "Your address is now alice@new.example.com.")
	res = anon.PostForm("/verify", url.Values{"csrf_token": {anonCSRF}, "token": {change}})
	mustStatus(t, res, 400, "the used link")
}

func TestSetupPage(t *testing.T) {
	t.Parallel()
	h := sqliteHarness(t)
	link, err := h.auth.SetupLink(context.Background())
	if err != nil || link == "" {
		t.Fatalf("setup link %q, %v", link, err)
	}
	res := h.client().Do("GET", "/setup?token=guess", nil)
	mustStatus(t, res, 400, "a wrong setup token")
	c, page, csrf := publicPage(t, h, link, 200)
	mustContain(t, page, "setup page", `action="/setup"`, `name="email"`, `name="password"`)
	token := strings.TrimPrefix(link, "/setup?token=")
	res = c.PostForm("/setup", url.Values{"csrf_token": {csrf}, "token": {token}, "email": {"root@example.com"}, "password": {"short"}})
	mustStatus(t, res, 400, "short password")
	res = c.PostForm("/setup", url.Values{"csrf_token": {csrf}, "token": {token}, "email": {"root@example.com"}, "password": {"the first operator"}})
	mustStatus(t, res, 303, "setup")
	if res.Header.Get("Location") != "/admin/accounts" {
		t.Errorf("setup goes to %q", res.Header.Get("Location"))
	}
	mustStatus(t, c.Do("GET", "/admin/settings", nil), 200, "the first operator is signed in")
	res = h.client().Do("GET", link, nil)
	mustStatus(t, res, 404, "setup once an administrator exists")
	mustContain(t, res, "setup done", "Setup is done")
}

package web_test

import (
	"context"
	"html"
	"net/url"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/pquerna/otp"
	"github.com/pquerna/otp/totp"

	"github.com/webrana/webrana"
	"github.com/webrana/webrana/auth"
	"github.com/webrana/webrana/store"
	"github.com/webrana/webrana/web/webtest"
)

// otpCode is what an authenticator app shows for secret at the harness's time.
func (h *harness) otpCode(t *testing.T, secret string) string {
	t.Helper()
	code, err := totp.GenerateCodeCustom(secret, h.clock.Now(), totp.ValidateOpts{Period: 30, Digits: otp.DigitsSix, Algorithm: otp.AlgorithmSHA1})
	if err != nil {
		t.Fatal(err)
	}
	return code
}

// enrolAPI turns two factors on for the signed-in client through the API
// and returns the secret and recovery codes.
func (h *harness) enrolAPI(t *testing.T, c *webtest.Client) (string, []string) {
	t.Helper()
	res := c.Do("POST", "/api/me/totp", map[string]string{"password": testPassword})
	mustStatus(t, res, 200, "POST /api/me/totp")
	var e struct {
		Secret     string
		OTPAuthURL string `json:"otpauth_url"`
	}
	res.JSON(t, &e)
	if e.Secret == "" || !strings.HasPrefix(e.OTPAuthURL, "otpauth://totp/") {
		t.Fatalf("enrolment %s", res.Body)
	}
	res = c.Do("POST", "/api/me/totp/confirm", map[string]string{"code": h.otpCode(t, e.Secret)})
	mustStatus(t, res, 200, "confirm")
	var out struct {
		RecoveryCodes []string `json:"recovery_codes"`
	}
	res.JSON(t, &out)
	h.clock.Advance(time.Minute) // the confirmation's code is taken
	return e.Secret, out.RecoveryCodes
}

func (h *harness) loginWith(email, password, code string) *webtest.Response {
	h.t.Helper()
	body := map[string]string{"email": email, "password": password}
	if code != "" {
		body["totp_code"] = code
	}
	return h.client().Do("POST", "/api/auth/login", body)
}

func TestTOTPAPI(t *testing.T) {
	t.Parallel()
	engines(t, func(t *testing.T, h *harness) {
		u := h.user("carol@example.com", webrana.RoleCustomer)
		c := h.login(u.Email)
		var st struct {
			Enabled, Pending, Required bool
			Left                       int `json:"recovery_codes_left"`
		}
		c.Do("GET", "/api/me/totp", nil).JSON(t, &st)
		if st.Enabled || st.Pending {
			t.Fatalf("state before enrolling %+v", st)
		}
		wantError(t, c.Do("POST", "/api/me/totp/confirm", map[string]string{"code": "123456"}), 409, "conflict", "")

		// Beginning asks for the current password.
		wantError(t, c.Do("POST", "/api/me/totp", map[string]string{"password": "wrong password!"}), 400, "invalid", "password")
		wantError(t, c.Do("POST", "/api/me/totp", map[string]string{}), 400, "invalid", "password")
		res := c.Do("POST", "/api/me/totp", map[string]string{"password": testPassword})
		mustStatus(t, res, 200, "enrol")
		var e struct{ Secret string }
		res.JSON(t, &e)
		wantError(t, c.Do("POST", "/api/me/totp/confirm", map[string]string{"code": "12345x"}), 400, "invalid", "code")
		wantError(t, c.Do("POST", "/api/me/totp/confirm", map[string]string{}), 400, "invalid", "code")
		res = c.Do("POST", "/api/me/totp/confirm", map[string]string{"code": h.otpCode(t, e.Secret)})
		mustStatus(t, res, 200, "confirm")
		var codes struct {
			RecoveryCodes []string `json:"recovery_codes"`
		}
		res.JSON(t, &codes)
		if len(codes.RecoveryCodes) != auth.RecoveryCodeCount {
			t.Fatalf("recovery codes %v", codes.RecoveryCodes)
		}
		// From now on the secret is in no answer.
		var answers []*webtest.Response
		keep := func(res *webtest.Response) *webtest.Response { answers = append(answers, res); return res }
		keep(c.Do("GET", "/api/me/totp", nil)).JSON(t, &st)
		if !st.Enabled || st.Pending || st.Left != auth.RecoveryCodeCount {
			t.Fatalf("state after confirming %+v", st)
		}
		wantError(t, keep(c.Do("POST", "/api/me/totp", map[string]string{"password": testPassword})), 409, "conflict", "")
		keep(c.Do("GET", "/api/me", nil))

		// Sign-in: the password alone asks for the code; the code is taken once.
		h.clock.Advance(time.Minute)
		wantError(t, keep(h.loginWith(u.Email, testPassword, "")), 401, "totp_required", "")
		wantError(t, keep(h.loginWith(u.Email, "wrong password!", "")), 401, "unauthorized", "")
		wantError(t, keep(h.loginWith(u.Email, "wrong password!", h.otpCode(t, e.Secret))), 401, "unauthorized", "")
		code := h.otpCode(t, e.Secret)
		tokenOf(t, keep(h.loginWith(u.Email, testPassword, code)))
		wantError(t, keep(h.loginWith(u.Email, testPassword, code)), 401, "totp_required", "")
		tokenOf(t, keep(h.loginWith(u.Email, testPassword, codes.RecoveryCodes[0])))
		wantError(t, keep(h.loginWith(u.Email, testPassword, codes.RecoveryCodes[0])), 401, "totp_required", "")
		for _, res := range answers {
			if strings.Contains(string(res.Body), e.Secret) {
				t.Fatalf("the secret in an answer after confirmation: %s", res.Body)
			}
		}
		// Stored sealed: the row does not hold it.
		row, err := h.db.TOTPOf(context.Background(), u.ID)
		if err != nil || row.SecretCiphertext == "" || strings.Contains(row.SecretCiphertext, e.Secret) || !strings.HasPrefix(row.SecretCiphertext, "v1:") {
			t.Fatalf("stored secret %+v, %v", row, err)
		}

		// Off: the password or a code proves it is them.
		wantError(t, c.Do("DELETE", "/api/me/totp", map[string]string{"password": "wrong password!"}), 400, "invalid", "password")
		wantError(t, c.Do("DELETE", "/api/me/totp", nil), 400, "invalid", "password")
		mustStatus(t, c.Do("DELETE", "/api/me/totp", map[string]string{"password": testPassword}), 204, "turn off")
		tokenOf(t, h.loginWith(u.Email, testPassword, ""))
		wantError(t, c.Do("DELETE", "/api/me/totp", nil), 409, "conflict", "")
	})
}

// TestTOTPLoginThrottled: wrong codes count against the account like wrong
// passwords; then even the right code waits.
func TestTOTPLoginThrottled(t *testing.T) {
	t.Parallel()
	enginesWith(t, auth.ThrottlePolicy{PerAccount: 3, PerSource: 20, Window: 15 * time.Minute}, func(t *testing.T, h *harness) {
		u := h.user("dave@example.com", webrana.RoleCustomer)
		secret, _ := h.enrolAPI(t, h.login(u.Email))
		for range 3 {
			wantError(t, h.loginWith(u.Email, testPassword, "000000"), 401, "totp_required", "")
		}
		res := h.loginWith(u.Email, testPassword, h.otpCode(t, secret))
		wantError(t, res, 429, "rate_limited", "")
		retryAfter(t, res)
		h.clock.Advance(15 * time.Minute)
		tokenOf(t, h.loginWith(u.Email, testPassword, h.otpCode(t, secret)))
	})
}

// TestAdminTOTPRequired: with the setting on, an administrator without two
// factors may only enrol, by API and in the panel; customers are not
// concerned; once enrolled everything is open again.
func TestAdminTOTPRequired(t *testing.T) {
	t.Parallel()
	engines(t, func(t *testing.T, h *harness) {
		h.user("root@example.com", webrana.RoleAdmin)
		h.user("cust@example.com", webrana.RoleCustomer)
		admin := h.login("root@example.com")
		var set struct {
			AdminTOTP bool `json:"admin_totp"`
		}
		admin.Do("GET", "/api/admin/settings", nil).JSON(t, &set)
		if set.AdminTOTP {
			t.Fatal("admin_totp on by default")
		}
		wantError(t, admin.Do("PATCH", "/api/admin/settings", map[string]any{"admin_totp": "yes"}), 400, "invalid", "admin_totp")
		res := admin.Do("PATCH", "/api/admin/settings", map[string]any{"admin_totp": true})
		mustStatus(t, res, 200, "require two factors")
		res.JSON(t, &set)
		if !set.AdminTOTP {
			t.Fatalf("settings after the change %s", res.Body)
		}
		wantError(t, h.login("cust@example.com").Do("PATCH", "/api/admin/settings", map[string]any{"admin_totp": false}), 403, "forbidden", "")

		// Not enrolled: refused everything but enrolment, with the reason.
		e := wantError(t, admin.Do("GET", "/api/admin/users", nil), 403, "forbidden", "")
		if !strings.Contains(e.Message, "two-factor") {
			t.Fatalf("refusal %q does not say why", e.Message)
		}
		wantError(t, admin.Do("GET", "/api/admin/settings", nil), 403, "forbidden", "")
		mustStatus(t, admin.Do("GET", "/api/me", nil), 200, "GET /api/me")
		var st struct{ Required, Enabled bool }
		admin.Do("GET", "/api/me/totp", nil).JSON(t, &st)
		if !st.Required || st.Enabled {
			t.Fatalf("state %+v", st)
		}
		// The panel sends them to the two-factor page.
		browser := signIn(t, h, "root@example.com")
		res = browser.Do("GET", "/admin/customers", nil)
		mustStatus(t, res, 303, "operator page before enrolling")
		if loc := res.Header.Get("Location"); loc != "/account/two-factor" {
			t.Fatalf("Location %q", loc)
		}
		page := browser.Do("GET", "/account/two-factor", nil)
		mustStatus(t, page, 200, "two-factor page")
		if !strings.Contains(string(page.Body), `id="must-enrol"`) {
			t.Fatal("the two-factor page does not say enrolment is required")
		}
		// Customers are not concerned.
		mustStatus(t, h.login("cust@example.com").Do("GET", "/api/vps", nil), 200, "customer")

		h.enrolAPI(t, admin)
		mustStatus(t, admin.Do("GET", "/api/admin/users", nil), 200, "after enrolling")
		res = admin.Do("PATCH", "/api/admin/settings", map[string]any{})
		mustStatus(t, res, 200, "empty change")
		if res.JSON(t, &set); !set.AdminTOTP {
			t.Fatal("an empty change changed the setting")
		}
		mustStatus(t, browser.Do("GET", "/admin/customers", nil), 200, "operator page after enrolling")
		// Required: it cannot be turned off.
		wantError(t, admin.Do("DELETE", "/api/me/totp", map[string]string{"password": testPassword}), 409, "conflict", "")
	})
}

// TestAdminResetTOTP: an administrator turns a customer's two factors off
// by API or from the customers page; the customer is signed out, audited.
func TestAdminResetTOTP(t *testing.T) {
	t.Parallel()
	engines(t, func(t *testing.T, h *harness) {
		h.user("root@example.com", webrana.RoleAdmin)
		u := h.user("erin@example.com", webrana.RoleCustomer)
		cust := h.login(u.Email)
		h.enrolAPI(t, cust)
		admin := h.login("root@example.com")
		path := "/api/admin/users/" + u.ID + "/totp/reset"
		wantError(t, cust.Do("POST", path, nil), 403, "forbidden", "")
		wantError(t, admin.Do("POST", "/api/admin/users/nobody/totp/reset", nil), 404, "not_found", "")
		mustStatus(t, admin.Do("POST", path, nil), 204, "reset")
		wantError(t, cust.Do("GET", "/api/me", nil), 401, "unauthorized", "")
		wantError(t, admin.Do("POST", path, nil), 409, "conflict", "")
		tokenOf(t, h.loginWith(u.Email, testPassword, ""))

		// The same from the customers page: the button shows for users with
		// two factors on only.
		h.enrolAPI(t, h.login(u.Email))
		browser := signIn(t, h, "root@example.com")
		page := browser.Do("GET", "/admin/customers", nil)
		mustStatus(t, page, 200, "customers page")
		if !strings.Contains(string(page.Body), `id="reset-totp-`+u.ID+`"`) || strings.Count(string(page.Body), `id="reset-totp-`) != 1 {
			t.Fatal("want one reset button, for the customer with two factors")
		}
		res := browser.PostForm("/admin/customers/"+u.ID+"/totp/reset", url.Values{"csrf_token": {hiddenCSRF(t, page)}})
		mustStatus(t, res, 303, "reset form")
		tokenOf(t, h.loginWith(u.Email, testPassword, ""))
		entries, _, err := h.db.ListAudit(context.Background(), store.AuditFilter{Action: "totp.reset", TargetID: u.ID})
		if err != nil || len(entries) != 2 || entries[0].ActorEmail != "root@example.com" {
			t.Fatalf("reset audits %+v, %v", entries, err)
		}
	})
}

var pendingInput = regexp.MustCompile(`<input type="hidden" name="pending" value="([^"]*)"`)

// TestTwoStepLoginForm: the login form asks for the code after a right
// password, carrying a pending sign-in (never the password); a wrong
// password says nothing about two factors.
func TestTwoStepLoginForm(t *testing.T) {
	t.Parallel()
	h := sqliteHarness(t)
	u := h.user("fay@example.com", webrana.RoleCustomer)
	secret, _ := h.enrolAPI(t, h.login(u.Email))

	c, csrf := loginPage(t, h)
	res := c.PostForm("/login", formLogin(csrf, u.Email, "wrong password!", "/billing"))
	mustStatus(t, res, 401, "wrong password")
	if strings.Contains(string(res.Body), "login-code") || pendingInput.Match(res.Body) {
		t.Fatal("a wrong password led to the code step")
	}
	res = c.PostForm("/login", formLogin(csrf, u.Email, testPassword, "/billing"))
	mustStatus(t, res, 200, "right password")
	body := string(res.Body)
	m := pendingInput.FindStringSubmatch(body)
	if m == nil || !strings.Contains(body, `action="/login/two-factor"`) || !strings.Contains(body, `autocomplete="one-time-code"`) {
		t.Fatalf("no code step:\n%s", body)
	}
	if strings.Contains(body, testPassword) || strings.Contains(body, `name="password"`) {
		t.Fatal("the code step carries the password")
	}
	if ck, _ := setCookie(t, res, "webrana_session"); ck != nil {
		t.Fatal("a session before the code")
	}
	pending := html.UnescapeString(m[1])
	step := func(code, pending string) *webtest.Response {
		return c.PostForm("/login/two-factor", url.Values{"csrf_token": {csrf}, "next": {"/billing"}, "pending": {pending}, "code": {code}})
	}
	// Without the form token: refused.
	mustStatus(t, c.PostForm("/login/two-factor", url.Values{"pending": {pending}, "code": {h.otpCode(t, secret)}}), 403, "no csrf")
	// A wrong code: the code step again, with a message.
	res = step("000000", pending)
	mustStatus(t, res, 401, "wrong code")
	if !strings.Contains(string(res.Body), `id="login-error"`) || !pendingInput.Match(res.Body) {
		t.Fatalf("wrong code answer:\n%s", res.Body)
	}
	// A forged pending sign-in: back to the password.
	res = step(h.otpCode(t, secret), "v1:forged:xyz")
	mustStatus(t, res, 401, "forged pending")
	if pendingInput.Match(res.Body) || !strings.Contains(string(res.Body), `name="password"`) {
		t.Fatal("a forged pending sign-in was asked for a code")
	}
	res = step(h.otpCode(t, secret), pending)
	mustStatus(t, res, 303, "right code")
	if loc := res.Header.Get("Location"); loc != "/billing" {
		t.Fatalf("Location %q", loc)
	}
	if ck, _ := setCookie(t, res, "webrana_session"); ck == nil || !strings.HasPrefix(ck.Value, auth.SessionPrefix) {
		t.Fatal("no session after the code")
	}
	mustStatus(t, c.Do("GET", "/billing", nil), 200, "signed in")
	// Too late: five minutes on, the pending sign-in has lapsed.
	c2, csrf2 := loginPage(t, h)
	res = c2.PostForm("/login", formLogin(csrf2, u.Email, testPassword, "/"))
	pending = html.UnescapeString(pendingInput.FindStringSubmatch(string(res.Body))[1])
	h.clock.Advance(6 * time.Minute)
	res = c2.PostForm("/login/two-factor", url.Values{"csrf_token": {csrf2}, "pending": {pending}, "code": {h.otpCode(t, secret)}})
	mustStatus(t, res, 401, "lapsed pending sign-in")
}

var secretShown = regexp.MustCompile(`<code id="totp-secret" class="mono">([A-Z2-7]+)</code>`)

// TestTwoFactorPage: enrol through the page (secret and QR code shown
// while pending), see the recovery codes once, turn off.
func TestTwoFactorPage(t *testing.T) {
	t.Parallel()
	h := sqliteHarness(t)
	u := h.user("gus@example.com", webrana.RoleCustomer)
	c := signIn(t, h, u.Email)
	page := c.Do("GET", "/account/two-factor", nil)
	mustStatus(t, page, 200, "two-factor page")
	csrf := hiddenCSRF(t, page)
	if !strings.Contains(string(page.Body), `id="totp-begin"`) {
		t.Fatal("no set-up button")
	}
	mustStatus(t, c.PostForm("/account/two-factor", url.Values{}), 403, "no csrf")
	res := c.PostForm("/account/two-factor", url.Values{"csrf_token": {csrf}, "password": {"wrong password!"}})
	mustStatus(t, res, 400, "begin with a wrong password")
	mustContain(t, res, "refused begin", `id="totp-begin-password-error"`)
	mustStatus(t, c.PostForm("/account/two-factor", url.Values{"csrf_token": {csrf}, "password": {testPassword}}), 303, "begin")
	page = c.Do("GET", "/account/two-factor", nil)
	m := secretShown.FindStringSubmatch(string(page.Body))
	if m == nil || !strings.Contains(string(page.Body), `src="data:image/png;base64,`) {
		t.Fatalf("pending page without secret or QR code:\n%s", page.Body)
	}
	secret := m[1]
	res = c.PostForm("/account/two-factor/confirm", url.Values{"csrf_token": {csrf}, "code": {"000000"}})
	mustStatus(t, res, 400, "wrong code")
	if !strings.Contains(string(res.Body), `id="totp-code-error"`) {
		t.Fatalf("no message under the code:\n%s", res.Body)
	}
	res = c.PostForm("/account/two-factor/confirm", url.Values{"csrf_token": {csrf}, "code": {h.otpCode(t, secret)}})
	mustStatus(t, res, 200, "confirm")
	if strings.Count(string(res.Body), "<li>") < auth.RecoveryCodeCount || !strings.Contains(string(res.Body), `id="recovery-codes"`) {
		t.Fatalf("no recovery codes:\n%s", res.Body)
	}
	page = c.Do("GET", "/account/two-factor", nil)
	if strings.Contains(string(page.Body), secret) || strings.Contains(string(page.Body), "data:image/png") || !strings.Contains(string(page.Body), `id="totp-on"`) {
		t.Fatal("the page after confirmation shows the secret, or not that it is on")
	}
	res = c.PostForm("/account/two-factor/disable", url.Values{"csrf_token": {csrf}, "password": {"wrong password!"}})
	mustStatus(t, res, 400, "wrong password")
	res = c.PostForm("/account/two-factor/disable", url.Values{"csrf_token": {csrf}, "password": {testPassword}})
	mustStatus(t, res, 303, "turn off")
	tokenOf(t, h.loginWith(u.Email, testPassword, ""))
}

// TestSettingsPage: the operator requires two factors of administrators
// from the settings page, and turns it off again; customers are refused.
func TestSettingsPage(t *testing.T) {
	t.Parallel()
	h := sqliteHarness(t)
	h.user("root@example.com", webrana.RoleAdmin)
	h.user("cust@example.com", webrana.RoleCustomer)
	mustStatus(t, signIn(t, h, "cust@example.com").Do("GET", "/admin/settings", nil), 403, "customer")
	c := signIn(t, h, "root@example.com")
	page := c.Do("GET", "/admin/settings", nil)
	mustStatus(t, page, 200, "settings page")
	if !strings.Contains(string(page.Body), `id="admin_totp"`) || strings.Contains(string(page.Body), `name="admin_totp" value="true" checked`) {
		t.Fatal("admin_totp not shown, or shown on by default")
	}
	csrf := hiddenCSRF(t, page)
	mustStatus(t, c.PostForm("/admin/settings/two-factor", url.Values{"csrf_token": {csrf}, "admin_totp": {"true"}}), 303, "require")
	if st, _ := h.auth.Settings(context.Background()); !st.AdminTOTP {
		t.Fatal("the setting is not on")
	}
	// Now this administrator must enrol first: the settings page sends them there.
	res := c.Do("GET", "/admin/settings", nil)
	mustStatus(t, res, 303, "settings page before enrolling")
	entries, _, _ := h.db.ListAudit(context.Background(), store.AuditFilter{Action: "settings.changed"})
	if len(entries) != 1 || entries[0].ActorEmail != "root@example.com" || entries[0].Detail != "admin_totp=true" {
		t.Fatalf("settings audits %+v", entries)
	}
}

package web_test

import (
	"context"
	"regexp"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/webrana/webrana"
	"github.com/webrana/webrana/auth"
	"github.com/webrana/webrana/store"
	"github.com/webrana/webrana/store/storetest"
	"github.com/webrana/webrana/web/webtest"
)

// tokenShape is a token: a prefix and 32 random base32 characters (160 bits).
var tokenShape = regexp.MustCompile(`^wbr_[st]_[a-z2-7]{32}$`)

// apiError is the JSON error body of DESIGN.md §9.
type apiError struct {
	Code    string `json:"code"`
	Message string `json:"message"`
	Field   string `json:"field"`
}

// errorOf decodes a JSON error answer.
func errorOf(t *testing.T, res *webtest.Response) apiError {
	t.Helper()
	var body struct{ Error apiError }
	res.JSON(t, &body)
	if body.Error.Code == "" || body.Error.Message == "" {
		t.Fatalf("not an error body: %s", res.Body)
	}
	return body.Error
}

// wantError fails the test unless res is the given status, code and field.
func wantError(t *testing.T, res *webtest.Response, status int, code, field string) apiError {
	t.Helper()
	mustStatus(t, res, status, "request")
	e := errorOf(t, res)
	if e.Code != code || e.Field != field {
		t.Fatalf("error %+v, want code %q field %q", e, code, field)
	}
	return e
}

// enginesWith is engines with a throttle policy of the test's choosing.
func enginesWith(t *testing.T, policy auth.ThrottlePolicy, fn func(t *testing.T, h *harness)) {
	t.Run("sqlite", func(t *testing.T) { t.Parallel(); fn(t, newHarness(t, storetest.OpenSQLite(t), policy)) })
	t.Run("postgres", func(t *testing.T) { t.Parallel(); fn(t, newHarness(t, storetest.OpenPostgres(t), policy)) })
}

// tryLogin posts an API login and returns the answer.
func (h *harness) tryLogin(email, password string) *webtest.Response {
	h.t.Helper()
	return h.client().Do("POST", "/api/auth/login", map[string]string{"email": email, "password": password})
}

// tokenOf returns the token of a successful login answer.
func tokenOf(t *testing.T, res *webtest.Response) string {
	t.Helper()
	mustStatus(t, res, 200, "login")
	var out struct{ Token string }
	res.JSON(t, &out)
	return out.Token
}

// me is the answer of GET /api/me.
type me struct {
	ID    string
	Email string
	Role  string
	Via   string
}

func whoami(t *testing.T, c *webtest.Client) me {
	t.Helper()
	res := c.Do("GET", "/api/me", nil)
	mustStatus(t, res, 200, "GET /api/me")
	var m me
	res.JSON(t, &m)
	return m
}

func TestAPILogin(t *testing.T) {
	t.Parallel()
	engines(t, func(t *testing.T, h *harness) {
		u := h.user("alice@example.com", webrana.RoleCustomer)

		t.Run("success", func(t *testing.T) {
			res := h.tryLogin("alice@example.com", testPassword)
			mustStatus(t, res, 200, "login")
			var out struct {
				Token     string
				ExpiresAt time.Time `json:"expires_at"`
				User      struct{ ID, Email string }
			}
			res.JSON(t, &out)
			if !tokenShape.MatchString(out.Token) || !strings.HasPrefix(out.Token, auth.SessionPrefix) {
				t.Errorf("token %q: want a long %s token", out.Token, auth.SessionPrefix)
			}
			if want := h.clock.Now().Add(auth.APISessionTTL); !out.ExpiresAt.Equal(want) {
				t.Errorf("expires_at %v, want %v", out.ExpiresAt, want)
			}
			if out.User.ID != u.ID || out.User.Email != u.Email {
				t.Errorf("user %+v, want %s", out.User, u.Email)
			}
			m := whoami(t, h.client().WithToken(out.Token))
			if m.ID != u.ID || m.Via != "session" {
				t.Errorf("GET /api/me = %+v, want %s via session", m, u.ID)
			}
		})

		t.Run("e-mail is normalised", func(t *testing.T) {
			tokenOf(t, h.tryLogin("  Alice@Example.COM ", testPassword))
		})

		t.Run("wrong password and unknown e-mail answer alike", func(t *testing.T) {
			wrong := h.tryLogin("alice@example.com", "not the password")
			unknown := h.tryLogin("nobody@example.com", testPassword)
			a := wantError(t, wrong, 401, "unauthorized", "")
			b := wantError(t, unknown, 401, "unauthorized", "")
			if a != b {
				t.Errorf("wrong password %+v and unknown e-mail %+v answer differently", a, b)
			}
		})

		tests := []struct {
			name    string
			body    any
			field   string
			message string
		}{
			{"missing password", map[string]string{"email": "alice@example.com"}, "", "Send both email and password."},
			{"missing email", map[string]string{"password": testPassword}, "", "Send both email and password."},
			{"empty object", map[string]string{}, "", "Send both email and password."},
			{"malformed JSON", `{"email": "alice@example.com", "password": `, "", "The request body is not valid JSON."},
			{"not an object", `["alice@example.com"]`, "", "The request body must be a JSON object."},
			{"a string", `"alice@example.com"`, "", "The request body must be a JSON object."},
			{"unknown field", map[string]string{"email": "alice@example.com", "password": testPassword, "otp": "123456"}, "otp", `Unknown field "otp".`},
			{"wrong type", map[string]any{"email": "alice@example.com", "password": 12345}, "password", "password must be a string."},
			{"empty body", "", "", "The request body is empty; send a JSON object."},
			{"two objects", `{"email":"alice@example.com","password":"x"} {}`, "", "The request body must hold one JSON object."},
		}
		for _, tt := range tests {
			t.Run(tt.name, func(t *testing.T) {
				e := wantError(t, h.client().Do("POST", "/api/auth/login", tt.body), 400, "invalid", tt.field)
				if e.Message != tt.message {
					t.Errorf("message %q, want %q", e.Message, tt.message)
				}
			})
		}
	})
}

func TestAPILoginDisabledUser(t *testing.T) {
	t.Parallel()
	engines(t, func(t *testing.T, h *harness) {
		u := h.user("gone@example.com", webrana.RoleCustomer)
		disabled := true
		if _, err := h.db.UpdateUser(context.Background(), u.ID, store.UserUpdate{Disabled: &disabled}); err != nil {
			t.Fatal(err)
		}
		e := wantError(t, h.tryLogin("gone@example.com", testPassword), 403, "forbidden", "")
		if e.Message == "Incorrect e-mail or password." {
			t.Errorf("disabled account with the right password got the wrong-password message")
		}
		// Without the password, a disabled account is indistinguishable.
		wrong := wantError(t, h.tryLogin("gone@example.com", "not the password"), 401, "unauthorized", "")
		unknown := wantError(t, h.tryLogin("nobody@example.com", "not the password"), 401, "unauthorized", "")
		if wrong != unknown {
			t.Errorf("disabled account with a wrong password %+v differs from an unknown e-mail %+v", wrong, unknown)
		}
	})
}

// retryAfter returns the Retry-After header of a 429 in seconds, checking its
// format.
func retryAfter(t *testing.T, res *webtest.Response) int {
	t.Helper()
	v := res.Header.Get("Retry-After")
	n, err := strconv.Atoi(v)
	if err != nil || n <= 0 || n > 900 {
		t.Fatalf("Retry-After %q: want whole seconds in (0, 900]", v)
	}
	return n
}

func TestLoginThrottling(t *testing.T) {
	t.Parallel()
	policy := auth.ThrottlePolicy{PerAccount: 3, PerSource: 5, Window: 15 * time.Minute}

	t.Run("per account", func(t *testing.T) {
		enginesWith(t, policy, func(t *testing.T, h *harness) {
			h.user("a@example.com", webrana.RoleCustomer)
			h.user("b@example.com", webrana.RoleCustomer)
			for i := range 3 {
				wantError(t, h.tryLogin("a@example.com", "guess"+strconv.Itoa(i)), 401, "unauthorized", "")
				h.clock.Advance(time.Minute)
			}
			// The fourth attempt is refused before the password is looked at.
			res := h.tryLogin("a@example.com", testPassword)
			wantError(t, res, 429, "rate_limited", "")
			// The oldest failure was 3 minutes ago; it leaves the window in 12.
			if got := retryAfter(t, res); got != 12*60 {
				t.Errorf("Retry-After %d, want %d", got, 12*60)
			}
			// Another account from the same source is under the source limit.
			tokenOf(t, h.tryLogin("b@example.com", testPassword))
			// Still locked a second before the oldest failure leaves the window…
			h.clock.Advance(12*time.Minute - time.Second)
			res = h.tryLogin("a@example.com", testPassword)
			wantError(t, res, 429, "rate_limited", "")
			if got := retryAfter(t, res); got != 1 {
				t.Errorf("Retry-After %d, want 1", got)
			}
			// …and open once it has.
			h.clock.Advance(time.Second)
			tokenOf(t, h.tryLogin("a@example.com", testPassword))
		})
	})

	t.Run("per source", func(t *testing.T) {
		enginesWith(t, policy, func(t *testing.T, h *harness) {
			h.user("b@example.com", webrana.RoleCustomer)
			// Five e-mails, one failure each: no account reaches its limit,
			// the source (127.0.0.1 for every test request) does.
			for i := range 5 {
				wantError(t, h.tryLogin("x"+strconv.Itoa(i)+"@example.com", "guess"), 401, "unauthorized", "")
			}
			res := h.tryLogin("b@example.com", testPassword)
			wantError(t, res, 429, "rate_limited", "")
			if got := retryAfter(t, res); got != 900 {
				t.Errorf("Retry-After %d, want 900", got)
			}
			h.clock.Advance(15*time.Minute + time.Second)
			tokenOf(t, h.tryLogin("b@example.com", testPassword))
		})
	})

	t.Run("success does not reset the source's count", func(t *testing.T) {
		enginesWith(t, policy, func(t *testing.T, h *harness) {
			h.user("mallory@example.com", webrana.RoleCustomer)
			// Guesses at other accounts, with sign-ins to one's own between
			// them, still reach the source's limit.
			for i := range 5 {
				wantError(t, h.tryLogin("victim"+strconv.Itoa(i)+"@example.com", "guess"), 401, "unauthorized", "")
				if i < 4 {
					tokenOf(t, h.tryLogin("mallory@example.com", testPassword))
				}
			}
			wantError(t, h.tryLogin("victim9@example.com", "guess"), 429, "rate_limited", "")
			wantError(t, h.tryLogin("mallory@example.com", testPassword), 429, "rate_limited", "")
		})
	})

	t.Run("success resets the account's count", func(t *testing.T) {
		enginesWith(t, policy, func(t *testing.T, h *harness) {
			h.user("a@example.com", webrana.RoleCustomer)
			for range 2 {
				wantError(t, h.tryLogin("a@example.com", "guess"), 401, "unauthorized", "")
			}
			tokenOf(t, h.tryLogin("a@example.com", testPassword))
			// Two more failures: four in the window, but only two since the success.
			for range 2 {
				wantError(t, h.tryLogin("a@example.com", "guess"), 401, "unauthorized", "")
			}
			tokenOf(t, h.tryLogin("a@example.com", testPassword))
		})
	})

	t.Run("the login page is throttled too", func(t *testing.T) {
		h := newHarness(t, storetest.OpenSQLite(t), policy)
		h.user("a@example.com", webrana.RoleCustomer)
		for range 3 {
			wantError(t, h.tryLogin("a@example.com", "guess"), 401, "unauthorized", "")
		}
		c, csrf := loginPage(t, h)
		res := c.PostForm("/login", formLogin(csrf, "a@example.com", testPassword, "/"))
		mustStatus(t, res, 429, "form login while throttled")
		retryAfter(t, res)
		if c.Cookie("webrana_session") != nil {
			t.Error("a throttled form login set a session cookie")
		}
	})
}

func TestSessionExpiry(t *testing.T) {
	t.Parallel()
	engines(t, func(t *testing.T, h *harness) {
		h.user("a@example.com", webrana.RoleCustomer)
		c := h.login("a@example.com")
		h.clock.Advance(auth.APISessionTTL - time.Minute)
		whoami(t, c)
		h.clock.Advance(time.Minute)
		wantError(t, c.Do("GET", "/api/me", nil), 401, "unauthorized", "")
	})
}

func TestAPILogout(t *testing.T) {
	t.Parallel()
	engines(t, func(t *testing.T, h *harness) {
		h.user("a@example.com", webrana.RoleCustomer)
		c, other := h.login("a@example.com"), h.login("a@example.com")
		mustStatus(t, c.Do("POST", "/api/auth/logout", nil), 204, "logout")
		wantError(t, c.Do("GET", "/api/me", nil), 401, "unauthorized", "")
		wantError(t, c.Do("POST", "/api/auth/logout", nil), 401, "unauthorized", "")
		// Only that session ended.
		whoami(t, other)

		res := other.Do("POST", "/api/tokens", map[string]any{"name": "ci"})
		mustStatus(t, res, 201, "create token")
		var tok struct{ Token string }
		res.JSON(t, &tok)
		api := h.client().WithToken(tok.Token)
		e := wantError(t, api.Do("POST", "/api/auth/logout", nil), 400, "invalid", "")
		if e.Message == "" {
			t.Error("no explanation for logging out with an API token")
		}
		// The API token is not revoked by the refused logout.
		if m := whoami(t, api); m.Via != "api_token" {
			t.Errorf("via %q, want api_token", m.Via)
		}
	})
}

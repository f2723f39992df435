package web_test

import (
	"html"
	"net/http"
	"net/url"
	"regexp"
	"strings"
	"testing"

	"github.com/webrana/webrana"
	"github.com/webrana/webrana/web/webtest"
)

// loginPage opens the login page in a new browser and returns the browser
// and the form's CSRF token.
func loginPage(t *testing.T, h *harness) (*webtest.Client, string) {
	t.Helper()
	c := h.client()
	res := c.Do("GET", "/login", nil)
	mustStatus(t, res, 200, "GET /login")
	ck := c.Cookie("webrana_csrf")
	if ck == nil || len(ck.Value) < 26 {
		t.Fatalf("GET /login set no usable webrana_csrf cookie: %v", res.Header.Values("Set-Cookie"))
	}
	if got := hiddenCSRF(t, res); got != ck.Value {
		t.Fatalf("form's csrf_token %q differs from the cookie %q", got, ck.Value)
	}
	return c, ck.Value
}

var csrfInput = regexp.MustCompile(`<input type="hidden" name="csrf_token" value="([^"]*)"`)

// hiddenCSRF returns the value of the page's hidden csrf_token input.
func hiddenCSRF(t *testing.T, res *webtest.Response) string {
	t.Helper()
	m := csrfInput.FindSubmatch(res.Body)
	if m == nil {
		t.Fatalf("no csrf_token input in the page:\n%s", res.Body)
	}
	return html.UnescapeString(string(m[1]))
}

// flipLast returns s with its last character changed.
func flipLast(s string) string {
	if strings.HasSuffix(s, "a") {
		return s[:len(s)-1] + "b"
	}
	return s[:len(s)-1] + "a"
}

func formLogin(csrf, email, password, next string) url.Values {
	v := url.Values{"email": {email}, "password": {password}, "next": {next}}
	if csrf != "" {
		v.Set("csrf_token", csrf)
	}
	return v
}

// setCookie returns the parsed Set-Cookie of the answer for the named
// cookie, or nil.
func setCookie(t *testing.T, res *webtest.Response, name string) (*http.Cookie, string) {
	t.Helper()
	for _, line := range res.Header.Values("Set-Cookie") {
		c, err := http.ParseSetCookie(line)
		if err != nil {
			t.Fatalf("Set-Cookie %q: %v", line, err)
		}
		if c.Name == name {
			return c, line
		}
	}
	return nil, ""
}

// signIn logs a browser in through the form and returns it.
func signIn(t *testing.T, h *harness, email string) *webtest.Client {
	t.Helper()
	c, csrf := loginPage(t, h)
	mustStatus(t, c.PostForm("/login", formLogin(csrf, email, testPassword, "/")), 303, "form login")
	return c
}

func TestHomeNeedsSignIn(t *testing.T) {
	t.Parallel()
	h := sqliteHarness(t)
	res := h.client().Do("GET", "/", nil)
	mustStatus(t, res, 303, "GET / anonymous")
	if loc := res.Header.Get("Location"); loc != "/login?next=%2F" {
		t.Errorf("Location %q, want /login?next=%%2F", loc)
	}
	// A bad cookie is no sign-in either.
	c := h.client()
	c.SetCookie("webrana_session", "wbr_s_forged")
	mustStatus(t, c.Do("GET", "/", nil), 303, "GET / with a forged cookie")
}

func TestLoginPage(t *testing.T) {
	t.Parallel()
	h := sqliteHarness(t)
	c := h.client()
	res := c.Do("GET", "/login?next=%2Fservers", nil)
	mustStatus(t, res, 200, "GET /login")
	ck, line := setCookie(t, res, "webrana_csrf")
	if ck == nil || !ck.HttpOnly || ck.SameSite != http.SameSiteLaxMode || len(ck.Value) < 26 {
		t.Fatalf("webrana_csrf cookie %q", line)
	}
	if hiddenCSRF(t, res) != ck.Value {
		t.Error("the form does not carry the cookie's token")
	}
	if !strings.Contains(string(res.Body), `name="next" value="/servers"`) {
		t.Errorf("the form does not keep next=/servers:\n%s", res.Body)
	}
	if res.Header.Get("X-Frame-Options") != "DENY" {
		t.Error("login page may be framed")
	}
	// The token is kept across reloads, so two tabs both work.
	res = c.Do("GET", "/login", nil)
	if ck2, _ := setCookie(t, res, "webrana_csrf"); ck2 != nil || hiddenCSRF(t, res) != ck.Value {
		t.Error("reloading the login page changed the CSRF token")
	}
}

func TestFormLogin(t *testing.T) {
	t.Parallel()
	h := sqliteHarness(t)
	h.user("alice@example.com", webrana.RoleCustomer)

	refused := []struct {
		name string
		csrf func(t *testing.T, real string) string
	}{
		{"no csrf_token", func(*testing.T, string) string { return "" }},
		{"wrong csrf_token", func(*testing.T, string) string { return strings.Repeat("a", 32) }},
		{"cookie's token with one character changed", func(_ *testing.T, real string) string { return flipLast(real) }},
		{"token of another browser", func(t *testing.T, _ string) string { _, other := loginPage(t, h); return other }},
	}
	for _, tt := range refused {
		t.Run(tt.name, func(t *testing.T) {
			c, csrf := loginPage(t, h)
			res := c.PostForm("/login", formLogin(tt.csrf(t, csrf), "alice@example.com", testPassword, "/"))
			mustStatus(t, res, 403, "form login")
			if ck, _ := setCookie(t, res, "webrana_session"); ck != nil || c.Cookie("webrana_session") != nil {
				t.Error("a refused login set a session cookie")
			}
			if !strings.Contains(string(res.Body), "security token") {
				t.Errorf("page does not explain the refusal:\n%s", res.Body)
			}
			// The page offers a fresh chance: its form works.
			mustStatus(t, c.PostForm("/login", formLogin(hiddenCSRF(t, res), "alice@example.com", testPassword, "/")), 303, "retry")
		})
	}

	t.Run("no csrf cookie", func(t *testing.T) {
		c := h.client()
		res := c.PostForm("/login", formLogin(strings.Repeat("a", 32), "alice@example.com", testPassword, "/"))
		mustStatus(t, res, 403, "form login without the cookie")
		if c.Cookie("webrana_session") != nil {
			t.Error("a refused login set a session cookie")
		}
	})

	t.Run("wrong password", func(t *testing.T) {
		c, csrf := loginPage(t, h)
		res := c.PostForm("/login", formLogin(csrf, "alice@example.com", "not the password", "/"))
		mustStatus(t, res, 401, "wrong password")
		body := string(res.Body)
		if !strings.Contains(body, "Incorrect e-mail or password.") || !strings.Contains(body, `value="alice@example.com"`) {
			t.Errorf("page lacks the message or the e-mail:\n%s", body)
		}
		if strings.Contains(body, "not the password") {
			t.Error("the page echoes the password")
		}
		if c.Cookie("webrana_session") != nil {
			t.Error("a failed login set a session cookie")
		}
	})

	nexts := []struct{ next, want string }{
		{"/", "/"},
		{"/servers?status=active", "/servers?status=active"},
		{"//evil.example", "/"},
		{"/\\evil.example", "/"},
		{"https://evil.example/", "/"},
		{"javascript:alert(1)", "/"},
		{"", "/"},
	}
	for _, tt := range nexts {
		t.Run("next="+tt.next, func(t *testing.T) {
			c, csrf := loginPage(t, h)
			res := c.PostForm("/login", formLogin(csrf, "alice@example.com", testPassword, tt.next))
			mustStatus(t, res, 303, "form login")
			if loc := res.Header.Get("Location"); loc != tt.want {
				t.Errorf("Location %q, want %q", loc, tt.want)
			}
		})
	}

	t.Run("session cookie", func(t *testing.T) {
		c, csrf := loginPage(t, h)
		res := c.PostForm("/login", formLogin(csrf, "alice@example.com", testPassword, "/"))
		mustStatus(t, res, 303, "form login")
		ck, line := setCookie(t, res, "webrana_session")
		if ck == nil {
			t.Fatalf("no webrana_session cookie: %v", res.Header.Values("Set-Cookie"))
		}
		if !ck.HttpOnly || ck.SameSite != http.SameSiteLaxMode || ck.Secure || ck.Path != "/" ||
			!strings.Contains(line, "HttpOnly") || !strings.Contains(line, "SameSite=Lax") || strings.Contains(line, "Secure") {
			t.Errorf("Set-Cookie %q: want HttpOnly, SameSite=Lax, Path=/, not Secure on 127.0.0.1", line)
		}
		if ck.MaxAge != 12*3600 || !strings.HasPrefix(ck.Value, "wbr_s_") {
			t.Errorf("Set-Cookie %q: want Max-Age 43200 and a session token", line)
		}
		home := c.Do("GET", "/", nil)
		mustStatus(t, home, 200, "GET / signed in")
		if !strings.Contains(string(home.Body), "alice@example.com") {
			t.Errorf("home page does not show the e-mail:\n%s", home.Body)
		}
		// Signed in, the login page sends the browser on.
		res = c.Do("GET", "/login?next=%2Fservers", nil)
		mustStatus(t, res, 303, "GET /login signed in")
		if loc := res.Header.Get("Location"); loc != "/servers" {
			t.Errorf("Location %q, want /servers", loc)
		}
	})

	t.Run("Secure behind TLS", func(t *testing.T) {
		c, csrf := loginPage(t, h)
		res := c.WithHeader("X-Forwarded-Proto", "https").PostForm("/login", formLogin(csrf, "alice@example.com", testPassword, "/"))
		mustStatus(t, res, 303, "form login")
		if ck, line := setCookie(t, res, "webrana_session"); ck == nil || !ck.Secure {
			t.Errorf("Set-Cookie %q: want Secure", line)
		}
	})
}

// TestSessionFixation: a session token planted in the browser before sign-in
// is ended by the sign-in, and the browser gets a new one.
func TestSessionFixation(t *testing.T) {
	t.Parallel()
	engines(t, func(t *testing.T, h *harness) {
		h.user("alice@example.com", webrana.RoleCustomer)
		planted := tokenOf(t, h.tryLogin("alice@example.com", testPassword))
		whoami(t, h.client().WithToken(planted))

		c, csrf := loginPage(t, h)
		c.SetCookie("webrana_session", planted)
		mustStatus(t, c.PostForm("/login", formLogin(csrf, "alice@example.com", testPassword, "/")), 303, "form login")

		wantError(t, h.client().WithToken(planted).Do("GET", "/api/me", nil), 401, "unauthorized", "")
		ck := c.Cookie("webrana_session")
		if ck == nil || ck.Value == planted {
			t.Fatalf("session cookie %v: want a new token", ck)
		}
		mustStatus(t, c.Do("GET", "/", nil), 200, "GET / with the new cookie")
		if m := whoami(t, h.client().WithToken(ck.Value)); m.Via != "session" {
			t.Errorf("the new cookie's session: via %q", m.Via)
		}
	})
}

func TestFormLogout(t *testing.T) {
	t.Parallel()
	engines(t, func(t *testing.T, h *harness) {
		h.user("alice@example.com", webrana.RoleCustomer)
		c := signIn(t, h, "alice@example.com")
		home := c.Do("GET", "/", nil)
		mustStatus(t, home, 200, "GET /")
		csrf := hiddenCSRF(t, home)
		if csrf == "" {
			t.Fatal("home page has an empty csrf_token")
		}
		session := c.Cookie("webrana_session").Value

		for _, bad := range []string{"", "x", csrf[1:], c.Cookie("webrana_csrf").Value} {
			v := url.Values{}
			if bad != "" {
				v.Set("csrf_token", bad)
			}
			mustStatus(t, c.PostForm("/logout", v), 403, "logout with csrf_token "+bad)
			mustStatus(t, c.Do("GET", "/", nil), 200, "still signed in")
		}

		res := c.PostForm("/logout", url.Values{"csrf_token": {csrf}})
		mustStatus(t, res, 303, "logout")
		if loc := res.Header.Get("Location"); loc != "/login" {
			t.Errorf("Location %q, want /login", loc)
		}
		if ck, line := setCookie(t, res, "webrana_session"); ck == nil || ck.MaxAge >= 0 {
			t.Errorf("logout Set-Cookie %q: want the cookie deleted", line)
		}
		res = c.Do("GET", "/", nil)
		mustStatus(t, res, 303, "GET / after logout")
		if !strings.HasPrefix(res.Header.Get("Location"), "/login") {
			t.Errorf("Location %q, want the login page", res.Header.Get("Location"))
		}
		// The session is gone on the server, not only from the browser.
		wantError(t, h.client().WithToken(session).Do("GET", "/api/me", nil), 401, "unauthorized", "")
	})
}

func TestCrossSiteRequestsRefused(t *testing.T) {
	t.Parallel()
	h := sqliteHarness(t)
	h.user("alice@example.com", webrana.RoleCustomer)
	c := signIn(t, h, "alice@example.com")
	csrf := hiddenCSRF(t, c.Do("GET", "/", nil))

	cross := c.WithHeader("Sec-Fetch-Site", "cross-site")
	mustStatus(t, cross.PostForm("/logout", url.Values{"csrf_token": {csrf}}), 403, "cross-site logout")
	mustStatus(t, c.Do("GET", "/", nil), 200, "still signed in")

	anon, loginCSRF := loginPage(t, h)
	res := anon.WithHeader("Sec-Fetch-Site", "cross-site").PostForm("/login", formLogin(loginCSRF, "alice@example.com", testPassword, "/"))
	mustStatus(t, res, 403, "cross-site login")
	if anon.Cookie("webrana_session") != nil {
		t.Error("a cross-site login set a session cookie")
	}
	// An old browser's foreign Origin is refused the same way.
	res = anon.WithHeader("Origin", "https://evil.example").PostForm("/login", formLogin(loginCSRF, "alice@example.com", testPassword, "/"))
	mustStatus(t, res, 403, "foreign-origin login")

	// The JSON API answers a cross-site request with a JSON error.
	wantError(t, cross.Do("POST", "/api/tokens", map[string]any{"name": "x"}), 403, "forbidden", "")

	// Same-site requests go through.
	same := c.WithHeader("Sec-Fetch-Site", "same-origin")
	mustStatus(t, same.PostForm("/logout", url.Values{"csrf_token": {csrf}}), 303, "same-origin logout")
}

// TestCookieAPIRequestsNeedCSRF: the JSON API accepts the browser's session
// cookie, but a state-changing request riding on it must carry the session's
// CSRF token; a bearer token needs none.
func TestCookieAPIRequestsNeedCSRF(t *testing.T) {
	t.Parallel()
	engines(t, func(t *testing.T, h *harness) {
		h.user("alice@example.com", webrana.RoleCustomer)
		c := signIn(t, h, "alice@example.com")
		csrf := hiddenCSRF(t, c.Do("GET", "/", nil))

		if m := whoami(t, c); m.Via != "session" || m.Email != "alice@example.com" {
			t.Errorf("GET /api/me with the cookie = %+v", m)
		}
		wantError(t, c.Do("POST", "/api/tokens", map[string]any{"name": "ci"}), 403, "forbidden", "")
		wantError(t, c.WithHeader("X-CSRF-Token", "wrong").Do("POST", "/api/tokens", map[string]any{"name": "ci"}), 403, "forbidden", "")
		wantError(t, c.Do("POST", "/api/auth/logout", nil), 403, "forbidden", "")
		var list tokenList
		c.Do("GET", "/api/tokens", nil).JSON(t, &list)
		if list.Total != 0 {
			t.Fatalf("%d tokens after refused requests, want 0", list.Total)
		}

		withCSRF := c.WithHeader("X-CSRF-Token", csrf)
		tok := createToken(t, withCSRF, map[string]any{"name": "ci"})
		mustStatus(t, withCSRF.Do("DELETE", "/api/tokens/"+tok.ID, nil), 204, "revoke with the cookie")

		// An API token in the cookie is not a browser session.
		other := createToken(t, withCSRF, map[string]any{"name": "cookie"})
		jar := h.client()
		jar.SetCookie("webrana_session", other.Token)
		wantError(t, jar.Do("GET", "/api/me", nil), 401, "unauthorized", "")

		// Bearer requests need no CSRF token, cookie or not.
		api := h.client().WithToken(other.Token)
		createToken(t, api, map[string]any{"name": "from a script"})

		mustStatus(t, withCSRF.Do("POST", "/api/auth/logout", nil), 204, "logout with the cookie")
		wantError(t, c.Do("GET", "/api/me", nil), 401, "unauthorized", "")
	})
}

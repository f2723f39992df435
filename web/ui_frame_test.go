package web_test

import (
	"encoding/json"
	"net/http"
	"net/url"
	"strings"
	"testing"

	"github.com/webrana/webrana"
)

// TestUIFrameHTMXAfterTheSessionEnds: a live region polling after the
// session ended sends the whole page to sign in (HX-Redirect, back to the
// page it was on), instead of swapping the login page into the region.
func TestUIFrameHTMXAfterTheSessionEnds(t *testing.T) {
	h := sqliteHarness(t)
	res := h.client().WithHeader("HX-Request", "true").WithHeader("HX-Current-URL", h.url+"/servers?provider=linode").
		Do("GET", "/servers/00000000-0000-0000-0000-000000000000/live", nil)
	mustStatus(t, res, http.StatusUnauthorized, "htmx poll without a session")
	if got, want := res.Header.Get("HX-Redirect"), "/login?next="+url.QueryEscape("/servers?provider=linode"); got != want {
		t.Errorf("HX-Redirect %q, want %q", got, want)
	}
	// A foreign HX-Current-URL never becomes the place to go back to.
	res = h.client().WithHeader("HX-Request", "true").WithHeader("HX-Current-URL", "https://evil.example/x").Do("GET", "/servers", nil)
	if got := res.Header.Get("HX-Redirect"); got != "/login?next=%2F" {
		t.Errorf("foreign HX-Current-URL: HX-Redirect %q, want /login?next=%%2F", got)
	}
}

// TestUIFrameHTMXErrorsGoToTheAlertArea: an error answered to htmx is sent
// to the page's alert area, so the region that asked stays as it was.
func TestUIFrameHTMXErrorsGoToTheAlertArea(t *testing.T) {
	h := sqliteHarness(t)
	h.user("alice@example.com", webrana.RoleCustomer)
	c := signIn(t, h, "alice@example.com")
	page := c.Do("GET", "/", nil)
	if !strings.Contains(string(page.Body), `id="htmx-alert"`) {
		t.Fatalf("the page has no alert area:\n%s", page.Body)
	}
	res := c.WithHeader("HX-Request", "true").Do("GET", "/servers/00000000-0000-0000-0000-000000000000/live", nil)
	mustStatus(t, res, http.StatusNotFound, "htmx request for a missing server")
	if res.Header.Get("HX-Retarget") != "#htmx-alert" || !strings.HasPrefix(res.Header.Get("HX-Reswap"), "innerHTML") ||
		res.Header.Get("HX-Push-Url") != "false" {
		t.Errorf("HX-Retarget %q HX-Reswap %q, want #htmx-alert innerHTML", res.Header.Get("HX-Retarget"), res.Header.Get("HX-Reswap"))
	}
	if body := string(res.Body); !strings.Contains(body, `class="problem"`) || strings.Contains(body, "<html") {
		t.Errorf("htmx error body is not a message fragment:\n%s", body)
	}
}

// TestUIFrameSignInAndOutClearTheServerFilter: the server list's filter
// belongs to one session; the next person on the browser starts afresh.
func TestUIFrameSignInAndOutClearTheServerFilter(t *testing.T) {
	h := sqliteHarness(t)
	h.user("alice@example.com", webrana.RoleCustomer)
	c := signIn(t, h, "alice@example.com")
	c.SetCookie("webrana_servers_filter", "provider=linode")
	csrf := hiddenCSRF(t, c.Do("GET", "/", nil))
	res := c.PostForm("/logout", url.Values{"csrf_token": {csrf}})
	mustStatus(t, res, http.StatusSeeOther, "logout")
	if ck, _ := setCookie(t, res, "webrana_servers_filter"); ck == nil || ck.MaxAge >= 0 {
		t.Errorf("logout does not clear the server filter: %v", res.Header.Values("Set-Cookie"))
	}
	c2, csrf2 := loginPage(t, h)
	c2.SetCookie("webrana_servers_filter", "provider=linode")
	res = c2.PostForm("/login", formLogin(csrf2, "alice@example.com", testPassword, "/"))
	mustStatus(t, res, http.StatusSeeOther, "login")
	if ck, _ := setCookie(t, res, "webrana_servers_filter"); ck == nil || ck.MaxAge >= 0 {
		t.Errorf("sign-in does not clear the server filter: %v", res.Header.Values("Set-Cookie"))
	}
}

// TestUIFrameFormBodiesAreBounded: a form body past the limit is refused
// before its CSRF token is even looked for.
func TestUIFrameFormBodiesAreBounded(t *testing.T) {
	h := sqliteHarness(t)
	h.user("alice@example.com", webrana.RoleCustomer)
	c := signIn(t, h, "alice@example.com")
	csrf := hiddenCSRF(t, c.Do("GET", "/", nil))
	res := c.PostForm("/ssh-keys", url.Values{"csrf_token": {csrf}, "name": {"big"}, "public_key": {strings.Repeat("A", 2<<20)}})
	mustStatus(t, res, http.StatusRequestEntityTooLarge, "a 2 MiB form")
	if body := string(res.Body); !strings.Contains(body, "larger than 1024 KiB") || strings.Contains(body, "security token") {
		t.Errorf("the refusal does not say the form is too large:\n%s", body)
	}
	var keys struct{ Total int }
	c.Do("GET", "/api/ssh-keys", nil).JSON(t, &keys)
	if keys.Total != 0 {
		t.Errorf("%d keys after an oversize form, want 0", keys.Total)
	}
}

// TestAPIBodiesAreNeverReadAsForms: `curl -d '{…}'`, as the README shows,
// labels its JSON as a form; the API reads it as JSON all the same (a
// form parse in front of it would consume the body).
func TestAPIBodiesAreNeverReadAsForms(t *testing.T) {
	h := sqliteHarness(t)
	h.user("alice@example.com", webrana.RoleCustomer)
	body := strings.NewReader(`{"email":"alice@example.com","password":"` + testPassword + `"}`)
	res, err := http.Post(h.url+"/api/auth/login", "application/x-www-form-urlencoded", body)
	if err != nil {
		t.Fatal(err)
	}
	defer res.Body.Close()
	var out struct{ Token string }
	if err := json.NewDecoder(res.Body).Decode(&out); err != nil || res.StatusCode != http.StatusOK || out.Token == "" {
		t.Fatalf("login with JSON labelled as a form: %d %v", res.StatusCode, err)
	}
}

package main

import (
	"encoding/json"
	"net/http"
	"net/http/cookiejar"
	"net/url"
	"regexp"
	"strings"
	"testing"

	"github.com/webrana/webrana/store/storetest"
)

var setupURL = regexp.MustCompile(`"setup_url":"(http://[^"]+/setup\?token=[a-z2-7]+)"`)

// TestSetupLinkInProduction: production with no administrator logs a
// one-time link where the first operator makes their account in the
// browser; once there is one, no link is logged and the page is gone.
func TestSetupLinkInProduction(t *testing.T) {
	pgURL := storetest.PostgresURL(t, false)
	vars := func() map[string]string {
		return map[string]string{"WEBRANA_DATA_DIR": t.TempDir(), "WEBRANA_DATABASE_URL": pgURL, "ENCRYPTION_KEY": strings.Repeat("5e", 32)}
	}
	first := startMain(t, vars())
	if first.Config.Signup != "closed" {
		t.Errorf("production sign-up defaults to %q, want closed", first.Config.Signup)
	}
	m := setupURL.FindStringSubmatch(first.stderr.String())
	if m == nil {
		t.Fatalf("no setup link logged:\n%s", first.stderr)
	}
	jar, _ := cookiejar.New(nil)
	browser := &http.Client{Jar: jar, CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}
	res, err := browser.Get(m[1])
	if err != nil || res.StatusCode != 200 {
		t.Fatalf("GET setup link: %v %v", res, err)
	}
	res.Body.Close()
	u, _ := url.Parse(m[1])
	var csrf string
	for _, c := range jar.Cookies(u) {
		if c.Name == "webrana_csrf" {
			csrf = c.Value
		}
	}
	form := url.Values{"csrf_token": {csrf}, "token": {u.Query().Get("token")}, "email": {"root@example.com"}, "password": {"the first operator"}}
	res, err = browser.PostForm("http://"+u.Host+"/setup", form)
	if err != nil || res.StatusCode != 303 {
		t.Fatalf("POST /setup: %v %v", res, err)
	}
	res.Body.Close()
	res, err = browser.Get("http://" + u.Host + "/api/me")
	if err != nil {
		t.Fatal(err)
	}
	var me struct {
		Role          string
		EmailVerified bool `json:"email_verified"`
	}
	json.NewDecoder(res.Body).Decode(&me)
	res.Body.Close()
	if me.Role != "admin" || !me.EmailVerified {
		t.Fatalf("the first operator is %+v", me)
	}
	first.stop(t)

	again := startMain(t, vars())
	if setupURL.MatchString(again.stderr.String()) {
		t.Fatal("a setup link is logged with an administrator")
	}
	res, err = http.Get("http://" + again.Addr() + "/setup?" + u.RawQuery)
	if err != nil || res.StatusCode != 404 {
		t.Fatalf("setup page with an administrator: %v %v", res, err)
	}
	res.Body.Close()
}

package main

import (
	"context"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/chromedp"
	"github.com/webrana/webrana"
	"github.com/webrana/webrana/web"
)

// browser is Debian's chromium, headless, driven by chromedp against a
// sandbox served on loopback. It resolves no host names, so it can reach
// nothing but the IP literal it is given.
type browser struct {
	t    testing.TB
	ctx  context.Context
	base string // http://127.0.0.1:port
}

// browserTimeout bounds one browser test, however it hangs.
const browserTimeout = 4 * time.Minute

// chromiumPath finds Debian's chromium: WEBRANA_CHROMIUM (set by
// scripts/test), else chromium on the PATH. Missing, the browser tests skip
// on a developer's machine and fail in CI.
func chromiumPath(t testing.TB) string {
	if p := os.Getenv("WEBRANA_CHROMIUM"); p != "" {
		return p
	}
	for _, name := range []string{"chromium", "chromium-browser"} {
		if p, err := exec.LookPath(name); err == nil {
			return p
		}
	}
	if os.Getenv("CI") != "" {
		t.Fatal("chromium is missing: scripts/test installs Debian's chromium; the browser tests must run in CI")
	}
	t.Skip("chromium is missing (scripts/test installs it); skipping the browser tests")
	return ""
}

// newBrowser starts a headless chromium for the test and stops it after.
func newBrowser(t testing.TB, base string) *browser {
	t.Helper()
	opts := append(chromedp.DefaultExecAllocatorOptions[:],
		chromedp.ExecPath(chromiumPath(t)),
		chromedp.UserDataDir(t.TempDir()),
		chromedp.NoSandbox,
		chromedp.WindowSize(1280, 900),
		chromedp.Flag("disable-quic", true),
		chromedp.Flag("disable-component-update", true),
		chromedp.Flag("host-resolver-rules", "MAP * ~NOTFOUND, EXCLUDE 127.0.0.1"),
	)
	ctx, cancelAlloc := chromedp.NewExecAllocator(context.Background(), opts...)
	ctx, cancelBrowser := chromedp.NewContext(ctx)
	t.Cleanup(func() { cancelBrowser(); cancelAlloc() })
	b := &browser{t: t, ctx: ctx, base: base}
	// The first action starts the browser, on the context without a
	// deadline: the browser lives as long as that context.
	if err := chromedp.Do(ctx, chromedp.Navigate("about:blank")); err != nil {
		t.Fatalf("start chromium: %v", err)
	}
	return b
}

// actionTimeout bounds one browser action.
const actionTimeout = 30 * time.Second

// get runs one action that returns a value, failing the test with where
// the page was and what it said when it fails.
func get[T any](b *browser, a chromedp.Action[T]) T {
	b.t.Helper()
	ctx, cancel := context.WithTimeout(b.ctx, actionTimeout)
	defer cancel()
	v, err := chromedp.Run(ctx, a)
	if err != nil {
		b.t.Fatalf("browser: %v\n%s", err, b.describe())
	}
	return v
}

// do runs actions that return nothing.
func (b *browser) do(steps ...chromedp.Action[chromedp.Void]) {
	b.t.Helper()
	get(b, chromedp.Steps(steps...))
}

// describe is the current URL and the start of the page's text, for
// failure messages.
func (b *browser) describe() string {
	ctx, cancel := context.WithTimeout(b.ctx, 5*time.Second)
	defer cancel()
	url, _ := chromedp.Run(ctx, chromedp.Location())
	text, _ := chromedp.Run(ctx, chromedp.Evaluate[string]("document.body ? document.body.innerText : ''"))
	if len(text) > 1500 {
		text = text[:1500] + "…"
	}
	return "at " + url + ":\n" + text
}

// open navigates to a path of the site.
func (b *browser) open(path string) {
	b.t.Helper()
	b.do(chromedp.Navigate(b.base+path), chromedp.WaitReady(chromedp.CSS("body")))
}

// path returns the current URL's path and query.
func (b *browser) path() string {
	b.t.Helper()
	return strings.TrimPrefix(get(b, chromedp.Location()), b.base)
}

// text returns the visible text of the first element matching a CSS selector.
func (b *browser) text(sel string) string {
	b.t.Helper()
	return strings.TrimSpace(get(b, chromedp.Text(chromedp.CSS(sel), chromedp.NodeVisible)))
}

// count returns how many elements match a CSS selector.
func (b *browser) count(sel string) int {
	b.t.Helper()
	return get(b, chromedp.Evaluate[int](fmt.Sprintf("document.querySelectorAll(%q).length", sel)))
}

// value returns a form control's value.
func (b *browser) value(sel string) string {
	b.t.Helper()
	return get(b, chromedp.Value(chromedp.CSS(sel)))
}

// click clicks the element matching a CSS selector once it is visible.
func (b *browser) click(sel string) {
	b.t.Helper()
	b.do(chromedp.Click(chromedp.CSS(sel), chromedp.NodeVisible))
}

// submit clicks a button that loads another page, or that htmx answers by
// replacing the form, and waits for the new page or form to be in place.
func (b *browser) submit(sel string) {
	b.t.Helper()
	get(b, chromedp.Evaluate[bool](fmt.Sprintf(`(function(){
		var e = document.querySelector(%q);
		window.__webranaOld = e ? (e.closest("form") || document.body) : document.body;
		return true })()`, sel)))
	b.click(sel)
	b.settled()
}

// settled waits until the page marked by submit is gone and no htmx
// request is in flight.
func (b *browser) settled() {
	b.t.Helper()
	b.until(`document.readyState === "complete" && !(window.__webranaOld && window.__webranaOld.isConnected) && !document.querySelector(".htmx-request")`, actionTimeout)
}

// until waits for a JavaScript condition to hold, asking again across
// page loads (a poll inside the page would not survive them).
func (b *browser) until(cond string, timeout time.Duration) {
	b.t.Helper()
	deadline := time.Now().Add(timeout)
	tick := time.NewTicker(50 * time.Millisecond)
	defer tick.Stop()
	for {
		ctx, cancel := context.WithTimeout(b.ctx, 5*time.Second)
		ok, err := chromedp.Run(ctx, chromedp.Evaluate[bool](cond))
		cancel()
		if err == nil && ok {
			return
		}
		if time.Now().After(deadline) {
			b.t.Fatalf("waited %s for %s (last error: %v)\n%s", timeout, cond, err, b.describe())
		}
		<-tick.C
	}
}

// fill replaces a text input's value by typing.
func (b *browser) fill(sel, value string) {
	b.t.Helper()
	b.do(chromedp.Clear(chromedp.CSS(sel)), chromedp.SendKeys(chromedp.CSS(sel), value))
}

// choose selects an option of a <select> by value.
func (b *browser) choose(sel, value string) {
	b.t.Helper()
	b.do(chromedp.SetValue(chromedp.CSS(sel), value))
}

// wait waits until an element matching a CSS selector is visible; live
// pages update themselves (htmx), so nothing reloads them here.
func (b *browser) wait(sel string, timeout time.Duration) {
	b.t.Helper()
	b.until(fmt.Sprintf(`(function(){ var e = document.querySelector(%q); return !!e && e.offsetParent !== null })()`, sel), timeout)
}

// screenshotDir is where the tests save screenshots: WEBRANA_SCREENSHOTS
// (scripts/screenshots points it at docs/screenshots), else a temp dir.
func screenshotDir(t testing.TB) string {
	dir := os.Getenv("WEBRANA_SCREENSHOTS")
	if dir == "" {
		dir = filepath.Join(os.TempDir(), "webrana-screenshots")
	}
	if err := os.MkdirAll(dir, 0o755); err != nil {
		t.Fatal(err)
	}
	return dir
}

// shot saves a screenshot of the whole page as name.png.
func (b *browser) shot(name string) {
	b.t.Helper()
	png := get(b, chromedp.FullScreenshot(100))
	path := filepath.Join(screenshotDir(b.t), name+".png")
	if err := os.WriteFile(path, png, 0o644); err != nil {
		b.t.Fatal(err)
	}
	b.t.Logf("screenshot %s", path)
}

// signIn signs in through the login form.
func (b *browser) signIn(email, password string) {
	b.t.Helper()
	b.open("/login")
	b.fill("#email", email)
	b.fill("#password", password)
	b.submit(`form[action="/login"] button[type="submit"]`)
	if p := b.path(); p != "/" {
		b.t.Fatalf("after signing in at %s, want /\n%s", p, b.describe())
	}
}

// TestBrowserCustomerIsRefusedOperatorPages: a customer opening an operator
// URL is told it is for administrators, and sees none of it.
func TestBrowserCustomerIsRefusedOperatorPages(t *testing.T) {
	r := newOrderRig(t, map[string]string{})
	b := newBrowser(t, "http://"+r.Addr())
	b.open("/login")
	if hint := b.text("#sign-in-hint"); !strings.Contains(hint, "demo@webrana.local") || !strings.Contains(hint, "admin@webrana.local") {
		t.Errorf("the sandbox's login page does not name the demo users: %q", hint)
	}
	b.shot("login")
	b.signIn("demo@webrana.local", rigPassword)
	for _, path := range []string{"/admin/accounts", "/admin/plans"} {
		b.open(path)
		if got := b.text("#problem-message"); got != "Administrators only." {
			t.Errorf("%s as a customer says %q, want Administrators only.", path, got)
		}
		if n := b.count("table"); n != 0 {
			t.Errorf("%s as a customer shows %d tables", path, n)
		}
	}
}

// TestBrowserOperatorAddsAnAccount: the operator sees the demo pool with
// its full account flagged, adds an account whose token the provider knows,
// syncs it, and reads its capacity off the bar.
func TestBrowserOperatorAddsAnAccount(t *testing.T) {
	r := newOrderRig(t, map[string]string{})
	// The simulator is told about a new DigitalOcean account with 3 of 10
	// servers in use: the token the operator will paste.
	res := r.admin.Do("POST", "/_sim/accounts", map[string]any{"provider": "digitalocean", "token": "browser-test-token",
		"email": "ops@example.com", "limit": 10, "instances": 3})
	if res.Status/100 != 2 {
		t.Fatalf("add simulator account: %d %s", res.Status, res.Body)
	}
	b := newBrowser(t, "http://"+r.Addr())
	b.signIn("admin@webrana.local", rigPassword)
	b.open("/admin/accounts")
	b.wait("#pool-banner", actionTimeout)
	if banner := b.text("#pool-banner"); !strings.Contains(banner, "Account 3") {
		t.Errorf("the banner does not name the full Account 3: %q", banner)
	}
	b.shot("operator-accounts")

	b.submit("#add-account")
	b.fill("#name", "Browser account")
	b.choose("#provider_type", "digitalocean")
	b.fill("#email", "ops@example.com")
	b.fill("#token", "browser-test-token")
	b.shot("operator-account-new")
	b.submit("#save-account")
	if p := b.path(); p != "/admin/accounts" {
		t.Fatalf("after saving at %s\n%s", p, b.describe())
	}
	row := `tr[data-name="Browser account"]`
	b.wait(row, actionTimeout)
	id := get(b, chromedp.Evaluate[string](fmt.Sprintf(`document.querySelector(%q).dataset.accountId`, row)))
	b.submit("#sync-" + id)
	b.wait("#flash", actionTimeout)
	meter := row + ` [role="meter"]`
	used := get(b, chromedp.Evaluate[string](fmt.Sprintf(`document.querySelector(%q).getAttribute("aria-valuenow")`, meter)))
	limit := get(b, chromedp.Evaluate[string](fmt.Sprintf(`document.querySelector(%q).getAttribute("aria-valuemax")`, meter)))
	if used != "3" || limit != "10" {
		t.Errorf("capacity bar after sync: %s/%s, want 3/10", used, limit)
	}
	if got := b.text(row + " .capacity .figure"); !strings.Contains(got, "3/10") {
		t.Errorf("capacity figure %q, want 3/10", got)
	}
	b.shot("operator-accounts-synced")
	b.open("/admin/providers")
	b.shot("operator-providers")
	b.open("/admin/plans")
	b.shot("operator-plans")
}

// browserPassword is a root password the providers accept.
const browserPassword = "Browser-Root-Pass-2031!"

// TestBrowserCustomerOrdersAndManages walks the customer's whole path in a
// real browser: a DigitalOcean server from a 1-click app and a Linode server
// from a StackScript, through every step of the wizard, each watched live
// until active; the list filtered by provider, the filter kept after a
// reload; and a power-off and power-on from the detail page.
func TestBrowserCustomerOrdersAndManages(t *testing.T) {
	r := newOrderRig(t, map[string]string{"WEBRANA_SIM_CREATE_DELAY": "2s", "WEBRANA_SIM_ACTION_DELAY": "1s"})
	b := newBrowser(t, "http://"+r.Addr())
	b.signIn("demo@webrana.local", rigPassword)

	doServer := b.orderDigitalOceanApp("shop-1")
	b.wait(`#server-status [data-status="active"]`, time.Minute)
	linodeServer := b.orderLinodeStackScript("blog-1")
	b.wait(`#server-status [data-status="active"]`, time.Minute)

	// The list, filtered by provider; the filter survives a reload.
	b.open("/servers")
	b.choose("#provider-filter", "linode")
	b.submit("#apply-filter")
	b.assertOnlyProvider("linode", linodeServer)
	b.open("/servers")
	if got := b.value("#provider-filter"); got != "linode" {
		t.Errorf("after a reload the provider filter is %q, want linode", got)
	}
	b.assertOnlyProvider("linode", linodeServer)
	b.choose("#provider-filter", "")
	b.submit("#apply-filter")
	b.shot("servers")

	// Power off (confirmed) and on again from the detail page.
	b.open("/servers/" + doServer)
	b.click("#action-power_off")
	b.submit("#confirm-power_off")
	b.wait(`#server-status [data-status="off"]`, time.Minute)
	b.submit("#action-power_on")
	b.wait(`#server-status [data-status="active"]`, time.Minute)
	b.wait("#chart-cpu", actionTimeout)
	b.shot("server-detail")
	b.open("/")
	b.shot("dashboard")
	b.open("/billing")
	b.shot("billing")
}

// orderDigitalOceanApp orders a DigitalOcean server from the first 1-click
// app through the wizard and returns its id, on its detail page.
func (b *browser) orderDigitalOceanApp(label string) string {
	b.t.Helper()
	b.open("/servers/new")
	b.shot("order-1-provider")
	b.click("#provider-digitalocean")
	b.submit("#next")
	b.fill("#label", label)
	b.click(`input[name="plan_id"]`)
	b.shot("order-2-plan")
	b.submit("#next")
	b.click(`input[name="region"]`)
	b.submit("#next")
	b.click("#kind-app")
	b.click(`input[name="app"]`)
	b.shot("order-4-app")
	b.submit("#next")
	b.click("#monitoring")
	b.submit("#next")
	b.wait("#review-price", actionTimeout)
	b.fill("#root_password", browserPassword)
	b.shot("order-6-review")
	return b.place()
}

// orderLinodeStackScript orders a Linode server from the LAMP StackScript,
// filling its required fields, and returns its id.
func (b *browser) orderLinodeStackScript(label string) string {
	b.t.Helper()
	b.open("/servers/new")
	b.click("#provider-linode")
	b.submit("#next")
	b.fill("#label", label)
	b.click(`input[name="plan_id"]`)
	b.submit("#next")
	b.click(`input[name="region"]`)
	b.submit("#next")
	// Each of these choices redraws the step (htmx) with what it offers.
	b.submit("#kind-stackscript")
	b.submit("#script-401701")
	b.wait("#udf-soa_email_address", actionTimeout)
	b.click(`input[name="image"]`)
	b.fill("#udf-soa_email_address", "admin@example.com")
	b.fill("#udf-user_name", "webmaster")
	b.shot("order-4-stackscript")
	b.submit("#next")
	b.submit("#next")
	b.wait("#review-price", actionTimeout)
	b.fill("#root_password", browserPassword)
	return b.place()
}

// place submits the review and returns the new server's id from the
// detail page the wizard lands on.
func (b *browser) place() string {
	b.t.Helper()
	b.submit("#place-order")
	id, ok := strings.CutPrefix(b.path(), "/servers/")
	if !ok || id == "" || strings.Contains(id, "/") {
		b.t.Fatalf("placing the order landed on %s\n%s", b.path(), b.describe())
	}
	return id
}

// assertOnlyProvider checks the server list shows the given provider's
// servers only, among them the server with the given id.
func (b *browser) assertOnlyProvider(provider, id string) {
	b.t.Helper()
	if n := b.count(`#servers tbody tr[data-provider]:not([data-provider="` + provider + `"])`); n != 0 {
		b.t.Errorf("filtered by %s, the list shows %d other servers", provider, n)
	}
	if b.count(`#servers tbody tr[data-id="`+id+`"]`) != 1 {
		b.t.Errorf("filtered by %s, the list lacks server %s\n%s", provider, id, b.describe())
	}
}

// TestBrowserEveryPageRenders opens every page without a path parameter,
// from the server's own route table, as the role that may see it: each
// renders one heading and no problem, and on a phone's width (390 px) it
// fits without scrolling sideways (wide tables scroll inside themselves).
// The screenshots are the gallery.
func TestBrowserEveryPageRenders(t *testing.T) {
	r := newOrderRig(t, map[string]string{})
	r.order(map[string]any{"provider_type": "linode", "plan_id": r.plan(webrana.Linode, "g6-nanode-1"), "region": "us-east",
		"image": "linode/debian12", "label": "gallery-1", "root_password": browserPassword})
	for _, role := range []struct {
		email string
		admin bool
	}{{"demo@webrana.local", false}, {"admin@webrana.local", true}} {
		b := newBrowser(t, "http://"+r.Addr())
		b.signIn(role.email, rigPassword)
		paths := pagesFor(r.Server.Routes(), role.admin)
		for _, path := range paths {
			b.open(path)
			if n := b.count("#problem-message"); n != 0 {
				t.Errorf("%s as %s: %s", path, role.email, b.text("#problem-message"))
			}
			if b.count("h1") != 1 {
				t.Errorf("%s as %s has %d h1 headings, want 1", path, role.email, b.count("h1"))
			}
			b.shot(galleryName(path, role.admin))
		}
		const phone = 390
		b.do(chromedp.EmulateViewport(phone, 844))
		for _, path := range paths {
			b.open(path)
			if w := get(b, chromedp.Evaluate[int]("document.documentElement.scrollWidth")); w > phone {
				t.Errorf("%s as %s is %d px wide on a %d px phone", path, role.email, w, phone)
			}
		}
	}
}

// pagesFor lists the pages a role may open that take no path parameter.
func pagesFor(routes []web.Route, admin bool) []string {
	var paths []string
	for _, rt := range routes {
		method, path, _ := strings.Cut(rt.Pattern, " ")
		path = strings.TrimSuffix(path, "{$}")
		if rt.Kind != web.Page || method != "GET" || strings.Contains(path, "{") || path == "/login" || strings.HasSuffix(path, "/") && path != "/" {
			continue
		}
		if rt.Access == web.Admin && !admin {
			continue
		}
		paths = append(paths, path)
	}
	return paths
}

// galleryName names the screenshot of a page: page-servers-new, or
// page-dashboard for "/", with -admin when the operator took it.
func galleryName(path string, admin bool) string {
	name := "page" + strings.ReplaceAll(strings.TrimSuffix(path, "/"), "/", "-")
	if path == "/" {
		name = "page-dashboard"
	}
	if admin {
		name += "-admin"
	}
	return name
}

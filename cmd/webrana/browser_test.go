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

// submit clicks a button that loads another page and waits for that page.
func (b *browser) submit(sel string) {
	b.t.Helper()
	get(b, chromedp.Evaluate[string](`document.documentElement.dataset.page = "old"`))
	b.click(sel)
	b.until(`document.readyState === "complete" && document.documentElement.dataset.page !== "old"`, actionTimeout)
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
	b.signIn("demo@webrana.local", rigPassword)
	b.shot("dashboard")
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

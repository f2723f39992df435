package main

import (
	"context"
	"net/url"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/pquerna/otp"
	"github.com/pquerna/otp/totp"

	"github.com/webrana/webrana"
	"github.com/webrana/webrana/mail/mailtest"
	"github.com/webrana/webrana/store/storetest"
	"github.com/webrana/webrana/web/webtest"
)

// TestCustomerJourneyByEmail walks issue 16's whole path as a customer and
// an operator would, on both engines, with every e-mail read from a real
// SMTP server and the pages in a real browser: sign-up, the confirmation
// e-mail, confirmed, an order through the wizard, the "server ready" e-mail
// with its IPv4; a password reset by e-mail; two-factor enrolment and a
// sign-in that needs the code; an invitation accepted from its e-mail.
func TestCustomerJourneyByEmail(t *testing.T) {
	for _, engine := range []string{"sqlite", "postgres"} {
		t.Run(engine, func(t *testing.T) {
			smtp := mailtest.Start(t, nil)
			vars := map[string]string{"WEBRANA_SMTP_ADDR": smtp.Addr, "WEBRANA_SMTP_FROM": "panel@example.com",
				"WEBRANA_SIM_CREATE_DELAY": "2s"}
			if engine == "postgres" {
				vars["WEBRANA_DATABASE_URL"] = storetest.PostgresURL(t, false)
				vars["WEBRANA_SANDBOX"] = "1"
			}
			r := newOrderRig(t, vars)
			j := &journey{t: t, r: r, inbox: &inbox{t: t, srv: smtp}, b: newBrowser(t, "http://"+r.Addr())}
			j.signUpAndConfirm("new@example.com", "a first password")
			j.orderAndHearItIsReady("new@example.com", "a first password")
			j.resetPassword("new@example.com", "a second password")
			j.twoFactor("new@example.com", "a second password")
			j.invitation("invited@example.com", "an invited password")
		})
	}
}

type journey struct {
	t     *testing.T
	r     *orderRig
	inbox *inbox
	b     *browser
}

// signUpAndConfirm signs up on the page, follows the e-mailed link, and
// checks that ordering is refused before and allowed after.
func (j *journey) signUpAndConfirm(email, password string) {
	j.t.Helper()
	b := j.b
	b.open("/signup")
	b.fill("#email", email)
	b.fill("#password", password)
	b.submit("#signup-submit")
	if msg := b.text("#signup-done"); !strings.Contains(msg, email) {
		j.t.Fatalf("after signing up: %q", msg)
	}
	m := j.inbox.await(email, "Confirm your e-mail address")
	link := j.link(m, "/verify?token=")

	// Before confirming, the customer may sign in but not order.
	c := j.login(email, password)
	if res := c.Do("POST", "/api/vps", map[string]any{"provider_type": "digitalocean", "plan_id": j.r.plan(webrana.DigitalOcean, "s-1vcpu-1gb"),
		"region": "nyc3", "image": "ubuntu-24-04-x64", "label": "too-soon"}); res.Status != 403 || !strings.Contains(string(res.Body), "Confirm your e-mail address") {
		j.t.Fatalf("an order before confirming: %d %s", res.Status, res.Body)
	}
	b.open(link)
	if got := b.text("#notice"); !strings.Contains(got, "confirmed") {
		j.t.Fatalf("the confirmation link says %q", got)
	}
	var me struct {
		ID            string
		EmailVerified bool `json:"email_verified"`
	}
	c.Do("GET", "/api/me", nil).JSON(j.t, &me)
	if !me.EmailVerified {
		j.t.Fatal("the address is not confirmed after following the link")
	}
	// Credit for the first day, as an operator gives it.
	if res := j.r.admin.Do("POST", "/api/admin/customers/"+me.ID+"/credit", map[string]any{"amount": 10_000, "note": "welcome"}); res.Status/100 != 2 {
		j.t.Fatalf("credit: %d %s", res.Status, res.Body)
	}
}

// orderAndHearItIsReady orders through the wizard and waits for the
// "server ready" e-mail, which carries the server's IPv4 and never its
// root password.
func (j *journey) orderAndHearItIsReady(email, password string) {
	j.t.Helper()
	b := j.b
	b.signIn(email, password)
	id := b.orderDigitalOceanApp("journey-1")
	b.wait(`#server-status [data-status="active"]`, time.Minute)
	v := j.r.waitFor(id, "active")
	m := j.inbox.await(email, "Your server journey-1 is ready")
	if v.IPv4 == "" || !strings.Contains(m.Text, v.IPv4) || !strings.Contains(m.HTML, v.IPv4) {
		j.t.Fatalf("the ready e-mail does not give the IPv4 %q:\n%s", v.IPv4, m.Text)
	}
	if strings.Contains(strings.ToLower(m.Text), "password:") {
		j.t.Fatalf("the ready e-mail shows a password:\n%s", m.Text)
	}
}

// resetPassword asks for a link on the page, sets a new password from the
// e-mail, and signs in with it (the old one no longer works).
func (j *journey) resetPassword(email, newPassword string) {
	j.t.Helper()
	b := j.b
	b.click("header details.dropdown summary")
	b.submit("#sign-out")
	b.open("/reset")
	b.fill("#email", email)
	b.submit("#reset-submit")
	b.wait("#reset-done", actionTimeout)
	link := j.link(j.inbox.await(email, "Choose a new password"), "/reset?token=")
	b.open(link)
	b.fill("#password", newPassword)
	b.submit("#password-submit")
	if got := b.text("#notice"); !strings.Contains(got, "password is changed") {
		j.t.Fatalf("after setting the password: %q", got)
	}
	b.signIn(email, newPassword)
	if res := webtest.New(j.t, "http://"+j.r.Addr()).Do("POST", "/api/auth/login",
		map[string]string{"email": email, "password": "a first password"}); res.Status != 401 {
		j.t.Fatalf("the old password after a reset: %d", res.Status)
	}
}

// twoFactor enrols from the two-factor page, then signs in by the API,
// which asks for the code, and by the login page's second step.
func (j *journey) twoFactor(email, password string) {
	j.t.Helper()
	b := j.b
	b.open("/account/two-factor")
	b.fill("#totp-begin-password", password)
	b.submit("#totp-begin-submit")
	b.wait("#totp-qr", actionTimeout)
	secret := b.text("#totp-secret")
	code := func(at time.Time) string {
		c, err := totp.GenerateCodeCustom(secret, at, totp.ValidateOpts{Period: 30, Digits: otp.DigitsSix, Algorithm: otp.AlgorithmSHA1})
		if err != nil {
			j.t.Fatal(err)
		}
		return c
	}
	b.fill("#totp-code", code(time.Now()))
	b.submit("#totp-confirm-submit")
	b.wait("#recovery-codes", actionTimeout)

	api := webtest.New(j.t, "http://"+j.r.Addr())
	res := api.Do("POST", "/api/auth/login", map[string]string{"email": email, "password": password})
	if res.Status != 401 || !strings.Contains(string(res.Body), `"totp_required"`) {
		j.t.Fatalf("login without a code: %d %s", res.Status, res.Body)
	}
	// The confirmation took this step's code; the next step's is fresh.
	res = api.Do("POST", "/api/auth/login", map[string]string{"email": email, "password": password, "totp_code": code(time.Now().Add(30 * time.Second))})
	if res.Status != 200 {
		j.t.Fatalf("login with a code: %d %s", res.Status, res.Body)
	}
}

// invitation: the operator invites from the customers page; the invited
// person sets a password from the e-mail and is signed in.
func (j *journey) invitation(email, password string) {
	j.t.Helper()
	b := newBrowser(j.t, "http://"+j.r.Addr())
	b.signIn("admin@webrana.local", rigPassword)
	b.open("/admin/customers")
	b.fill("#invite-email", email)
	b.choose("#invite-role", "customer")
	b.submit("#invite-submit")
	link := j.link(j.inbox.await(email, "You are invited"), "/invite?token=")

	guest := newBrowser(j.t, "http://"+j.r.Addr())
	guest.open(link)
	guest.fill("#password", password)
	guest.submit("#password-submit")
	if p := guest.path(); p != "/" {
		j.t.Fatalf("after accepting the invitation at %s\n%s", p, guest.describe())
	}
	c := j.login(email, password)
	var me struct {
		Role          string
		EmailVerified bool `json:"email_verified"`
	}
	c.Do("GET", "/api/me", nil).JSON(j.t, &me)
	if me.Role != "customer" || !me.EmailVerified {
		j.t.Fatalf("the invited user is %+v", me)
	}
}

func (j *journey) login(email, password string) *webtest.Client {
	j.t.Helper()
	c := webtest.New(j.t, "http://"+j.r.Addr())
	res := c.Do("POST", "/api/auth/login", map[string]string{"email": email, "password": password})
	if res.Status != 200 {
		j.t.Fatalf("login %s: %d %s", email, res.Status, res.Body)
	}
	var out struct{ Token string }
	res.JSON(j.t, &out)
	return c.WithToken(out.Token)
}

var linkPattern = regexp.MustCompile(`https?://[^\s"<>]+`)

// link finds the message's link whose path starts as prefix says, checks
// that it points at this server (WEBRANA_BASE_URL's default), and returns
// its path and query.
func (j *journey) link(m *mailtest.Message, prefix string) string {
	j.t.Helper()
	for _, raw := range linkPattern.FindAllString(m.Text, -1) {
		u, err := url.Parse(raw)
		if err != nil || !strings.HasPrefix(u.RequestURI(), prefix) {
			continue
		}
		if u.Host != j.r.Addr() {
			j.t.Fatalf("the link %s is not on this server (%s)", raw, j.r.Addr())
		}
		return u.RequestURI()
	}
	j.t.Fatalf("no %s link in %q:\n%s", prefix, m.Subject, m.Text)
	return ""
}

// inbox reads the SMTP server's messages, keeping those not yet asked for.
type inbox struct {
	t    *testing.T
	srv  *mailtest.Server
	kept []*mailtest.Message
}

// await returns the first message to the address whose subject starts as
// given, waiting for it to arrive.
func (in *inbox) await(to, subject string) *mailtest.Message {
	in.t.Helper()
	match := func(m *mailtest.Message) bool {
		return len(m.To) == 1 && m.To[0] == to && strings.HasPrefix(m.Subject, subject)
	}
	for i, m := range in.kept {
		if match(m) {
			in.kept = append(in.kept[:i], in.kept[i+1:]...)
			return m
		}
	}
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	for {
		m, err := in.srv.Next(ctx)
		if err != nil {
			in.t.Fatalf("no e-mail %q to %s (%v); others received: %s", subject, to, err, in.subjects())
		}
		if match(m) {
			return m
		}
		in.kept = append(in.kept, m)
	}
}

func (in *inbox) subjects() string {
	var s []string
	for _, m := range in.kept {
		s = append(s, m.To[0]+": "+m.Subject)
	}
	return strings.Join(s, "; ")
}

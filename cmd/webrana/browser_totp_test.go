package main

import (
	"testing"
	"time"

	"github.com/pquerna/otp"
	"github.com/pquerna/otp/totp"
)

// TestBrowserTwoFactorSignIn: a customer turns two-factor sign-in on from
// the QR code page, keeps the recovery codes, signs out, and signs in again
// with the password and then a code from the app (a wrong one first).
func TestBrowserTwoFactorSignIn(t *testing.T) {
	r := newOrderRig(t, map[string]string{})
	b := newBrowser(t, "http://"+r.Addr())
	b.signIn("demo@webrana.local", rigPassword)
	b.open("/account/two-factor")
	b.fill("#totp-begin-password", rigPassword)
	b.submit("#totp-begin-submit")
	b.wait("#totp-qr", actionTimeout)
	b.until(`document.getElementById("totp-qr").complete && document.getElementById("totp-qr").naturalWidth > 0`, actionTimeout)
	secret := b.text("#totp-secret")
	b.shot("two-factor-enrol")
	// The server's clock is the real one here: codes are computed now, the
	// sign-in's one step ahead (the confirmation took this step).
	code := func(at time.Time) string {
		c, err := totp.GenerateCodeCustom(secret, at, totp.ValidateOpts{Period: 30, Digits: otp.DigitsSix, Algorithm: otp.AlgorithmSHA1})
		if err != nil {
			t.Fatal(err)
		}
		return c
	}
	b.fill("#totp-code", code(time.Now()))
	b.submit("#totp-confirm-submit")
	b.wait("#recovery-codes", actionTimeout)
	if n := b.count("#recovery-codes li"); n != 10 {
		t.Fatalf("%d recovery codes shown, want 10", n)
	}
	b.shot("two-factor-recovery-codes")

	b.click("header details.dropdown summary")
	b.submit("#sign-out")
	if p := b.path(); p != "/login" {
		t.Fatalf("after signing out at %s", p)
	}
	b.fill("#email", "demo@webrana.local")
	b.fill("#password", rigPassword)
	b.submit(`form[action="/login"] button[type="submit"]`)
	b.wait("#code", actionTimeout)
	if n := b.count(`input[name="password"]`); n != 0 {
		t.Fatal("the code step carries a password field")
	}
	b.shot("two-factor-login")
	b.fill("#code", "000000")
	b.submit(`#login-code button[type="submit"]`)
	if msg := b.text("#login-error"); msg == "" {
		t.Fatal("a wrong code says nothing")
	}
	b.fill("#code", code(time.Now().Add(30*time.Second)))
	b.submit(`#login-code button[type="submit"]`)
	if p := b.path(); p != "/" {
		t.Fatalf("after the code at %s, want /\n%s", p, b.describe())
	}
}

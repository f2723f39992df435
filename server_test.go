package webrana_test

import (
	"strings"
	"testing"

	"github.com/webrana/webrana"
)

func TestCheckPassword(t *testing.T) {
	cases := map[string]bool{
		"Kx9!mQ2#vLp7":              true,
		"correct-Horse-battery":     true, // lower, upper, symbol
		"short1A!":                  false,
		"alllowercase1":             false,
		"ALLUPPER123456":            false,
		"Webrana-2026!x":            false, // a guessable word
		"My-web-1-Secret!":          false, // the label
		"Alice-Secret-99":           false, // the e-mail's user
		"Tab\tInside-9x":            false,
		"N3w!Passw0rd-x":            false, // a common password inside
		"Zz9!aaaa-Kq7x":             false, // a run
		"Zz9!12345-Kqx":             false, // a sequence
		"aB3!aB3!aB3!":              false, // too few different characters
		"tiny-oak-river-glass-moon": true,  // two kinds, but 25 characters
	}
	for pw, ok := range cases {
		err := webrana.CheckRootPassword(pw, "web-1", "alice@example.com")
		if (err == nil) != ok {
			t.Errorf("CheckRootPassword(%q) = %v, want ok=%v", pw, err, ok)
		}
		if err != nil && webrana.ErrorCode(err) != webrana.EINVALID {
			t.Errorf("CheckRootPassword(%q) code %s", pw, webrana.ErrorCode(err))
		}
	}
}

func TestValidLabel(t *testing.T) {
	for label, ok := range map[string]bool{"web-1": true, "db.prod_2": true, "ab": false, "-web": false, "web-": false,
		"a--b": false, "my server": false, strings.Repeat("a", 64): true, strings.Repeat("a", 65): false, "  web-1  ": true} {
		if _, err := webrana.ValidLabel(label); (err == nil) != ok {
			t.Errorf("ValidLabel(%q) = %v, want ok=%v", label, err, ok)
		}
	}
}

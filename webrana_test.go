package webrana_test

import (
	"errors"
	"fmt"
	"strings"
	"testing"

	"github.com/webrana/webrana"
)

func TestPageNormalize(t *testing.T) {
	tests := []struct {
		in         webrana.Page
		want       webrana.Page
		wantOffset int
	}{
		{webrana.Page{}, webrana.Page{Page: 1, PerPage: 50}, 0},
		{webrana.Page{Page: -3, PerPage: -1}, webrana.Page{Page: 1, PerPage: 50}, 0},
		{webrana.Page{Page: 3, PerPage: 20}, webrana.Page{Page: 3, PerPage: 20}, 40},
		{webrana.Page{Page: 2, PerPage: 5000}, webrana.Page{Page: 2, PerPage: 200}, 200},
	}
	for _, tt := range tests {
		t.Run(fmt.Sprint(tt.in), func(t *testing.T) {
			if got := tt.in.Normalize(); got != tt.want {
				t.Errorf("Normalize = %+v, want %+v", got, tt.want)
			}
			if got := tt.in.Offset(); got != tt.wantOffset {
				t.Errorf("Offset = %d, want %d", got, tt.wantOffset)
			}
		})
	}
}

func TestErrorCodeAndMessage(t *testing.T) {
	userErr := webrana.FieldError("label", "Label is too long.")
	tests := []struct {
		name      string
		err       error
		code, msg string
	}{
		{"nil", nil, "", ""},
		{"user error", userErr, webrana.EINVALID, "Label is too long."},
		{"wrapped user error", fmt.Errorf("create: %w", userErr), webrana.EINVALID, "Label is too long."},
		{"internal error hides detail", errors.New("pq: password=hunter2"), webrana.EINTERNAL, "An internal error occurred."},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := webrana.ErrorCode(tt.err); got != tt.code {
				t.Errorf("ErrorCode = %q, want %q", got, tt.code)
			}
			if got := webrana.ErrorMessage(tt.err); got != tt.msg {
				t.Errorf("ErrorMessage = %q, want %q", got, tt.msg)
			}
		})
	}
	if !strings.Contains(userErr.Error(), "field label") {
		t.Errorf("Error() = %q lacks the field", userErr.Error())
	}
}

func TestValidatePassword(t *testing.T) {
	tests := map[string]bool{
		"":                        false,
		"short":                   false,
		"          ":              false,
		"ten chars!":              true,
		"pässwörter-mit-umlauten": true,
		strings.Repeat("x", 256):  true,
		strings.Repeat("x", 257):  false,
		"ünïcödé€€":               false, // 9 runes, though more bytes
	}
	for pw, ok := range tests {
		err := webrana.ValidatePassword(pw)
		if (err == nil) != ok {
			t.Errorf("ValidatePassword(%q) = %v, want ok=%v", pw, err, ok)
		}
		if err != nil && webrana.ErrorCode(err) != webrana.EINVALID {
			t.Errorf("ValidatePassword(%q) code %q", pw, webrana.ErrorCode(err))
		}
	}
}

func TestNormalizeEmail(t *testing.T) {
	tests := []struct{ in, want string }{
		{"  Ann@Example.COM ", "ann@example.com"},
		{"demo@webrana.local", "demo@webrana.local"},
		{"Ann <ann@example.com>", ""},
		{"ann@localhost", ""},
		{"no-at-sign", ""},
		{"", ""},
	}
	for _, tt := range tests {
		got, err := webrana.NormalizeEmail(tt.in)
		if got != tt.want || (err == nil) != (tt.want != "") {
			t.Errorf("NormalizeEmail(%q) = %q, %v; want %q", tt.in, got, err, tt.want)
		}
	}
}

func TestAccountCapacity(t *testing.T) {
	tests := []struct {
		limit, active, reserved, free int
		utilization                   float64
	}{
		{25, 20, 0, 5, 80},
		{25, 20, 3, 2, 92},
		{25, 25, 0, 0, 100},
		{10, 12, 0, 0, 120}, // the provider lowered the limit under us
		{0, 0, 0, 0, 0},
	}
	for _, tt := range tests {
		a := &webrana.Account{Limit: tt.limit, Active: tt.active, Reserved: tt.reserved}
		if a.Free() != tt.free || a.Utilization() != tt.utilization {
			t.Errorf("%+v: Free %d Utilization %v, want %d %v", tt, a.Free(), a.Utilization(), tt.free, tt.utilization)
		}
	}
}

func TestInstanceStatusValid(t *testing.T) {
	for _, s := range []webrana.InstanceStatus{"pending", "provisioning", "held", "active", "off", "failed", "deleting", "deleted", "suspended"} {
		if !s.Valid() {
			t.Errorf("%q should be valid", s)
		}
	}
	if webrana.InstanceStatus("running").Valid() {
		t.Error(`"running" is a provider status, not an instance status`)
	}
}

// TestProviderTypesText: the known types as a choice, and lists of words
// as sentences write them.
func TestProviderTypesText(t *testing.T) {
	for _, tc := range []struct{ got, want string }{
		{webrana.ProviderTypesText(), "digitalocean or linode"},
		{webrana.JoinWords([]string{"a", "b", "c"}, "or"), "a, b or c"},
		{webrana.JoinWords([]string{"a", "b"}, "and"), "a and b"},
		{webrana.JoinWords([]string{"a"}, "or"), "a"},
		{webrana.JoinWords(nil, "or"), ""},
	} {
		if tc.got != tc.want {
			t.Errorf("got %q, want %q", tc.got, tc.want)
		}
	}
}

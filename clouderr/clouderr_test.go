package clouderr_test

import (
	"errors"
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/webrana/webrana"
	"github.com/webrana/webrana/cloud"
	"github.com/webrana/webrana/clouderr"
)

func failure(code cloud.ErrorCode, said string) error {
	return fmt.Errorf("get server: %w", &cloud.Error{Code: code, Provider: "digitalocean", Op: "GetInstance", Message: said})
}

// TestEveryCodeMeansSomething: each portable code but the unexpected ones
// is explained to users, in a sentence with nothing left to fill in.
func TestEveryCodeMeansSomething(t *testing.T) {
	for code := cloud.Unknown; code <= cloud.Internal; code++ {
		m := clouderr.Of(failure(code, "Droplet is busy"))
		msg := clouderr.Message(failure(code, "Droplet is busy"))
		switch code {
		case cloud.Unknown, cloud.Internal:
			if m.Code != webrana.EINTERNAL {
				t.Errorf("%s means %s, want internal", code, m.Code)
			}
		default:
			if m.Code == webrana.EINTERNAL || m.Code == "" {
				t.Errorf("%s is not explained", code)
			}
		}
		for _, left := range []string{"{", "}", "%"} {
			if msg == "" || strings.Contains(msg, left) {
				t.Errorf("%s reads %q", code, msg)
			}
		}
	}
}

func TestMessages(t *testing.T) {
	for _, c := range []struct {
		name string
		err  error
		msg  string
	}{
		{"the provider's words", failure(cloud.Conflict, "Droplet already has a pending event"), "The provider refused: Droplet already has a pending event"},
		{"the token concerned", failure(cloud.Unauthorized, ""), "The provider refused the token (revoked, expired or mistyped)."},
		{"an error meant for users stands", fmt.Errorf("x: %w", webrana.ErrProviderBusy), webrana.ErrProviderBusy.Message},
		{"not a provider's", errors.New("boom"), "An unexpected error; see the server log."},
	} {
		if got := clouderr.Message(c.err); got != c.msg {
			t.Errorf("%s: %q, want %q", c.name, got, c.msg)
		}
	}
	if got := clouderr.TokenMessage(failure(cloud.Unauthorized, "")); got != "The provider refused this token (revoked, expired or mistyped)." {
		t.Errorf("a token just entered: %q", got)
	}
}

// TestError: the user's error carries the table's code and message, the
// field the provider named and its wait, and keeps the provider's error.
func TestError(t *testing.T) {
	provider := &cloud.Error{Code: cloud.InvalidArgument, Message: "Region is not available", Field: "region"}
	err := clouderr.Error(fmt.Errorf("create: %w", provider))
	var e *webrana.Error
	if !errors.As(err, &e) || e.Code != webrana.EINVALID || e.Field != "region" || e.Message != "The provider refused: Region is not available" {
		t.Fatalf("user error %#v", e)
	}
	if !errors.Is(err, provider) {
		t.Fatal("the provider's error is lost")
	}
	limited := clouderr.Error(&cloud.Error{Code: cloud.RateLimited, RetryAfter: 30 * time.Second})
	if !errors.As(limited, &e) || e.Code != webrana.EUNAVAILABLE || e.RetryAfter != 30*time.Second {
		t.Fatalf("rate-limited: %#v", e)
	}
	internal := errors.New("boom")
	if clouderr.Error(internal) != internal || clouderr.Error(nil) != nil || clouderr.Error(webrana.ErrProviderBusy) != webrana.ErrProviderBusy {
		t.Fatal("internal errors, nil and users' errors must stand as they are")
	}
}

package lifecycle

import (
	"testing"

	"github.com/webrana/webrana"
)

// TestPasswordResetByProvider: a provider that chooses the password itself
// takes none; one that takes it needs it, in the words Act answers with.
func TestPasswordResetByProvider(t *testing.T) {
	user := &webrana.User{Email: "ann@example.com"}
	s := &Service{}
	for _, tc := range []struct {
		name     string
		provider webrana.ProviderType
		password string
		message  string // the refusal on password; "" when accepted
	}{
		{"DigitalOcean, none given", webrana.DigitalOcean, "", ""},
		{"DigitalOcean, one given", webrana.DigitalOcean, "Strong-Root-Pw-2031!", "DigitalOcean chooses the new password itself; leave password empty."},
		{"Linode, none given", webrana.Linode, "", "Linode needs the new root password."},
	} {
		t.Run(tc.name, func(t *testing.T) {
			in := &webrana.Instance{ProviderType: tc.provider, Label: "web", Status: webrana.StatusOff}
			_, err := s.checkPassword(user, in, Request{Type: webrana.ActionPassword, Password: tc.password})
			switch {
			case tc.message == "" && err != nil:
				t.Fatalf("refused: %v", err)
			case tc.message != "" && (webrana.ErrorField(err) != "password" || webrana.ErrorMessage(err) != tc.message):
				t.Fatalf("got %v, want %q on password", err, tc.message)
			}
		})
	}
}

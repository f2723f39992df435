package pages

import (
	"testing"

	"github.com/webrana/webrana"
)

// TestServerActionWordsByProvider: what a server's action buttons explain
// and ask for follows its provider's capabilities, in these words.
func TestServerActionWordsByProvider(t *testing.T) {
	const rebuild = "Reinstalls the server from the image you choose: everything on its disk is erased. The addresses stay."
	const resize = "Moves the server to a bigger plan, billed at the new price from now. Disks cannot shrink, so there is no way back to a plan with a smaller disk."
	for _, tc := range []struct {
		provider webrana.ProviderType
		typ      string
		password bool
		explain  string
	}{
		{webrana.DigitalOcean, webrana.ActionRebuild, false, rebuild},
		{webrana.Linode, webrana.ActionRebuild, true, rebuild + " Linode sets the new root password you give."},
		{webrana.DigitalOcean, webrana.ActionResize, false, resize},
		{webrana.Linode, webrana.ActionResize, false, resize + " Linode restarts the server to resize it."},
		{webrana.DigitalOcean, webrana.ActionPassword, false,
			"DigitalOcean chooses a new root password and restarts the server; the old password stops working."},
		{webrana.Linode, webrana.ActionPassword, true, "Sets the root password you give; the old password stops working."},
	} {
		a := NewServerAction(&webrana.Instance{ProviderType: tc.provider}, tc.typ)
		if a.Password != tc.password || a.Explain != tc.explain {
			t.Errorf("%s %s: password %v, %q; want %v, %q", tc.provider, tc.typ, a.Password, a.Explain, tc.password, tc.explain)
		}
	}
}

// TestProviderWords: names fall back to the registry's, and the new
// account form says which providers publish a limit.
func TestProviderWords(t *testing.T) {
	for _, tc := range []struct{ got, want string }{
		{providerName(webrana.Linode, ""), "Linode"},
		{providerName(webrana.DigitalOcean, "DO"), "DO"},
		{providerName("vultr", ""), "vultr"},
		{limitHelp(), "Optional for DigitalOcean, which publishes its own; required for Linode."},
	} {
		if tc.got != tc.want {
			t.Errorf("got %q, want %q", tc.got, tc.want)
		}
	}
}

package provision

import (
	"context"
	"testing"

	"github.com/webrana/webrana"
	"github.com/webrana/webrana/catalog"
)

// TestOrderRulesByProvider: the options, access and marketplace rules
// each provider's capabilities give, in the words the API and the wizard
// answer with. None of them asks the catalog.
func TestOrderRulesByProvider(t *testing.T) {
	do, linode := webrana.DigitalOcean, webrana.Linode
	const vpc = "5f7e3a4c-1d2b-4c3a-8e9f-0a1b2c3d4e5f"
	options := checkOptions
	access := func(p webrana.ProviderType, req *Request) error { return checkAccess(p, req, "web", "ann@example.com") }
	image := func(p webrana.ProviderType, req *Request) error {
		cat := (*catalog.Service)(nil).Of(&webrana.Provider{Type: p}) // the rules refuse before any catalog is asked
		_, err := (&Service{}).image(context.Background(), cat, nil, req)
		return err
	}
	for _, tc := range []struct {
		name     string
		rule     func(webrana.ProviderType, *Request) error
		provider webrana.ProviderType
		req      Request
		field    string // "" when accepted
		message  string
	}{
		{"DigitalOcean monitoring", options, do, Request{Monitoring: true}, "", ""},
		{"DigitalOcean VPC", options, do, Request{VPCUUID: vpc}, "", ""},
		{"DigitalOcean VPC not a UUID", options, do, Request{VPCUUID: "default"}, "vpc_uuid", "vpc_uuid must be a VPC's UUID."},
		{"Linode monitoring", options, linode, Request{Monitoring: true}, "monitoring", "Linode has no monitoring agent option; its metrics are always on."},
		{"Linode VPC", options, linode, Request{VPCUUID: vpc}, "vpc_uuid", "VPCs are offered on DigitalOcean only."},
		{"Linode IPv6 and backups", options, linode, Request{IPv6: true, Backups: true}, "", ""},
		{"DigitalOcean with an SSH key", access, do, Request{SSHKeyIDs: []string{"k"}}, "", ""},
		{"DigitalOcean with nothing", access, do, Request{}, "root_password", "Give a root password or at least one SSH key, or you could not log in."},
		{"Linode with an SSH key", access, linode, Request{SSHKeyIDs: []string{"k"}}, "root_password", "Linode needs a root password."},
		{"Linode with a password", access, linode, Request{RootPassword: "Strong-Root-Pw-2031!"}, "", ""},
		{"1-click app on Linode", image, linode, Request{App: "wordpress"}, "app", "1-click apps are DigitalOcean's; on Linode choose a StackScript."},
		{"StackScript on DigitalOcean", image, do, Request{StackScriptID: 10079}, "stackscript_id", "StackScripts are Linode's; on DigitalOcean choose a 1-click app."},
		{"fields without a StackScript", image, linode, Request{StackScriptData: map[string]string{"k": "v"}}, "stackscript_data", "stackscript_data needs a stackscript_id."},
	} {
		t.Run(tc.name, func(t *testing.T) {
			err := tc.rule(tc.provider, &tc.req)
			switch {
			case tc.field == "" && err != nil:
				t.Fatalf("refused: %v", err)
			case tc.field != "" && (webrana.ErrorField(err) != tc.field || webrana.ErrorMessage(err) != tc.message):
				t.Fatalf("got %v (field %q), want %q on %s", err, webrana.ErrorField(err), tc.message, tc.field)
			}
		})
	}
}

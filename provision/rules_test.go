package provision

import (
	"context"
	"testing"

	"github.com/webrana/webrana"
)

// TestOrderOptionsByProvider: the options, access and marketplace rules
// each provider's capabilities give, in the words the API and the wizard
// answer with. None of them asks the catalog.
func TestOrderOptionsByProvider(t *testing.T) {
	do, linode := webrana.DigitalOcean, webrana.Linode
	const vpc = "5f7e3a4c-1d2b-4c3a-8e9f-0a1b2c3d4e5f"
	s := &Service{}
	for _, tc := range []struct {
		name     string
		provider webrana.ProviderType
		req      Request
		field    string // "" when accepted
		message  string
	}{
		{"DigitalOcean monitoring", do, Request{Monitoring: true}, "", ""},
		{"DigitalOcean VPC", do, Request{VPCUUID: vpc}, "", ""},
		{"DigitalOcean VPC not a UUID", do, Request{VPCUUID: "default"}, "vpc_uuid", "vpc_uuid must be a VPC's UUID."},
		{"Linode monitoring", linode, Request{Monitoring: true}, "monitoring", "Linode has no monitoring agent option; its metrics are always on."},
		{"Linode VPC", linode, Request{VPCUUID: vpc}, "vpc_uuid", "VPCs are offered on DigitalOcean only."},
		{"Linode IPv6 and backups", linode, Request{IPv6: true, Backups: true}, "", ""},
	} {
		t.Run(tc.name, func(t *testing.T) {
			wantRule(t, checkOptions(tc.provider, &tc.req), tc.field, tc.message)
		})
	}
	for _, tc := range []struct {
		name     string
		provider webrana.ProviderType
		req      Request
		field    string
		message  string
	}{
		{"DigitalOcean with an SSH key", do, Request{SSHKeyIDs: []string{"k"}}, "", ""},
		{"DigitalOcean with nothing", do, Request{}, "root_password", "Give a root password or at least one SSH key, or you could not log in."},
		{"Linode with an SSH key", linode, Request{SSHKeyIDs: []string{"k"}}, "root_password", "Linode needs a root password."},
		{"Linode with a password", linode, Request{RootPassword: "Strong-Root-Pw-2031!"}, "", ""},
	} {
		t.Run(tc.name, func(t *testing.T) {
			wantRule(t, checkAccess(tc.provider, &tc.req, "web", "ann@example.com"), tc.field, tc.message)
		})
	}
	for _, tc := range []struct {
		name     string
		provider webrana.ProviderType
		req      Request
		field    string
		message  string
	}{
		{"1-click app on Linode", linode, Request{App: "wordpress"}, "app", "1-click apps are DigitalOcean's; on Linode choose a StackScript."},
		{"StackScript on DigitalOcean", do, Request{StackScriptID: 10079}, "stackscript_id", "StackScripts are Linode's; on DigitalOcean choose a 1-click app."},
		{"fields without a StackScript", linode, Request{StackScriptData: map[string]string{"k": "v"}}, "stackscript_data", "stackscript_data needs a stackscript_id."},
	} {
		t.Run(tc.name, func(t *testing.T) {
			_, err := s.image(context.Background(), tc.provider, nil, &tc.req)
			wantRule(t, err, tc.field, tc.message)
		})
	}
}

func wantRule(t *testing.T, err error, field, message string) {
	t.Helper()
	switch {
	case field == "" && err != nil:
		t.Fatalf("refused: %v", err)
	case field != "" && (webrana.ErrorField(err) != field || webrana.ErrorMessage(err) != message):
		t.Fatalf("got %v (field %q), want %q on %s", err, webrana.ErrorField(err), message, field)
	}
}

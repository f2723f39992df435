package providers_test

import (
	"slices"
	"testing"

	"github.com/webrana/webrana"
	"github.com/webrana/webrana/cloud"
	"github.com/webrana/webrana/providers"
)

// TestRegistryMatchesTheDomain: the registry lists exactly the domain's
// provider types, in its order, each with a name and a driver that is of
// its type and declares its capabilities.
func TestRegistryMatchesTheDomain(t *testing.T) {
	all := providers.All()
	var types []webrana.ProviderType
	for _, reg := range all {
		types = append(types, webrana.ProviderType(reg.Type))
		d, err := reg.New(cloud.DriverConfig{Token: "t", Pacers: cloud.NewPacers(nil, nil)})
		if err != nil {
			t.Fatalf("%s: %v", reg.Type, err)
		}
		if reg.Name == "" || d.Provider() != reg.Type || d.Capabilities() != reg.Capabilities || reg.BudgetPath == "" {
			t.Errorf("%s registered as %+v opens a driver of %q declaring %+v", reg.Type, reg, d.Provider(), d.Capabilities())
		}
		if got, ok := providers.Lookup(webrana.ProviderType(reg.Type)); !ok || got.Name != reg.Name {
			t.Errorf("Lookup(%s) = %+v, %v", reg.Type, got, ok)
		}
	}
	if !slices.Equal(types, webrana.ProviderTypes) {
		t.Fatalf("the registry lists %v, the domain %v: add the provider to both (see the package doc)", types, webrana.ProviderTypes)
	}
	if _, err := all[0].New(cloud.DriverConfig{Pacers: cloud.NewPacers(nil, nil)}); err == nil {
		t.Error("a driver opened without a token")
	}
}

// TestUnknownProvider: a type no driver serves is not found, is named by
// itself, and can do nothing.
func TestUnknownProvider(t *testing.T) {
	if _, ok := providers.Lookup("vultr"); ok {
		t.Fatal("Lookup found a provider nobody registered")
	}
	if reg := providers.Of("vultr"); reg.Name != "vultr" || reg.Capabilities != (cloud.Capabilities{}) || reg.New != nil {
		t.Fatalf("Of(vultr) = %+v", reg)
	}
}

// TestNamesWith: the providers having a capability, named for messages.
func TestNamesWith(t *testing.T) {
	for _, tc := range []struct {
		got, want string
	}{
		{providers.NamesWith(func(c cloud.Capabilities) bool { return c.VPC }), "DigitalOcean"},
		{providers.NamesWith(func(c cloud.Capabilities) bool { return c.Backups }), "DigitalOcean and Linode"},
		{providers.NamesWith(func(c cloud.Capabilities) bool { return false }), ""},
	} {
		if tc.got != tc.want {
			t.Errorf("got %q, want %q", tc.got, tc.want)
		}
	}
}

package digitalocean_test

import (
	"context"
	"net/http/httptest"
	"slices"
	"testing"

	"github.com/webrana/webrana/cloud"
	"github.com/webrana/webrana/cloud/cloudtest"
	"github.com/webrana/webrana/cloud/digitalocean"
	"github.com/webrana/webrana/cloudsim"
)

func TestConformance(t *testing.T) {
	cloudtest.RunConformanceTests(t, cloudtest.Harness{
		Registration: digitalocean.Registration(),
		Region:       "sgp1", Size: "s-1vcpu-1gb", Image: "ubuntu-24-04-x64", BiggerSize: "s-1vcpu-2gb",
		App: "wordpress-20-04", AppImage: "wordpress-20-04",
		CreatePath:       "/v2/droplets",
		FirewallPath:     "/v2/firewalls",
		MultiPageCatalog: "/v2/images", // more items than the driver's page (DigitalOcean 200, Linode 100)
		Burst:            300,          // over DigitalOcean's 250 a minute
	})
}

// TestAppsCarryMarketplaceText: a 1-click app's name and description are its
// application image's (the 1-clicks list has only slugs), not the family of
// the system under it.
func TestAppsCarryMarketplaceText(t *testing.T) {
	sim := cloudsim.New(cloudsim.Config{})
	if err := sim.AddAccount(cloudsim.AccountSpec{Provider: digitalocean.Type, Token: "apps", Email: "apps@example.com"}); err != nil {
		t.Fatal(err)
	}
	srv := httptest.NewServer(sim.Handler())
	defer srv.Close()
	d, err := digitalocean.New(digitalocean.Config{Token: "apps", BaseURL: srv.URL, Pacers: cloud.NewPacers(nil, nil)})
	if err != nil {
		t.Fatal(err)
	}
	apps, err := cloud.New(d, nil).Apps(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	i := slices.IndexFunc(apps, func(a *cloud.App) bool { return a.Slug == "wordpress-20-04" })
	if i < 0 {
		t.Fatalf("no wordpress-20-04 among %d apps", len(apps))
	}
	want := cloud.App{Slug: "wordpress-20-04", Name: "WordPress 6.6 on Ubuntu 22.04", Category: apps[i].Category,
		Description: "WordPress with a LAMP stack, Let's Encrypt certificates and WP-CLI: the fastest way to a self-hosted blog or site.",
		Images:      []string{"wordpress-20-04"}}
	if got := *apps[i]; got.Name != want.Name || got.Description != want.Description || !slices.Equal(got.Images, want.Images) {
		t.Fatalf("wordpress app = %+v\nwant %+v", got, want)
	}
}

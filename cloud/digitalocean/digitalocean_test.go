package digitalocean_test

import (
	"testing"

	"github.com/webrana/webrana/cloud"
	"github.com/webrana/webrana/cloud/cloudtest"
	"github.com/webrana/webrana/cloud/digitalocean"
)

func TestConformance(t *testing.T) {
	cloudtest.RunConformanceTests(t, cloudtest.Harness{
		Provider: cloud.ProviderDigitalOcean,
		NewDriver: func(t *testing.T, baseURL, token string, pacers *cloud.Pacers) cloud.Driver {
			d, err := digitalocean.New(digitalocean.Config{Token: token, BaseURL: baseURL, Pacers: pacers})
			if err != nil {
				t.Fatal(err)
			}
			return d
		},
		Region: "sgp1", Size: "s-1vcpu-1gb", Image: "ubuntu-24-04-x64",
		CreatePath:     "/v2/droplets",
		LimitPublished: true,
		Burst:          300, // over DigitalOcean's 250 a minute
	})
}

package linode_test

import (
	"testing"

	"github.com/webrana/webrana/cloud"
	"github.com/webrana/webrana/cloud/cloudtest"
	"github.com/webrana/webrana/cloud/linode"
)

func TestConformance(t *testing.T) {
	cloudtest.RunConformanceTests(t, cloudtest.Harness{
		Provider: cloud.ProviderLinode,
		NewDriver: func(t *testing.T, baseURL, token string, pacers *cloud.Pacers) cloud.Driver {
			d, err := linode.New(linode.Config{Token: token, BaseURL: baseURL, Pacers: pacers})
			if err != nil {
				t.Fatal(err)
			}
			return d
		},
		Region: "ap-south", Size: "g6-nanode-1", Image: "linode/ubuntu24.04",
		CreatePath:     "/v4/linode/instances",
		LimitPublished: false,
		Burst:          1700, // over Linode's 1,600 a minute
	})
}

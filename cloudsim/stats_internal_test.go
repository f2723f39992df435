package cloudsim

import "testing"

func TestTemplatePath(t *testing.T) {
	tests := map[string]string{
		"/v2/droplets/123456":        "/v2/droplets/{id}",
		"/v2/droplets/12/actions/34": "/v2/droplets/{id}/actions/{id}",
		"/v2/account/keys/3b:16:bf:e4:8b:00:8b:b8:59:8c:a9:d3:f0:19:45:fa": "/v2/account/keys/{id}",
		"/v4/linode/instances":         "/v4/linode/instances",
		"/v4/linode/types/g6-nanode-1": "/v4/linode/types/g6-nanode-1",
		"/v2/images/ubuntu-24-04-x64":  "/v2/images/ubuntu-24-04-x64",
	}
	for in, want := range tests {
		if got := templatePath(in); got != want {
			t.Errorf("templatePath(%q) = %q, want %q", in, got, want)
		}
	}
}

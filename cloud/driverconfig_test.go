package cloud_test

import (
	"net/http"
	"net/http/httptest"
	"testing"
	"time"

	"github.com/webrana/webrana/cloud"
)

// TestDriverHTTPClient: the one HTTP client every driver uses refuses a
// config without token or pacers, bounds each request by the timeout
// (30 s unless set), paces through the account's pacer, and adds the token
// as a bearer header only when asked to.
func TestDriverHTTPClient(t *testing.T) {
	policy := onePolicy(cloud.Limit{N: 100, Per: time.Minute})
	pacers := cloud.NewPacers(nil, nil)
	for name, cfg := range map[string]cloud.DriverConfig{"no token": {Pacers: pacers}, "no pacers": {Token: "t"}} {
		if _, _, err := cfg.HTTPClient("testcloud", policy, true); err == nil {
			t.Errorf("%s: no error", name)
		}
	}
	var got []string
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		got = append(got, r.Header.Get("Authorization"))
	}))
	defer srv.Close()
	for _, bearer := range []bool{true, false} {
		got = nil
		hc, pacer, err := cloud.DriverConfig{Token: "tok", Pacers: pacers}.HTTPClient("testcloud", policy, bearer)
		if err != nil {
			t.Fatal(err)
		}
		if hc.Timeout != cloud.DefaultTimeout || pacer != pacers.For("testcloud", "tok", policy) {
			t.Fatalf("timeout %v, pacer %p: want the default and the account's pacer", hc.Timeout, pacer)
		}
		before := pacer.Remaining("GET", "/")
		res, err := hc.Get(srv.URL + "/")
		if err != nil {
			t.Fatal(err)
		}
		res.Body.Close()
		if want := map[bool]string{true: "Bearer tok", false: ""}[bearer]; len(got) != 1 || got[0] != want {
			t.Errorf("bearer %v: Authorization %q, want %q", bearer, got, want)
		}
		if after := pacer.Remaining("GET", "/"); after != before-1 {
			t.Errorf("bearer %v: the pacer counted %d requests, want 1", bearer, before-after)
		}
	}
	hc, _, err := cloud.DriverConfig{Token: "tok", Pacers: pacers, Timeout: time.Second}.HTTPClient("testcloud", policy, false)
	if err != nil || hc.Timeout != time.Second {
		t.Fatalf("timeout %v, %v; want 1s", hc.Timeout, err)
	}
}

package main

import (
	"net/http"
	"strings"
	"testing"

	"github.com/webrana/webrana/web/webtest"
)

// TestMetricsToken: with WEBRANA_METRICS_TOKEN set, Prometheus reads the
// pool's gauges with the token as its bearer token; without it /metrics
// answers 401 with the JSON error body. The token appears in no log line,
// the start-up configuration included.
func TestMetricsToken(t *testing.T) {
	const token = "a9f3c1e7b5d2468f0a1c3e5b7d9f2468"
	m := startMain(t, map[string]string{"WEBRANA_DATA_DIR": t.TempDir(), "WEBRANA_METRICS_TOKEN": token})
	base := "http://" + m.Addr()

	res := webtest.New(t, base).WithToken(token).Do("GET", "/metrics", nil)
	if res.Status != http.StatusOK || !strings.Contains(string(res.Body), `webrana_account_limit{account="Primary",provider="digitalocean"} 25`) {
		t.Fatalf("with the token: %d, want 200 with the pool's gauges:\n%.500s", res.Status, res.Body)
	}
	for name, c := range map[string]*webtest.Client{
		"no token":    webtest.New(t, base),
		"wrong token": webtest.New(t, base).WithToken(token[:len(token)-1] + "0"),
	} {
		res := c.Do("GET", "/metrics", nil)
		if res.Status != http.StatusUnauthorized || res.ErrorCode() != "unauthorized" {
			t.Errorf("%s: %d %s, want 401 with the JSON error body", name, res.Status, res.Body)
		}
	}
	logs := m.stderr.String()
	if strings.Contains(logs, token) || !strings.Contains(logs, "metrics_token=[redacted]") {
		t.Errorf("the logs show the metrics token, or do not say it is set:\n%s", logs)
	}
}

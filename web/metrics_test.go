package web_test

import (
	"strings"
	"testing"

	"github.com/webrana/webrana"
	"github.com/webrana/webrana/auth"
	"github.com/webrana/webrana/store/storetest"
	"github.com/webrana/webrana/web"
)

// metricsToken is the scraper's token in these tests.
const metricsToken = "prometheus-scrape-token-0123456789"

// TestMetricsAccess: /metrics names every provider account with its load,
// so it is public only when configured so. Otherwise an administrator may
// read it, and a scraper with the metrics token when one is set; anyone
// else is refused with the JSON error body.
func TestMetricsAccess(t *testing.T) {
	type caller string
	const (
		anonymous   caller = "anonymous"
		customer    caller = "customer"
		admin       caller = "administrator"
		scraper     caller = "the metrics token"
		wrongToken  caller = "a wrong bearer token"
		basicAuth   caller = "basic authentication"
		tokenCookie caller = "the metrics token as a session cookie"
	)
	configs := []struct {
		name   string
		cfg    web.Config
		access web.Access
		want   map[caller]int // status by caller; 401 and 403 carry the JSON error body
	}{
		{"default: administrators only", web.Config{}, web.Scraper, map[caller]int{
			anonymous: 401, customer: 403, admin: 200, scraper: 401, wrongToken: 401, basicAuth: 401, tokenCookie: 401}},
		{"WEBRANA_METRICS_TOKEN", web.Config{MetricsToken: metricsToken}, web.Scraper, map[caller]int{
			anonymous: 401, customer: 403, admin: 200, scraper: 200, wrongToken: 401, basicAuth: 401, tokenCookie: 401}},
		{"WEBRANA_METRICS_PUBLIC", web.Config{MetricsPublic: true}, web.Public, map[caller]int{
			anonymous: 200, customer: 200, admin: 200}},
	}
	for _, tc := range configs {
		t.Run(tc.name, func(t *testing.T) {
			h := newHarness(t, storetest.OpenSQLite(t), auth.ThrottlePolicy{}, func(c *web.Config) {
				c.MetricsToken, c.MetricsPublic = tc.cfg.MetricsToken, tc.cfg.MetricsPublic
			})
			for _, rt := range h.srv.Routes() {
				if rt.Pattern == "GET /metrics" && rt.Access != tc.access {
					t.Errorf("the route table declares /metrics %s, want %s", rt.Access, tc.access)
				}
			}
			h.user("admin@example.com", webrana.RoleAdmin)
			h.user("customer@example.com", webrana.RoleCustomer)
			for who, want := range tc.want {
				c := h.client()
				switch who {
				case customer:
					c = h.login("customer@example.com")
				case admin:
					c = h.login("admin@example.com")
				case scraper:
					c = c.WithToken(metricsToken)
				case wrongToken:
					c = c.WithToken(metricsToken + "x")
				case basicAuth:
					c = c.WithHeader("Authorization", "Basic cHJvbWV0aGV1czpwYXNzd29yZA==")
				case tokenCookie:
					c.SetCookie("webrana_session", metricsToken)
				}
				res := c.Do("GET", "/metrics", nil)
				if res.Status != want {
					t.Errorf("%s: %d %s, want %d", who, res.Status, res.Body, want)
					continue
				}
				switch want {
				case 200:
					if !strings.Contains(string(res.Body), "promhttp_metric_handler_errors_total") {
						t.Errorf("%s: 200 without the metrics: %s", who, res.Body)
					}
				case 401, 403:
					code := map[int]string{401: "unauthorized", 403: "forbidden"}[want]
					if res.ErrorCode() != code || strings.Contains(string(res.Body), "promhttp_metric_handler_errors_total") {
						t.Errorf("%s: %d %s, want the JSON error %s", who, res.Status, res.Body, code)
					}
				}
			}
		})
	}
}

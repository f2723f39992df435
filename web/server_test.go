package web_test

import (
	"context"
	"encoding/json"
	"errors"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"

	"github.com/prometheus/client_golang/prometheus"

	"github.com/webrana/webrana"
	"github.com/webrana/webrana/auth"
	"github.com/webrana/webrana/catalog"
	"github.com/webrana/webrana/store/storetest"
	"github.com/webrana/webrana/web"
)

func newServer(t *testing.T, checks ...web.ReadyCheck) *web.Server {
	t.Helper()
	db := storetest.OpenSQLite(t)
	s := web.NewServer(web.Config{Registry: prometheus.NewRegistry(), Auth: auth.New(db, nil), Ready: checks, Version: "test",
		Catalog: catalog.New(db, nil, nil), MetricsToken: metricsToken})
	s.Handle("GET /boom", web.Public, http.HandlerFunc(func(http.ResponseWriter, *http.Request) { panic("secret detail") }))
	return s
}

// do sends a request to s, and the metrics token with requests for /metrics.
func do(t *testing.T, s *web.Server, method, path string) (*http.Response, string) {
	t.Helper()
	rec := httptest.NewRecorder()
	req := httptest.NewRequest(method, path, nil)
	if path == "/metrics" {
		req.Header.Set("Authorization", "Bearer "+metricsToken)
	}
	s.Handler().ServeHTTP(rec, req)
	res := rec.Result()
	body, _ := io.ReadAll(res.Body)
	return res, string(body)
}

func TestHealthz(t *testing.T) {
	res, body := do(t, newServer(t, web.ReadyCheck{Name: "db", Check: func(context.Context) error { return errors.New("down") }}), "GET", "/healthz")
	if res.StatusCode != 200 || !strings.Contains(body, `"status":"ok"`) {
		t.Fatalf("healthz = %d %s; want 200 even when not ready", res.StatusCode, body)
	}
}

func TestReadyz(t *testing.T) {
	ok := web.ReadyCheck{Name: "database", Check: func(context.Context) error { return nil }}
	tests := []struct {
		name       string
		checks     []web.ReadyCheck
		wantStatus int
		wantChecks map[string]string
	}{
		{"all ok", []web.ReadyCheck{ok}, 200, map[string]string{"database": "ok"}},
		{"internal failure hides detail", []web.ReadyCheck{ok, {Name: "jobs", Check: func(context.Context) error {
			return errors.New("dial tcp 10.1.2.3: password=hunter2")
		}}}, 503, map[string]string{"database": "ok", "jobs": "failing"}},
		{"user-facing failure", []web.ReadyCheck{{Name: "migrations", Check: func(context.Context) error {
			return webrana.Errorf(webrana.EUNAVAILABLE, "2 migrations pending")
		}}}, 503, map[string]string{"migrations": "2 migrations pending"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			res, body := do(t, newServer(t, tt.checks...), "GET", "/readyz")
			if res.StatusCode != tt.wantStatus {
				t.Fatalf("status %d, want %d (%s)", res.StatusCode, tt.wantStatus, body)
			}
			var got struct{ Checks map[string]string }
			if err := json.Unmarshal([]byte(body), &got); err != nil {
				t.Fatal(err)
			}
			for k, v := range tt.wantChecks {
				if got.Checks[k] != v {
					t.Errorf("check %s = %q, want %q", k, got.Checks[k], v)
				}
			}
			if strings.Contains(body, "hunter2") {
				t.Fatal("readyz leaked an internal error detail")
			}
		})
	}
}

func TestPanicBecomesJSON500(t *testing.T) {
	s := newServer(t)
	res, body := do(t, s, "GET", "/boom")
	if res.StatusCode != 500 || res.Header.Get("Content-Type") != "application/json; charset=utf-8" {
		t.Fatalf("panic answered %d %q", res.StatusCode, res.Header.Get("Content-Type"))
	}
	var e struct {
		Error struct{ Code, Message string }
	}
	if err := json.Unmarshal([]byte(body), &e); err != nil || e.Error.Code != "internal" {
		t.Fatalf("body %s: %v", body, err)
	}
	if strings.Contains(body, "secret detail") || strings.Contains(body, "goroutine") {
		t.Fatalf("panic detail leaked: %s", body)
	}
	if res, _ := do(t, s, "GET", "/healthz"); res.StatusCode != 200 {
		t.Fatal("server unusable after a panic")
	}
}

func TestNotFoundIsJSON(t *testing.T) {
	res, body := do(t, newServer(t), "GET", "/api/nothing-here")
	if res.StatusCode != 404 || !strings.Contains(body, `"code":"not_found"`) {
		t.Fatalf("got %d %s", res.StatusCode, body)
	}
}

func TestMetricsCountRequestsByRoute(t *testing.T) {
	s := newServer(t)
	for range 3 {
		do(t, s, "GET", "/healthz")
	}
	do(t, s, "GET", "/boom")
	do(t, s, "GET", "/no/such/12345")
	_, body := do(t, s, "GET", "/metrics")
	for _, want := range []string{
		`webrana_http_requests_total{method="GET",route="GET /healthz",status="200"} 3`,
		`webrana_http_requests_total{method="GET",route="GET /boom",status="500"} 1`,
		`webrana_http_requests_total{method="GET",route="/",status="404"} 1`,
		`webrana_http_request_duration_seconds_count{method="GET",route="GET /healthz"} 3`,
	} {
		if !strings.Contains(body, want) {
			t.Errorf("metrics lack %s", want)
		}
	}
	if strings.Contains(body, "12345") {
		t.Error("raw paths leak into metric labels")
	}
}

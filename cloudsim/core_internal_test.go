package cloudsim

import (
	"testing"
	"time"
)

func TestWindowSlides(t *testing.T) {
	t0 := time.Date(2031, 1, 1, 0, 0, 0, 0, time.UTC)
	w := newWindow(3, time.Minute)
	for i := range 3 {
		if !w.allow(t0.Add(time.Duration(i) * 10 * time.Second)) {
			t.Fatalf("event %d refused under the limit", i)
		}
	}
	now := t0.Add(30 * time.Second)
	if w.allow(now) || w.remaining(now) != 0 {
		t.Fatal("fourth event in the window allowed")
	}
	if got := w.retryAfter(now); got != 30*time.Second {
		t.Fatalf("retryAfter = %v, want 30s (the oldest leaves at 1m)", got)
	}
	if got := w.resetAt(now); !got.Equal(t0.Add(time.Minute)) {
		t.Fatalf("resetAt = %v", got)
	}
	later := t0.Add(time.Minute + time.Second) // the first event has left
	if w.remaining(later) != 1 || !w.allow(later) || w.allow(later) {
		t.Fatal("window did not slide by exactly one event")
	}
}

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

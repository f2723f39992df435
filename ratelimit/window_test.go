package ratelimit

import (
	"testing"
	"time"
)

func TestWindowSlides(t *testing.T) {
	t0 := time.Date(2031, 1, 1, 0, 0, 0, 0, time.UTC)
	w := New(3, time.Minute)
	for i := range 3 {
		if !w.Allow(t0.Add(time.Duration(i) * 10 * time.Second)) {
			t.Fatalf("event %d refused under the limit", i)
		}
	}
	now := t0.Add(30 * time.Second)
	if w.Allow(now) || w.Remaining(now) != 0 {
		t.Fatal("fourth event in the window allowed")
	}
	if got := w.Wait(now); got != 30*time.Second {
		t.Fatalf("Wait = %v, want 30s (the oldest leaves at 1m)", got)
	}
	if got := w.ResetAt(now); !got.Equal(t0.Add(time.Minute)) {
		t.Fatalf("ResetAt = %v", got)
	}
	later := t0.Add(time.Minute + time.Second) // the first event has left
	if w.Remaining(later) != 1 || !w.Allow(later) || w.Allow(later) {
		t.Fatal("window did not slide by exactly one event")
	}
}

func TestWindowWaitFor(t *testing.T) {
	t0 := time.Date(2031, 1, 1, 0, 0, 0, 0, time.UTC)
	w := New(10, time.Minute)
	w.Add(t0)
	w.Add(t0.Add(20 * time.Second))
	if w.Count(t0.Add(30*time.Second)) != 2 {
		t.Fatal("Count lost an event")
	}
	if d, ok := w.WaitFor(t0.Add(30*time.Second), 2); !ok || d != 50*time.Second {
		t.Fatalf("WaitFor 2 = %v %v, want 50s", d, ok)
	}
	if _, ok := w.WaitFor(t0.Add(30*time.Second), 3); ok {
		t.Fatal("WaitFor more events than counted claimed to know")
	}
	if d, ok := w.WaitFor(t0, 0); !ok || d != 0 {
		t.Fatal("WaitFor 0 must be immediate")
	}
}

package main

import (
	"runtime/debug"
	"testing"
)

// TestServerGCTarget: the server collects at its own target unless the
// environment says otherwise.
func TestServerGCTarget(t *testing.T) {
	was := debug.SetGCPercent(100)
	defer debug.SetGCPercent(was)
	tuneGC(func(string) string { return "" })
	if got := debug.SetGCPercent(100); got != serverGCPercent {
		t.Fatalf("without GOGC the server's target is %d, want %d", got, serverGCPercent)
	}
	tuneGC(func(k string) string {
		if k == "GOGC" {
			return "100"
		}
		return ""
	})
	if got := debug.SetGCPercent(100); got != 100 {
		t.Fatalf("with GOGC=100 the server's target is %d, want the environment's", got)
	}
}

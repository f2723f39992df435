package main

import "runtime/debug"

// serverGCPercent is the garbage collector's target for the server when
// the environment sets no GOGC. Webrana's live heap is small (4–6 MB
// serving 100,000 servers' lists), and at Go's default of 100 the collector
// runs after every few MB allocated: every ~20 requests of the operator's
// server list (180 KB each), and the 5 % of requests that meet a
// collection take twice as long (docs/BENCHMARKS.md, issue 18). At 400 the
// heap may grow to five times what is live, tens of MB, and collections
// come a fifth as often. GOGC and GOMEMLIMIT in the environment win.
const serverGCPercent = 400

// tuneGC sets the server's collector target unless GOGC is set.
func tuneGC(getenv func(string) string) {
	if getenv("GOGC") == "" {
		debug.SetGCPercent(serverGCPercent)
	}
}

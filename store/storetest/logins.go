package storetest

import (
	"testing"
	"time"

	"github.com/webrana/webrana/store"
)

var _ = register("LoginFailuresWindowAndReset", func(t *testing.T, db *store.DB) {
	ctx := t.Context()
	clock := useClock(db)
	start := clock.Now()
	fail := func(email, src string) { must(t, db.RecordLogin(ctx, email, src, false)); clock.Advance(time.Second) }
	fail("a@example.com", "10.0.0.1")
	firstCounted := clock.Now()
	fail("a@example.com", "10.0.0.1")
	fail("a@example.com", "10.0.0.2")
	fail("b@example.com", "10.0.0.1")

	check := func(by store.LoginKey, key string, since time.Time, wantN int, wantOldest time.Time) {
		t.Helper()
		n, oldest, err := db.LoginFailures(ctx, by, key, since)
		must(t, err)
		if n != wantN || !oldest.Equal(wantOldest) {
			t.Fatalf("LoginFailures(%s=%s, since %v) = %d, %v; want %d, %v", by, key, since, n, oldest, wantN, wantOldest)
		}
	}
	check(store.ByEmail, "a@example.com", start.Add(-time.Minute), 3, start)
	check(store.BySource, "10.0.0.1", start.Add(-time.Minute), 3, start)
	check(store.ByEmail, "a@example.com", start, 2, firstCounted) // the window excludes older ones
	check(store.ByEmail, "nobody@example.com", start.Add(-time.Minute), 0, time.Time{})

	// A success resets the count for its key only.
	must(t, db.RecordLogin(ctx, "a@example.com", "10.0.0.3", true))
	clock.Advance(time.Second)
	check(store.ByEmail, "a@example.com", start.Add(-time.Minute), 0, time.Time{})
	check(store.BySource, "10.0.0.1", start.Add(-time.Minute), 3, start)
	fail("a@example.com", "10.0.0.1")
	check(store.ByEmail, "a@example.com", start.Add(-time.Minute), 1, clock.Now().Add(-time.Second))

	n, err := db.PruneLogins(ctx, firstCounted)
	must(t, err)
	if n != 1 {
		t.Fatalf("PruneLogins removed %d, want the 1 older attempt", n)
	}
	if _, _, err := db.LoginFailures(ctx, store.LoginKey("password"), "x", start); err == nil {
		t.Fatal("LoginFailures accepted an unknown key column")
	}
})

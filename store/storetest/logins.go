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

var _ = register("TakeLoginAttemptCountsBeforeTheCheck", func(t *testing.T, db *store.DB) {
	ctx := t.Context()
	clock := useClock(db)
	since := clock.Now().Add(-time.Hour)
	first := clock.Now()
	take := func(email, src string) store.LoginTicket {
		t.Helper()
		tk, err := db.TakeLoginAttempt(ctx, email, src, since, 2, 3)
		must(t, err)
		clock.Advance(time.Second)
		return tk
	}
	a, b := take("a@example.com", "10.0.0.1"), take("a@example.com", "10.0.0.1")
	if a.ID == "" || b.ID == "" {
		t.Fatal("attempts under the limit were refused")
	}
	if n, _, err := db.LoginFailures(ctx, store.ByEmail, "a@example.com", since); err != nil || n != 2 {
		t.Fatalf("taken attempts counted %d (%v), want 2 failures", n, err)
	}
	if tk := take("a@example.com", "10.0.0.1"); tk.ID != "" || !tk.Oldest.Equal(first) {
		t.Fatalf("third attempt on the account = %+v, want refused since %v", tk, first)
	}
	if tk := take("b@example.com", "10.0.0.1"); tk.ID == "" {
		t.Fatal("another account's attempt was refused before its source's limit")
	}
	if tk := take("c@example.com", "10.0.0.1"); tk.ID != "" {
		t.Fatal("the source's fourth attempt was taken, over its limit of 3")
	}
	// A forgotten attempt no longer counts; a success resets the account's
	// count (recorded without its source).
	must(t, db.ForgetLoginAttempt(ctx, b.ID))
	c := take("a@example.com", "10.0.0.2")
	if c.ID == "" {
		t.Fatal("refused after an attempt was forgotten")
	}
	must(t, db.InTx(ctx, func(tx *store.Tx) error { return tx.SucceedLoginAttempt(ctx, c.ID) }))
	clock.Advance(time.Second)
	if n, _, err := db.LoginFailures(ctx, store.ByEmail, "a@example.com", since); err != nil || n != 0 {
		t.Fatalf("after a success the account counts %d (%v), want 0", n, err)
	}
	if n, _, err := db.LoginFailures(ctx, store.BySource, "10.0.0.1", since); err != nil || n != 2 {
		t.Fatalf("after a success the source counts %d (%v), want its 2 failures", n, err)
	}

	// Throttled actions alike.
	id, _, err := db.TakeAttempt(ctx, "reset.source", "10.0.0.1", since, 1)
	must(t, err)
	if id == "" {
		t.Fatal("first action attempt refused")
	}
	if again, oldest, err := db.TakeAttempt(ctx, "reset.source", "10.0.0.1", since, 1); err != nil || again != "" || oldest.IsZero() {
		t.Fatalf("second action attempt = %q, %v, %v; want refused with its oldest", again, oldest, err)
	}
	must(t, db.ForgetAttempt(ctx, id))
	if again, _, err := db.TakeAttempt(ctx, "reset.source", "10.0.0.1", since, 1); err != nil || again == "" {
		t.Fatalf("after forgetting: %q, %v", again, err)
	}
})

package storetest

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"sync"
	"testing"
	"time"

	"github.com/webrana/webrana"
	"github.com/webrana/webrana/store"
)

var _ = register("UserCreateAndFetch", func(t *testing.T, db *store.DB) {
	ctx := context.Background()
	u := &webrana.User{Email: "ann@example.com", Role: webrana.RoleCustomer, PasswordHash: "h"}
	if err := db.CreateUser(ctx, u); err != nil {
		t.Fatal(err)
	}
	got, err := db.UserByEmail(ctx, "ann@example.com")
	if err != nil {
		t.Fatal(err)
	}
	if got.ID != u.ID || got.Role != webrana.RoleCustomer || !got.CreatedAt.Equal(u.CreatedAt) || got.CreatedAt.Location().String() != "UTC" {
		t.Fatalf("got %+v, want %+v", got, u)
	}
	dup := &webrana.User{Email: "ann@example.com", Role: webrana.RoleAdmin, PasswordHash: "h"}
	if code := webrana.ErrorCode(db.CreateUser(ctx, dup)); code != webrana.ECONFLICT {
		t.Fatalf("duplicate e-mail: code %q, want conflict", code)
	}
	if _, err := db.UserByID(ctx, "nope"); webrana.ErrorCode(err) != webrana.ENOTFOUND {
		t.Fatalf("missing user: %v", err)
	}
})

var _ = register("UserRoundTrip", func(t *testing.T, db *store.DB) {
	ctx := t.Context()
	clk := useClock(db)
	u := &webrana.User{Email: "root@example.com", Role: webrana.RoleAdmin, PasswordHash: "argon2id$v=19$abc", Disabled: true}
	must(t, db.CreateUser(ctx, u))
	if u.ID == "" || !u.CreatedAt.Equal(clk.Now()) || !u.UpdatedAt.Equal(clk.Now()) {
		t.Fatalf("CreateUser set ID %q, CreatedAt %v, UpdatedAt %v; want an id and %v", u.ID, u.CreatedAt, u.UpdatedAt, clk.Now())
	}
	want := *u
	byID, err := db.UserByID(ctx, u.ID)
	must(t, err)
	mustEqual(t, "UserByID", byID, &want)
	byEmail, err := db.UserByEmail(ctx, u.Email)
	must(t, err)
	mustEqual(t, "UserByEmail", byEmail, &want)
	if _, err := db.UserByEmail(ctx, "nobody@example.com"); webrana.ErrorCode(err) != webrana.ENOTFOUND {
		t.Fatalf("missing e-mail: %v", err)
	}
})

var _ = register("UserInvalidRole", func(t *testing.T, db *store.DB) {
	for _, role := range []webrana.Role{"", "root", "Admin"} {
		u := &webrana.User{Email: unique("r") + "@example.com", Role: role, PasswordHash: "h"}
		wantCode(t, db.CreateUser(t.Context(), u), webrana.EINVALID, fmt.Sprintf("CreateUser role %q", role))
	}
	_, total, err := db.ListUsers(t.Context(), store.UserFilter{})
	must(t, err)
	if total != 0 {
		t.Fatalf("%d users written with invalid roles", total)
	}
})

var _ = register("UserUpdate", func(t *testing.T, db *store.DB) {
	ctx := t.Context()
	clk := useClock(db)
	u := mustUser(t, db)
	later := clk.Advance(time.Hour)

	got, err := db.UpdateUser(ctx, u.ID, store.UserUpdate{Disabled: ptr(true)})
	must(t, err)
	want := *u
	want.Disabled, want.UpdatedAt = true, later
	mustEqual(t, "after disabling", got, &want)

	got, err = db.UpdateUser(ctx, u.ID, store.UserUpdate{Role: ptr(webrana.RoleAdmin), PasswordHash: ptr("new-hash")})
	must(t, err)
	want.Role, want.PasswordHash = webrana.RoleAdmin, "new-hash"
	mustEqual(t, "after role and password change", got, &want)

	_, err = db.UpdateUser(ctx, u.ID, store.UserUpdate{Role: ptr(webrana.Role("superuser")), Disabled: ptr(false)})
	wantCode(t, err, webrana.EINVALID, "UpdateUser with a bad role")
	stored, err := db.UserByID(ctx, u.ID)
	must(t, err)
	mustEqual(t, "after the rejected update", stored, &want)

	_, err = db.UpdateUser(ctx, "missing", store.UserUpdate{Disabled: ptr(true)})
	wantCode(t, err, webrana.ENOTFOUND, "UpdateUser of a missing user")
	_, err = db.UpdateUser(ctx, "missing", store.UserUpdate{})
	wantCode(t, err, webrana.ENOTFOUND, "empty UpdateUser of a missing user")
})

var _ = register("UserCreateInTx", func(t *testing.T, db *store.DB) {
	ctx := t.Context()
	kept := &webrana.User{Email: "kept@example.com", Role: webrana.RoleCustomer, PasswordHash: "h"}
	must(t, db.InTx(ctx, func(tx *store.Tx) error { return tx.CreateUser(ctx, kept) }))
	if _, err := db.UserByID(ctx, kept.ID); err != nil {
		t.Fatalf("user created in a committed transaction: %v", err)
	}

	boom := errors.New("boom")
	dropped := &webrana.User{Email: "dropped@example.com", Role: webrana.RoleCustomer, PasswordHash: "h"}
	err := db.InTx(ctx, func(tx *store.Tx) error {
		if err := tx.CreateUser(ctx, dropped); err != nil {
			return err
		}
		return boom
	})
	if !errors.Is(err, boom) {
		t.Fatalf("InTx returned %v, want the function's error", err)
	}
	if _, err := db.UserByEmail(ctx, "dropped@example.com"); webrana.ErrorCode(err) != webrana.ENOTFOUND {
		t.Fatalf("user of a rolled-back transaction: %v", err)
	}

	err = db.InTx(ctx, func(tx *store.Tx) error {
		return tx.CreateUser(ctx, &webrana.User{Email: "kept@example.com", Role: webrana.RoleAdmin, PasswordHash: "h"})
	})
	wantCode(t, err, webrana.ECONFLICT, "tx.CreateUser with a taken e-mail")
	err = db.InTx(ctx, func(tx *store.Tx) error {
		return tx.CreateUser(ctx, &webrana.User{Email: "x@example.com", Role: "nobody", PasswordHash: "h"})
	})
	wantCode(t, err, webrana.EINVALID, "tx.CreateUser with a bad role")
})

var _ = register("UserListFilter", func(t *testing.T, db *store.DB) {
	ctx := t.Context()
	clk := useClock(db)
	var all []*webrana.User
	for i, role := range []webrana.Role{webrana.RoleAdmin, webrana.RoleCustomer, webrana.RoleCustomer, webrana.RoleAdmin, webrana.RoleCustomer} {
		clk.Set(epoch.Add(time.Duration(5-i) * time.Minute)) // created out of time order
		all = append(all, mustUserRole(t, db, role))
	}
	slices.SortFunc(all, func(a, b *webrana.User) int { return a.CreatedAt.Compare(b.CreatedAt) })
	id := func(u *webrana.User) string { return u.ID }
	for _, role := range []webrana.Role{"", webrana.RoleAdmin, webrana.RoleCustomer} {
		want := filterIDs(all, id, func(u *webrana.User) bool { return role == "" || u.Role == role })
		got, total, err := db.ListUsers(ctx, store.UserFilter{Role: role})
		must(t, err)
		if total != len(want) || !slices.Equal(ids(got, id), want) {
			t.Errorf("role %q: got %v (total %d), want %v", role, ids(got, id), total, want)
		}
	}
})

var _ = register("UserListPaging", func(t *testing.T, db *store.DB) {
	clk := useClock(db)
	mustUserRole(t, db, webrana.RoleAdmin) // filtered out
	checkPaging(t, clk, true,
		func(int) string { return mustUser(t, db).ID },
		func(p webrana.Page) ([]string, int, error) {
			users, total, err := db.ListUsers(t.Context(), store.UserFilter{Role: webrana.RoleCustomer, Page: p})
			return ids(users, func(u *webrana.User) string { return u.ID }), total, err
		})
})

// UserConcurrentCreate: creating users from many goroutines at once keeps
// e-mails unique — exactly one of several same-e-mail inserts wins.
var _ = register("UserConcurrentCreate", func(t *testing.T, db *store.DB) {
	ctx := t.Context()
	const distinct, same = 20, 5
	errs := make([]error, distinct+same)
	var wg sync.WaitGroup
	start := make(chan struct{})
	for i := range errs {
		email := fmt.Sprintf("distinct-%d@example.com", i)
		if i >= distinct {
			email = "same@example.com"
		}
		wg.Go(func() {
			<-start
			errs[i] = db.CreateUser(ctx, &webrana.User{Email: email, Role: webrana.RoleCustomer, PasswordHash: "h"})
		})
	}
	close(start)
	wg.Wait()
	for i, err := range errs[:distinct] {
		if err != nil {
			t.Errorf("distinct e-mail %d: %v", i, err)
		}
	}
	won := 0
	for _, err := range errs[distinct:] {
		switch webrana.ErrorCode(err) {
		case "":
			won++
		case webrana.ECONFLICT:
		default:
			t.Errorf("same e-mail: %v, want success or conflict", err)
		}
	}
	if won != 1 {
		t.Errorf("%d of %d inserts of the same e-mail succeeded, want 1", won, same)
	}
	_, total, err := db.ListUsers(ctx, store.UserFilter{})
	must(t, err)
	if total != distinct+1 {
		t.Errorf("%d users stored, want %d", total, distinct+1)
	}
})

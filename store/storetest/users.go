package storetest

import (
	"context"
	"testing"

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

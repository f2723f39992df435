package storetest

import (
	"errors"
	"testing"

	"github.com/webrana/webrana/store"
)

var _ = register("SettingsSetReplaceAndRollBack", func(t *testing.T, db *store.DB) {
	ctx := t.Context()
	get := func(key string) (string, bool) {
		t.Helper()
		v, ok, err := db.Setting(ctx, key)
		must(t, err)
		return v, ok
	}
	if v, ok := get("signup"); ok || v != "" {
		t.Fatalf("unset setting = %q, %v; want none", v, ok)
	}
	set := func(key, value string) {
		t.Helper()
		must(t, db.InTx(ctx, func(tx *store.Tx) error { return tx.SetSetting(ctx, key, value) }))
	}
	set("signup", "open")
	set("signup", "invite")
	set("admin_totp", "required")
	if v, ok := get("signup"); !ok || v != "invite" {
		t.Fatalf("signup = %q, %v; want the last value set", v, ok)
	}
	// A change whose transaction fails is not kept.
	err := db.InTx(ctx, func(tx *store.Tx) error {
		must(t, tx.SetSetting(ctx, "signup", "closed"))
		if v, _, err := tx.Setting(ctx, "signup"); err != nil || v != "closed" {
			t.Fatalf("in its transaction, signup = %q, %v; want closed", v, err)
		}
		return errRollback
	})
	if err != errRollback {
		t.Fatalf("InTx = %v; want the rollback error", err)
	}
	if v, _ := get("signup"); v != "invite" {
		t.Fatalf("after a rolled-back change, signup = %q; want invite", v)
	}
	if v, _ := get("admin_totp"); v != "required" {
		t.Fatalf("admin_totp = %q; want its own value", v)
	}
})

var errRollback = errors.New("roll back")

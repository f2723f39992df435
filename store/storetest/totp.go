package storetest

import (
	"sync"
	"testing"

	"github.com/webrana/webrana"
	"github.com/webrana/webrana/store"
)

var _ = register("TOTPPendingConfirmedAndOff", func(t *testing.T, db *store.DB) {
	ctx := t.Context()
	u := mustUser(t, db)
	inTx := func(fn func(tx *store.Tx) error) { t.Helper(); must(t, db.InTx(ctx, fn)) }
	if _, err := db.TOTPOf(ctx, u.ID); err == nil {
		t.Fatal("an enrolment before any")
	}
	var set bool
	inTx(func(tx *store.Tx) (err error) { set, err = tx.SetPendingTOTP(ctx, u.ID, "sealed-1"); return })
	inTx(func(tx *store.Tx) (err error) { set, err = tx.SetPendingTOTP(ctx, u.ID, "sealed-2"); return })
	row, err := db.TOTPOf(ctx, u.ID)
	must(t, err)
	if !set || row.Enabled() || row.SecretCiphertext != "sealed-2" {
		t.Fatalf("pending enrolment %+v, set %v; want the second secret, pending", row, set)
	}
	// A confirmation checked against the replaced secret turns nothing on.
	if err := db.InTx(ctx, func(tx *store.Tx) error { return tx.ConfirmTOTP(ctx, u.ID, "sealed-1", 100, nil) }); webrana.ErrorCode(err) != webrana.ENOTFOUND {
		t.Fatalf("confirming a replaced secret: %v, want not found", err)
	}
	if row, _ := db.TOTPOf(ctx, u.ID); row.Enabled() {
		t.Fatal("a replaced secret was turned on")
	}
	inTx(func(tx *store.Tx) error {
		return tx.ConfirmTOTP(ctx, u.ID, "sealed-2", 100, [][]byte{[]byte("h1"), []byte("h2")})
	})
	// Confirmed: a new pending secret does not replace it, nor a second confirmation.
	inTx(func(tx *store.Tx) (err error) { set, err = tx.SetPendingTOTP(ctx, u.ID, "sealed-3"); return })
	if err := db.InTx(ctx, func(tx *store.Tx) error { return tx.ConfirmTOTP(ctx, u.ID, "sealed-2", 101, nil) }); err == nil {
		t.Fatal("confirmed twice")
	}
	row, _ = db.TOTPOf(ctx, u.ID)
	if set || !row.Enabled() || row.SecretCiphertext != "sealed-2" || row.LastStep != 100 {
		t.Fatalf("confirmed enrolment %+v (set %v)", row, set)
	}
	if n, err := db.RecoveryCodesLeft(ctx, u.ID); err != nil || n != 2 {
		t.Fatalf("recovery codes left %d, %v", n, err)
	}
	// Steps: only later ones are taken. Recovery codes: once each.
	for _, c := range []struct {
		step int64
		ok   bool
	}{{100, false}, {99, false}, {101, true}, {101, false}, {103, true}, {102, false}} {
		var ok bool
		inTx(func(tx *store.Tx) (err error) { ok, err = tx.UseTOTPStep(ctx, u.ID, c.step); return })
		if ok != c.ok {
			t.Fatalf("step %d taken: %v, want %v", c.step, ok, c.ok)
		}
	}
	for _, c := range []struct {
		hash string
		ok   bool
	}{{"h1", true}, {"h1", false}, {"nope", false}, {"h2", true}} {
		var ok bool
		inTx(func(tx *store.Tx) (err error) { ok, err = tx.UseRecoveryCode(ctx, u.ID, []byte(c.hash)); return })
		if ok != c.ok {
			t.Fatalf("recovery code %s used: %v, want %v", c.hash, ok, c.ok)
		}
	}
	on, err := db.TOTPEnabledAmong(ctx, []string{u.ID, mustUser(t, db).ID})
	if err != nil || len(on) != 1 || !on[u.ID] {
		t.Fatalf("enabled among %v, %v", on, err)
	}
	var had bool
	inTx(func(tx *store.Tx) (err error) { had, err = tx.DeleteTOTP(ctx, u.ID); return })
	if !had {
		t.Fatal("nothing deleted")
	}
	inTx(func(tx *store.Tx) (err error) { had, err = tx.DeleteTOTP(ctx, u.ID); return })
	if _, err := db.TOTPOf(ctx, u.ID); err == nil || had {
		t.Fatal("an enrolment after deleting it")
	}
})

// A code's step is taken by one sign-in only, however many race for it.
var _ = register("TOTPStepTakenOnce", func(t *testing.T, db *store.DB) {
	ctx := t.Context()
	u := mustUser(t, db)
	must(t, db.InTx(ctx, func(tx *store.Tx) error {
		if _, err := tx.SetPendingTOTP(ctx, u.ID, "sealed"); err != nil {
			return err
		}
		return tx.ConfirmTOTP(ctx, u.ID, "sealed", 10, nil)
	}))
	var wg sync.WaitGroup
	var mu sync.Mutex
	won := 0
	for range 8 {
		wg.Go(func() {
			var ok bool
			err := db.InTx(ctx, func(tx *store.Tx) (err error) { ok, err = tx.UseTOTPStep(ctx, u.ID, 11); return })
			mu.Lock()
			defer mu.Unlock()
			if err == nil && ok {
				won++
			}
		})
	}
	wg.Wait()
	if won != 1 {
		t.Fatalf("%d sign-ins took one step, want 1", won)
	}
})

var _ = register("SignInAddressesFirstKnownNew", func(t *testing.T, db *store.DB) {
	ctx := t.Context()
	u, other := mustUser(t, db), mustUser(t, db)
	for i, c := range []struct {
		user, addr string
		want       store.SignInAddress
	}{
		{u.ID, "192.0.2.1", store.FirstSignIn},
		{u.ID, "192.0.2.1", store.KnownAddress},
		{u.ID, "192.0.2.2", store.NewAddress},
		{u.ID, "192.0.2.2", store.KnownAddress},
		{other.ID, "192.0.2.2", store.FirstSignIn},
		{u.ID, "2001:db8::1", store.NewAddress},
	} {
		var got store.SignInAddress
		must(t, db.InTx(ctx, func(tx *store.Tx) (err error) { got, err = tx.RememberSignInAddress(ctx, c.user, c.addr); return }))
		if got != c.want {
			t.Fatalf("sign-in %d from %s: %v, want %v", i, c.addr, got, c.want)
		}
	}
})

package storetest

import (
	"errors"
	"slices"
	"testing"
	"time"

	"github.com/webrana/webrana"
	"github.com/webrana/webrana/store"
)

func accountID(a *webrana.Account) string { return a.ID }

var _ = register("AccountRoundTrip", func(t *testing.T, db *store.DB) {
	ctx := t.Context()
	clk := useClock(db)
	mustProvider(t, db, webrana.DigitalOcean)
	synced, checked := epoch.Add(-time.Hour), epoch.Add(-time.Minute).In(time.FixedZone("east", 7*3600))
	full := &webrana.Account{ProviderType: webrana.DigitalOcean, Name: "Primary", Email: "ops@example.com",
		TokenCiphertext: "v1:nonce:ciphertext", TokenHint: "…c0de", IsPrimary: true, IsActive: true, Limit: 25,
		LimitFromProvider: true, Active: 20, Health: webrana.HealthDegraded, HealthReason: "slow",
		ProviderStatus: "warning", RequestBudget: 4999, LastSyncAt: &synced, LastHealthCheckAt: &checked}
	must(t, db.CreateAccount(ctx, full))
	if full.ID == "" || !full.CreatedAt.Equal(clk.Now()) || !full.UpdatedAt.Equal(clk.Now()) {
		t.Fatalf("CreateAccount set %+v", full)
	}
	got, err := db.AccountByID(ctx, full.ID)
	must(t, err)
	mustEqual(t, "full account", got, full)

	bare := &webrana.Account{ProviderType: webrana.DigitalOcean, Name: "Bare", TokenCiphertext: "ct"}
	must(t, db.CreateAccount(ctx, bare))
	if bare.Health != webrana.HealthUnknown {
		t.Fatalf("default health %q, want %q", bare.Health, webrana.HealthUnknown)
	}
	got, err = db.AccountByID(ctx, bare.ID)
	must(t, err)
	mustEqual(t, "bare account", got, bare)
	if got.LastSyncAt != nil || got.LastHealthCheckAt != nil {
		t.Fatalf("unset times read back as %v, %v", got.LastSyncAt, got.LastHealthCheckAt)
	}

	_, err = db.AccountByID(ctx, "missing")
	wantCode(t, err, webrana.ENOTFOUND, "AccountByID missing")
	err = db.CreateAccount(ctx, &webrana.Account{ProviderType: webrana.Linode, Name: "x", TokenCiphertext: "ct"})
	wantCode(t, err, webrana.EINVALID, "account of a provider not ensured")
})

var _ = register("AccountUniqueness", func(t *testing.T, db *store.DB) {
	ctx := t.Context()
	mustAccount(t, db, webrana.DigitalOcean, "Primary", func(a *webrana.Account) { a.IsPrimary = true })
	other := mustAccount(t, db, webrana.DigitalOcean, "Account 2")
	mustProvider(t, db, webrana.Linode)

	for _, tc := range []struct {
		name string
		a    webrana.Account
		code string
	}{
		{"same name", webrana.Account{ProviderType: webrana.DigitalOcean, Name: "Primary"}, webrana.ECONFLICT},
		{"second primary", webrana.Account{ProviderType: webrana.DigitalOcean, Name: "Account 3", IsPrimary: true}, webrana.ECONFLICT},
		{"same name, other provider", webrana.Account{ProviderType: webrana.Linode, Name: "Primary"}, ""},
		{"primary of other provider", webrana.Account{ProviderType: webrana.Linode, Name: "Linode 1", IsPrimary: true}, ""},
		{"not primary", webrana.Account{ProviderType: webrana.DigitalOcean, Name: "Account 3"}, ""},
	} {
		a := tc.a
		a.TokenCiphertext = "ct"
		wantCode(t, db.CreateAccount(ctx, &a), tc.code, tc.name)
	}

	_, err := db.UpdateAccount(ctx, other.ID, store.AccountUpdate{IsPrimary: ptr(true)})
	wantCode(t, err, webrana.ECONFLICT, "making a second primary")
	_, err = db.UpdateAccount(ctx, other.ID, store.AccountUpdate{Name: ptr("Primary")})
	wantCode(t, err, webrana.ECONFLICT, "renaming to a taken name")
	got, err := db.AccountByID(ctx, other.ID)
	must(t, err)
	mustEqual(t, "account after refused updates", got, other)

	all, err := db.ListAccounts(ctx, webrana.DigitalOcean)
	must(t, err)
	if len(all) != 3 {
		t.Fatalf("%d DigitalOcean accounts, want 3", len(all))
	}
})

var _ = register("AccountList", func(t *testing.T, db *store.DB) {
	ctx := t.Context()
	var all []*webrana.Account
	for _, s := range []struct {
		typ     webrana.ProviderType
		name    string
		primary bool
	}{
		{webrana.Linode, "b", false}, {webrana.DigitalOcean, "c", false}, {webrana.DigitalOcean, "z", true},
		{webrana.Linode, "a", false}, {webrana.DigitalOcean, "a", false}, {webrana.Linode, "m", true},
	} {
		all = append(all, mustAccount(t, db, s.typ, s.name, func(a *webrana.Account) { a.IsPrimary = s.primary }))
	}
	slices.SortFunc(all, func(a, b *webrana.Account) int {
		switch {
		case a.ProviderType != b.ProviderType:
			return slices.Index(webrana.ProviderTypes, a.ProviderType) - slices.Index(webrana.ProviderTypes, b.ProviderType)
		case a.IsPrimary != b.IsPrimary:
			if a.IsPrimary {
				return -1
			}
			return 1
		case a.Name < b.Name:
			return -1
		case a.Name > b.Name:
			return 1
		}
		return 0
	})
	for _, typ := range []webrana.ProviderType{"", webrana.DigitalOcean, webrana.Linode} {
		want := filterIDs(all, accountID, func(a *webrana.Account) bool { return typ == "" || a.ProviderType == typ })
		got, err := db.ListAccounts(ctx, typ)
		must(t, err)
		if !slices.Equal(ids(got, accountID), want) {
			t.Errorf("ListAccounts(%q): got %v, want %v", typ, ids(got, accountID), want)
		}
	}
})

var _ = register("AccountUpdate", func(t *testing.T, db *store.DB) {
	ctx := t.Context()
	clk := useClock(db)
	a := mustAccount(t, db, webrana.DigitalOcean, "Primary", func(a *webrana.Account) {
		a.Email, a.Active, a.ProviderStatus = "ops@example.com", 3, "active"
	})
	want := *a

	t1 := clk.Advance(time.Minute)
	got, err := db.UpdateAccount(ctx, a.ID, store.AccountUpdate{Limit: ptr(50), Health: ptr(webrana.HealthHealthy)})
	must(t, err)
	want.Limit, want.Health, want.UpdatedAt = 50, webrana.HealthHealthy, t1
	mustEqual(t, "after a partial update", got, &want)

	t2 := clk.Advance(time.Minute)
	synced := t2.Add(-time.Second)
	got, err = db.UpdateAccount(ctx, a.ID, store.AccountUpdate{
		Name: ptr("Main"), Email: ptr("root@example.com"), TokenCiphertext: ptr("ct2"), TokenHint: ptr("…beef"),
		IsPrimary: ptr(true), IsActive: ptr(false), LimitFromProvider: ptr(true),
		HealthReason: ptr("rate limited"), ProviderStatus: ptr("locked"), RequestBudget: ptr(12),
		LastSyncAt: &synced, LastHealthCheckAt: &t2,
	})
	must(t, err)
	want.Name, want.Email, want.TokenCiphertext, want.TokenHint = "Main", "root@example.com", "ct2", "…beef"
	want.IsPrimary, want.IsActive, want.LimitFromProvider = true, false, true
	want.HealthReason, want.ProviderStatus, want.RequestBudget = "rate limited", "locked", 12
	want.LastSyncAt, want.LastHealthCheckAt, want.UpdatedAt = &synced, &t2, t2
	mustEqual(t, "after a full update", got, &want)

	stored, err := db.AccountByID(ctx, a.ID)
	must(t, err)
	mustEqual(t, "stored account", stored, &want)

	_, err = db.UpdateAccount(ctx, "missing", store.AccountUpdate{Limit: ptr(1)})
	wantCode(t, err, webrana.ENOTFOUND, "UpdateAccount missing")
})

// AccountDelete: an account holding live servers cannot be deleted; once they
// are deleted it can, and their history forgets the account.
var _ = register("AccountDelete", func(t *testing.T, db *store.DB) {
	ctx := t.Context()
	acc := mustAccount(t, db, webrana.DigitalOcean, "Primary")
	keep := mustAccount(t, db, webrana.DigitalOcean, "Other")
	owner, plan := mustUser(t, db), mustPlan(t, db, webrana.DigitalOcean, "small")
	in := newInstance(owner, plan)
	in.AccountID, in.Status = acc.ID, webrana.StatusActive
	order, err := db.PlaceOrder(ctx, store.NewOrder{Instance: in}, nil)
	must(t, err)
	_, err = db.UpdateOrder(ctx, order.ID, store.OrderUpdate{AccountID: ptr(acc.ID)})
	must(t, err)
	attempt, err := db.StartAttempt(ctx, order.ID, acc.ID)
	must(t, err)
	elsewhere := newInstance(owner, plan)
	elsewhere.AccountID = keep.ID
	mustInstance(t, db, elsewhere)

	for _, status := range []webrana.InstanceStatus{webrana.StatusActive, webrana.StatusDeleting, webrana.StatusFailed} {
		_, err := db.UpdateInstance(ctx, in.ID, store.InstanceUpdate{Status: ptr(status)})
		must(t, err)
		wantCode(t, db.DeleteAccount(ctx, acc.ID), webrana.ECONFLICT, "deleting an account with a "+string(status)+" server")
		if _, err := db.AccountByID(ctx, acc.ID); err != nil {
			t.Fatalf("account after the refused delete: %v", err)
		}
	}

	_, err = db.UpdateInstance(ctx, in.ID, store.InstanceUpdate{Status: ptr(webrana.StatusDeleted)})
	must(t, err)
	must(t, db.DeleteAccount(ctx, acc.ID))
	_, err = db.AccountByID(ctx, acc.ID)
	wantCode(t, err, webrana.ENOTFOUND, "deleted account")
	wantCode(t, db.DeleteAccount(ctx, acc.ID), webrana.ENOTFOUND, "deleting twice")

	gotIn, err := db.InstanceByID(ctx, in.ID)
	must(t, err)
	if gotIn.AccountID != "" || gotIn.Status != webrana.StatusDeleted {
		t.Errorf("deleted server: account %q, status %q; want no account", gotIn.AccountID, gotIn.Status)
	}
	gotOrder, err := db.OrderByID(ctx, order.ID)
	must(t, err)
	if gotOrder.AccountID != "" {
		t.Errorf("order still names account %q", gotOrder.AccountID)
	}
	attempts, err := db.ListAttempts(ctx, order.ID)
	must(t, err)
	if len(attempts) != 1 || attempts[0].ID != attempt.ID || attempts[0].AccountID != "" {
		t.Errorf("attempts after the delete: %+v", attempts)
	}
	gotElsewhere, err := db.InstanceByID(ctx, elsewhere.ID)
	must(t, err)
	if gotElsewhere.AccountID != keep.ID {
		t.Errorf("server on another account lost its account: %q", gotElsewhere.AccountID)
	}
})

var _ = register("ResealAccountTokensIsAllOrNothing", func(t *testing.T, db *store.DB) {
	ctx := t.Context()
	a := mustAccount(t, db, webrana.DigitalOcean, "A")
	b := mustAccount(t, db, webrana.DigitalOcean, "B")
	for _, id := range []string{a.ID, b.ID} {
		ct := "old:" + id
		_, err := db.UpdateAccount(ctx, id, store.AccountUpdate{TokenCiphertext: &ct})
		must(t, err)
	}
	// A failure half-way leaves every token as it was.
	calls := 0
	_, err := db.ResealAccountTokens(ctx, func(ct string) (string, error) {
		calls++
		if calls == 2 {
			return "", errors.New("cannot open")
		}
		return "new:" + ct, nil
	})
	if err == nil {
		t.Fatal("a failed reseal reported success")
	}
	for _, id := range []string{a.ID, b.ID} {
		got, err := db.AccountByID(ctx, id)
		must(t, err)
		if got.TokenCiphertext != "old:"+id {
			t.Fatalf("after a failed rotation %s holds %q", id, got.TokenCiphertext)
		}
	}
	n, err := db.ResealAccountTokens(ctx, func(ct string) (string, error) {
		if ct == "old:"+a.ID {
			return ct, nil // already current
		}
		return "new:" + ct, nil
	})
	must(t, err)
	got, _ := db.AccountByID(ctx, b.ID)
	if n != 1 || got.TokenCiphertext != "new:old:"+b.ID {
		t.Fatalf("rotation changed %d, B holds %q", n, got.TokenCiphertext)
	}
})

var _ = register("MakePrimaryMovesTheFlag", func(t *testing.T, db *store.DB) {
	ctx := t.Context()
	a := mustAccount(t, db, webrana.DigitalOcean, "A", func(a *webrana.Account) { a.IsPrimary = true })
	b := mustAccount(t, db, webrana.DigitalOcean, "B")
	l := mustAccount(t, db, webrana.Linode, "L", func(a *webrana.Account) { a.IsPrimary = true })
	must(t, db.MakePrimary(ctx, b.ID))
	for id, want := range map[string]bool{a.ID: false, b.ID: true, l.ID: true} {
		got, err := db.AccountByID(ctx, id)
		must(t, err)
		if got.IsPrimary != want {
			t.Errorf("%s primary = %v, want %v", got.Name, got.IsPrimary, want)
		}
	}
	wantCode(t, db.MakePrimary(ctx, "nope"), webrana.ENOTFOUND, "unknown account")
})

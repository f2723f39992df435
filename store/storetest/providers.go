package storetest

import (
	"database/sql"
	"sync"
	"testing"
	"time"

	"github.com/webrana/webrana"
	"github.com/webrana/webrana/store"
)

var _ = register("ProviderEnsureIdempotent", func(t *testing.T, db *store.DB) {
	ctx := t.Context()
	clk := useClock(db)
	first, err := db.EnsureProvider(ctx, webrana.Linode, "Linode")
	must(t, err)
	want := &webrana.Provider{ID: first.ID, Type: webrana.Linode, Name: "Linode", Enabled: true,
		Status: webrana.ProviderInactive, CreatedAt: epoch, UpdatedAt: epoch}
	mustEqual(t, "new provider", first, want)

	clk.Advance(time.Hour)
	again, err := db.EnsureProvider(ctx, webrana.Linode, "Another name")
	must(t, err)
	mustEqual(t, "provider ensured again", again, want)
	all, err := db.ListProviders(ctx)
	must(t, err)
	mustEqual(t, "providers", all, []*webrana.Provider{want})
})

var _ = register("ProviderEnsureConcurrent", func(t *testing.T, db *store.DB) {
	ctx := t.Context()
	got := make([]*webrana.Provider, 10)
	errs := make([]error, len(got))
	var wg sync.WaitGroup
	for i := range got {
		wg.Go(func() { got[i], errs[i] = db.EnsureProvider(ctx, webrana.DigitalOcean, "DigitalOcean") })
	}
	wg.Wait()
	for i := range got {
		if errs[i] != nil {
			t.Fatalf("EnsureProvider %d: %v", i, errs[i])
		}
		if got[i].ID != got[0].ID {
			t.Fatalf("EnsureProvider returned ids %s and %s", got[0].ID, got[i].ID)
		}
	}
	all, err := db.ListProviders(ctx)
	must(t, err)
	if len(all) != 1 {
		t.Fatalf("%d providers stored, want 1", len(all))
	}
})

var _ = register("ProviderEnsureUnknownType", func(t *testing.T, db *store.DB) {
	for _, typ := range []webrana.ProviderType{"", "aws", "DigitalOcean"} {
		_, err := db.EnsureProvider(t.Context(), typ, "x")
		wantCode(t, err, webrana.EINVALID, "EnsureProvider "+string(typ))
	}
	all, err := db.ListProviders(t.Context())
	must(t, err)
	if len(all) != 0 {
		t.Fatalf("%d providers stored for unknown types", len(all))
	}
})

var _ = register("ProviderLookups", func(t *testing.T, db *store.DB) {
	ctx := t.Context()
	do := mustProvider(t, db, webrana.DigitalOcean)
	li := mustProvider(t, db, webrana.Linode)
	for _, p := range []*webrana.Provider{do, li} {
		byID, err := db.ProviderByID(ctx, p.ID)
		must(t, err)
		mustEqual(t, "ProviderByID", byID, p)
		byType, err := db.ProviderByType(ctx, p.Type)
		must(t, err)
		mustEqual(t, "ProviderByType", byType, p)
	}
	_, err := db.ProviderByID(ctx, "missing")
	wantCode(t, err, webrana.ENOTFOUND, "ProviderByID missing")
	_, err = db.ProviderByType(ctx, "aws")
	wantCode(t, err, webrana.ENOTFOUND, "ProviderByType unknown")
})

// ProviderListOrder: ListProviders follows webrana.ProviderTypes whatever
// order the providers were created in.
var _ = register("ProviderListOrder", func(t *testing.T, db *store.DB) {
	clk := useClock(db)
	for i := len(webrana.ProviderTypes) - 1; i >= 0; i-- {
		mustProvider(t, db, webrana.ProviderTypes[i])
		clk.Advance(time.Minute)
	}
	all, err := db.ListProviders(t.Context())
	must(t, err)
	got := make([]webrana.ProviderType, len(all))
	for i, p := range all {
		got[i] = p.Type
	}
	mustEqual(t, "provider order", got, webrana.ProviderTypes)
})

var _ = register("ProviderUpdate", func(t *testing.T, db *store.DB) {
	ctx := t.Context()
	clk := useClock(db)
	p := mustProvider(t, db, webrana.DigitalOcean)
	want := *p

	t1 := clk.Advance(time.Minute)
	ok := clk.Now().Add(-time.Second)
	got, err := db.UpdateProvider(ctx, p.ID, store.ProviderUpdate{Status: ptr(webrana.ProviderActive),
		LastSuccessAt: &sql.NullTime{Time: ok, Valid: true}})
	must(t, err)
	want.Status, want.LastSuccessAt, want.UpdatedAt = webrana.ProviderActive, &ok, t1
	mustEqual(t, "after success", got, &want)

	t2 := clk.Advance(time.Minute)
	got, err = db.UpdateProvider(ctx, p.ID, store.ProviderUpdate{Name: ptr("DO"), Enabled: ptr(false),
		Status: ptr(webrana.ProviderError), LastError: ptr("401 Unauthorized")})
	must(t, err)
	want.Name, want.Enabled, want.Status, want.LastError, want.UpdatedAt = "DO", false, webrana.ProviderError, "401 Unauthorized", t2
	mustEqual(t, "after error", got, &want)

	got, err = db.UpdateProvider(ctx, p.ID, store.ProviderUpdate{LastSuccessAt: &sql.NullTime{}})
	must(t, err)
	if got.LastSuccessAt != nil {
		t.Fatalf("LastSuccessAt %v after clearing it", got.LastSuccessAt)
	}

	_, err = db.UpdateProvider(ctx, "missing", store.ProviderUpdate{Enabled: ptr(true)})
	wantCode(t, err, webrana.ENOTFOUND, "UpdateProvider missing")
})

var _ = register("RecordProviderCallKeepsConfigVersion", func(t *testing.T, db *store.DB) {
	ctx := t.Context()
	clock := useClock(db)
	p, err := db.EnsureProvider(ctx, webrana.Linode, "Linode")
	must(t, err)
	clock.Advance(time.Minute)
	must(t, db.RecordProviderCall(ctx, webrana.Linode, ""))
	got, err := db.ProviderByType(ctx, webrana.Linode)
	must(t, err)
	if got.Status != webrana.ProviderActive || got.LastSuccessAt == nil || !got.LastSuccessAt.Equal(clock.Now()) || !got.UpdatedAt.Equal(p.UpdatedAt) {
		t.Fatalf("after a success %+v; want active, last success now, updated_at unchanged %v", got, p.UpdatedAt)
	}
	clock.Advance(time.Minute)
	must(t, db.RecordProviderCall(ctx, webrana.Linode, "Unauthorized: bad token"))
	got, err = db.ProviderByType(ctx, webrana.Linode)
	must(t, err)
	if got.Status != webrana.ProviderError || got.LastError != "Unauthorized: bad token" || !got.LastSuccessAt.Equal(clock.Now().Add(-time.Minute)) {
		t.Fatalf("after a failure %+v", got)
	}
	wantCode(t, db.RecordProviderCall(ctx, webrana.DigitalOcean, ""), webrana.ENOTFOUND, "unknown provider row")
})

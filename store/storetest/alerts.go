package storetest

import (
	"slices"
	"testing"
	"time"

	"github.com/webrana/webrana"
	"github.com/webrana/webrana/store"
)

func alertID(a *webrana.Alert) string { return a.ID }

// openAlert opens an alert and reports whether it was new.
func openAlert(t *testing.T, db *store.DB, kind, key string) (*webrana.Alert, bool) {
	t.Helper()
	a := &webrana.Alert{Kind: kind, Key: key, Severity: "warning", Message: "condition " + key}
	opened, err := db.OpenAlert(t.Context(), a)
	must(t, err)
	return a, opened
}

var _ = register("AlertOpenOnce", func(t *testing.T, db *store.DB) {
	ctx := t.Context()
	clk := useClock(db)
	key := webrana.AlertAccountFull + ":acc-1"
	first, opened := openAlert(t, db, webrana.AlertAccountFull, key)
	if !opened || first.ID == "" || !first.OpenedAt.Equal(epoch) || first.ResolvedAt != nil {
		t.Fatalf("first OpenAlert: opened %v, %+v", opened, first)
	}
	clk.Advance(time.Minute)
	if _, opened := openAlert(t, db, webrana.AlertAccountFull, key); opened {
		t.Fatal("second OpenAlert of an open key opened a new alert")
	}
	list, total, err := db.ListAlerts(ctx, store.AlertFilter{})
	must(t, err)
	if total != 1 {
		t.Fatalf("%d alerts, want 1", total)
	}
	mustEqual(t, "open alert", list, []*webrana.Alert{first})

	resolvedAt := clk.Advance(time.Minute)
	resolved, err := db.ResolveAlert(ctx, key)
	must(t, err)
	if !resolved {
		t.Fatal("ResolveAlert found no open alert")
	}
	resolved, err = db.ResolveAlert(ctx, key)
	must(t, err)
	if resolved {
		t.Fatal("ResolveAlert resolved an alert twice")
	}

	clk.Advance(time.Minute)
	again, opened := openAlert(t, db, webrana.AlertAccountFull, key)
	if !opened {
		t.Fatal("OpenAlert after ResolveAlert did not open")
	}
	list, total, err = db.ListAlerts(ctx, store.AlertFilter{})
	must(t, err)
	closed := *first
	closed.ResolvedAt = &resolvedAt
	if total != 2 {
		t.Fatalf("%d alerts, want 2", total)
	}
	mustEqual(t, "alerts", list, []*webrana.Alert{again, &closed})

	resolved, err = db.ResolveAlert(ctx, "never-opened")
	must(t, err)
	if resolved {
		t.Fatal("ResolveAlert of an unknown key reported a resolution")
	}
})

var _ = register("AlertFilters", func(t *testing.T, db *store.DB) {
	ctx := t.Context()
	clk := useClock(db)
	var all []*webrana.Alert
	for i, kind := range []string{webrana.AlertAccountFull, webrana.AlertPoolHighUsage, webrana.AlertAccountFull,
		webrana.AlertProvisioningFailed, webrana.AlertAccountFull, webrana.AlertPoolHighUsage} {
		clk.Set(epoch.Add(time.Duration(i%2) * time.Minute))
		a, _ := openAlert(t, db, kind, unique(kind+":"))
		all = append(all, a)
	}
	clk.Set(epoch.Add(time.Hour))
	for _, i := range []int{0, 1, 3} {
		_, err := db.ResolveAlert(ctx, all[i].Key)
		must(t, err)
		all[i].ResolvedAt = ptr(clk.Now())
	}
	sortNewestFirst(all, func(a *webrana.Alert) time.Time { return a.OpenedAt }, alertID)
	for _, f := range []store.AlertFilter{
		{}, {OpenOnly: true}, {Kind: webrana.AlertAccountFull}, {Kind: webrana.AlertPoolHighUsage, OpenOnly: true},
		{Kind: webrana.AlertProvisioningFailed, OpenOnly: true}, {Kind: "none"},
	} {
		want := filterIDs(all, alertID, func(a *webrana.Alert) bool {
			return (f.Kind == "" || a.Kind == f.Kind) && (!f.OpenOnly || a.ResolvedAt == nil)
		})
		got, total, err := db.ListAlerts(ctx, f)
		must(t, err)
		if total != len(want) || !slices.Equal(ids(got, alertID), want) {
			t.Errorf("ListAlerts(%+v): got %v (total %d), want %v", f, ids(got, alertID), total, want)
		}
	}
})

var _ = register("AlertPaging", func(t *testing.T, db *store.DB) {
	clk := useClock(db)
	openAlert(t, db, webrana.AlertPoolHighUsage, "noise")
	checkPaging(t, clk, false,
		func(int) string {
			a, _ := openAlert(t, db, webrana.AlertAccountFull, unique("account_full:"))
			return a.ID
		},
		func(p webrana.Page) ([]string, int, error) {
			got, total, err := db.ListAlerts(t.Context(), store.AlertFilter{Kind: webrana.AlertAccountFull, Page: p})
			return ids(got, alertID), total, err
		})
})

var _ = register("AlertChannelsRoundTrip", func(t *testing.T, db *store.DB) {
	ctx := t.Context()
	ch := &webrana.AlertChannel{Kind: "email", Name: "ops mail", Enabled: true, SecretCiphertext: "sealed",
		Config: webrana.AlertChannelConfig{SMTPAddr: "127.0.0.1:25", From: "w@example.com", To: []string{"a@example.com", "b@example.com"}}}
	must(t, db.CreateAlertChannel(ctx, ch))
	wantCode(t, db.CreateAlertChannel(ctx, &webrana.AlertChannel{Kind: "webhook", Name: "ops mail"}), webrana.ECONFLICT, "duplicate name")
	got, err := db.ListAlertChannels(ctx)
	must(t, err)
	if len(got) != 1 {
		t.Fatalf("%d channels", len(got))
	}
	mustEqual(t, "channel", got[0], ch)
	must(t, db.DeleteAlertChannel(ctx, ch.ID))
	wantCode(t, db.DeleteAlertChannel(ctx, ch.ID), webrana.ENOTFOUND, "deleting twice")
})

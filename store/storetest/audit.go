package storetest

import (
	"errors"
	"fmt"
	"slices"
	"testing"
	"time"

	"github.com/webrana/webrana"
	"github.com/webrana/webrana/store"
)

func auditID(e *webrana.AuditEntry) string { return e.ID }

var _ = register("AuditRoundTrip", func(t *testing.T, db *store.DB) {
	ctx := t.Context()
	clk := useClock(db)
	full := &webrana.AuditEntry{ActorID: "user-1", ActorEmail: "ann@example.com", Action: "instance.create",
		TargetType: "instance", TargetID: "inst-1", Detail: `{"plan":"small"}`, SourceAddr: "198.51.100.4"}
	must(t, db.AppendAudit(ctx, full))
	if full.ID == "" || !full.CreatedAt.Equal(clk.Now()) {
		t.Fatalf("AppendAudit set %+v", full)
	}
	clk.Advance(time.Second)
	anonymous := &webrana.AuditEntry{Action: "login.failed", ActorEmail: "who@example.com"}
	must(t, db.AppendAudit(ctx, anonymous))

	got, total, err := db.ListAudit(ctx, store.AuditFilter{})
	must(t, err)
	if total != 2 {
		t.Fatalf("total %d, want 2", total)
	}
	mustEqual(t, "audit entries", got, []*webrana.AuditEntry{anonymous, full})
})

var _ = register("AuditInTx", func(t *testing.T, db *store.DB) {
	ctx := t.Context()
	committed := &webrana.AuditEntry{Action: "committed"}
	must(t, db.InTx(ctx, func(tx *store.Tx) error { return tx.AppendAudit(ctx, committed) }))
	boom := errors.New("boom")
	err := db.InTx(ctx, func(tx *store.Tx) error {
		if err := tx.AppendAudit(ctx, &webrana.AuditEntry{Action: "rolled-back"}); err != nil {
			return err
		}
		return boom
	})
	if !errors.Is(err, boom) {
		t.Fatalf("InTx: %v, want boom", err)
	}
	got, total, err := db.ListAudit(ctx, store.AuditFilter{})
	must(t, err)
	if total != 1 || len(got) != 1 || got[0].ID != committed.ID {
		t.Fatalf("got %v (total %d), want only the committed entry", ids(got, auditID), total)
	}
})

var _ = register("AuditFilters", func(t *testing.T, db *store.DB) {
	ctx := t.Context()
	clk := useClock(db)
	type spec struct{ actor, action, targetType, targetID string }
	specs := []spec{
		{"ann", "login", "", ""},
		{"ann", "instance.create", "instance", "i1"},
		{"bob", "instance.create", "instance", "i2"},
		{"bob", "instance.delete", "instance", "i1"},
		{"", "login.failed", "", ""},
		{"ann", "plan.update", "plan", "i1"},
		{"bob", "login", "", ""},
	}
	var all []*webrana.AuditEntry
	for i, s := range specs {
		clk.Set(epoch.Add(time.Duration(i%3) * time.Hour)) // ties at each hour
		e := &webrana.AuditEntry{ActorID: s.actor, Action: s.action, TargetType: s.targetType, TargetID: s.targetID}
		must(t, db.AppendAudit(ctx, e))
		all = append(all, e)
	}
	sortNewestFirst(all, func(e *webrana.AuditEntry) time.Time { return e.CreatedAt }, auditID)
	east := time.FixedZone("east", 5*3600)
	for _, tc := range []struct {
		name string
		f    store.AuditFilter
		keep func(*webrana.AuditEntry) bool
	}{
		{"all", store.AuditFilter{}, func(*webrana.AuditEntry) bool { return true }},
		{"actor", store.AuditFilter{ActorID: "ann"}, func(e *webrana.AuditEntry) bool { return e.ActorID == "ann" }},
		{"action", store.AuditFilter{Action: "instance.create"}, func(e *webrana.AuditEntry) bool { return e.Action == "instance.create" }},
		{"target", store.AuditFilter{TargetType: "instance", TargetID: "i1"}, func(e *webrana.AuditEntry) bool {
			return e.TargetType == "instance" && e.TargetID == "i1"
		}},
		{"target id alone", store.AuditFilter{TargetID: "i1"}, func(e *webrana.AuditEntry) bool { return e.TargetID == "i1" }},
		{"actor and action", store.AuditFilter{ActorID: "bob", Action: "login"}, func(e *webrana.AuditEntry) bool {
			return e.ActorID == "bob" && e.Action == "login"
		}},
		{"since (inclusive)", store.AuditFilter{Since: epoch.Add(time.Hour)}, func(e *webrana.AuditEntry) bool {
			return !e.CreatedAt.Before(epoch.Add(time.Hour))
		}},
		{"until (exclusive)", store.AuditFilter{Until: epoch.Add(time.Hour)}, func(e *webrana.AuditEntry) bool {
			return e.CreatedAt.Before(epoch.Add(time.Hour))
		}},
		{"window in another zone", store.AuditFilter{Since: epoch.Add(time.Hour).In(east), Until: epoch.Add(2 * time.Hour).In(east)},
			func(e *webrana.AuditEntry) bool { return e.CreatedAt.Equal(epoch.Add(time.Hour)) }},
		{"actor in window", store.AuditFilter{ActorID: "ann", Since: epoch, Until: epoch.Add(time.Hour)}, func(e *webrana.AuditEntry) bool {
			return e.ActorID == "ann" && e.CreatedAt.Equal(epoch)
		}},
		{"nothing matches", store.AuditFilter{Action: "nope"}, func(*webrana.AuditEntry) bool { return false }},
	} {
		want := filterIDs(all, auditID, tc.keep)
		got, total, err := db.ListAudit(ctx, tc.f)
		must(t, err)
		if total != len(want) || !slices.Equal(ids(got, auditID), want) {
			t.Errorf("%s: got %v (total %d), want %v", tc.name, ids(got, auditID), total, want)
		}
	}
})

var _ = register("AuditPaging", func(t *testing.T, db *store.DB) {
	clk := useClock(db)
	must(t, db.AppendAudit(t.Context(), &webrana.AuditEntry{Action: "noise"}))
	checkPaging(t, clk, false,
		func(i int) string {
			e := &webrana.AuditEntry{Action: "page", Detail: fmt.Sprint(i)}
			must(t, db.AppendAudit(t.Context(), e))
			return e.ID
		},
		func(p webrana.Page) ([]string, int, error) {
			got, total, err := db.ListAudit(t.Context(), store.AuditFilter{Action: "page", Page: p})
			return ids(got, auditID), total, err
		})
})

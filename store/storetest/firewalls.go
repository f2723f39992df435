package storetest

import (
	"testing"
	"time"

	"github.com/webrana/webrana"
	"github.com/webrana/webrana/store"
)

var _ = register("FirewallRulesAppliedAndRemoved", func(t *testing.T, db *store.DB) {
	ctx := t.Context()
	clk := useClock(db)
	owner := mustUser(t, db)
	plan := mustPlan(t, db, webrana.DigitalOcean, "Small")
	in := mustInstance(t, db, newInstance(owner, plan))
	_, err := db.FirewallOf(ctx, in.ID)
	wantCode(t, err, webrana.ENOTFOUND, "a server without a firewall")

	rules := []webrana.FirewallRule{{Protocol: "tcp", Ports: "22", Sources: []string{"0.0.0.0/0", "::/0"}},
		{Protocol: "icmp", Ports: "", Sources: []string{"203.0.113.0/24"}}}
	must(t, db.InTx(ctx, func(tx *store.Tx) error { return tx.SetFirewallRules(ctx, in.ID, rules) }))
	set := clk.Now()
	fw, err := db.FirewallOf(ctx, in.ID)
	must(t, err)
	mustEqual(t, "rules set", fw, &webrana.Firewall{InstanceID: in.ID, Inbound: rules, State: webrana.FirewallPending, UpdatedAt: &set})

	applied := clk.Advance(time.Minute)
	must(t, db.InTx(ctx, func(tx *store.Tx) error { return tx.FirewallApplied(ctx, in.ID, "fw-1", rules) }))
	fw, err = db.FirewallOf(ctx, in.ID)
	must(t, err)
	mustEqual(t, "rules applied", fw, &webrana.Firewall{InstanceID: in.ID, Inbound: rules, State: webrana.FirewallApplied,
		UpdatedAt: &set, AppliedAt: &applied, ProviderFirewallID: "fw-1"})

	// New rules are pending until applied; no rules at all is a firewall
	// that drops everything, not none.
	changed := clk.Advance(time.Minute)
	must(t, db.InTx(ctx, func(tx *store.Tx) error { return tx.SetFirewallRules(ctx, in.ID, nil) }))
	fw, err = db.FirewallOf(ctx, in.ID)
	must(t, err)
	mustEqual(t, "rules replaced", fw, &webrana.Firewall{InstanceID: in.ID, Inbound: []webrana.FirewallRule{},
		State: webrana.FirewallPending, UpdatedAt: &changed, AppliedAt: &applied, ProviderFirewallID: "fw-1"})
	must(t, db.InTx(ctx, func(tx *store.Tx) error { return tx.FirewallApplied(ctx, in.ID, "fw-1", nil) }))
	if fw, _ = db.FirewallOf(ctx, in.ID); fw.State != webrana.FirewallApplied {
		t.Fatalf("no rules applied: state %s", fw.State)
	}

	must(t, db.FirewallRemoved(ctx, in.ID))
	fw, err = db.FirewallOf(ctx, in.ID)
	must(t, err)
	if fw.State != webrana.FirewallPending || fw.ProviderFirewallID != "" || fw.AppliedAt != nil {
		t.Fatalf("after removal: %+v", fw)
	}
	err = db.InTx(ctx, func(tx *store.Tx) error { return tx.SetFirewallRules(ctx, "missing", rules) })
	wantCode(t, err, webrana.EINVALID, "rules of an unknown server")
	err = db.InTx(ctx, func(tx *store.Tx) error { return tx.FirewallApplied(ctx, "missing", "x", rules) })
	wantCode(t, err, webrana.ENOTFOUND, "applied to an unknown server")
})

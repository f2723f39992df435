package storetest

import (
	"fmt"
	"slices"
	"testing"
	"time"

	"github.com/webrana/webrana"
	"github.com/webrana/webrana/store"
)

func instanceID(in *webrana.Instance) string { return in.ID }

var _ = register("InstanceRoundTrip", func(t *testing.T, db *store.DB) {
	ctx := t.Context()
	clk := useClock(db)
	owner := mustUser(t, db)
	acc := mustAccount(t, db, webrana.Linode, "L1")
	plan := mustPlan(t, db, webrana.Linode, "Nanode")
	active, deleted := epoch.Add(-time.Hour), epoch.Add(-time.Minute).In(time.FixedZone("west", -8*3600))
	full := &webrana.Instance{OwnerID: owner.ID, ProviderType: webrana.Linode, AccountID: acc.ID, PlanID: plan.ID,
		Label: "db-1", Region: "id-cgk", Image: "linode/ubuntu24.04",
		Options: webrana.InstanceOptions{IPv6: true, Monitoring: true, Backups: true, VPCUUID: "vpc-1",
			SSHKeyIDs: []string{"k1", "k2"}, App: "wordpress", StackScriptID: 401709,
			StackScriptData: map[string]string{"soa_email_address": "a@example.com", "site_title": "Hi"}},
		ProviderID: "12345", Status: webrana.StatusDeleted, IPv4: "203.0.113.9", IPv6: "2001:db8::9",
		Error: "was failing", ActiveAt: &active, DeletedAt: &deleted}
	must(t, createInstance(ctx, db, full))
	if full.ID == "" || !full.CreatedAt.Equal(clk.Now()) || !full.UpdatedAt.Equal(clk.Now()) {
		t.Fatalf("CreateInstance set %+v", full)
	}
	got, err := db.InstanceByID(ctx, full.ID)
	must(t, err)
	mustEqual(t, "full instance", got, full)

	clk.Advance(time.Second)
	bare := mustInstance(t, db, newInstance(owner, plan))
	got, err = db.InstanceByID(ctx, bare.ID)
	must(t, err)
	mustEqual(t, "bare instance", got, bare)
	if got.AccountID != "" || got.ActiveAt != nil || got.DeletedAt != nil || got.Options.StackScriptData != nil {
		t.Fatalf("unset fields read back as %+v", got)
	}

	list, total, err := db.ListInstances(ctx, webrana.InstanceFilter{})
	must(t, err)
	if total != 2 {
		t.Fatalf("total %d, want 2", total)
	}
	mustEqual(t, "listed instances", list, []*webrana.Instance{bare, full})

	_, err = db.InstanceByID(ctx, "missing")
	wantCode(t, err, webrana.ENOTFOUND, "InstanceByID missing")
})

var _ = register("InstanceInvalid", func(t *testing.T, db *store.DB) {
	ctx := t.Context()
	owner := mustUser(t, db)
	plan := mustPlan(t, db, webrana.DigitalOcean, "Small")
	mustProvider(t, db, webrana.Linode)
	for _, tc := range []struct {
		name string
		edit func(*webrana.Instance)
		code string
	}{
		{"empty status", func(in *webrana.Instance) { in.Status = "" }, webrana.EINVALID},
		{"unknown status", func(in *webrana.Instance) { in.Status = "running" }, webrana.EINVALID},
		{"unknown owner", func(in *webrana.Instance) { in.OwnerID = "ghost" }, webrana.EINVALID},
		{"unknown plan", func(in *webrana.Instance) { in.PlanID = "ghost" }, webrana.EINVALID},
		{"unknown account", func(in *webrana.Instance) { in.AccountID = "ghost" }, webrana.EINVALID},
		{"unknown provider", func(in *webrana.Instance) { in.ProviderType = "aws" }, webrana.EINVALID},
	} {
		in := newInstance(owner, plan)
		tc.edit(in)
		wantCode(t, createInstance(ctx, db, in), tc.code, tc.name)
	}
	if n := countInstances(t, db); n != 0 {
		t.Fatalf("%d invalid instances written", n)
	}
})

var _ = register("InstanceUpdate", func(t *testing.T, db *store.DB) {
	ctx := t.Context()
	clk := useClock(db)
	owner := mustUser(t, db)
	acc := mustAccount(t, db, webrana.DigitalOcean, "A")
	small, big := mustPlan(t, db, webrana.DigitalOcean, "Small"), mustPlan(t, db, webrana.DigitalOcean, "Big")
	in := newInstance(owner, small)
	in.Options = webrana.InstanceOptions{IPv6: true, SSHKeyIDs: []string{"k"}}
	mustInstance(t, db, in)
	want := *in

	t1 := clk.Advance(time.Minute)
	got, err := db.UpdateInstance(ctx, in.ID, store.InstanceUpdate{AccountID: &acc.ID, Status: ptr(webrana.StatusProvisioning)})
	must(t, err)
	want.AccountID, want.Status, want.UpdatedAt = acc.ID, webrana.StatusProvisioning, t1
	mustEqual(t, "after choosing an account", got, &want)

	t2 := clk.Advance(time.Minute)
	got, err = db.UpdateInstance(ctx, in.ID, store.InstanceUpdate{ProviderID: ptr("987"), Status: ptr(webrana.StatusActive),
		Label: ptr("renamed"), PlanID: &big.ID, Image: ptr("debian-12-x64"), IPv4: ptr("192.0.2.1"), IPv6: ptr("2001:db8::1"),
		Error: ptr("transient"), ActiveAt: &t2, DeletedAt: &t2})
	must(t, err)
	want.ProviderID, want.Status, want.Label, want.PlanID, want.Image = "987", webrana.StatusActive, "renamed", big.ID, "debian-12-x64"
	want.IPv4, want.IPv6, want.Error, want.ActiveAt, want.DeletedAt, want.UpdatedAt = "192.0.2.1", "2001:db8::1", "transient", &t2, &t2, t2
	mustEqual(t, "after a full update", got, &want)

	got, err = db.UpdateInstance(ctx, in.ID, store.InstanceUpdate{AccountID: ptr("")})
	must(t, err)
	want.AccountID = ""
	mustEqual(t, "after clearing the account", got, &want)

	for name, upd := range map[string]store.InstanceUpdate{
		"unknown status":  {Status: ptr(webrana.InstanceStatus("exploded")), Label: ptr("x")},
		"unknown account": {AccountID: ptr("ghost"), Label: ptr("x")},
		"unknown plan":    {PlanID: ptr("ghost"), Label: ptr("x")},
	} {
		_, err := db.UpdateInstance(ctx, in.ID, upd)
		wantCode(t, err, webrana.EINVALID, name)
	}
	stored, err := db.InstanceByID(ctx, in.ID)
	must(t, err)
	mustEqual(t, "after the refused updates", stored, &want)

	_, err = db.UpdateInstance(ctx, "missing", store.InstanceUpdate{Label: ptr("x")})
	wantCode(t, err, webrana.ENOTFOUND, "UpdateInstance missing")
})

var _ = register("InstanceListFilters", func(t *testing.T, db *store.DB) {
	ctx := t.Context()
	clk := useClock(db)
	ann, bob := mustUser(t, db), mustUser(t, db)
	doAcc, liAcc := mustAccount(t, db, webrana.DigitalOcean, "D"), mustAccount(t, db, webrana.Linode, "L")
	doPlan, liPlan := mustPlan(t, db, webrana.DigitalOcean, "D"), mustPlan(t, db, webrana.Linode, "L")
	statuses := []webrana.InstanceStatus{webrana.StatusActive, webrana.StatusPending, webrana.StatusActive, webrana.StatusFailed}
	var all []*webrana.Instance
	for i := range 12 {
		clk.Set(epoch.Add(time.Duration(i*5%4) * time.Minute))
		owner := []*webrana.User{ann, bob, ann}[i%3]
		plan, acc := doPlan, doAcc
		if i%2 == 1 {
			plan, acc = liPlan, liAcc
		}
		in := newInstance(owner, plan)
		in.Status = statuses[i%len(statuses)]
		if i%5 != 0 {
			in.AccountID = acc.ID
		}
		all = append(all, mustInstance(t, db, in))
	}
	sortNewestFirst(all, func(in *webrana.Instance) time.Time { return in.CreatedAt }, instanceID)
	for _, f := range []webrana.InstanceFilter{
		{},
		{OwnerID: ann.ID},
		{OwnerID: bob.ID},
		{OwnerID: "nobody"},
		{ProviderType: webrana.Linode},
		{Status: webrana.StatusActive},
		{Status: webrana.StatusFailed},
		{AccountID: doAcc.ID},
		{OwnerID: ann.ID, ProviderType: webrana.DigitalOcean},
		{OwnerID: bob.ID, Status: webrana.StatusActive, AccountID: liAcc.ID},
	} {
		want := filterIDs(all, instanceID, func(in *webrana.Instance) bool {
			return (f.OwnerID == "" || in.OwnerID == f.OwnerID) && (f.ProviderType == "" || in.ProviderType == f.ProviderType) &&
				(f.Status == "" || in.Status == f.Status) && (f.AccountID == "" || in.AccountID == f.AccountID)
		})
		got, total, err := db.ListInstances(ctx, f)
		must(t, err)
		if total != len(want) || !slices.Equal(ids(got, instanceID), want) {
			t.Errorf("ListInstances(%+v): got %v (total %d), want %v", f, ids(got, instanceID), total, want)
		}
	}
})

var _ = register("InstanceListPaging", func(t *testing.T, db *store.DB) {
	clk := useClock(db)
	owner, other := mustUser(t, db), mustUser(t, db)
	plan := mustPlan(t, db, webrana.DigitalOcean, "Small")
	mustInstance(t, db, newInstance(other, plan))
	checkPaging(t, clk, false,
		func(i int) string {
			in := newInstance(owner, plan)
			in.Label = fmt.Sprintf("web-%d", i)
			return mustInstance(t, db, in).ID
		},
		func(p webrana.Page) ([]string, int, error) {
			got, total, err := db.ListInstances(t.Context(), webrana.InstanceFilter{OwnerID: owner.ID, Page: p})
			return ids(got, instanceID), total, err
		})
})

// ListInstancesKeyset: walking a list by cursor gives exactly the pages
// offsets give, in order, with the same total.
var _ = register("ListInstancesKeyset", func(t *testing.T, db *store.DB) {
	ctx := t.Context()
	clk := useClock(db)
	owner := mustUser(t, db)
	plan := mustPlan(t, db, webrana.DigitalOcean, "S")
	for i := range 23 {
		if i%3 == 0 {
			clk.Advance(time.Second) // some share a creation time: the id breaks the tie
		}
		_, err := db.PlaceOrder(ctx, store.NewOrder{Instance: newInstance(owner, plan)}, nil)
		must(t, err)
	}
	f := webrana.InstanceFilter{OwnerID: owner.ID, Page: webrana.Page{PerPage: 5}}
	var byOffset, byCursor []string
	for page := 1; ; page++ {
		f.Page.Page = page
		items, total, err := db.ListInstances(ctx, f)
		must(t, err)
		if total != 23 {
			t.Fatalf("total %d", total)
		}
		if len(items) == 0 {
			break
		}
		byOffset = append(byOffset, ids(items, func(in *webrana.Instance) string { return in.ID })...)
	}
	f.Page.Page = 1
	for {
		items, total, err := db.ListInstances(ctx, f)
		must(t, err)
		if total != 23 {
			t.Fatalf("total %d with a cursor, want the whole list's 23", total)
		}
		if len(items) == 0 {
			break
		}
		byCursor = append(byCursor, ids(items, func(in *webrana.Instance) string { return in.ID })...)
		last := items[len(items)-1]
		f.After = &webrana.Cursor{CreatedAt: last.CreatedAt, ID: last.ID}
	}
	mustEqual(t, "keyset walk", byCursor, byOffset)
	if len(byOffset) != 23 {
		t.Fatalf("%d instances walked, want 23", len(byOffset))
	}
})

// InstanceListSearch: a search matches labels containing it, whatever the
// case; LIKE's wildcards in it match only themselves.
var _ = register("InstanceListSearch", func(t *testing.T, db *store.DB) {
	ctx := t.Context()
	ann, bob := mustUser(t, db), mustUser(t, db)
	plan := mustPlan(t, db, webrana.DigitalOcean, "S")
	labels := map[string]*webrana.User{"Web-Prod": ann, "web-1": ann, "db-1": ann, "a_b": ann, "axb": ann,
		"50%off": ann, "500ff": ann, `back\slash`: ann, "WEB-bob": bob}
	byLabel := map[string]string{}
	for label, owner := range labels {
		in := newInstance(owner, plan)
		in.Label = label
		byLabel[label] = mustInstance(t, db, in).ID
	}
	for _, tc := range []struct {
		f    webrana.InstanceFilter
		want []string
	}{
		{webrana.InstanceFilter{Search: "web"}, []string{"Web-Prod", "web-1", "WEB-bob"}},
		{webrana.InstanceFilter{Search: "WEB", OwnerID: ann.ID}, []string{"Web-Prod", "web-1"}},
		{webrana.InstanceFilter{Search: "prod"}, []string{"Web-Prod"}},
		{webrana.InstanceFilter{Search: "_"}, []string{"a_b"}},
		{webrana.InstanceFilter{Search: "%"}, []string{"50%off"}},
		{webrana.InstanceFilter{Search: `\`}, []string{`back\slash`}},
		{webrana.InstanceFilter{Search: "0%o"}, []string{"50%off"}},
		{webrana.InstanceFilter{Search: "nothing"}, nil},
		{webrana.InstanceFilter{Search: "-1", Status: webrana.StatusActive}, nil},
		{webrana.InstanceFilter{Search: "-1", Status: webrana.StatusPending}, []string{"web-1", "db-1"}},
	} {
		got, total, err := db.ListInstances(ctx, tc.f)
		must(t, err)
		var want []string
		for _, l := range tc.want {
			want = append(want, byLabel[l])
		}
		gotIDs := ids(got, instanceID)
		slices.Sort(gotIDs)
		slices.Sort(want)
		if total != len(want) || !slices.Equal(gotIDs, want) {
			t.Errorf("ListInstances(search %q, %+v): got %v (total %d), want %v", tc.f.Search, tc.f, gotIDs, total, tc.want)
		}
	}
})

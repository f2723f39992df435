package store_test

import (
	"context"
	"fmt"
	"testing"

	"github.com/webrana/webrana"
	"github.com/webrana/webrana/store"
	"github.com/webrana/webrana/store/storetest"
)

// engines opens one fresh database per engine for a benchmark.
var benchEngines = []struct {
	name string
	open func(testing.TB) *store.DB
}{
	{"sqlite", storetest.OpenSQLite},
	{"postgres", storetest.OpenPostgres},
}

// benchFixture creates the rows an instance needs and returns an instance
// template (owner, plan) for inserts.
func benchFixture(b *testing.B, db *store.DB, owners int) ([]*webrana.User, *webrana.Plan) {
	b.Helper()
	ctx := context.Background()
	if _, err := db.EnsureProvider(ctx, webrana.DigitalOcean, "DigitalOcean"); err != nil {
		b.Fatal(err)
	}
	plan := &webrana.Plan{ProviderType: webrana.DigitalOcean, SizeSlug: "s-1vcpu-1gb", Name: "Basic 1 GB", VCPUs: 1,
		MemoryMB: 1024, DiskGB: 25, PriceMonthly: 600, PriceHourly: 1, Currency: "USD", Regions: []string{"sgp1"}, IsActive: true}
	if err := db.CreatePlan(ctx, plan); err != nil {
		b.Fatal(err)
	}
	users := make([]*webrana.User, owners)
	for i := range users {
		users[i] = &webrana.User{Email: fmt.Sprintf("owner%d@example.com", i), Role: webrana.RoleCustomer, PasswordHash: "x"}
		if err := db.CreateUser(ctx, users[i]); err != nil {
			b.Fatal(err)
		}
	}
	return users, plan
}

func newInstance(owner *webrana.User, plan *webrana.Plan, i int) *webrana.Instance {
	return &webrana.Instance{OwnerID: owner.ID, ProviderType: plan.ProviderType, PlanID: plan.ID,
		Label: fmt.Sprintf("web-%d", i), Region: "sgp1", Image: "ubuntu-24-04-x64", Status: webrana.StatusActive,
		Options: webrana.InstanceOptions{IPv6: true, Monitoring: true, SSHKeyIDs: []string{"k1"}}}
}

// BenchmarkInstanceInsertFetch measures writing one instance (its own
// transaction) and reading it back by id.
func BenchmarkInstanceInsertFetch(b *testing.B) {
	for _, e := range benchEngines {
		b.Run(e.name, func(b *testing.B) {
			skipWithoutPostgres(b, e.name)
			db := e.open(b)
			users, plan := benchFixture(b, db, 1)
			ctx := context.Background()
			i := 0
			for b.Loop() {
				in := newInstance(users[0], plan, i)
				i++
				if err := db.InTx(ctx, func(tx *store.Tx) error { return tx.CreateInstance(ctx, in) }); err != nil {
					b.Fatal(err)
				}
				if _, err := db.InstanceByID(ctx, in.ID); err != nil {
					b.Fatal(err)
				}
			}
		})
	}
}

// BenchmarkInstanceListPage measures one page of 50 (with the total) out of
// 100,000 instances spread over 100 customers: the admin's first page, one
// customer's first page, and the admin's page 1,000 (offset 49,950).
func BenchmarkInstanceListPage(b *testing.B) {
	const total, owners = 100_000, 100
	for _, e := range benchEngines {
		b.Run(e.name, func(b *testing.B) {
			skipWithoutPostgres(b, e.name)
			db := e.open(b)
			users, plan := benchFixture(b, db, owners)
			storetest.SeedInstances(b, db, users, plan, total)
			cases := []struct {
				name  string
				f     webrana.InstanceFilter
				total int
			}{
				{"all/page1", webrana.InstanceFilter{Page: webrana.Page{Page: 1, PerPage: 50}}, total},
				{"owner/page1", webrana.InstanceFilter{OwnerID: users[7].ID, Page: webrana.Page{Page: 1, PerPage: 50}}, total / owners},
				{"all/page1000", webrana.InstanceFilter{Page: webrana.Page{Page: 1000, PerPage: 50}}, total},
			}
			for _, c := range cases {
				b.Run(c.name, func(b *testing.B) {
					for b.Loop() {
						items, n, err := db.ListInstances(context.Background(), c.f)
						if err != nil || len(items) != 50 || n != c.total {
							b.Fatalf("got %d items, total %d, err %v", len(items), n, err)
						}
					}
				})
			}
		})
	}
}

func skipWithoutPostgres(b *testing.B, engine string) {
	if engine == "postgres" {
		storetest.RequirePostgres(b)
	}
}

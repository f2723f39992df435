package store

import (
	"context"
	"database/sql"
	"fmt"
	"net/url"
	"os"
	"path/filepath"
	"testing"
	"time"

	"github.com/webrana/webrana"
)

// TestMigrationGivesPlansSlugsAndServersNumbers: migration 00031 on a
// database with plans, servers and actions gives each plan a slug from its
// name (unique among the active ones), and numbers the servers, then the
// actions, in the order they were made; new rows continue the sequence.
// On SQLite and, when configured, PostgreSQL.
func TestMigrationGivesPlansSlugsAndServersNumbers(t *testing.T) {
	dsns := map[string]string{"sqlite": "sqlite:" + filepath.Join(t.TempDir(), "m.db")}
	if url := os.Getenv("WEBRANA_TEST_POSTGRES_URL"); url != "" {
		dsns["postgres"] = freshPostgres(t, url)
	}
	for name, dsn := range dsns {
		t.Run(name, func(t *testing.T) {
			ctx := context.Background()
			db, err := Open(ctx, dsn)
			if err != nil {
				t.Fatal(err)
			}
			defer db.Close()
			p, err := db.migrator()
			if err != nil {
				t.Fatal(err)
			}
			if _, err := p.UpTo(ctx, 30); err != nil {
				t.Fatal(err)
			}
			at := time.Date(2030, 1, 1, 0, 0, 0, 0, time.UTC)
			exec := func(q string, args ...any) {
				t.Helper()
				if _, err := db.conn().exec(ctx, q, args...); err != nil {
					t.Fatalf("%s: %v", q, err)
				}
			}
			for _, p := range []webrana.ProviderType{webrana.DigitalOcean, webrana.Linode} {
				if _, err := db.EnsureProvider(ctx, p, string(p)); err != nil {
					t.Fatal(err)
				}
			}
			u := &webrana.User{Email: "u@example.com", Role: webrana.RoleCustomer}
			if err := db.CreateUser(ctx, u); err != nil {
				t.Fatal(err)
			}
			for i, p := range []struct{ id, provider, name string }{
				{"p1", "digitalocean", "Basic 1 GB"}, {"p2", "linode", "Basic 1 GB"}, {"p3", "digitalocean", "Ünïcode!"},
			} {
				created := at.Add(time.Duration(i) * time.Minute)
				exec(`INSERT INTO plans (id, provider_type, size_slug, name, vcpus, memory_mb, disk_gb, transfer_gb, price_monthly, price_hourly, currency, regions, is_active, created_at, updated_at)
					VALUES (?, ?, 's', ?, 1, 1024, 25, 1000, 600, 1, 'USD', '[]', TRUE, ?, ?)`, p.id, p.provider, p.name, created, created)
			}
			for i, id := range []string{"i2", "i1"} { // i2 is older
				created := at.Add(time.Duration(i) * time.Hour)
				exec(`INSERT INTO instances (id, owner_id, provider_type, plan_id, label, region, image, status, created_at, updated_at)
					VALUES (?, ?, 'digitalocean', 'p1', ?, 'sgp1', 'ubuntu', 'active', ?, ?)`, id, u.ID, id, created, created)
			}
			exec(`INSERT INTO instance_actions (id, instance_id, type, params, status, created_at, updated_at)
				VALUES ('a1', 'i1', 'reboot', '{}', 'completed', ?, ?)`, at, at)
			if _, err := p.Up(ctx); err != nil {
				t.Fatal(err)
			}
			for id, want := range map[string]string{"p1": "basic-1-gb", "p2": "basic-1-gb-linode", "p3": "plan-p3"} {
				pl, err := db.PlanByID(ctx, id)
				if err != nil || pl.Slug != want {
					t.Errorf("plan %s: slug %q (%v), want %q", id, pl.Slug, err, want)
				}
			}
			numbers, err := db.PublicNumbers(ctx, []string{"i2", "i1", "a1"})
			if err != nil || numbers["i2"] != 1 || numbers["i1"] != 2 || numbers["a1"] != 3 {
				t.Errorf("numbers %v (%v), want i2 1, i1 2, a1 3", numbers, err)
			}
			numbers, err = db.PublicNumbers(ctx, []string{"anything-new"})
			if err != nil || numbers["anything-new"] != 4 {
				t.Errorf("next number %v (%v), want 4", numbers, err)
			}
		})
	}
}

// freshPostgres creates an empty database on the test server, dropped when
// the test ends, and returns its URL.
func freshPostgres(t *testing.T, admin string) string {
	t.Helper()
	name := fmt.Sprintf("webrana_m31_%d_%d", os.Getpid(), time.Now().UnixNano())
	exec := func(stmt string) {
		db, err := sql.Open("pgx", admin)
		if err != nil {
			t.Fatal(err)
		}
		defer db.Close()
		if _, err := db.Exec(stmt); err != nil {
			t.Fatal(err)
		}
	}
	exec("CREATE DATABASE " + name + " TEMPLATE template0")
	t.Cleanup(func() { exec("DROP DATABASE IF EXISTS " + name + " WITH (FORCE)") })
	u, err := url.Parse(admin)
	if err != nil {
		t.Fatal(err)
	}
	u.Path = "/" + name
	return u.String()
}

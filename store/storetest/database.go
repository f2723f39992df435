package storetest

import (
	"testing"

	"github.com/webrana/webrana/store"
)

var _ = register("DatabaseHandles", func(t *testing.T, db *store.DB) {
	ctx := t.Context()
	must(t, db.Ping(ctx))
	switch db.Engine() {
	case store.SQLite:
		if db.PgxPool() != nil {
			t.Error("PgxPool is set on SQLite")
		}
	case store.Postgres:
		if db.PgxPool() == nil {
			t.Error("PgxPool is nil on PostgreSQL")
		} else {
			must(t, db.PgxPool().Ping(ctx))
		}
	default:
		t.Fatalf("unknown engine %q", db.Engine())
	}
	mustUser(t, db)
	var n int
	must(t, db.SQL().QueryRowContext(ctx, `SELECT COUNT(*) FROM users`).Scan(&n))
	if n != 1 {
		t.Fatalf("SQL handle counts %d users, want 1", n)
	}
	current, err := db.MigrationsCurrent(ctx)
	must(t, err)
	if !current {
		t.Fatal("MigrationsCurrent is false on a migrated database")
	}
	must(t, db.Migrate(ctx)) // nothing pending: a no-op
})

var _ = register("DatabaseClose", func(t *testing.T, db *store.DB) {
	must(t, db.Close())
	if err := db.Ping(t.Context()); err == nil {
		t.Fatal("Ping succeeded on a closed database")
	}
})

package storetest

import (
	"context"
	"testing"

	"github.com/webrana/webrana/store"
)

// RefuseAudits makes every later write to the audit log fail, as a full
// disk or a lost connection would, so a test can show that a change and
// its audit entry commit together or not at all.
func RefuseAudits(tb testing.TB, db *store.DB) {
	tb.Helper()
	stmts := []string{`CREATE TRIGGER refuse_audit BEFORE INSERT ON audit_log BEGIN SELECT RAISE(ABORT, 'audit refused'); END`}
	if db.Engine() == store.Postgres {
		stmts = []string{
			`CREATE FUNCTION refuse_audit() RETURNS trigger AS $$ BEGIN RAISE EXCEPTION 'audit refused'; END $$ LANGUAGE plpgsql`,
			`CREATE TRIGGER refuse_audit BEFORE INSERT ON audit_log FOR EACH ROW EXECUTE FUNCTION refuse_audit()`,
		}
	}
	for _, q := range stmts {
		if _, err := db.SQL().ExecContext(context.Background(), q); err != nil {
			tb.Fatalf("refuse audits: %v", err)
		}
	}
}

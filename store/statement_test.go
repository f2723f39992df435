package store

import (
	"database/sql"
	"errors"
	"testing"
)

// TestStatementError: a database error names its statement once, and stays
// what it was for errors.Is.
func TestStatementError(t *testing.T) {
	for query, want := range map[string]string{
		`UPDATE accounts SET x = ? WHERE id = ?`:                          "store: update accounts: sql: no rows in result set",
		"INSERT INTO plans (" + planColumns + `) VALUES (?)`:              "store: insert into plans: sql: no rows in result set",
		`DELETE FROM plans WHERE id = ?`:                                  "store: delete from plans: sql: no rows in result set",
		"SELECT " + instanceColumns + "\n\t\tFROM instances WHERE id = ?": "store: read instances: sql: no rows in result set",
		`PRAGMA foreign_keys`:                                             "store: query: sql: no rows in result set",
	} {
		err := statementError(query, sql.ErrNoRows)
		if err.Error() != want || !errors.Is(err, sql.ErrNoRows) {
			t.Errorf("%q: %v", query, err)
		}
	}
	if statementError("UPDATE x", nil) != nil {
		t.Error("no error must stay none")
	}
}

package main

import (
	"context"
	"slices"
	"testing"
	"time"
)

// TestPeriodicJobsRunAtStartUnderTheirKinds: the binary's periodic tasks
// keep the kinds River's tables and the job metrics know them by, and those
// run at start are worked then; the status sync alone waits for its first
// interval (River inserts every start-up run in one batch, so it would be
// there by now).
func TestPeriodicJobsRunAtStartUnderTheirKinds(t *testing.T) {
	r := startMain(t, map[string]string{"WEBRANA_DATA_DIR": t.TempDir()})
	atStart := []string{"alerts_evaluate", "billing_meter", "cleanup", "heartbeat", "invoicing_issue", "pool_health", "pool_sweep", "pool_sync", "reconcile"}
	deadline := time.Now().Add(time.Minute)
	for {
		completed := r.jobKinds(t, "completed")
		if slices.Equal(completed, atStart) {
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("completed periodic jobs %q, want %q", completed, atStart)
		}
		time.Sleep(10 * time.Millisecond) // polling an outcome, not timing it
	}
	if all := r.jobKinds(t, ""); !slices.Equal(all, atStart) {
		t.Fatalf("jobs of kinds %q at start, want only %q", all, atStart)
	}
}

// jobKinds is the sorted distinct kinds of River's jobs in state ("" for
// any).
func (r *running) jobKinds(t *testing.T, state string) []string {
	t.Helper()
	rows, err := r.DB.SQL().QueryContext(context.Background(),
		`SELECT DISTINCT kind FROM river_job WHERE state = ? OR ? = '' ORDER BY kind`, state, state)
	if err != nil {
		t.Fatal(err)
	}
	defer rows.Close()
	var kinds []string
	for rows.Next() {
		var k string
		if err := rows.Scan(&k); err != nil {
			t.Fatal(err)
		}
		kinds = append(kinds, k)
	}
	if err := rows.Err(); err != nil {
		t.Fatal(err)
	}
	return kinds
}

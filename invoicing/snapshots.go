package invoicing

import (
	"strings"

	"github.com/webrana/webrana/store"
)

// A server's snapshots are billed by the hour on the server (billing's
// ledger entries name the server and the snapshot, keyed
// "meter-snapshot:<snapshot>:<hour>"); the invoice shows them on a line
// of their own beside the server's, as snapshot-hours, never counted in
// the server's hours or against its plan's monthly cap.

// snapshotKeyPrefix starts the idempotency key of a snapshot's hour.
const snapshotKeyPrefix = "meter-snapshot:"

// lineKey is the invoice line an entry belongs to: its server's, or its
// server's snapshots'.
func lineKey(e *store.MonthEntry) string {
	if strings.HasPrefix(e.IdempotencyKey, snapshotKeyPrefix) {
		return "snapshots:" + e.InstanceID
	}
	return e.InstanceID
}

// newLine starts the line of an entry.
func newLine(e *store.MonthEntry) *serverLine {
	if strings.HasPrefix(e.IdempotencyKey, snapshotKeyPrefix) {
		label := e.ServerLabel
		if label == "" {
			label = e.InstanceID
		}
		return &serverLine{label: "Snapshots of " + label}
	}
	return &serverLine{label: e.ServerLabel, plan: e.PlanName, hourly: e.PriceHourly, monthly: e.PriceMonthly}
}

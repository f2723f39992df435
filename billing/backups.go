package billing

import (
	"time"

	"github.com/webrana/webrana"
	"github.com/webrana/webrana/store"
)

// BackupHourCharge is what a server's backups cost in the hour starting at
// hour: nothing unless they were on as it started (webrana.BackupsOnAt);
// else the plan's backup hourly price, or what is left of
// the backup monthly price in that calendar month. Backup prices out of
// range are refused (EINVALID), never billed.
func BackupHourCharge(b *store.Billable, hour time.Time) (int64, error) {
	if !webrana.BackupsOnAt(b.BackupPeriods, hour) {
		return 0, nil
	}
	if err := webrana.CheckBackupPrices(b.BackupPriceHourly, b.BackupPriceMonthly); err != nil {
		return 0, err
	}
	left, err := webrana.SubMoney(b.BackupPriceMonthly, BackupSpent(b.BillingPosition, hour))
	if err != nil {
		return 0, err
	}
	return max(0, min(b.BackupPriceHourly, left)), nil
}

// BackupSpent is what a server's backups at billing position p were
// charged in the calendar month of hour: their monthly cap's count.
func BackupSpent(p store.BillingPosition, hour time.Time) int64 {
	if !webrana.MonthOf(hour).Equal(p.BillingMonth) {
		return 0
	}
	return p.BackupMonthCharged
}

// backupEntry is the ledger entry of an hour of backups charged amount
// (none when it costs nothing), keyed by server and hour apart from the
// server's own hour.
func backupEntry(b *store.Billable, hour time.Time, amount int64) *webrana.LedgerEntry {
	if amount == 0 {
		return nil
	}
	return &webrana.LedgerEntry{UserID: b.OwnerID, Kind: webrana.LedgerCharge, Amount: -amount, Currency: b.Currency,
		InstanceID: b.InstanceID, Note: "Backups of " + b.Label + ", hour from " + hour.Format("2006-01-02 15:04 UTC"),
		IdempotencyKey: "meter-backups:" + b.InstanceID + ":" + hour.Format(time.RFC3339)}
}

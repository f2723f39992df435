package billing

import (
	"context"
	"time"

	"github.com/webrana/webrana"
	"github.com/webrana/webrana/store"
)

// Snapshots are metered like servers, by the same Meter run, at their
// provider's price per GB-month (webrana.Provider.SnapshotPriceGBMonth,
// minor units, set by the operator). The rule:
//
//	monthly = size_gb × price per GB-month
//	hourly  = ⌈monthly / 730⌉            (730 hours: a year's 8,760 / 12)
//	an hour = min(hourly, monthly − what the snapshot was charged in that
//	          calendar month)
//
// Every started hour from the start of the hour the snapshot became
// available is charged, once, until the hour it was deleted (its deletion
// is asked: billing stops then, not when the provider has deleted it). A
// calendar month of a snapshot costs at most its monthly price: exactly
// that when it is kept a whole month of 31 days (744 hours ≥ 730), else
// its hours × hourly, capped there. A price of 0 bills nothing: its hours
// pass free, and a price set later is not charged for them. Each charge
// is a ledger entry on the snapshot's server (InstanceID) whose note names
// the snapshot (its name and id), keyed by snapshot and hour.

// HoursPerMonth is the month a monthly price is spread over by the hour.
const HoursPerMonth = 730

// SnapshotPrices are a snapshot's monthly and hourly prices by the rule
// above; a product past webrana.MaxAmount is refused (EINVALID).
func SnapshotPrices(sizeGB int, perGBMonth int64) (hourly, monthly int64, err error) {
	if sizeGB < 0 || perGBMonth < 0 {
		return 0, 0, webrana.Errorf(webrana.EINVALID, "A snapshot's size and price cannot be negative.")
	}
	monthly, err = webrana.MulMoney(int64(sizeGB), perGBMonth)
	if err != nil || monthly > webrana.MaxAmount {
		return 0, 0, webrana.Errorf(webrana.EINVALID, "A snapshot of %d GB at %s a GB-month costs more than a price may.",
			sizeGB, webrana.FormatMajor(perGBMonth))
	}
	return (monthly + HoursPerMonth - 1) / HoursPerMonth, monthly, nil
}

// ChargeSnapshots charges every started, unbilled hour of every snapshot
// up to the Meter's now, and returns how many hours it billed and the
// money charged. Run calls it after the servers; a test may call it alone
// (with MeterConfig.Now).
func (m *Meter) ChargeSnapshots(ctx context.Context) (hours int, charged int64, err error) {
	now := m.now()
	after := ""
	for {
		page, err := m.db.BillableSnapshots(ctx, after, now, pageSize)
		if err != nil {
			return hours, charged, err
		}
		for _, b := range page {
			h, c, billErr := m.billSnapshot(ctx, b, now)
			hours += h
			if charged, err = webrana.AddMoney(charged, c); err != nil {
				return hours, charged, err
			}
			switch {
			case webrana.ErrorCode(billErr) == webrana.EINVALID:
				m.cfg.Logger.ErrorContext(ctx, "metering: snapshot left unbilled", "snapshot", b.SnapshotID, "err", billErr)
			case billErr != nil:
				return hours, charged, billErr
			}
		}
		if len(page) < pageSize {
			return hours, charged, nil
		}
		after = page[len(page)-1].SnapshotID
	}
}

// billSnapshot charges one snapshot's started hours, oldest first.
func (m *Meter) billSnapshot(ctx context.Context, b *store.BillableSnapshot, now time.Time) (int, int64, error) {
	hourly, monthly, err := SnapshotPrices(b.SizeGB, b.PriceGBMonth)
	if err != nil {
		return 0, 0, err
	}
	b.PriceHourly, b.PriceMonthly = hourly, monthly
	hours, charged := 0, int64(0)
	for range maxHoursPerRun {
		hour := b.BilledUntil
		if hour.After(now) || (b.End != nil && !hour.Before(*b.End)) {
			break
		}
		amount, err := SnapshotHourCharge(&b.Billable, hour)
		if err != nil {
			return hours, charged, err
		}
		next, err := After(b.BillingPosition, hour, amount)
		if err != nil {
			return hours, charged, err
		}
		ok, err := m.db.ChargeSnapshotHour(ctx, b, next, snapshotHourEntry(b, hour, amount))
		if err != nil || !ok {
			return hours, charged, err
		}
		if charged, err = webrana.AddMoney(charged, amount); err != nil {
			return hours, charged, err
		}
		hours++
	}
	return hours, charged, nil
}

// SnapshotHourCharge is HourCharge for a snapshot's prices (b.PriceHourly
// and b.PriceMonthly from SnapshotPrices): nothing when it is free.
func SnapshotHourCharge(b *store.Billable, hour time.Time) (int64, error) {
	if b.PriceMonthly == 0 {
		return 0, nil
	}
	return HourCharge(b, hour)
}

// snapshotHourEntry is the ledger entry of a snapshot's hour charged
// amount (none when it costs nothing), on its server, naming it.
func snapshotHourEntry(b *store.BillableSnapshot, hour time.Time, amount int64) *webrana.LedgerEntry {
	if amount == 0 {
		return nil
	}
	return &webrana.LedgerEntry{UserID: b.OwnerID, Kind: webrana.LedgerCharge, Amount: -amount, Currency: b.Currency,
		InstanceID: b.InstanceID, Note: "Hour of snapshot " + b.Name + " (" + b.SnapshotID + ") of " + b.Label + " from " +
			hour.Format("2006-01-02 15:04 UTC"),
		IdempotencyKey: "meter-snapshot:" + b.SnapshotID + ":" + hour.Format(time.RFC3339)}
}

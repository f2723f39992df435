package webrana

import (
	"math"
	"time"
)

// Backups are priced per plan (Plan.BackupPriceMonthly, BackupPriceHourly)
// and metered like the server they belong to: every hour of the server's
// that starts while its backups are on is charged the backup hourly price,
// never more than the backup monthly price in one calendar month; an order
// with backups holds their first day too. A plan's default backup price is its
// provider's: a percentage of the plan's own prices where the provider
// prices backups so (DigitalOcean, 20 %), else the provider's per-size
// price; each rounded up to a whole minor unit.

// BackupPriceRange is the range of a backup price: like a plan's, or 0 for
// backups that cost nothing.
var BackupPriceRange = AmountRange{Min: 0, Max: MaxAmount}

// CheckBackupPrices validates a plan's backup prices: both 0 (backups cost
// nothing), or each in PriceRange with the hourly price no more than the
// monthly, so that a month of hours reaches the cap and nothing overflows.
func CheckBackupPrices(hourly, monthly int64) error {
	if hourly == 0 && monthly == 0 {
		return nil
	}
	if err := PriceRange.Check("backup_price_monthly", monthly); err != nil {
		return err
	}
	if err := PriceRange.Check("backup_price_hourly", hourly); err != nil {
		return err
	}
	if hourly > monthly {
		return FieldError("backup_price_hourly", "backup_price_hourly cannot exceed backup_price_monthly.")
	}
	return nil
}

// PercentUp is percent of price, rounded up to a whole minor unit (0 for
// a price of 0 or less, or a percentage out of 0 to 100).
func PercentUp(price int64, percent int) int64 {
	if price <= 0 || percent <= 0 || percent > 100 {
		return 0
	}
	return (price/100)*int64(percent) + (price%100*int64(percent)+99)/100
}

// DefaultBackupPrices are a plan's backup prices at percent of its prices
// (rounded up), as DigitalOcean prices backups.
func (p *Plan) DefaultBackupPrices(percent int) (hourly, monthly int64) {
	return PercentUp(p.PriceHourly, percent), PercentUp(p.PriceMonthly, percent)
}

// MinorUp is a price in major units (a catalog's float) in minor units,
// rounded up (to the hundredth of a minor unit first, so that 2.00 is 200),
// bounded to 0 to MaxAmount.
func MinorUp(major float64) int64 {
	v := math.Ceil(math.Round(major*1e4) / 100)
	if math.IsNaN(v) || v <= 0 {
		return 0
	}
	return int64(min(v, float64(MaxAmount)))
}

// BackupPeriod is a time a server's backups were on: from Start to End
// (nil: on still).
type BackupPeriod struct {
	Start time.Time
	End   *time.Time
}

// BackupsOnAt reports whether the periods say backups were on at t (an
// hour is charged for backups when they were on as it started: turned on
// at 10:30, they are first charged for the hour that starts next; turned
// off at 10:30, the hour that started before is charged, the next not).
func BackupsOnAt(periods []BackupPeriod, t time.Time) bool {
	for _, p := range periods {
		if !p.Start.After(t) && (p.End == nil || p.End.After(t)) {
			return true
		}
	}
	return false
}

// Package billing meters running servers: every started hour of a server
// (active or stopped, as the providers bill) is charged at its plan's
// hourly price, never more than the plan's monthly price in one calendar
// month, once per server and hour however often the meter runs. Its
// backups, in every such hour that starts while they are on, are charged at
// the plan's backup prices, under their own monthly cap and in a ledger
// entry of their own (backups.go). The first
// day is charged when the order completes (provision.FirstPeriod); the
// meter takes over after it and stops at deletion. Snapshots are metered
// by the same run, per GB-month at their provider's price (the rule is in
// snapshots.go: monthly = size_gb × price, hourly = ⌈monthly / 730⌉,
// capped at the monthly price per calendar month).
package billing

import (
	"cmp"
	"context"
	"log/slog"
	"time"

	"github.com/webrana/webrana"
	"github.com/webrana/webrana/store"
)

// Meter charges what is due. Safe to run from several replicas at once and
// to repeat: each hour is billed once.
type Meter struct {
	db  MeterStore
	cfg MeterConfig
}

// MeterConfig holds a Meter's optional settings; zero values take defaults.
type MeterConfig struct {
	Now    func() time.Time // default webrana.Now
	Logger *slog.Logger     // default discards
	// Mail tells customers whose balance crosses below the low mark (see
	// Low), once per crossing; nil: mail is not configured.
	Mail Mailer
	// LowBalance is a balance (minor units of the billing currency) below
	// which a customer with servers is told it is low even when it still
	// covers a day of their charges; 0: a day of charges is the mark.
	LowBalance int64
}

// NewMeter returns the meter of the servers in db. cfg may be nil.
func NewMeter(db MeterStore, cfg *MeterConfig) *Meter {
	var c MeterConfig
	if cfg != nil {
		c = *cfg
	}
	if c.Now == nil {
		c.Now = webrana.Now
	}
	c.Logger = cmp.Or(c.Logger, slog.New(slog.DiscardHandler))
	return &Meter{db: db, cfg: c}
}

// maxHoursPerRun bounds one server's catch-up in one run (40 days), so one
// run after a long outage stays short; the next run continues.
const maxHoursPerRun = 40 * 24

// pageSize is how many servers one query returns.
const pageSize = 500

// Run charges every started, unbilled hour up to now and returns how many
// hours it billed and the money charged; then it tells the customers whose
// balance crossed below the low mark. A server whose plan's prices are out
// of range (stored before they were bounded) is left unbilled and logged,
// not charged a wrong amount; the others are billed.
func (m *Meter) Run(ctx context.Context) (hours int, charged int64, err error) {
	if hours, charged, err = m.charge(ctx); err != nil {
		return hours, charged, err
	}
	snapHours, snapCharged, err := m.ChargeSnapshots(ctx) // snapshots.go
	hours += snapHours
	if charged, err = addCharged(charged, snapCharged, err); err != nil {
		return hours, charged, err
	}
	return hours, charged, m.watchBalances(ctx)
}

// addCharged adds b to a unless err, which it returns first.
func addCharged(a, b int64, err error) (int64, error) {
	if err != nil {
		return a, err
	}
	return webrana.AddMoney(a, b)
}

// charge charges every started, unbilled hour up to now.
func (m *Meter) charge(ctx context.Context) (hours int, charged int64, err error) {
	now := m.now()
	after := ""
	for {
		page, err := m.db.BillableInstances(ctx, after, now, pageSize)
		if err != nil {
			return hours, charged, err
		}
		for _, b := range page {
			h, c, billErr := m.bill(ctx, b, now)
			hours += h
			if charged, err = webrana.AddMoney(charged, c); err != nil {
				return hours, charged, err
			}
			switch {
			case webrana.ErrorCode(billErr) == webrana.EINVALID: // this server's data, not the run, is wrong
				m.cfg.Logger.ErrorContext(ctx, "metering: server left unbilled", "instance", b.InstanceID, "err", billErr)
			case billErr != nil:
				return hours, charged, billErr
			}
		}
		if len(page) < pageSize {
			return hours, charged, nil
		}
		after = page[len(page)-1].InstanceID
	}
}

// bill charges one server's started hours, oldest first.
func (m *Meter) bill(ctx context.Context, b *store.Billable, now time.Time) (int, int64, error) {
	hours, charged := 0, int64(0)
	for range maxHoursPerRun {
		hour := b.BilledUntil
		if hour.After(now) || (b.End != nil && !hour.Before(*b.End)) {
			break
		}
		amount, err := HourCharge(b, hour)
		if err != nil {
			return hours, charged, err
		}
		next, err := After(b.BillingPosition, hour, amount)
		if err != nil {
			return hours, charged, err
		}
		backups, err := BackupHourCharge(b, hour) // backups.go
		if err != nil {
			return hours, charged, err
		}
		if next.BackupMonthCharged, err = webrana.AddMoney(BackupSpent(b.BillingPosition, hour), backups); err != nil {
			return hours, charged, err
		}
		ok, err := m.db.ChargeHour(ctx, b, next, hourEntry(b, hour, amount), backupEntry(b, hour, backups))
		if err != nil || !ok {
			return hours, charged, err // !ok: another run billed it first
		}
		if amount, err = webrana.AddMoney(amount, backups); err != nil {
			return hours, charged, err
		}
		if charged, err = webrana.AddMoney(charged, amount); err != nil {
			return hours, charged, err
		}
		hours++
	}
	return hours, charged, nil
}

// HourCharge is what the hour starting at hour costs: the hourly price, or
// what is left of the monthly price in that calendar month (nothing once
// the month's charges reach it). Prices out of range are refused (EINVALID),
// never billed: with them a sum could overflow.
func HourCharge(b *store.Billable, hour time.Time) (int64, error) {
	if err := webrana.CheckPrices(b.PriceHourly, b.PriceMonthly); err != nil {
		return 0, err
	}
	left, err := webrana.SubMoney(b.PriceMonthly, Spent(b.BillingPosition, hour))
	if err != nil {
		return 0, err
	}
	return max(0, min(b.PriceHourly, left)), nil
}

// Spent is what a server at billing position p was charged in the calendar
// month of hour: the monthly cap's count.
func Spent(p store.BillingPosition, hour time.Time) int64 {
	if !webrana.MonthOf(hour).Equal(p.BillingMonth) {
		return 0
	}
	return p.MonthCharged
}

// After is the billing position once the hour starting at hour is charged
// amount: billed to the hour's end, the month's count added to. It refuses
// an amount outside 0 to webrana.MaxAmount, and a count that would overflow.
func After(p store.BillingPosition, hour time.Time, amount int64) (store.BillingPosition, error) {
	if amount < 0 || amount > webrana.MaxAmount {
		return p, webrana.Errorf(webrana.EINVALID, "An hour is charged from 0.00 to %s; %s is out of range.",
			webrana.FormatMajor(webrana.MaxAmount), webrana.FormatMajor(amount))
	}
	spent, err := webrana.AddMoney(Spent(p, hour), amount)
	if err != nil {
		return p, err
	}
	return store.BillingPosition{BilledUntil: hour.Add(time.Hour), BillingMonth: webrana.MonthOf(hour), MonthCharged: spent}, nil
}

// hourEntry is the ledger entry of an hour charged amount (none when the
// hour costs nothing), keyed by server and hour so that a run retried or
// doubled charges it once.
func hourEntry(b *store.Billable, hour time.Time, amount int64) *webrana.LedgerEntry {
	if amount == 0 {
		return nil
	}
	return &webrana.LedgerEntry{UserID: b.OwnerID, Kind: webrana.LedgerCharge, Amount: -amount, Currency: b.Currency,
		InstanceID: b.InstanceID, Note: "Hour of " + b.Label + " from " + hour.Format("2006-01-02 15:04 UTC"),
		IdempotencyKey: "meter:" + b.InstanceID + ":" + hour.Format(time.RFC3339)}
}

func (m *Meter) now() time.Time { return m.cfg.Now() }

// Every is how often the meter runs.
const Every = time.Hour

// Args runs the meter (Cycle).
type Args struct{}

func (Args) Kind() string { return "billing_meter" }

// Cycle is the billing job's run: the meter, then the dunning sequence on
// the balances it left (d may be nil).
func Cycle(m *Meter, d *Dunning) func(context.Context) error {
	return func(ctx context.Context) error {
		hours, charged, err := m.Run(ctx)
		if hours > 0 {
			m.cfg.Logger.Info("metered", "hours", hours, "charged", charged)
		}
		if err != nil || d == nil {
			return err
		}
		return d.Run(ctx)
	}
}

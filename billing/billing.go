// Package billing meters running servers: every started hour of a server
// (active or stopped, as the providers bill) is charged at its plan's
// hourly price, never more than the plan's monthly price in one calendar
// month, once per server and hour however often the meter runs. The first
// day is charged when the order completes (provision.FirstPeriod); the
// meter takes over after it and stops at deletion.
package billing

import (
	"context"
	"log/slog"
	"time"

	"github.com/webrana/webrana"
	"github.com/webrana/webrana/store"
)

// Meter charges what is due. Safe to run from several replicas at once and
// to repeat: each hour is billed once.
type Meter struct {
	DB     *store.DB
	Now    func() time.Time
	Logger *slog.Logger
}

// maxHoursPerRun bounds one server's catch-up in one run (40 days), so one
// run after a long outage stays short; the next run continues.
const maxHoursPerRun = 40 * 24

// pageSize is how many servers one query returns.
const pageSize = 500

// Run charges every started, unbilled hour up to now and returns how many
// hours it billed and the money charged. A server whose plan's prices are
// out of range (stored before they were bounded) is left unbilled and
// logged, not charged a wrong amount; the others are billed.
func (m *Meter) Run(ctx context.Context) (hours int, charged int64, err error) {
	now := m.now()
	after := ""
	for {
		page, err := m.DB.BillableInstances(ctx, after, now, pageSize)
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
				webrana.LoggerOr(m.Logger).ErrorContext(ctx, "metering: server left unbilled", "instance", b.InstanceID, "err", billErr)
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
		ok, err := m.DB.ChargeHour(ctx, b, hour, amount)
		if err != nil || !ok {
			return hours, charged, err // !ok: another run billed it first
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
	left, err := webrana.SubMoney(b.PriceMonthly, b.Spent(hour))
	if err != nil {
		return 0, err
	}
	return max(0, min(b.PriceHourly, left)), nil
}

func (m *Meter) now() time.Time { return webrana.NowFrom(m.Now) }

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
		if hours > 0 && m.Logger != nil {
			m.Logger.Info("metered", "hours", hours, "charged", charged)
		}
		if err != nil || d == nil {
			return err
		}
		return d.Run(ctx)
	}
}

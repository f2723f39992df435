package billing_test

import (
	"context"
	"math"
	"math/big"
	"testing"
	"time"

	"github.com/webrana/webrana"
	"github.com/webrana/webrana/billing"
	"github.com/webrana/webrana/store"
)

// TestMeterAtTheLargestPrice: a server at the largest prices is billed its
// monthly cap in each calendar month, exactly, and the balance follows.
func TestMeterAtTheLargestPrice(t *testing.T) {
	engines(t, func(t *testing.T, db *store.DB) {
		// Active on May 31st at 12:00: the first day is the May cap (24 hours
		// at the hourly price are more), June's first hour reaches June's,
		// and so on; no hour is charged above what is left of its month.
		r := newRig(t, db, time.Date(2031, 5, 31, 12, 0, 0, 0, time.UTC), webrana.MaxAmount, webrana.MaxAmount)
		r.clock.Advance(time.Date(2031, 8, 1, 0, 30, 0, 0, time.UTC).Sub(r.clock.Now()))
		hours, charged := 0, int64(0)
		for { // a run catches up 40 days at most
			h, c := r.run(t)
			if h == 0 {
				break
			}
			hours, charged = hours+h, charged+c
		}
		// From June 1st 12:00 (the end of the first day) to August 1st 00:59.
		if hours != (30+31)*24-12+1 || charged != 3*webrana.MaxAmount {
			t.Fatalf("billed %d hours for %d, want %d hours for June's, July's and August's caps", hours, charged, (30+31)*24-12+1)
		}
		if n, total := r.charges(t); n != 4 || total != 4*webrana.MaxAmount {
			t.Fatalf("%d charges totalling %d, want four caps (May's first day, June, July, August)", n, total)
		}
		b, err := db.Balance(context.Background(), r.customer.ID, "USD")
		must(t, err)
		if b.Amount != webrana.MaxAmount-4*webrana.MaxAmount {
			t.Fatalf("balance %d, want the credit less four caps, %d", b.Amount, -3*webrana.MaxAmount)
		}
	})
}

// TestMeterLeavesAPlanOutOfRangeUnbilled: a server on a plan stored before
// prices were bounded (the MaxInt64 plan) is not charged a wrapped
// amount, and does not stop the others being billed.
func TestMeterLeavesAPlanOutOfRangeUnbilled(t *testing.T) {
	engines(t, func(t *testing.T, db *store.DB) {
		ctx := context.Background()
		start := time.Date(2031, 5, 3, 10, 0, 0, 0, time.UTC)
		bad := newRig(t, db, start, 1, 600)
		good := activeServer(t, db, bad.clock, "d@example.com", 2, 1000)
		q := `UPDATE plans SET price_hourly = ?, price_monthly = ? WHERE id = (SELECT plan_id FROM instances WHERE id = ?)`
		if db.Engine() == store.Postgres {
			q = `UPDATE plans SET price_hourly = $1, price_monthly = $2 WHERE id = (SELECT plan_id FROM instances WHERE id = $3)`
		}
		if _, err := db.SQL().ExecContext(ctx, q, int64(math.MaxInt64), int64(math.MaxInt64), bad.instance); err != nil {
			t.Fatal(err)
		}
		bad.clock.Advance(24*time.Hour + 90*time.Minute) // hours 25 and 26 started
		hours, charged := bad.run(t)
		if hours != 2 || charged != 4 {
			t.Fatalf("billed %d hours for %d, want the good server's 2 hours for 4", hours, charged)
		}
		if n, total := bad.charges(t); n != 1 || total != 24 {
			t.Fatalf("the server out of range: %d charges totalling %d, want only its first day (24)", n, total)
		}
		if n, total := good.charges(t); n != 3 || total != 48+4 {
			t.Fatalf("the good server: %d charges totalling %d, want its first day and two hours", n, total)
		}
	})
}

// FuzzHourCharges meters a server hour by hour over an arbitrary span from
// an arbitrary hour, at arbitrary prices and month-to-date charges, with
// the functions the meter and the store use (HourCharge, Billable.After).
// Prices out of range are refused; otherwise no hour is negative or above
// the hourly price, and each calendar month is charged exactly what big.Int
// arithmetic says: its hours at the hourly price, capped at what is left
// of the monthly price.
func FuzzHourCharges(f *testing.F) {
	epoch := time.Date(2000, 1, 1, 0, 0, 0, 0, time.UTC)
	f.Fuzz(func(t *testing.T, startHour uint32, span uint16, hourly, monthly, spent int64) {
		start := epoch.Add(time.Duration(startHour%(400*366*24)) * time.Hour)
		spent = int64(uint64(spent) % uint64(webrana.MaxAmount+1)) // what the store can hold: 0..MaxAmount
		b := store.Billable{PriceHourly: hourly, PriceMonthly: monthly,
			BillingPosition: store.BillingPosition{BilledUntil: start, BillingMonth: webrana.MonthOf(start), MonthCharged: spent}}
		if webrana.CheckPrices(hourly, monthly) != nil {
			if _, err := billing.HourCharge(&b, start); webrana.ErrorCode(err) != webrana.EINVALID {
				t.Fatalf("prices %d/h, %d/mo out of range: HourCharge answered %v, want EINVALID", hourly, monthly, err)
			}
			return
		}
		charged, hoursIn := map[time.Time]int64{}, map[time.Time]int64{}
		for range int(span) % 3000 {
			hour := b.BilledUntil
			amount, err := billing.HourCharge(&b, hour)
			if err != nil || amount < 0 || amount > hourly {
				t.Fatalf("hour %v: %d, %v; want 0..%d", hour, amount, err, hourly)
			}
			if b.BillingPosition, err = billing.After(b.BillingPosition, hour, amount); err != nil {
				t.Fatal(err)
			}
			month := webrana.MonthOf(hour)
			charged[month] += amount
			hoursIn[month]++
		}
		for month, got := range charged {
			left := big.NewInt(monthly)
			if month.Equal(webrana.MonthOf(start)) {
				left.Sub(left, big.NewInt(spent))
			}
			want := new(big.Int).Mul(big.NewInt(hoursIn[month]), big.NewInt(hourly))
			if want.Cmp(left) > 0 {
				want = left
			}
			if want.Sign() < 0 {
				want.SetInt64(0)
			}
			if want.Cmp(big.NewInt(got)) != 0 {
				t.Fatalf("%s: charged %d for %d hours at %d/h, %d/mo (%d spent before), want %s",
					month.Format("2006-01"), got, hoursIn[month], hourly, monthly, spent, want)
			}
		}
	})
}

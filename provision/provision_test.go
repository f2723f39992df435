package provision

import (
	"math"
	"math/big"
	"strings"
	"testing"

	"github.com/webrana/webrana"
	"github.com/webrana/webrana/cloud"
)

// TestFirstPeriod: a day at the hourly price, never more than a month; the
// largest prices hold exactly; prices out of range (the MaxInt64
// plan held −24) are refused on plan_id, never turned into a hold.
func TestFirstPeriod(t *testing.T) {
	for _, c := range []struct{ hourly, monthly, want int64 }{
		{1, 600, 24}, {2, 1200, 48}, {100, 2000, 2000}, {1, 1, 1},
		{webrana.MaxAmount, webrana.MaxAmount, webrana.MaxAmount},
		{webrana.MaxAmount / 24, webrana.MaxAmount, webrana.MaxAmount / 24 * 24},
	} {
		got, err := FirstPeriod(&webrana.Plan{PriceHourly: c.hourly, PriceMonthly: c.monthly, Currency: "USD"})
		if err != nil || got.Amount != c.want || got.Currency != "USD" {
			t.Errorf("FirstPeriod(%d/h, %d/mo) = %v, %v; want %d USD", c.hourly, c.monthly, got, err, c.want)
		}
	}
	for _, c := range []struct{ hourly, monthly int64 }{
		{math.MaxInt64, math.MaxInt64}, {0, 0}, {0, 600}, {-1, 600}, {1, 0}, {1, webrana.MaxAmount + 1},
		{webrana.MaxAmount + 1, webrana.MaxAmount + 1}, {601, 600}, {math.MinInt64, math.MinInt64},
	} {
		got, err := FirstPeriod(&webrana.Plan{Name: "P", PriceHourly: c.hourly, PriceMonthly: c.monthly, Currency: "USD"})
		if webrana.ErrorField(err) != "plan_id" || !strings.Contains(webrana.ErrorMessage(err), "cannot be ordered") {
			t.Errorf("FirstPeriod(%d/h, %d/mo) = %v, %v; want refused on plan_id", c.hourly, c.monthly, got, err)
		}
	}
}

// FuzzFirstPeriod: for any prices, FirstPeriod either refuses them or holds
// exactly min(24 × hourly, monthly) computed without overflow (big.Int),
// which is positive and at most MaxAmount; and every plan Validate accepts
// has a first period.
func FuzzFirstPeriod(f *testing.F) {
	f.Fuzz(func(t *testing.T, hourly, monthly int64) {
		p := &webrana.Plan{Name: "P", PriceHourly: hourly, PriceMonthly: monthly, Currency: "USD"}
		got, err := FirstPeriod(p)
		if err != nil {
			if webrana.CheckPrices(hourly, monthly) == nil {
				t.Fatalf("FirstPeriod refused valid prices %d/h, %d/mo: %v", hourly, monthly, err)
			}
			if webrana.ErrorField(err) != "plan_id" {
				t.Fatalf("refusal %v is not about plan_id", err)
			}
			return
		}
		want := new(big.Int).Mul(big.NewInt(24), big.NewInt(hourly))
		if m := big.NewInt(monthly); m.Cmp(want) < 0 {
			want = m
		}
		if !want.IsInt64() || got.Amount != want.Int64() {
			t.Fatalf("FirstPeriod(%d/h, %d/mo) = %d, want %s", hourly, monthly, got.Amount, want)
		}
		if got.Amount <= 0 || got.Amount > webrana.MaxAmount {
			t.Fatalf("FirstPeriod(%d/h, %d/mo) = %d: a hold must be from 1 to %d", hourly, monthly, got.Amount, webrana.MaxAmount)
		}
	})
}

// TestOutcomeOf: the one table from a provider's error to what the order
// does.
func TestOutcomeOf(t *testing.T) {
	for _, c := range []struct {
		code       cloud.ErrorCode
		lostCreate bool
		want       outcome
	}{
		{cloud.QuotaExceeded, false, failOver},
		{cloud.QuotaExceeded, true, failOver},
		{cloud.Unauthorized, false, failOver},
		{cloud.Forbidden, false, failOver},
		{cloud.Unauthorized, true, retry}, // a server may have been made: wait for the token
		{cloud.InvalidArgument, false, failOrder},
		{cloud.NotFound, false, failOrder},
		{cloud.Conflict, true, failOrder},
		{cloud.RateLimited, false, paced},
		{cloud.Unavailable, false, retry},
		{cloud.Unknown, true, retry},
	} {
		if got := outcomeOf(c.code, c.lostCreate); got != c.want {
			t.Errorf("outcomeOf(%s, lost create %v) = %d, want %d", c.code, c.lostCreate, got, c.want)
		}
	}
}

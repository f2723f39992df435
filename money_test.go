package webrana_test

import (
	"errors"
	"math"
	"math/big"
	"regexp"
	"strings"
	"testing"

	"github.com/webrana/webrana"
)

// TestLimitsHoldTheirPromises checks, in exact arithmetic, what the comment
// on the limits claims, so that a changed limit cannot break it silently.
func TestLimitsHoldTheirPromises(t *testing.T) {
	maxInt := big.NewInt(math.MaxInt64)
	mul := func(a, b int64) *big.Int { return new(big.Int).Mul(big.NewInt(a), big.NewInt(b)) }
	if day := mul(24, webrana.MaxAmount); day.Cmp(maxInt) > 0 {
		t.Errorf("a day at the largest hourly price, %s, overflows", day)
	}
	if webrana.MaxCredit > webrana.MaxAmount || webrana.MaxAmount > webrana.MaxBalance {
		t.Error("want MaxCredit ≤ MaxAmount ≤ MaxBalance")
	}
	// From MaxBalance down to the int64 floor: server-months at the highest
	// price (at most two MaxAmounts each: the month's cap and a first day).
	room := new(big.Int).Sub(big.NewInt(webrana.MaxBalance), big.NewInt(math.MinInt64))
	months := new(big.Int).Div(room, mul(2, webrana.MaxAmount))
	if months.Cmp(big.NewInt(46_000_000)) < 0 {
		t.Errorf("room for %s server-months at the highest price, the comment says 4.6e7", months)
	}
	// A thousand servers for 3,800 years is 4.56e7 server-months.
	if months.Cmp(big.NewInt(1000*3800*12)) < 0 {
		t.Errorf("room for %s server-months: not a thousand servers for 3,800 years", months)
	}
}

// TestCheckedArithmetic: results at the edges of int64 are exact, one step
// past them is ErrOverflow.
func TestCheckedArithmetic(t *testing.T) {
	for _, tc := range []struct {
		name string
		f    func(a, b int64) (int64, error)
		a, b int64
		want int64
		ok   bool
	}{
		{"add to max", webrana.AddMoney, math.MaxInt64 - 1, 1, math.MaxInt64, true},
		{"add past max", webrana.AddMoney, math.MaxInt64, 1, 0, false},
		{"add to min", webrana.AddMoney, math.MinInt64 + 1, -1, math.MinInt64, true},
		{"add past min", webrana.AddMoney, math.MinInt64, -1, 0, false},
		{"add opposite signs", webrana.AddMoney, math.MaxInt64, math.MinInt64, -1, true},
		{"sub to min", webrana.SubMoney, -1, math.MaxInt64, math.MinInt64, true},
		{"sub past max", webrana.SubMoney, 0, math.MinInt64, 0, false},
		{"sub past min", webrana.SubMoney, math.MinInt64, 1, 0, false},
		{"sub to zero", webrana.SubMoney, math.MinInt64, math.MinInt64, 0, true},
		{"mul a day", webrana.MulMoney, 24, webrana.MaxAmount, 24 * webrana.MaxAmount, true},
		{"mul the issue's day", webrana.MulMoney, 24, math.MaxInt64, 0, false},
		{"mul to min", webrana.MulMoney, -1, math.MaxInt64, -math.MaxInt64, true},
		{"mul -1 by min", webrana.MulMoney, -1, math.MinInt64, 0, false},
		{"mul min by -1", webrana.MulMoney, math.MinInt64, -1, 0, false},
		{"mul by zero", webrana.MulMoney, math.MinInt64, 0, 0, true},
		{"mul halves", webrana.MulMoney, 1 << 32, 1 << 31, 0, false},
	} {
		got, err := tc.f(tc.a, tc.b)
		if tc.ok && (err != nil || got != tc.want) || !tc.ok && !errors.Is(err, webrana.ErrOverflow) {
			t.Errorf("%s: %d, %v; want %d (ok %v)", tc.name, got, err, tc.want, tc.ok)
		}
	}
}

// FuzzMoneyArithmetic: AddMoney, SubMoney and MulMoney equal big.Int
// arithmetic whenever the result fits in an int64, and report ErrOverflow
// exactly when it does not.
func FuzzMoneyArithmetic(f *testing.F) {
	f.Fuzz(func(t *testing.T, a, b int64) {
		for _, op := range []struct {
			name string
			f    func(a, b int64) (int64, error)
			ref  func(x, y *big.Int) *big.Int
		}{
			{"+", webrana.AddMoney, new(big.Int).Add},
			{"-", webrana.SubMoney, new(big.Int).Sub},
			{"×", webrana.MulMoney, new(big.Int).Mul},
		} {
			got, err := op.f(a, b)
			want := op.ref(big.NewInt(a), big.NewInt(b))
			switch {
			case want.IsInt64() && (err != nil || got != want.Int64()):
				t.Fatalf("%d %s %d = %d, %v; want %s", a, op.name, b, got, err, want)
			case !want.IsInt64() && !errors.Is(err, webrana.ErrOverflow):
				t.Fatalf("%d %s %d = %d, %v; want ErrOverflow (%s)", a, op.name, b, got, err, want)
			}
		}
	})
}

// TestFormatAndParseMajor: amounts as people type and read them.
func TestFormatAndParseMajor(t *testing.T) {
	for minor, want := range map[int64]string{
		0: "0.00", 5: "0.05", -5: "-0.05", 1234: "12.34", -100: "-1.00", webrana.MaxAmount: "1000000000.00",
		math.MaxInt64: "92233720368547758.07", math.MinInt64: "-92233720368547758.08",
	} {
		if got := webrana.FormatMajor(minor); got != want {
			t.Errorf("FormatMajor(%d) = %q, want %q", minor, got, want)
		}
	}
	if got := (webrana.Money{Amount: math.MinInt64, Currency: "USD"}).String(); got != "-92233720368547758.08 USD" {
		t.Errorf("the smallest Money reads %q", got)
	}
	for s, want := range map[string]int64{
		"12": 1200, "12.5": 1250, "12.34": 1234, "0.01": 1, "007.10": 710, "1000000000.00": webrana.MaxAmount,
		"92233720368547758.07": math.MaxInt64, "92233720368547758.08": math.MaxInt64, "99999999999999999999": math.MaxInt64,
	} {
		if got, ok := webrana.ParseMajor(s); !ok || got != want {
			t.Errorf("ParseMajor(%q) = %d, %v; want %d", s, got, ok, want)
		}
	}
	for _, s := range []string{"", ".", "12.", ".5", "12.345", "-5", "+5", "1,5", " 12", "12 ", "1e3", "abc", "١٢"} {
		if got, ok := webrana.ParseMajor(s); ok {
			t.Errorf("ParseMajor(%q) = %d, accepted", s, got)
		}
	}
}

// majorSyntax is what ParseMajor accepts.
var majorSyntax = regexp.MustCompile(`^[0-9]+(\.[0-9]{1,2})?$`)

// FuzzParseMajor: ParseMajor accepts exactly the amounts of majorSyntax,
// reads them as big.Int arithmetic does (capped at MaxInt64, which every
// range refuses), never negative; and what FormatMajor writes reads back.
func FuzzParseMajor(f *testing.F) {
	f.Fuzz(func(t *testing.T, s string) {
		got, ok := webrana.ParseMajor(s)
		if ok != majorSyntax.MatchString(s) {
			t.Fatalf("ParseMajor(%q) ok = %v, the syntax says %v", s, ok, !ok)
		}
		if !ok {
			return
		}
		whole, frac, _ := strings.Cut(s, ".")
		want, _ := new(big.Int).SetString(whole+(frac + "00")[:2], 10)
		if want.Cmp(big.NewInt(math.MaxInt64)) > 0 {
			want = big.NewInt(math.MaxInt64)
		}
		if got != want.Int64() || got < 0 {
			t.Fatalf("ParseMajor(%q) = %d, want %s", s, got, want)
		}
		if got < math.MaxInt64 {
			if back, ok := webrana.ParseMajor(webrana.FormatMajor(got)); !ok || back != got {
				t.Fatalf("FormatMajor(%d) = %q reads back as %d, %v", got, webrana.FormatMajor(got), back, ok)
			}
		}
	})
}

// FuzzFormatMajor: every int64 is written exactly (compared with big.Int
// division), and a non-negative one reads back.
func FuzzFormatMajor(f *testing.F) {
	f.Fuzz(func(t *testing.T, minor int64) {
		s := webrana.FormatMajor(minor)
		abs := new(big.Int).Abs(big.NewInt(minor))
		q, r := new(big.Int).QuoRem(abs, big.NewInt(100), new(big.Int))
		want := q.String() + "." + string(rune('0'+r.Int64()/10)) + string(rune('0'+r.Int64()%10))
		if minor < 0 {
			want = "-" + want
		}
		if s != want {
			t.Fatalf("FormatMajor(%d) = %q, want %q", minor, s, want)
		}
		if minor >= 0 {
			if back, ok := webrana.ParseMajor(s); !ok || back != minor {
				t.Fatalf("%q reads back as %d, %v", s, back, ok)
			}
		}
	})
}

// TestPriceRanges: a plan's prices are refused outside 1 to MaxAmount (and
// hourly above monthly), each on its field, with a sentence giving the
// range; the largest plan passes.
func TestPriceRanges(t *testing.T) {
	if err := webrana.CheckPrices(webrana.MaxAmount, webrana.MaxAmount); err != nil {
		t.Fatalf("the largest prices: %v", err)
	}
	for _, tc := range []struct {
		hourly, monthly int64
		field, message  string
	}{
		{1, webrana.MaxAmount + 1, "price_monthly", "price_monthly must be from 0.01 to 1000000000.00 (1 to 100000000000 in minor units, such as cents)."},
		{webrana.MaxAmount + 1, webrana.MaxAmount, "price_hourly", "price_hourly must be from 0.01 to 1000000000.00 (1 to 100000000000 in minor units, such as cents)."},
		{math.MaxInt64, math.MaxInt64, "price_monthly", "price_monthly must be from 0.01"},
		{0, 600, "price_hourly", "price_hourly must be from 0.01"},
		{601, 600, "price_hourly", "price_hourly cannot exceed price_monthly."},
	} {
		err := webrana.CheckPrices(tc.hourly, tc.monthly)
		if webrana.ErrorCode(err) != webrana.EINVALID || webrana.ErrorField(err) != tc.field || !strings.HasPrefix(webrana.ErrorMessage(err), tc.message) {
			t.Errorf("CheckPrices(%d, %d) = %v; want %s: %s", tc.hourly, tc.monthly, err, tc.field, tc.message)
		}
	}
	if err := webrana.CreditRange.Check("amount", webrana.MaxCredit+1); webrana.ErrorMessage(err) !=
		"amount must be from 0.01 to 100000.00 (1 to 10000000 in minor units, such as cents)." {
		t.Errorf("credit above the range: %v", err)
	}
}

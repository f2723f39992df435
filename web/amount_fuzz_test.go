package web

import (
	"encoding/json"
	"math/big"
	"net/http/httptest"
	"regexp"
	"strings"
	"testing"

	"github.com/webrana/webrana"
)

var (
	jsonInteger = regexp.MustCompile(`^-?(0|[1-9][0-9]*)$`)
	jsonNumber  = regexp.MustCompile(`^-?(0|[1-9][0-9]*)(\.[0-9]+)?([eE][+-]?[0-9]+)?$`)
)

// amountFromJSON reads an amount field as the API does: the body decoded,
// then the range checked. It returns the amount accepted, or the error.
func amountFromJSON(literal, field string, r webrana.AmountRange) (int64, error) {
	body := `{"` + field + `":` + literal + `}`
	req := httptest.NewRequest("POST", "/", strings.NewReader(body))
	var v int64
	var err error
	if field == "amount" {
		var c creditRequest
		err = decodeJSON(httptest.NewRecorder(), req, &c)
		v = c.Amount
	} else {
		var p planRequest
		err = decodeJSON(httptest.NewRecorder(), req, &p)
		if p.PriceMonthly != nil {
			v = *p.PriceMonthly
		}
	}
	if err != nil {
		return 0, err
	}
	return v, r.Check(field, v)
}

// FuzzAmountJSON: whatever stands where an amount goes in a JSON body, it
// is a 400 or accepted, never a panic or an internal error; and when it is
// one JSON value, it is accepted exactly when it is a whole number in the
// range (big.Int says), with that value, and any other number is told the
// range on the field.
func FuzzAmountJSON(f *testing.F) {
	f.Fuzz(func(t *testing.T, literal string) {
		for _, c := range []struct {
			field string
			r     webrana.AmountRange
		}{{"amount", webrana.CreditRange}, {"price_monthly", webrana.PriceRange}} {
			got, err := amountFromJSON(literal, c.field, c.r)
			if err != nil && webrana.ErrorCode(err) != webrana.EINVALID {
				t.Fatalf("%s %q: %v, want a 400", c.field, literal, err)
			}
			if !json.Valid([]byte(literal)) {
				continue // more than a value: other fields may come with it
			}
			lit := strings.Trim(literal, " \t\r\n")
			want, isInt := new(big.Int).SetString(lit, 10)
			inRange := isInt && jsonInteger.MatchString(lit) && want.Cmp(big.NewInt(c.r.Min)) >= 0 && want.Cmp(big.NewInt(c.r.Max)) <= 0
			switch {
			case inRange && (err != nil || got != want.Int64()):
				t.Fatalf("%s %q: %d, %v; want %s accepted", c.field, literal, got, err, want)
			case !inRange && err == nil:
				t.Fatalf("%s %q accepted as %d", c.field, literal, got)
			case err != nil && jsonNumber.MatchString(lit) && webrana.ErrorMessage(err) != webrana.ErrorMessage(c.r.Error(c.field)):
				t.Fatalf("%s %q: %q, want the range on the field", c.field, literal, webrana.ErrorMessage(err))
			}
		}
	})
}

// FuzzAmountForm: an amount typed in a form (major units) is accepted
// exactly when it is digits with at most two decimals whose value, in
// minor units (big.Int), is in the range; otherwise the field is told why.
func FuzzAmountForm(f *testing.F) {
	typed := regexp.MustCompile(`^[0-9]+(\.[0-9]{1,2})?$`)
	f.Fuzz(func(t *testing.T, s string) {
		minor, err := opMinorUnits("amount", s)
		if err == nil {
			err = webrana.CreditRange.Check("amount", minor)
		}
		s = strings.TrimSpace(s)
		ok, want := typed.MatchString(s), new(big.Int)
		if ok {
			whole, frac, _ := strings.Cut(s, ".")
			want.SetString(whole+(frac + "00")[:2], 10)
			ok = want.Cmp(big.NewInt(webrana.CreditRange.Min)) >= 0 && want.Cmp(big.NewInt(webrana.CreditRange.Max)) <= 0
		}
		switch {
		case ok && (err != nil || minor != want.Int64()):
			t.Fatalf("%q: %d, %v; want %s", s, minor, err, want)
		case !ok && (err == nil || webrana.ErrorField(err) != "amount"):
			t.Fatalf("%q: %d, %v; want refused on amount", s, minor, err)
		}
	})
}

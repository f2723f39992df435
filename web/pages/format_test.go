package pages

import "testing"

// TestTotal: a list's total with thousands separated, "about" when the
// database estimated it.
func TestTotal(t *testing.T) {
	for _, tc := range []struct {
		n         int
		estimated bool
		want      string
	}{
		{0, false, "0"},
		{999, false, "999"},
		{1000, false, "1,000"},
		{100000, true, "about 100,000"},
		{1234567, false, "1,234,567"},
		{-12345, false, "-12,345"},
	} {
		if got := Total(tc.n, tc.estimated); got != tc.want {
			t.Errorf("Total(%d, %v) = %q, want %q", tc.n, tc.estimated, got, tc.want)
		}
	}
}

package storetest

import (
	"testing"
	"time"
)

// TestTemplateMadeBefore: a template's name tells when it was made, and a
// name from before names carried it counts as old.
func TestTemplateMadeBefore(t *testing.T) {
	cutoff := time.Unix(1_800_000_000, 0)
	cases := []struct {
		name string
		old  bool
	}{
		{templatePrefix + "1799999999_ab12cd34", true},
		{templatePrefix + "1800000000_ab12cd34", false},
		{templatePrefix + "1800000001_ab12cd34", false},
		{templatePrefix + "d3d15892", true},
	}
	for _, c := range cases {
		if got := templateMadeBefore(c.name, cutoff); got != c.old {
			t.Errorf("templateMadeBefore(%q) = %v, want %v", c.name, got, c.old)
		}
	}
}

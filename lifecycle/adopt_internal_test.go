package lifecycle

import (
	"strings"
	"testing"

	"github.com/webrana/webrana"
)

// TestImportLabel: a server's name becomes its label where it is a valid
// one, is mended where it can be, and is replaced where it cannot.
func TestImportLabel(t *testing.T) {
	for _, tc := range []struct{ name, want string }{
		{"web-acme-01", "web-acme-01"},
		{"  db.example.com ", "db.example.com"},
		{"my server (old)", "my-server-old"},
		{"web--01", "web-01"},
		{"__x", "server-42"},
		{"☃", "server-42"},
		{strings.Repeat("a", 70), strings.Repeat("a", 64)},
	} {
		got := importLabel(tc.name, "42")
		if got != tc.want {
			t.Errorf("importLabel(%q) = %q, want %q", tc.name, got, tc.want)
		}
		if _, err := webrana.ValidLabel(got); err != nil {
			t.Errorf("importLabel(%q) = %q, not a valid label", tc.name, got)
		}
	}
}

// TestPlanFor: a size maps to the plan selling it, an active one first.
func TestPlanFor(t *testing.T) {
	retired := &webrana.Plan{ID: "retired", SizeSlug: "s-1vcpu-1gb"}
	sold := &webrana.Plan{ID: "sold", SizeSlug: "s-1vcpu-1gb", IsActive: true}
	other := &webrana.Plan{ID: "other", SizeSlug: "s-2vcpu-2gb", IsActive: true}
	for _, tc := range []struct {
		name  string
		plans []*webrana.Plan
		size  string
		want  string
	}{
		{"active wins", []*webrana.Plan{retired, other, sold}, "s-1vcpu-1gb", "sold"},
		{"a retired plan rather than none", []*webrana.Plan{retired, other}, "s-1vcpu-1gb", "retired"},
		{"no plan sells it", []*webrana.Plan{other}, "s-8vcpu-16gb", ""},
	} {
		t.Run(tc.name, func(t *testing.T) {
			got := ""
			if p := planFor(tc.plans, tc.size); p != nil {
				got = p.ID
			}
			if got != tc.want {
				t.Fatalf("planFor = %q, want %q", got, tc.want)
			}
		})
	}
}

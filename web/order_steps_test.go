package web

import (
	"testing"

	"github.com/webrana/webrana/provision"
	"github.com/webrana/webrana/web/pages"
)

// TestOrderWizardSteps: the wizard's table shows every page of the form
// once, in order, completes the order's stages in order up to the whole
// order at the review, and names each field on one step only.
func TestOrderWizardSteps(t *testing.T) {
	if len(orderWizard) != len(pages.OrderSteps) {
		t.Fatalf("%d steps in the table, %d named by the pages", len(orderWizard), len(pages.OrderSteps))
	}
	seen := map[string]int{}
	for i, st := range orderWizard {
		if st.step != i+1 {
			t.Errorf("step %d of the table is page %d", i+1, st.step)
		}
		if i > 0 && st.stage <= orderWizard[i-1].stage {
			t.Errorf("step %d completes stage %d, not after %d", st.step, st.stage, orderWizard[i-1].stage)
		}
		for _, f := range st.fields {
			if at, dup := seen[f]; dup {
				t.Errorf("field %s is asked on steps %d and %d", f, at, st.step)
			}
			seen[f] = st.step
		}
	}
	if last := orderWizard[len(orderWizard)-1]; last.stage != provision.StageAll || last.step != pages.StepReview {
		t.Errorf("the review completes stage %d, want the whole order", last.stage)
	}
	for step, want := range map[int]provision.Stage{pages.StepProvider: 0, pages.StepPlan: provision.StageProvider,
		pages.StepReview: provision.StageConfig} {
		if got := stageBefore(step); got != want {
			t.Errorf("before step %d: stage %d, want %d", step, got, want)
		}
	}
}

package invoicing_test

import (
	"context"
	"strings"
	"testing"
	"time"

	"github.com/webrana/webrana"
	"github.com/webrana/webrana/store"
)

// TestInvoiceLineWithBackups: a server whose backups were on all month
// has one line with its backups' charges named in the detail, and the
// monthly cap is said to apply only when the server's own charges reach it
// (here they do not, though with its backups they pass the plan's price).
func TestInvoiceLineWithBackups(t *testing.T) {
	engines(t, func(t *testing.T, db *store.DB) {
		ctx := context.Background()
		r := newRig(t, db, november.Add(3*24*time.Hour+10*time.Hour))
		ann := r.customer(t, "ann@example.com")
		id := r.server(t, ann, "web-1", 1, 1000) // 0.01 an hour never reaches 10.00 in November
		in, err := db.InstanceByID(ctx, id)
		must(t, err)
		plan, err := db.PlanByID(ctx, in.PlanID)
		must(t, err)
		plan.BackupPriceHourly, plan.BackupPriceMonthly = 1, 500
		_, err = db.UpdatePlan(ctx, plan)
		must(t, err)
		on := true
		_, err = db.UpdateInstance(ctx, id, store.InstanceUpdate{Backups: &on})
		must(t, err)
		r.meterUntil(t, december)
		_, err = r.inv.IssueMonth(ctx, november)
		must(t, err)
		list, _, err := r.inv.List(ctx, webrana.Actor{User: ann}, webrana.Page{})
		must(t, err)
		if len(list) != 1 || len(list[0].Lines) != 1 {
			t.Fatalf("invoices %+v", list)
		}
		line := list[0].Lines[0]
		if line.Amount != r.chargesIn(t, ann, november, december) || line.Amount <= 1000 {
			t.Fatalf("line %+v: want all of November's charges, past the plan's 10.00 with the backups", line)
		}
		if !strings.Contains(line.Detail, "backups 5.00 USD") || strings.Contains(line.Detail, "cap") {
			t.Errorf("line detail %q: want the backups' 5.00 named and no cap", line.Detail)
		}
	})
}

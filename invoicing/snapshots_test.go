package invoicing_test

import (
	"context"
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/webrana/webrana"
	"github.com/webrana/webrana/store"
)

// TestSnapshotsOnTheirOwnLine: a server's snapshot-hours are a line of
// their own ("Snapshots of web-1", hours), beside the server's line, which
// counts only its own hours and shows no cap its snapshots did not reach;
// the lines add up to the ledger's charges.
func TestSnapshotsOnTheirOwnLine(t *testing.T) {
	engines(t, func(t *testing.T, db *store.DB) {
		ctx := context.Background()
		r := newRig(t, db, november.Add(10*24*time.Hour))
		ann := r.customer(t, "ann@example.com")
		server := r.server(t, ann, "web-1", 1, 5000)
		p, err := db.ProviderByType(ctx, webrana.DigitalOcean)
		must(t, err)
		s := &webrana.Snapshot{OwnerID: ann.ID, InstanceID: server, ProviderType: webrana.DigitalOcean, Name: "golden", Region: "sgp1"}
		must(t, db.InTx(ctx, func(tx *store.Tx) error {
			if err := tx.SetSnapshotPrice(ctx, p.ID, 73); err != nil {
				return err
			}
			if err := tx.CreateSnapshot(ctx, s); err != nil {
				return err
			}
			return tx.SnapshotTaken(ctx, s.ID, "1", 20, "sgp1", r.clock.Now()) // 14.60 a month, 0.02 an hour
		}))
		r.meterUntil(t, december.Add(2*time.Hour))
		_, err = r.inv.IssueMonth(ctx, november)
		must(t, err)
		list, _, err := r.inv.List(ctx, webrana.Actor{User: ann}, webrana.Page{})
		must(t, err)
		in := list[0]
		if len(in.Lines) != 2 {
			t.Fatalf("lines %+v, want the server's and its snapshots'", in.Lines)
		}
		var snaps, srv = in.Lines[0], in.Lines[1] // sorted by label: "Snapshots of web-1" < "web-1"
		// The hours the meter wrote in November (those of its last evening
		// are written at December's first run, as a server's are), 0.02 each.
		hours := snaps.Amount / 2
		if snaps.Description != "Snapshots of web-1" || hours < 20*24-6 || hours > 20*24 || snaps.Detail != fmt.Sprintf("%d hours", hours) {
			t.Errorf("snapshots' line %+v, want the month's snapshot-hours at 0.02", snaps)
		}
		if !strings.HasPrefix(srv.Description, "web-1") || strings.Contains(srv.Detail, "cap") {
			t.Errorf("server's line %+v", srv)
		}
		if in.Total != snaps.Amount+srv.Amount || in.Total != r.chargesIn(t, ann, november, december) {
			t.Fatalf("total %d, lines %d + %d, ledger %d", in.Total, snaps.Amount, srv.Amount, r.chargesIn(t, ann, november, december))
		}
	})
}

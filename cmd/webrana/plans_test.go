package main

import (
	"context"
	"testing"

	"github.com/webrana/webrana/store"
)

// TestDemoPlansMatchTheCatalog: every sandbox plan passes the same catalog
// check an operator's plan must pass, against the simulator's catalog.
func TestDemoPlansMatchTheCatalog(t *testing.T) {
	m := startMain(t, map[string]string{"WEBRANA_DATA_DIR": t.TempDir()})
	plans, err := m.DB.ListPlans(context.Background(), store.PlanFilter{})
	if err != nil || len(plans) != len(demoPlans) {
		t.Fatalf("%d demo plans, %v", len(plans), err)
	}
	for _, p := range plans {
		checked := *p
		if err := checked.Validate(); err != nil {
			t.Errorf("demo plan %s: %v", p.Name, err)
		}
		if err := m.Catalog.CheckPlan(context.Background(), &checked); err != nil {
			t.Errorf("demo plan %s fails the catalog check: %v", p.Name, err)
		}
		sizes, err := m.Catalog.GetSizes(context.Background(), p.ProviderType)
		if err != nil {
			t.Fatal(err)
		}
		for _, z := range sizes.Items {
			if z.Slug == p.SizeSlug && (z.VCPUs != p.VCPUs || z.MemoryMB != p.MemoryMB || z.DiskGB != p.DiskGB) {
				t.Errorf("demo plan %s says %d vCPU, %d MB, %d GB; the catalog says %d, %d, %d",
					p.Name, p.VCPUs, p.MemoryMB, p.DiskGB, z.VCPUs, z.MemoryMB, z.DiskGB)
			}
		}
	}
}

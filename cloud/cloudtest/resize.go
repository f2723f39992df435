package cloudtest

import (
	"context"
	"testing"

	"github.com/webrana/webrana/cloud"
)

// testResizeDisk: a resize does to the disk what Capabilities.ResizeDisk
// declares. Optional: without Disk the server gets the bigger size's CPU
// and memory and keeps its disk; with Disk the disk grows to the size's.
// Always: the disk grows with every resize, and a resize that does not ask
// for it is refused before the provider is asked. Instance.DiskGB reports
// the disk the server has.
func testResizeDisk(t *testing.T, f *fixture) {
	ctx := context.Background()
	sizes, err := f.client.Sizes(ctx)
	if err != nil {
		t.Fatal(err)
	}
	disk := map[string]int{}
	for _, s := range sizes {
		disk[s.Slug] = s.DiskGB
	}
	if disk[f.h.BiggerSize] <= disk[f.h.Size] {
		t.Fatalf("harness: BiggerSize %s (%d GB) must have a bigger disk than %s (%d GB)", f.h.BiggerSize, disk[f.h.BiggerSize], f.h.Size, disk[f.h.Size])
	}
	in := f.createActive(f.createReq("webrana-disk"))
	if in.DiskGB != disk[f.h.Size] {
		t.Fatalf("a new %s server has a %d GB disk, want %d", f.h.Size, in.DiskGB, disk[f.h.Size])
	}
	if f.caps().ResizeStopped {
		f.runAction(in.ID, cloud.ActionRequest{Type: cloud.ActionPowerOff})
	}
	keep := cloud.ActionRequest{Type: cloud.ActionResize, Size: f.h.BiggerSize}
	switch f.caps().ResizeDisk {
	case cloud.ResizeDiskAlways:
		before := requests(f.sim.Stats())
		_, err := f.client.DoAction(ctx, in.ID, keep)
		wantField(t, err, "disk", "a resize keeping the disk where the disk always grows")
		if requests(f.sim.Stats()) != before {
			t.Fatal("a refused resize reached the provider")
		}
		keep.Disk = true
		if got := f.runAction(in.ID, keep); got.Size != f.h.BiggerSize || got.DiskGB != disk[f.h.BiggerSize] {
			t.Fatalf("after the resize: size %s, disk %d GB; want %s with %d GB", got.Size, got.DiskGB, f.h.BiggerSize, disk[f.h.BiggerSize])
		}
	case cloud.ResizeDiskOptional:
		if got := f.runAction(in.ID, keep); got.Size != f.h.BiggerSize || got.DiskGB != disk[f.h.Size] {
			t.Fatalf("after a CPU and memory resize: size %s, disk %d GB; want %s keeping %d GB", got.Size, got.DiskGB, f.h.BiggerSize, disk[f.h.Size])
		}
		// The disk grows only with a size change: back down is refused for
		// the disk's sake only once it grew, so grow it on a second server.
		other := f.createActive(f.createReq("webrana-disk-2"))
		if f.caps().ResizeStopped {
			f.runAction(other.ID, cloud.ActionRequest{Type: cloud.ActionPowerOff})
		}
		grow := cloud.ActionRequest{Type: cloud.ActionResize, Size: f.h.BiggerSize, Disk: true}
		if got := f.runAction(other.ID, grow); got.Size != f.h.BiggerSize || got.DiskGB != disk[f.h.BiggerSize] {
			t.Fatalf("after a disk resize: size %s, disk %d GB; want %s with %d GB", got.Size, got.DiskGB, f.h.BiggerSize, disk[f.h.BiggerSize])
		}
		_, err := f.client.DoAction(ctx, other.ID, cloud.ActionRequest{Type: cloud.ActionResize, Size: f.h.Size})
		if err == nil || cloud.Transient(err) {
			t.Fatalf("resizing a grown disk back to a smaller size: %v; a disk resize is permanent", err)
		}
	case cloud.ResizeDiskNever:
		_, err := f.client.DoAction(ctx, in.ID, cloud.ActionRequest{Type: cloud.ActionResize, Size: f.h.BiggerSize, Disk: true})
		wantField(t, err, "disk", "a disk resize where none is declared")
	}
}

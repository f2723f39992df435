package cloudsim_test

import (
	"testing"

	"github.com/digitalocean/godo"

	"github.com/webrana/webrana/cloudsim"
)

// TestDigitalOceanResizeDisk: a resize with disk:true grows the disk to the
// new size's, one with disk:false keeps it (CPU and memory only); a grown
// disk can never go back to a size with a smaller one.
func TestDigitalOceanResizeDisk(t *testing.T) {
	t.Parallel()
	h := newDOHarness(t, []cloudsim.AccountSpec{doAccount("disk", 10)})
	c := h.client(t, "disk")
	resize := func(d *godo.Droplet, size string, disk bool) *godo.Droplet {
		t.Helper()
		if _, _, err := c.DropletActions.Resize(ctx, d.ID, size, disk); err != nil {
			t.Fatalf("resize to %s (disk %v): %v", size, disk, err)
		}
		h.clock.Advance(doActionDelay)
		got, _, err := c.Droplets.Get(ctx, d.ID)
		if err != nil {
			t.Fatal(err)
		}
		return got
	}
	off := func(name string) *godo.Droplet {
		d := mustCreate(t, c, createReq(name))
		h.clock.Advance(doCreateDelay)
		if _, _, err := c.DropletActions.PowerOff(ctx, d.ID); err != nil {
			t.Fatal(err)
		}
		h.clock.Advance(doActionDelay)
		return d
	}
	keep, grow := off("keep"), off("grow")
	if got := resize(keep, "s-1vcpu-2gb", false); got.Size.Slug != "s-1vcpu-2gb" || got.Memory != 2048 || got.Disk != 25 {
		t.Fatalf("CPU and memory resize: size %s, memory %d, disk %d; want s-1vcpu-2gb, 2048, 25", got.Size.Slug, got.Memory, got.Disk)
	}
	if got := resize(keep, "s-1vcpu-1gb", false); got.Size.Slug != "s-1vcpu-1gb" || got.Disk != 25 {
		t.Fatalf("back to the first size with the disk kept: %s, %d", got.Size.Slug, got.Disk)
	}
	if got := resize(grow, "s-1vcpu-2gb", true); got.Size.Slug != "s-1vcpu-2gb" || got.Disk != 50 {
		t.Fatalf("disk resize: size %s, disk %d; want s-1vcpu-2gb, 50", got.Size.Slug, got.Disk)
	}
	_, _, err := c.DropletActions.Resize(ctx, grow.ID, "s-1vcpu-1gb", false)
	wantDOError(t, err, 422, "This size is not available because it has a smaller disk.")
}

// TestDigitalOceanCreatedVPCs: a created VPC is listed and shown, takes
// droplets of its region only, cannot be deleted while it has members nor
// be named twice; a region's default VPC cannot be deleted at all.
func TestDigitalOceanCreatedVPCs(t *testing.T) {
	t.Parallel()
	h := newDOHarness(t, []cloudsim.AccountSpec{doAccount("nets", 10), doAccount("nets-other", 10)},
		specException{Request: true, Method: "POST", Path: "/v2/vpcs", Match: "doesn't match the regular expression",
			Reason: "the test sends a bad name on purpose, to see it refused"})
	c := h.client(t, "nets")
	v, _, err := c.VPCs.Create(ctx, &godo.VPCCreateRequest{Name: "prod.net", RegionSlug: "sgp1", Description: "production"})
	if err != nil || v.Default || v.RegionSlug != "sgp1" || v.IPRange == "" || v.URN != "do:vpc:"+v.ID {
		t.Fatalf("created %+v, %v", v, err)
	}
	if got, _, err := c.VPCs.Get(ctx, v.ID); err != nil || got.Name != "prod.net" || got.Description != "production" {
		t.Fatalf("get %+v, %v", got, err)
	}
	_, _, err = c.VPCs.Create(ctx, &godo.VPCCreateRequest{Name: "prod.net", RegionSlug: "sgp1"})
	wantDOError(t, err, 422, "A VPC with this name already exists.")
	_, _, err = c.VPCs.Create(ctx, &godo.VPCCreateRequest{Name: "bad name", RegionSlug: "sgp1"})
	wantDOError(t, err, 422, "name may only contain alphanumeric characters, dashes, and periods")
	_, _, err = h.client(t, "nets-other").VPCs.Get(ctx, v.ID)
	wantDOError(t, err, 404, "")
	elsewhere := createReq("fra")
	elsewhere.Region, elsewhere.VPCUUID = "fra1", v.ID
	_, _, err = c.Droplets.Create(ctx, elsewhere)
	wantDOError(t, err, 422, "You specified invalid VPC parameters for Droplet creation.")
	in := createReq("member")
	in.VPCUUID = v.ID
	d := mustCreate(t, c, in)
	if d.VPCUUID != v.ID {
		t.Fatalf("droplet in %s", d.VPCUUID)
	}
	_, err = c.VPCs.Delete(ctx, v.ID)
	wantDOError(t, err, 409, "Cannot delete a VPC network that has members.")
	vpcs, _, _ := c.VPCs.List(ctx, &godo.ListOptions{PerPage: 200})
	_, err = c.VPCs.Delete(ctx, vpcs[0].ID)
	wantDOError(t, err, 403, "Cannot delete the default VPC network of a region.")
	if _, err := c.Droplets.Delete(ctx, d.ID); err != nil {
		t.Fatal(err)
	}
	if _, err := c.VPCs.Delete(ctx, v.ID); err != nil {
		t.Fatalf("delete an empty VPC: %v", err)
	}
	_, _, err = c.VPCs.Get(ctx, v.ID)
	wantDOError(t, err, 404, "")
}

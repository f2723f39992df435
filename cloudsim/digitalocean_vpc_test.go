package cloudsim_test

import (
	"slices"
	"strconv"
	"strings"
	"testing"

	"github.com/digitalocean/godo"

	"github.com/webrana/webrana/cloudsim"
)

// TestDigitalOceanVPCs: every account has a default VPC per available
// region, listed over pages and found by id; droplets go into their
// region's; a create naming a VPC that is not the account's, or in another
// region, is refused as DigitalOcean refuses it.
func TestDigitalOceanVPCs(t *testing.T) {
	t.Parallel()
	h := newDOHarness(t, []cloudsim.AccountSpec{doAccount("vpcs", 10), doAccount("neighbour", 10)})
	c := h.client(t, "vpcs")
	var vpcs []*godo.VPC
	for page := 1; ; page++ {
		got, res, err := c.VPCs.List(ctx, &godo.ListOptions{Page: page, PerPage: 5})
		if err != nil {
			t.Fatal(err)
		}
		vpcs = append(vpcs, got...)
		if res.Links == nil || res.Links.IsLastPage() {
			break
		}
	}
	byRegion := map[string]*godo.VPC{}
	for _, v := range vpcs {
		if !v.Default || v.Name != "default-"+v.RegionSlug || v.URN != "do:vpc:"+v.ID || !strings.HasPrefix(v.IPRange, "10.") ||
			v.CreatedAt.IsZero() {
			t.Errorf("vpc %+v", v)
		}
		byRegion[v.RegionSlug] = v
	}
	if len(vpcs) != 10 || byRegion["sgp1"] == nil || byRegion["ams2"] != nil {
		t.Fatalf("%d VPCs (one per available region): %v", len(vpcs), byRegion)
	}
	if got, _, err := c.VPCs.Get(ctx, byRegion["fra1"].ID); err != nil || got.RegionSlug != "fra1" || got.ID != byRegion["fra1"].ID {
		t.Fatalf("get vpc: %+v, %v", got, err)
	}
	_, _, err := c.VPCs.Get(ctx, "5a4981aa-9653-4bd1-bef5-d6bff52042e4")
	wantDOError(t, err, 404, "The resource you were accessing could not be found.")
	theirs, _, err := h.client(t, "neighbour").VPCs.List(ctx, nil)
	if err != nil || len(theirs) != 10 || theirs[0].ID == vpcs[0].ID {
		t.Fatalf("another account's VPCs are its own: %v, %v", theirs, err)
	}

	plain := mustCreate(t, c, createReq("plain"))
	if plain.VPCUUID != byRegion["sgp1"].ID {
		t.Fatalf("droplet without vpc_uuid in %s, want sgp1's default %s", plain.VPCUUID, byRegion["sgp1"].ID)
	}
	inVPC := createReq("in-vpc")
	inVPC.VPCUUID = byRegion["sgp1"].ID
	if d := mustCreate(t, c, inVPC); d.VPCUUID != byRegion["sgp1"].ID {
		t.Fatalf("droplet in its region's VPC: %s", d.VPCUUID)
	}
	for name, vpc := range map[string]string{
		"unknown":        "5a4981aa-9653-4bd1-bef5-d6bff52042e4",
		"another region": byRegion["fra1"].ID,
		"another's":      theirs[0].ID,
		"not a uuid":     "vpc-1",
	} {
		req := createReq("refused")
		req.VPCUUID = vpc
		_, _, err := c.Droplets.Create(ctx, req)
		if err == nil {
			t.Fatalf("create with %s VPC accepted", name)
		}
		wantDOError(t, err, 422, "You specified invalid VPC parameters for Droplet creation.")
	}
	if n := h.sim.Accounts()[0].Instances; n != 2 {
		t.Fatalf("%d droplets after the refusals, want 2", n)
	}
}

// TestDigitalOceanListRefusesTagWithName: tag_name "can not be combined
// with name or type" (the spec).
func TestDigitalOceanListRefusesTagWithName(t *testing.T) {
	t.Parallel()
	h := newDOHarness(t, []cloudsim.AccountSpec{doAccount("combo", 5)})
	for _, q := range []string{"tag_name=web&name=web-1", "tag_name=web&type=gpus"} {
		code, _, body := h.raw(t, "GET", "/v2/droplets?"+q, "combo", "")
		if code != 400 || body["id"] != "bad_request" || !strings.Contains(body["message"].(string), "can not be combined") {
			t.Errorf("%s: %d %v", q, code, body)
		}
	}
	if code, _, _ := h.raw(t, "GET", "/v2/droplets?tag_name=web", "combo", ""); code != 200 {
		t.Fatalf("tag_name alone: %d", code)
	}
}

// TestDigitalOceanRestore: the restore action puts a snapshot of the
// droplet back on it; any other image, or none, is refused.
func TestDigitalOceanRestore(t *testing.T) {
	t.Parallel()
	h := newDOHarness(t, []cloudsim.AccountSpec{doAccount("restore", 5)})
	c := h.client(t, "restore")
	d := mustCreate(t, c, createReq("restored"))
	other := mustCreate(t, c, createReq("other"))
	h.clock.Advance(doCreateDelay)
	for _, id := range []int{d.ID, other.ID} {
		if _, _, err := c.DropletActions.Snapshot(ctx, id, "golden"); err != nil {
			t.Fatal(err)
		}
	}
	h.clock.Advance(doActionDelay)
	snaps, _, err := c.Droplets.Snapshots(ctx, d.ID, nil)
	if err != nil || len(snaps) != 1 || snaps[0].Name != "golden" || snaps[0].Type != "snapshot" || !slices.Equal(snaps[0].Regions, []string{"sgp1"}) {
		t.Fatalf("droplet snapshots: %+v, %v", snaps, err)
	}
	theirs, _, _ := c.Droplets.Snapshots(ctx, other.ID, nil)

	_, _, err = c.DropletActions.Restore(ctx, d.ID, 123456)
	wantDOError(t, err, 422, "You specified an invalid image for Droplet restore: it must be a backup or snapshot of this Droplet.")
	_, _, err = c.DropletActions.Restore(ctx, d.ID, theirs[0].ID)
	wantDOError(t, err, 422, "You specified an invalid image for Droplet restore: it must be a backup or snapshot of this Droplet.")
	code, _, body := h.raw(t, "POST", "/v2/droplets/"+strconv.Itoa(d.ID)+"/actions", "restore", `{"type":"restore"}`)
	if code != 422 || body["message"] != "Image can't be blank." {
		t.Fatalf("restore without an image: %d %v", code, body)
	}

	if _, _, err := c.DropletActions.PowerOff(ctx, d.ID); err != nil {
		t.Fatal(err)
	}
	h.clock.Advance(doActionDelay)
	a, res, err := c.DropletActions.Restore(ctx, d.ID, snaps[0].ID)
	if err != nil || res.StatusCode != 201 || a.Type != "restore" || a.Status != "in-progress" {
		t.Fatalf("restore: %+v, %v", a, err)
	}
	h.clock.Advance(doActionDelay)
	if got := mustGet(t, c, d.ID); got.Status != "active" || got.Image.Slug != "ubuntu-24-04-x64" {
		t.Fatalf("after the restore: %s, image %s", got.Status, got.Image.Slug)
	}
	if done, _, err := c.DropletActions.Get(ctx, d.ID, a.ID); err != nil || done.Status != "completed" {
		t.Fatalf("restore action: %+v, %v", done, err)
	}
	_, _, err = c.Droplets.Snapshots(ctx, 999999999, nil)
	wantDOError(t, err, 404, "")
}

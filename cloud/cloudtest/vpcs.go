package cloudtest

import (
	"context"
	"slices"
	"testing"

	"github.com/webrana/webrana/cloud"
)

// testVPCs: where VPCs are declared, a VPC created in the region is listed,
// takes a server, is refused deletion while the server is in it, and is
// deleted once it is not (then NotFound); a second VPC of the same name is
// refused; a bad name is refused before the provider is asked. Where they
// are not declared, every VPC call is refused before the provider is asked.
func testVPCs(t *testing.T, f *fixture) {
	ctx := context.Background()
	if !f.caps().VPC {
		before := requests(f.sim.Stats())
		_, err := f.client.CreateVPC(ctx, cloud.VPCRequest{Name: "webrana-net", Region: f.h.Region})
		wantField(t, err, "vpc", "CreateVPC where VPCs are not declared")
		_, err = f.client.ListVPCs(ctx)
		wantField(t, err, "vpc", "ListVPCs where VPCs are not declared")
		wantField(t, f.client.DeleteVPC(ctx, "x"), "vpc", "DeleteVPC where VPCs are not declared")
		if requests(f.sim.Stats()) != before {
			t.Fatal("an undeclared VPC call reached the provider")
		}
		return
	}
	_, err := f.client.CreateVPC(ctx, cloud.VPCRequest{Name: "bad name!", Region: f.h.Region})
	wantField(t, err, "name", "a VPC name with spaces")
	v, err := f.client.CreateVPC(ctx, cloud.VPCRequest{Name: "webrana-net", Region: f.h.Region, Description: "for a customer"})
	if err != nil {
		t.Fatal(err)
	}
	if v.ID == "" || v.Name != "webrana-net" || v.Region != f.h.Region || v.Default {
		t.Fatalf("created VPC %+v", v)
	}
	if _, err := f.client.CreateVPC(ctx, cloud.VPCRequest{Name: "webrana-net", Region: f.h.Region}); err == nil || cloud.Transient(err) {
		t.Fatalf("a second VPC of the same name: %v", err)
	}
	list, err := f.client.ListVPCs(ctx)
	if err != nil || !slices.ContainsFunc(list, func(x *cloud.VPC) bool { return x.ID == v.ID && x.Region == f.h.Region }) {
		t.Fatalf("ListVPCs %v, %v: the new VPC is not listed", list, err)
	}
	req := f.createReq("webrana-vpc")
	req.VPCUUID = v.ID
	in := f.createActive(req)
	if in.VPCUUID != v.ID {
		t.Fatalf("server created in VPC %s is in %q", v.ID, in.VPCUUID)
	}
	if err := f.client.DeleteVPC(ctx, v.ID); err == nil || cloud.Transient(err) {
		t.Fatalf("deleting a VPC with a server in it: %v", err)
	}
	if err := f.client.DeleteInstance(ctx, in.ID); err != nil {
		t.Fatal(err)
	}
	if err := f.client.DeleteVPC(ctx, v.ID); err != nil {
		t.Fatalf("deleting an empty VPC: %v", err)
	}
	wantCode(t, f.client.DeleteVPC(ctx, v.ID), cloud.NotFound, "deleting a deleted VPC")
}

package web

import (
	"context"
	"net/http"

	"github.com/webrana/webrana"
	"github.com/webrana/webrana/lifecycle"
	"github.com/webrana/webrana/providers"
	"github.com/webrana/webrana/store"
	"github.com/webrana/webrana/web/pages"
)

// ptrActions is how many of a server's latest actions are read for the
// PTRs Webrana set (the largest page).
const ptrActions = 200

// serverNetworking is what the Networking section shows: the addresses
// with the PTRs Webrana set (from the action history), whether reverse DNS
// can be set now and what it does besides, the VPC, and how the provider
// resizes disks.
func (s *Server) serverNetworking(r *http.Request, in *store.InstanceRow) (pages.ServerNetworking, error) {
	reg := providers.Of(in.ProviderType)
	n := pages.ServerNetworking{ProviderName: reg.Name, ResizeDisk: reg.Capabilities.ResizeDisk, VPCUUID: in.Options.VPCUUID,
		VPCs: reg.Capabilities.VPC,
		RDNS: lifecycle.Allowed(in.Instance, webrana.ActionSetRDNS) == nil, RDNSNote: lifecycle.RDNSNote(in.Instance, "")}
	if in.IPv4 != "" || in.IPv6 != "" {
		actions, _, err := s.servers.Actions(r.Context(), in.ID, webrana.Page{PerPage: ptrActions})
		if err != nil {
			return n, err
		}
		ptrs := lifecycle.PTRs(in.Instance, actions)
		if in.IPv4 != "" {
			n.Addresses = append(n.Addresses, pages.ServerAddress{Family: "IPv4", IP: in.IPv4, PTR: ptrs[in.IPv4]})
		}
		if in.IPv6 != "" {
			n.Addresses = append(n.Addresses, pages.ServerAddress{Family: "IPv6", IP: in.IPv6, PTR: ptrs[in.IPv6]})
		}
	}
	if s.vpcs != nil {
		v, err := s.vpcs.Of(r.Context(), in.Instance)
		if err != nil {
			return n, err
		}
		n.VPC = v
	}
	return n, nil
}

// handleServerRDNSForm sets an address's reverse DNS as POST
// /api/vps/{id}/actions {"type":"set_rdns"} does; a refusal shows the
// server page again with the reason.
func (s *Server) handleServerRDNSForm(w http.ResponseWriter, r *http.Request) error {
	in, err := s.ownedServer(r.Context(), principal(r), r.PathValue("id"))
	if err != nil {
		return err
	}
	req := lifecycle.Request{Type: webrana.ActionSetRDNS, IP: r.PostFormValue("ip"), PTR: r.PostFormValue("ptr")}
	form := pages.ServerActionForm{Type: req.Type, IP: req.IP, PTR: req.PTR}
	a, err := s.actOn(r, in.Instance, req)
	if err != nil {
		var ok bool
		if form.Err, ok = inputError(err); !ok {
			return err
		}
		return s.renderServer(w, r, ErrorStatus(err), in, form)
	}
	msg := "Reverse DNS of " + a.Params.IP + " requested: " + a.Params.PTR + "."
	if a.Note != "" {
		msg += " " + a.Note
	}
	redirectFlash(w, r, "/servers/"+in.ID, msg)
	return nil
}

// formDisk is the resize form's disk choice: nil when the form does not
// say (the provider's default).
func formDisk(r *http.Request) *bool {
	switch r.PostFormValue("disk") {
	case "true", "on":
		t := true
		return &t
	case "false":
		f := false
		return &f
	}
	return nil
}

// orderVPCs are the customer's VPCs an order may name: of its provider, in
// its region.
func (s *Server) orderVPCs(ctx context.Context, me *webrana.User, f *pages.OrderForm) ([]*webrana.VPC, error) {
	if s.vpcs == nil {
		return nil, nil
	}
	all, err := s.vpcs.List(ctx, me)
	if err != nil {
		return nil, err
	}
	var out []*webrana.VPC
	for _, v := range all {
		if v.ProviderType == f.Provider && v.Region == f.Region {
			out = append(out, v)
		}
	}
	return out, nil
}

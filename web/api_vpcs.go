package web

import (
	"net/http"

	"github.com/webrana/webrana"
	"github.com/webrana/webrana/vpcs"
)

// Customers' VPCs (issue 19): a customer's own under /api/vpcs (another
// customer's is not found), the operator's assignment under /api/admin/vpcs.

// vpcList is the list answer.
type vpcList struct {
	Items []*webrana.VPC `json:"items"`
}

// shownVPC is a VPC as the caller may see it: the account only to
// administrators.
func shownVPC(r *http.Request, v *webrana.VPC) *webrana.VPC {
	if principal(r).IsAdmin() {
		return v
	}
	c := *v
	c.AccountID = ""
	return &c
}

func (s *Server) handleListVPCs(w http.ResponseWriter, r *http.Request) error {
	list, err := s.vpcs.List(r.Context(), principal(r).User)
	if err != nil {
		return err
	}
	out := vpcList{Items: make([]*webrana.VPC, 0, len(list))}
	for _, v := range list {
		out.Items = append(out.Items, shownVPC(r, v))
	}
	writeJSON(w, http.StatusOK, out)
	return nil
}

func (s *Server) handleCreateVPC(w http.ResponseWriter, r *http.Request) error {
	var req vpcs.Request
	if err := decodeJSON(w, r, &req); err != nil {
		return err
	}
	v, err := s.vpcs.Create(r.Context(), actor(r), req)
	if err != nil {
		return err
	}
	writeJSON(w, http.StatusCreated, shownVPC(r, v))
	return nil
}

func (s *Server) handleGetVPC(w http.ResponseWriter, r *http.Request) error {
	v, err := s.vpcs.Get(r.Context(), principal(r).User, r.PathValue("id"))
	if err != nil {
		return err
	}
	writeJSON(w, http.StatusOK, shownVPC(r, v))
	return nil
}

func (s *Server) handleDeleteVPC(w http.ResponseWriter, r *http.Request) error {
	if err := s.vpcs.Delete(r.Context(), actor(r), principal(r).User, r.PathValue("id")); err != nil {
		return err
	}
	w.WriteHeader(http.StatusNoContent)
	return nil
}

func (s *Server) handleAdminListVPCs(w http.ResponseWriter, r *http.Request) error {
	list, err := s.vpcs.ListAll(r.Context())
	if err != nil {
		return err
	}
	writeJSON(w, http.StatusOK, vpcList{Items: list})
	return nil
}

func (s *Server) handleAssignVPC(w http.ResponseWriter, r *http.Request) error {
	var req vpcs.Assignment
	if err := decodeJSON(w, r, &req); err != nil {
		return err
	}
	v, err := s.vpcs.Assign(r.Context(), actor(r), req)
	if err != nil {
		return err
	}
	writeJSON(w, http.StatusCreated, v)
	return nil
}

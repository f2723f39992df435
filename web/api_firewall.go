package web

import (
	"net/http"

	"github.com/webrana/webrana"
)

// A server's firewall: its inbound rules (GET), and new ones (PUT), applied
// at the provider by a `firewall` action (202 with the action). Another
// customer's server is not found.

// firewallRequest is the body of PUT /api/vps/{id}/firewall.
type firewallRequest struct {
	Inbound *[]webrana.FirewallRule `json:"inbound"`
}

func (s *Server) handleGetFirewall(w http.ResponseWriter, r *http.Request) error {
	row, err := s.ownedServer(r.Context(), principal(r), r.PathValue("id"))
	if err != nil {
		return err
	}
	fw, err := s.servers.Firewall(r.Context(), row.Instance)
	if err != nil {
		return err
	}
	writeJSON(w, http.StatusOK, fw)
	return nil
}

func (s *Server) handlePutFirewall(w http.ResponseWriter, r *http.Request) error {
	row, err := s.ownedServer(r.Context(), principal(r), r.PathValue("id"))
	if err != nil {
		return err
	}
	var req firewallRequest
	if err := decodeJSON(w, r, &req); err != nil {
		return err
	}
	if req.Inbound == nil {
		return webrana.FieldError("inbound", "Give the inbound rules (an empty list lets no traffic in).")
	}
	a, err := s.servers.SetFirewall(r.Context(), actor(r), row.Instance, *req.Inbound)
	if err != nil {
		return err
	}
	writeJSON(w, http.StatusAccepted, a)
	return nil
}

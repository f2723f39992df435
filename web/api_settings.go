package web

import (
	"net/http"

	"github.com/webrana/webrana/auth"
)

// The operators' settings changed in the panel: one object, every field
// optional in a change. Each field belongs to the service whose rule it
// is (admin_totp: auth).

type settingsBody struct {
	AdminTOTP *bool `json:"admin_totp,omitempty"`
}

type settingsResponse struct {
	AdminTOTP bool `json:"admin_totp"`
}

func (s *Server) handleGetSettings(w http.ResponseWriter, r *http.Request) error {
	st, err := s.auth.Settings(r.Context())
	if err != nil {
		return err
	}
	writeJSON(w, http.StatusOK, settingsResponse{AdminTOTP: st.AdminTOTP})
	return nil
}

func (s *Server) handlePatchSettings(w http.ResponseWriter, r *http.Request) error {
	var req settingsBody
	if err := decodeJSON(w, r, &req); err != nil {
		return err
	}
	st, err := s.auth.ChangeSettings(r.Context(), principal(r), auth.SettingsChange{AdminTOTP: req.AdminTOTP}, sourceAddr(r))
	if err != nil {
		return err
	}
	writeJSON(w, http.StatusOK, settingsResponse{AdminTOTP: st.AdminTOTP})
	return nil
}

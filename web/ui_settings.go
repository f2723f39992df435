package web

import (
	"net/http"

	"github.com/webrana/webrana/auth"
	"github.com/webrana/webrana/web/pages"
)

// settingsPages registers the operators' settings page, the panel's face of
// /api/admin/settings.
func (s *Server) settingsPages() {
	s.ui("GET /admin/settings", Admin, s.opSettings)
	s.ui("POST /admin/settings", Admin, s.opSaveSettings)
}

func (s *Server) opSettings(w http.ResponseWriter, r *http.Request) error {
	st, err := s.auth.Settings(r.Context())
	if err != nil {
		return err
	}
	s.render(w, r, http.StatusOK, pages.OpSettings(s.frame(w, r, "Settings", "admin-settings"), pages.OpSettingsData{AdminTOTP: st.AdminTOTP}))
	return nil
}

// opSaveSettings applies the form's sections; a section not in the form
// (its marker field absent) changes nothing.
func (s *Server) opSaveSettings(w http.ResponseWriter, r *http.Request) error {
	var c auth.SettingsChange
	if r.PostFormValue("admin_totp_shown") != "" {
		on := r.PostFormValue("admin_totp") == "true"
		c.AdminTOTP = &on
	}
	if _, err := s.auth.ChangeSettings(r.Context(), principal(r), c, sourceAddr(r)); err != nil {
		return err
	}
	redirectFlash(w, r, "/admin/settings", "Settings saved.")
	return nil
}

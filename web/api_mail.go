package web

import (
	"net/http"

	"github.com/webrana/webrana"
)

// mailRoutes registers the outgoing-mail path's routes: the outbox for
// operators (in the sandbox, where mail is kept, how newcomers read every
// e-mail Webrana would send) and customers' notification preferences.
func (s *Server) mailRoutes() {
	s.api("GET /api/admin/mail", Admin, s.handleListMail)
	s.api("GET /api/admin/mail/{id}", Admin, s.handleGetMail)
	s.api("GET /api/me/notifications", SignedIn, s.handleGetNotifications)
	s.api("PATCH /api/me/notifications", SignedIn, s.handleSetNotifications)
	s.ui("GET /admin/mail", Admin, s.opMail)
	s.ui("GET /admin/mail/{id}", Admin, s.opMailMessage)
	s.ui("POST /account/notifications", SignedIn, s.handleNotificationsForm)
}

func (s *Server) handleListMail(w http.ResponseWriter, r *http.Request) error {
	page, err := pageParams(r)
	if err != nil {
		return err
	}
	items, total, err := s.mail.List(r.Context(), page)
	if err != nil {
		return err
	}
	writeJSON(w, http.StatusOK, newList(items, total, page))
	return nil
}

func (s *Server) handleGetMail(w http.ResponseWriter, r *http.Request) error {
	m, err := s.mail.Message(r.Context(), r.PathValue("id"))
	if err != nil {
		return err
	}
	writeJSON(w, http.StatusOK, m)
	return nil
}

func (s *Server) handleGetNotifications(w http.ResponseWriter, r *http.Request) error {
	p, err := s.mail.Preferences(r.Context(), actor(r))
	if err != nil {
		return err
	}
	writeJSON(w, http.StatusOK, p)
	return nil
}

// handleSetNotifications switches the named optional e-mails on or off;
// kinds left out keep their setting.
func (s *Server) handleSetNotifications(w http.ResponseWriter, r *http.Request) error {
	var body map[string]any
	if err := decodeJSON(w, r, &body); err != nil {
		return err
	}
	change := make(map[string]bool, len(body))
	for k, v := range body {
		on, ok := v.(bool)
		if !ok {
			return webrana.FieldError(k, "%s must be true or false.", k)
		}
		change[k] = on
	}
	p, err := s.mail.SetPreferences(r.Context(), actor(r), change)
	if err != nil {
		return err
	}
	writeJSON(w, http.StatusOK, p)
	return nil
}

package web

import (
	"net/http"

	"github.com/webrana/webrana/mail"
	"github.com/webrana/webrana/store"
	"github.com/webrana/webrana/web/pages"
)

// opMail is the operators' Mail page: what GET /api/admin/mail answers.
func (s *Server) opMail(w http.ResponseWriter, r *http.Request) error {
	page, err := pageParams(r)
	if err != nil {
		return err
	}
	items, total, err := s.mail.List(r.Context(), page)
	if err != nil {
		return err
	}
	d := pages.OpMailData{Base: "/admin/mail?", Page: page.Page, PerPage: page.PerPage, Total: total}
	for _, m := range items {
		d.Messages = append(d.Messages, mailRow(m))
	}
	s.render(w, r, http.StatusOK, pages.OpMail(s.frame(w, r, "Mail", "admin-mail"), d))
	return nil
}

// opMailMessage shows one message as GET /api/admin/mail/{id} answers it.
func (s *Server) opMailMessage(w http.ResponseWriter, r *http.Request) error {
	m, err := s.mail.Message(r.Context(), r.PathValue("id"))
	if err != nil {
		return err
	}
	d := pages.OpMailMessageData{MailRow: mailRow(m), Text: m.Text, HTML: m.HTML}
	s.render(w, r, http.StatusOK, pages.OpMailMessage(s.frame(w, r, m.Subject, "admin-mail"), d))
	return nil
}

func mailRow(m *store.MailMessage) pages.MailRow {
	return pages.MailRow{ID: m.ID, To: m.To, Kind: m.Kind, Subject: m.Subject, Status: m.Status, Attempts: m.Attempts,
		LastError: m.LastError, CreatedAt: m.CreatedAt, SentAt: m.SentAt}
}

// notificationChoices are the account page's e-mail switches: what GET
// /api/me/notifications answers, in mail's order.
func (s *Server) notificationChoices(r *http.Request) ([]pages.NotificationChoice, error) {
	p, err := s.mail.Preferences(r.Context(), actor(r))
	if err != nil {
		return nil, err
	}
	out := make([]pages.NotificationChoice, 0, len(mail.OptionalKinds))
	for _, k := range mail.OptionalKinds {
		out = append(out, pages.NotificationChoice{Kind: string(k), On: p[k]})
	}
	return out, nil
}

// handleNotificationsForm saves the account page's switches as PATCH
// /api/me/notifications does: a box left unticked switches its kind off.
func (s *Server) handleNotificationsForm(w http.ResponseWriter, r *http.Request) error {
	if err := r.ParseForm(); err != nil {
		return err
	}
	change := map[string]bool{}
	for _, k := range mail.OptionalKinds {
		change[string(k)] = r.PostForm.Get(string(k)) != ""
	}
	if _, err := s.mail.SetPreferences(r.Context(), actor(r), change); err != nil {
		return err
	}
	redirectFlash(w, r, "/account", "Your e-mail notifications are saved.")
	return nil
}

package web

import (
	"crypto/rand"
	"net/http"
	"strings"

	"github.com/a-h/templ"

	"github.com/webrana/webrana"
	"github.com/webrana/webrana/auth"
	"github.com/webrana/webrana/web/pages"
)

// render writes a page with the given status.
func (s *Server) render(w http.ResponseWriter, r *http.Request, status int, c templ.Component) {
	w.Header().Set("Content-Type", "text/html; charset=utf-8")
	w.Header().Set("X-Frame-Options", "DENY")
	w.WriteHeader(status)
	if err := c.Render(r.Context(), w); err != nil {
		s.logger.ErrorContext(r.Context(), "render page", "path", r.URL.Path, "err", err)
	}
}

// formCSRFLen is the length of a double-submit token: rand.Text's 26
// characters. A shorter cookie is not one of ours and is replaced.
const formCSRFLen = 26

// formCSRF returns the double-submit token of a visitor not yet signed in,
// setting its cookie when absent.
func formCSRF(w http.ResponseWriter, r *http.Request) string {
	if c, err := r.Cookie(csrfCookie); err == nil && len(c.Value) >= formCSRFLen {
		return c.Value
	}
	token := strings.ToLower(rand.Text())
	setCookie(w, r, csrfCookie, token, 0)
	return token
}

func (s *Server) handleLoginPage(w http.ResponseWriter, r *http.Request) {
	if p, _, err := s.authenticate(r); err == nil && p != nil {
		http.Redirect(w, r, safeNext(r.URL.Query().Get("next")), http.StatusSeeOther)
		return
	}
	s.render(w, r, http.StatusOK, pages.Login(pages.LoginData{Next: safeNext(r.URL.Query().Get("next")), CSRF: formCSRF(w, r)}))
}

// handleLoginForm signs a browser in. The previous session, if any, is
// ended and a new one issued, so a session id planted before sign-in is
// worth nothing after it (no session fixation).
func (s *Server) handleLoginForm(w http.ResponseWriter, r *http.Request) {
	r.Body = http.MaxBytesReader(w, r.Body, maxBody)
	data := pages.LoginData{Email: r.PostFormValue("email"), Next: safeNext(r.PostFormValue("next"))}
	c, err := r.Cookie(csrfCookie)
	if err != nil || !validCSRF(r, c.Value) {
		data.CSRF = formCSRF(w, r)
		data.Error = webrana.ErrorMessage(errCSRF)
		s.render(w, r, http.StatusForbidden, pages.Login(data))
		return
	}
	data.CSRF = c.Value
	sess, token, err := s.auth.Login(r.Context(), data.Email, r.PostFormValue("password"), sourceAddr(r), auth.LoginBrowser)
	if err != nil {
		if e, ok := err.(*webrana.Error); ok && e.RetryAfter > 0 {
			w.Header().Set("Retry-After", retryAfterSeconds(e.RetryAfter))
		}
		data.Error = webrana.ErrorMessage(err)
		s.render(w, r, ErrorStatus(err), pages.Login(data))
		return
	}
	if old, err := r.Cookie(sessionCookie); err == nil {
		s.auth.EndSession(r.Context(), old.Value)
	}
	setCookie(w, r, sessionCookie, token, int(sess.ExpiresAt.Sub(sess.CreatedAt).Seconds()))
	http.Redirect(w, r, data.Next, http.StatusSeeOther)
}

func (s *Server) handleLogoutForm(w http.ResponseWriter, r *http.Request) {
	if err := s.auth.Logout(r.Context(), principal(r), sourceAddr(r)); err != nil {
		s.logger.ErrorContext(r.Context(), "logout", "err", err)
	}
	setCookie(w, r, sessionCookie, "", -1)
	http.Redirect(w, r, "/login", http.StatusSeeOther)
}

func (s *Server) handleHome(w http.ResponseWriter, r *http.Request) {
	p := principal(r)
	csrf := ""
	if p.Session != nil {
		csrf = p.Session.CSRFToken
	}
	s.render(w, r, http.StatusOK, pages.Home(pages.HomeData{Email: p.User.Email, Role: string(p.User.Role), CSRF: csrf}))
}

// safeNext keeps a post-login redirect on this site: a local absolute path,
// never "//host" or a scheme.
func safeNext(next string) string {
	if !strings.HasPrefix(next, "/") || strings.HasPrefix(next, "//") || strings.HasPrefix(next, "/\\") || strings.ContainsAny(next, "\r\n") {
		return "/"
	}
	return next
}

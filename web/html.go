package web

import (
	"context"
	"crypto/rand"
	"net/http"
	"net/url"
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
	// Rendered even when the request's bound has passed (the page may be
	// the one saying the provider was too slow): it reads nothing more.
	if err := c.Render(context.WithoutCancel(r.Context()), w); err != nil {
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
	mode, _ := s.auth.SignupMode(r.Context()) // unknown: no link
	s.render(w, r, http.StatusOK, pages.Login(pages.LoginData{Next: safeNext(r.URL.Query().Get("next")), CSRF: formCSRF(w, r), Hint: s.signInHint,
		SignupOpen: mode == auth.SignupOpen}))
}

// handleLoginForm signs a browser in. The previous session, if any, is
// ended and a new one issued, so a session id planted before sign-in is
// worth nothing after it (no session fixation).
func (s *Server) handleLoginForm(w http.ResponseWriter, r *http.Request) {
	data := pages.LoginData{Email: r.PostFormValue("email"), Next: safeNext(r.PostFormValue("next")), Hint: s.signInHint}
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
	setCookie(w, r, serversFilterCookie, "", -1) // a filter is one session's, not the browser's
	http.Redirect(w, r, data.Next, http.StatusSeeOther)
}

func (s *Server) handleLogoutForm(w http.ResponseWriter, r *http.Request) {
	if err := s.auth.Logout(r.Context(), principal(r), sourceAddr(r)); err != nil {
		s.logger.ErrorContext(r.Context(), "logout", "err", err)
	}
	setCookie(w, r, sessionCookie, "", -1)
	setCookie(w, r, serversFilterCookie, "", -1) // the next person starts unfiltered
	http.Redirect(w, r, "/login", http.StatusSeeOther)
}

// safeNext keeps a post-login redirect on this site: a local absolute path,
// never "//host" or a scheme.
func safeNext(next string) string {
	if !strings.HasPrefix(next, "/") || strings.HasPrefix(next, "//") || strings.HasPrefix(next, "/\\") || strings.ContainsAny(next, "\r\n") {
		return "/"
	}
	return next
}

// pageFunc is an HTML handler: a returned error is shown as a page (or, to
// an htmx request, as a message fragment).
type pageFunc func(w http.ResponseWriter, r *http.Request) error

// ui registers an HTML page whose errors are rendered for people.
func (s *Server) ui(pattern string, access Access, fn pageFunc) {
	s.page(pattern, access, func(w http.ResponseWriter, r *http.Request) {
		if err := fn(w, r); err != nil {
			s.renderProblem(w, r, providerAnswer(r, err))
		}
	})
}

// frame returns the frame of a signed-in page, taking the one-off flash
// message out of its cookie.
func (s *Server) frame(w http.ResponseWriter, r *http.Request, title, active string) pages.Frame {
	f := pages.Frame{Title: title, Active: active}
	if p := auth.PrincipalFrom(r.Context()); p != nil {
		f.Email, f.Admin = p.User.Email, p.IsAdmin()
		f.Unverified = !p.User.EmailVerified
		if p.Session != nil {
			f.CSRF = p.Session.CSRFToken
		}
	}
	if c, err := r.Cookie(flashCookie); err == nil && c.Value != "" {
		f.Flash, _ = url.QueryUnescape(c.Value)
		setCookie(w, r, flashCookie, "", -1)
	}
	return f
}

// flashCookie carries a success message over the redirect that follows a
// form (post/redirect/get).
const flashCookie = "webrana_flash"

// redirectFlash answers a successful form: back to a page, with a message.
func redirectFlash(w http.ResponseWriter, r *http.Request, to, message string) {
	if message != "" {
		setCookie(w, r, flashCookie, url.QueryEscape(message), 60)
	}
	if isHTMX(r) {
		w.Header().Set("HX-Redirect", to)
		w.WriteHeader(http.StatusNoContent)
		return
	}
	http.Redirect(w, r, to, http.StatusSeeOther)
}

// isHTMX reports whether htmx sent the request (it wants a fragment).
func isHTMX(r *http.Request) bool { return r.Header.Get("HX-Request") == "true" }

// renderProblem shows an error to a person: its message (never internal
// detail, which is logged) with the matching status.
func (s *Server) renderProblem(w http.ResponseWriter, r *http.Request, err error) {
	status := ErrorStatus(err)
	if status == http.StatusInternalServerError {
		s.logger.ErrorContext(r.Context(), "page error", "method", r.Method, "path", r.URL.Path, "err", err)
	}
	if isHTMX(r) {
		// The message goes to the page's alert area, never over the region
		// that asked (a wizard's step or a live region stays as it was).
		w.Header().Set("HX-Retarget", "#htmx-alert")
		w.Header().Set("HX-Reswap", "innerHTML show:top")
		w.Header().Set("HX-Reselect", ".problem")
		w.Header().Set("HX-Push-Url", "false") // the address keeps naming what is shown
		s.render(w, r, status, pages.ProblemFragment(webrana.ErrorMessage(err)))
		return
	}
	s.render(w, r, status, pages.Problem(s.frame(w, r, problemTitle(status), ""), webrana.ErrorMessage(err)))
}

// problemTitle names a refusal in words.
func problemTitle(status int) string {
	switch status {
	case http.StatusNotFound:
		return "Not found"
	case http.StatusForbidden:
		return "Not allowed"
	case http.StatusUnauthorized:
		return "Please sign in"
	case http.StatusInternalServerError:
		return "Something went wrong"
	}
	return http.StatusText(status)
}

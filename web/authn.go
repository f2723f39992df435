package web

import (
	"crypto/sha256"
	"crypto/subtle"
	"errors"
	"net"
	"net/http"
	"net/url"
	"strings"

	"github.com/webrana/webrana"
	"github.com/webrana/webrana/auth"
)

// Cookie names.
const (
	sessionCookie = "webrana_session"
	csrfCookie    = "webrana_csrf" // double-submit token for forms shown before sign-in
	csrfField     = "csrf_token"
	csrfHeader    = "X-CSRF-Token"
)

// authorize authenticates the caller (bearer token, else session cookie),
// enforces the route's access, and checks the CSRF token of state-changing
// requests that ride on a cookie. Bearer requests need no CSRF token: a
// browser never attaches them by itself. An administrator who must enrol in
// two factors first reaches only the routes open during enrolment.
func (s *Server) authorize(access Access, kind Kind, enrolment bool, next http.HandlerFunc) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if access == Scraper && s.isScraper(r) {
			next(w, r)
			return
		}
		p, viaCookie, err := s.authenticate(r)
		if err != nil && access != Public {
			s.deny(w, r, kind, err)
			return
		}
		if p == nil && access != Public {
			s.deny(w, r, kind, auth.ErrUnauthenticated)
			return
		}
		if access == Admin && !p.IsAdmin() {
			s.deny(w, r, kind, webrana.Errorf(webrana.EFORBIDDEN, "Administrators only."))
			return
		}
		if access == Scraper && !p.IsAdmin() {
			s.deny(w, r, kind, webrana.Errorf(webrana.EFORBIDDEN, "Administrators and the metrics scraper only."))
			return
		}
		if access != Public && p != nil && p.MustEnrolTOTP && !enrolment {
			if kind == Page && safeMethod(r.Method) && !isHTMX(r) {
				http.Redirect(w, r, "/account/two-factor", http.StatusSeeOther)
				return
			}
			s.deny(w, r, kind, auth.ErrMustEnrol)
			return
		}
		// A page's form body is bounded before anything reads it: the CSRF
		// check below parses it. API bodies are JSON, bounded by decodeJSON,
		// and never parsed as a form: `curl -d` sends JSON labelled as one.
		if kind == Page && !safeMethod(r.Method) {
			r.Body = http.MaxBytesReader(w, r.Body, maxBody)
			var tooBig *http.MaxBytesError
			if err := r.ParseForm(); errors.As(err, &tooBig) { // JSON bodies are left to decodeJSON
				s.deny(w, r, kind, webrana.Errorf(webrana.ETOOLARGE, "The form is larger than %d KiB.", maxBody>>10))
				return
			}
		}
		// Public forms (the login form) carry their own double-submit token.
		if access != Public && viaCookie && !safeMethod(r.Method) && !validCSRF(r, p.Session.CSRFToken) {
			s.deny(w, r, kind, errCSRF)
			return
		}
		if p != nil {
			r = r.WithContext(auth.WithPrincipal(r.Context(), p))
		}
		next(w, r)
	})
}

// isScraper reports whether the request carries the metrics token. Both
// sides are hashed first, so the comparison takes the same time whatever
// the lengths.
func (s *Server) isScraper(r *http.Request) bool {
	token, ok := strings.CutPrefix(r.Header.Get("Authorization"), "Bearer ")
	return ok && s.metricsToken != nil && subtle.ConstantTimeCompare(tokenDigest(strings.TrimSpace(token)), s.metricsToken) == 1
}

// tokenDigest is the SHA-256 of a token, nil for none.
func tokenDigest(token string) []byte {
	if token == "" {
		return nil
	}
	sum := sha256.Sum256([]byte(token))
	return sum[:]
}

var errCSRF = webrana.Errorf(webrana.EFORBIDDEN, "The form's security token is missing or stale; reload the page and try again.")

// authenticate returns the caller, if the request carries credentials, and
// whether they came from the session cookie.
func (s *Server) authenticate(r *http.Request) (*auth.Principal, bool, error) {
	if h := r.Header.Get("Authorization"); h != "" {
		token, ok := strings.CutPrefix(h, "Bearer ")
		if !ok {
			return nil, false, webrana.Errorf(webrana.EUNAUTHORIZED, "Use the header Authorization: Bearer <token>.")
		}
		p, err := s.auth.Authenticate(r.Context(), strings.TrimSpace(token))
		return p, false, err
	}
	c, err := r.Cookie(sessionCookie)
	if err != nil || c.Value == "" {
		return nil, false, nil
	}
	p, err := s.auth.Authenticate(r.Context(), c.Value)
	if err == nil && p.Session == nil {
		return nil, false, auth.ErrUnauthenticated // only login sessions live in cookies
	}
	return p, true, err
}

// deny answers a refused request: JSON for the API; for pages, a redirect
// to the login page when signing in would help, else the error as text.
func (s *Server) deny(w http.ResponseWriter, r *http.Request, kind Kind, err error) {
	if kind == DigitalOceanAPI {
		s.digitalOcean.Deny(w, r, err)
		return
	}
	if kind == Page && webrana.ErrorCode(err) == webrana.EUNAUTHORIZED && isHTMX(r) {
		// An htmx request (a live region's poll after the session ended)
		// must not swap the login page into the region: the whole page
		// goes to sign in, and comes back to where it was.
		w.Header().Set("HX-Redirect", "/login?next="+url.QueryEscape(htmxPage(r)))
		w.WriteHeader(http.StatusUnauthorized)
		return
	}
	if kind == Page && webrana.ErrorCode(err) == webrana.EUNAUTHORIZED && safeMethod(r.Method) {
		http.Redirect(w, r, "/login?next="+url.QueryEscape(r.URL.RequestURI()), http.StatusSeeOther)
		return
	}
	if kind == Page {
		s.renderProblem(w, r, err)
		return
	}
	s.writeError(w, r, err)
}

// denyCrossOrigin answers a browser's cross-site state-changing request:
// a JSON error on the API, as every API error is, and plain text elsewhere.
func (s *Server) denyCrossOrigin(w http.ResponseWriter, r *http.Request) {
	err := webrana.Errorf(webrana.EFORBIDDEN, "Cross-site requests are refused; use Webrana's own pages, or an API token without a browser.")
	if strings.HasPrefix(r.URL.Path, "/api/") {
		s.writeError(w, r, err)
		return
	}
	http.Error(w, webrana.ErrorMessage(err), ErrorStatus(err))
}

// htmxPage is the page an htmx request came from (HX-Current-URL), as a
// local path; the site's root when it is missing or foreign.
func htmxPage(r *http.Request) string {
	u, err := url.Parse(r.Header.Get("HX-Current-URL"))
	if err != nil || (u.Host != "" && u.Host != r.Host) {
		return "/"
	}
	return safeNext(u.RequestURI())
}

func safeMethod(m string) bool {
	return m == http.MethodGet || m == http.MethodHead || m == http.MethodOptions
}

// validCSRF compares the request's CSRF token (header or form field) with the
// expected one in constant time.
func validCSRF(r *http.Request, want string) bool {
	got := r.Header.Get(csrfHeader)
	if got == "" {
		got = r.PostFormValue(csrfField)
	}
	return want != "" && subtle.ConstantTimeCompare([]byte(got), []byte(want)) == 1
}

// sourceAddr is the caller's IP address, for throttling and the audit log.
// X-Forwarded-For is not trusted: anyone can set it.
func sourceAddr(r *http.Request) string {
	host, _, err := net.SplitHostPort(r.RemoteAddr)
	if err != nil {
		return r.RemoteAddr
	}
	return host
}

// secureCookies reports whether cookies must be marked Secure: always, but
// for plain HTTP on a loopback address (the sandbox on 127.0.0.1).
func secureCookies(r *http.Request) bool {
	if r.TLS != nil || r.Header.Get("X-Forwarded-Proto") == "https" {
		return true
	}
	host, _, err := net.SplitHostPort(r.Host)
	if err != nil {
		host = r.Host
	}
	if host == "localhost" {
		return false
	}
	ip := net.ParseIP(host)
	return ip == nil || !ip.IsLoopback()
}

func setCookie(w http.ResponseWriter, r *http.Request, name, value string, maxAge int) {
	http.SetCookie(w, &http.Cookie{Name: name, Value: value, Path: "/", MaxAge: maxAge,
		HttpOnly: true, Secure: secureCookies(r), SameSite: http.SameSiteLaxMode})
}

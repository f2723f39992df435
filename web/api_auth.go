package web

import (
	"net/http"
	"time"

	"github.com/webrana/webrana"
	"github.com/webrana/webrana/auth"
)

type loginRequest struct {
	Email    string `json:"email"`
	Password string `json:"password"`
	TOTPCode string `json:"totp_code"` // with two factors on: a current code or a recovery code
}

type loginResponse struct {
	Token     string        `json:"token"`
	ExpiresAt time.Time     `json:"expires_at"`
	User      *webrana.User `json:"user"`
}

// handleAPILogin exchanges an e-mail and password (and, with two factors
// on, a code) for a bearer token.
func (s *Server) handleAPILogin(w http.ResponseWriter, r *http.Request) error {
	var req loginRequest
	if err := decodeJSON(w, r, &req); err != nil {
		return err
	}
	if req.Email == "" || req.Password == "" {
		return webrana.Errorf(webrana.EINVALID, "Send both email and password.")
	}
	sess, token, err := s.auth.LoginWithCode(r.Context(), req.Email, req.Password, req.TOTPCode, sourceAddr(r), auth.LoginAPI)
	if err != nil {
		return err
	}
	return s.writeSession(w, r, sess, token)
}

// writeSession answers a sign-in (a login, an accepted invitation) with
// its bearer token, once, and the user.
func (s *Server) writeSession(w http.ResponseWriter, r *http.Request, sess *webrana.Session, token string) error {
	u, err := s.auth.User(r.Context(), sess.UserID)
	if err != nil {
		return err
	}
	writeJSON(w, http.StatusOK, loginResponse{Token: token, ExpiresAt: sess.ExpiresAt, User: u})
	return nil
}

// handleAPILogout ends the login session the request was made with.
func (s *Server) handleAPILogout(w http.ResponseWriter, r *http.Request) error {
	if err := s.auth.Logout(r.Context(), principal(r), sourceAddr(r)); err != nil {
		return err
	}
	w.WriteHeader(http.StatusNoContent)
	return nil
}

type meResponse struct {
	*webrana.User
	Via string `json:"via"` // "session" or "api_token"
}

// handleMe describes the caller.
func (s *Server) handleMe(w http.ResponseWriter, r *http.Request) error {
	p := principal(r)
	via := "session"
	if p.Token != nil {
		via = "api_token"
	}
	writeJSON(w, http.StatusOK, meResponse{User: p.User, Via: via})
	return nil
}

package web

import (
	"net/http"

	"github.com/webrana/webrana"
	"github.com/webrana/webrana/auth"
)

// Customers' own accounts (issue 16 §2): sign-up, confirming an address,
// password resets, invitations, the caller's password and address, and
// the operators' sign-up setting.

// messageResponse is an answer that is only words for the caller.
type messageResponse struct {
	Message string `json:"message"`
}

// The answers that must not differ whether or not an address has an
// account: one text each, for the API and the pages.
const (
	signupAccepted = "Check your inbox: if this address can be signed up with, a link to confirm it is on its way. Follow it, then sign in."
	resetAccepted  = "If this address has a Webrana account, a link to choose a new password is on its way. It works for one hour."
	emailAccepted  = "A link to confirm the new address is on its way to it. Your address changes when you follow it."
	resendAccepted = "A new confirmation link is on its way to your address. Older links no longer work."
)

// handleSignup makes a customer account (when sign-up is open). Its answer
// is the same whether or not the address had an account.
func (s *Server) handleSignup(w http.ResponseWriter, r *http.Request) error {
	var req loginRequest
	if err := decodeJSON(w, r, &req); err != nil {
		return err
	}
	if err := s.auth.Signup(r.Context(), req.Email, req.Password, sourceAddr(r)); err != nil {
		return err
	}
	writeJSON(w, http.StatusAccepted, messageResponse{signupAccepted})
	return nil
}

type tokenRequest struct {
	Token    string `json:"token"`
	Password string `json:"password"`
}

type verifyResponse struct {
	Message       string `json:"message"`
	Email         string `json:"email"`
	EmailVerified bool   `json:"email_verified"`
	EmailChanged  bool   `json:"email_changed"`
}

// handleVerify follows a confirmation link: the account's address, or a
// new address the user asked for.
func (s *Server) handleVerify(w http.ResponseWriter, r *http.Request) error {
	var req tokenRequest
	if err := decodeJSON(w, r, &req); err != nil {
		return err
	}
	c, err := s.auth.Verify(r.Context(), req.Token, sourceAddr(r))
	if err != nil {
		return err
	}
	writeJSON(w, http.StatusOK, verifyResponse{Message: confirmedMessage(c), Email: c.User.Email, EmailVerified: true, EmailChanged: c.NewEmail})
	return nil
}

// confirmedMessage says what following a confirmation link did.
func confirmedMessage(c *auth.Confirmed) string {
	if c.NewEmail {
		return "Your address is now " + c.User.Email + "."
	}
	return "Thank you: " + c.User.Email + " is confirmed. You can order servers."
}

// handleResendVerification e-mails the caller a new confirmation link.
func (s *Server) handleResendVerification(w http.ResponseWriter, r *http.Request) error {
	if err := s.auth.ResendVerification(r.Context(), principal(r), sourceAddr(r)); err != nil {
		return err
	}
	writeJSON(w, http.StatusAccepted, messageResponse{resendAccepted})
	return nil
}

type emailRequest struct {
	Email    string `json:"email"`
	Password string `json:"password"`
}

// handlePasswordReset e-mails a reset link, if the address has an
// account; the answer is the same either way.
func (s *Server) handlePasswordReset(w http.ResponseWriter, r *http.Request) error {
	var req emailRequest
	if err := decodeJSON(w, r, &req); err != nil {
		return err
	}
	if err := s.auth.RequestPasswordReset(r.Context(), req.Email, sourceAddr(r)); err != nil {
		return err
	}
	writeJSON(w, http.StatusAccepted, messageResponse{resetAccepted})
	return nil
}

// handlePasswordResetConfirm sets a new password through a reset link.
func (s *Server) handlePasswordResetConfirm(w http.ResponseWriter, r *http.Request) error {
	var req tokenRequest
	if err := decodeJSON(w, r, &req); err != nil {
		return err
	}
	if _, err := s.auth.ResetPassword(r.Context(), req.Token, req.Password, sourceAddr(r)); err != nil {
		return err
	}
	writeJSON(w, http.StatusOK, messageResponse{"Your password is changed and your sessions are signed out. Sign in with the new password."})
	return nil
}

// handleAcceptInvite sets an invited user's password and signs them in:
// it answers as POST /api/auth/login does.
func (s *Server) handleAcceptInvite(w http.ResponseWriter, r *http.Request) error {
	var req tokenRequest
	if err := decodeJSON(w, r, &req); err != nil {
		return err
	}
	sess, token, err := s.auth.AcceptInvite(r.Context(), req.Token, req.Password, sourceAddr(r), auth.LoginAPI)
	if err != nil {
		return err
	}
	return s.writeSession(w, r, sess, token)
}

type passwordChangeRequest struct {
	CurrentPassword string `json:"current_password"`
	NewPassword     string `json:"new_password"`
}

// handleChangePassword changes the caller's password; their other
// sessions end.
func (s *Server) handleChangePassword(w http.ResponseWriter, r *http.Request) error {
	var req passwordChangeRequest
	if err := decodeJSON(w, r, &req); err != nil {
		return err
	}
	if err := s.auth.ChangePassword(r.Context(), principal(r), req.CurrentPassword, req.NewPassword, sourceAddr(r)); err != nil {
		return err
	}
	writeJSON(w, http.StatusOK, messageResponse{"Your password is changed; your other sessions are signed out. API tokens keep working."})
	return nil
}

// handleChangeEmail sends a confirmation link to the caller's new address.
func (s *Server) handleChangeEmail(w http.ResponseWriter, r *http.Request) error {
	var req emailRequest
	if err := decodeJSON(w, r, &req); err != nil {
		return err
	}
	if err := s.auth.RequestEmailChange(r.Context(), principal(r), req.Email, req.Password, sourceAddr(r)); err != nil {
		return err
	}
	writeJSON(w, http.StatusAccepted, messageResponse{emailAccepted})
	return nil
}

type inviteRequest struct {
	Email string       `json:"email"`
	Role  webrana.Role `json:"role"`
}

// handleInviteUser invites a customer or an operator by e-mail.
func (s *Server) handleInviteUser(w http.ResponseWriter, r *http.Request) error {
	var req inviteRequest
	if err := decodeJSON(w, r, &req); err != nil {
		return err
	}
	if req.Role == "" {
		req.Role = webrana.RoleCustomer
	}
	u, err := s.auth.Invite(r.Context(), principal(r), req.Email, req.Role, sourceAddr(r))
	if err != nil {
		return err
	}
	writeJSON(w, http.StatusCreated, u)
	return nil
}

type settingsBody struct {
	Signup    *string `json:"signup"`
	AdminTOTP *bool   `json:"admin_totp"`
}

type settingsResponse struct {
	Signup    auth.SignupMode `json:"signup"`
	AdminTOTP bool            `json:"admin_totp"`
}

// handleGetSettings shows the operators' settings.
func (s *Server) handleGetSettings(w http.ResponseWriter, r *http.Request) error {
	st, err := s.auth.Settings(r.Context())
	if err != nil {
		return err
	}
	writeJSON(w, http.StatusOK, settingsResponse{Signup: st.Signup, AdminTOTP: st.AdminTOTP})
	return nil
}

// handleUpdateSettings changes the settings given; the others stay.
func (s *Server) handleUpdateSettings(w http.ResponseWriter, r *http.Request) error {
	var req settingsBody
	if err := decodeJSON(w, r, &req); err != nil {
		return err
	}
	st, err := s.auth.ChangeSettings(r.Context(), actor(r), auth.SettingsChange{Signup: req.Signup, AdminTOTP: req.AdminTOTP})
	if err != nil {
		return err
	}
	writeJSON(w, http.StatusOK, settingsResponse{Signup: st.Signup, AdminTOTP: st.AdminTOTP})
	return nil
}

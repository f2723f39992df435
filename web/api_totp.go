package web

import (
	"net/http"

	"github.com/webrana/webrana"
)

// Two-factor sign-in (TOTP): the caller's enrolment, and an
// administrator's reset of a user's.

type totpEnrolment struct {
	Secret     string `json:"secret"`
	OTPAuthURL string `json:"otpauth_url"`
}

type totpStatus struct {
	Enabled           bool `json:"enabled"`
	Pending           bool `json:"pending"`
	RecoveryCodesLeft int  `json:"recovery_codes_left"`
	Required          bool `json:"required"`
}

// handleTOTPStatus says whether the caller's two factors are on.
func (s *Server) handleTOTPStatus(w http.ResponseWriter, r *http.Request) error {
	st, err := s.auth.TOTPStatus(r.Context(), principal(r))
	if err != nil {
		return err
	}
	writeJSON(w, http.StatusOK, totpStatus{Enabled: st.Enabled, Pending: st.Pending, RecoveryCodesLeft: st.RecoveryCodesLeft, Required: st.Required})
	return nil
}

type totpBeginRequest struct {
	Password string `json:"password"` // the caller's current password
}

// handleBeginTOTP starts an enrolment, given the caller's password: the
// secret, shown until confirmed.
func (s *Server) handleBeginTOTP(w http.ResponseWriter, r *http.Request) error {
	var req totpBeginRequest
	if err := decodeJSON(w, r, &req); err != nil {
		return err
	}
	e, err := s.auth.BeginTOTP(r.Context(), principal(r), req.Password, sourceAddr(r))
	if err != nil {
		return err
	}
	writeJSON(w, http.StatusOK, totpEnrolment{Secret: e.Secret, OTPAuthURL: e.URL})
	return nil
}

type totpConfirmRequest struct {
	Code string `json:"code"`
}

type totpConfirmResponse struct {
	RecoveryCodes []string `json:"recovery_codes"`
}

// handleConfirmTOTP turns the enrolment on with a first code and answers
// the recovery codes, this once.
func (s *Server) handleConfirmTOTP(w http.ResponseWriter, r *http.Request) error {
	var req totpConfirmRequest
	if err := decodeJSON(w, r, &req); err != nil {
		return err
	}
	if req.Code == "" {
		return webrana.FieldError("code", "Send the 6-digit code your authenticator app shows.")
	}
	codes, err := s.auth.ConfirmTOTP(r.Context(), principal(r), req.Code, sourceAddr(r))
	if err != nil {
		return err
	}
	writeJSON(w, http.StatusOK, totpConfirmResponse{RecoveryCodes: codes})
	return nil
}

type totpDisableRequest struct {
	Password string `json:"password"`
	Code     string `json:"code"`
}

// handleDisableTOTP turns the caller's two factors off, on their password
// or a code.
func (s *Server) handleDisableTOTP(w http.ResponseWriter, r *http.Request) error {
	var req totpDisableRequest
	if r.ContentLength != 0 {
		if err := decodeJSON(w, r, &req); err != nil {
			return err
		}
	}
	if err := s.auth.DisableTOTP(r.Context(), principal(r), req.Password, req.Code, sourceAddr(r)); err != nil {
		return err
	}
	w.WriteHeader(http.StatusNoContent)
	return nil
}

// handleResetTOTP turns a user's two factors off for an administrator and
// ends the user's sessions.
func (s *Server) handleResetTOTP(w http.ResponseWriter, r *http.Request) error {
	if err := s.auth.ResetTOTP(r.Context(), principal(r), r.PathValue("id"), sourceAddr(r)); err != nil {
		return err
	}
	w.WriteHeader(http.StatusNoContent)
	return nil
}

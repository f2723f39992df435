package web

import (
	"encoding/base64"
	"errors"
	"net/http"

	"github.com/skip2/go-qrcode"

	"github.com/webrana/webrana"
	"github.com/webrana/webrana/auth"
	"github.com/webrana/webrana/store"
	"github.com/webrana/webrana/web/pages"
)

// totpPages registers the two-factor page, the second step of signing in,
// and the operators' reset.
func (s *Server) totpPages() {
	s.ui("GET /account/two-factor", SignedIn, s.handleTwoFactorPage)
	s.ui("POST /account/two-factor", SignedIn, s.handleBeginTwoFactorForm)
	s.ui("POST /account/two-factor/confirm", SignedIn, s.handleConfirmTwoFactorForm)
	s.ui("POST /account/two-factor/disable", SignedIn, s.handleDisableTwoFactorForm)
	s.page("POST /login/two-factor", Public, s.handleLoginCodeForm)
	s.ui("POST /admin/customers/{id}/totp/reset", Admin, s.opResetTOTP)
	s.ui("POST /admin/settings/two-factor", Admin, s.opSaveTOTPSetting)
}

// opSaveTOTPSetting applies the settings page's two-factor section.
func (s *Server) opSaveTOTPSetting(w http.ResponseWriter, r *http.Request) error {
	on := r.PostFormValue("admin_totp") == "true"
	if _, err := s.auth.ChangeSettings(r.Context(), actor(r), auth.SettingsChange{AdminTOTP: &on}); err != nil {
		return err
	}
	redirectFlash(w, r, "/admin/settings", "Settings saved.")
	return nil
}

func (s *Server) handleTwoFactorPage(w http.ResponseWriter, r *http.Request) error {
	return s.renderTwoFactor(w, r, http.StatusOK, pages.TwoFactorData{})
}

// renderTwoFactor shows the caller's two-factor state; a pending
// enrolment's secret and QR code are shown until it is confirmed.
func (s *Server) renderTwoFactor(w http.ResponseWriter, r *http.Request, status int, d pages.TwoFactorData) error {
	p := principal(r)
	st, err := s.auth.TOTPStatus(r.Context(), p)
	if err != nil {
		return err
	}
	d.Enabled, d.Pending, d.Required, d.RecoveryCodesLeft = st.Enabled, st.Pending, st.Required, st.RecoveryCodesLeft
	d.MustEnrol = st.Required && !st.Enabled && len(d.RecoveryCodes) == 0
	if st.Pending {
		e, err := s.auth.PendingEnrolment(r.Context(), p)
		if err != nil {
			return err
		}
		png, err := qrcode.Encode(e.URL, qrcode.Medium, 240)
		if err != nil {
			return err
		}
		d.Secret, d.QR = e.Secret, "data:image/png;base64,"+base64.StdEncoding.EncodeToString(png)
	}
	f := s.frame(w, r, "Two-factor sign-in", "two-factor")
	if d.MustEnrol {
		f.Admin = false // the operator's pages are closed until enrolled
	}
	// The page may carry the secret and the recovery codes: never cached.
	w.Header().Set("Cache-Control", "no-store")
	s.render(w, r, status, pages.TwoFactor(f, d))
	return nil
}

func (s *Server) handleBeginTwoFactorForm(w http.ResponseWriter, r *http.Request) error {
	if _, err := s.auth.BeginTOTP(r.Context(), principal(r), r.PostFormValue("password"), sourceAddr(r)); err != nil {
		in, ok := inputError(err)
		if !ok {
			return err
		}
		return s.renderTwoFactor(w, r, ErrorStatus(err), pages.TwoFactorData{Err: in})
	}
	redirectFlash(w, r, "/account/two-factor", "")
	return nil
}

// handleConfirmTwoFactorForm turns two factors on and shows the recovery
// codes, in this answer only.
func (s *Server) handleConfirmTwoFactorForm(w http.ResponseWriter, r *http.Request) error {
	codes, err := s.auth.ConfirmTOTP(r.Context(), principal(r), r.PostFormValue("code"), sourceAddr(r))
	if err != nil {
		in, ok := inputError(err)
		if !ok {
			return err
		}
		return s.renderTwoFactor(w, r, ErrorStatus(err), pages.TwoFactorData{Err: in})
	}
	// The principal was marked before this request enrolled them.
	principal(r).MustEnrolTOTP = false
	return s.renderTwoFactor(w, r, http.StatusOK, pages.TwoFactorData{RecoveryCodes: codes})
}

func (s *Server) handleDisableTwoFactorForm(w http.ResponseWriter, r *http.Request) error {
	err := s.auth.DisableTOTP(r.Context(), principal(r), r.PostFormValue("password"), r.PostFormValue("code"), sourceAddr(r))
	if err != nil {
		in, ok := inputError(err)
		if !ok {
			return err
		}
		return s.renderTwoFactor(w, r, ErrorStatus(err), pages.TwoFactorData{Err: in})
	}
	redirectFlash(w, r, "/account/two-factor", "Two-factor sign-in is off.")
	return nil
}

// handleLoginCodeForm is the second step of a browser's sign-in with two
// factors: the pending sign-in from the first step and a code.
func (s *Server) handleLoginCodeForm(w http.ResponseWriter, r *http.Request) {
	data := pages.LoginData{Next: safeNext(r.PostFormValue("next")), Hint: s.signInHint, Pending: r.PostFormValue("pending")}
	c, err := r.Cookie(csrfCookie)
	if err != nil || !validCSRF(r, c.Value) {
		data.CSRF = formCSRF(w, r)
		data.Error = webrana.ErrorMessage(errCSRF)
		s.render(w, r, http.StatusForbidden, pages.Login(pages.LoginData{Next: data.Next, CSRF: data.CSRF, Error: data.Error, Hint: s.signInHint}))
		return
	}
	data.CSRF = c.Value
	sess, token, err := s.auth.LoginPending(r.Context(), data.Pending, r.PostFormValue("code"), sourceAddr(r), auth.LoginBrowser)
	if err != nil {
		s.loginRefused(w, r, data, err)
		return
	}
	s.signedIn(w, r, sess, token, data.Next)
}

// loginRefused shows a refused sign-in: the code step again while a
// pending sign-in stands, else the password form.
func (s *Server) loginRefused(w http.ResponseWriter, r *http.Request, data pages.LoginData, err error) {
	var re *webrana.Error
	if errors.As(err, &re) && re.RetryAfter > 0 {
		w.Header().Set("Retry-After", retryAfterSeconds(re.RetryAfter))
	}
	data.Error = webrana.ErrorMessage(err)
	if pending := auth.PendingLogin(err); pending != "" {
		data.Pending = pending
		status := ErrorStatus(err)
		if r.PostFormValue("code") == "" {
			// The password was right and no code was given yet: the
			// second step, asked for, not a failure.
			data.Error, status = "", http.StatusOK
		}
		s.render(w, r, status, pages.LoginCode(data))
		return
	}
	data.Pending = ""
	s.render(w, r, ErrorStatus(err), pages.Login(data))
}

// opResetTOTP turns a user's two factors off, as
// POST /api/admin/users/{id}/totp/reset.
func (s *Server) opResetTOTP(w http.ResponseWriter, r *http.Request) error {
	id := r.PathValue("id")
	if err := s.auth.ResetTOTP(r.Context(), principal(r), id, sourceAddr(r)); err != nil {
		if ErrorStatus(err) >= http.StatusInternalServerError || webrana.ErrorCode(err) == webrana.ENOTFOUND {
			return err
		}
		return s.opCustomersPage(w, r, ErrorStatus(err), pages.OpCreditForm{}, webrana.ErrorMessage(err))
	}
	redirectFlash(w, r, opBack(r), "Two-factor sign-in is off for that user, and they are signed out.")
	return nil
}

// totpAmong says which of a page's users have two factors on (one query).
func (s *Server) totpAmong(r *http.Request, users []*store.UserBalance) (map[string]bool, error) {
	ids := make([]string, len(users))
	for i, u := range users {
		ids[i] = u.ID
	}
	return s.auth.TOTPEnabledAmong(r.Context(), ids)
}

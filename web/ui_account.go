package web

import (
	"net/http"

	"github.com/webrana/webrana"
	"github.com/webrana/webrana/auth"
	"github.com/webrana/webrana/web/pages"
)

// accountPages registers the pages of customers' own accounts: sign-up,
// confirming an address, password resets, invitations, the first
// operator's setup, the account page and the operators' settings.
func (s *Server) accountPages() {
	s.ui("GET /signup", Public, s.handleSignupPage)
	s.ui("POST /signup", Public, s.handleSignupForm)
	s.ui("GET /verify", Public, s.handleVerifyPage)
	s.ui("POST /verify", Public, s.handleVerifyForm) // an address change is confirmed by POST
	s.ui("GET /reset", Public, s.handleResetPage)
	s.ui("POST /reset", Public, s.handleResetForm)
	s.ui("GET /invite", Public, s.handleInvitePage)
	s.ui("POST /invite", Public, s.handleInviteForm)
	s.ui("GET /setup", Public, s.handleSetupPage)
	s.ui("POST /setup", Public, s.handleSetupForm)
	s.ui("GET /account", SignedIn, s.handleAccountPage)
	s.ui("POST /account/password", SignedIn, s.handleAccountPasswordForm)
	s.ui("POST /account/email", SignedIn, s.handleAccountEmailForm)
	s.ui("POST /account/verify/resend", SignedIn, s.handleResendForm)
	s.ui("GET /admin/settings", Admin, s.opSettings)
	s.ui("POST /admin/settings", Admin, s.opSaveSettings)
	s.ui("POST /admin/customers/invite", Admin, s.opInvite)
}

// publicForm checks the double-submit CSRF token of a form shown before
// sign-in (as the login form's), and returns the token for the page
// answering it.
func publicForm(w http.ResponseWriter, r *http.Request) (string, bool) {
	c, err := r.Cookie(csrfCookie)
	if err != nil || !validCSRF(r, c.Value) {
		return formCSRF(w, r), false
	}
	return c.Value, true
}

// notice shows a page of one message for someone who may not be signed in.
func (s *Server) notice(w http.ResponseWriter, r *http.Request, status int, title, message, linkText, link string) {
	s.render(w, r, status, pages.Notice(title, message, linkText, link, status >= http.StatusBadRequest))
}

// formRefusal shows a refused public form: a field's refusal on the form
// (show), anything else on a page of its own. Server faults stay errors.
func (s *Server) formRefusal(w http.ResponseWriter, r *http.Request, err error, show func(pages.InputError)) error {
	in, ok := inputError(err)
	if !ok {
		return err
	}
	if in.Field == "token" {
		s.notice(w, r, ErrorStatus(err), "Link not valid", in.Message, "Back to sign in", "/login")
		return nil
	}
	if e, ok := err.(*webrana.Error); ok && e.RetryAfter > 0 {
		w.Header().Set("Retry-After", retryAfterSeconds(e.RetryAfter))
	}
	show(in)
	return nil
}

// signIn gives the browser the session just opened (the previous one, if
// any, is ended first: no session fixation) and goes on to a page.
func (s *Server) signIn(w http.ResponseWriter, r *http.Request, sess *webrana.Session, token, to, message string) {
	if old, err := r.Cookie(sessionCookie); err == nil {
		s.auth.EndSession(r.Context(), old.Value)
	}
	setCookie(w, r, sessionCookie, token, int(sess.ExpiresAt.Sub(sess.CreatedAt).Seconds()))
	setCookie(w, r, serversFilterCookie, "", -1)
	redirectFlash(w, r, to, message)
}

// ---- Sign-up and confirming an address ----

func (s *Server) handleSignupPage(w http.ResponseWriter, r *http.Request) error {
	if err := s.signupOpen(r); err != nil {
		s.notice(w, r, ErrorStatus(err), "Sign up", webrana.ErrorMessage(err), "Sign in", "/login")
		return nil
	}
	s.render(w, r, http.StatusOK, pages.Signup(pages.SignupData{CSRF: formCSRF(w, r)}))
	return nil
}

// signupOpen refuses as a sign-up would when sign-up is not open.
func (s *Server) signupOpen(r *http.Request) error {
	mode, err := s.auth.SignupMode(r.Context())
	switch {
	case err != nil:
		return err
	case mode == auth.SignupInvite:
		return webrana.Errorf(webrana.EFORBIDDEN, "Sign-up is by invitation only: ask the operator for an invitation.")
	case mode == auth.SignupClosed:
		return webrana.Errorf(webrana.EFORBIDDEN, "Sign-up is closed: the operator adds users.")
	}
	return nil
}

// handleSignupForm signs a visitor up as POST /api/auth/signup does; the
// page answering says the same whether or not the address had an account.
func (s *Server) handleSignupForm(w http.ResponseWriter, r *http.Request) error {
	d := pages.SignupData{Email: r.PostFormValue("email")}
	var ok bool
	if d.CSRF, ok = publicForm(w, r); !ok {
		d.Err = pages.InputError{Message: webrana.ErrorMessage(errCSRF)}
		s.render(w, r, http.StatusForbidden, pages.Signup(d))
		return nil
	}
	if err := s.auth.Signup(r.Context(), d.Email, r.PostFormValue("password"), sourceAddr(r)); err != nil {
		return s.formRefusal(w, r, err, func(in pages.InputError) {
			d.Err = in
			s.render(w, r, ErrorStatus(err), pages.Signup(d))
		})
	}
	d.Done = true
	s.render(w, r, http.StatusAccepted, pages.Signup(d))
	return nil
}

// handleVerifyPage follows a confirmation link from an e-mail. It acts on
// GET, as the link is followed: the token is the credential, and a mail
// scanner following it first confirms nothing the reader did not want.
func (s *Server) handleVerifyPage(w http.ResponseWriter, r *http.Request) error {
	w.Header().Set("Cache-Control", "no-store")
	w.Header().Set("Referrer-Policy", "no-referrer")
	token := r.URL.Query().Get("token")
	to, err := s.auth.AddressChangeOf(r.Context(), token)
	if err != nil {
		return err
	}
	if to != "" { // a GET changes no address: the page asks first
		s.render(w, r, http.StatusOK, pages.ConfirmAddress(pages.ConfirmAddressData{Email: to, Token: token, CSRF: formCSRF(w, r)}))
		return nil
	}
	return s.verify(w, r, token)
}

// handleVerifyForm confirms an address change asked on its link's page.
func (s *Server) handleVerifyForm(w http.ResponseWriter, r *http.Request) error {
	w.Header().Set("Cache-Control", "no-store")
	if _, ok := publicForm(w, r); !ok {
		s.notice(w, r, http.StatusForbidden, "Link not valid", webrana.ErrorMessage(errCSRF)+" Open the link from the e-mail again.", "Sign in", "/login")
		return nil
	}
	return s.verify(w, r, r.PostFormValue("token"))
}

// verify follows a confirmation link and says what it did.
func (s *Server) verify(w http.ResponseWriter, r *http.Request, token string) error {
	c, err := s.auth.Verify(r.Context(), token, sourceAddr(r))
	if err != nil {
		if _, ok := inputError(err); !ok {
			return err
		}
		s.notice(w, r, ErrorStatus(err), "Link not valid", webrana.ErrorMessage(err)+" A signed-in user asks for one on their account page.", "Your account", "/account")
		return nil
	}
	s.notice(w, r, http.StatusOK, "Address confirmed", confirmedMessage(c), "Continue", "/")
	return nil
}

// handleResendForm sends the caller a new confirmation link.
func (s *Server) handleResendForm(w http.ResponseWriter, r *http.Request) error {
	if err := s.auth.ResendVerification(r.Context(), principal(r), sourceAddr(r)); err != nil {
		return err
	}
	redirectFlash(w, r, "/account", resendAccepted)
	return nil
}

// ---- Password reset ----

// handleResetPage asks for an address (no token) or for the new password
// (a reset link's token).
func (s *Server) handleResetPage(w http.ResponseWriter, r *http.Request) error {
	w.Header().Set("Referrer-Policy", "no-referrer")
	w.Header().Set("Cache-Control", "no-store")
	token := r.URL.Query().Get("token")
	if token == "" {
		s.render(w, r, http.StatusOK, pages.ResetRequest(pages.ResetRequestData{CSRF: formCSRF(w, r)}))
		return nil
	}
	s.render(w, r, http.StatusOK, pages.PasswordForm(resetForm(token, formCSRF(w, r))))
	return nil
}

func resetForm(token, csrf string) pages.PasswordFormData {
	return pages.PasswordFormData{Title: "Choose a new password", Action: "/reset", Token: token, CSRF: csrf, Submit: "Set password",
		Intro: "Your sessions are signed out when the password changes; API tokens keep working."}
}

// handleResetForm sends a reset link (the address form) or sets the new
// password (the form of a reset link).
func (s *Server) handleResetForm(w http.ResponseWriter, r *http.Request) error {
	csrf, ok := publicForm(w, r)
	token := r.PostFormValue("token")
	if token != "" {
		d := resetForm(token, csrf)
		if !ok {
			d.Err = pages.InputError{Message: webrana.ErrorMessage(errCSRF)}
			s.render(w, r, http.StatusForbidden, pages.PasswordForm(d))
			return nil
		}
		if _, err := s.auth.ResetPassword(r.Context(), token, r.PostFormValue("password"), sourceAddr(r)); err != nil {
			return s.formRefusal(w, r, err, func(in pages.InputError) {
				d.Err = in
				s.render(w, r, ErrorStatus(err), pages.PasswordForm(d))
			})
		}
		s.notice(w, r, http.StatusOK, "Password changed", "Your password is changed and your sessions are signed out. Sign in with the new password.", "Sign in", "/login")
		return nil
	}
	d := pages.ResetRequestData{Email: r.PostFormValue("email"), CSRF: csrf}
	if !ok {
		d.Err = pages.InputError{Message: webrana.ErrorMessage(errCSRF)}
		s.render(w, r, http.StatusForbidden, pages.ResetRequest(d))
		return nil
	}
	if err := s.auth.RequestPasswordReset(r.Context(), d.Email, sourceAddr(r)); err != nil {
		return s.formRefusal(w, r, err, func(in pages.InputError) {
			d.Err = in
			s.render(w, r, ErrorStatus(err), pages.ResetRequest(d))
		})
	}
	d.Done = true
	s.render(w, r, http.StatusAccepted, pages.ResetRequest(d))
	return nil
}

// ---- Invitations and the first operator ----

func inviteForm(token, csrf string) pages.PasswordFormData {
	return pages.PasswordFormData{Title: "Welcome to Webrana", Action: "/invite", Token: token, CSRF: csrf, Submit: "Set password and sign in",
		Intro: "You were invited to Webrana. Choose your password to sign in."}
}

func (s *Server) handleInvitePage(w http.ResponseWriter, r *http.Request) error {
	w.Header().Set("Referrer-Policy", "no-referrer")
	w.Header().Set("Cache-Control", "no-store")
	s.render(w, r, http.StatusOK, pages.PasswordForm(inviteForm(r.URL.Query().Get("token"), formCSRF(w, r))))
	return nil
}

// handleInviteForm accepts an invitation and signs the browser in.
func (s *Server) handleInviteForm(w http.ResponseWriter, r *http.Request) error {
	csrf, ok := publicForm(w, r)
	d := inviteForm(r.PostFormValue("token"), csrf)
	if !ok {
		d.Err = pages.InputError{Message: webrana.ErrorMessage(errCSRF)}
		s.render(w, r, http.StatusForbidden, pages.PasswordForm(d))
		return nil
	}
	sess, token, err := s.auth.AcceptInvite(r.Context(), d.Token, r.PostFormValue("password"), sourceAddr(r), auth.LoginBrowser)
	if err != nil {
		return s.formRefusal(w, r, err, func(in pages.InputError) {
			d.Err = in
			s.render(w, r, ErrorStatus(err), pages.PasswordForm(d))
		})
	}
	s.signIn(w, r, sess, token, "/", "Welcome to Webrana: your password is set.")
	return nil
}

func setupForm(token, csrf string) pages.PasswordFormData {
	return pages.PasswordFormData{Title: "Set up Webrana", Action: "/setup", Token: token, CSRF: csrf, AskMail: true, Submit: "Create administrator",
		Intro: "Create the first operator's account. This link works once; more operators can be invited from the panel."}
}

// handleSetupPage shows the first operator's form, while there is no
// administrator and the setup link is the one logged at start.
func (s *Server) handleSetupPage(w http.ResponseWriter, r *http.Request) error {
	w.Header().Set("Referrer-Policy", "no-referrer")
	w.Header().Set("Cache-Control", "no-store")
	token := r.URL.Query().Get("token")
	if err := s.auth.CheckSetup(r.Context(), token); err != nil {
		if _, ok := inputError(err); !ok {
			return err
		}
		s.notice(w, r, ErrorStatus(err), "Set up Webrana", webrana.ErrorMessage(err), "Sign in", "/login")
		return nil
	}
	s.render(w, r, http.StatusOK, pages.PasswordForm(setupForm(token, formCSRF(w, r))))
	return nil
}

// handleSetupForm creates the first administrator and signs them in.
func (s *Server) handleSetupForm(w http.ResponseWriter, r *http.Request) error {
	csrf, ok := publicForm(w, r)
	d := setupForm(r.PostFormValue("token"), csrf)
	d.Email = r.PostFormValue("email")
	if !ok {
		d.Err = pages.InputError{Message: webrana.ErrorMessage(errCSRF)}
		s.render(w, r, http.StatusForbidden, pages.PasswordForm(d))
		return nil
	}
	sess, token, err := s.auth.Setup(r.Context(), d.Token, d.Email, r.PostFormValue("password"), sourceAddr(r))
	if err != nil {
		if webrana.ErrorField(err) == "token" || webrana.ErrorCode(err) == webrana.ENOTFOUND {
			s.notice(w, r, ErrorStatus(err), "Set up Webrana", webrana.ErrorMessage(err), "Sign in", "/login")
			return nil
		}
		return s.formRefusal(w, r, err, func(in pages.InputError) {
			d.Err = in
			s.render(w, r, ErrorStatus(err), pages.PasswordForm(d))
		})
	}
	s.signIn(w, r, sess, token, "/admin/accounts", "Welcome: you are Webrana's first operator. Add a provider account to start.")
	return nil
}

// ---- The account page ----

func (s *Server) handleAccountPage(w http.ResponseWriter, r *http.Request) error {
	return s.renderAccount(w, r, http.StatusOK, pages.AccountData{})
}

func (s *Server) renderAccount(w http.ResponseWriter, r *http.Request, status int, d pages.AccountData) (err error) {
	d.User = principal(r).User
	if s.mail != nil {
		if d.Notifications, err = s.notificationChoices(r); err != nil {
			return err
		}
	}
	s.render(w, r, status, pages.Account(s.frame(w, r, "Your account", "account"), d))
	return nil
}

// handleAccountPasswordForm changes the password as POST /api/me/password.
func (s *Server) handleAccountPasswordForm(w http.ResponseWriter, r *http.Request) error {
	err := s.auth.ChangePassword(r.Context(), principal(r), r.PostFormValue("current_password"), r.PostFormValue("new_password"), sourceAddr(r))
	if err != nil {
		in, ok := inputError(err)
		if !ok {
			return err
		}
		return s.renderAccount(w, r, ErrorStatus(err), pages.AccountData{Password: in})
	}
	redirectFlash(w, r, "/account", "Your password is changed; your other sessions are signed out.")
	return nil
}

// handleAccountEmailForm asks for an address change as POST /api/me/email.
func (s *Server) handleAccountEmailForm(w http.ResponseWriter, r *http.Request) error {
	email := r.PostFormValue("email")
	if err := s.auth.RequestEmailChange(r.Context(), principal(r), email, r.PostFormValue("password"), sourceAddr(r)); err != nil {
		in, ok := inputError(err)
		if !ok {
			return err
		}
		return s.renderAccount(w, r, ErrorStatus(err), pages.AccountData{Email: in, NewEmail: email})
	}
	redirectFlash(w, r, "/account", emailAccepted)
	return nil
}

// ---- Operators: settings and invitations ----

func (s *Server) opSettings(w http.ResponseWriter, r *http.Request) error {
	st, err := s.auth.Settings(r.Context())
	if err != nil {
		return err
	}
	s.render(w, r, http.StatusOK, pages.OpSettings(s.frame(w, r, "Settings", "admin-settings"), pages.OpSettingsData{Signup: string(st.Signup), AdminTOTP: st.AdminTOTP}))
	return nil
}

func (s *Server) opSaveSettings(w http.ResponseWriter, r *http.Request) error {
	mode := r.PostFormValue("signup")
	if _, err := s.auth.ChangeSettings(r.Context(), actor(r), auth.SettingsChange{Signup: &mode}); err != nil {
		in, ok := inputError(err)
		if !ok {
			return err
		}
		s.render(w, r, ErrorStatus(err), pages.OpSettings(s.frame(w, r, "Settings", "admin-settings"), pages.OpSettingsData{Signup: mode, Err: in}))
		return nil
	}
	redirectFlash(w, r, "/admin/settings", "Settings saved: sign-up is "+mode+".")
	return nil
}

// opInvite invites a customer or an operator as POST /api/admin/users.
func (s *Server) opInvite(w http.ResponseWriter, r *http.Request) error {
	form := pages.InviteForm{Email: r.PostFormValue("email"), Role: r.PostFormValue("role")}
	u, err := s.auth.Invite(r.Context(), principal(r), form.Email, webrana.Role(form.Role), sourceAddr(r))
	if err != nil {
		var ok bool
		if form.Err, ok = inputError(err); !ok {
			return err
		}
		return s.opCustomersInvite(w, r, ErrorStatus(err), form)
	}
	redirectFlash(w, r, "/admin/customers", "Invitation sent to "+u.Email+".")
	return nil
}

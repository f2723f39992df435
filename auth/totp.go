package auth

import (
	"context"
	"crypto/rand"
	"crypto/subtle"
	"encoding/base32"
	"errors"
	"fmt"
	"strings"

	"github.com/pquerna/otp"
	"github.com/pquerna/otp/hotp"
	"github.com/pquerna/otp/totp"

	"github.com/webrana/webrana"
	"github.com/webrana/webrana/secrets"
	"github.com/webrana/webrana/store"
)

// Two-factor sign-in: time-based one-time passwords (RFC 6238) as every
// authenticator app makes them — HMAC-SHA1, 6 digits, 30-second steps — with
// one step of clock skew either way. A code is accepted once: its time step
// is recorded and only a later one is taken next. The secret is sealed with
// the master key and never shown again once confirmed; recovery codes are
// stored as SHA-256 hashes and each is used once.
const (
	totpPeriod = 30
	totpSkew   = 1
	totpDigits = otp.DigitsSix

	// RecoveryCodeCount is how many recovery codes an enrolment gives.
	RecoveryCodeCount = 10
	recoveryCodeChars = 16 // base32: 80 bits
)

var hotpOpts = hotp.ValidateOpts{Digits: totpDigits, Algorithm: otp.AlgorithmSHA1}

// Enrolment is a pending two-factor enrolment: the secret to type into an
// authenticator app, or the otpauth:// URL to show as a QR code. It is
// shown until the first code confirms it, then never again.
type Enrolment struct {
	Secret string
	URL    string
}

// TOTPStatus is a user's two-factor state.
type TOTPStatus struct {
	Enabled           bool // confirmed: asked at every sign-in
	Pending           bool // started, waiting for its first code
	RecoveryCodesLeft int
	Required          bool // the user is an administrator and the operator requires two factors of them
}

var (
	errNoKeys      = webrana.Errorf(webrana.EUNAVAILABLE, "Two-factor sign-in is not available: the server has no encryption key.")
	errTOTPOn      = webrana.Errorf(webrana.ECONFLICT, "Two-factor sign-in is already on; turn it off first to enrol a new app.")
	errNothingToOK = webrana.Errorf(webrana.ECONFLICT, "There is no enrolment waiting for a code; start one first (POST /api/me/totp).")
	errBadEnrolOTP = webrana.FieldError("code", "That code is not right: enter the 6 digits your authenticator app shows now for this account.")
	// errWrongCode is a sign-in's wrong, reused or expired second factor.
	errWrongCode = errors.New("auth: wrong second factor")
)

// BeginTOTP starts (or restarts) the caller's two-factor enrolment with a
// fresh secret, given their current password (a session left open is not
// enough to tie the account to someone else's app; wrong passwords are
// counted as on the account page). It stays pending, and sign-ins ask for
// no code, until ConfirmTOTP.
func (s *Service) BeginTOTP(ctx context.Context, p *Principal, password, source string) (*Enrolment, error) {
	if err := p.User.MayHoldCredentials(); err != nil {
		return nil, err
	}
	if s.keys == nil {
		return nil, errNoKeys
	}
	if err := s.checkCurrentPassword(ctx, p, "password", password); err != nil {
		return nil, err
	}
	key, err := totp.Generate(totp.GenerateOpts{Issuer: s.issuer, AccountName: p.User.Email,
		Period: totpPeriod, Digits: totpDigits, Algorithm: otp.AlgorithmSHA1})
	if err != nil {
		return nil, fmt.Errorf("generate totp secret: %w", err)
	}
	sealed, err := s.keys.Seal(key.Secret())
	if err != nil {
		return nil, fmt.Errorf("seal totp secret: %w", err)
	}
	err = s.db.InTx(ctx, func(tx *store.Tx) error {
		ok, err := tx.SetPendingTOTP(ctx, p.User.ID, sealed)
		if err != nil {
			return err
		}
		if !ok {
			return errTOTPOn
		}
		return tx.AppendAudit(ctx, p.Actor(source).Entry("totp.enrolment_started", "user", p.User.ID, ""))
	})
	if err != nil {
		return nil, fmt.Errorf("begin totp: %w", err)
	}
	return &Enrolment{Secret: key.Secret(), URL: key.URL()}, nil
}

// PendingEnrolment returns the caller's pending enrolment again (the page
// shows it until confirmed); ENOTFOUND when none is pending. A confirmed
// secret is never returned.
func (s *Service) PendingEnrolment(ctx context.Context, p *Principal) (*Enrolment, error) {
	t, err := s.db.TOTPOf(ctx, p.User.ID)
	if err != nil {
		return nil, err
	}
	if t.Enabled() {
		return nil, webrana.Errorf(webrana.ENOTFOUND, "No enrolment is pending.")
	}
	secret, err := s.openSecret(t)
	if err != nil {
		return nil, err
	}
	raw, err := base32.StdEncoding.WithPadding(base32.NoPadding).DecodeString(secret)
	if err != nil {
		return nil, fmt.Errorf("decode totp secret: %w", err)
	}
	key, err := totp.Generate(totp.GenerateOpts{Issuer: s.issuer, AccountName: p.User.Email, Secret: raw,
		Period: totpPeriod, Digits: totpDigits, Algorithm: otp.AlgorithmSHA1})
	if err != nil {
		return nil, err
	}
	return &Enrolment{Secret: key.Secret(), URL: key.URL()}, nil
}

// ConfirmTOTP turns the caller's pending enrolment on with a current code
// from their app and returns their recovery codes, shown this once.
func (s *Service) ConfirmTOTP(ctx context.Context, p *Principal, code, source string) ([]string, error) {
	t, err := s.db.TOTPOf(ctx, p.User.ID)
	switch {
	case webrana.ErrorCode(err) == webrana.ENOTFOUND:
		return nil, errNothingToOK
	case err != nil:
		return nil, err
	case t.Enabled():
		return nil, errTOTPOn
	}
	secret, err := s.openSecret(t)
	if err != nil {
		return nil, err
	}
	step, ok := s.matchStep(secret, code)
	if !ok {
		return nil, errBadEnrolOTP
	}
	codes, hashes := newRecoveryCodes()
	err = s.db.InTx(ctx, func(tx *store.Tx) error {
		if err := tx.ConfirmTOTP(ctx, p.User.ID, t.SecretCiphertext, step, hashes); err != nil {
			if webrana.ErrorCode(err) == webrana.ENOTFOUND {
				return errNothingToOK // confirmed, removed or restarted meanwhile
			}
			return err
		}
		return tx.AppendAudit(ctx, p.Actor(source).Entry("totp.enabled", "user", p.User.ID, ""))
	})
	if err != nil {
		return nil, fmt.Errorf("confirm totp: %w", err)
	}
	return codes, nil
}

// DisableTOTP turns the caller's two factors off, on proof that it is them:
// their password or a current code (or a recovery code). Wrong proofs count
// as failed sign-ins, so the login throttle bounds guessing here too. A
// pending enrolment is simply dropped. An administrator cannot turn two
// factors off while the operator requires them.
func (s *Service) DisableTOTP(ctx context.Context, p *Principal, password, code, source string) error {
	t, err := s.db.TOTPOf(ctx, p.User.ID)
	if webrana.ErrorCode(err) == webrana.ENOTFOUND {
		return webrana.Errorf(webrana.ECONFLICT, "Two-factor sign-in is not on.")
	}
	if err != nil {
		return err
	}
	if t.Enabled() {
		if required, err := s.adminTOTPRequired(ctx, p.User); err != nil {
			return err
		} else if required {
			return webrana.Errorf(webrana.ECONFLICT, "The operator requires two-factor sign-in of administrators; it cannot be turned off.")
		}
		if password == "" && strings.TrimSpace(code) == "" {
			return webrana.FieldError("password", "Confirm with your password or a current code.")
		}
	}
	// A proof is counted as a failed sign-in of the account before it is
	// checked, and stays counted when wrong (takeAttempt).
	var attempt string
	if t.Enabled() {
		if attempt, err = s.takeAttempt(ctx, p.User.Email, source); err != nil {
			return err
		}
	}
	var check func(*store.Tx) (string, error)
	switch {
	case !t.Enabled():
	case password != "":
		ok, err := secrets.VerifyPassword(p.User.PasswordHash, password)
		if err != nil {
			return err
		}
		if !ok {
			return webrana.FieldError("password", "The password is not right.")
		}
	default:
		check = func(tx *store.Tx) (string, error) { return s.takeCode(ctx, tx, t, code) }
	}
	err = s.db.InTx(ctx, func(tx *store.Tx) error {
		if check != nil {
			if _, err := check(tx); err != nil {
				return err
			}
		}
		if _, err := tx.DeleteTOTP(ctx, p.User.ID); err != nil {
			return err
		}
		action := "totp.disabled"
		if !t.Enabled() {
			action = "totp.enrolment_cancelled"
		}
		return tx.AppendAudit(ctx, p.Actor(source).Entry(action, "user", p.User.ID, ""))
	})
	if errors.Is(err, errWrongCode) {
		return webrana.FieldError("code", "That code is not right, or was used already.")
	}
	if err != nil {
		return fmt.Errorf("disable totp: %w", err)
	}
	if attempt != "" {
		return s.db.ForgetLoginAttempt(ctx, attempt)
	}
	return nil
}

// ResetTOTP turns a user's two factors off for an administrator (a user who
// lost their phone and codes) and ends the user's sessions, with its audit.
func (s *Service) ResetTOTP(ctx context.Context, admin *Principal, userID, source string) error {
	u, err := s.db.UserByID(ctx, userID)
	if err != nil {
		return err
	}
	err = s.db.InTx(ctx, func(tx *store.Tx) error {
		had, err := tx.DeleteTOTP(ctx, u.ID)
		if err != nil {
			return err
		}
		if !had {
			return webrana.Errorf(webrana.ECONFLICT, "%s has no two-factor sign-in to reset.", u.Email)
		}
		n, err := tx.DeleteUserSessions(ctx, u.ID)
		if err != nil {
			return err
		}
		return tx.AppendAudit(ctx, admin.Actor(source).Entry("totp.reset", "user", u.ID, fmt.Sprintf("%d sessions ended", n)))
	})
	if err != nil {
		return fmt.Errorf("reset totp of %s: %w", userID, err)
	}
	return nil
}

// TOTPStatus returns the caller's two-factor state.
func (s *Service) TOTPStatus(ctx context.Context, p *Principal) (TOTPStatus, error) {
	var st TOTPStatus
	required, err := s.adminTOTPRequired(ctx, p.User)
	if err != nil {
		return st, err
	}
	st.Required = required
	t, err := s.db.TOTPOf(ctx, p.User.ID)
	if webrana.ErrorCode(err) == webrana.ENOTFOUND {
		return st, nil
	}
	if err != nil {
		return st, err
	}
	st.Enabled, st.Pending = t.Enabled(), !t.Enabled()
	if st.Enabled {
		st.RecoveryCodesLeft, err = s.db.RecoveryCodesLeft(ctx, p.User.ID)
	}
	return st, err
}

// TOTPEnabledAmong returns which of the given users have two factors on.
func (s *Service) TOTPEnabledAmong(ctx context.Context, userIDs []string) (map[string]bool, error) {
	return s.db.TOTPEnabledAmong(ctx, userIDs)
}

// ---- At sign-in ----

// secondFactor completes a sign-in whose password was right: at once when
// the user has no two factors, else with their code. attempt is the
// sign-in's counted attempt (takeAttempt): a wrong code leaves it counted.
func (s *Service) secondFactor(ctx context.Context, u *webrana.User, code, source string, kind LoginKind, attempt string) (*webrana.Session, string, error) {
	t, err := s.db.TOTPOf(ctx, u.ID)
	if err != nil && webrana.ErrorCode(err) != webrana.ENOTFOUND {
		return nil, "", err
	}
	if !t.Enabled() {
		return s.openSession(ctx, u, source, kind, attempt, nil)
	}
	if strings.TrimSpace(code) == "" {
		// Asking for the code costs nothing.
		if err := s.db.ForgetLoginAttempt(ctx, attempt); err != nil {
			return nil, "", err
		}
		return nil, "", s.codeRequired(u, kind, "Enter the 6-digit code from your authenticator app (or a recovery code) as totp_code.")
	}
	sess, token, err := s.openSession(ctx, u, source, kind, attempt, func(tx *store.Tx) (string, error) { return s.takeCode(ctx, tx, t, code) })
	if errors.Is(err, errWrongCode) {
		by := webrana.Actor{User: u, Source: source}
		if err := s.db.AppendAudit(ctx, by.Entry("login.failed", "user", u.ID, "wrong two-factor code")); err != nil {
			return nil, "", err
		}
		return nil, "", s.codeRequired(u, kind, "That code is not right, or was used already; enter the code your app shows now.")
	}
	return sess, token, err
}

// takeCode checks a sign-in's second factor in tx and takes it: a TOTP
// code's time step (later than any taken before) or a recovery code.
// It says which was used; errWrongCode when neither matched.
func (s *Service) takeCode(ctx context.Context, tx *store.Tx, t *store.TOTP, code string) (string, error) {
	code = normalizeCode(code)
	if len(code) == int(totpDigits) && isDigits(code) {
		secret, err := s.openSecret(t)
		if err != nil {
			return "", err
		}
		step, ok := s.matchStep(secret, code)
		if !ok {
			return "", errWrongCode
		}
		if ok, err := tx.UseTOTPStep(ctx, t.UserID, step); err != nil || !ok {
			return "", cmpErr(err, errWrongCode)
		}
		return "an authenticator code", nil
	}
	if len(code) != recoveryCodeChars {
		return "", errWrongCode
	}
	ok, err := tx.UseRecoveryCode(ctx, t.UserID, HashToken(code))
	if err != nil || !ok {
		return "", cmpErr(err, errWrongCode)
	}
	return "a recovery code", nil
}

// cmpErr is err, or def when err is nil.
func cmpErr(err, def error) error {
	if err != nil {
		return err
	}
	return def
}

// matchStep finds the time step, within the allowed skew of now, whose code
// is the given one.
func (s *Service) matchStep(secret, code string) (int64, bool) {
	code = normalizeCode(code)
	if len(code) != int(totpDigits) || !isDigits(code) {
		return 0, false
	}
	now := s.now().Unix() / totpPeriod
	for _, d := range []int64{0, -1, 1}[:1+2*totpSkew] {
		step := now + d
		want, err := hotp.GenerateCodeCustom(secret, uint64(step), hotpOpts)
		if err == nil && subtle.ConstantTimeCompare([]byte(want), []byte(code)) == 1 {
			return step, true
		}
	}
	return 0, false
}

func (s *Service) openSecret(t *store.TOTP) (string, error) {
	if s.keys == nil {
		return "", errNoKeys
	}
	secret, err := s.keys.Open(t.SecretCiphertext)
	if err != nil {
		return "", fmt.Errorf("open totp secret of user %s: %w", t.UserID, err)
	}
	return secret, nil
}

// normalizeCode drops what people type around a code: spaces, dashes, case.
func normalizeCode(code string) string {
	return strings.ToLower(strings.NewReplacer(" ", "", "-", "", "\t", "").Replace(strings.TrimSpace(code)))
}

func isDigits(s string) bool {
	for _, r := range s {
		if r < '0' || r > '9' {
			return false
		}
	}
	return s != ""
}

// newRecoveryCodes returns fresh recovery codes as shown (xxxx-xxxx-xxxx-xxxx)
// and their stored hashes.
func newRecoveryCodes() ([]string, [][]byte) {
	codes := make([]string, RecoveryCodeCount)
	hashes := make([][]byte, RecoveryCodeCount)
	for i := range codes {
		raw := strings.ToLower(rand.Text())[:recoveryCodeChars]
		codes[i] = raw[0:4] + "-" + raw[4:8] + "-" + raw[8:12] + "-" + raw[12:16]
		hashes[i] = HashToken(raw)
	}
	return codes, hashes
}

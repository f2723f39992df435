package auth

import (
	"context"
	"time"

	"github.com/webrana/webrana"
	"github.com/webrana/webrana/mail"
	"github.com/webrana/webrana/secrets"
	"github.com/webrana/webrana/store"
)

// Mailer queues an e-mail in the transaction of the change it reports
// (mail.Outbox implements it).
type Mailer interface {
	QueueTx(ctx context.Context, tx *store.Tx, m mail.Message) error
}

// How long the links e-mailed to a user are valid.
const (
	VerifyTTL      = 48 * time.Hour
	ResetTTL       = time.Hour
	InviteTTL      = 7 * 24 * time.Hour
	EmailChangeTTL = 48 * time.Hour
)

// links says, per purpose, how long a link lives (in words for the reader
// too) and which page of the site it opens.
var links = map[store.TokenPurpose]struct {
	ttl         time.Duration
	words, page string
}{
	store.PurposeVerify:      {VerifyTTL, "48 hours", "/verify"},
	store.PurposeEmailChange: {EmailChangeTTL, "48 hours", "/verify"},
	store.PurposeReset:       {ResetTTL, "1 hour", "/reset"},
	store.PurposeInvite:      {InviteTTL, "7 days", "/invite"},
}

// errNoMail refuses what needs an e-mail when no mailer is configured.
var errNoMail = webrana.Errorf(webrana.EUNAVAILABLE, "Webrana cannot send e-mail yet (no outgoing mail is configured); ask the operator.")

// canMail refuses at once, before any other work, when there is no mailer.
func (s *Service) canMail() error {
	if s.mailer == nil {
		return errNoMail
	}
	return nil
}

// link makes a one-time link for u, stores its hash (older links of the
// same purpose are used up) and queues its e-mail, all in tx.
func (s *Service) link(ctx context.Context, tx *store.Tx, u *webrana.User, purpose store.TokenPurpose, to string, kind mail.Kind, inviter string) error {
	if err := s.canMail(); err != nil {
		return err
	}
	l := links[purpose]
	plain, hash := newToken("")
	t := &store.UserToken{UserID: u.ID, Purpose: purpose, TokenHash: hash, ExpiresAt: s.now().Add(l.ttl)}
	if purpose == store.PurposeEmailChange {
		t.Email = to
	}
	if err := tx.CreateUserToken(ctx, t, true); err != nil {
		return err
	}
	return s.mailer.QueueTx(ctx, tx, mail.Message{To: to, UserID: u.ID, Kind: kind,
		Data: mail.LinkData{Path: l.page + "?token=" + plain, ExpiresIn: l.words, Inviter: inviter}})
}

// errBadLink answers a link that is unknown, used or expired.
var errBadLink = webrana.FieldError("token", "This link is not valid: it was used already, has expired, or was replaced by a newer one. Ask for a new one.")

// linkPassword is the first half of setting a password through an
// e-mailed link: the password's rules, the source's limit, then the link
// looked up (a SHA-256 and one read), and only then the new password
// hashed (argon2id: tens of milliseconds and 32 MiB), so that bogus links
// cannot make the server hash. The link is used in the caller's
// transaction (useLink), which decides.
func (s *Service) linkPassword(ctx context.Context, token, password, source string, purpose store.TokenPurpose) (string, error) {
	if err := webrana.ValidatePassword(password); err != nil {
		return "", err
	}
	if _, err := s.limit(ctx, actLinkSource, source, s.limits.LinkPerSource, "attempts to set a password through a link from your address"); err != nil {
		return "", err
	}
	if _, err := s.db.UsableUserToken(ctx, HashToken(token), purpose); webrana.ErrorCode(err) == webrana.ENOTFOUND {
		return "", errBadLink
	} else if err != nil {
		return "", err
	}
	return secrets.HashPassword(password)
}

// useLink uses a one-time link in tx; any failure to find it is errBadLink.
func useLink(ctx context.Context, tx *store.Tx, token string, purposes ...store.TokenPurpose) (*store.UserToken, error) {
	t, err := tx.UseUserToken(ctx, HashToken(token), purposes...)
	if webrana.ErrorCode(err) == webrana.ENOTFOUND {
		return nil, errBadLink
	}
	return t, err
}

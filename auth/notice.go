package auth

import (
	"context"

	"github.com/webrana/webrana"
	"github.com/webrana/webrana/mail"
	"github.com/webrana/webrana/store"
)

// noticeAddress remembers the address a user signed in from and, when it
// is one they have not signed in from before, tells them (mail.NewSignIn,
// which they may switch off). The first sign-in ever tells nothing: there
// is nothing to compare it with.
func (s *Service) noticeAddress(ctx context.Context, tx *store.Tx, u *webrana.User, source string) error {
	seen, err := tx.RememberSignInAddress(ctx, u.ID, source)
	if err != nil || seen != store.NewAddress || s.mailer == nil {
		return err
	}
	return s.mailer.QueueTx(ctx, tx, mail.Message{To: u.Email, UserID: u.ID, Kind: mail.NewSignIn,
		Data: mail.SignInData{Address: source, When: s.now().UTC().Format("2 January 2006, 15:04 UTC")}})
}

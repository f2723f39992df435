package auth

import (
	"context"
	"time"

	"github.com/webrana/webrana"
)

// AccountLimits bound how often anyone may sign up or have Webrana send
// e-mail, within Window; zero values take defaults. They keep Webrana from
// being used to flood someone's inbox, and slow guessing.
type AccountLimits struct {
	Window          time.Duration // default 1 hour
	SignupPerSource int           // sign-ups from one address (default 10)
	ResetPerEmail   int           // reset e-mails to one address (default 3)
	ResetPerSource  int           // reset requests from one address (default 10)
	ResendPerUser   int           // confirmation e-mails a user asks for (default 3)
	ChangePerUser   int           // e-mail changes a user asks for (default 5)
	WrongPerUser    int           // wrong current passwords on the account page (default 5)
	LinkPerSource   int           // passwords set through e-mailed links (reset, invitation) from one address (default 10)
}

func (l AccountLimits) withDefaults() AccountLimits {
	def := func(v *int, d int) {
		if *v <= 0 {
			*v = d
		}
	}
	if l.Window <= 0 {
		l.Window = time.Hour
	}
	def(&l.SignupPerSource, 10)
	def(&l.ResetPerEmail, 3)
	def(&l.ResetPerSource, 10)
	def(&l.ResendPerUser, 3)
	def(&l.ChangePerUser, 5)
	def(&l.WrongPerUser, 5)
	def(&l.LinkPerSource, 10)
	return l
}

// Throttled actions, as counted in the store.
const (
	actSignup      = "signup"
	actResetEmail  = "reset.email"
	actResetSource = "reset.source"
	actResend      = "verify.resend"
	actEmailChange = "email_change"
	actWrongPass   = "password.wrong"
	actLinkSource  = "link.source"
)

// limit counts an attempt of action by key, refusing it (ERATELIMITED)
// once limit attempts were counted within the window. The check and the
// count are one step in the store, so that requests sent at once get no
// more than the limit. It returns the attempt's id, for forget when the
// attempt turns out not to count (a right password).
func (s *Service) limit(ctx context.Context, action, key string, limit int, what string) (string, error) {
	now := s.now()
	id, oldest, err := s.db.TakeAttempt(ctx, action, key, now.Add(-s.limits.Window), limit)
	if err != nil {
		return "", err
	}
	if id == "" {
		wait := oldest.Add(s.limits.Window).Sub(now)
		return "", &webrana.Error{Code: webrana.ERATELIMITED, RetryAfter: wait,
			Message: "Too many " + what + "; try again in " + humanMinutes(wait) + "."}
	}
	return id, nil
}

package mail

import (
	"context"
	"fmt"
	"slices"
	"strings"

	"github.com/webrana/webrana"
	"github.com/webrana/webrana/store"
)

// Preferences are the optional kinds of e-mail and whether each goes to
// the customer (true) or is switched off.
type Preferences map[Kind]bool

// Preferences returns the acting user's preferences: every optional kind,
// on unless they switched it off.
func (o *Outbox) Preferences(ctx context.Context, by webrana.Actor) (Preferences, error) {
	if by.User == nil {
		return nil, webrana.Errorf(webrana.EUNAUTHORIZED, "Sign in first.")
	}
	off, err := o.db.MailOptOuts(ctx, by.User.ID)
	if err != nil {
		return nil, fmt.Errorf("mail preferences: %w", err)
	}
	p := Preferences{}
	for _, k := range OptionalKinds {
		p[k] = !slices.Contains(off, string(k))
	}
	return p, nil
}

// SetPreferences switches the named optional kinds on (true) or off for
// the acting user, with an audit entry ("mail_preferences.updated"), and
// returns all their preferences. A name that is not an optional kind is
// refused with that name as the field: mandatory kinds cannot be switched
// off.
func (o *Outbox) SetPreferences(ctx context.Context, by webrana.Actor, change map[string]bool) (Preferences, error) {
	if by.User == nil {
		return nil, webrana.Errorf(webrana.EUNAUTHORIZED, "Sign in first.")
	}
	keys := make([]string, 0, len(change))
	for k := range change {
		if !Kind(k).Optional() {
			return nil, webrana.FieldError(k, "%q is not an e-mail that can be switched off; these can: %s.", k, optionalNames())
		}
		keys = append(keys, k)
	}
	slices.Sort(keys)
	err := o.db.InTx(ctx, func(tx *store.Tx) error {
		var detail []string
		for _, k := range keys {
			if err := tx.SetMailOptOut(ctx, by.User.ID, k, !change[k]); err != nil {
				return err
			}
			detail = append(detail, fmt.Sprintf("%s=%t", k, change[k]))
		}
		if len(detail) == 0 {
			return nil
		}
		return tx.AppendAudit(ctx, by.Entry("mail_preferences.updated", "user", by.User.ID, strings.Join(detail, " ")))
	})
	if err != nil {
		return nil, fmt.Errorf("set mail preferences: %w", err)
	}
	return o.Preferences(ctx, by)
}

func optionalNames() string {
	names := make([]string, len(OptionalKinds))
	for i, k := range OptionalKinds {
		names[i] = string(k)
	}
	return strings.Join(names, ", ")
}

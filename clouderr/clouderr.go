// Package clouderr is the one table from a provider's errors (cloud's
// portable codes) to what Webrana tells its users: a webrana error code and
// a sentence. Every service that shows a provider failure to a person — an
// operator's token check, an account's health, a provider's validation, a
// server action the provider refused — reads it here, so one failure reads
// the same everywhere and a new code is explained once.
//
// Whether a failure is worth trying again, and how long to wait (the
// bounded waits of webrana.ErrProviderBusy), stays with cloud.Transient and
// the callers: this table only says what it means.
package clouderr

import (
	"errors"
	"fmt"
	"strings"

	"github.com/webrana/webrana"
	"github.com/webrana/webrana/cloud"
)

// Meaning is what one provider error code means to Webrana's users.
type Meaning struct {
	Code string // the webrana error code it answers with
	// Message is the sentence users read. "{token}" stands for the token
	// concerned ("the token", or "this token" for one just entered);
	// "{said}" for the provider's own words (cloud.Message).
	Message string
}

var unexpected = Meaning{webrana.EINTERNAL, "An unexpected error; see the server log."}

// table is the mapping. Codes absent from it (Unknown, Internal) are
// unexpected: internal, their detail logged, never shown.
var table = map[cloud.ErrorCode]Meaning{
	cloud.NotFound:        {webrana.ENOTFOUND, "The provider could not find it: {said}"},
	cloud.Unauthorized:    {webrana.EUNAVAILABLE, "The provider refused {token} (revoked, expired or mistyped)."},
	cloud.Forbidden:       {webrana.EUNAVAILABLE, "The provider does not let {token} do this (missing scope, or the account is locked)."},
	cloud.RateLimited:     {webrana.EUNAVAILABLE, "The provider is rate-limiting this account; try again in a minute."},
	cloud.QuotaExceeded:   {webrana.ECONFLICT, "The provider account is at its server limit."},
	cloud.InvalidArgument: {webrana.EINVALID, "The provider refused: {said}"},
	cloud.Unavailable:     {webrana.EUNAVAILABLE, "The provider could not be reached; try again shortly."},
	cloud.Conflict:        {webrana.ECONFLICT, "The provider refused: {said}"},
}

// Of returns the meaning of a provider error's code.
func Of(err error) Meaning {
	if m, ok := table[cloud.Code(err)]; ok {
		return m
	}
	return unexpected
}

// Message is the sentence users read about err: its own message when it is
// already an error meant for users (webrana.Error), else the table's, with
// "the token" for the token concerned.
func Message(err error) string { return message(err, "the token") }

// TokenMessage is Message about a token just entered ("this token").
func TokenMessage(err error) string { return message(err, "this token") }

func message(err error, token string) string {
	var e *webrana.Error
	if errors.As(err, &e) {
		return e.Message
	}
	return strings.NewReplacer("{token}", token, "{said}", cloud.Message(err)).Replace(Of(err).Message)
}

// Error is the error users are told for a provider's err: the table's code
// and message, the input field the provider named, and its Retry-After.
// It wraps err, so the log keeps the provider's detail. An error already
// meant for users, and nil, are returned as they are.
func Error(err error) error {
	var e *webrana.Error
	if err == nil || errors.As(err, &e) {
		return err
	}
	m := Of(err)
	if m.Code == webrana.EINTERNAL {
		return err // internal: logged, shown as the generic message
	}
	user := &webrana.Error{Code: m.Code, Message: Message(err), RetryAfter: cloud.RetryAfter(err)}
	var ce *cloud.Error
	if errors.As(err, &ce) && m.Code == webrana.EINVALID {
		user.Field = ce.Field
	}
	return fmt.Errorf("%w: %w", user, err)
}

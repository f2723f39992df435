package webrana

import (
	"errors"
	"fmt"
	"time"
)

// Error codes. Each maps to one HTTP status in the web package.
const (
	EINVALID      = "invalid"
	ENOTFOUND     = "not_found"
	ECONFLICT     = "conflict"
	EUNAUTHORIZED = "unauthorized"
	ETOTPREQUIRED = "totp_required" // the password was right; a two-factor code is needed (401)
	EFORBIDDEN    = "forbidden"
	EPAYMENT      = "payment_required" // the balance does not cover the request
	ETOOLARGE     = "too_large"        // the request body is over the limit
	ERATELIMITED  = "rate_limited"
	EUNAVAILABLE  = "unavailable"
	EINTERNAL     = "internal"
)

// Error is an error meant for the user: its Code is machine-readable, its
// Message safe to show, and Field names the offending input when there is one.
// Any other error is internal: logged, never shown.
//
// An example to follow: one type for every error a person may read, one
// table from its codes to HTTP statuses (web/respond.go), and one table from
// providers' errors to it (package clouderr). Each layer wraps what it
// passes up once, with its operation (fmt.Errorf("place order %s: %w", …)),
// and errors.As finds the Error through every wrap.
type Error struct {
	Code       string
	Message    string
	Field      string
	RetryAfter time.Duration // for ERATELIMITED: when trying again may succeed
}

func (e *Error) Error() string {
	if e.Field != "" {
		return fmt.Sprintf("webrana: %s: %s (field %s)", e.Code, e.Message, e.Field)
	}
	return fmt.Sprintf("webrana: %s: %s", e.Code, e.Message)
}

// Errorf returns an *Error with the given code and formatted message.
func Errorf(code, format string, args ...any) *Error {
	return &Error{Code: code, Message: fmt.Sprintf(format, args...)}
}

// FieldError returns an EINVALID error about one input field.
func FieldError(field, format string, args ...any) *Error {
	return &Error{Code: EINVALID, Message: fmt.Sprintf(format, args...), Field: field}
}

// ErrorCode returns the code of the first *Error in err's chain, EINTERNAL for
// any other non-nil error, and "" for nil.
func ErrorCode(err error) string {
	var e *Error
	switch {
	case err == nil:
		return ""
	case errors.As(err, &e):
		return e.Code
	default:
		return EINTERNAL
	}
}

// ErrorMessage returns the user-facing message of err; internal errors get a
// generic message so that no detail leaks.
func ErrorMessage(err error) string {
	var e *Error
	switch {
	case err == nil:
		return ""
	case errors.As(err, &e):
		return e.Message
	default:
		return "An internal error occurred."
	}
}

// ErrorField returns the input field an application error is about, or ""
// (no field, or not an application error).
func ErrorField(err error) string {
	var e *Error
	if errors.As(err, &e) {
		return e.Field
	}
	return ""
}

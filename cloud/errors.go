package cloud

import (
	"errors"
	"fmt"
	"time"
)

// ErrorCode is a portable error class. Drivers map their clients' errors to
// these; callers decide what to do from the code alone.
type ErrorCode int

const (
	Unknown         ErrorCode = iota
	NotFound                  // the thing does not exist (404)
	Unauthorized              // the token is wrong, expired or revoked (401)
	Forbidden                 // the token may not do this, or the account is locked (403)
	RateLimited               // too many requests; see RetryAfter (429)
	QuotaExceeded             // the account's server limit is reached
	InvalidArgument           // the request is wrong; see Field (400, 422)
	Unavailable               // the provider failed or could not be reached (5xx, network)
	Conflict                  // the request conflicts with the current state (409)
	Internal                  // a bug on our side
)

var codeNames = [...]string{"Unknown", "NotFound", "Unauthorized", "Forbidden", "RateLimited", "QuotaExceeded",
	"InvalidArgument", "Unavailable", "Conflict", "Internal"}

func (c ErrorCode) String() string {
	if int(c) < len(codeNames) {
		return codeNames[c]
	}
	return fmt.Sprintf("ErrorCode(%d)", int(c))
}

// Error is an error from a provider, classified. The portable type wraps
// every driver error in one, exactly once.
type Error struct {
	Code       ErrorCode
	Provider   string
	Op         string        // the portable operation, such as "CreateInstance"
	Field      string        // for InvalidArgument, when the provider names it
	RetryAfter time.Duration // for RateLimited, when the provider says
	Message    string        // the provider's message, safe to show an operator
	Err        error         // the driver's error
}

func (e *Error) Error() string {
	msg := e.Message
	if msg == "" && e.Err != nil {
		msg = e.Err.Error()
	}
	return fmt.Sprintf("cloud: %s %s: %s: %s", e.Provider, e.Op, e.Code, msg)
}

func (e *Error) Unwrap() error { return e.Err }

// Code returns the code of the *Error in err's chain: Unknown when there is
// none, which callers treat as transient.
func Code(err error) ErrorCode {
	var e *Error
	if errors.As(err, &e) {
		return e.Code
	}
	return Unknown
}

// RetryAfter returns how long the provider asked to wait, if it did.
func RetryAfter(err error) time.Duration {
	var e *Error
	if errors.As(err, &e) {
		return e.RetryAfter
	}
	return 0
}

// Message returns what the provider said of err, safe to show a customer:
// its message, or else its code.
func Message(err error) string {
	var e *Error
	if errors.As(err, &e) && e.Message != "" {
		return e.Message
	}
	return Code(err).String()
}

// Transient reports whether trying the same request again later may succeed.
func Transient(err error) bool {
	switch Code(err) {
	case RateLimited, Unavailable, Unknown:
		return true
	}
	return false
}

// DriverError is what a driver returns for a classified failure; the
// portable type fills in Provider and Op.
func DriverError(code ErrorCode, message string, err error) *Error {
	return &Error{Code: code, Message: message, Err: err}
}

package web

import (
	"context"
	"encoding/json"
	"errors"
	"log/slog"
	"math"
	"net/http"
	"strconv"
	"time"

	"github.com/webrana/webrana"
	"github.com/webrana/webrana/cloud"
)

// statusByCode maps webrana error codes to HTTP statuses.
var statusByCode = map[string]int{
	webrana.EINVALID:      http.StatusBadRequest,
	webrana.ENOTFOUND:     http.StatusNotFound,
	webrana.ECONFLICT:     http.StatusConflict,
	webrana.EUNAUTHORIZED: http.StatusUnauthorized,
	webrana.ETOTPREQUIRED: http.StatusUnauthorized,
	webrana.EFORBIDDEN:    http.StatusForbidden,
	webrana.ERATELIMITED:  http.StatusTooManyRequests,
	webrana.EUNAVAILABLE:  http.StatusServiceUnavailable,
	webrana.EPAYMENT:      http.StatusPaymentRequired,
	webrana.ETOOLARGE:     http.StatusRequestEntityTooLarge,
	webrana.EINTERNAL:     http.StatusInternalServerError,
}

// ErrorStatus returns the HTTP status for err's code.
func ErrorStatus(err error) int {
	if s, ok := statusByCode[webrana.ErrorCode(err)]; ok {
		return s
	}
	return http.StatusInternalServerError
}

type errorBody struct {
	Error errorDetail `json:"error"`
}

type errorDetail struct {
	Code    string `json:"code"`
	Message string `json:"message"`
	Field   string `json:"field,omitempty"`
}

// writeError answers with the JSON error body of DESIGN.md §9. Internal
// errors are logged with their detail and shown only as a generic message.
func (s *Server) writeError(w http.ResponseWriter, r *http.Request, err error) {
	body := errorBody{Error: errorDetail{Code: webrana.ErrorCode(err), Message: webrana.ErrorMessage(err)}}
	var e *webrana.Error
	if errors.As(err, &e) {
		body.Error.Field = e.Field
	} else {
		s.logger.ErrorContext(r.Context(), "internal error", "method", r.Method, "path", r.URL.Path, "err", err)
	}
	if e != nil && e.RetryAfter > 0 {
		w.Header().Set("Retry-After", retryAfterSeconds(e.RetryAfter))
	}
	writeJSON(w, ErrorStatus(err), body)
}

// providerAnswer is what a request answers when it needed a provider. An
// error meant for the user stands. Otherwise, when a provider call made for
// the request failed for the provider's sake (rate-limited, unreachable,
// slower than the request's bound) — also one that a service recorded
// rather than returned, as an account's sync records DEGRADED and succeeds
// — or when a failure came after the request's bound passed, the answer is
// webrana.ErrProviderBusy (503, try again). Else err, nil included.
func providerAnswer(r *http.Request, err error) error {
	if err != nil && webrana.ErrorCode(err) != webrana.EINTERNAL {
		return err
	}
	ctx := r.Context()
	var ce *cloud.Error
	switch {
	case errors.As(err, &ce) && cloud.Transient(err),
		cloud.LastFailure(ctx) != nil,
		err != nil && errors.Is(ctx.Err(), context.DeadlineExceeded):
		return webrana.ErrProviderBusy
	}
	return err
}

// writeJSON answers with v as JSON.
func writeJSON(w http.ResponseWriter, status int, v any) {
	w.Header().Set("Content-Type", "application/json; charset=utf-8")
	w.Header().Set("X-Content-Type-Options", "nosniff")
	w.WriteHeader(status)
	if err := json.NewEncoder(w).Encode(v); err != nil {
		slog.Default().Debug("write response", "err", err)
	}
}

// retryAfterSeconds formats a Retry-After header value, rounding up.
func retryAfterSeconds(d time.Duration) string {
	return strconv.Itoa(max(1, int(math.Ceil(d.Seconds()))))
}

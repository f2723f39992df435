// Package doapi serves the DigitalOcean v2 API to Webrana's own customers
// (issue 20), so that the tools they automate with — doctl, Terraform's
// DigitalOcean provider, scripts on godo — drive Webrana unchanged, pointed
// at it. It is a second wire format over the same services as Webrana's own
// API: orders go through provision.Service.Place exactly as POST /api/vps
// does, actions through lifecycle.Service.Act, SSH keys through auth.
//
// Sizes are Webrana's active plans, by their slugs, whatever provider and
// account each runs on; droplet, action and snapshot ids are Webrana's own public
// numbers (store/publicids.go), never a provider's. Answers are in
// DigitalOcean's shapes as its official OpenAPI spec gives them: error
// bodies {"id","message"}, pagination (links.pages, meta.total), and the
// RateLimit-Limit/-Remaining/-Reset headers of a per-customer window.
//
// The web package authenticates (the customer's API token, as a bearer
// token) and registers Routes in its route table; a refused request is
// answered by Deny, in this API's shape.
package doapi

import (
	"cmp"
	"encoding/json"
	"errors"
	"log/slog"
	"net"
	"net/http"
	"strconv"
	"sync"
	"time"

	"github.com/webrana/webrana"
	"github.com/webrana/webrana/auth"
	"github.com/webrana/webrana/billing"
	"github.com/webrana/webrana/catalog"
	"github.com/webrana/webrana/lifecycle"
	"github.com/webrana/webrana/plans"
	"github.com/webrana/webrana/provision"
	"github.com/webrana/webrana/ratelimit"
)

// Config holds an API's optional settings; zero values take defaults.
type Config struct {
	// Status is the HTTP status of a Webrana error (web.ErrorStatus, the
	// one code → status table); default: 500 for everything but the codes
	// this package knows.
	Status func(error) int
	// DropletLimit is the number of droplets GET /v2/account says a
	// customer may have (default 25, DigitalOcean's own default).
	DropletLimit int
	// RateLimit is how many requests a customer may make per hour (default
	// 5,000, as DigitalOcean allows).
	RateLimit int
	// Ledger, when set, lets a request for several droplets be refused
	// whole when the balance cannot pay the first day of all of them
	// (each order still holds its own, as POST /api/vps does).
	Ledger *billing.Ledger
	Now    func() time.Time
	Logger *slog.Logger
}

// API serves /v2/.
type API struct {
	auth    *auth.Service
	catalog *catalog.Service
	plans   *plans.Service
	orders  *provision.Service
	servers *lifecycle.Service
	ledger  *billing.Ledger

	status       func(error) int
	dropletLimit int
	rateLimit    int
	now          func() time.Time
	logger       *slog.Logger

	mu      sync.Mutex
	windows map[string]*ratelimit.Window // per customer
}

// New returns the API over Webrana's services. cfg may be nil.
func New(a *auth.Service, c *catalog.Service, p *plans.Service, o *provision.Service, l *lifecycle.Service, cfg *Config) *API {
	var conf Config
	if cfg != nil {
		conf = *cfg
	}
	api := &API{auth: a, catalog: c, plans: p, orders: o, servers: l, ledger: conf.Ledger,
		status: conf.Status, dropletLimit: cmp.Or(conf.DropletLimit, 25), rateLimit: cmp.Or(conf.RateLimit, 5000),
		now: conf.Now, logger: conf.Logger, windows: map[string]*ratelimit.Window{}}
	if api.status == nil {
		api.status = defaultStatus
	}
	if api.now == nil {
		api.now = time.Now
	}
	if api.logger == nil {
		api.logger = slog.New(slog.DiscardHandler)
	}
	return api
}

// Route is one route of the API: a net/http pattern and its handler,
// which expects an authenticated customer (auth.PrincipalFrom).
type Route struct {
	Pattern string
	Handler http.HandlerFunc
}

// Routes lists the API's routes, for the web server's route table.
func (a *API) Routes() []Route {
	return []Route{
		{"GET /v2/account", a.wrap(a.getAccount)},
		{"GET /v2/sizes", a.wrap(a.listSizes)},
		{"GET /v2/regions", a.wrap(a.listRegions)},
		{"GET /v2/images", a.wrap(a.listImages)},
		{"GET /v2/account/keys", a.wrap(a.listKeys)},
		{"POST /v2/account/keys", a.wrap(a.createKey)},
		{"GET /v2/account/keys/{key}", a.wrap(a.getKey)},
		{"DELETE /v2/account/keys/{key}", a.wrap(a.deleteKey)},
		{"POST /v2/droplets", a.wrap(a.createDroplets)},
		{"GET /v2/droplets", a.wrap(a.listDroplets)},
		{"DELETE /v2/droplets", a.wrap(a.deleteDropletsByTag)},
		{"GET /v2/droplets/{id}", a.wrap(a.getDroplet)},
		{"DELETE /v2/droplets/{id}", a.wrap(a.deleteDroplet)},
		{"POST /v2/droplets/{id}/actions", a.wrap(a.act)},
		{"GET /v2/droplets/{id}/actions", a.wrap(a.listActions)},
		{"GET /v2/actions/{id}", a.wrap(a.getAction)},
		{"GET /v2/droplets/{id}/snapshots", a.wrap(a.listSnapshots)},
		// Anything else under /v2/ is DigitalOcean's "not found".
		{"GET /v2/", a.wrap(a.notFound)},
	}
}

// handlerFunc is a handler whose error becomes DigitalOcean's error body.
type handlerFunc func(w http.ResponseWriter, r *http.Request, c *caller) error

// caller is the authenticated customer.
type caller struct {
	*auth.Principal
	actor webrana.Actor
}

func (c *caller) user() *webrana.User { return c.User }

// wrap counts the request against the customer's hourly window (answering
// 429 past it), then runs fn and answers its error.
func (a *API) wrap(fn handlerFunc) http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		p := auth.PrincipalFrom(r.Context())
		if p == nil {
			a.Deny(w, r, auth.ErrUnauthenticated)
			return
		}
		if !a.allow(w, p.User.ID) {
			writeError(w, http.StatusTooManyRequests, "too_many_requests", "API Rate limit exceeded.")
			return
		}
		c := &caller{Principal: p, actor: webrana.Actor{User: p.User, Source: sourceAddr(r)}}
		if err := fn(w, r, c); err != nil {
			a.Deny(w, r, err)
		}
	}
}

// allow counts a request of the customer's and writes the rate-limit
// headers DigitalOcean sends (the reset as Unix seconds, which godo reads).
func (a *API) allow(w http.ResponseWriter, userID string) bool {
	now := a.now()
	a.mu.Lock()
	win := a.windows[userID]
	if win == nil {
		win = ratelimit.New(a.rateLimit, time.Hour)
		a.windows[userID] = win
	}
	ok := win.Allow(now)
	remaining, reset := win.Remaining(now), win.ResetAt(now)
	a.mu.Unlock()
	h := w.Header()
	h.Set("RateLimit-Limit", strconv.Itoa(a.rateLimit))
	h.Set("RateLimit-Remaining", strconv.Itoa(remaining))
	h.Set("RateLimit-Reset", strconv.FormatInt(reset.Unix(), 10))
	if !ok {
		h.Set("Retry-After", strconv.Itoa(max(1, int(reset.Sub(now).Seconds()))))
	}
	return ok
}

// Deny answers a refused or failed request in DigitalOcean's shape.
// Validation failures and a balance too low for an order are 422
// (Unprocessable Entity) there; internal errors are logged, never shown.
func (a *API) Deny(w http.ResponseWriter, r *http.Request, err error) {
	status := a.status(err)
	switch status {
	case http.StatusBadRequest, http.StatusPaymentRequired, http.StatusConflict:
		status = http.StatusUnprocessableEntity
	}
	msg := webrana.ErrorMessage(err)
	if status >= 500 {
		a.logger.Error("digitalocean api", "method", r.Method, "path", r.URL.Path, "err", err)
		if webrana.ErrorCode(err) == webrana.EINTERNAL || webrana.ErrorCode(err) == "" {
			msg = "Server Error"
		}
	}
	if status == http.StatusUnauthorized {
		msg = "Unable to authenticate you"
	}
	writeError(w, status, errorID(status), msg)
}

// errorID is DigitalOcean's id for an error status.
func errorID(status int) string {
	switch status {
	case http.StatusUnauthorized:
		return "Unauthorized"
	case http.StatusNotFound:
		return "not_found"
	case http.StatusUnprocessableEntity:
		return "unprocessable_entity"
	case http.StatusTooManyRequests:
		return "too_many_requests"
	case http.StatusForbidden:
		return "forbidden"
	case http.StatusBadRequest:
		return "bad_request"
	case http.StatusServiceUnavailable:
		return "service_unavailable"
	case http.StatusRequestEntityTooLarge:
		return "request_entity_too_large"
	}
	return "server_error"
}

// defaultStatus is the status of the codes this package produces itself.
func defaultStatus(err error) int {
	switch webrana.ErrorCode(err) {
	case webrana.EUNAUTHORIZED:
		return http.StatusUnauthorized
	case webrana.ENOTFOUND:
		return http.StatusNotFound
	case webrana.EINVALID, webrana.EPAYMENT:
		return http.StatusUnprocessableEntity
	case webrana.EFORBIDDEN:
		return http.StatusForbidden
	}
	return http.StatusInternalServerError
}

type errorBody struct {
	ID      string `json:"id"`
	Message string `json:"message"`
}

func writeError(w http.ResponseWriter, status int, id, message string) {
	writeJSON(w, status, errorBody{ID: id, Message: message})
}

func writeJSON(w http.ResponseWriter, status int, v any) {
	w.Header().Set("Content-Type", "application/json; charset=utf-8")
	w.WriteHeader(status)
	_ = json.NewEncoder(w).Encode(v)
}

func noContent(w http.ResponseWriter) {
	w.Header().Set("Content-Type", "application/json; charset=utf-8")
	w.WriteHeader(http.StatusNoContent)
}

// maxBody bounds a request body.
const maxBody = 64 << 10

// decode reads a JSON body into v; a body that is not JSON is a 400.
func decode(w http.ResponseWriter, r *http.Request, v any) error {
	r.Body = http.MaxBytesReader(w, r.Body, maxBody)
	if err := json.NewDecoder(r.Body).Decode(v); err != nil {
		var tooBig *http.MaxBytesError
		if errors.As(err, &tooBig) {
			return webrana.Errorf(webrana.ETOOLARGE, "The body is larger than %d KiB.", maxBody>>10)
		}
		return invalid("The request body is not valid JSON: %v", err)
	}
	return nil
}

// invalid is a request DigitalOcean would refuse as unprocessable.
func invalid(format string, args ...any) error {
	return webrana.Errorf(webrana.EINVALID, format, args...)
}

func (a *API) notFound(http.ResponseWriter, *http.Request, *caller) error {
	return webrana.Errorf(webrana.ENOTFOUND, "The resource you were accessing could not be found.")
}

// sourceAddr is the caller's IP address, for the audit log.
func sourceAddr(r *http.Request) string {
	host, _, err := net.SplitHostPort(r.RemoteAddr)
	if err != nil {
		return r.RemoteAddr
	}
	return host
}

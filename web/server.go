// Package web is Webrana's HTTP layer, and only that: the server and its
// route table, where each route declares who may call it; middleware (panic
// recovery, request logging, Prometheus metrics, cross-origin protection);
// authentication by bearer token or session cookie with CSRF checks; the
// JSON API, the HTML pages, and the OpenAPI document that describes the API.
//
// A handler decodes the request, calls one service method with the caller
// as its webrana.Actor, and encodes the answer. Rules, transactions and
// audit entries are the services' (plans, provision, lifecycle, pool,
// catalog, billing, alerts, auth); web holds no store handle at all. The
// list views come from the services as single queries (store.InstanceRow
// and the like), never assembled here row by row.
//
// Examples to follow for what comes next:
//   - routes.go: every route in one table with its declared access
//     (Public, SignedIn, Admin, Scraper), enumerable by tests; admin-only
//     path prefixes cannot be registered with weaker access.
//   - respond.go: the one table from webrana error codes to HTTP statuses;
//     handlers return errors, internal ones are logged and never shown.
//   - the API and the pages share one validation: the create-server wizard
//     checks each step with provision.Service.Check, stage by stage (its
//     own step table, orderWizard, says which stage each step completes),
//     and server actions with lifecycle's checks, exactly as POST /api/vps
//     and POST /api/vps/{id}/actions do.
package web

import (
	"cmp"
	"context"
	"errors"
	"fmt"
	"log/slog"
	"net"
	"net/http"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/promhttp"

	"github.com/webrana/webrana/alerts"
	"github.com/webrana/webrana/auth"
	"github.com/webrana/webrana/billing"
	"github.com/webrana/webrana/catalog"
	"github.com/webrana/webrana/invoicing"
	"github.com/webrana/webrana/lifecycle"
	"github.com/webrana/webrana/mail"
	"github.com/webrana/webrana/payments"
	"github.com/webrana/webrana/plans"
	"github.com/webrana/webrana/pool"
	"github.com/webrana/webrana/provision"
	"github.com/webrana/webrana/revenue"
	"github.com/webrana/webrana/vpcs"
	"github.com/webrana/webrana/web/doapi"
)

// ReadyCheck is one condition for readiness: Check returns nil when ready.
type ReadyCheck struct {
	Name  string
	Check func(context.Context) error
}

// Config configures a Server. Zero values take defaults.
type Config struct {
	Logger    *slog.Logger
	Registry  *prometheus.Registry // where /metrics reads and HTTP metrics register; required
	Auth      *auth.Service        // required
	Catalog   *catalog.Service     // required
	Pool      *pool.Service        // the provider accounts (required for /internal/accounts)
	Plans     *plans.Service
	Orders    *provision.Service
	Servers   *lifecycle.Service
	Reconcile *lifecycle.Reconciler
	Metrics   *lifecycle.Metrics
	Channels  *alerts.ChannelSet
	Alerts    *alerts.Service // the alerts operators see and resolve
	// Mail is the outbox operators read and customers' e-mail preferences.
	Mail *mail.Outbox
	// Ledger is customers' balances and statements, and operators' credits.
	Ledger *billing.Ledger
	// Payments is customers' card top-ups and operators' refunds; nil
	// (or without a gateway): card payments are not set up.
	Payments *payments.Service
	// Invoices is customers' monthly invoices and credit notes, their
	// billing details and the operator's letterhead (issue 17 §2).
	Invoices *invoicing.Service
	Ready    []ReadyCheck
	Version  string
	// Mode is what /readyz says runs: "sandbox" or "production" (the
	// default).
	Mode string
	// SignInHint is shown on the login page (the sandbox names its demo users).
	SignInHint string
	// RequestTimeout is how long a request may take, its provider calls
	// included (default 10s): then the pacer and the clients' retries give
	// up at once rather than wait past it, and the request answers that the
	// provider is slow or limiting us (503).
	RequestTimeout time.Duration
	// MetricsToken, when set, lets a scraper read /metrics with
	// Authorization: Bearer <MetricsToken>; administrators always may.
	MetricsToken string
	// MetricsPublic makes /metrics readable by anyone.
	MetricsPublic bool
	// Revenue is the operator's margin reports (issue 17 §3).
	Revenue *revenue.Service
	// VPCs is customers' VPCs (issue 19).
	VPCs *vpcs.Service
	// DropletLimit is how many servers the DigitalOcean-compatible API
	// says a customer may have (GET /v2/account; default 25).
	DropletLimit int
	// DigitalOceanRateLimit is how many /v2/ requests a customer may make
	// per hour (default 5,000, as DigitalOcean allows).
	DigitalOceanRateLimit int
	// Backups lists servers' backups at their providers (issue 19).
	Backups *lifecycle.Backups
}

// Server serves Webrana over HTTP.
type Server struct {
	logger        *slog.Logger
	auth          *auth.Service
	catalog       *catalog.Service
	pool          *pool.Service
	plans         *plans.Service
	orders        *provision.Service
	servers       *lifecycle.Service
	reconciler    *lifecycle.Reconciler
	serverMetrics *lifecycle.Metrics
	backups       *lifecycle.Backups
	channels      *alerts.ChannelSet
	alerts        *alerts.Service
	mail          *mail.Outbox
	ledger        *billing.Ledger
	payments      *payments.Service
	revenue       *revenue.Service
	invoices      *invoicing.Service
	vpcs          *vpcs.Service
	ready         []ReadyCheck
	version       string
	mode          string
	signInHint    string
	timeout       time.Duration
	metricsToken  []byte // SHA-256 of Config.MetricsToken; nil when none is set
	metricsPublic bool
	digitalOcean  *doapi.API // the DigitalOcean-compatible API (api_digitalocean.go)

	mux            *http.ServeMux
	routeTable     []Route
	metrics        *httpMetrics
	metricsHandler http.Handler
	http           *http.Server
	ln             net.Listener
}

// defaultRequestTimeout bounds operators' and customers' requests: an
// answer, even "try again", beats a page that hangs while a provider is slow.
const defaultRequestTimeout = 10 * time.Second

// NewServer returns a server with the health and metrics routes registered.
func NewServer(cfg Config) *Server {
	if cfg.Logger == nil {
		cfg.Logger = slog.New(slog.DiscardHandler)
	}
	s := &Server{
		logger:         cfg.Logger,
		auth:           cfg.Auth,
		catalog:        cfg.Catalog,
		pool:           cfg.Pool,
		plans:          cfg.Plans,
		orders:         cfg.Orders,
		servers:        cfg.Servers,
		reconciler:     cfg.Reconcile,
		serverMetrics:  cfg.Metrics,
		backups:        cfg.Backups,
		channels:       cfg.Channels,
		alerts:         cfg.Alerts,
		mail:           cfg.Mail,
		ledger:         cfg.Ledger,
		payments:       cfg.Payments,
		revenue:        cfg.Revenue,
		invoices:       cfg.Invoices,
		vpcs:           cfg.VPCs,
		ready:          cfg.Ready,
		version:        cfg.Version,
		mode:           cmp.Or(cfg.Mode, "production"),
		signInHint:     cfg.SignInHint,
		timeout:        cmp.Or(cfg.RequestTimeout, defaultRequestTimeout),
		metricsToken:   tokenDigest(cfg.MetricsToken),
		metricsPublic:  cfg.MetricsPublic,
		mux:            http.NewServeMux(),
		metrics:        newHTTPMetrics(cfg.Registry),
		metricsHandler: promhttp.HandlerFor(cfg.Registry, promhttp.HandlerOpts{Registry: cfg.Registry}),
	}
	// Browsers' cross-site state-changing requests are refused before
	// anything else runs; the CSRF tokens are the second line.
	crossOrigin := http.NewCrossOriginProtection()
	crossOrigin.SetDenyHandler(http.HandlerFunc(s.denyCrossOrigin))
	s.http = &http.Server{
		Handler:           s.middleware(crossOrigin.Handler(s.mux)),
		ReadHeaderTimeout: 10 * time.Second,
		ReadTimeout:       time.Minute,
		WriteTimeout:      2 * time.Minute,
		IdleTimeout:       2 * time.Minute,
		ErrorLog:          slog.NewLogLogger(cfg.Logger.Handler(), slog.LevelWarn),
	}
	s.digitalOcean = doapi.New(cfg.Auth, cfg.Catalog, cfg.Plans, cfg.Orders, cfg.Servers,
		&doapi.Config{Status: ErrorStatus, Logger: cfg.Logger, DropletLimit: cfg.DropletLimit, RateLimit: cfg.DigitalOceanRateLimit, Ledger: cfg.Ledger})
	s.routes()
	return s
}

// Handle registers a route from outside the package (such as the sandbox's
// simulator admin API) behind the access it declares.
func (s *Server) Handle(pattern string, access Access, h http.Handler) {
	s.handle(pattern, access, API, h.ServeHTTP)
}

// Handler returns the whole server as an http.Handler, middleware included.
func (s *Server) Handler() http.Handler { return s.http.Handler }

// Listen binds addr, so that a taken port is reported before anything else
// starts.
func (s *Server) Listen(addr string) error {
	ln, err := net.Listen("tcp", addr)
	if err != nil {
		return err
	}
	s.ln = ln
	return nil
}

// Use serves on a listener bound by the caller, instead of Listen.
func (s *Server) Use(ln net.Listener) { s.ln = ln }

// Addr returns the bound address (useful with port 0).
func (s *Server) Addr() string { return s.ln.Addr().String() }

// Serve serves on the bound listener until Shutdown.
func (s *Server) Serve() error {
	if s.ln == nil {
		return errors.New("web: Serve before Listen")
	}
	if err := s.http.Serve(s.ln); !errors.Is(err, http.ErrServerClosed) {
		return fmt.Errorf("serve: %w", err)
	}
	return nil
}

// Shutdown stops accepting connections and waits (until ctx ends) for
// in-flight requests to finish.
func (s *Server) Shutdown(ctx context.Context) error { return s.http.Shutdown(ctx) }

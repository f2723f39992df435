package main

import (
	"cmp"
	"context"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net"
	"os"
	"path/filepath"
	"strings"
	"syscall"
	"time"

	"github.com/prometheus/client_golang/prometheus"

	"github.com/webrana/webrana"
	"github.com/webrana/webrana/alerts"
	"github.com/webrana/webrana/auth"
	"github.com/webrana/webrana/billing"
	"github.com/webrana/webrana/catalog"
	"github.com/webrana/webrana/invoicing"
	"github.com/webrana/webrana/jobs"
	"github.com/webrana/webrana/lifecycle"
	"github.com/webrana/webrana/mail"
	"github.com/webrana/webrana/payments"
	"github.com/webrana/webrana/plans"
	"github.com/webrana/webrana/pool"
	"github.com/webrana/webrana/providers"
	"github.com/webrana/webrana/provision"
	"github.com/webrana/webrana/revenue"
	"github.com/webrana/webrana/secrets"
	"github.com/webrana/webrana/store"
	"github.com/webrana/webrana/vpcs"
	"github.com/webrana/webrana/web"
)

// Main is the running program: configuration in, every component wired
// together. Tests build one with a temp data dir and port 0.
type Main struct {
	Config *Config
	Logger *slog.Logger
	Now    func() time.Time
	stdout io.Writer

	Key      secrets.Key
	Keys     *secrets.Keyring
	DB       *store.DB
	Pool     *pool.Service
	Alerts   *alerts.Service
	Channels *alerts.ChannelSet
	Mail     *mail.Outbox // the outgoing-mail path: producers queue in their transactions
	Auth     *auth.Service
	Catalog  *catalog.Service
	Plans    *plans.Service
	Orders   *provision.Service
	Servers  *lifecycle.Service
	Statuses *lifecycle.StatusSync
	Reconcil *lifecycle.Reconciler
	Metrics  *lifecycle.Metrics
	Dunning  *billing.Dunning
	Meter    *billing.Meter
	Ledger   *billing.Ledger
	Payments *payments.Service // card top-ups (without a gateway: not set up)
	Revenue  *revenue.Service
	Invoices *invoicing.Service // monthly invoices and credit notes
	VPCs     *vpcs.Service      // customers' VPCs (issue 19)
	Sim      *sandboxSim        // sandbox only
	Queue    *jobs.Queue
	Server   *web.Server
	Registry *prometheus.Registry

	started      time.Time
	locks        sandboxLocks  // sandbox only: see sandboxlock.go
	demoPassword string        // sandbox only
	ready        chan struct{} // closed once Serve is answering
}

// NewMain returns a Main logging to stderr: text in sandbox mode, JSON
// otherwise (for log collectors).
func NewMain(cfg *Config, stdout, stderr io.Writer) *Main {
	opts := &slog.HandlerOptions{Level: cfg.LogLevel}
	var h slog.Handler = slog.NewJSONHandler(stderr, opts)
	if cfg.Sandbox {
		h = slog.NewTextHandler(stderr, opts)
	}
	return &Main{Config: cfg, Logger: slog.New(h), Now: webrana.Now, stdout: stdout, started: time.Now(), ready: make(chan struct{})}
}

// Open prepares everything that can fail before serving: data dir, key,
// database and migrations, bootstrap rows, every component with the job
// queue (wire), and the listening socket. Each failure names the setting
// to fix.
func (m *Main) Open(ctx context.Context) error {
	cfg := m.Config
	m.Logger.Info("starting webrana", "version", version, "config", cfg)
	if cfg.needsDataDir() {
		if err := prepareDataDir(cfg.DataDir); err != nil {
			return err
		}
	}
	if !cfg.Sandbox && cfg.DatabaseURL == "" {
		if err := refuseSandboxData(cfg.DataDir); err != nil {
			return err
		}
	}
	if cfg.Sandbox {
		if err := m.locks.lockSandboxDir(cfg.DataDir); err != nil {
			return err
		}
	}
	key, err := loadKey(cfg)
	if err != nil {
		return err
	}
	m.Key = key
	if m.Keys, err = keyring(cfg, key); err != nil {
		return err
	}
	if m.DB, err = openDatabase(ctx, cfg); err != nil {
		return err
	}
	m.DB.Now = m.Now
	if cfg.Sandbox && m.DB.Engine() == store.Postgres {
		if err := m.locks.lockSandboxDatabase(ctx, m.DB); err != nil {
			return err
		}
	}
	if err := bootstrap(ctx, m.DB); err != nil {
		return err
	}
	if cfg.Sandbox {
		if err := m.bootstrapSandbox(ctx); err != nil {
			return err
		}
		if m.Sim, err = openSandboxSim(cfg, m.Now); err != nil {
			return err
		}
		if err := m.bootstrapPool(ctx); err != nil {
			return err
		}
		if err := m.bootstrapPlans(ctx); err != nil {
			return err
		}
	}
	if err := m.importLegacyToken(ctx); err != nil {
		return err
	}
	// The socket is bound before the services are built: links in e-mail
	// default to the address actually bound (WEBRANA_ADDR may name port 0).
	ln, err := listen(cfg.Addr)
	if err != nil {
		return err
	}
	cfg.BaseURL = cmp.Or(cfg.BaseURL, "http://"+ln.Addr().String())
	if err := m.wire(); err != nil {
		ln.Close()
		return err
	}
	m.Server.Use(ln)
	return m.logSetupLink(ctx)
}

// listen binds the web server's socket, naming the setting to fix.
func listen(addr string) (net.Listener, error) {
	ln, err := net.Listen("tcp", addr)
	if errors.Is(err, syscall.EADDRINUSE) {
		return nil, fmt.Errorf("WEBRANA_ADDR: %s is already in use (another webrana running?); choose another with WEBRANA_ADDR or --addr", addr)
	}
	if err != nil {
		return nil, fmt.Errorf("WEBRANA_ADDR: cannot listen on %s: %w", addr, err)
	}
	return ln, nil
}

// logSetupLink logs, in production with no administrator yet, the one-time
// link where the first operator creates their account in the browser
// (`webrana user add` works too). Each start logs a new link; the last
// one works, once.
func (m *Main) logSetupLink(ctx context.Context) error {
	if m.Config.Sandbox {
		return nil
	}
	link, err := m.Auth.SetupLink(ctx)
	if err != nil || link == "" {
		return err
	}
	m.Logger.Warn("no administrator yet: open this link once to create the first operator's account (or run webrana user add --role admin)",
		"setup_url", m.Config.BaseURL+link)
	return nil
}

// signInHint tells a newcomer to the sandbox whom to sign in as.
func signInHint(cfg *Config) string {
	if !cfg.Sandbox {
		return ""
	}
	return "Sandbox: sign in as " + demoUsers[1].email + " (a customer) or " + demoUsers[0].email +
		" (the operator), with the demo password printed where webrana started."
}

func (m *Main) readyChecks() []web.ReadyCheck {
	return []web.ReadyCheck{
		{Name: "database", Check: m.DB.Ping},
		{Name: "migrations", Check: func(ctx context.Context) error {
			current, err := m.DB.MigrationsCurrent(ctx)
			if err == nil && !current {
				return webrana.Errorf(webrana.EUNAVAILABLE, "migrations pending; run webrana migrate")
			}
			return err
		}},
		{Name: "jobs", Check: func(context.Context) error {
			if !m.Queue.Running() {
				return webrana.Errorf(webrana.EUNAVAILABLE, "job system not running")
			}
			return nil
		}},
	}
}

// Ready is closed once Serve has started the jobs, printed the banner and
// begun answering.
func (m *Main) Ready() <-chan struct{} { return m.ready }

// keyring holds the master key and, during a rotation, the previous one.
func keyring(cfg *Config, key secrets.Key) (*secrets.Keyring, error) {
	var prev secrets.Key
	if cfg.EncryptionKeyPrevious != "" {
		var err error
		if prev, err = secrets.ParseKey(cfg.EncryptionKeyPrevious); err != nil {
			return nil, fmt.Errorf("ENCRYPTION_KEY_PREVIOUS: %w", err)
		}
	}
	return secrets.NewKeyring(key, prev), nil
}

// importLegacyToken makes DO_ACCESS_TOKEN the primary DigitalOcean account
// when there is none (the seed's migration plan). Its limit and count come
// with the first sync.
func (m *Main) importLegacyToken(ctx context.Context) error {
	token := m.Config.DOAccessToken
	if token == "" {
		return nil
	}
	m.Logger.Warn("DO_ACCESS_TOKEN is deprecated: manage DigitalOcean accounts at /internal/accounts; it is only imported while no DigitalOcean account exists")
	existing, err := m.DB.ListAccounts(ctx, webrana.DigitalOcean)
	if err != nil || len(existing) > 0 {
		return err
	}
	sealed, err := m.Keys.Seal(token)
	if err != nil {
		return err
	}
	a := &webrana.Account{ProviderType: webrana.DigitalOcean, Name: "Primary (DO_ACCESS_TOKEN)", TokenCiphertext: sealed,
		TokenHint: secrets.Hint(token), IsPrimary: true, IsActive: true, Limit: 10, LimitFromProvider: true,
		Health: webrana.HealthUnknown}
	if err := m.DB.CreateAccount(ctx, a); err != nil {
		return fmt.Errorf("DO_ACCESS_TOKEN: %w", err)
	}
	m.Logger.Info("imported DO_ACCESS_TOKEN as the primary DigitalOcean account", "account", a.ID, "token", a.TokenHint)
	return nil
}

// Addr is the address the server listens on.
func (m *Main) Addr() string { return m.Server.Addr() }

// Serve starts the job queue and answers HTTP until ctx ends, then drains:
// see shutdown.
func (m *Main) Serve(ctx context.Context) error {
	// The jobs' context must outlive ctx: River cancels every running job
	// when the context given to Start ends, and a stop signal must let
	// them finish instead (a create cut off mid-request leaves its outcome
	// unknown).
	if err := m.Queue.Start(context.WithoutCancel(ctx)); err != nil {
		return err
	}
	if m.Sim != nil {
		m.Sim.serve()
		m.printBanner()
	} else {
		m.printProductionBanner()
	}
	serveErr := make(chan error, 1)
	go func() { serveErr <- m.Server.Serve() }()
	m.Logger.Info("ready", "url", "http://"+m.Addr(), "engine", m.DB.Engine(), "sandbox", m.Config.Sandbox,
		"startup", time.Since(m.started).Round(time.Millisecond))
	close(m.ready)

	var err error
	select {
	case <-ctx.Done():
		m.Logger.Info("shutting down: finishing in-flight requests and running jobs", "grace", m.Config.ShutdownGrace)
	case err = <-serveErr:
	}
	return joinErrors(err, m.shutdown())
}

// printProductionBanner says where production runs and against which
// providers; the first operator's setup link, when there is none yet, is in
// the log.
func (m *Main) printProductionBanner() {
	fmt.Fprintf(m.stdout, "\nWebrana: http://%s\n  mode: production (%s)\n  DigitalOcean API: %s\n  Linode API: %s\n\n",
		m.Addr(), m.Config.Where(), cmp.Or(m.Config.DigitalOceanAPIURL, "the provider's own"), cmp.Or(m.Config.LinodeAPIURL, "the provider's own"))
}

// shutdownTimeout bounds how long the standalone simulator (webrana sim)
// lets in-flight requests finish when stopped.
const shutdownTimeout = 30 * time.Second

// cancelWait bounds how long jobs cancelled at the end of the grace period
// may take to return, so that River records them for another run.
const cancelWait = 5 * time.Second

// shutdown drains: it stops accepting connections and taking jobs, and
// lets in-flight requests and running jobs finish, both within
// WEBRANA_SHUTDOWN_GRACE. Jobs still running then are cancelled (River runs
// them again later) and requests still open are cut off; either is an
// error, so the exit code tells the drain was not clean.
// The sandbox's simulator stops last, as the jobs talk to it.
func (m *Main) shutdown() error {
	ctx, cancel := context.WithTimeout(context.Background(), m.Config.ShutdownGrace)
	defer cancel()
	started := time.Now()
	httpErr := make(chan error, 1)
	go func() { httpErr <- m.shutdownHTTP(ctx) }()
	jobsErr := m.drainJobs(ctx)
	err := joinErrors(<-httpErr, jobsErr)
	if m.Sim != nil {
		err = joinErrors(err, m.stopSim())
	}
	if err != nil {
		return fmt.Errorf("shutdown: %w", err)
	}
	m.Logger.Info("stopped cleanly", "drained_in", time.Since(started).Round(time.Millisecond))
	return nil
}

// shutdownHTTP lets in-flight requests finish until ctx ends; the process
// exit cuts those still open.
func (m *Main) shutdownHTTP(ctx context.Context) error {
	if err := m.Server.Shutdown(ctx); err != nil {
		return fmt.Errorf("WEBRANA_SHUTDOWN_GRACE: requests still in flight after %s were cut off", m.Config.ShutdownGrace)
	}
	return nil
}

// drainJobs lets running jobs finish until ctx ends and names those it
// then had to cancel.
func (m *Main) drainJobs(ctx context.Context) error {
	cancelled, err := m.Queue.Drain(ctx, cancelWait)
	if len(cancelled) > 0 {
		m.Logger.Warn("jobs still running at the end of the grace period were cancelled; they will run again",
			"jobs", cancelled, "grace", m.Config.ShutdownGrace)
		err = joinErrors(fmt.Errorf("WEBRANA_SHUTDOWN_GRACE: %d jobs still running after %s were cancelled (%s); they will run again",
			len(cancelled), m.Config.ShutdownGrace, countKinds(cancelled)), err)
	}
	return err
}

// simStopWait bounds the sandbox simulator's stop. Everything that called
// it has finished by then; only a connection on which no request was ever
// sent (a client's spare dial) can remain, and Go's Shutdown waits 5 s
// for such a one. Nothing is lost by not waiting: the simulator's state is
// saved as it stops, whether or not Shutdown timed out.
const simStopWait = time.Second

// stopSim stops the sandbox's simulator and saves its state.
func (m *Main) stopSim() error {
	ctx, cancel := context.WithTimeout(context.Background(), simStopWait)
	defer cancel()
	if err := m.Sim.shutdown(ctx); err != nil && !errors.Is(err, context.DeadlineExceeded) {
		return fmt.Errorf("sandbox simulator: %w", err)
	}
	return nil
}

// joinErrors joins errors on one line, as run prints a failure.
func joinErrors(errs ...error) error {
	var out error
	for _, err := range errs {
		switch {
		case err == nil:
		case out == nil:
			out = err
		default:
			out = fmt.Errorf("%w; %w", out, err)
		}
	}
	return out
}

// countKinds writes sorted job kinds as "kind ×n, …".
func countKinds(kinds []string) string {
	var parts []string
	for i := 0; i < len(kinds); {
		j := i
		for j < len(kinds) && kinds[j] == kinds[i] {
			j++
		}
		parts = append(parts, fmt.Sprintf("%s ×%d", kinds[i], j-i))
		i = j
	}
	return strings.Join(parts, ", ")
}

// Close releases the database, and then the sandbox's locks; call it after
// Serve returns or Open fails.
func (m *Main) Close() error {
	var err error
	if m.DB != nil {
		err = m.DB.Close()
	}
	return errors.Join(err, m.locks.release())
}

// prepareDataDir creates the data dir (0700) and checks it is usable.
func prepareDataDir(dir string) error {
	if err := os.MkdirAll(dir, 0o700); err != nil {
		return fmt.Errorf("WEBRANA_DATA_DIR: cannot create %s: %w", dir, unwrapPath(err))
	}
	f, err := os.CreateTemp(dir, ".write-check-*")
	if err != nil {
		return fmt.Errorf("WEBRANA_DATA_DIR: %s is not writable: %w", dir, unwrapPath(err))
	}
	f.Close()
	return os.Remove(f.Name())
}

// refuseSandboxData stops production on the embedded SQLite from opening a
// sandbox's data dir: its database holds the demo users (whose password is
// in the data dir) and accounts whose tokens only the simulator knows.
func refuseSandboxData(dir string) error {
	for _, f := range []string{"sim-state.json", "demo-password"} {
		if _, err := os.Stat(filepath.Join(dir, f)); err == nil {
			return fmt.Errorf("WEBRANA_DATA_DIR: %s holds a sandbox (demo users and simulator accounts, found %s); production needs a data dir of its own: choose another WEBRANA_DATA_DIR", dir, f)
		}
	}
	return nil
}

// unwrapPath drops the path an *os.PathError repeats, for one clean line.
func unwrapPath(err error) error {
	var pe *os.PathError
	if errors.As(err, &pe) {
		return pe.Err
	}
	return err
}

// loadKey returns the master key: ENCRYPTION_KEY when set, else (sandbox
// only) the key file in the data dir, created on first start.
func loadKey(cfg *Config) (secrets.Key, error) {
	if cfg.EncryptionKey != "" {
		k, err := secrets.ParseKey(cfg.EncryptionKey)
		if err != nil {
			return nil, fmt.Errorf("ENCRYPTION_KEY: %w", err)
		}
		return k, nil
	}
	if !cfg.Sandbox {
		return nil, errors.New("ENCRYPTION_KEY: required outside sandbox mode: 64 hex characters (generate with: openssl rand -hex 32)")
	}
	k, err := secrets.LoadOrCreateKeyFile(keyFile(cfg))
	if err != nil {
		return nil, fmt.Errorf("encryption key file: %w", err)
	}
	return k, nil
}

// openForCommand opens the database for a one-shot command (migrate, user
// add), creating the data dir when the database lives there.
func openForCommand(ctx context.Context, cfg *Config) (*store.DB, error) {
	if cfg.DatabaseURL == "" {
		if err := prepareDataDir(cfg.DataDir); err != nil {
			return nil, err
		}
	}
	return openDatabase(ctx, cfg)
}

// openDatabase opens the configured database, in a data dir already
// prepared, and applies Webrana's and River's migrations.
func openDatabase(ctx context.Context, cfg *Config) (*store.DB, error) {
	db, err := store.Open(ctx, cfg.DSN())
	if err != nil {
		if cfg.DatabaseURL == "" {
			return nil, fmt.Errorf("WEBRANA_DATA_DIR: %w", err)
		}
		return nil, fmt.Errorf("WEBRANA_DATABASE_URL: %w", err)
	}
	if err := db.Migrate(ctx); err != nil {
		db.Close()
		return nil, err
	}
	if err := jobs.Migrate(ctx, db); err != nil {
		db.Close()
		return nil, err
	}
	return db, nil
}

// bootstrap inserts the rows every installation has: one per provider in
// the registry.
func bootstrap(ctx context.Context, db *store.DB) error {
	for _, reg := range providers.All() {
		if _, err := db.EnsureProvider(ctx, webrana.ProviderType(reg.Type), reg.Name); err != nil {
			return fmt.Errorf("bootstrap providers: %w", err)
		}
	}
	return nil
}

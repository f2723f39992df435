package main

import (
	"cmp"
	"errors"
	"flag"
	"fmt"
	"io"
	"log/slog"
	"net"
	netmail "net/mail"
	"net/url"
	"path/filepath"
	"strconv"
	"strings"
	"time"
	"unicode"

	"github.com/webrana/webrana"
	"github.com/webrana/webrana/alerts"
	"github.com/webrana/webrana/auth"
	"github.com/webrana/webrana/mail"
	"github.com/webrana/webrana/payments"
)

// Config is everything the environment and flags say, in one value. Secret
// fields never print: see LogValue.
type Config struct {
	Addr                      string
	DataDir                   string
	DatabaseURL               string // "" means SQLite in DataDir
	Sandbox                   bool
	EncryptionKey             string // 64 hex characters; required outside sandbox
	EncryptionKeyPrevious     string // the key being rotated away from (rotate-key)
	DemoPassword              string
	DigitalOceanAPIURL        string
	LinodeAPIURL              string
	DigitalOceanDefaultRegion string
	DOAccessToken             string
	AlertWebhookURL           string
	AlertWebhookSecret        string
	SMTPAddr                  string
	SMTPFrom                  string
	SMTPUsername              string
	SMTPPassword              string
	SMTPTLS                   string // "require": nothing is sent to a server without STARTTLS; default: STARTTLS when offered
	AlertEmailTo              string // comma-separated
	// BaseURL is the site's public URL, for links in e-mail and the setup
	// link (default, set by Main.Open: http:// and the address bound).
	BaseURL string
	// SMTPSenderName is shown as the sender of e-mail and names the site
	// in it (default "Webrana").
	SMTPSenderName string
	LogLevel       slog.Level
	// MetricsToken lets Prometheus read /metrics with it as a bearer token;
	// MetricsPublic lets anyone. Without either, administrators only.
	MetricsToken  string
	MetricsPublic bool
	// Signup is who may make an account until an operator sets it in the
	// panel: open, invite or closed (default closed in production, open in
	// the sandbox).
	Signup string

	// Jobs and provisioning (durations as Go writes them: 30s, 5m).
	Workers        int           // jobs worked at once per process
	JobTimeout     time.Duration // one run of a job
	JobRescueAfter time.Duration // a job running this long is taken to be lost with its process and run again
	ProvisionPoll  time.Duration // between looks at a server action in progress
	BootWatch      time.Duration // between looks of an account's boot watch at its booting servers
	HeldRetry      time.Duration // between looks for capacity for a held order
	SimCreateDelay time.Duration // sandbox simulator: new server to running
	SimActionDelay time.Duration // sandbox simulator: action started to completed
	DestroyOrphans bool          // reconciliation deletes orphan servers instead of only reporting them
	// A negative balance: servers are suspended after DunningGrace, deleted
	// DunningDestroyAfter later.
	DunningGrace        time.Duration
	DunningDestroyAfter time.Duration
	// Card payments (issue 17 §1): Stripe's secret API key and webhook
	// signing secret (both or neither), its API's URL (tests: stripe-mock),
	// and one top-up's bounds in minor units (WEBRANA_TOP_UP_MIN/MAX in
	// major units; default 5.00 to 1,000.00).
	StripeSecretKey     string
	StripeWebhookSecret string
	StripeAPIURL        string
	TopUpMin, TopUpMax  int64
	// ShutdownGrace is how long a stop (SIGTERM, SIGINT) lets in-flight
	// requests and running jobs finish before cancelling them.
	ShutdownGrace time.Duration

	raw struct {
		workers, jobTimeout, jobRescueAfter, provisionPoll, bootWatch, heldRetry, simCreateDelay, simActionDelay, grace, destroyAfter,
		shutdownGrace, topUpMin, topUpMax string
	} // as written, parsed by parseNumbers
}

// Defaults of the product contract (DESIGN.md §9).
const (
	defaultAddr    = "127.0.0.1:8080"
	defaultDataDir = "./webrana-data"
	defaultRegion  = "sgp1"
)

// envFlag binds one setting to its environment variable and a flag.
type envFlag struct {
	env, flag, usage string
	target           *string
}

func (c *Config) settings() []envFlag {
	return []envFlag{
		{"WEBRANA_ADDR", "addr", "listen address", &c.Addr},
		{"WEBRANA_DATA_DIR", "data-dir", "data directory (SQLite database, sandbox key)", &c.DataDir},
		{"WEBRANA_DATABASE_URL", "database-url", "postgres:// URL (default: SQLite in the data dir)", &c.DatabaseURL},
		{"ENCRYPTION_KEY", "", "", &c.EncryptionKey}, // secrets come from the environment only
		{"ENCRYPTION_KEY_PREVIOUS", "", "", &c.EncryptionKeyPrevious},
		{"WEBRANA_DEMO_PASSWORD", "", "", &c.DemoPassword},
		{"DIGITALOCEAN_API_URL", "digitalocean-api-url", "DigitalOcean API base URL", &c.DigitalOceanAPIURL},
		{"LINODE_API_URL", "linode-api-url", "Linode API base URL", &c.LinodeAPIURL},
		{"DIGITALOCEAN_DEFAULT_REGION", "digitalocean-default-region", "default DigitalOcean region", &c.DigitalOceanDefaultRegion},
		{"DO_ACCESS_TOKEN", "", "", &c.DOAccessToken},
		{"WEBRANA_ALERT_WEBHOOK_URL", "alert-webhook-url", "POST alerts here as signed JSON", &c.AlertWebhookURL},
		{"WEBRANA_ALERT_WEBHOOK_SECRET", "", "", &c.AlertWebhookSecret},
		{"WEBRANA_BASE_URL", "base-url", "the site's public URL, for links in e-mail (default http:// and the address bound)", &c.BaseURL},
		{"WEBRANA_SMTP_ADDR", "smtp-addr", "SMTP server host:port for e-mail to customers and alerts (unset: mail is kept for the Mail page)", &c.SMTPAddr},
		{"WEBRANA_SMTP_FROM", "smtp-from", "sender address of e-mail", &c.SMTPFrom},
		{"WEBRANA_SMTP_SENDER_NAME", "smtp-sender-name", "sender name of e-mail (default Webrana)", &c.SMTPSenderName},
		{"WEBRANA_SMTP_USERNAME", "smtp-username", "SMTP user (PLAIN auth)", &c.SMTPUsername},
		{"WEBRANA_SMTP_PASSWORD", "", "", &c.SMTPPassword},
		{"WEBRANA_SMTP_TLS", "smtp-tls", "require: send nothing to an SMTP server that offers no STARTTLS (default: STARTTLS when offered)", &c.SMTPTLS},
		{"WEBRANA_ALERT_EMAIL_TO", "alert-email-to", "comma-separated recipients of alert e-mail", &c.AlertEmailTo},
		{"WEBRANA_METRICS_TOKEN", "", "", &c.MetricsToken},
		{"WEBRANA_SIGNUP", "signup", "who may make an account until an operator chooses: open, invite or closed (default closed; open in the sandbox)", &c.Signup},
		{"WEBRANA_WORKERS", "workers", "jobs worked at once (default 10)", &c.raw.workers},
		{"WEBRANA_JOB_TIMEOUT", "job-timeout", "longest run of one job (default 1m)", &c.raw.jobTimeout},
		{"WEBRANA_JOB_RESCUE_AFTER", "job-rescue-after", "a job running this long is rerun, its process presumed dead (default 5m)", &c.raw.jobRescueAfter},
		{"WEBRANA_PROVISION_POLL", "provision-poll", "between looks at a server action in progress (default 5s)", &c.raw.provisionPoll},
		{"WEBRANA_BOOT_WATCH", "boot-watch", "between looks at an account's booting servers: one list call a look (default 1s)", &c.raw.bootWatch},
		{"WEBRANA_HELD_RETRY", "held-retry", "between looks for capacity for a held order (default 30s)", &c.raw.heldRetry},
		{"WEBRANA_SIM_CREATE_DELAY", "sim-create-delay", "sandbox simulator: new server to running (default 10s)", &c.raw.simCreateDelay},
		{"WEBRANA_SIM_ACTION_DELAY", "sim-action-delay", "sandbox simulator: action started to completed (default 5s)", &c.raw.simActionDelay},
		{"WEBRANA_DUNNING_GRACE", "dunning-grace", "a negative balance suspends servers after this (default 72h)", &c.raw.grace},
		{"WEBRANA_DUNNING_DESTROY_AFTER", "dunning-destroy-after", "suspended servers are deleted after this (default 336h)", &c.raw.destroyAfter},
		{"STRIPE_SECRET_KEY", "", "", &c.StripeSecretKey},
		{"STRIPE_WEBHOOK_SECRET", "", "", &c.StripeWebhookSecret},
		{"STRIPE_API_URL", "stripe-api-url", "Stripe API base URL (default https://api.stripe.com)", &c.StripeAPIURL},
		{"WEBRANA_TOP_UP_MIN", "top-up-min", "smallest card top-up, in the billing currency (default 5.00)", &c.raw.topUpMin},
		{"WEBRANA_TOP_UP_MAX", "top-up-max", "largest card top-up, in the billing currency (default 1000.00)", &c.raw.topUpMax},
		{"WEBRANA_SHUTDOWN_GRACE", "shutdown-grace", "on SIGTERM, how long requests and running jobs may take to finish (default 30s)", &c.raw.shutdownGrace},
	}
}

// LoadConfig reads the environment (through getenv) and then flags, which
// win. It validates every setting and names the offending one in errors.
func LoadConfig(name string, args []string, getenv func(string) string, stderr io.Writer) (*Config, error) {
	c := &Config{Addr: defaultAddr, DataDir: defaultDataDir, DigitalOceanDefaultRegion: defaultRegion}
	fs := flag.NewFlagSet(name, flag.ContinueOnError)
	fs.SetOutput(stderr)
	for _, s := range c.settings() {
		if v := getenv(s.env); v != "" {
			*s.target = v
		}
		if s.flag != "" {
			fs.StringVar(s.target, s.flag, *s.target, s.usage+" (env "+s.env+")")
		}
	}
	sandbox := &sandboxFlag{}
	fs.Var(sandbox, "sandbox", "1: the built-in provider simulator with demo rows, even with PostgreSQL; 0: production, even on the embedded SQLite (env WEBRANA_SANDBOX; default: sandbox when no database URL is set)")
	logLevel := fs.String("log-level", cmp.Or(getenv("WEBRANA_LOG_LEVEL"), "info"), "debug, info, warn or error (env WEBRANA_LOG_LEVEL)")
	if err := fs.Parse(args); err != nil {
		return nil, err
	}
	if fs.NArg() > 0 {
		return nil, fmt.Errorf("unexpected argument %q", fs.Arg(0))
	}
	if err := c.chooseMode(getenv("WEBRANA_SANDBOX"), sandbox); err != nil {
		return nil, err
	}
	var err error
	if c.DestroyOrphans, err = parseBool("WEBRANA_DESTROY_ORPHANS", getenv("WEBRANA_DESTROY_ORPHANS")); err != nil {
		return nil, err
	}
	if c.MetricsPublic, err = parseBool("WEBRANA_METRICS_PUBLIC", getenv("WEBRANA_METRICS_PUBLIC")); err != nil {
		return nil, err
	}
	if c.Signup == "" {
		c.Signup = "closed"
		if c.Sandbox {
			c.Signup = "open" // a newcomer tries signing up too
		}
	}
	if err := c.LogLevel.UnmarshalText([]byte(*logLevel)); err != nil {
		return nil, fmt.Errorf("WEBRANA_LOG_LEVEL: %q is not one of debug, info, warn, error", *logLevel)
	}
	if err := c.parseNumbers(); err != nil {
		return nil, err
	}
	return c, c.validate()
}

// sandboxFlag is --sandbox: a boolean that remembers whether it was given,
// so that --sandbox=false can ask for production on the embedded SQLite.
type sandboxFlag struct {
	set, value bool
}

func (f *sandboxFlag) String() string {
	if f == nil || !f.set {
		return ""
	}
	return strconv.FormatBool(f.value)
}

func (f *sandboxFlag) Set(s string) error {
	v, err := strconv.ParseBool(s)
	if err != nil {
		return fmt.Errorf("%q is not a boolean (use true or false)", s)
	}
	f.set, f.value = true, v
	return nil
}

func (f *sandboxFlag) IsBoolFlag() bool { return true }

// chooseMode decides between the sandbox and production (DESIGN.md §9):
// --sandbox, else WEBRANA_SANDBOX, says so when given; otherwise no
// database URL means the embedded, self-contained sandbox and a
// PostgreSQL URL means production.
func (c *Config) chooseMode(env string, flagged *sandboxFlag) error {
	envSandbox, err := parseBool("WEBRANA_SANDBOX", env)
	switch {
	case err != nil:
		return err
	case flagged.set:
		c.Sandbox = flagged.value
	case env != "":
		c.Sandbox = envSandbox
	default:
		c.Sandbox = c.DatabaseURL == ""
	}
	return nil
}

// Mode names the mode the configuration runs: "sandbox" or "production".
func (c *Config) Mode() string {
	if c.Sandbox {
		return "sandbox"
	}
	return "production"
}

// Where says where the data lives, for the banner: "SQLite at PATH" or
// "PostgreSQL at HOST/DB" (the URL without its password).
func (c *Config) Where() string {
	if c.DatabaseURL == "" {
		return "SQLite at " + filepath.Join(c.DataDir, "webrana.db")
	}
	u, err := url.Parse(c.DatabaseURL)
	if err != nil {
		return "PostgreSQL"
	}
	return "PostgreSQL at " + u.Host + u.Path
}

// parseNumbers reads the numeric and duration settings, with defaults.
func (c *Config) parseNumbers() error {
	c.Workers = 10
	if c.raw.workers != "" {
		n, err := strconv.Atoi(c.raw.workers)
		if err != nil || n < 1 || n > 1000 {
			return fmt.Errorf("WEBRANA_WORKERS: %q is not a number from 1 to 1000", c.raw.workers)
		}
		c.Workers = n
	}
	for _, d := range []struct {
		env, raw string
		dst      *time.Duration
		def      time.Duration
	}{
		{"WEBRANA_JOB_TIMEOUT", c.raw.jobTimeout, &c.JobTimeout, time.Minute},
		{"WEBRANA_JOB_RESCUE_AFTER", c.raw.jobRescueAfter, &c.JobRescueAfter, 5 * time.Minute},
		{"WEBRANA_PROVISION_POLL", c.raw.provisionPoll, &c.ProvisionPoll, 5 * time.Second},
		{"WEBRANA_BOOT_WATCH", c.raw.bootWatch, &c.BootWatch, time.Second},
		{"WEBRANA_HELD_RETRY", c.raw.heldRetry, &c.HeldRetry, 30 * time.Second},
		{"WEBRANA_SIM_CREATE_DELAY", c.raw.simCreateDelay, &c.SimCreateDelay, 10 * time.Second},
		{"WEBRANA_SIM_ACTION_DELAY", c.raw.simActionDelay, &c.SimActionDelay, 5 * time.Second},
		{"WEBRANA_DUNNING_GRACE", c.raw.grace, &c.DunningGrace, 72 * time.Hour},
		{"WEBRANA_DUNNING_DESTROY_AFTER", c.raw.destroyAfter, &c.DunningDestroyAfter, 14 * 24 * time.Hour},
		{"WEBRANA_SHUTDOWN_GRACE", c.raw.shutdownGrace, &c.ShutdownGrace, 30 * time.Second},
	} {
		*d.dst = d.def
		if d.raw == "" {
			continue
		}
		v, err := time.ParseDuration(d.raw)
		if err != nil || v <= 0 {
			return fmt.Errorf("%s: %q is not a positive duration such as 30s or 5m", d.env, d.raw)
		}
		*d.dst = v
	}
	if err := c.parseTopUps(); err != nil {
		return err
	}
	if c.JobRescueAfter < c.JobTimeout {
		return errors.New("WEBRANA_JOB_RESCUE_AFTER: must be at least WEBRANA_JOB_TIMEOUT, or running jobs would be run twice")
	}
	return nil
}

// parseTopUps reads one top-up's bounds, typed in major units.
func (c *Config) parseTopUps() error {
	c.TopUpMin, c.TopUpMax = payments.DefaultMinTopUp, payments.DefaultMaxTopUp
	for _, b := range []struct {
		env, raw string
		dst      *int64
	}{{"WEBRANA_TOP_UP_MIN", c.raw.topUpMin, &c.TopUpMin}, {"WEBRANA_TOP_UP_MAX", c.raw.topUpMax, &c.TopUpMax}} {
		if b.raw == "" {
			continue
		}
		v, ok := webrana.ParseMajor(strings.TrimSpace(b.raw))
		if !ok {
			return fmt.Errorf("%s: %q is not an amount such as 5 or 12.50", b.env, b.raw)
		}
		*b.dst = v
	}
	if err := payments.CheckBounds(c.TopUpMin, c.TopUpMax); err != nil {
		return fmt.Errorf("WEBRANA_TOP_UP_MIN and WEBRANA_TOP_UP_MAX: %w", err)
	}
	return nil
}

// validateStripe checks the card payment settings: the secret key and the
// webhook signing secret together, or neither.
func (c *Config) validateStripe() error {
	if (c.StripeSecretKey == "") != (c.StripeWebhookSecret == "") {
		return errors.New("STRIPE_SECRET_KEY and STRIPE_WEBHOOK_SECRET: set both to take card payments (the webhook secret is the endpoint's whsec_… signing secret), or neither")
	}
	if c.StripeAPIURL != "" && c.StripeSecretKey == "" {
		return errors.New("STRIPE_API_URL: needs STRIPE_SECRET_KEY and STRIPE_WEBHOOK_SECRET")
	}
	return nil
}

func (c *Config) validate() error {
	if _, _, err := net.SplitHostPort(c.Addr); err != nil {
		return fmt.Errorf("WEBRANA_ADDR: %q is not host:port", c.Addr)
	}
	if strings.TrimSpace(c.DataDir) == "" {
		return errors.New("WEBRANA_DATA_DIR: must not be empty")
	}
	if c.DatabaseURL != "" {
		u, err := url.Parse(c.DatabaseURL)
		if err != nil || (u.Scheme != "postgres" && u.Scheme != "postgresql") || u.Host == "" && u.Query().Get("host") == "" {
			return errors.New("WEBRANA_DATABASE_URL: must be a postgres://user:password@host:port/database URL (leave it unset for embedded SQLite)")
		}
	}
	if c.AlertWebhookURL != "" && c.AlertWebhookSecret == "" {
		return errors.New("WEBRANA_ALERT_WEBHOOK_SECRET: required with WEBRANA_ALERT_WEBHOOK_URL (receivers check the signature)")
	}
	if err := c.validateMail(); err != nil {
		return err
	}
	if !auth.SignupMode(c.Signup).Valid() {
		return fmt.Errorf("WEBRANA_SIGNUP: %q is not one of open, invite, closed", c.Signup)
	}
	if err := c.validateMetrics(); err != nil {
		return err
	}
	if err := c.validateStripe(); err != nil {
		return err
	}
	for _, s := range []struct{ env, v string }{{"STRIPE_API_URL", c.StripeAPIURL}, {"DIGITALOCEAN_API_URL", c.DigitalOceanAPIURL}, {"LINODE_API_URL", c.LinodeAPIURL}, {"WEBRANA_ALERT_WEBHOOK_URL", c.AlertWebhookURL}} {
		if s.v == "" {
			continue
		}
		if u, err := url.Parse(s.v); err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" {
			return fmt.Errorf("%s: %q is not an http(s) URL", s.env, s.v)
		}
	}
	return nil
}

// validateMail checks the e-mail settings: WEBRANA_SMTP_ADDR and
// WEBRANA_SMTP_FROM together send customers' mail; WEBRANA_ALERT_EMAIL_TO
// adds alert e-mail and needs them.
func (c *Config) validateMail() error {
	if c.SMTPAddr != "" {
		if _, _, err := net.SplitHostPort(c.SMTPAddr); err != nil {
			return fmt.Errorf("WEBRANA_SMTP_ADDR: %q is not host:port", c.SMTPAddr)
		}
	}
	if (c.SMTPAddr == "") != (c.SMTPFrom == "") {
		return errors.New("WEBRANA_SMTP_ADDR and WEBRANA_SMTP_FROM: set both to send e-mail, or neither (mail is then kept for the Mail page)")
	}
	if c.SMTPFrom != "" {
		if a, err := netmail.ParseAddress(c.SMTPFrom); err != nil || a.Name != "" {
			return fmt.Errorf("WEBRANA_SMTP_FROM: %q is not an e-mail address (the name goes in WEBRANA_SMTP_SENDER_NAME)", c.SMTPFrom)
		}
	}
	switch c.SMTPTLS {
	case "", "opportunistic", "require":
	default:
		return fmt.Errorf("WEBRANA_SMTP_TLS: %q is not require or opportunistic", c.SMTPTLS)
	}
	if c.SMTPAddr != "" && c.BaseURL == "" && !c.Sandbox {
		return errors.New("WEBRANA_BASE_URL: required in production with WEBRANA_SMTP_ADDR: the links in e-mail would point at the address bound, not the site customers use")
	}
	if c.AlertEmailTo != "" && c.SMTPAddr == "" {
		return errors.New("WEBRANA_ALERT_EMAIL_TO: needs WEBRANA_SMTP_ADDR and WEBRANA_SMTP_FROM to send alert e-mail")
	}
	if c.BaseURL == "" { // Main.Open makes it the address actually bound
		return nil
	}
	if u, err := url.Parse(c.BaseURL); err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" || u.RawQuery != "" {
		return fmt.Errorf("WEBRANA_BASE_URL: %q is not an http(s) URL such as https://panel.example.com", c.BaseURL)
	}
	c.BaseURL = strings.TrimRight(c.BaseURL, "/")
	return nil
}

// minMetricsToken is the shortest metrics token accepted: it guards the
// pool's names and load, so it must not be guessable.
const minMetricsToken = 16

// validateMetrics checks who may read /metrics is said once and sensibly.
func (c *Config) validateMetrics() error {
	if c.MetricsPublic && c.MetricsToken != "" {
		return errors.New("WEBRANA_METRICS_PUBLIC: metrics cannot be public and protected by WEBRANA_METRICS_TOKEN at once; unset one")
	}
	if c.MetricsToken == "" {
		return nil
	}
	if len(c.MetricsToken) < minMetricsToken || strings.ContainsFunc(c.MetricsToken, unicode.IsSpace) {
		return fmt.Errorf("WEBRANA_METRICS_TOKEN: at least %d characters without spaces (generate one with: openssl rand -hex 32)", minMetricsToken)
	}
	return nil
}

// needsDataDir reports whether anything lives in the data dir: the SQLite
// database, or the sandbox's key and demo password. A production PostgreSQL
// deployment needs none.
func (c *Config) needsDataDir() bool { return c.DatabaseURL == "" || c.Sandbox }

// DSN is the store's connection string.
func (c *Config) DSN() string {
	if c.DatabaseURL != "" {
		return c.DatabaseURL
	}
	return "sqlite:" + filepath.Join(c.DataDir, "webrana.db")
}

// LogValue prints the configuration with secrets redacted, for the start-up log.
func (c *Config) LogValue() slog.Value {
	db := "sqlite (" + filepath.Join(c.DataDir, "webrana.db") + ")"
	if c.DatabaseURL != "" {
		if u, err := url.Parse(c.DatabaseURL); err == nil {
			db = u.Redacted()
		}
	}
	return slog.GroupValue(
		slog.String("addr", c.Addr),
		slog.String("data_dir", c.DataDir),
		slog.String("database", db),
		slog.Bool("sandbox", c.Sandbox),
		slog.String("mode", c.Mode()),
		slog.String("encryption_key", redact(c.EncryptionKey)),
		slog.String("encryption_key_previous", redact(c.EncryptionKeyPrevious)),
		slog.String("demo_password", redact(c.DemoPassword)),
		slog.String("digitalocean_api_url", c.DigitalOceanAPIURL),
		slog.String("linode_api_url", c.LinodeAPIURL),
		slog.String("digitalocean_default_region", c.DigitalOceanDefaultRegion),
		slog.String("do_access_token", redact(c.DOAccessToken)),
		slog.String("alert_webhook_url", c.AlertWebhookURL),
		slog.String("alert_webhook_secret", redact(c.AlertWebhookSecret)),
		slog.String("base_url", c.BaseURL),
		slog.String("smtp_addr", c.SMTPAddr),
		slog.String("smtp_from", c.SMTPFrom),
		slog.String("smtp_username", c.SMTPUsername),
		slog.String("smtp_password", redact(c.SMTPPassword)),
		slog.String("alert_email_to", c.AlertEmailTo),
		slog.String("metrics_token", redact(c.MetricsToken)),
		slog.Bool("metrics_public", c.MetricsPublic),
		slog.String("signup", c.Signup),
		slog.String("stripe_secret_key", redact(c.StripeSecretKey)),
		slog.String("stripe_webhook_secret", redact(c.StripeWebhookSecret)),
		slog.String("stripe_api_url", c.StripeAPIURL),
		slog.String("top_up_min", webrana.FormatMajor(c.TopUpMin)),
		slog.String("top_up_max", webrana.FormatMajor(c.TopUpMax)),
		slog.String("log_level", c.LogLevel.String()),
		slog.Int("workers", c.Workers),
		slog.Duration("job_timeout", c.JobTimeout),
		slog.Duration("job_rescue_after", c.JobRescueAfter),
		slog.Duration("shutdown_grace", c.ShutdownGrace),
	)
}

// String is LogValue in text, so printing a Config with %v is safe too.
func (c *Config) String() string { return c.LogValue().String() }

func redact(s string) string {
	if s == "" {
		return ""
	}
	return "[redacted]"
}

func parseBool(name, v string) (bool, error) {
	if v == "" {
		return false, nil
	}
	b, err := strconv.ParseBool(v)
	if err != nil {
		return false, fmt.Errorf("%s: %q is not a boolean (use 1 or 0)", name, v)
	}
	return b, nil
}

// mailConfig is the outbox's and its worker's configuration.
func (c *Config) mailConfig(now func() time.Time, logger *slog.Logger) *mail.Config {
	return &mail.Config{BaseURL: c.BaseURL, From: c.SMTPFrom, SenderName: c.SMTPSenderName, ShowKeptLinks: c.Sandbox, Now: now, Logger: logger}
}

// mailSender is the one SMTP sender of customers' mail and alerts; nil
// without WEBRANA_SMTP_ADDR (mail is then kept for the Mail page).
func (c *Config) mailSender() mail.Sender {
	if c.SMTPAddr == "" {
		return nil
	}
	return &mail.SMTP{Addr: c.SMTPAddr, Username: c.SMTPUsername, Password: c.SMTPPassword, RequireTLS: c.SMTPTLS == "require"}
}

// alertChannels are the notification channels the configuration sets up;
// alert e-mail goes through sender, customers' mail's.
func (c *Config) alertChannels(sender mail.Sender) []alerts.Channel {
	var out []alerts.Channel
	if c.AlertWebhookURL != "" {
		out = append(out, &alerts.Webhook{URL: c.AlertWebhookURL, Secret: []byte(c.AlertWebhookSecret)})
	}
	if sender != nil && c.AlertEmailTo != "" {
		var to []string
		for _, addr := range strings.Split(c.AlertEmailTo, ",") {
			if addr = strings.TrimSpace(addr); addr != "" {
				to = append(to, addr)
			}
		}
		out = append(out, &alerts.Email{Addr: c.SMTPAddr, From: c.SMTPFrom, To: to, Sender: sender, SenderName: c.SMTPSenderName})
	}
	return out
}

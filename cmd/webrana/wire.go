package main

import (
	"context"
	"fmt"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/collectors"
	"github.com/riverqueue/river"

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
	"github.com/webrana/webrana/payments/sandboxpay"
	"github.com/webrana/webrana/payments/stripe"
	"github.com/webrana/webrana/plans"
	"github.com/webrana/webrana/pool"
	"github.com/webrana/webrana/providers"
	"github.com/webrana/webrana/provision"
	"github.com/webrana/webrana/revenue"
	"github.com/webrana/webrana/vpcs"
	"github.com/webrana/webrana/web"
)

// wire builds every component, each after those it needs, and sets none
// after construction but one: the job queue. River builds its client from
// every worker and periodic task at once, and those hold the services that
// enqueue through that client, so the services are given a jobs.Late that
// the queue is bound to once it is built, last. The store's WakeJobs is
// that Late's WakeTx: until then it wakes nothing, as a store without
// WakeJobs does. Open calls wire once, when the database and the sandbox
// are ready.
func (m *Main) wire() error {
	cfg := m.Config
	var err error
	late := new(jobs.Late)
	m.DB.WakeJobs = late.WakeTx // held orders start as soon as capacity appears

	m.Registry = newRegistry()
	m.Pool = pool.New(m.DB, m.Keys, m.opener(), &pool.Config{Now: m.Now, Logger: m.Logger})
	m.Registry.MustRegister(pool.Collector{DB: m.DB})
	// Outgoing mail (issue 16 §3): one SMTP sender for customers' mail and
	// alerts; without WEBRANA_SMTP_ADDR the worker keeps messages for the
	// operators' Mail page. Every producer queues through m.Mail.
	sender, mailCfg := cfg.mailSender(), cfg.mailConfig(m.Now, m.Logger)
	if sender == nil && !cfg.Sandbox {
		m.Logger.Warn("no SMTP server (WEBRANA_SMTP_ADDR): e-mail to customers is kept on the Mail page, not sent")
	}
	m.Mail = mail.NewOutbox(m.DB, late, mailCfg)
	m.Channels = alerts.NewChannelSet(m.DB, m.Keys, &alerts.ChannelSetConfig{Static: cfg.alertChannels(sender)})
	m.Alerts = alerts.New(m.DB, late, m.Channels, &alerts.Config{Logger: m.Logger})

	// Two-factor sign-in seals its secrets with the master key.
	m.Auth = auth.New(m.DB, &auth.Config{Logger: m.Logger, Now: m.Now, Signup: auth.SignupMode(m.Config.Signup), Mailer: m.Mail, Keys: m.Keys})
	m.Catalog = catalog.New(m.DB, m.Pool.CatalogSource(), &catalog.Config{Now: m.Now, Logger: m.Logger})
	// The operator's margin reads the catalog's prices; plans are warned
	// of prices below the provider's (issue 17 §3).
	m.Revenue = revenue.New(m.DB, m.Catalog, &revenue.Config{Now: m.Now, Logger: m.Logger})
	m.Plans = plans.New(m.DB, m.Catalog, &plans.Config{Costs: m.Revenue})

	m.Orders = provision.New(m.DB, m.Catalog, m.Keys, late,
		&provision.Config{DefaultRegions: map[webrana.ProviderType]string{webrana.DigitalOcean: cfg.DigitalOceanDefaultRegion}})
	m.Servers = lifecycle.New(m.DB, m.Catalog, m.Keys, late)
	m.VPCs = vpcs.New(m.DB, m.Pool) // customers' VPCs (issue 19)
	m.Statuses = lifecycle.NewStatusSync(m.DB, m.Pool, &lifecycle.StatusSyncConfig{Now: m.Now, Logger: m.Logger})
	m.Reconcil = lifecycle.NewReconciler(m.DB, m.Pool, &lifecycle.ReconcilerConfig{DestroyOrphans: cfg.DestroyOrphans, Logger: m.Logger})
	m.Metrics = lifecycle.NewMetrics(m.DB, m.Pool, &lifecycle.MetricsConfig{Now: m.Now})

	m.Dunning = billing.NewDunning(m.DB, m.Servers, m.dunningConfig())
	m.Meter = billing.NewMeter(m.DB, &billing.MeterConfig{Now: m.Now, Logger: m.Logger, Mail: m.Mail})
	m.Ledger = billing.NewLedger(m.DB, m.Dunning, nil)
	// Monthly invoices and credit notes (issue 17 §2), e-mailed through the outbox.
	m.Invoices = invoicing.New(m.DB, &invoicing.Config{Now: m.Now, Logger: m.Logger, Mail: m.Mail})
	// Card top-ups (issue 17 §1): Stripe when configured, the sandbox's
	// test gateway in the sandbox, otherwise not set up.
	if m.Payments, err = payments.New(m.DB, m.paymentGateway(), &payments.Config{Min: cfg.TopUpMin, Max: cfg.TopUpMax,
		BaseURL: cfg.BaseURL, Now: m.Now, Logger: m.Logger, Mail: m.Mail, Alerts: m.Alerts, Channels: m.Channels, Queue: late}); err != nil {
		return fmt.Errorf("payments: %w", err)
	}

	workers := river.NewWorkers()
	river.AddWorker(workers, alerts.NewNotifyWorker(m.DB, m.Channels))
	orderWorker := provision.NewWorker(m.DB, m.Pool, late, m.Keys, m.Alerts, m.Channels,
		&provision.WorkerConfig{Tick: cfg.BootWatch, HeldRetry: cfg.HeldRetry, Now: m.Now, Logger: m.Logger, Mail: m.Mail})
	river.AddWorker(workers, orderWorker)
	river.AddWorker(workers, provision.NewWatchWorker(orderWorker))
	river.AddWorker(workers, lifecycle.NewWorker(m.DB, m.Pool, m.Keys,
		&lifecycle.WorkerConfig{Poll: cfg.ProvisionPoll, Now: m.Now, Logger: m.Logger, Mail: m.Mail}))
	// Snapshots deleted at their provider (lifecycle/snapshots.go).
	river.AddWorker(workers, lifecycle.NewSnapshotDeleteWorker(m.DB, m.Pool, m.Logger))
	river.AddWorker(workers, mail.NewSendWorker(m.DB, sender, mailCfg))
	metrics := jobs.NewMetrics(m.Registry)
	q, err := jobs.New(m.DB, &jobs.Config{
		Logger:      m.Logger.With("component", "river"),
		Workers:     workers,
		Periodic:    m.periodicTasks(metrics),
		Metrics:     metrics,
		MaxWorkers:  cfg.Workers,
		JobTimeout:  cfg.JobTimeout,
		RescueAfter: cfg.JobRescueAfter,
	})
	if err != nil {
		return fmt.Errorf("jobs: %w", err)
	}
	m.Queue = q
	late.Bind(q)

	m.Server = web.NewServer(web.Config{Logger: m.Logger, Registry: m.Registry, Auth: m.Auth, Catalog: m.Catalog,
		Pool: m.Pool, Plans: m.Plans, Orders: m.Orders, Servers: m.Servers, Reconcile: m.Reconcil, Metrics: m.Metrics,
		Backups:  lifecycle.NewBackups(m.DB, m.Pool),
		Channels: m.Channels, Alerts: m.Alerts, Ledger: m.Ledger, Mail: m.Mail, Payments: m.Payments, Revenue: m.Revenue,
		Invoices:     m.Invoices,
		VPCs:         m.VPCs, // issue 19
		MetricsToken: cfg.MetricsToken, MetricsPublic: cfg.MetricsPublic,
		Ready: m.readyChecks(), Version: version, SignInHint: signInHint(cfg), Mode: cfg.Mode()})
	if m.Sim != nil {
		m.Sim.register(m.Server)
	}
	return nil
}

// dunningConfig is the dunning's schedule as configured, on Main's clock.
func (m *Main) dunningConfig() *billing.DunningConfig {
	return &billing.DunningConfig{Grace: m.Config.DunningGrace, DestroyAfter: m.Config.DunningDestroyAfter, Now: m.Now, Logger: m.Logger, Mail: m.Mail}
}

// periodicTasks are what the elected leader runs on a schedule, one line
// each: the job's kind, how often, whether also at start, and what runs.
func (m *Main) periodicTasks(metrics *jobs.Metrics) []jobs.PeriodicTask {
	evaluate := func(ctx context.Context) error { _, _, err := m.Alerts.Evaluate(ctx); return err }
	return []jobs.PeriodicTask{
		jobs.Heartbeat(m.Logger, metrics, m.Now),
		jobs.Periodic[jobs.CleanupArgs](jobs.CleanupEvery, true, jobs.Cleanup(m.DB, m.Logger, m.Now)),
		jobs.Periodic[alerts.EvaluateArgs](alerts.EvaluateEvery, true, evaluate),
		jobs.Periodic[billing.Args](billing.Every, true, billing.Cycle(m.Meter, m.Dunning)),
		jobs.Periodic[invoicing.Args](invoicing.Every, true, m.Invoices.IssueDue),
		jobs.Periodic[lifecycle.SyncArgs](lifecycle.SyncEvery, false, jobs.DropResult(m.Statuses.Run)),
		jobs.Periodic[lifecycle.ReconcileArgs](lifecycle.ReconcileEvery, true, jobs.DropResult(m.Reconcil.Run)),
		jobs.Periodic[pool.HealthArgs](pool.HealthEvery, true, jobs.DropResult(m.Pool.HealthCycle)),
		jobs.Periodic[pool.SyncArgs](pool.SyncEvery, true, jobs.DropResult(m.Pool.SyncCycle)),
		jobs.Periodic[pool.SweepArgs](pool.SweepEvery, true, jobs.DropResult(m.DB.ReleaseExpiredReservations)),
	}
}

func newRegistry() *prometheus.Registry {
	reg := prometheus.NewRegistry()
	reg.MustRegister(collectors.NewGoCollector(), collectors.NewProcessCollector(collectors.ProcessCollectorOpts{}))
	return reg
}

// paymentGateway is the card payments' gateway: Stripe with
// STRIPE_SECRET_KEY and STRIPE_WEBHOOK_SECRET (validated together), else
// the sandbox's test gateway in the sandbox, else none (the top-up form is
// hidden and the API says card payments are not set up).
func (m *Main) paymentGateway() payments.Gateway {
	cfg := m.Config
	switch {
	case cfg.StripeSecretKey != "":
		gw, err := stripe.New(cfg.StripeSecretKey, cfg.StripeWebhookSecret, &stripe.Config{APIURL: cfg.StripeAPIURL})
		if err != nil { // LoadConfig checked both are set
			m.Logger.Error("card payments", "err", err)
			return nil
		}
		return gw
	case cfg.Sandbox:
		return sandboxpay.New()
	}
	m.Logger.Warn("card payments are not set up (STRIPE_SECRET_KEY, STRIPE_WEBHOOK_SECRET): customers cannot top up by card")
	return nil
}

// opener opens provider clients: the sandbox's in-process simulator unless
// DIGITALOCEAN_API_URL / LINODE_API_URL say otherwise.
func (m *Main) opener() *providers.Opener {
	cfg := providers.Config{DB: m.DB, Logger: m.Logger, Now: m.Now, BaseURLs: map[webrana.ProviderType]string{
		webrana.DigitalOcean: m.Config.DigitalOceanAPIURL, webrana.Linode: m.Config.LinodeAPIURL}}
	if m.Sim != nil {
		cfg.SimulatorURL = m.Sim.URL()
	}
	return providers.New(cfg)
}

// Package alerts watches the provider account pool for conditions an
// operator must know about — an account full, every account of a provider
// full, an account unhealthy, a provider's pool above 80 % — opens one alert
// per condition while it lasts, resolves it when it clears, and delivers
// each change to the notification channels (a signed webhook, e-mail) as
// River jobs, so a failed delivery is retried and none is lost.
package alerts

import (
	"cmp"
	"context"
	"fmt"
	"log/slog"
	"slices"
	"time"

	"github.com/riverqueue/river"

	"github.com/webrana/webrana"
	"github.com/webrana/webrana/jobs"
	"github.com/webrana/webrana/store"
)

// Severities.
const (
	Warning  = "warning"
	Critical = "critical"
)

// HighUsage is the share of a provider's capacity in use that warns.
const HighUsage = 80.0

// Condition is a state of the pool worth an alert.
type Condition struct {
	Kind, Key, Severity, Message string
}

// Conditions derives the alert conditions from the accounts.
func Conditions(accounts []*webrana.Account) []Condition {
	var out []Condition
	type totals struct{ usable, full, used, limit int }
	byProvider := map[webrana.ProviderType]*totals{}
	for _, a := range accounts {
		if !a.IsActive {
			continue
		}
		if a.Health == webrana.HealthUnhealthy {
			out = append(out, Condition{webrana.AlertAccountUnhealthy, webrana.AlertAccountUnhealthy + ":" + a.ID, Critical,
				fmt.Sprintf("%s account %q is unhealthy: %s", a.ProviderType, a.Name, a.HealthReason)})
			continue
		}
		t := byProvider[a.ProviderType]
		if t == nil {
			t = &totals{}
			byProvider[a.ProviderType] = t
		}
		t.usable++
		t.used += a.Active + a.Reserved
		t.limit += a.Limit
		if a.Free() == 0 {
			t.full++
			out = append(out, Condition{webrana.AlertAccountFull, webrana.AlertAccountFull + ":" + a.ID, Warning,
				fmt.Sprintf("%s account %q is full: %d of %d servers.", a.ProviderType, a.Name, a.Active+a.Reserved, a.Limit)})
		}
	}
	for _, p := range webrana.ProviderTypes {
		t := byProvider[p]
		switch {
		case t == nil:
		case t.full == t.usable:
			out = append(out, Condition{webrana.AlertAllAccountsFull, webrana.AlertAllAccountsFull + ":" + string(p), Critical,
				fmt.Sprintf("Every usable %s account is full; new %s orders are held.", p, p)})
		case t.limit > 0 && float64(t.used)*100/float64(t.limit) > HighUsage:
			out = append(out, Condition{webrana.AlertPoolHighUsage, webrana.AlertPoolHighUsage + ":" + string(p), Warning,
				fmt.Sprintf("The %s pool is %.0f%% used (%d of %d servers); add an account.", p, float64(t.used)*100/float64(t.limit), t.used, t.limit)})
		}
	}
	return out
}

// HeldConditions derives an alert per provider with orders waiting for
// capacity.
func HeldConditions(held map[webrana.ProviderType]int) []Condition {
	var out []Condition
	for _, p := range webrana.ProviderTypes {
		if n := held[p]; n > 0 {
			out = append(out, Condition{webrana.AlertProvisioningHeld, webrana.AlertProvisioningHeld + ":" + string(p), Critical,
				fmt.Sprintf("%d %s order(s) are held: no %s account has room. Add an account or raise a limit.", n, p, p)})
		}
	}
	return out
}

// OrphanConditions derives the alert of open reconciliation findings.
func OrphanConditions(open int) []Condition {
	if open == 0 {
		return nil
	}
	return []Condition{{webrana.AlertOrphans, webrana.AlertOrphans, Warning,
		fmt.Sprintf("%d server(s) at the providers carry Webrana's order tag but belong to no server here; see /api/admin/reconciliation.", open)}}
}

// evaluated are the kinds Evaluate derives and therefore resolves; other
// alerts (a failed order) stay open until an operator resolves them.
var evaluated = []string{webrana.AlertAccountFull, webrana.AlertAllAccountsFull, webrana.AlertAccountUnhealthy,
	webrana.AlertPoolHighUsage, webrana.AlertProvisioningHeld, webrana.AlertOrphans}

// Service keeps the open alerts in step with the pool.
type Service struct {
	db       Store
	queue    jobs.Enqueuer
	channels *ChannelSet
	logger   *slog.Logger
}

// Config holds a Service's optional settings; zero values take defaults.
type Config struct {
	Logger *slog.Logger // default discards
}

// New returns the alerts service over db, enqueueing each alert's
// notifications to channels on queue. cfg may be nil.
func New(db Store, queue jobs.Enqueuer, channels *ChannelSet, cfg *Config) *Service {
	var c Config
	if cfg != nil {
		c = *cfg
	}
	return &Service{db: db, queue: queue, channels: channels, logger: cmp.Or(c.Logger, slog.New(slog.DiscardHandler))}
}

// Evaluate opens alerts for new conditions and resolves those that cleared,
// each with its notification jobs in the same transaction.
func (s *Service) Evaluate(ctx context.Context) (opened, resolved int, err error) {
	// Open alerts first, conditions second: an alert raised meanwhile (a
	// held order's) is then either unseen here or matched by its
	// condition, never resolved by a condition read before it existed.
	open, err := s.db.OpenAlerts(ctx)
	if err != nil {
		return 0, 0, err
	}
	accounts, err := s.db.ListAccounts(ctx, "")
	if err != nil {
		return 0, 0, err
	}
	held, err := s.db.HeldOrders(ctx)
	if err != nil {
		return 0, 0, err
	}
	orphans, err := s.db.OpenFindings(ctx)
	if err != nil {
		return 0, 0, err
	}
	// Read before any transaction: on SQLite the transaction holds the one
	// connection.
	channels, err := s.channels.All(ctx)
	if err != nil {
		return 0, 0, err
	}
	isOpen := map[string]*webrana.Alert{}
	for _, a := range open {
		if slices.Contains(evaluated, a.Kind) {
			isOpen[a.Key] = a
		}
	}
	wanted := map[string]bool{}
	conditions := append(append(Conditions(accounts), HeldConditions(held)...), OrphanConditions(orphans)...)
	for _, c := range conditions {
		wanted[c.Key] = true
		if isOpen[c.Key] != nil {
			continue
		}
		a := &webrana.Alert{Kind: c.Kind, Key: c.Key, Severity: c.Severity, Message: c.Message}
		err := s.db.InTx(ctx, func(tx *store.Tx) error {
			created, err := tx.OpenAlert(ctx, a)
			if err != nil || !created {
				return err // another replica opened it first
			}
			opened++
			return s.notify(ctx, tx, channels, a.ID, EventOpened)
		})
		if err != nil {
			return opened, resolved, err
		}
		s.logger.Warn("alert opened", "kind", c.Kind, "message", c.Message)
	}
	for key, a := range isOpen {
		if wanted[key] {
			continue
		}
		err := s.db.InTx(ctx, func(tx *store.Tx) error {
			done, err := tx.ResolveAlert(ctx, key)
			if err != nil || !done {
				return err
			}
			resolved++
			return s.notify(ctx, tx, channels, a.ID, EventResolved)
		})
		if err != nil {
			return opened, resolved, err
		}
		s.logger.Info("alert resolved", "kind", a.Kind, "key", key)
	}
	return opened, resolved, nil
}

// Raise opens an alert found outside Evaluate (an order that failed), with
// its notifications, in the caller's transaction. channels are read with
// Channels.All before the transaction (on SQLite it holds the connection).
// An alert already open under the same key is left as it is.
func (s *Service) Raise(ctx context.Context, tx *store.Tx, channels []Channel, a *webrana.Alert) error {
	created, err := tx.OpenAlert(ctx, a)
	if err != nil || !created {
		return err
	}
	s.logger.Warn("alert opened", "kind", a.Kind, "message", a.Message)
	return s.notify(ctx, tx, channels, a.ID, EventOpened)
}

// List returns a page of alerts, newest first, and the total.
func (s *Service) List(ctx context.Context, f store.AlertFilter) ([]*webrana.Alert, int, error) {
	items, total, err := s.db.ListAlerts(ctx, f)
	if err != nil {
		return nil, 0, fmt.Errorf("list alerts: %w", err)
	}
	return items, total, nil
}

// Resolve closes an open alert by hand (an operator has seen to it), with
// its audit entry ("alert.resolved", by the actor); a closed one is
// returned as it is. A pool condition that still holds opens a new alert
// at the next evaluation.
func (s *Service) Resolve(ctx context.Context, by webrana.Actor, id string) (*webrana.Alert, error) {
	a, err := s.db.AlertByID(ctx, id)
	if err != nil {
		return nil, fmt.Errorf("alert %s: %w", id, err)
	}
	if a.ResolvedAt != nil {
		return a, nil
	}
	err = s.db.InTx(ctx, func(tx *store.Tx) error {
		if _, err := tx.ResolveAlert(ctx, a.Key); err != nil {
			return err
		}
		return tx.AppendAudit(ctx, by.Entry("alert.resolved", "alert", a.ID, a.Kind))
	})
	if err == nil {
		a, err = s.db.AlertByID(ctx, a.ID)
	}
	if err != nil {
		return nil, fmt.Errorf("resolve alert %s: %w", id, err)
	}
	return a, nil
}

// notify enqueues one delivery job per channel, in the transaction.
func (s *Service) notify(ctx context.Context, tx *store.Tx, channels []Channel, alertID, event string) error {
	for _, ch := range channels {
		if err := s.queue.InsertTx(ctx, tx, NotifyArgs{AlertID: alertID, Event: event, Channel: ch.Name()}, nil); err != nil {
			return err
		}
	}
	return nil
}

// Events of an alert.
const (
	EventOpened   = "opened"
	EventResolved = "resolved"
)

// NotifyArgs delivers one alert event to one channel. It holds ids only,
// never a secret.
type NotifyArgs struct {
	AlertID string `json:"alert_id"`
	Event   string `json:"event"`
	Channel string `json:"channel"`
}

func (NotifyArgs) Kind() string { return "alert_notify" }

// NotifyWorker delivers NotifyArgs; River retries failures with backoff.
type NotifyWorker struct {
	river.WorkerDefaults[NotifyArgs]
	db       AlertStore
	channels *ChannelSet
}

// NewNotifyWorker returns the worker delivering the alerts in db to
// channels. It has no optional settings.
func NewNotifyWorker(db AlertStore, channels *ChannelSet) *NotifyWorker {
	return &NotifyWorker{db: db, channels: channels}
}

func (w *NotifyWorker) Work(ctx context.Context, job *river.Job[NotifyArgs]) error {
	channels, err := w.channels.All(ctx)
	if err != nil {
		return err
	}
	i := slices.IndexFunc(channels, func(c Channel) bool { return c.Name() == job.Args.Channel })
	if i < 0 {
		return river.JobCancel(fmt.Errorf("channel %q is no longer configured", job.Args.Channel))
	}
	a, err := w.db.AlertByID(ctx, job.Args.AlertID)
	if err != nil {
		return err
	}
	return channels[i].Send(ctx, Notification{Event: job.Args.Event, Alert: a})
}

// EvaluateArgs is the periodic evaluation (Service.Evaluate).
type EvaluateArgs struct{}

func (EvaluateArgs) Kind() string { return "alerts_evaluate" }

// EvaluateEvery is how often the pool is looked at (as often as its health
// is checked).
const EvaluateEvery = time.Minute

package lifecycle

import (
	"cmp"
	"context"
	"fmt"
	"log/slog"
	"time"

	"github.com/riverqueue/river"

	"github.com/webrana/webrana"
	"github.com/webrana/webrana/cloud"
	"github.com/webrana/webrana/clouderr"
	"github.com/webrana/webrana/jobs"
	"github.com/webrana/webrana/pool"
	"github.com/webrana/webrana/secrets"
	"github.com/webrana/webrana/store"
)

// Worker works Args: it sends the action once, then looks at it every
// Poll until the provider says it ended and the server shows it.
type Worker struct {
	river.WorkerDefaults[Args]
	db   ActionStore
	pool *pool.Service
	keys *secrets.Keyring
	cfg  WorkerConfig
}

// WorkerConfig holds a Worker's optional settings; zero values take
// defaults.
type WorkerConfig struct {
	Poll time.Duration // between looks at an action in progress (default 5s)
	Mail Mailer        // tells owners of failed actions; nil: mail is not configured
	// Settle bounds how long a server's status may lag behind an action the
	// provider reports completed (default DefaultSettle): until then Webrana
	// looks again; after, it takes the status the provider shows.
	Settle time.Duration
	// ShutdownWait bounds a shutdown (default DefaultShutdownWait): a server
	// still running that long after it was asked to shut down is powered
	// off instead — DigitalOcean's shutdown is best-effort — and the action
	// says so.
	ShutdownWait time.Duration
	Now          func() time.Time // default webrana.Now
	Logger       *slog.Logger     // default discards
}

// NewWorker returns the action worker: it follows the actions in db at the
// providers through pool, opening passwords with keys. cfg may be nil.
func NewWorker(db ActionStore, pool *pool.Service, keys *secrets.Keyring, cfg *WorkerConfig) *Worker {
	var c WorkerConfig
	if cfg != nil {
		c = *cfg
	}
	c.Poll = cmp.Or(c.Poll, 5*time.Second)
	c.Settle = cmp.Or(c.Settle, DefaultSettle)
	c.ShutdownWait = cmp.Or(c.ShutdownWait, DefaultShutdownWait)
	if c.Now == nil {
		c.Now = webrana.Now
	}
	c.Logger = cmp.Or(c.Logger, slog.New(slog.DiscardHandler))
	return &Worker{db: db, pool: pool, keys: keys, cfg: c}
}

// Defaults of Worker's bounds.
const (
	DefaultSettle       = time.Minute
	DefaultShutdownWait = 2 * time.Minute
)

// clockMargin is how far a provider's clock may be behind Webrana's: a
// retry looks for the action it may have sent since that much before it
// sent it.
const clockMargin = time.Minute

// NextRetry backs off between transient failures (jobs.Backoff).
func (w *Worker) NextRetry(job *river.Job[Args]) time.Time { return jobs.Backoff(job.Attempt) }

func (w *Worker) Work(ctx context.Context, job *river.Job[Args]) error {
	a, err := w.db.ActionByID(ctx, job.Args.ActionID)
	if webrana.ErrorCode(err) == webrana.ENOTFOUND {
		return river.JobCancel(err)
	}
	if err != nil || a.Status == webrana.ActionCompleted || a.Status == webrana.ActionErrored {
		return err
	}
	in, err := w.db.InstanceByID(ctx, a.InstanceID)
	if err != nil {
		return err
	}
	ctx = cloud.FailFast(ctx)
	err = w.step(ctx, a, in)
	switch {
	case cloud.Code(err) == cloud.RateLimited:
		return river.JobSnooze(max(cloud.RetryAfter(err), time.Second))
	case err != nil && job.Attempt >= job.MaxAttempts && !jobs.IsSnooze(err):
		w.logger().Warn("server action gave up", "action", a.ID, "type", a.Type, "err", err)
		return w.giveUp(ctx, a, in)
	case err != nil && !jobs.IsSnooze(err):
		return fmt.Errorf("%s server %s (action %s): %w", a.Type, in.ID, a.ID, err)
	}
	return err
}

func (w *Worker) step(ctx context.Context, a *webrana.InstanceAction, in *webrana.Instance) error {
	var c *cloud.Client
	if in.AccountID != "" && in.ProviderID != "" {
		acc, err := w.db.AccountByID(ctx, in.AccountID)
		if err != nil {
			return err
		}
		if c, err = w.pool.Client(ctx, acc); err != nil {
			return err
		}
	}
	switch {
	case a.Type == webrana.ActionDelete:
		return w.delete(ctx, c, a, in)
	case c == nil:
		return w.failed(ctx, a, "The server has no server at the provider.", store.InstanceUpdate{})
	case a.Type == webrana.ActionFirewall:
		return w.applyFirewall(ctx, c, a, in)
	case a.Status == webrana.ActionQueued:
		return w.send(ctx, c, a, in)
	case a.ProviderActionID == "":
		return w.powerOffInstead(ctx, c, a, in) // a shutdown being replaced by a power-off
	}
	return w.follow(ctx, c, a, in)
}

// send asks the provider to do the action, once: it is recorded as sent
// before it is, and a run that finds it sent already (an earlier run lost
// the answer, or stopped before recording it) looks for it among the
// server's actions at the provider and adopts it; only if the provider has
// none is it sent again. A request the provider refuses ends the action
// with its reason; the server is unchanged.
func (w *Worker) send(ctx context.Context, c *cloud.Client, a *webrana.InstanceAction, in *webrana.Instance) error {
	req, err := w.request(ctx, a)
	if err != nil {
		return err
	}
	if a.SentAt != nil {
		pa, err := w.sentBefore(ctx, c, a, in, req.Type)
		if err != nil {
			return err
		}
		if pa != nil {
			w.logger().Info("server action adopted after a lost answer", "action", a.ID, "type", a.Type, "provider_action", pa.ID)
			return w.started(ctx, c, a, in, pa)
		}
	}
	if err := w.db.SendingAction(ctx, a); err != nil {
		return err
	}
	pa, err := w.doAction(ctx, c, a, in, req) // snapshots.go
	switch cloud.Code(err) {
	case cloud.InvalidArgument, cloud.Conflict, cloud.NotFound, cloud.Forbidden:
		return w.failed(ctx, a, clouderr.Message(err), store.InstanceUpdate{})
	}
	if err != nil {
		return err
	}
	return w.started(ctx, c, a, in, pa)
}

// request is the provider request of an action: the plan's size for a
// resize, the opened password where one was given.
func (w *Worker) request(ctx context.Context, a *webrana.InstanceAction) (cloud.ActionRequest, error) {
	req := cloud.ActionRequest{Type: cloud.ActionType(a.Type), Image: a.Params.Image, Name: a.Params.Label,
		Disk: a.Params.Disk, IP: a.Params.IP, PTR: a.Params.PTR, BackupID: a.Params.BackupID}
	if a.Type == webrana.ActionResize {
		plan, err := w.db.PlanByID(ctx, a.Params.PlanID)
		if err != nil {
			return req, err
		}
		req.Size = plan.SizeSlug
	}
	if a.Params.Password != "" {
		pw, err := w.keys.Open(a.Params.Password)
		if err != nil {
			return req, webrana.Errorf(webrana.EINTERNAL, "The action's password cannot be decrypted with this ENCRYPTION_KEY.")
		}
		req.Password = pw
	}
	return req, nil
}

// sentBefore finds at the provider the action of type t an earlier run
// sent for a: the earliest of that type started since it was first sent
// (less the clock margin) that is none of the server's actions Webrana
// knows already.
func (w *Worker) sentBefore(ctx context.Context, c *cloud.Client, a *webrana.InstanceAction, in *webrana.Instance,
	t cloud.ActionType) (*cloud.Action, error) {
	known, err := w.db.ProviderActionIDs(ctx, in.ID)
	if err != nil {
		return nil, err
	}
	return c.FindAction(ctx, in.ProviderID, t, a.SentAt.Add(-clockMargin), known)
}

// started records the provider's action as the one a runs on, and follows it.
func (w *Worker) started(ctx context.Context, c *cloud.Client, a *webrana.InstanceAction, in *webrana.Instance, pa *cloud.Action) error {
	if err := w.db.StartAction(ctx, a.ID, pa.ID, a.Note); err != nil {
		return err
	}
	a.Status, a.ProviderActionID = webrana.ActionInProgress, pa.ID
	return w.follow(ctx, c, a, in)
}

// follow looks at the provider's action; when it has ended and the server
// shows its outcome (or has had Settle to), the instance is brought in step
// with the server as the provider shows it. A shutdown the server does not
// honour within ShutdownWait becomes a power-off.
func (w *Worker) follow(ctx context.Context, c *cloud.Client, a *webrana.InstanceAction, in *webrana.Instance) error {
	pa, err := c.GetAction(ctx, in.ProviderID, a.ProviderActionID)
	if err != nil {
		return err
	}
	if pa.Status == cloud.ActionInProgress {
		if w.shutdownOverdue(a) {
			return w.powerOffInstead(ctx, c, a, in)
		}
		return river.JobSnooze(w.poll())
	}
	if pa.Status == cloud.ActionErrored {
		if w.mayFallBack(a) {
			return w.powerOffInstead(ctx, c, a, in)
		}
		return w.failed(ctx, a, "The provider reported that the action failed.", store.InstanceUpdate{})
	}
	s, err := c.GetInstance(ctx, in.ProviderID)
	if err != nil {
		return err
	}
	if want := outcome(a.Type); want != "" && s.Status != want {
		switch {
		case w.mayFallBack(a) && w.shutdownOverdue(a):
			return w.powerOffInstead(ctx, c, a, in)
		case w.mayFallBack(a) || w.now().Sub(completedAt(pa, a)) < w.settle():
			return river.JobSnooze(w.poll()) // the server's status lags behind the action
		}
		w.logger().Warn("server action completed but the server does not show it", "action", a.ID, "type", a.Type,
			"status", s.Status, "want", want)
	}
	upd := inStep(s) // FinishAction keeps a suspension or deletion decided meanwhile
	switch a.Type {
	case webrana.ActionRename:
		upd.Label = &a.Params.Label
	case webrana.ActionResize:
		upd.PlanID = &a.Params.PlanID // billed at the new plan's price from now on
	case webrana.ActionRebuild:
		upd.Image = &a.Params.Image
	case webrana.ActionEnableBackups, webrana.ActionDisableBackups:
		on := a.Type == webrana.ActionEnableBackups // metered from now on, or no longer (backups.go)
		upd.Backups = &on
	}
	var also []func(*store.Tx) error
	if a.Type == webrana.ActionRebuild || a.Type == webrana.ActionRestore { // the rebuilt (or restored) server gets its firewall rules again
		reapplied, err := w.reapplyFirewall(ctx, c, a, in)
		if err != nil {
			return err
		}
		if reapplied != nil {
			also = append(also, reapplied)
		}
	}
	finishing, err := w.finishing(ctx, c, a, in) // snapshots.go
	if err != nil {
		return err
	}
	also = append(also, finishing...)
	w.logger().Info("server action completed", "action", a.ID, "type", a.Type, "instance", in.ID)
	return w.db.FinishAction(ctx, a, webrana.ActionCompleted, "", upd, also...)
}

// outcome is the status a server shows once an action of type t is done,
// or "" when the action does not change it.
func outcome(t string) cloud.Status {
	switch t {
	case webrana.ActionPowerOn, webrana.ActionReboot, webrana.ActionPowerCycle:
		return cloud.StatusActive
	case webrana.ActionPowerOff, webrana.ActionShutdown:
		return cloud.StatusOff
	}
	return ""
}

// completedAt is when the provider finished the action, or, where it does
// not say, when Webrana last changed it.
func completedAt(pa *cloud.Action, a *webrana.InstanceAction) time.Time {
	if pa.CompletedAt != nil {
		return *pa.CompletedAt
	}
	return a.UpdatedAt
}

// mayFallBack reports whether a is a shutdown not yet replaced by a
// power-off.
func (w *Worker) mayFallBack(a *webrana.InstanceAction) bool {
	return a.Type == webrana.ActionShutdown && a.Note == ""
}

// shutdownOverdue reports whether a is a shutdown that had ShutdownWait
// since it was sent.
func (w *Worker) shutdownOverdue(a *webrana.InstanceAction) bool {
	return w.mayFallBack(a) && a.SentAt != nil && w.now().Sub(*a.SentAt) >= w.shutdownWait()
}

// powerOffInstead replaces a shutdown the server did not honour with a
// power-off, and notes it on the action. The note is recorded, and the
// shutdown let go of, before the power-off is sent: a run that finds the
// action so looks for the power-off among the server's actions (it may
// have been sent, its answer lost) and sends it only if it is not there.
func (w *Worker) powerOffInstead(ctx context.Context, c *cloud.Client, a *webrana.InstanceAction, in *webrana.Instance) error {
	if a.Note == "" {
		a.Note = fmt.Sprintf("The server did not shut down within %s, so it was powered off.", w.shutdownWait())
		w.logger().Warn("shutdown not honoured: powering off", "action", a.ID, "instance", in.ID)
		if err := w.db.StartAction(ctx, a.ID, "", a.Note); err != nil {
			return err
		}
		a.ProviderActionID, a.UpdatedAt = "", w.now()
	}
	known, err := w.db.ProviderActionIDs(ctx, in.ID)
	if err != nil {
		return err
	}
	pa, err := c.FindAction(ctx, in.ProviderID, cloud.ActionPowerOff, a.UpdatedAt.Add(-clockMargin), known)
	if err != nil {
		return err
	}
	if pa == nil {
		var refused error
		pa, refused = c.DoAction(ctx, in.ProviderID, cloud.ActionRequest{Type: cloud.ActionPowerOff})
		if code := cloud.Code(refused); code == cloud.Conflict || code == cloud.InvalidArgument {
			return w.refusedPowerOff(ctx, c, a, in, refused)
		}
		if err = refused; err != nil {
			return err
		}
	}
	return w.started(ctx, c, a, in, pa)
}

// refusedPowerOff ends a shutdown whose power-off the provider refused: as
// done if the server went off meanwhile (it shut down late), else as failed.
func (w *Worker) refusedPowerOff(ctx context.Context, c *cloud.Client, a *webrana.InstanceAction, in *webrana.Instance, refused error) error {
	s, err := c.GetInstance(ctx, in.ProviderID)
	if err != nil {
		return err
	}
	if s.Status == cloud.StatusOff {
		a.Note = "The server shut down late."
		return w.db.FinishAction(ctx, a, webrana.ActionCompleted, "", inStep(s))
	}
	return w.failed(ctx, a, "The server did not shut down, and the provider refused to power it off: "+cloud.Message(refused), inStep(s))
}

// inStep is the instance update that matches the provider's view.
func inStep(s *cloud.Instance) store.InstanceUpdate {
	var upd store.InstanceUpdate
	switch s.Status {
	case cloud.StatusActive:
		st := webrana.StatusActive
		upd.Status = &st
	case cloud.StatusOff:
		st := webrana.StatusOff
		upd.Status = &st
	}
	upd.IPv4, upd.IPv6 = &s.IPv4, &s.IPv6
	return upd
}

// delete removes the server at the provider (a server already gone is
// fine) and marks the instance deleted, giving its slot back. The delete is
// recorded as sent before it is: a retry sends it again (deleting is
// idempotent) but keeps the time it was first asked.
func (w *Worker) delete(ctx context.Context, c *cloud.Client, a *webrana.InstanceAction, in *webrana.Instance) error {
	if c != nil {
		if err := w.db.SendingAction(ctx, a); err != nil {
			return err
		}
		if err := c.DeleteInstance(ctx, in.ProviderID); err != nil && cloud.Code(err) != cloud.NotFound {
			return err
		}
		if err := w.removeFirewall(ctx, c, in); err != nil {
			return err
		}
	}
	if err := w.db.DeleteFinished(ctx, a, in.AccountID); err != nil {
		return err
	}
	w.logger().Info("server deleted", "instance", in.ID, "provider_id", in.ProviderID)
	return nil
}

// giveUp ends an action the provider would not answer for: the server is
// left as it was, with the reason. It runs on a context of its own, as the
// run's may be the one that timed out: an action left unfinished would
// block every later action on the server.
func (w *Worker) giveUp(ctx context.Context, a *webrana.InstanceAction, in *webrana.Instance) error {
	ctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), time.Minute)
	defer cancel()
	msg := "The provider did not answer for half an hour; the action was not done. Please try again."
	upd := store.InstanceUpdate{}
	if a.Type == webrana.ActionDelete {
		// Still there as far as anyone knows: back to a state the customer
		// can delete from again.
		st := webrana.StatusActive
		upd.Status, upd.Error = &st, &msg
	}
	return w.failed(ctx, a, msg, upd)
}

func (w *Worker) poll() time.Duration         { return w.cfg.Poll }
func (w *Worker) settle() time.Duration       { return w.cfg.Settle }
func (w *Worker) shutdownWait() time.Duration { return w.cfg.ShutdownWait }

func (w *Worker) now() time.Time { return w.cfg.Now() }

func (w *Worker) logger() *slog.Logger { return w.cfg.Logger }

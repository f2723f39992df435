package lifecycle

import (
	"context"
	"log/slog"
	"time"

	"github.com/riverqueue/river"

	"github.com/webrana/webrana"
	"github.com/webrana/webrana/cloud"
	"github.com/webrana/webrana/jobs"
	"github.com/webrana/webrana/pool"
	"github.com/webrana/webrana/secrets"
	"github.com/webrana/webrana/store"
)

// Worker works Args: it sends the action, then looks at it every Poll
// until the provider says it ended.
type Worker struct {
	river.WorkerDefaults[Args]
	DB     *store.DB
	Pool   *pool.Service
	Keys   *secrets.Keyring
	Poll   time.Duration // between looks at an action in progress (default 5s)
	Now    func() time.Time
	Logger *slog.Logger
}

// NextRetry backs off between transient failures (jobs.Backoff).
func (w *Worker) NextRetry(job *river.Job[Args]) time.Time { return jobs.Backoff(job.Attempt) }

func (w *Worker) Work(ctx context.Context, job *river.Job[Args]) error {
	a, err := w.DB.ActionByID(ctx, job.Args.ActionID)
	if webrana.ErrorCode(err) == webrana.ENOTFOUND {
		return river.JobCancel(err)
	}
	if err != nil || a.Status == webrana.ActionCompleted || a.Status == webrana.ActionErrored {
		return err
	}
	in, err := w.DB.InstanceByID(ctx, a.InstanceID)
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
	}
	return err
}

func (w *Worker) step(ctx context.Context, a *webrana.InstanceAction, in *webrana.Instance) error {
	var c *cloud.Client
	if in.AccountID != "" && in.ProviderID != "" {
		acc, err := w.DB.AccountByID(ctx, in.AccountID)
		if err != nil {
			return err
		}
		if c, err = w.Pool.Client(ctx, acc); err != nil {
			return err
		}
	}
	switch {
	case a.Type == webrana.ActionDelete:
		return w.delete(ctx, c, a, in)
	case c == nil:
		return w.DB.FinishAction(ctx, a, webrana.ActionErrored, "The server has no server at the provider.", store.InstanceUpdate{})
	case a.Status == webrana.ActionQueued:
		return w.send(ctx, c, a, in)
	}
	return w.follow(ctx, c, a, in)
}

// send asks the provider to do the action. A request the provider refuses
// ends the action with its reason; the server is unchanged.
func (w *Worker) send(ctx context.Context, c *cloud.Client, a *webrana.InstanceAction, in *webrana.Instance) error {
	req := cloud.ActionRequest{Type: cloud.ActionType(a.Type), Image: a.Params.Image, Name: a.Params.Label}
	if a.Type == webrana.ActionResize {
		plan, err := w.DB.PlanByID(ctx, a.Params.PlanID)
		if err != nil {
			return err
		}
		req.Size = plan.SizeSlug
	}
	if a.Params.Password != "" {
		pw, err := w.Keys.Open(a.Params.Password)
		if err != nil {
			return webrana.Errorf(webrana.EINTERNAL, "The action's password cannot be decrypted with this ENCRYPTION_KEY.")
		}
		req.Password = pw
	}
	pa, err := c.DoAction(ctx, in.ProviderID, req)
	switch cloud.Code(err) {
	case cloud.InvalidArgument, cloud.Conflict, cloud.NotFound, cloud.Forbidden:
		return w.DB.FinishAction(ctx, a, webrana.ActionErrored, "The provider refused: "+cloud.Message(err), store.InstanceUpdate{})
	}
	if err != nil {
		return err
	}
	if err := w.DB.StartAction(ctx, a.ID, pa.ID); err != nil {
		return err
	}
	a.Status, a.ProviderActionID = webrana.ActionInProgress, pa.ID
	return w.follow(ctx, c, a, in)
}

// follow looks at the provider's action; when it has ended the instance is
// brought in step with the server as the provider now shows it.
func (w *Worker) follow(ctx context.Context, c *cloud.Client, a *webrana.InstanceAction, in *webrana.Instance) error {
	pa, err := c.GetAction(ctx, in.ProviderID, a.ProviderActionID)
	if err != nil {
		return err
	}
	switch pa.Status {
	case cloud.ActionErrored:
		return w.DB.FinishAction(ctx, a, webrana.ActionErrored, "The provider reported that the action failed.", store.InstanceUpdate{})
	case cloud.ActionCompleted:
		s, err := c.GetInstance(ctx, in.ProviderID)
		if err != nil {
			return err
		}
		upd := inStep(s) // FinishAction keeps a suspension or deletion decided meanwhile
		switch a.Type {
		case webrana.ActionRename:
			upd.Label = &a.Params.Label
		case webrana.ActionResize:
			upd.PlanID = &a.Params.PlanID // billed at the new plan's price from now on
		case webrana.ActionRebuild:
			upd.Image = &a.Params.Image
		}
		w.logger().Info("server action completed", "action", a.ID, "type", a.Type, "instance", in.ID)
		return w.DB.FinishAction(ctx, a, webrana.ActionCompleted, "", upd)
	}
	return river.JobSnooze(w.poll())
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
// fine) and marks the instance deleted, giving its slot back.
func (w *Worker) delete(ctx context.Context, c *cloud.Client, a *webrana.InstanceAction, in *webrana.Instance) error {
	if c != nil {
		if err := c.DeleteInstance(ctx, in.ProviderID); err != nil && cloud.Code(err) != cloud.NotFound {
			return err
		}
	}
	if err := w.DB.DeleteFinished(ctx, a, in.AccountID); err != nil {
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
	return w.DB.FinishAction(ctx, a, webrana.ActionErrored, msg, upd)
}

func (w *Worker) poll() time.Duration {
	if w.Poll > 0 {
		return w.Poll
	}
	return 5 * time.Second
}

func (w *Worker) now() time.Time { return webrana.NowFrom(w.Now) }

func (w *Worker) logger() *slog.Logger { return webrana.LoggerOr(w.Logger) }

package lifecycle

import (
	"cmp"
	"context"
	"fmt"
	"log/slog"
	"time"

	"github.com/webrana/webrana"
	"github.com/webrana/webrana/cloud"
	"github.com/webrana/webrana/pool"
	"github.com/webrana/webrana/store"
)

// Reconciler finds servers at the providers that carry Webrana's order tag
// but that no instance records — orphans of an order that failed after its
// create went through unseen, or of another installation — and records
// them for operators (and, with DestroyOrphans, deletes them). Servers the
// database believes running that the provider no longer has are the status
// sync's (it marks them deleted).
type Reconciler struct {
	db   ReconcileStore
	pool *pool.Service
	cfg  ReconcilerConfig
}

// ReconcilerConfig holds a Reconciler's optional settings; zero values take
// defaults.
type ReconcilerConfig struct {
	DestroyOrphans bool         // delete orphans at their provider, not only record them (default false)
	Logger         *slog.Logger // default discards
}

// NewReconciler returns the reconciliation of the servers in db with those
// at the providers, listed through pool. cfg may be nil.
func NewReconciler(db ReconcileStore, pool *pool.Service, cfg *ReconcilerConfig) *Reconciler {
	var c ReconcilerConfig
	if cfg != nil {
		c = *cfg
	}
	c.Logger = cmp.Or(c.Logger, slog.New(slog.DiscardHandler))
	return &Reconciler{db: db, pool: pool, cfg: c}
}

// ReconcileEvery is how often the reconciliation runs (leader only).
const ReconcileEvery = time.Hour

// Run reconciles every active account and returns how many new orphans it
// found. An account that fails does not stop the others.
func (r *Reconciler) Run(ctx context.Context) (int, error) {
	accounts, err := r.db.ListAccounts(ctx, "")
	if err != nil {
		return 0, err
	}
	open, _, err := r.db.ListFindings(ctx, true, webrana.Page{PerPage: webrana.MaxPerPage})
	if err != nil {
		return 0, err
	}
	found := 0
	var first error
	for _, a := range accounts {
		if !a.IsActive {
			continue
		}
		n, err := r.account(ctx, a, open)
		found += n
		if err != nil && first == nil {
			first = fmt.Errorf("reconcile %s: %w", a.Name, err)
		}
	}
	return found, first
}

func (r *Reconciler) account(ctx context.Context, a *webrana.Account, open []*webrana.Finding) (int, error) {
	c, err := r.pool.Client(ctx, a)
	if err != nil {
		return 0, err
	}
	servers, err := c.ListInstances(ctx, cloud.ListOptions{})
	if err != nil {
		return 0, err
	}
	found := 0
	for _, s := range servers {
		orderID := webrana.OrderIDFromTags(s.Tags)
		if orderID == "" {
			continue // not Webrana's
		}
		tag := (&webrana.Order{ID: orderID}).Tag()
		detail, orphan, err := r.judge(ctx, a, s, orderID)
		if err != nil || !orphan {
			if err != nil {
				return found, err
			}
			continue
		}
		f := &webrana.Finding{AccountID: a.ID, ProviderID: s.ID, Tag: tag, OrderID: orderID, Detail: detail}
		isNew, err := r.db.RecordFinding(ctx, f)
		if err != nil {
			return found, err
		}
		if !isNew {
			continue
		}
		found++
		r.logger().Warn("orphan server found", "account", a.Name, "provider_id", s.ID, "tag", tag, "detail", detail)
		if r.cfg.DestroyOrphans {
			if err := r.destroy(ctx, c, f); err != nil {
				return found, err
			}
		}
	}
	return found, r.markGone(ctx, a, servers, open)
}

// judge says whether a tagged server is an orphan, and why.
//
// The order is read before the instances: an order that completes in
// between is then either seen under way or its server seen known, never
// taken for an orphan.
func (r *Reconciler) judge(ctx context.Context, a *webrana.Account, s *cloud.Instance, orderID string) (string, bool, error) {
	o, err := r.db.OrderByID(ctx, orderID)
	missing := webrana.ErrorCode(err) == webrana.ENOTFOUND
	switch {
	case err != nil && !missing:
		return "", false, err
	case !missing && !o.Done():
		return "", false, nil // its order is under way: the worker adopts it by tag
	}
	known, err := r.db.KnownServer(ctx, a.ID, s.ID)
	if err != nil || known {
		return "", false, err
	}
	if missing {
		return "No order " + orderID + " exists in this installation.", true, nil
	}
	return fmt.Sprintf("Its order %s ended %s without it, or its server was deleted here but not at the provider.", o.ID, o.Status), true, nil
}

// markGone closes open findings whose server the provider no longer lists.
// open are the findings open when the run began, read once for all accounts.
func (r *Reconciler) markGone(ctx context.Context, a *webrana.Account, servers []*cloud.Instance, open []*webrana.Finding) error {
	listed := map[string]bool{}
	for _, s := range servers {
		listed[s.ID] = true
	}
	for _, f := range open {
		if f.AccountID == a.ID && !listed[f.ProviderID] {
			if err := r.db.ResolveFinding(ctx, f.ID, webrana.FindingGone); err != nil && webrana.ErrorCode(err) != webrana.ENOTFOUND {
				return err
			}
		}
	}
	return nil
}

// Findings returns a page of findings (open ones only, or all), newest
// first, each with its account's name, and the total.
func (r *Reconciler) Findings(ctx context.Context, openOnly bool, p webrana.Page) ([]*store.FindingRow, int, error) {
	rows, total, err := r.db.ListFindingRows(ctx, openOnly, p)
	if err != nil {
		return nil, 0, fmt.Errorf("list findings: %w", err)
	}
	return rows, total, nil
}

// Decide closes an open finding by an operator's decision — destroyed (the
// server is deleted at its provider) or dismissed (kept on purpose) — with
// its audit entry ("finding.<decision>", by the actor) in the transaction
// that closes it. It returns the finding as it is then.
func (r *Reconciler) Decide(ctx context.Context, by webrana.Actor, id, decision string) (*webrana.Finding, error) {
	f, err := r.db.FindingByID(ctx, id)
	if err != nil {
		return nil, fmt.Errorf("finding %s: %w", id, err)
	}
	if f.Status != webrana.FindingOpen {
		return nil, webrana.Errorf(webrana.ECONFLICT, "This finding was already closed (%s).", f.Status)
	}
	audit := func(tx *store.Tx) error {
		return tx.AppendAudit(ctx, by.Entry("finding."+decision, "finding", f.ID, f.Tag))
	}
	if decision == webrana.FindingDestroyed {
		err = r.destroyNow(ctx, f, audit)
	} else {
		err = r.db.ResolveFinding(ctx, f.ID, decision, audit)
	}
	if err == nil {
		f, err = r.db.FindingByID(ctx, f.ID)
	}
	if err != nil {
		return nil, fmt.Errorf("%s finding %s: %w", decision, id, err)
	}
	return f, nil
}

// destroyNow deletes an orphan at its provider and closes its finding.
func (r *Reconciler) destroyNow(ctx context.Context, f *webrana.Finding, also ...func(*store.Tx) error) error {
	a, err := r.db.AccountByID(ctx, f.AccountID)
	if err != nil {
		return err
	}
	c, err := r.pool.Client(ctx, a)
	if err != nil {
		return err
	}
	return r.destroy(ctx, c, f, also...)
}

func (r *Reconciler) destroy(ctx context.Context, c *cloud.Client, f *webrana.Finding, also ...func(*store.Tx) error) error {
	if err := c.DeleteInstance(ctx, f.ProviderID); err != nil && cloud.Code(err) != cloud.NotFound {
		return fmt.Errorf("delete orphan %s: %w", f.ProviderID, err)
	}
	r.logger().Warn("orphan server destroyed", "provider_id", f.ProviderID, "tag", f.Tag)
	return r.db.ResolveFinding(ctx, f.ID, webrana.FindingDestroyed, also...)
}

func (r *Reconciler) logger() *slog.Logger { return r.cfg.Logger }

// ReconcileArgs runs the reconciliation (Reconciler.Run).
type ReconcileArgs struct{}

func (ReconcileArgs) Kind() string { return "reconcile" }

package lifecycle

import (
	"context"
	"fmt"

	"github.com/webrana/webrana"
	"github.com/webrana/webrana/cloud"
	"github.com/webrana/webrana/clouderr"
	"github.com/webrana/webrana/store"
)

// A server's firewall: the inbound rules its owner sets (PUT
// /api/vps/{id}/firewall, the server page) are recorded with a `firewall`
// action, which the Worker applies at the provider like every action
// (once at a time on a server, retried, audited, refused while the server
// is suspended). A rebuild applies them again; a deletion removes the
// firewall at the provider.

// Firewall returns the server's firewall: State none when its owner never
// set rules (all inbound traffic reaches it).
func (s *Service) Firewall(ctx context.Context, in *webrana.Instance) (*webrana.Firewall, error) {
	fw, err := s.db.FirewallOf(ctx, in.ID)
	if webrana.ErrorCode(err) == webrana.ENOTFOUND {
		return &webrana.Firewall{InstanceID: in.ID, Inbound: []webrana.FirewallRule{}, State: webrana.FirewallNone}, nil
	}
	return fw, err
}

// SetFirewall checks the inbound rules (webrana.CheckFirewallRules) and
// the server's state (Allowed), and records them with the `firewall`
// action that applies them, its job and its audit entry ("vps.firewall",
// by the actor) in one transaction.
func (s *Service) SetFirewall(ctx context.Context, by webrana.Actor, in *webrana.Instance, inbound []webrana.FirewallRule) (*webrana.InstanceAction, error) {
	rules, err := webrana.CheckFirewallRules(inbound)
	if err != nil {
		return nil, err
	}
	if err := Allowed(in, webrana.ActionFirewall); err != nil {
		return nil, err
	}
	a := &webrana.InstanceAction{InstanceID: in.ID, UserID: by.UserID(), Type: webrana.ActionFirewall}
	audit := by.Entry("vps.firewall", "instance", in.ID, fmt.Sprintf("%d inbound rules", len(rules)))
	enqueue := s.enqueue(ctx, audit)
	err = s.db.CreateAction(ctx, a, "", func(tx *store.Tx, a *webrana.InstanceAction) error {
		if err := tx.SetFirewallRules(ctx, in.ID, rules); err != nil {
			return err
		}
		return enqueue(tx, a)
	})
	if err != nil {
		return nil, fmt.Errorf("firewall of server %s: %w", in.ID, err)
	}
	return a, nil
}

// cloudRules are the rules as the cloud API takes them.
func cloudRules(rules []webrana.FirewallRule) []cloud.InboundRule {
	out := make([]cloud.InboundRule, len(rules))
	for i, r := range rules {
		out[i] = cloud.InboundRule{Protocol: r.Protocol, Ports: r.Ports, Sources: r.Sources}
	}
	return out
}

// applyFirewall sets the server's rules at the provider (idempotent: a
// retry after a lost answer finds the firewall made) and finishes the
// action, recording them applied in its transaction. A refusal ends the
// action with its reason.
func (w *Worker) applyFirewall(ctx context.Context, c *cloud.Client, a *webrana.InstanceAction, in *webrana.Instance) error {
	fw, err := w.db.FirewallOf(ctx, in.ID)
	if err != nil {
		return err
	}
	if err := w.db.SendingAction(ctx, a); err != nil {
		return err
	}
	got, err := c.SetFirewall(ctx, in.ProviderID, cloudRules(fw.Inbound))
	switch cloud.Code(err) {
	case cloud.InvalidArgument, cloud.Conflict, cloud.NotFound, cloud.Forbidden:
		return w.failed(ctx, a, clouderr.Message(err), store.InstanceUpdate{})
	}
	if err != nil {
		return err
	}
	w.logger().Info("firewall applied", "action", a.ID, "instance", in.ID, "firewall", got.ID, "rules", len(fw.Inbound))
	return w.db.FinishAction(ctx, a, webrana.ActionCompleted, "", store.InstanceUpdate{}, firewallApplied(ctx, in.ID, got.ID, fw.Inbound))
}

func firewallApplied(ctx context.Context, instanceID, id string, rules []webrana.FirewallRule) func(*store.Tx) error {
	return func(tx *store.Tx) error { return tx.FirewallApplied(ctx, instanceID, id, rules) }
}

// reapplyFirewall applies a rebuilt server's rules again, returning what
// records it in the rebuild's finishing transaction (nil when the server
// has none). A provider that refuses them leaves the rebuild done, with a
// note saying so; a transient failure is returned, and the rebuild's job
// tries again.
func (w *Worker) reapplyFirewall(ctx context.Context, c *cloud.Client, a *webrana.InstanceAction, in *webrana.Instance) (func(*store.Tx) error, error) {
	fw, err := w.db.FirewallOf(ctx, in.ID)
	if webrana.ErrorCode(err) == webrana.ENOTFOUND || !c.Capabilities().Firewall {
		return nil, nil
	}
	if err != nil {
		return nil, err
	}
	got, err := c.SetFirewall(ctx, in.ProviderID, cloudRules(fw.Inbound))
	switch {
	case err != nil && cloud.Transient(err):
		return nil, err
	case err != nil:
		a.Note = "The firewall rules could not be applied again: " + clouderr.Message(err)
		return nil, nil
	}
	return firewallApplied(ctx, in.ID, got.ID, fw.Inbound), nil
}

// removeFirewall deletes a deleted server's firewall at the provider (gone
// already is fine) and records it removed.
func (w *Worker) removeFirewall(ctx context.Context, c *cloud.Client, in *webrana.Instance) error {
	fw, err := w.db.FirewallOf(ctx, in.ID)
	if webrana.ErrorCode(err) == webrana.ENOTFOUND || !c.Capabilities().Firewall {
		return nil
	}
	if err != nil {
		return err
	}
	if err := c.DeleteFirewall(ctx, in.ProviderID); err != nil && cloud.Code(err) != cloud.NotFound {
		return err
	}
	if fw.ProviderFirewallID != "" {
		w.logger().Info("firewall removed", "instance", in.ID, "firewall", fw.ProviderFirewallID)
	}
	return w.db.FirewallRemoved(ctx, in.ID)
}

// dropFirewall deletes the firewall Webrana kept for a server destroyed at
// the provider behind its back, so that none is left on the account. It is
// best-effort: a failure is logged, and the sync goes on.
func (s *StatusSync) dropFirewall(ctx context.Context, c *cloud.Client, in *webrana.Instance) {
	fw, err := s.db.FirewallOf(ctx, in.ID)
	if webrana.ErrorCode(err) == webrana.ENOTFOUND || err == nil && fw.ProviderFirewallID == "" || !c.Capabilities().Firewall {
		return // Webrana made none for it
	}
	if err == nil {
		err = c.DeleteFirewall(ctx, in.ProviderID)
	}
	if err == nil || cloud.Code(err) == cloud.NotFound {
		err = s.db.FirewallRemoved(ctx, in.ID)
	}
	if err != nil {
		s.logger().Warn("firewall of a destroyed server not removed", "instance", in.ID, "err", err)
	}
}

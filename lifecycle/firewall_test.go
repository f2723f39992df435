package lifecycle_test

import (
	"context"
	"net/http/httptest"
	"strconv"
	"strings"
	"testing"

	"github.com/linode/linodego"

	"github.com/webrana/webrana"
	"github.com/webrana/webrana/cloud"
	"github.com/webrana/webrana/lifecycle"
	"github.com/webrana/webrana/pool/pooltest"
	"github.com/webrana/webrana/store"
)

// setRules records rules with their firewall action, as Service.SetFirewall
// does, and works the action to its end.
func (w *world) setRules(rules []webrana.FirewallRule) *webrana.InstanceAction {
	w.t.Helper()
	ctx := context.Background()
	a := &webrana.InstanceAction{InstanceID: w.in.ID, Type: webrana.ActionFirewall}
	must(w.t, w.DB.CreateAction(ctx, a, "", func(tx *store.Tx, _ *webrana.InstanceAction) error {
		return tx.SetFirewallRules(ctx, w.in.ID, rules)
	}))
	return w.settle(a, 1)
}

// TestFirewallOfADestroyedServerIsRemoved: a server destroyed at the
// provider behind Webrana's back leaves no firewall of Webrana's there
// after the status sync.
func TestFirewallOfADestroyedServerIsRemoved(t *testing.T) {
	for _, p := range webrana.ProviderTypes {
		t.Run(string(p), func(t *testing.T) {
			pooltest.Engines(t, func(t *testing.T, pw *pooltest.World) {
				ctx := context.Background()
				w := worldOn(t, pw, p)
				a := w.setRules([]webrana.FirewallRule{{Protocol: "tcp", Ports: "22", Sources: []string{"0.0.0.0/0"}}})
				if a.Status != webrana.ActionCompleted {
					t.Fatalf("the firewall action: %+v", a)
				}
				must(t, w.client.DeleteInstance(ctx, w.in.ProviderID))
				w.Clock.Advance(pooltest.CreateDelay)
				res, err := lifecycle.NewStatusSync(w.DB, w.Pool, &lifecycle.StatusSyncConfig{Now: w.Clock.Now}).Run(ctx)
				must(t, err)
				if res.Gone < 1 {
					t.Fatalf("sync: %+v, want the server gone", res)
				}
				if _, err := w.client.GetFirewall(ctx, w.in.ProviderID); cloud.Code(err) != cloud.NotFound {
					t.Fatalf("the destroyed server's firewall: %v, want none left", err)
				}
				fw, err := w.DB.FirewallOf(ctx, w.in.ID)
				must(t, err)
				if fw.ProviderFirewallID != "" || fw.State != webrana.FirewallPending {
					t.Fatalf("recorded after removal: %+v", fw)
				}
			})
		})
	}
}

// TestFirewallRefusedByTheProvider: a Linode already in a firewall of
// someone else's is refused by Linode; the action ends with the reason and
// the rules stay pending.
func TestFirewallRefusedByTheProvider(t *testing.T) {
	w := newWorld(t, webrana.Linode)
	ctx := context.Background()
	acc, err := w.DB.AccountByID(ctx, w.in.AccountID)
	must(t, err)
	srv := httptest.NewServer(w.Sim.Handler()) // the operator, at Linode's own API
	t.Cleanup(srv.Close)
	lc := linodego.NewClient(nil)
	lc.SetBaseURL(srv.URL)
	lc.SetAPIVersion("v4")
	lc.SetToken(pooltest.Token(acc.Name))
	lc.SetRetryCount(0)
	id, err := strconv.Atoi(w.in.ProviderID)
	must(t, err)
	v4 := []string{"0.0.0.0/0"}
	_, err = lc.CreateFirewall(ctx, linodego.FirewallCreateOptions{Label: "operators-own",
		Rules: linodego.FirewallRuleSet{InboundPolicy: "ACCEPT", OutboundPolicy: "ACCEPT",
			Inbound: []linodego.FirewallRule{{Action: "ACCEPT", Label: "all", Protocol: "TCP", Addresses: linodego.NetworkAddresses{IPv4: &v4}}}},
		Devices: linodego.DevicesCreationOptions{Linodes: []int{id}}})
	must(t, err)
	a := w.setRules([]webrana.FirewallRule{{Protocol: "tcp", Ports: "22", Sources: []string{"0.0.0.0/0"}}})
	if a.Status != webrana.ActionErrored || !strings.Contains(a.Error, "already assigned") {
		t.Fatalf("the firewall action: %+v, want errored with Linode's reason", a)
	}
	fw, err := w.DB.FirewallOf(ctx, w.in.ID)
	must(t, err)
	if fw.State != webrana.FirewallPending {
		t.Fatalf("rules after the refusal: %s, want pending", fw.State)
	}
}

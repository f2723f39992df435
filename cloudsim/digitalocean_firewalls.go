package cloudsim

import (
	"net/http"
	"net/netip"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/google/uuid"
)

// DigitalOcean's Cloud Firewalls (/v2/firewalls): a name, inbound and
// outbound rules, and the droplets they apply to. A PUT replaces the whole
// firewall. Bad bodies get the 400 the real API gives, naming what is
// wrong; a deleted droplet leaves every firewall it was in.

// doFirewall is a firewall of the account.
type doFirewall struct {
	ID            string           `json:"id"`
	Name          string           `json:"name"`
	Status        string           `json:"status"`
	CreatedAt     string           `json:"created_at"`
	InboundRules  []doFirewallRule `json:"inbound_rules"`
	OutboundRules []doFirewallRule `json:"outbound_rules"`
	DropletIDs    []int            `json:"droplet_ids"`
	Tags          []string         `json:"tags"`
}

// doFirewallRule is an inbound rule (Sources) or an outbound one
// (Destinations).
type doFirewallRule struct {
	Protocol     string            `json:"protocol"`
	Ports        string            `json:"ports"`
	Sources      *doFirewallTarget `json:"sources,omitempty"`
	Destinations *doFirewallTarget `json:"destinations,omitempty"`
}

type doFirewallTarget struct {
	Addresses        []string `json:"addresses,omitempty"`
	DropletIDs       []int    `json:"droplet_ids,omitempty"`
	LoadBalancerUIDs []string `json:"load_balancer_uids,omitempty"`
	KubernetesIDs    []string `json:"kubernetes_ids,omitempty"`
	Tags             []string `json:"tags,omitempty"`
}

func (t *doFirewallTarget) empty() bool {
	return t == nil || len(t.Addresses)+len(t.DropletIDs)+len(t.LoadBalancerUIDs)+len(t.KubernetesIDs)+len(t.Tags) == 0
}

// doFirewallWire is a firewall as the API shows it.
type doFirewallWire struct {
	*doFirewall
	PendingChanges []struct{} `json:"pending_changes"`
}

var doFirewallName = regexp.MustCompile(`^[a-zA-Z0-9][a-zA-Z0-9.-]+$`)

// doMaxFirewallRules bounds a firewall's rules.
const doMaxFirewallRules = 50

func (st *doState) firewallWire(f *doFirewall) doFirewallWire {
	return doFirewallWire{doFirewall: f, PendingChanges: []struct{}{}}
}

func (d *digitalOcean) listFirewalls(c *call) {
	st := c.do()
	list := make([]*doFirewall, 0, len(st.Firewalls))
	for _, f := range st.Firewalls {
		list = append(list, f)
	}
	slices.SortFunc(list, func(a, b *doFirewall) int { return strings.Compare(a.CreatedAt+a.ID, b.CreatedAt+b.ID) })
	doList(c, "firewalls", list, func(b []byte, f *doFirewall) []byte { return doAppend(b, st.firewallWire(f)) })
}

func (d *digitalOcean) firewall(c *call) (*doState, *doFirewall) {
	st := c.do()
	f := st.Firewalls[c.r.PathValue("firewall")]
	if f == nil {
		d.writeError(c, http.StatusNotFound, doNotFound)
	}
	return st, f
}

func (d *digitalOcean) getFirewall(c *call) {
	if st, f := d.firewall(c); f != nil {
		doWrite(c, http.StatusOK, map[string]any{"firewall": st.firewallWire(f)})
	}
}

func (d *digitalOcean) createFirewall(c *call) {
	st := c.do()
	f, ok := d.firewallBody(c, st)
	if !ok {
		return
	}
	f.ID, f.Status, f.CreatedAt = uuid.NewString(), "succeeded", c.now.UTC().Truncate(time.Second).Format(time.RFC3339)
	st.Firewalls[f.ID] = f
	doWrite(c, http.StatusAccepted, map[string]any{"firewall": st.firewallWire(f)})
}

func (d *digitalOcean) updateFirewall(c *call) {
	st, old := d.firewall(c)
	if old == nil {
		return
	}
	f, ok := d.firewallBody(c, st)
	if !ok {
		return
	}
	f.ID, f.Status, f.CreatedAt = old.ID, old.Status, old.CreatedAt
	st.Firewalls[f.ID] = f
	doWrite(c, http.StatusOK, map[string]any{"firewall": st.firewallWire(f)})
}

func (d *digitalOcean) deleteFirewall(c *call) {
	if st, f := d.firewall(c); f != nil {
		delete(st.Firewalls, f.ID)
		doNoContent(c)
	}
}

// firewallBody reads and checks a create or a full update, answering 400
// (or 404 for an unknown droplet) when it is refused.
func (d *digitalOcean) firewallBody(c *call, st *doState) (*doFirewall, bool) {
	var f doFirewall
	if !d.decode(c, &f) {
		return nil, false
	}
	msg := ""
	switch {
	case f.Name == "":
		msg = "name is required"
	case !doFirewallName.MatchString(f.Name) || len(f.Name) > 255:
		msg = "name must begin with an alphanumeric character and contain only alphanumeric characters, periods, and dashes"
	case len(f.InboundRules)+len(f.OutboundRules) == 0:
		msg = "must specify at least one inbound or outbound rule"
	case len(f.InboundRules)+len(f.OutboundRules) > doMaxFirewallRules:
		msg = "a firewall may have at most " + strconv.Itoa(doMaxFirewallRules) + " rules"
	}
	for i := range f.InboundRules {
		if msg == "" {
			msg = checkDOFirewallRule(st, &f.InboundRules[i], f.InboundRules[i].Sources, "inbound", "sources")
		}
		f.InboundRules[i].Destinations = nil
	}
	for i := range f.OutboundRules {
		if msg == "" {
			msg = checkDOFirewallRule(st, &f.OutboundRules[i], f.OutboundRules[i].Destinations, "outbound", "destinations")
		}
		f.OutboundRules[i].Sources = nil
	}
	for _, id := range f.DropletIDs {
		if msg == "" && st.Droplets[id] == nil {
			d.writeError(c, http.StatusNotFound, "droplet "+strconv.Itoa(id)+" not found")
			return nil, false
		}
	}
	if msg != "" {
		d.writeError(c, http.StatusBadRequest, msg)
		return nil, false
	}
	if f.InboundRules == nil {
		f.InboundRules = []doFirewallRule{}
	}
	if f.OutboundRules == nil {
		f.OutboundRules = []doFirewallRule{}
	}
	if f.Tags == nil {
		f.Tags = []string{}
	}
	slices.Sort(f.DropletIDs)
	f.DropletIDs = slices.Compact(f.DropletIDs)
	if f.DropletIDs == nil {
		f.DropletIDs = []int{}
	}
	return &f, true
}

// checkDOFirewallRule checks one rule and writes its ports as the API
// shows them ("0" for every port, and for icmp); "" when it is good.
func checkDOFirewallRule(st *doState, r *doFirewallRule, target *doFirewallTarget, dir, targetName string) string {
	switch r.Protocol {
	case "icmp":
		r.Ports = "0"
	case "tcp", "udp":
		if r.Ports == "all" {
			r.Ports = "0"
		}
		if !validDOPorts(r.Ports) {
			return dir + " rule ports must be a port, a range of ports (8000-9000), 0 or all: " + strconv.Quote(r.Ports)
		}
	default:
		return dir + " rule protocol must be one of tcp, udp, icmp"
	}
	if target.empty() {
		return dir + " rule must specify at least one of " + targetName + " addresses, droplet_ids, load_balancer_uids, kubernetes_ids or tags"
	}
	for _, a := range target.Addresses {
		if _, err := netip.ParsePrefix(a); err != nil {
			if _, err := netip.ParseAddr(a); err != nil {
				return dir + " rule address " + strconv.Quote(a) + " is not a valid IP address or CIDR"
			}
		}
	}
	for _, id := range target.DropletIDs {
		if st.Droplets[id] == nil {
			return dir + " rule droplet " + strconv.Itoa(id) + " not found"
		}
	}
	return ""
}

func validDOPorts(p string) bool {
	if p == "0" {
		return true
	}
	lo, hi, isRange := strings.Cut(p, "-")
	a, err1 := strconv.Atoi(lo)
	b, err2 := a, error(nil)
	if isRange {
		b, err2 = strconv.Atoi(hi)
	}
	return err1 == nil && err2 == nil && a >= 1 && b <= 65535 && a <= b && !strings.HasPrefix(lo, "0")
}

// leaveFirewalls takes a deleted droplet out of every firewall.
func (st *doState) leaveFirewalls(id int) {
	for _, f := range st.Firewalls {
		f.DropletIDs = slices.DeleteFunc(f.DropletIDs, func(d int) bool { return d == id })
	}
}

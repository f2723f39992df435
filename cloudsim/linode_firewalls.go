package cloudsim

import (
	"fmt"
	"net/http"
	"net/netip"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"time"
)

// Linode's Cloud Firewalls (/v4/networking/firewalls): a label, a rule set
// (inbound and outbound rules with their default policies), tags, and
// devices (the Linodes it filters). A Linode is in one firewall at most;
// deleting it removes its devices. Bad bodies get the 400 with the
// offending fields, as the real API gives.

// linodeFirewall is a firewall of the account.
type linodeFirewall struct {
	ID      int                 `json:"id"`
	Label   string              `json:"label"`
	Status  string              `json:"status"`
	Tags    []string            `json:"tags"`
	Rules   linodeFirewallRules `json:"rules"`
	Devices []linodeFirewallDev `json:"devices"`
	Created time.Time           `json:"created"`
	Updated time.Time           `json:"updated"`
}

type linodeFirewallRules struct {
	Inbound        []linodeFirewallRule `json:"inbound"`
	InboundPolicy  string               `json:"inbound_policy"`
	Outbound       []linodeFirewallRule `json:"outbound"`
	OutboundPolicy string               `json:"outbound_policy"`
	Version        int                  `json:"version"`
	Fingerprint    string               `json:"fingerprint"`
}

type linodeFirewallRule struct {
	Action      string                  `json:"action"`
	Label       string                  `json:"label,omitempty"`
	Description string                  `json:"description,omitempty"`
	Ports       string                  `json:"ports,omitempty"`
	Protocol    string                  `json:"protocol"`
	Addresses   linodeFirewallAddresses `json:"addresses"`
}

type linodeFirewallAddresses struct {
	IPv4 *[]string `json:"ipv4,omitempty"`
	IPv6 *[]string `json:"ipv6,omitempty"`
}

// linodeFirewallDev is a device: a Linode the firewall filters.
type linodeFirewallDev struct {
	ID       int       `json:"id"`
	LinodeID int       `json:"linode_id"`
	Created  time.Time `json:"created"`
}

// Wire forms.
type linodeFirewallJSON struct {
	ID      int                 `json:"id"`
	Label   string              `json:"label"`
	Status  string              `json:"status"`
	Tags    []string            `json:"tags"`
	Rules   linodeFirewallRules `json:"rules"`
	Created string              `json:"created"`
	Updated string              `json:"updated"`
}

type linodeDeviceJSON struct {
	ID     int `json:"id"`
	Entity struct {
		ID    int    `json:"id"`
		Label string `json:"label"`
		Type  string `json:"type"`
		URL   string `json:"url"`
	} `json:"entity"`
	Created string `json:"created"`
	Updated string `json:"updated"`
}

func (f *linodeFirewall) wire() linodeFirewallJSON {
	return linodeFirewallJSON{ID: f.ID, Label: f.Label, Status: f.Status, Tags: f.Tags, Rules: f.Rules,
		Created: linodeTime(f.Created), Updated: linodeTime(f.Updated)}
}

func (st *linodeState) deviceWire(d linodeFirewallDev) linodeDeviceJSON {
	var j linodeDeviceJSON
	j.ID, j.Created, j.Updated = d.ID, linodeTime(d.Created), linodeTime(d.Created)
	j.Entity.ID, j.Entity.Type, j.Entity.URL = d.LinodeID, "linode", "/v4/linode/instances/"+strconv.Itoa(d.LinodeID)
	if in := st.Instances[d.LinodeID]; in != nil {
		j.Entity.Label = in.Label
	}
	return j
}

var linodeFirewallFilterable = map[string]bool{"id": true, "label": true, "tags": true, "status": true}

func (f *linodeFirewall) field(name string) (any, bool) {
	switch name {
	case "id":
		return f.ID, true
	case "label":
		return f.Label, true
	case "status":
		return f.Status, true
	case "tags":
		list := make([]any, len(f.Tags))
		for i, t := range f.Tags {
			list[i] = t
		}
		return list, true
	}
	return nil, false
}

func (l *linode) listFirewalls(c *call) {
	q, ok := parseLinodeListQuery(c, linodeFirewallFilterable)
	if !ok {
		return
	}
	st := linodeStateOf(c)
	var matched []*linodeFirewall
	for _, f := range st.Firewalls {
		if q.filter.match(f.field) {
			matched = append(matched, f)
		}
	}
	slices.SortFunc(matched, func(a, b *linodeFirewall) int { return a.ID - b.ID })
	matched = orderedBy(q.filter, matched, func(f *linodeFirewall) fieldGetter { return f.field })
	start, end := q.bounds(len(matched))
	items := make([]linodeFirewallJSON, 0, end-start)
	for _, f := range matched[start:end] {
		items = append(items, f.wire())
	}
	writeLinodePage(c, q, len(matched), items)
}

func (l *linode) lookupFirewall(c *call) (*linodeState, *linodeFirewall) {
	st := linodeStateOf(c)
	id, err := strconv.Atoi(c.r.PathValue("firewallId"))
	f := st.Firewalls[id]
	if err != nil || f == nil {
		l.writeError(c, http.StatusNotFound, "Not found")
		return st, nil
	}
	return st, f
}

func (l *linode) getFirewall(c *call) {
	if _, f := l.lookupFirewall(c); f != nil {
		writeLinodeJSON(c, http.StatusOK, f.wire())
	}
}

func (l *linode) createFirewall(c *call) {
	var req struct {
		Label   string               `json:"label"`
		Rules   *linodeFirewallRules `json:"rules"`
		Tags    []string             `json:"tags"`
		Devices struct {
			Linodes       []int `json:"linodes"`
			NodeBalancers []int `json:"nodebalancers"`
		} `json:"devices"`
	}
	if !decodeLinodeBody(c, &req) {
		return
	}
	st := linodeStateOf(c)
	var errs linodeErrs
	checkFirewallLabel(&errs, st, req.Label, 0)
	if req.Rules == nil {
		errs.add("rules", "rules is required")
	} else {
		checkFirewallRules(&errs, "rules.", req.Rules)
	}
	tags := normalizeLinodeTags(&errs, req.Tags)
	if len(req.Devices.NodeBalancers) > 0 {
		errs.add("devices.nodebalancers", "NodeBalancer not found")
	}
	for _, id := range req.Devices.Linodes {
		st.checkAttachable(&errs, "devices.linodes", id)
	}
	if len(errs) > 0 {
		writeLinodeErrors(c, http.StatusBadRequest, errs)
		return
	}
	now := c.now.UTC().Truncate(time.Second)
	f := &linodeFirewall{ID: c.sim.ids.next("linode_firewall", 10000), Label: req.Label, Status: "enabled",
		Tags: tags, Rules: *req.Rules, Created: now, Updated: now}
	f.Rules.Version, f.Rules.Fingerprint = 1, firewallFingerprint(f)
	for _, id := range req.Devices.Linodes {
		f.Devices = append(f.Devices, linodeFirewallDev{ID: c.sim.ids.next("linode_firewall_device", 20000), LinodeID: id, Created: now})
	}
	st.Firewalls[f.ID] = f
	writeLinodeJSON(c, http.StatusOK, f.wire())
}

func (l *linode) deleteFirewall(c *call) {
	if st, f := l.lookupFirewall(c); f != nil {
		delete(st.Firewalls, f.ID)
		writeLinodeJSON(c, http.StatusOK, struct{}{})
	}
}

func (l *linode) getFirewallRules(c *call) {
	if _, f := l.lookupFirewall(c); f != nil {
		writeLinodeJSON(c, http.StatusOK, f.Rules)
	}
}

func (l *linode) updateFirewallRules(c *call) {
	_, f := l.lookupFirewall(c)
	if f == nil {
		return
	}
	var rules linodeFirewallRules
	if !decodeLinodeBody(c, &rules) {
		return
	}
	var errs linodeErrs
	checkFirewallRules(&errs, "", &rules)
	if len(errs) > 0 {
		writeLinodeErrors(c, http.StatusBadRequest, errs)
		return
	}
	rules.Version = f.Rules.Version + 1
	f.Rules, f.Updated = rules, c.now.UTC().Truncate(time.Second)
	f.Rules.Fingerprint = firewallFingerprint(f)
	writeLinodeJSON(c, http.StatusOK, f.Rules)
}

func (l *linode) listFirewallDevices(c *call) {
	q, ok := parseLinodeListQuery(c, map[string]bool{})
	if !ok {
		return
	}
	st, f := l.lookupFirewall(c)
	if f == nil {
		return
	}
	start, end := q.bounds(len(f.Devices))
	items := make([]linodeDeviceJSON, 0, end-start)
	for _, d := range f.Devices[start:end] {
		items = append(items, st.deviceWire(d))
	}
	writeLinodePage(c, q, len(f.Devices), items)
}

func (l *linode) createFirewallDevice(c *call) {
	st, f := l.lookupFirewall(c)
	if f == nil {
		return
	}
	var req struct {
		ID   int    `json:"id"`
		Type string `json:"type"`
	}
	if !decodeLinodeBody(c, &req) {
		return
	}
	var errs linodeErrs
	switch req.Type {
	case "linode":
		st.checkAttachable(&errs, "id", req.ID)
	case "":
		errs.add("type", "type is required")
	default:
		errs.add("type", "type must be one of linode, nodebalancer")
	}
	if len(errs) > 0 {
		writeLinodeErrors(c, http.StatusBadRequest, errs)
		return
	}
	d := linodeFirewallDev{ID: c.sim.ids.next("linode_firewall_device", 20000), LinodeID: req.ID, Created: c.now.UTC().Truncate(time.Second)}
	f.Devices = append(f.Devices, d)
	writeLinodeJSON(c, http.StatusOK, st.deviceWire(d))
}

func (l *linode) deleteFirewallDevice(c *call) {
	_, f := l.lookupFirewall(c)
	if f == nil {
		return
	}
	id, _ := strconv.Atoi(c.r.PathValue("deviceId"))
	i := slices.IndexFunc(f.Devices, func(d linodeFirewallDev) bool { return d.ID == id })
	if i < 0 {
		l.writeError(c, http.StatusNotFound, "Not found")
		return
	}
	f.Devices = slices.Delete(f.Devices, i, i+1)
	writeLinodeJSON(c, http.StatusOK, struct{}{})
}

// checkAttachable: a Linode of the account in no firewall yet.
func (st *linodeState) checkAttachable(errs *linodeErrs, field string, id int) {
	if st.Instances[id] == nil {
		errs.add(field, fmt.Sprintf("Linode %d not found", id))
		return
	}
	for _, f := range st.Firewalls {
		for _, d := range f.Devices {
			if d.LinodeID == id {
				errs.add(field, fmt.Sprintf("Linode %d is already assigned to firewall %d", id, f.ID))
				return
			}
		}
	}
}

// leaveFirewalls removes a deleted Linode's devices.
func (st *linodeState) leaveFirewalls(id int) {
	for _, f := range st.Firewalls {
		f.Devices = slices.DeleteFunc(f.Devices, func(d linodeFirewallDev) bool { return d.LinodeID == id })
	}
}

var linodeFirewallLabel = regexp.MustCompile(`^[a-zA-Z][a-zA-Z0-9_.-]+$`)

// checkFirewallLabel: 3–32 characters, starting with a letter, no two of
// -, _ or . in a row, unique on the account (except firewall self).
func checkFirewallLabel(errs *linodeErrs, st *linodeState, label string, self int) {
	switch {
	case len(label) < 3 || len(label) > 32:
		errs.add("label", "Length must be 3-32 characters")
		return
	case !linodeFirewallLabel.MatchString(label) || strings.Contains(label, "--") ||
		strings.Contains(label, "__") || strings.Contains(label, ".."):
		errs.add("label", "Label must begin with a letter and may only contain letters, numbers, dashes, underscores, and periods, without two in a row")
		return
	}
	for _, f := range st.Firewalls {
		if f.Label == label && f.ID != self {
			errs.add("label", "Label must be unique among your Cloud Firewalls")
		}
	}
}

// checkFirewallRules checks a rule set; prefix is "rules." in a create.
func checkFirewallRules(errs *linodeErrs, prefix string, r *linodeFirewallRules) {
	for _, p := range []struct{ field, v string }{{"inbound_policy", r.InboundPolicy}, {"outbound_policy", r.OutboundPolicy}} {
		if p.v != "ACCEPT" && p.v != "DROP" {
			errs.add(prefix+p.field, "Must be one of ACCEPT, DROP")
		}
	}
	if len(r.Inbound)+len(r.Outbound) > 25 {
		errs.add(prefix+"inbound", "A firewall may have at most 25 rules")
	}
	for dir, rules := range map[string][]linodeFirewallRule{"inbound": r.Inbound, "outbound": r.Outbound} {
		for i := range rules {
			checkFirewallRule(errs, fmt.Sprintf("%s%s[%d].", prefix, dir, i), &rules[i])
		}
	}
	if r.Inbound == nil {
		r.Inbound = []linodeFirewallRule{}
	}
	if r.Outbound == nil {
		r.Outbound = []linodeFirewallRule{}
	}
}

func checkFirewallRule(errs *linodeErrs, field string, r *linodeFirewallRule) {
	if r.Action != "ACCEPT" && r.Action != "DROP" {
		errs.add(field+"action", "Must be one of ACCEPT, DROP")
	}
	if r.Label != "" && (len(r.Label) < 3 || len(r.Label) > 32) {
		errs.add(field+"label", "Length must be 3-32 characters")
	}
	switch r.Protocol {
	case "TCP", "UDP":
		if r.Ports != "" && !validLinodePorts(r.Ports) {
			errs.add(field+"ports", "Ports must be a port or a range, or a comma-separated list of them, each 1-65535 without leading zeroes")
		}
	case "ICMP", "IPENCAP":
		if r.Ports != "" {
			errs.add(field+"ports", "Ports are not allowed for "+r.Protocol+" protocol")
		}
	default:
		errs.add(field+"protocol", "Must be one of TCP, UDP, ICMP, IPENCAP")
	}
	v4, v6 := r.Addresses.IPv4, r.Addresses.IPv6
	if v4 == nil && v6 == nil {
		errs.add(field+"addresses", "Must specify at least one IPv4 or IPv6 address")
		return
	}
	n := 0
	for _, list := range []struct {
		name string
		v    *[]string
		is4  bool
	}{{"ipv4", v4, true}, {"ipv6", v6, false}} {
		if list.v == nil {
			continue
		}
		if len(*list.v) == 0 {
			errs.add(field+"addresses."+list.name, "Must not be an empty list")
		}
		for _, a := range *list.v {
			p, err := netip.ParsePrefix(a)
			if err != nil || p.Addr().Is4() != list.is4 || p.Addr().Zone() != "" {
				errs.add(field+"addresses."+list.name, fmt.Sprintf("%q is not a valid %s address in IP/mask format", a, strings.ToUpper(list.name[:2])+list.name[2:]))
			}
		}
		n += len(*list.v)
	}
	if n > 255 {
		errs.add(field+"addresses", "A rule may have at most 255 addresses")
	}
}

// validLinodePorts: a comma-separated list of ports and ranges, at most 15
// pieces (a range counts two), each 1–65535 without a leading zero, a
// range's end above its start.
func validLinodePorts(s string) bool {
	pieces := 0
	for _, part := range strings.Split(s, ",") {
		part = strings.TrimPrefix(part, " ")
		lo, hi, isRange := strings.Cut(part, "-")
		a, ok := linodePort(lo)
		if !ok {
			return false
		}
		pieces++
		if isRange {
			b, ok := linodePort(hi)
			if !ok || b <= a {
				return false
			}
			pieces++
		}
	}
	return pieces <= 15
}

func linodePort(s string) (int, bool) {
	n, err := strconv.Atoi(s)
	return n, err == nil && n >= 1 && n <= 65535 && !strings.HasPrefix(s, "0") && !strings.HasPrefix(s, "+")
}

// firewallFingerprint is an 8-hex-digit hash of the rules, as Linode shows.
func firewallFingerprint(f *linodeFirewall) string {
	h := uint32(2166136261)
	for _, b := range []byte(fmt.Sprintf("%v", f.Rules.Inbound) + f.Rules.InboundPolicy + fmt.Sprintf("%v", f.Rules.Outbound) + f.Rules.OutboundPolicy) {
		h = (h ^ uint32(b)) * 16777619
	}
	return fmt.Sprintf("%08x", h)
}

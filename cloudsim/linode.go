package cloudsim

import (
	"container/heap"
	"encoding/json"
	"fmt"
	"math"
	"net/http"
	"sort"
	"strconv"
	"time"

	"github.com/google/uuid"
)

// linode simulates the Linode v4 API (https://api.linode.com/v4): the
// account, profile, Linode instances with their lifecycles and actions, and
// the catalog (types, regions, images, StackScripts). Wire formats follow
// ../shared/specs/linode-v4.yaml; where the real API and that spec disagree
// the simulator answers as the real API and linodego do (see the exceptions
// in linode_test.go).
type linode struct{ sim *Sim }

func newLinode(s *Sim) provider { return &linode{sim: s} }

func (*linode) name() string   { return Linode }
func (*linode) prefix() string { return "/v4/" }

func (*linode) newState() providerState { return &linodeState{Instances: map[int]*linodeInstance{}} }

func (l *linode) register(m *callMux) {
	m.handle("GET /v4/account", l.getAccount)
	m.handle("GET /v4/profile", l.getProfile)
	m.handle("GET /v4/account/events", l.listEvents)
	m.handle("GET /v4/account/events/{eventId}", l.getEvent)

	m.handle("GET /v4/linode/instances", l.listInstances)
	m.handle("POST /v4/linode/instances", l.createInstance)
	m.handle("GET /v4/linode/instances/{linodeId}", l.getInstance)
	m.handle("PUT /v4/linode/instances/{linodeId}", l.updateInstance)
	m.handle("DELETE /v4/linode/instances/{linodeId}", l.deleteInstance)
	m.handle("POST /v4/linode/instances/{linodeId}/boot", l.bootInstance)
	m.handle("POST /v4/linode/instances/{linodeId}/shutdown", l.shutdownInstance)
	m.handle("POST /v4/linode/instances/{linodeId}/reboot", l.rebootInstance)
	m.handle("POST /v4/linode/instances/{linodeId}/rebuild", l.rebuildInstance)
	m.handle("POST /v4/linode/instances/{linodeId}/resize", l.resizeInstance)
	m.handle("POST /v4/linode/instances/{linodeId}/password", l.resetPassword)
	m.handle("GET /v4/linode/instances/{linodeId}/stats", l.instanceStats)
	// linode_backups.go
	m.handle("GET /v4/linode/instances/{linodeId}/backups", l.listBackups)
	m.handle("POST /v4/linode/instances/{linodeId}/backups/enable", l.enableBackups)
	m.handle("POST /v4/linode/instances/{linodeId}/backups/cancel", l.cancelBackups)
	m.handle("POST /v4/linode/instances/{linodeId}/backups/{backupId}/restore", l.restoreBackup)

	m.handle("GET /v4/linode/types", l.listTypes)
	m.handle("GET /v4/linode/types/{typeId}", l.getType)
	m.handle("GET /v4/regions", l.listRegions)
	m.handle("GET /v4/regions/{regionId}", l.getRegion)
	m.handle("GET /v4/images", l.listImages)
	m.handle("GET /v4/images/{imageId...}", l.getImage)
	// Snapshots: disks, and private images captured from them (linode_images.go).
	m.handle("GET /v4/linode/instances/{linodeId}/disks", l.listDisks)
	m.handle("POST /v4/images", l.createImage)
	m.handle("DELETE /v4/images/{imageId...}", l.deleteImage)
	m.handle("GET /v4/linode/stackscripts", l.listStackScripts)
	m.handle("GET /v4/linode/stackscripts/{stackscriptId}", l.getStackScript)
	// Cloud Firewalls (linode_firewalls.go).
	m.handle("GET /v4/networking/firewalls", l.listFirewalls)
	m.handle("POST /v4/networking/firewalls", l.createFirewall)
	m.handle("GET /v4/networking/firewalls/{firewallId}", l.getFirewall)
	m.handle("DELETE /v4/networking/firewalls/{firewallId}", l.deleteFirewall)
	m.handle("GET /v4/networking/firewalls/{firewallId}/rules", l.getFirewallRules)
	m.handle("PUT /v4/networking/firewalls/{firewallId}/rules", l.updateFirewallRules)
	m.handle("GET /v4/networking/firewalls/{firewallId}/devices", l.listFirewallDevices)
	m.handle("POST /v4/networking/firewalls/{firewallId}/devices", l.createFirewallDevice)
	m.handle("DELETE /v4/networking/firewalls/{firewallId}/devices/{deviceId}", l.deleteFirewallDevice)

	// Everything else under /v4/ is a JSON 404 that says the simulator
	// does not implement it.
	// Reverse DNS (linode_rdns.go).
	m.handle("GET /v4/networking/ips/{address}", l.getIP)
	m.handle("PUT /v4/networking/ips/{address}", l.putIP)
	m.handle("/v4/", (*call).unimplemented)
}

// Linode's rate limits, per token and per operation, as Akamai publishes
// them (techdocs.akamai.com/linode-api/reference/rate-limits): creating
// Linodes 20 per 15 s, listing images 20/min, listing StackScripts 60/min,
// /stats 50/min, other paginated GET collections 200/min, every other
// operation 1,600/min. (The 2024 spec's introduction still gave the older
// figures: creates 10 per 30 s, 400/min.)
type linodeRate struct {
	limit int
	per   time.Duration
}

var (
	linodeRateCreate       = linodeRate{20, 15 * time.Second}
	linodeRateImages       = linodeRate{20, time.Minute}
	linodeRateStackScripts = linodeRate{60, time.Minute}
	linodeRateStats        = linodeRate{50, time.Minute}
	linodeRateCollection   = linodeRate{200, time.Minute}
	linodeRateDefault      = linodeRate{1600, time.Minute}
)

// linodeRateFor returns the rate-limit bucket of a request.
func linodeRateFor(method, path string) (string, linodeRate) {
	tmpl := templatePath(path)
	key := method + " " + tmpl
	switch {
	case method == http.MethodPost && tmpl == "/v4/linode/instances":
		return key, linodeRateCreate
	case method == http.MethodGet && tmpl == "/v4/images":
		return key, linodeRateImages
	case method == http.MethodGet && tmpl == "/v4/linode/stackscripts":
		return key, linodeRateStackScripts
	case method == http.MethodGet && tmpl == "/v4/linode/instances/{id}/stats":
		return key, linodeRateStats
	case method == http.MethodGet && (tmpl == "/v4/linode/instances" || tmpl == "/v4/linode/types" || tmpl == "/v4/regions"):
		return key, linodeRateCollection
	}
	return key, linodeRateDefault
}

// limit applies the per-token, per-operation sliding windows and writes
// X-RateLimit-Limit, X-RateLimit-Remaining and X-RateLimit-Reset (epoch
// seconds); over the limit it answers 429 with Retry-After (seconds, as
// linodego reads it).
func (l *linode) limit(c *call) bool {
	bucket, rate := linodeRateFor(c.r.Method, c.r.URL.Path)
	w := c.acct.window(bucket, rate.limit, rate.per)
	allowed := w.Allow(c.now)
	h := c.w.Header()
	h.Set("X-RateLimit-Limit", strconv.Itoa(rate.limit))
	h.Set("X-RateLimit-Remaining", strconv.Itoa(w.Remaining(c.now)))
	h.Set("X-RateLimit-Reset", strconv.FormatInt(ceilUnix(w.ResetAt(c.now)), 10))
	if allowed {
		return true
	}
	wait := int(math.Ceil(w.Wait(c.now).Seconds()))
	h.Set("Retry-After", strconv.Itoa(max(1, wait)))
	c.countRateLimited()
	l.writeError(c, http.StatusTooManyRequests, "Too Many Requests")
	return false
}

func ceilUnix(t time.Time) int64 {
	s := t.Unix()
	if t.Nanosecond() > 0 {
		s++
	}
	return s
}

// linodeFieldError is one entry of Linode's {"errors":[…]}.
type linodeFieldError struct {
	Reason string `json:"reason"`
	Field  string `json:"field,omitempty"`
}

func (l *linode) writeError(c *call, status int, message string) {
	if status == http.StatusUnauthorized {
		message = "Invalid Token"
	}
	writeLinodeErrors(c, status, []linodeFieldError{{Reason: message}})
}

func writeLinodeErrors(c *call, status int, errs []linodeFieldError) {
	writeLinodeJSON(c, status, struct {
		Errors []linodeFieldError `json:"errors"`
	}{errs})
}

// writeLinodeJSON writes v with Content-Type exactly application/json, as
// linodego compares it with its Accept header.
func writeLinodeJSON(c *call, status int, v any) {
	b, err := json.Marshal(v)
	if err != nil {
		status, b = http.StatusInternalServerError, []byte(`{"errors":[{"reason":"Internal server error"}]}`)
	}
	writeLinodeRaw(c, status, b)
}

func writeLinodeRaw(c *call, status int, b []byte) {
	c.w.Header().Set("Content-Type", "application/json")
	c.w.WriteHeader(status)
	_, _ = c.w.Write(b)
}

// linodeTime formats a time as Linode does: UTC, seconds, no zone.
func linodeTime(t time.Time) string { return t.UTC().Format("2006-01-02T15:04:05") }

// ---- state ----

// linodeState is one Linode account's resources. Exported fields are saved
// (persist.go); the indexes are rebuilt on first use after a load.
type linodeState struct {
	Instances map[int]*linodeInstance `json:"instances"`
	Events    []*linodeEvent          `json:"events,omitempty"` // oldest first
	Images    map[string]*linodeImage `json:"images,omitempty"` // private images, by id (linode_images.go)
	Firewalls map[int]*linodeFirewall `json:"firewalls,omitempty"`

	ready  bool
	ids    []int          // instance ids, ascending (list order)
	labels map[string]int // label → id (labels are unique per account)
	due    linodeDueQueue // pending lifecycle transitions, earliest first
}

// linodeInstance is one Linode. Status becomes Next at Until, when set.
type linodeInstance struct {
	ID              int       `json:"id"`
	Label           string    `json:"label"`
	Group           string    `json:"group,omitempty"`
	Region          string    `json:"region"`
	Type            string    `json:"type"`
	Image           string    `json:"image,omitempty"`
	Status          string    `json:"status"`
	Tags            []string  `json:"tags"`
	IPv4            []string  `json:"ipv4"`
	IPv6            string    `json:"ipv6"`
	Created         time.Time `json:"created"`
	Updated         time.Time `json:"updated"`
	WatchdogEnabled bool      `json:"watchdog_enabled"`
	HasUserData     bool      `json:"has_user_data,omitempty"`
	BackupsEnabled  bool      `json:"backups_enabled,omitempty"`
	BackupDay       string    `json:"backup_day,omitempty"`
	BackupWindow    string    `json:"backup_window,omitempty"`
	// Backups taken and when they started (linode_backups.go).
	BackupList    []*linodeBackup `json:"backup_list,omitempty"`
	BackupsFrom   time.Time       `json:"backups_from,omitzero"`
	Alerts        linodeAlerts    `json:"alerts"`
	StackScriptID int             `json:"stackscript_id,omitempty"`
	// RDNS is each address's reverse DNS where set (linode_rdns.go); "" for
	// an IPv6 address reset to none.
	RDNS  map[string]string `json:"rdns,omitempty"`
	Next  string            `json:"next,omitempty"`
	Until time.Time         `json:"until,omitzero"`
}

type linodeAlerts struct {
	CPU           int `json:"cpu"`
	IO            int `json:"io"`
	NetworkIn     int `json:"network_in"`
	NetworkOut    int `json:"network_out"`
	TransferQuota int `json:"transfer_quota"`
}

// Linode statuses the simulator uses.
const (
	linodeProvisioning = "provisioning"
	linodeRunning      = "running"
	linodeOffline      = "offline"
	linodeBooting      = "booting"
	linodeRebooting    = "rebooting"
	linodeShuttingDown = "shutting_down"
	linodeRebuilding   = "rebuilding"
	linodeResizing     = "resizing"
)

// busy reports whether an action is under way (Linode answers "Linode
// busy." to another one).
func (in *linodeInstance) busy() bool { return in.Next != "" }

func (st *linodeState) instances() int { return len(st.Instances) }

// index builds the list order and the transition queue if needed.
func (st *linodeState) index() {
	if st.ready {
		return
	}
	if st.Instances == nil {
		st.Instances = map[int]*linodeInstance{}
	}
	if st.Firewalls == nil {
		st.Firewalls = map[int]*linodeFirewall{}
	}
	st.ids = st.ids[:0]
	st.due = st.due[:0]
	st.labels = make(map[string]int, len(st.Instances))
	for id, in := range st.Instances {
		st.ids = append(st.ids, id)
		st.labels[in.Label] = id
		if in.Next != "" {
			st.due = append(st.due, linodeDue{at: in.Until, id: id})
		}
	}
	sort.Ints(st.ids)
	heap.Init(&st.due)
	st.ready = true
}

func (st *linodeState) add(in *linodeInstance) {
	st.index()
	st.Instances[in.ID] = in
	st.labels[in.Label] = in.ID
	i := sort.SearchInts(st.ids, in.ID)
	if i == len(st.ids) {
		st.ids = append(st.ids, in.ID) // the usual case: ids grow
	} else {
		st.ids = append(st.ids[:i], append([]int{in.ID}, st.ids[i:]...)...)
	}
	if in.Next != "" {
		heap.Push(&st.due, linodeDue{at: in.Until, id: in.ID})
	}
}

func (st *linodeState) remove(id int) {
	st.index()
	if in := st.Instances[id]; in != nil && st.labels[in.Label] == id {
		delete(st.labels, in.Label)
	}
	delete(st.Instances, id)
	st.leaveFirewalls(id)
	if i := sort.SearchInts(st.ids, id); i < len(st.ids) && st.ids[i] == id {
		st.ids = append(st.ids[:i], st.ids[i+1:]...)
	}
	// A queued transition of a deleted Linode is skipped when it comes due.
}

// transition starts a lifecycle step: status now, next at `at`.
func (st *linodeState) transition(in *linodeInstance, now time.Time, status, next string, at time.Time) {
	st.index()
	in.Status, in.Next, in.Until, in.Updated = status, next, at, now
	heap.Push(&st.due, linodeDue{at: at, id: in.ID})
}

// settle completes every transition due by now.
func (st *linodeState) settle(now time.Time) {
	st.index()
	for len(st.due) > 0 && !st.due[0].at.After(now) {
		d := heap.Pop(&st.due).(linodeDue)
		in := st.Instances[d.id]
		if in == nil || in.Next == "" || !in.Until.Equal(d.at) {
			continue // deleted, or superseded
		}
		in.Status, in.Updated, in.Next, in.Until = in.Next, in.Until, "", time.Time{}
	}
}

// addForeign creates n running Linodes not made by Webrana.
func (st *linodeState) addForeign(s *Sim, a *account, n int) {
	now := s.cfg.Now().UTC()
	regions := linodeCat.regions.fields
	for range n {
		id := s.ids.next("linode", 40000000)
		region := regions[id%len(regions)]["id"].(string)
		typ := "g6-nanode-1"
		if id%3 == 0 {
			typ = "g6-standard-1"
		}
		in := newLinodeInstance(id, fmt.Sprintf("linode%d", id), region, typ, "linode/ubuntu22.04", now)
		in.Status = linodeRunning
		st.add(in)
	}
}

func newLinodeInstance(id int, label, region, typ, image string, now time.Time) *linodeInstance {
	t := linodeCat.typeByID[typ]
	return &linodeInstance{ID: id, Label: label, Region: region, Type: typ, Image: image, Tags: []string{},
		IPv4: []string{linodeIPv4(region, id)}, IPv6: linodeIPv6(region, id), Created: now, Updated: now,
		WatchdogEnabled: true,
		Alerts:          linodeAlerts{CPU: 90 * t.VCPUs, IO: 10000, NetworkIn: 10, NetworkOut: 10, TransferQuota: 80}}
}

// linodeDue is a queued lifecycle transition.
type linodeDue struct {
	at time.Time
	id int
}

type linodeDueQueue []linodeDue

func (q linodeDueQueue) Len() int { return len(q) }
func (q linodeDueQueue) Less(i, j int) bool {
	if q[i].at.Equal(q[j].at) {
		return q[i].id < q[j].id
	}
	return q[i].at.Before(q[j].at)
}
func (q linodeDueQueue) Swap(i, j int) { q[i], q[j] = q[j], q[i] }
func (q *linodeDueQueue) Push(x any)   { *q = append(*q, x.(linodeDue)) }
func (q *linodeDueQueue) Pop() any {
	old := *q
	x := old[len(old)-1]
	*q = old[:len(old)-1]
	return x
}

// ---- addresses ----

// linodeNets are each region's public IPv4 /16 and IPv6 /64 prefixes, so
// addresses look like the site's; hosts are derived from the Linode's id.
var linodeNets = map[string][2]string{
	"us-east":      {"172.104", "2600:3c03"},
	"us-central":   {"45.79", "2600:3c00"},
	"us-west":      {"45.33", "2600:3c01"},
	"us-southeast": {"45.56", "2600:3c02"},
	"ca-central":   {"172.105", "2600:3c04"},
	"eu-west":      {"178.79", "2a01:7e00"},
	"eu-central":   {"139.162", "2a01:7e01"},
	"ap-south":     {"139.177", "2400:8901"},
	"ap-northeast": {"172.237", "2400:8902"},
	"ap-southeast": {"172.236", "2400:8907"},
	"ap-west":      {"172.235", "2400:8904"},
	"us-iad":       {"172.232", "2600:3c05"},
	"fr-par":       {"172.233", "2600:3c07"},
}

func linodeIPv4(region string, id int) string {
	n, ok := linodeNets[region]
	if !ok {
		n[0] = "172.234"
	}
	return fmt.Sprintf("%s.%d.%d", n[0], (id/254)%256, id%254+1)
}

func linodeIPv6(region string, id int) string {
	n, ok := linodeNets[region]
	if !ok {
		n[1] = "2600:3c0f"
	}
	// SLAAC from the Linode's MAC (f2:3c:9x:…), as Linode assigns them.
	return fmt.Sprintf("%s::f03c:95ff:fe%02x:%04x/128", n[1], (id>>16)&0xff, id&0xffff)
}

func linodePrivateIPv4(id int) string {
	return fmt.Sprintf("192.168.%d.%d", 128+(id/254)%128, id%254+1)
}

var linodeHostNS = uuid.MustParse("6ba7b811-9dad-11d1-80b4-00c04fd430c8") // the URL namespace

func linodeHostUUID(id int) string {
	return uuid.NewSHA1(linodeHostNS, []byte("linode-host-"+strconv.Itoa(id/16))).String()
}

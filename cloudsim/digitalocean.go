package cloudsim

import (
	"fmt"
	"math"
	"net/http"
	"slices"
	"sort"
	"strconv"
	"strings"
	"time"

	"github.com/google/uuid"

	"github.com/webrana/webrana/ratelimit"
)

// digitalOcean simulates the DigitalOcean v2 API
// (https://docs.digitalocean.com/reference/api/): account, droplets and
// their actions, sizes, regions, images, 1-Click applications, SSH keys and
// droplet monitoring. Wire formats follow ../shared/specs/digitalocean-v2.yaml.
type digitalOcean struct{ sim *Sim }

func newDigitalOcean(s *Sim) provider { return &digitalOcean{sim: s} }

func (*digitalOcean) name() string   { return DigitalOcean }
func (*digitalOcean) prefix() string { return "/v2/" }

func (*digitalOcean) newState() providerState { return &doState{} }

// DigitalOcean's documented rate limits, per token: 5,000 requests an hour
// and 250 a minute (both sliding), and 10 a minute for SSH key writes.
const (
	doHourlyLimit   = 5000
	doMinuteLimit   = 250
	doKeyWriteLimit = 10
)

// Limits and sizes the real API enforces on droplet creation.
const (
	doMaxMultiCreate = 10       // names per multi-create request
	doMaxUserData    = 64 << 10 // user_data bytes
	doMaxName        = 255      // droplet name characters
	doMaxBody        = 1 << 20  // request body bytes read
)

func (d *digitalOcean) register(m *callMux) {
	m.handle("GET /v2/account", d.getAccount)
	m.handle("GET /v2/account/keys", d.listKeys)
	m.handle("POST /v2/account/keys", d.createKey)
	m.handle("GET /v2/account/keys/{key}", d.getKey)
	m.handle("PUT /v2/account/keys/{key}", d.updateKey)
	m.handle("DELETE /v2/account/keys/{key}", d.deleteKey)
	m.handle("POST /v2/droplets", d.createDroplets)
	m.handle("GET /v2/droplets", d.listDroplets)
	m.handle("DELETE /v2/droplets", d.deleteDropletsByTag)
	m.handle("GET /v2/droplets/{id}", d.getDroplet)
	m.handle("DELETE /v2/droplets/{id}", d.deleteDroplet)
	m.handle("POST /v2/droplets/{id}/actions", d.postDropletAction)
	m.handle("GET /v2/droplets/{id}/actions", d.listDropletActions)
	m.handle("GET /v2/droplets/{id}/actions/{action}", d.getDropletAction)
	m.handle("GET /v2/actions", d.listActions)
	m.handle("GET /v2/actions/{action}", d.getAction)
	m.handle("GET /v2/sizes", d.listSizes)
	m.handle("GET /v2/regions", d.listRegions)
	m.handle("GET /v2/images", d.listImages)
	m.handle("GET /v2/images/{image}", d.getImage)
	m.handle("GET /v2/1-clicks", d.listOneClicks)
	m.handle("GET /v2/monitoring/metrics/droplet/{metric}", d.dropletMetrics)
	m.handle("GET /v2/vpcs", d.listVPCs)
	m.handle("GET /v2/vpcs/{id}", d.getVPC)
	m.handle("POST /v2/vpcs", d.createVPC)
	m.handle("DELETE /v2/vpcs/{id}", d.deleteVPC)
	m.handle("GET /v2/droplets/{id}/snapshots", d.listDropletSnapshots)
	m.handle("GET /v2/droplets/{id}/backups", d.listDropletBackups) // digitalocean_backups.go
	m.handle("DELETE /v2/snapshots/{snapshot_id}", d.deleteSnapshot)
	// Cloud Firewalls (digitalocean_firewalls.go).
	m.handle("GET /v2/firewalls", d.listFirewalls)
	m.handle("POST /v2/firewalls", d.createFirewall)
	m.handle("GET /v2/firewalls/{firewall}", d.getFirewall)
	m.handle("PUT /v2/firewalls/{firewall}", d.updateFirewall)
	m.handle("DELETE /v2/firewalls/{firewall}", d.deleteFirewall)
	m.handle("/v2/", (*call).unimplemented)
}

// Messages of the real API.
const (
	doNotFound     = "The resource you were accessing could not be found."
	doForbidden    = "You do not have access for the attempted action."
	doRateLimited  = "API Rate limit exceeded."
	doLimitReached = "creating this/these droplet(s) will exceed your droplet limit"
)

// doErrorIDs are the error ids DigitalOcean gives per status.
var doErrorIDs = map[int]string{
	400: "bad_request", 401: "unauthorized", 403: "forbidden", 404: "not_found", 405: "method_not_allowed",
	409: "conflict", 413: "request_entity_too_large", 422: "unprocessable_entity", 429: "too_many_requests",
	500: "server_error", 502: "bad_gateway", 503: "service_unavailable", 504: "gateway_timeout",
}

// doError is DigitalOcean's error body.
type doError struct {
	ID        string `json:"id"`
	Message   string `json:"message"`
	RequestID string `json:"request_id,omitempty"`
}

func (d *digitalOcean) writeError(c *call, status int, message string) {
	id, ok := doErrorIDs[status]
	if !ok {
		id = strings.ReplaceAll(strings.ToLower(http.StatusText(status)), " ", "_")
	}
	doWrite(c, status, doError{ID: id, Message: message, RequestID: doRequestID(c)})
}

// doRequestID is the request's id, as the x-request-id header and error
// bodies carry it.
func doRequestID(c *call) string {
	h := c.w.Header()
	if id := h.Get("X-Request-Id"); id != "" {
		return id
	}
	id := uuid.NewString()
	h.Set("X-Request-Id", id)
	return id
}

// doWrite answers with v as JSON.
func doWrite(c *call, status int, v any) { doWriteRaw(c, status, doAppend(nil, v)) }

// doNoContent answers 204, with the content type the real API sends.
func doNoContent(c *call) {
	doRequestID(c)
	c.w.Header().Set("Content-Type", "application/json; charset=utf-8")
	c.w.WriteHeader(http.StatusNoContent)
}

// limit applies the hourly and per-minute windows (and the SSH key write
// window), writes RateLimit-Limit/-Remaining/-Reset (the hourly quota, reset
// as Unix seconds, which godo parses), and answers 429 with Retry-After.
func (d *digitalOcean) limit(c *call) bool {
	a, now := c.acct, c.now
	windows := []*ratelimit.Window{a.window("do:hour", doHourlyLimit, time.Hour), a.window("do:minute", doMinuteLimit, time.Minute)}
	if c.r.Method != http.MethodGet && c.r.Method != http.MethodHead && strings.HasPrefix(c.r.URL.Path, "/v2/account/keys") {
		windows = append(windows, a.window("do:keys", doKeyWriteLimit, time.Minute))
	}
	var wait time.Duration
	for _, w := range windows {
		if w.Remaining(now) == 0 {
			wait = max(wait, w.Wait(now))
		}
	}
	if wait == 0 {
		for _, w := range windows {
			w.Allow(now)
		}
	}
	hour := windows[0]
	h := c.w.Header()
	h.Set("RateLimit-Limit", strconv.Itoa(doHourlyLimit))
	h.Set("RateLimit-Remaining", strconv.Itoa(hour.Remaining(now)))
	h.Set("RateLimit-Reset", strconv.FormatInt(hour.ResetAt(now).Unix(), 10))
	if wait > 0 {
		h.Set("Retry-After", strconv.Itoa(int(math.Ceil(wait.Seconds()))))
		c.countRateLimited()
		d.writeError(c, http.StatusTooManyRequests, doRateLimited)
		return false
	}
	return true
}

// do returns the calling account's DigitalOcean state.
func (c *call) do() *doState {
	st := c.acct.state.(*doState)
	st.index()
	return st
}

// doState is one DigitalOcean account's resources. Exported fields are
// saved; the rest is an index rebuilt from them.
type doState struct {
	Droplets  map[int]*doDroplet     `json:"droplets"`
	Actions   map[int]*doAction      `json:"actions"`
	Keys      map[int]*doKey         `json:"keys"`
	Snapshots map[int]*doImage       `json:"snapshots"`
	Firewalls map[string]*doFirewall `json:"firewalls,omitempty"`
	VPCs      map[string]*doVPCJSON  `json:"vpcs,omitempty"` // those the account created (digitalocean_vpcs.go)

	indexed bool
	ids     []int // droplet ids, ascending (creation order)
	pending []int // ids of in-progress actions
}

func (st *doState) index() {
	if st.indexed {
		return
	}
	if st.Droplets == nil {
		st.Droplets = map[int]*doDroplet{}
	}
	if st.Actions == nil {
		st.Actions = map[int]*doAction{}
	}
	if st.Keys == nil {
		st.Keys = map[int]*doKey{}
	}
	if st.Snapshots == nil {
		st.Snapshots = map[int]*doImage{}
	}
	if st.VPCs == nil {
		st.VPCs = map[string]*doVPCJSON{}
	}
	if st.Firewalls == nil {
		st.Firewalls = map[string]*doFirewall{}
	}
	st.ids = st.ids[:0]
	for id := range st.Droplets {
		st.ids = append(st.ids, id)
	}
	slices.Sort(st.ids)
	st.pending = st.pending[:0]
	for id, a := range st.Actions {
		if a.pending() {
			st.pending = append(st.pending, id)
		}
	}
	slices.Sort(st.pending)
	st.indexed = true
}

func (st *doState) instances() int {
	st.index()
	return len(st.Droplets)
}

// addDroplet stores a new droplet; ids only grow, so ids stays sorted.
func (st *doState) addDroplet(d *doDroplet) {
	st.Droplets[d.ID] = d
	st.ids = append(st.ids, d.ID)
}

func (st *doState) removeDroplet(id int) {
	delete(st.Droplets, id)
	st.leaveFirewalls(id)
	if i, ok := slices.BinarySearch(st.ids, id); ok {
		st.ids = slices.Delete(st.ids, i, i+1)
	}
}

// settle completes every action due by now and applies its effect (a
// create activates its droplet), in the order the effects fall due; an
// action whose effect lags completes now and stays pending for its effect.
func (st *doState) settle(now time.Time) {
	st.index()
	if len(st.pending) == 0 {
		return
	}
	var due []*doAction
	rest := st.pending[:0]
	for _, id := range st.pending {
		a := st.Actions[id]
		switch {
		case a == nil:
		case !a.effectAt().After(now):
			due = append(due, a)
		default:
			if a.Status == doInProgress && !a.CompleteAt.After(now) {
				st.finish(a) // completed; its effect lags
			}
			rest = append(rest, id)
		}
	}
	st.pending = rest
	sort.Slice(due, func(i, j int) bool {
		if x, y := due[i].effectAt(), due[j].effectAt(); !x.Equal(y) {
			return x.Before(y)
		}
		return due[i].ID < due[j].ID
	})
	for _, a := range due {
		if a.Status == doInProgress {
			st.finish(a)
		}
		st.apply(a)
	}
}

// Names of customer servers, for droplets an account already runs.
var (
	doForeignRoles   = []string{"web", "app", "db", "api", "cache", "worker", "mail", "vpn", "staging", "wp"}
	doForeignClients = []string{"acme", "globex", "initech", "umbrella", "hooli", "stark", "wayne", "tyrell", "wonka", "cyberdyne"}
	doForeignSizes   = []string{"s-1vcpu-1gb", "s-1vcpu-2gb", "s-2vcpu-2gb", "s-2vcpu-4gb", "s-4vcpu-8gb"}
	doForeignImages  = []string{"ubuntu-22-04-x64", "ubuntu-24-04-x64", "debian-12-x64", "wordpress-20-04", "docker-20-04"}
	doForeignRegions = []string{"sgp1", "nyc3", "fra1", "ams3", "lon1", "sfo3", "blr1", "tor1", "syd1", "nyc1"}
)

// addForeign creates n active droplets that Webrana did not make, named
// and spread like a customer's servers.
func (st *doState) addForeign(s *Sim, a *account, n int) {
	st.index()
	cat := doCatalog()
	now := s.cfg.Now().UTC().Truncate(time.Second)
	for i := range n {
		id := s.ids.next("droplet", 300000000)
		size := cat.sizeBySlug[doForeignSizes[(i/3)%len(doForeignSizes)]]
		region := doForeignRegions[(i/7)%len(doForeignRegions)]
		if !size.availableIn(region) {
			region = cat.defaultRegion(size)
		}
		img := cat.imageBySlug[doForeignImages[(i/2)%len(doForeignImages)]]
		created := now.Add(-time.Duration(n-i) * 26 * time.Hour)
		name := fmt.Sprintf("%s-%s-%02d", doForeignRoles[i%len(doForeignRoles)],
			doForeignClients[(i/len(doForeignRoles))%len(doForeignClients)], 1+i/(len(doForeignRoles)*len(doForeignClients)))
		d := &doDroplet{ID: id, Name: name, Size: size.Slug, Memory: size.Memory, Vcpus: size.Vcpus, Disk: size.Disk,
			Region: region, Image: img.ID, Status: doActive, CreatedAt: created, Networked: true, IPv6: i%3 == 0,
			Monitoring: true, Tags: []string{"production"}, VPCUUID: doVPC(a, region)}
		st.addDroplet(d)
	}
}

// doVPC is the account's default VPC in a region, stable across runs.
func doVPC(a *account, region string) string {
	return uuid.NewSHA1(uuid.NameSpaceURL, []byte("vpc:"+a.UUID+":"+region)).String()
}

func (d *digitalOcean) getAccount(c *call) {
	a := c.acct
	messages := map[string]string{
		StatusActive:  "",
		StatusWarning: "Your account has a past due balance. Please update your payment information to avoid service interruption.",
		StatusLocked:  "Your account has been locked. Please contact support to restore access.",
	}
	type team struct {
		UUID string `json:"uuid"`
		Name string `json:"name"`
	}
	doWrite(c, http.StatusOK, map[string]any{"account": struct {
		DropletLimit    int    `json:"droplet_limit"`
		FloatingIPLimit int    `json:"floating_ip_limit"`
		ReservedIPLimit int    `json:"reserved_ip_limit"`
		VolumeLimit     int    `json:"volume_limit"`
		Email           string `json:"email"`
		Name            string `json:"name"`
		UUID            string `json:"uuid"`
		EmailVerified   bool   `json:"email_verified"`
		Status          string `json:"status"`
		StatusMessage   string `json:"status_message"`
		Team            team   `json:"team"`
	}{
		DropletLimit: a.Limit, FloatingIPLimit: 3, ReservedIPLimit: 3, VolumeLimit: 100,
		Email: a.Email, Name: strings.SplitN(a.Email, "@", 2)[0], UUID: a.UUID, EmailVerified: true,
		Status: a.Status, StatusMessage: messages[a.Status],
		Team: team{UUID: uuid.NewSHA1(uuid.NameSpaceURL, []byte("team:"+a.UUID)).String(), Name: "My Team"},
	}})
}

package cloudsim

import (
	"encoding/json"
	"fmt"
	"net/http"
	"regexp"
	"strconv"
	"strings"
	"time"
)

// Droplet statuses.
const (
	doNew    = "new"
	doActive = "active"
	doOff    = "off"
)

// doDroplet is a droplet as saved. Its size, region and image are catalog
// slugs or ids; addresses derive from its id (see networks).
type doDroplet struct {
	ID          int       `json:"id"`
	Name        string    `json:"name"`
	Size        string    `json:"size"`
	Memory      int       `json:"memory"`
	Vcpus       int       `json:"vcpus"`
	Disk        int       `json:"disk"`
	Region      string    `json:"region"`
	Image       int       `json:"image"`
	Status      string    `json:"status"`
	CreatedAt   time.Time `json:"created_at"`
	Networked   bool      `json:"networked"` // addresses assigned (on activation)
	IPv6        bool      `json:"ipv6"`
	Monitoring  bool      `json:"monitoring"`
	Backups     bool      `json:"backups"`
	Tags        []string  `json:"tags"`
	VPCUUID     string    `json:"vpc_uuid"`
	SSHKeys     []int     `json:"ssh_keys,omitempty"`
	SnapshotIDs []int     `json:"snapshot_ids,omitempty"`
	ActionIDs   []int     `json:"action_ids,omitempty"`
	// Backups taken and when they started (digitalocean_backups.go).
	BackupImages []*doBackup `json:"backup_images,omitempty"`
	BackupsFrom  time.Time   `json:"backups_from,omitzero"`
}

// doDropletJSON is a droplet on the wire.
type doDropletJSON struct {
	ID               int             `json:"id"`
	Name             string          `json:"name"`
	Memory           int             `json:"memory"`
	Vcpus            int             `json:"vcpus"`
	Disk             int             `json:"disk"`
	DiskInfo         []doDiskInfo    `json:"disk_info"`
	Locked           bool            `json:"locked"`
	Status           string          `json:"status"`
	Kernel           *struct{}       `json:"kernel"`
	CreatedAt        string          `json:"created_at"`
	Features         []string        `json:"features"`
	BackupIDs        []int           `json:"backup_ids"`
	NextBackupWindow *doBackupWindow `json:"next_backup_window"`
	SnapshotIDs      []int           `json:"snapshot_ids"`
	VolumeIDs        []string        `json:"volume_ids"`
	SizeSlug         string          `json:"size_slug"`
	Networks         doNetworks      `json:"networks"`
	Tags             []string        `json:"tags"`
	VPCUUID          string          `json:"vpc_uuid,omitempty"`
	// Catalog objects, spliced in by appendDroplet.
	image, size, region json.RawMessage
}

type doBackupWindow struct {
	Start string `json:"start"`
	End   string `json:"end"`
}

type doNetworks struct {
	V4 []doNetworkV4 `json:"v4"`
	V6 []doNetworkV6 `json:"v6"`
}

type doNetworkV4 struct {
	IPAddress string `json:"ip_address"`
	Netmask   string `json:"netmask"`
	Gateway   string `json:"gateway"`
	Type      string `json:"type"`
}

type doNetworkV6 struct {
	IPAddress string `json:"ip_address"`
	Netmask   int    `json:"netmask"`
	Gateway   string `json:"gateway"`
	Type      string `json:"type"`
}

// doVPCOctets are the second octets of DigitalOcean's default VPC ranges
// (10.x.0.0/16) per region.
var doVPCOctets = map[string]int{"nyc1": 116, "nyc3": 108, "sfo3": 124, "ams3": 110, "sgp1": 104, "lon1": 106,
	"fra1": 114, "tor1": 118, "blr1": 122, "syd1": 126, "ams2": 129, "nyc2": 132}

// networks derives the droplet's addresses from its id: public IPv4 in
// 198.18.0.0/15 (reserved for benchmarking, so never a real host), shown as
// DigitalOcean's /20 public subnets; private IPv4 in the region's VPC
// range; IPv6 in the documentation prefix 2001:db8::/32.
func (d *doDroplet) networks() doNetworks {
	n := doNetworks{V4: []doNetworkV4{}, V6: []doNetworkV6{}}
	if !d.Networked {
		return n
	}
	off := uint32(d.ID) * 2654435761 % (1 << 17) // a bijection on any 2^17 consecutive ids
	ip := 198<<24 | 18<<16 | off
	mask := uint32(0xfffff000)
	n.V4 = append(n.V4,
		doNetworkV4{IPAddress: doIPv4(ip), Netmask: "255.255.240.0", Gateway: doIPv4(ip&mask | 1), Type: "public"},
		doNetworkV4{IPAddress: fmt.Sprintf("10.%d.%d.%d", doVPCOctets[d.Region], (d.ID/250)%256, d.ID%250+3),
			Netmask: "255.255.0.0", Gateway: "nil", Type: "private"})
	if d.IPv6 {
		prefix := fmt.Sprintf("2001:db8:%x:%x::", doVPCOctets[d.Region], (d.ID>>16)&0xffff)
		n.V6 = append(n.V6, doNetworkV6{IPAddress: fmt.Sprintf("%s%x:1", prefix, d.ID&0xffff), Netmask: 64,
			Gateway: prefix + "1", Type: "public"})
	}
	return n
}

func doIPv4(ip uint32) string {
	return fmt.Sprintf("%d.%d.%d.%d", ip>>24, ip>>16&0xff, ip>>8&0xff, ip&0xff)
}

func doTime(t time.Time) string { return t.UTC().Format(time.RFC3339) }

// appendDroplet appends the droplet's JSON.
func (st *doState) appendDroplet(b []byte, d *doDroplet) []byte {
	out := st.render(d)
	b = doAppend(b, out)
	b = b[:len(b)-1] // all but the closing brace
	for _, f := range []doField{{"image", out.image}, {"size", out.size}, {"region", out.region}} {
		b = append(b, `,"`+f.key+`":`...)
		b = append(b, f.value...)
	}
	return append(b, '}')
}

func (st *doState) dropletJSON(d *doDroplet) []byte { return st.appendDroplet(nil, d) }

// render is the droplet on the wire.
func (st *doState) render(d *doDroplet) doDropletJSON {
	cat := doCatalog()
	var features []string
	if d.Backups {
		features = append(features, "backups")
	}
	if d.IPv6 {
		features = append(features, "ipv6")
	}
	if d.Monitoring {
		features = append(features, "monitoring")
	}
	features = append(features, "private_networking", "droplet_agent")
	out := doDropletJSON{ID: d.ID, Name: d.Name, Memory: d.Memory, Vcpus: d.Vcpus, Disk: d.Disk,
		DiskInfo: doLocalDisk(d.Disk), Status: d.Status, CreatedAt: doTime(d.CreatedAt), Features: features,
		BackupIDs: d.backupIDs(), SnapshotIDs: d.SnapshotIDs, image: st.imageJSON(d.Image), VolumeIDs: []string{},
		size: cat.raw[cat.sizeBySlug[d.Size]], SizeSlug: d.Size, Networks: d.networks(),
		region: cat.raw[cat.regionBySlug[d.Region]], Tags: d.Tags, VPCUUID: d.VPCUUID}
	if out.SnapshotIDs == nil {
		out.SnapshotIDs = []int{}
	}
	if out.Tags == nil {
		out.Tags = []string{}
	}
	if d.Backups {
		// DigitalOcean's weekly backup window: the next day, in a 4-hour slot.
		start := d.CreatedAt.Truncate(24*time.Hour).AddDate(0, 0, 1)
		out.NextBackupWindow = &doBackupWindow{Start: doTime(start), End: doTime(start.Add(4 * time.Hour))}
	}
	return out
}

// image finds an image by id: the public catalog, then the account's
// snapshots.
func (st *doState) image(id int) *doImage {
	if img := doCatalog().imageByID[id]; img != nil {
		return img
	}
	return st.Snapshots[id]
}

func (st *doState) imageJSON(id int) json.RawMessage {
	if img := doCatalog().imageByID[id]; img != nil {
		return doCatalog().raw[img]
	}
	if img := st.Snapshots[id]; img != nil {
		return doAppend(nil, img)
	}
	return json.RawMessage("{}")
}

// appendImage appends an image's JSON; catalog images are pre-rendered.
func (st *doState) appendImage(b []byte, img *doImage) []byte {
	if raw, ok := doCatalog().raw[img]; ok {
		return append(b, raw...)
	}
	return doAppend(b, img)
}

// resolveImage finds the image a request names, by slug or id.
func (st *doState) resolveImage(raw json.RawMessage) *doImage {
	var slug string
	if json.Unmarshal(raw, &slug) == nil {
		if img := doCatalog().imageBySlug[slug]; img != nil {
			return img
		}
		if id, err := strconv.Atoi(slug); err == nil {
			return st.image(id)
		}
		return nil
	}
	var id int
	if json.Unmarshal(raw, &id) == nil {
		return st.image(id)
	}
	return nil
}

// doDropletName is DigitalOcean's rule for droplet names: hostname
// characters, starting and ending with a letter or digit.
var doDropletName = regexp.MustCompile(`^[a-zA-Z0-9]?[a-zA-Z0-9.\-]*[a-zA-Z0-9]$`)

const doBadName = "Only valid hostname characters are allowed. (a-z, A-Z, 0-9, . and -)"

func doValidName(name string) bool {
	return len(name) <= doMaxName && doDropletName.MatchString(name)
}

// doTag is DigitalOcean's rule for tag names.
var doTag = regexp.MustCompile(`^[a-zA-Z0-9_\-:]{1,255}$`)

// doCreateRequest is the body of POST /v2/droplets, single or multiple.
type doCreateRequest struct {
	Name              *string           `json:"name"`
	Names             []string          `json:"names"`
	Region            string            `json:"region"`
	Size              string            `json:"size"`
	Image             json.RawMessage   `json:"image"`
	SSHKeys           []json.RawMessage `json:"ssh_keys"`
	Backups           bool              `json:"backups"`
	IPv6              bool              `json:"ipv6"`
	Monitoring        bool              `json:"monitoring"`
	PrivateNetworking bool              `json:"private_networking"`
	UserData          string            `json:"user_data"`
	Tags              []string          `json:"tags"`
	VPCUUID           string            `json:"vpc_uuid"`
}

// doPlan is a create request checked and resolved against the catalog.
type doPlan struct {
	names  []string
	size   *doSize
	region *doRegion
	image  *doImage
	keys   []int
}

// validateCreate checks account a's create request as the real API does,
// returning what to create or a 422 message.
func (st *doState) validateCreate(a *account, req *doCreateRequest) (p doPlan, msg string) {
	cat := doCatalog()
	switch {
	case req.Names != nil && req.Name != nil:
		return p, "Specify either name or names, not both."
	case req.Names != nil:
		p.names = req.Names
	case req.Name != nil:
		p.names = []string{*req.Name}
	}
	if len(p.names) == 0 {
		return p, "Name is required."
	}
	if len(p.names) > doMaxMultiCreate {
		return p, fmt.Sprintf("You may only create up to %d Droplets at once.", doMaxMultiCreate)
	}
	for _, n := range p.names {
		if !doValidName(n) {
			return p, doBadName
		}
	}
	if p.size = cat.sizeBySlug[req.Size]; p.size == nil || !p.size.Available {
		return p, "You specified an invalid size for Droplet creation."
	}
	slug := req.Region
	if slug == "" {
		slug = cat.defaultRegion(p.size)
	}
	switch p.region = cat.regionBySlug[slug]; {
	case p.region == nil:
		return p, "You specified an invalid region for Droplet creation."
	case !p.region.Available:
		return p, "Region is not available"
	case !p.size.availableIn(p.region.Slug):
		return p, "Size is not available in this region."
	case !checkVPC(a, req.VPCUUID, p.region.Slug):
		return p, doBadVPC
	}
	switch p.image = st.resolveImage(req.Image); {
	case p.image == nil || p.image.Status != "available":
		return p, "You specified an invalid image for Droplet creation."
	case p.size.Disk < p.image.MinDiskSize:
		return p, fmt.Sprintf("The image requires a disk of at least %d GB; choose a larger size.", p.image.MinDiskSize)
	}
	if len(req.UserData) > doMaxUserData {
		return p, "user_data is too large: it must be 64 KiB or less."
	}
	for _, t := range req.Tags {
		if !doTag.MatchString(t) {
			return p, "Tags may contain letters, numbers, colons, dashes and underscores, and must be 255 characters or less."
		}
	}
	p.keys, msg = st.resolveKeys(req.SSHKeys)
	return p, msg
}

// resolveKeys turns the ssh_keys of a create (ids or fingerprints) into key
// ids.
func (st *doState) resolveKeys(refs []json.RawMessage) ([]int, string) {
	var ids []int
	var bad []string
	for _, raw := range refs {
		var k *doKey
		var s string
		var id int
		switch {
		case json.Unmarshal(raw, &id) == nil:
			k = st.Keys[id]
		case json.Unmarshal(raw, &s) == nil:
			k = st.findKey(s)
		}
		if k == nil {
			bad = append(bad, strings.Trim(string(raw), `"`))
			continue
		}
		ids = append(ids, k.ID)
	}
	if len(bad) > 0 {
		return nil, strings.Join(bad, ", ") + " are invalid key identifiers for Droplet creation."
	}
	return ids, ""
}

func (d *digitalOcean) createDroplets(c *call) {
	var req doCreateRequest
	if !d.decode(c, &req) {
		return
	}
	if c.acct.Status == StatusLocked {
		d.writeError(c, http.StatusForbidden, doForbidden)
		return
	}
	st := c.do()
	p, msg := st.validateCreate(c.acct, &req)
	if msg != "" {
		d.writeError(c, http.StatusUnprocessableEntity, msg)
		return
	}
	if st.instances()+len(p.names) > c.acct.Limit {
		c.countLimitError()
		d.writeError(c, http.StatusUnprocessableEntity, doLimitReached)
		return
	}
	vpc := req.VPCUUID
	if vpc == "" {
		vpc = doVPC(c.acct, p.region.Slug)
	}
	now := c.now.UTC().Truncate(time.Second)
	var links []doActionLink
	created := []byte{'['}
	for _, name := range p.names {
		drop := &doDroplet{ID: c.sim.ids.next("droplet", 300000000), Name: name, Size: p.size.Slug, Memory: p.size.Memory,
			Vcpus: p.size.Vcpus, Disk: p.size.Disk, Region: p.region.Slug, Image: p.image.ID, Status: doNew, CreatedAt: now,
			IPv6: req.IPv6, Monitoring: req.Monitoring, Backups: req.Backups, Tags: doDedupe(req.Tags), VPCUUID: vpc, SSHKeys: p.keys}
		st.addDroplet(drop)
		a := st.startAction(c, drop, "create", c.createDelay())
		links = append(links, doActionLink{ID: a.ID, Rel: "create", HREF: doActionHREF(c, a.ID)})
		if len(created) > 1 {
			created = append(created, ',')
		}
		created = st.appendDroplet(created, drop)
	}
	linksJSON := doAppend(nil, doLinks{Actions: links})
	if req.Names != nil {
		doWriteRaw(c, http.StatusAccepted, doObject(doField{"droplets", append(created, ']')}, doField{"links", linksJSON}))
		return
	}
	doWriteRaw(c, http.StatusAccepted, doObject(doField{"droplet", created[1:]}, doField{"links", linksJSON}))
}

func doDedupe(tags []string) []string {
	out := []string{}
	seen := map[string]bool{}
	for _, t := range tags {
		if !seen[t] {
			seen[t] = true
			out = append(out, t)
		}
	}
	return out
}

func (d *digitalOcean) listDroplets(c *call) {
	st := c.do()
	q := c.r.URL.Query()
	tag, name := q.Get("tag_name"), q.Get("name")
	if tag != "" && (name != "" || q.Get("type") != "") {
		// The spec: tag_name "can not be combined with name or type".
		d.writeError(c, http.StatusBadRequest, "tag_name can not be combined with name or type.")
		return
	}
	list := make([]*doDroplet, 0, len(st.ids))
	if q.Get("type") != "gpus" { // no GPU droplets here
		for _, id := range st.ids {
			drop := st.Droplets[id]
			if (tag == "" || doHasTag(drop, tag)) && (name == "" || strings.EqualFold(drop.Name, name)) {
				list = append(list, drop)
			}
		}
	}
	doList(c, "droplets", list, st.appendDroplet)
}

func doHasTag(d *doDroplet, tag string) bool {
	for _, t := range d.Tags {
		if t == tag {
			return true
		}
	}
	return false
}

// droplet finds the droplet named by the {id} path segment, answering 404.
func (d *digitalOcean) droplet(c *call) (*doState, *doDroplet) {
	st := c.do()
	id, ok := doPathID(c, "id")
	drop := st.Droplets[id]
	if !ok || drop == nil {
		d.writeError(c, http.StatusNotFound, doNotFound)
		return st, nil
	}
	return st, drop
}

func (d *digitalOcean) getDroplet(c *call) {
	if st, drop := d.droplet(c); drop != nil {
		doWriteRaw(c, http.StatusOK, doObject(doField{"droplet", st.dropletJSON(drop)}))
	}
}

func (d *digitalOcean) deleteDroplet(c *call) {
	if st, drop := d.droplet(c); drop != nil {
		st.removeDroplet(drop.ID)
		doNoContent(c)
	}
}

func (d *digitalOcean) deleteDropletsByTag(c *call) {
	tag := c.r.URL.Query().Get("tag_name")
	if tag == "" {
		d.writeError(c, http.StatusBadRequest, "tag_name is required to delete Droplets by tag.")
		return
	}
	st := c.do()
	var doomed []int
	for _, id := range st.ids {
		if doHasTag(st.Droplets[id], tag) {
			doomed = append(doomed, id)
		}
	}
	for _, id := range doomed {
		st.removeDroplet(id)
	}
	doNoContent(c)
}

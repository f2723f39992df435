package cloudsim

import (
	"cmp"
	"fmt"
	"net/http"
	"regexp"
	"slices"
	"time"

	"github.com/google/uuid"
)

// Every DigitalOcean account has a default VPC in each region, where a
// droplet created without vpc_uuid goes: GET /v2/vpcs lists them, GET
// /v2/vpcs/{id} shows one, and a create naming a VPC that is not the
// account's, or not in the droplet's region, is refused as DigitalOcean
// refuses it. Their ranges hold the private addresses droplets get
// (networks); their ids are stable per account and region (doVPC).

// doBadVPC is DigitalOcean's answer to a create with a vpc_uuid it cannot use.
const doBadVPC = "You specified invalid VPC parameters for Droplet creation."

type doVPCJSON struct {
	ID          string `json:"id"`
	URN         string `json:"urn"`
	Name        string `json:"name"`
	Description string `json:"description"`
	Region      string `json:"region"`
	IPRange     string `json:"ip_range"`
	Default     bool   `json:"default"`
	CreatedAt   string `json:"created_at"`
}

// doDefaultVPCs are the account's default VPCs, one per available region,
// by region slug.
func doDefaultVPCs(a *account) []doVPCJSON {
	// The account's VPCs date from its first use of DigitalOcean, derived
	// from its id so that they are stable.
	since := time.Date(2020, 4, 7, 0, 0, 0, 0, time.UTC).Add(time.Duration(linodeHash("vpc", a.UUID)%(3*365*24)) * time.Hour)
	var out []doVPCJSON
	for i, r := range doCatalog().regions {
		if !r.Available {
			continue
		}
		id := doVPC(a, r.Slug)
		out = append(out, doVPCJSON{ID: id, URN: "do:vpc:" + id, Name: "default-" + r.Slug, Region: r.Slug,
			IPRange: fmt.Sprintf("10.%d.0.0/16", doVPCOctets[r.Slug]), Default: true,
			CreatedAt: doTime(since.Add(time.Duration(i) * time.Minute))})
	}
	return out
}

// checkVPC reports whether a create in region may name the VPC id ("" is
// the region's default): the region's default, or a VPC the account
// created there.
func checkVPC(a *account, id, region string) bool {
	if id == "" || id == doVPC(a, region) {
		return true
	}
	v := a.state.(*doState).VPCs[id]
	return v != nil && v.Region == region
}

// doVPCs are the account's VPCs: the defaults, then those it created,
// oldest first.
func doVPCs(c *call) []doVPCJSON {
	out := doDefaultVPCs(c.acct)
	created := make([]doVPCJSON, 0, len(c.do().VPCs))
	for _, v := range c.do().VPCs {
		created = append(created, *v)
	}
	slices.SortFunc(created, func(a, b doVPCJSON) int {
		return cmp.Or(cmp.Compare(a.CreatedAt, b.CreatedAt), cmp.Compare(a.ID, b.ID))
	})
	return append(out, created...)
}

func (d *digitalOcean) listVPCs(c *call) {
	doList(c, "vpcs", doVPCs(c), func(b []byte, v doVPCJSON) []byte { return doAppend(b, v) })
}

// doVPCCreate is the body of POST /v2/vpcs.
type doVPCCreate struct {
	Name        *string `json:"name"`
	Region      string  `json:"region"`
	Description string  `json:"description"`
	IPRange     string  `json:"ip_range"`
}

// doVPCName is the spec's pattern of VPC names.
var doVPCName = regexp.MustCompile(`^[a-zA-Z0-9\-\.]+$`)

// createVPC creates a VPC in a region, with a /20 of 10.100.0.0/14 that
// no other VPC of the account has (a given ip_range must be free too).
func (d *digitalOcean) createVPC(c *call) {
	var req doVPCCreate
	if !d.decode(c, &req) {
		return
	}
	region := doCatalog().regionBySlug[req.Region]
	msg := ""
	switch {
	case req.Name == nil || *req.Name == "":
		msg = "name is required"
	case !doVPCName.MatchString(*req.Name) || len(*req.Name) > 64:
		msg = "name may only contain alphanumeric characters, dashes, and periods"
	case req.Region == "":
		msg = "region is required"
	case region == nil || !region.Available:
		msg = "region is invalid"
	case len(req.Description) > 255:
		msg = "description may be at most 255 characters"
	}
	all := doVPCs(c)
	for _, v := range all {
		if msg == "" && req.Name != nil && v.Name == *req.Name {
			msg = "A VPC with this name already exists."
		}
	}
	rng := req.IPRange
	if rng == "" && msg == "" {
		rng = fmt.Sprintf("10.%d.%d.0/20", 100+len(c.do().VPCs)/16, (len(c.do().VPCs)%16)*16)
	}
	for _, v := range all {
		if msg == "" && v.IPRange == rng {
			msg = "This range overlaps with another VPC network in your account."
		}
	}
	if msg != "" {
		d.writeError(c, http.StatusUnprocessableEntity, msg)
		return
	}
	id := uuid.NewSHA1(uuid.NameSpaceURL, []byte(fmt.Sprintf("vpc:%s:%d", c.acct.UUID, c.sim.ids.next("vpc", 0)))).String()
	v := &doVPCJSON{ID: id, URN: "do:vpc:" + id, Name: *req.Name, Description: req.Description, Region: req.Region,
		IPRange: rng, CreatedAt: doTime(c.now.UTC())}
	c.do().VPCs[id] = v
	doWrite(c, http.StatusCreated, map[string]any{"vpc": v})
}

// deleteVPC deletes a VPC the account created, unless droplets are in it;
// a default VPC cannot be deleted.
func (d *digitalOcean) deleteVPC(c *call) {
	id := c.r.PathValue("id")
	for _, v := range doDefaultVPCs(c.acct) {
		if v.ID == id {
			d.writeError(c, http.StatusForbidden, "Cannot delete the default VPC network of a region.")
			return
		}
	}
	st := c.do()
	if st.VPCs[id] == nil {
		d.writeError(c, http.StatusNotFound, doNotFound)
		return
	}
	for _, dr := range st.Droplets {
		if dr.VPCUUID == id {
			d.writeError(c, http.StatusConflict, "Cannot delete a VPC network that has members.")
			return
		}
	}
	delete(st.VPCs, id)
	doNoContent(c)
}

func (d *digitalOcean) getVPC(c *call) {
	for _, v := range doVPCs(c) {
		if v.ID == c.r.PathValue("id") {
			doWrite(c, http.StatusOK, map[string]any{"vpc": v})
			return
		}
	}
	d.writeError(c, http.StatusNotFound, doNotFound)
}

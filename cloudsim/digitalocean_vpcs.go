package cloudsim

import (
	"fmt"
	"net/http"
	"time"
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
// the region's default).
func checkVPC(a *account, id, region string) bool { return id == "" || id == doVPC(a, region) }

func (d *digitalOcean) listVPCs(c *call) {
	doList(c, "vpcs", doDefaultVPCs(c.acct), func(b []byte, v doVPCJSON) []byte { return doAppend(b, v) })
}

func (d *digitalOcean) getVPC(c *call) {
	for _, v := range doDefaultVPCs(c.acct) {
		if v.ID == c.r.PathValue("id") {
			doWrite(c, http.StatusOK, map[string]any{"vpc": v})
			return
		}
	}
	d.writeError(c, http.StatusNotFound, doNotFound)
}

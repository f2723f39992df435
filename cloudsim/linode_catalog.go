package cloudsim

import (
	"embed"
	"encoding/json"
	"fmt"
	"strings"
)

// The Linode catalog: types (plans), regions, public images and public
// StackScripts, as GET /v4/linode/types, /v4/regions, /v4/images and
// /v4/linode/stackscripts answer them. The files hold the API objects
// verbatim (real ids, specs and USD prices); they are read once.
//
//go:embed catalog/linode/*.json
var linodeCatalogFS embed.FS

// linodeCatalog is the parsed catalog, shared read-only by every Sim.
type linodeCatalog struct {
	types        linodeCollection
	regions      linodeCollection
	images       linodeCollection
	stackscripts linodeCollection

	typeByID   map[string]*linodeTypeInfo
	regionByID map[string]*linodeRegionInfo
	imageByID  map[string]*linodeImageInfo
	scriptByID map[int]*linodeStackScriptInfo
}

// linodeCollection is one catalog list: each object's wire form and its
// decoded fields, for X-Filter.
type linodeCollection struct {
	raw        []json.RawMessage
	fields     []map[string]any
	filterable map[string]bool
}

type linodePrice struct {
	Hourly  float64 `json:"hourly"`
	Monthly float64 `json:"monthly"`
}

type linodeTypeInfo struct {
	ID       string      `json:"id"`
	Label    string      `json:"label"`
	Class    string      `json:"class"`
	VCPUs    int         `json:"vcpus"`
	Memory   int         `json:"memory"`
	Disk     int         `json:"disk"`
	GPUs     int         `json:"gpus"`
	Transfer int         `json:"transfer"`
	Price    linodePrice `json:"price"`
}

type linodeRegionInfo struct {
	ID           string   `json:"id"`
	Capabilities []string `json:"capabilities"`
}

func (r *linodeRegionInfo) has(capability string) bool {
	for _, c := range r.Capabilities {
		if c == capability {
			return true
		}
	}
	return false
}

type linodeImageInfo struct {
	ID           string   `json:"id"`
	Capabilities []string `json:"capabilities"`
}

type linodeUDF struct {
	Name    string  `json:"name"`
	Label   string  `json:"label"`
	OneOf   string  `json:"oneOf"`
	ManyOf  string  `json:"manyOf"`
	Default *string `json:"default"`
}

type linodeStackScriptInfo struct {
	ID     int         `json:"id"`
	Label  string      `json:"label"`
	Images []string    `json:"images"`
	UDFs   []linodeUDF `json:"user_defined_fields"`
}

// allowsImage reports whether the StackScript may deploy image.
func (s *linodeStackScriptInfo) allowsImage(image string) bool {
	for _, im := range s.Images {
		if im == image || im == "any/all" {
			return true
		}
	}
	return false
}

var linodeCat = mustLoadLinodeCatalog()

func mustLoadLinodeCatalog() *linodeCatalog {
	cat := &linodeCatalog{typeByID: map[string]*linodeTypeInfo{}, regionByID: map[string]*linodeRegionInfo{},
		imageByID: map[string]*linodeImageInfo{}, scriptByID: map[int]*linodeStackScriptInfo{}}
	// Filterable fields, as the spec marks them (x-linode-filterable).
	cat.types = loadLinodeCollection("types.json", "class", "disk", "gpus", "label", "memory", "network_out", "transfer", "vcpus", "id")
	cat.regions = loadLinodeCollection("regions.json", "country", "site_type", "id", "status")
	cat.images = loadLinodeCollection("images.json", "deprecated", "is_public", "label", "size", "status", "tags", "type", "vendor", "id", "created_by")
	cat.stackscripts = loadLinodeCollection("stackscripts.json", "deployments_total", "description", "is_public", "label", "mine", "rev_note", "username", "id", "images")
	for _, t := range linodeTypeSpecs {
		cat.types.add(t.object(cat.types.fields[0]))
	}
	for _, im := range linodeImageSpecs {
		cat.images.add(im.object(cat.images.fields[0]))
	}
	labels := map[any]bool{}
	for _, f := range cat.stackscripts.fields {
		labels[f["label"]] = true
	}
	for _, sc := range linodeMarketplaceScripts(cat.stackscripts.fields[0]) {
		if !labels[sc["label"]] { // the files' own edition of an app wins
			cat.stackscripts.add(sc)
		}
	}
	for _, raw := range cat.types.raw {
		var t linodeTypeInfo
		mustUnmarshal(raw, &t)
		cat.typeByID[t.ID] = &t
	}
	for _, raw := range cat.regions.raw {
		var r linodeRegionInfo
		mustUnmarshal(raw, &r)
		cat.regionByID[r.ID] = &r
	}
	for _, raw := range cat.images.raw {
		var im linodeImageInfo
		mustUnmarshal(raw, &im)
		cat.imageByID[im.ID] = &im
	}
	for _, raw := range cat.stackscripts.raw {
		var s linodeStackScriptInfo
		mustUnmarshal(raw, &s)
		cat.scriptByID[s.ID] = &s
	}
	return cat
}

func loadLinodeCollection(file string, filterable ...string) linodeCollection {
	b, err := linodeCatalogFS.ReadFile("catalog/linode/" + file)
	if err != nil {
		panic(fmt.Sprintf("cloudsim: linode catalog %s: %v", file, err))
	}
	col := linodeCollection{filterable: map[string]bool{}}
	mustUnmarshal(b, &col.raw)
	for i, raw := range col.raw {
		// Compact once, so answers are small.
		var sb strings.Builder
		enc := json.NewEncoder(&sb)
		var v any
		mustUnmarshal(raw, &v)
		if err := enc.Encode(v); err != nil {
			panic(err)
		}
		col.raw[i] = json.RawMessage(strings.TrimSpace(sb.String()))
		col.fields = append(col.fields, v.(map[string]any))
	}
	for _, f := range filterable {
		col.filterable[f] = true
	}
	return col
}

// add appends a generated object, unless the files have one of its id.
func (col *linodeCollection) add(o map[string]any) {
	for _, f := range col.fields {
		if fmt.Sprint(f["id"]) == fmt.Sprint(o["id"]) {
			return
		}
	}
	b, err := json.Marshal(o)
	if err != nil {
		panic(err)
	}
	var fields map[string]any
	mustUnmarshal(b, &fields)
	col.raw = append(col.raw, b)
	col.fields = append(col.fields, fields)
}

func mustUnmarshal(b []byte, v any) {
	if err := json.Unmarshal(b, v); err != nil {
		panic(fmt.Sprintf("cloudsim: linode catalog: %v", err))
	}
}

// listCatalog answers a catalog list with pagination and X-Filter.
func (l *linode) listCatalog(c *call, col *linodeCollection) {
	q, ok := parseLinodeListQuery(c, col.filterable)
	if !ok {
		return
	}
	idx := make([]int, 0, len(col.raw))
	for i, f := range col.fields {
		if q.filter.match(mapFields(f)) {
			idx = append(idx, i)
		}
	}
	if q.filter.orderBy != "" {
		q.filter.sortIndex(idx, func(i int) fieldGetter { return mapFields(col.fields[i]) })
	}
	page := q.slice(len(idx))
	items := make([]json.RawMessage, 0, len(page))
	for _, k := range page {
		items = append(items, col.raw[idx[k]])
	}
	writeLinodePage(c, q, len(idx), items)
}

func (l *linode) listTypes(c *call)        { l.listCatalog(c, &linodeCat.types) }
func (l *linode) listRegions(c *call)      { l.listCatalog(c, &linodeCat.regions) }
func (l *linode) listStackScripts(c *call) { l.listCatalog(c, &linodeCat.stackscripts) }

// getCatalogItem answers GET of one catalog object by its id field.
func (l *linode) getCatalogItem(c *call, col *linodeCollection, id string) {
	for i, f := range col.fields {
		if fmt.Sprint(f["id"]) == id {
			writeLinodeRaw(c, 200, col.raw[i])
			return
		}
	}
	l.writeError(c, 404, "Not found")
}

func (l *linode) getType(c *call) { l.getCatalogItem(c, &linodeCat.types, c.r.PathValue("typeId")) }
func (l *linode) getRegion(c *call) {
	l.getCatalogItem(c, &linodeCat.regions, c.r.PathValue("regionId"))
}
func (l *linode) getStackScript(c *call) {
	l.getCatalogItem(c, &linodeCat.stackscripts, c.r.PathValue("stackscriptId"))
}

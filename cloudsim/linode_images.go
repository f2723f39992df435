package cloudsim

import (
	"encoding/json"
	"fmt"
	"net/http"
	"sort"
	"strconv"
	"strings"
	"time"
)

// A Linode's disks and the account's private images, as the spec describes
// them: GET /v4/linode/instances/{id}/disks lists a deployed Linode's two
// disks (its image's ext4 disk, the rest of the plan less 512 MB, and a
// 512 MB swap disk); POST /v4/images captures a private image ("private/N")
// from a disk, "creating" until a disk_imagize event on its Linode
// finishes on the Sim's clock (ActionDelay), then "available"; GET
// /v4/images lists the public catalog and the account's private images
// (X-Filter applies to both), GET and DELETE /v4/images/{id} read and
// delete one (public images cannot be deleted); a rebuild may name a
// private image of the account. Images outlive their Linode.

// linodeImage is a private image as saved.
type linodeImage struct {
	ID          string    `json:"id"`
	Label       string    `json:"label"`
	Description string    `json:"description,omitempty"`
	Region      string    `json:"region"`
	SizeMB      int       `json:"size_mb"`
	Tags        []string  `json:"tags"`
	Created     time.Time `json:"created"`
	ReadyAt     time.Time `json:"ready_at"`
}

// linodeEventImagize is the event of a capture.
const linodeEventImagize = "disk_imagize"

// linodeSwapMB is the size of every simulated Linode's swap disk.
const linodeSwapMB = 512

// linodeDiskJSON is a disk as the API shows it.
type linodeDiskJSON struct {
	ID         int    `json:"id"`
	Label      string `json:"label"`
	Status     string `json:"status"`
	Size       int    `json:"size"`
	Filesystem string `json:"filesystem"`
	Created    string `json:"created"`
	Updated    string `json:"updated"`
}

// disks are the Linode's disks: none until it is deployed from an image.
func (in *linodeInstance) disks() []linodeDiskJSON {
	if in.Image == "" {
		return nil
	}
	total := linodeSwapMB * 2
	if t := linodeCat.typeByID[in.Type]; t != nil {
		total = t.Disk
	}
	label := strings.TrimPrefix(strings.TrimPrefix(in.Image, "linode/"), "private/") + " Disk"
	if len(label) > 48 {
		label = label[:48]
	}
	created, updated := linodeTime(in.Created), linodeTime(in.Updated)
	return []linodeDiskJSON{
		{ID: in.ID*10 + 1, Label: label, Status: "ready", Size: total - linodeSwapMB, Filesystem: "ext4", Created: created, Updated: updated},
		{ID: in.ID*10 + 2, Label: "512 MB Swap Image", Status: "ready", Size: linodeSwapMB, Filesystem: "swap", Created: created, Updated: updated},
	}
}

var linodeDiskFilterable = map[string]bool{"label": true, "size": true}

func (l *linode) listDisks(c *call) {
	_, in, ok := l.lookupInstance(c)
	if !ok {
		return
	}
	q, ok := parseLinodeListQuery(c, linodeDiskFilterable)
	if !ok {
		return
	}
	var matched []linodeDiskJSON
	for _, d := range in.disks() {
		if q.filter.match(mapFields(map[string]any{"label": d.Label, "size": json.Number(strconv.Itoa(d.Size))})) {
			matched = append(matched, d)
		}
	}
	items := make([]linodeDiskJSON, 0, len(matched))
	for _, k := range q.slice(len(matched)) {
		items = append(items, matched[k])
	}
	writeLinodePage(c, q, len(matched), items)
}

type linodeImageRequest struct {
	DiskID      *int      `json:"disk_id"`
	Label       *string   `json:"label"`
	Description *string   `json:"description"`
	CloudInit   bool      `json:"cloud_init"`
	Tags        *[]string `json:"tags"`
}

// createImage captures a disk: 400 without a disk_id or with one of no
// Linode of the account, or the swap disk, or while the Linode is busy.
func (l *linode) createImage(c *call) {
	var req linodeImageRequest
	if !decodeLinodeBody(c, &req) {
		return
	}
	st := linodeStateOf(c)
	var errs linodeErrs
	var in *linodeInstance
	var disk *linodeDiskJSON
	if req.DiskID == nil {
		errs.add("disk_id", "disk_id is required")
	} else if in, disk = st.disk(*req.DiskID); disk == nil {
		errs.add("disk_id", "Disk not found")
	} else if disk.Filesystem == "swap" {
		errs.add("disk_id", "Cannot create an image from a swap disk")
	}
	label := ""
	if disk != nil {
		label = disk.Label
	}
	if req.Label != nil {
		label = *req.Label
		if label == "" || len(label) > 50 {
			errs.add("label", "Label must be 1-50 characters")
		}
	}
	if req.Description != nil && len(*req.Description) > 65000 {
		errs.add("description", "Length must be 1-65000 characters")
	}
	var tags []string
	if req.Tags != nil {
		tags = normalizeLinodeTags(&errs, *req.Tags)
	}
	if len(errs) > 0 {
		writeLinodeErrors(c, http.StatusBadRequest, errs)
		return
	}
	if in.busy() {
		l.writeError(c, http.StatusBadRequest, linodeReasonBusy)
		return
	}
	if tags == nil {
		tags = []string{}
	}
	now := c.now.UTC()
	n := c.sim.ids.next("linode-image", 30000000)
	im := &linodeImage{ID: "private/" + strconv.Itoa(n), Label: label, Region: in.Region, Tags: tags, Created: now,
		ReadyAt: now.Add(c.sim.cfg.ActionDelay), SizeMB: min(disk.Size, 1800+(n%40)*100)}
	if req.Description != nil {
		im.Description = *req.Description
	}
	if st.Images == nil {
		st.Images = map[string]*linodeImage{}
	}
	st.Images[im.ID] = im
	st.event(c, in, linodeEventImagize, im.ReadyAt)
	writeLinodeJSON(c, http.StatusOK, im.wire(now))
}

// disk finds a disk of the account's Linodes by id.
func (st *linodeState) disk(id int) (*linodeInstance, *linodeDiskJSON) {
	if in := st.Instances[id/10]; in != nil {
		for _, d := range in.disks() {
			if d.ID == id {
				return in, &d
			}
		}
	}
	return nil, nil
}

// hasImage reports whether image names a private image of the account
// that is ready to deploy.
func (st *linodeState) hasImage(image string, now time.Time) bool {
	im := st.Images[image]
	return im != nil && !now.Before(im.ReadyAt)
}

// wire is the image as the API shows it at now.
func (im *linodeImage) wire(now time.Time) map[string]any {
	status := "available"
	if now.Before(im.ReadyAt) {
		status = "creating"
	}
	var desc any
	if im.Description != "" {
		desc = im.Description
	}
	return map[string]any{"id": im.ID, "label": im.Label, "description": desc, "created": linodeTime(im.Created),
		"updated": linodeTime(im.Created), "created_by": "webrana", "deprecated": false, "is_public": false,
		"size": im.SizeMB, "total_size": im.SizeMB * 1024 * 1024, "type": "manual", "vendor": nil, "status": status,
		"expiry": nil, "eol": nil, "capabilities": []string{}, "tags": im.Tags,
		"regions": []map[string]any{{"region": im.Region, "status": status}}}
}

// listImages lists the catalog's public images, then the account's
// private ones (oldest first), filtered and paginated together.
func (l *linode) listImages(c *call) {
	st := linodeStateOf(c)
	cat := &linodeCat.images
	col := linodeCollection{raw: append([]json.RawMessage(nil), cat.raw...),
		fields: append([]map[string]any(nil), cat.fields...), filterable: cat.filterable}
	for _, im := range st.privateImages() {
		b, err := json.Marshal(im.wire(c.now))
		if err != nil {
			l.writeError(c, http.StatusInternalServerError, err.Error())
			return
		}
		var fields map[string]any
		mustUnmarshal(b, &fields)
		col.raw, col.fields = append(col.raw, b), append(col.fields, fields)
	}
	l.listCatalog(c, &col)
}

func (st *linodeState) privateImages() []*linodeImage {
	out := make([]*linodeImage, 0, len(st.Images))
	for _, im := range st.Images {
		out = append(out, im)
	}
	sort.Slice(out, func(i, j int) bool { return imageNumber(out[i].ID) < imageNumber(out[j].ID) })
	return out
}

func imageNumber(id string) int {
	n, _ := strconv.Atoi(strings.TrimPrefix(id, "private/"))
	return n
}

// getImage answers a private image of the account, or a public one.
func (l *linode) getImage(c *call) {
	id := c.r.PathValue("imageId")
	if im := linodeStateOf(c).Images[id]; im != nil {
		writeLinodeJSON(c, http.StatusOK, im.wire(c.now))
		return
	}
	l.getCatalogItem(c, &linodeCat.images, id)
}

// deleteImage deletes a private image; a public one is not the account's
// to delete.
func (l *linode) deleteImage(c *call) {
	st, id := linodeStateOf(c), c.r.PathValue("imageId")
	switch {
	case st.Images[id] != nil:
		delete(st.Images, id)
		writeLinodeJSON(c, http.StatusOK, struct{}{})
	case linodeCat.imageByID[id] != nil:
		l.writeError(c, http.StatusForbidden, fmt.Sprintf("You do not have permission to delete %s.", id))
	default:
		l.writeError(c, http.StatusNotFound, "Not found")
	}
}

package cloudsim

import (
	"encoding/json"
	"net/http"
	"slices"
	"strconv"
)

// A droplet's snapshots: the snapshot action makes one (an image of the
// account's, in the droplet's region), GET /v2/droplets/{id}/snapshots
// lists those of a droplet, and the restore action puts one back on the
// droplet it was taken of (or one of its backups, see
// digitalocean_backups.go). The snapshots outlive their droplet, as
// images of the account.

// Messages of restore refusals.
const (
	doRestoreNoImage  = "Image can't be blank."
	doRestoreBadImage = "You specified an invalid image for Droplet restore: it must be a backup or snapshot of this Droplet."
)

// doDropletSnapshotJSON is a snapshot as a droplet's snapshot list shows it.
type doDropletSnapshotJSON struct {
	ID            int      `json:"id"`
	Name          string   `json:"name"`
	CreatedAt     string   `json:"created_at"`
	Regions       []string `json:"regions"`
	MinDiskSize   int      `json:"min_disk_size"`
	SizeGigabytes float64  `json:"size_gigabytes"`
	Type          string   `json:"type"`
}

func (d *digitalOcean) listDropletSnapshots(c *call) {
	st, drop := d.droplet(c)
	if drop == nil {
		return
	}
	list := make([]doDropletSnapshotJSON, 0, len(drop.SnapshotIDs))
	for _, id := range drop.SnapshotIDs {
		if img := st.Snapshots[id]; img != nil {
			list = append(list, doDropletSnapshotJSON{ID: img.ID, Name: img.Name, CreatedAt: img.CreatedAt,
				Regions: img.Regions, MinDiskSize: img.MinDiskSize, SizeGigabytes: img.SizeGigabytes, Type: img.Type})
		}
	}
	doList(c, "snapshots", list, func(b []byte, s doDropletSnapshotJSON) []byte { return doAppend(b, s) })
}

// validateRestore checks a restore's image: the id of a snapshot of the
// droplet (the spec's image is an integer).
func (st *doState) validateRestore(d *doDroplet, raw json.RawMessage) (doAction, string) {
	var p doAction
	if len(raw) == 0 || string(raw) == "null" {
		return p, doRestoreNoImage
	}
	var id int
	if json.Unmarshal(raw, &id) != nil || (!d.isBackup(id) && (!slices.Contains(d.SnapshotIDs, id) || st.Snapshots[id] == nil)) {
		return p, doRestoreBadImage
	}
	p.Image = id
	return p, ""
}

// deleteSnapshot deletes a snapshot of the account (DELETE
// /v2/snapshots/{snapshot_id}): 204, or 404 for an id the account has no
// snapshot of, or 400 for a public image, which is not a snapshot. A
// snapshot of a droplet that still exists leaves its snapshot_ids.
func (d *digitalOcean) deleteSnapshot(c *call) {
	st := c.do()
	id, err := strconv.Atoi(c.r.PathValue("snapshot_id"))
	if err != nil || id <= 0 {
		d.writeError(c, http.StatusNotFound, doNotFound)
		return
	}
	if st.Snapshots[id] == nil {
		if doCatalog().imageByID[id] != nil {
			d.writeError(c, http.StatusBadRequest, doNotASnapshot)
			return
		}
		d.writeError(c, http.StatusNotFound, doNotFound)
		return
	}
	delete(st.Snapshots, id)
	for _, drop := range st.Droplets {
		drop.SnapshotIDs = slices.DeleteFunc(drop.SnapshotIDs, func(s int) bool { return s == id })
	}
	doNoContent(c)
}

// doNotASnapshot is the real API's message for a snapshot id naming
// another kind of image.
const doNotASnapshot = "the resource is not a snapshot"

package cloudsim

import (
	"fmt"
	"net/http"
	"slices"
	"strconv"
	"time"
)

// A Linode's backups, on the Sim's clock and deterministic like droplets'
// (digitalocean_backups.go): turning backups on (backups_enabled at create,
// or POST .../backups/enable) takes the first backup at that moment, and
// another every BackupEvery while they stay on, taken when next looked at
// (the backup list or a restore) with the time each was due; the newest
// linodeKeepBackups are kept. POST .../backups/cancel deletes them. A
// restore (POST .../backups/{backupId}/restore, onto the same Linode) shows
// the Linode "restoring" for the action delay, then offline, with its event
// backups_restore; enable and cancel take effect at once, with events
// backups_enable and backups_cancel finished when recorded.

// Event actions of backups.
const (
	linodeEventBackupsEnable  = "backups_enable"
	linodeEventBackupsCancel  = "backups_cancel"
	linodeEventBackupsRestore = "backups_restore"
)

// linodeRestoring is a Linode's status while a backup is restored onto it.
const linodeRestoring = "restoring"

// linodeKeepBackups is how many automatic backups of a Linode are kept.
const linodeKeepBackups = 3

// linodeBackup is an automatic backup of a Linode.
type linodeBackup struct {
	ID      int       `json:"id"`
	Created time.Time `json:"created"`
	DiskMB  int       `json:"disk_mb"`
}

// backupsOn starts the Linode's backup schedule at now.
func (in *linodeInstance) backupsOn(now time.Time) {
	if !in.BackupsEnabled || in.BackupsFrom.IsZero() {
		in.BackupsEnabled, in.BackupsFrom = true, now.UTC().Truncate(time.Second)
	}
}

// takeBackups takes every backup due by now. A Linode created with
// backups on starts its schedule at its creation.
func (in *linodeInstance) takeBackups(c *call) {
	if !in.BackupsEnabled {
		return
	}
	if in.BackupsFrom.IsZero() {
		in.BackupsFrom = in.Created.UTC().Truncate(time.Second)
	}
	next := in.BackupsFrom
	if n := len(in.BackupList); n > 0 {
		next = in.BackupList[n-1].Created.Add(BackupEvery)
	}
	disk := 25600
	if t, ok := linodeCat.typeByID[in.Type]; ok {
		disk = t.Disk
	}
	for ; !next.After(c.now); next = next.Add(BackupEvery) {
		id := c.sim.ids.next("linode_backup", 120000000)
		in.BackupList = append(in.BackupList, &linodeBackup{ID: id, Created: next, DiskMB: disk/8 + id%500})
	}
	if n := len(in.BackupList); n > linodeKeepBackups {
		in.BackupList = slices.Clone(in.BackupList[n-linodeKeepBackups:])
	}
}

// linodeBackupJSON is an automatic backup on the wire.
type linodeBackupJSON struct {
	Available bool                   `json:"available"`
	Configs   []string               `json:"configs"`
	Created   string                 `json:"created"`
	Disks     []linodeBackupDiskJSON `json:"disks"`
	Finished  string                 `json:"finished"`
	ID        int                    `json:"id"`
	Label     *string                `json:"label"`
	Status    string                 `json:"status"`
	Type      string                 `json:"type"`
	Updated   string                 `json:"updated"`
}

type linodeBackupDiskJSON struct {
	Filesystem string `json:"filesystem"`
	Label      string `json:"label"`
	Size       int    `json:"size"`
}

type linodeBackupsListJSON struct {
	Automatic []linodeBackupJSON `json:"automatic"`
	Snapshot  struct{}           `json:"snapshot"` // no manual snapshot: neither current nor in_progress
}

func (l *linode) listBackups(c *call) {
	_, in, ok := l.lookupInstance(c)
	if !ok {
		return
	}
	in.takeBackups(c)
	out := linodeBackupsListJSON{Automatic: []linodeBackupJSON{}}
	for i := len(in.BackupList) - 1; i >= 0; i-- {
		b := in.BackupList[i]
		done := linodeTime(b.Created.Add(10 * time.Minute))
		out.Automatic = append(out.Automatic, linodeBackupJSON{Available: true, Configs: []string{"My Config"},
			Created: linodeTime(b.Created), Disks: []linodeBackupDiskJSON{{Filesystem: "ext4", Label: in.Image + " Disk", Size: b.DiskMB},
				{Filesystem: "swap", Label: "512 MB Swap Image", Size: 512}},
			Finished: done, ID: b.ID, Status: "successful", Type: "auto", Updated: done})
	}
	writeLinodeJSON(c, http.StatusOK, out)
}

func (l *linode) enableBackups(c *call) {
	st, in, ok := l.lookupInstance(c)
	if !ok {
		return
	}
	in.backupsOn(c.now)
	st.event(c, in, linodeEventBackupsEnable, c.now.UTC())
	writeLinodeJSON(c, http.StatusOK, struct{}{})
}

func (l *linode) cancelBackups(c *call) {
	st, in, ok := l.lookupInstance(c)
	if !ok {
		return
	}
	in.BackupsEnabled, in.BackupsFrom, in.BackupList = false, time.Time{}, nil
	st.event(c, in, linodeEventBackupsCancel, c.now.UTC())
	writeLinodeJSON(c, http.StatusOK, struct{}{})
}

type linodeRestoreRequest struct {
	LinodeID  *int `json:"linode_id"`
	Overwrite bool `json:"overwrite"`
}

func (l *linode) restoreBackup(c *call) {
	st, in, ok := l.startAction(c)
	if !ok {
		return
	}
	in.takeBackups(c)
	id, err := strconv.Atoi(c.r.PathValue("backupId"))
	if err != nil || !slices.ContainsFunc(in.BackupList, func(b *linodeBackup) bool { return b.ID == id }) {
		l.writeError(c, http.StatusNotFound, "Not found")
		return
	}
	var req linodeRestoreRequest
	if !decodeLinodeBody(c, &req) {
		return
	}
	switch {
	case req.LinodeID == nil:
		writeLinodeErrors(c, http.StatusBadRequest, []linodeFieldError{{Field: "linode_id", Reason: "linode_id is required"}})
		return
	case *req.LinodeID != in.ID:
		// The simulator restores only onto the Linode the backup is of.
		writeLinodeErrors(c, http.StatusBadRequest, []linodeFieldError{{Field: "linode_id",
			Reason: fmt.Sprintf("Linode %d cannot receive this backup in the simulator", *req.LinodeID)}})
		return
	}
	st.act(c, in, linodeEventBackupsRestore, linodeRestoring, linodeOffline)
	writeLinodeJSON(c, http.StatusOK, struct{}{})
}

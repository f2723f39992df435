package cloudsim

import (
	"fmt"
	"slices"
	"time"
)

// A droplet's backups, on the Sim's clock and deterministic: turning
// backups on (a create with "backups": true once the droplet is active, or
// the enable_backups action once it completes) takes the first backup at
// that moment, and another is due every BackupEvery (a day) after it while
// backups stay on. Backups are taken when they are next looked at (the
// droplet's backup list, a restore, the droplet itself), each with the
// time it was due, so a clock moved forward finds every backup it passed;
// the newest doKeepBackups are kept, as DigitalOcean keeps four.
// disable_backups deletes them. GET /v2/droplets/{id}/backups lists them,
// newest first, and the restore action accepts their image ids as it
// accepts the droplet's snapshots'.

// BackupEvery is how often the simulator backs up a server whose backups
// are on (DigitalOcean and Linode alike).
const BackupEvery = 24 * time.Hour

// doKeepBackups is how many backups of a droplet are kept.
const doKeepBackups = 4

// doBackup is a backup image of a droplet.
type doBackup struct {
	ID        int       `json:"id"`
	CreatedAt time.Time `json:"created_at"`
	SizeGB    float64   `json:"size_gb"`
}

// backupsChanged follows the droplet's backups flag after an action
// completed at: the schedule starts when they are turned on, and turning
// them off deletes them.
func (d *doDroplet) backupsChanged(at time.Time) {
	switch {
	case d.Backups && d.BackupsFrom.IsZero():
		d.BackupsFrom = at.UTC().Truncate(time.Second)
	case !d.Backups:
		d.BackupsFrom, d.BackupImages = time.Time{}, nil
	}
}

// takeBackups takes every backup due by now.
func (d *doDroplet) takeBackups(c *call) {
	if !d.Backups || d.BackupsFrom.IsZero() {
		return
	}
	next := d.BackupsFrom
	if n := len(d.BackupImages); n > 0 {
		next = d.BackupImages[n-1].CreatedAt.Add(BackupEvery)
	}
	for ; !next.After(c.now); next = next.Add(BackupEvery) {
		id := c.sim.ids.next("image", 170000000)
		d.BackupImages = append(d.BackupImages, &doBackup{ID: id, CreatedAt: next,
			SizeGB: float64(d.Disk)/10 + float64(id%100)/100})
	}
	if n := len(d.BackupImages); n > doKeepBackups {
		d.BackupImages = slices.Clone(d.BackupImages[n-doKeepBackups:])
	}
}

// backupIDs are the ids of the droplet's backups, oldest first, as the
// droplet shows them.
func (d *doDroplet) backupIDs() []int {
	ids := make([]int, 0, len(d.BackupImages))
	for _, b := range d.BackupImages {
		ids = append(ids, b.ID)
	}
	return ids
}

// isBackup reports whether id is one of the droplet's backups.
func (d *doDroplet) isBackup(id int) bool { return slices.Contains(d.backupIDs(), id) }

func (d *digitalOcean) listDropletBackups(c *call) {
	_, drop := d.droplet(c)
	if drop == nil {
		return
	}
	drop.takeBackups(c)
	list := make([]doDropletSnapshotJSON, 0, len(drop.BackupImages))
	for i := len(drop.BackupImages) - 1; i >= 0; i-- {
		b := drop.BackupImages[i]
		list = append(list, doDropletSnapshotJSON{ID: b.ID, Name: fmt.Sprintf("%s %s", drop.Name, b.CreatedAt.Format("2006-01-02")),
			CreatedAt: doTime(b.CreatedAt), Regions: []string{drop.Region}, MinDiskSize: drop.Disk,
			SizeGigabytes: b.SizeGB, Type: "backup"})
	}
	doList(c, "backups", list, func(b []byte, s doDropletSnapshotJSON) []byte { return doAppend(b, s) })
}

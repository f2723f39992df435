package doapi

import (
	"cmp"

	"net/http"

	"github.com/webrana/webrana"
	"github.com/webrana/webrana/store"
)

// A droplet's snapshots (issue 19's snapshots, in DigitalOcean's droplet
// snapshot shape). They are taken with POST /v2/droplets/{id}/actions
// {"type":"snapshot","name"} through lifecycle's Act like every action;
// GET /v2/droplets/{id}/snapshots lists those of the droplet that are being
// taken or kept (a deleted or failed one is left out), newest first, each
// known by a public number as droplets and actions are.

// snapshotView is a droplet snapshot as DigitalOcean shows it.
type snapshotView struct {
	ID            int64    `json:"id"`
	Name          string   `json:"name"`
	Type          string   `json:"type"`
	Distribution  string   `json:"distribution"`
	Slug          *string  `json:"slug"`
	Public        bool     `json:"public"`
	Regions       []string `json:"regions"`
	CreatedAt     string   `json:"created_at"`
	MinDiskSize   int      `json:"min_disk_size"`
	SizeGigabytes float64  `json:"size_gigabytes"`
}

func (a *API) listSnapshots(w http.ResponseWriter, r *http.Request, c *caller) error {
	page, err := pageOf(r)
	if err != nil {
		return err
	}
	row, err := a.droplet(r, c)
	if err != nil {
		return err
	}
	snaps, total, err := a.servers.Snapshots(r.Context(), webrana.SnapshotFilter{InstanceID: row.ID, Page: page})
	if err != nil {
		return err
	}
	shown, err := a.snapshotViews(r, row, snaps)
	if err != nil {
		return err
	}
	writeJSON(w, http.StatusOK, map[string]any{"snapshots": shown, "links": pageLinks(r, page, total), "meta": meta{Total: total}})
	return nil
}

// snapshotViews renders a droplet's snapshots with their numbers; the
// distribution is the droplet's image's, the minimum disk its size's.
func (a *API) snapshotViews(r *http.Request, row *store.InstanceRow, snaps []*store.SnapshotRow) ([]snapshotView, error) {
	refs := make([]string, len(snaps))
	for i, s := range snaps {
		refs[i] = s.ID
	}
	numbers, err := a.servers.Numbers(r.Context(), refs)
	if err != nil {
		return nil, err
	}
	droplet, err := a.droplets(r.Context(), []*store.InstanceRow{row})
	if err != nil {
		return nil, err
	}
	dist := cmp.Or(droplet[0].Image.Distribution, "Unknown")
	out := make([]snapshotView, len(snaps))
	for i, s := range snaps {
		out[i] = snapshotView{ID: numbers[s.ID], Name: s.Name, Type: "snapshot", Distribution: dist,
			Regions: []string{s.Region}, CreatedAt: doTime(s.CreatedAt), MinDiskSize: droplet[0].Disk,
			SizeGigabytes: float64(s.SizeGB)}
	}
	return out, nil
}

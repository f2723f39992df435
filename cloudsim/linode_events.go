package cloudsim

import (
	"net/http"
	"slices"
	"strconv"
	"time"
)

// Linode has no action objects: what happens to a Linode is told by the
// account's events (GET /v4/account/events), as the spec describes them.
// Every request that makes the simulated Linode do something records one:
// linode_create, linode_boot, linode_reboot, linode_shutdown,
// linode_rebuild, linode_resize and password_reset start ("started") and
// end ("finished") on the Sim's clock, their percent_complete growing in
// between; linode_update (a rename or any other change of the Linode's
// fields) and linode_delete are notifications. An event whose Linode is
// deleted before it ends has "failed". Like the real API the list is newest
// first, paginated, filterable (action, created, id, read, seen, entity.id,
// entity.type) and goes back 90 days.

// Event actions the simulator records.
const (
	linodeEventCreate   = "linode_create"
	linodeEventBoot     = "linode_boot"
	linodeEventReboot   = "linode_reboot"
	linodeEventShutdown = "linode_shutdown"
	linodeEventRebuild  = "linode_rebuild"
	linodeEventResize   = "linode_resize"
	linodeEventUpdate   = "linode_update"
	linodeEventDelete   = "linode_delete"
	linodeEventPassword = "password_reset"
)

// linodeEventRetention is how far back the list goes.
const linodeEventRetention = 90 * 24 * time.Hour

// linodeEvent is an event as saved. Its status follows from the clock:
// started until FinishAt, then finished; a notification has no FinishAt.
type linodeEvent struct {
	ID       int       `json:"id"`
	Action   string    `json:"action"`
	Created  time.Time `json:"created"`
	FinishAt time.Time `json:"finish_at,omitzero"`
	Failed   bool      `json:"failed,omitempty"`
	EntityID int       `json:"entity_id"`
	Label    string    `json:"label"` // the Linode's label when the event was made
	Username string    `json:"username"`
}

type linodeEventJSON struct {
	ID              int               `json:"id"`
	Action          string            `json:"action"`
	Created         string            `json:"created"`
	Duration        *float64          `json:"duration,omitempty"`
	Entity          linodeEventEntity `json:"entity"`
	Message         *string           `json:"message"`
	PercentComplete *int              `json:"percent_complete,omitempty"`
	Read            bool              `json:"read"`
	Seen            bool              `json:"seen"`
	Status          string            `json:"status"`
	TimeRemaining   *string           `json:"time_remaining"`
	Username        string            `json:"username"`
}

type linodeEventEntity struct {
	ID    int    `json:"id"`
	Label string `json:"label"`
	Type  string `json:"type"`
	URL   string `json:"url"`
}

// Event statuses.
const (
	linodeEventStarted      = "started"
	linodeEventFinished     = "finished"
	linodeEventFailed       = "failed"
	linodeEventNotification = "notification"
)

// status is the event's status at now.
func (e *linodeEvent) status(now time.Time) string {
	switch {
	case e.FinishAt.IsZero():
		return linodeEventNotification
	case e.Failed:
		return linodeEventFailed
	case now.Before(e.FinishAt):
		return linodeEventStarted
	}
	return linodeEventFinished
}

// wire is the event as the API shows it at now. The entity's label is the
// Linode's current one while it exists (the spec: "the label may reflect
// changes that occur with this Event"). Notifications carry neither
// percent_complete nor duration: the real API sends null, which the spec's
// non-nullable fields do not allow, so they are left out.
func (e *linodeEvent) wire(st *linodeState, now time.Time) linodeEventJSON {
	label := e.Label
	if in := st.Instances[e.EntityID]; in != nil {
		label = in.Label
	}
	out := linodeEventJSON{ID: e.ID, Action: e.Action, Created: linodeTime(e.Created), Status: e.status(now),
		Entity: linodeEventEntity{ID: e.EntityID, Label: label, Type: "linode",
			URL: "/v4/linode/instances/" + strconv.Itoa(e.EntityID)}, Username: e.Username}
	if e.FinishAt.IsZero() {
		return out
	}
	end := now
	if e.FinishAt.Before(end) {
		end = e.FinishAt
	}
	if end.Before(e.Created) {
		end = e.Created
	}
	elapsed := end.Sub(e.Created)
	pct := 100
	if out.Status == linodeEventStarted {
		pct = int(99 * elapsed / max(e.FinishAt.Sub(e.Created), 1))
	}
	secs := elapsed.Seconds()
	out.PercentComplete, out.Duration = &pct, &secs
	return out
}

// field reads a filterable field of the event's wire form.
func (j *linodeEventJSON) field(name string) (any, bool) {
	switch name {
	case "id":
		return j.ID, true
	case "action":
		return j.Action, true
	case "created":
		return j.Created, true
	case "read":
		return j.Read, true
	case "seen":
		return j.Seen, true
	case "entity.id":
		return j.Entity.ID, true
	case "entity.type":
		return j.Entity.Type, true
	}
	return nil, false
}

// linodeEventFilterable are the fields X-Filter may use on events (the
// spec's __Filterable__ ones).
var linodeEventFilterable = map[string]bool{"id": true, "action": true, "created": true, "read": true,
	"seen": true, "entity.id": true, "entity.type": true}

// event records an event on a Linode. finish is when it ends (zero: a
// notification).
func (st *linodeState) event(c *call, in *linodeInstance, action string, finish time.Time) *linodeEvent {
	e := &linodeEvent{ID: c.sim.ids.next("event", 900000000), Action: action, Created: c.now.UTC(),
		FinishAt: finish, EntityID: in.ID, Label: in.Label, Username: linodeUsername(c.acct.Email)}
	st.Events = append(st.Events, e)
	return e
}

// failEvents ends the Linode's unfinished events as failed, at now.
func (st *linodeState) failEvents(id int, now time.Time) {
	for _, e := range st.Events {
		if e.EntityID == id && e.status(now) == linodeEventStarted {
			e.Failed, e.FinishAt = true, now
		}
	}
}

// recentEvents are the events of the last 90 days, newest first.
func (st *linodeState) recentEvents(now time.Time) []*linodeEvent {
	out := make([]*linodeEvent, 0, len(st.Events))
	for _, e := range slices.Backward(st.Events) {
		if now.Sub(e.Created) <= linodeEventRetention {
			out = append(out, e)
		}
	}
	return out
}

func (l *linode) listEvents(c *call) {
	q, ok := parseLinodeListQuery(c, linodeEventFilterable)
	if !ok {
		return
	}
	st := linodeStateOf(c)
	var matched []linodeEventJSON
	for _, e := range st.recentEvents(c.now) {
		if j := e.wire(st, c.now); q.filter.match(j.field) {
			matched = append(matched, j)
		}
	}
	matched = orderedBy(q.filter, matched, func(j linodeEventJSON) fieldGetter { return j.field })
	start, end := q.bounds(len(matched))
	writeLinodePage(c, q, len(matched), append([]linodeEventJSON{}, matched[start:end]...))
}

func (l *linode) getEvent(c *call) {
	st := linodeStateOf(c)
	id, err := strconv.Atoi(c.r.PathValue("eventId"))
	for _, e := range st.recentEvents(c.now) {
		if err == nil && e.ID == id {
			writeLinodeJSON(c, http.StatusOK, e.wire(st, c.now))
			return
		}
	}
	l.writeError(c, http.StatusNotFound, "Not found")
}

package doapi

import (
	"net/http"
	"net/url"
	"strconv"
	"strings"

	"github.com/webrana/webrana"
	"github.com/webrana/webrana/store"
)

// A droplet's "create" action. Webrana's order has no action row: placing
// it makes the server (pending, provisioning or held), and the order's job
// makes it active or failed. DigitalOcean's create answers links.actions
// with one create action per droplet, which tools such as doctl's --wait
// poll with GET /v2/actions/{id}. So the create action is synthetic: the
// public number of the ref "create:<server id>" (numbered when first shown,
// never given twice), its status read from the server's — in-progress until
// the server is set up, completed once it is (at its active_at), errored if
// the order failed. Only GET /v2/actions/{id} serves it; a droplet's action
// list shows its actions proper.

const createRefPrefix = "create:"

func createRef(instanceID string) string { return createRefPrefix + instanceID }

type actionLink struct {
	ID   int64  `json:"id"`
	Rel  string `json:"rel"`
	HRef string `json:"href"`
}

// createLinks are the create actions of new droplets, for links.actions.
func (a *API) createLinks(r *http.Request, rows []*store.InstanceRow) ([]actionLink, error) {
	refs := make([]string, len(rows))
	for i, row := range rows {
		refs[i] = createRef(row.ID)
	}
	numbers, err := a.servers.Numbers(r.Context(), refs)
	if err != nil {
		return nil, err
	}
	out := make([]actionLink, len(rows))
	for i, ref := range refs {
		out[i] = actionLink{ID: numbers[ref], Rel: "create", HRef: absolute(r, "/v2/actions/"+itoa(numbers[ref]))}
	}
	return out, nil
}

// createAction is the create action of the caller's server in, numbered n.
func createAction(row *store.InstanceRow, n, droplet int64) actionJSON {
	in := row.Instance
	v := actionJSON{ID: n, Status: "in-progress", Type: "create", StartedAt: doTime(in.CreatedAt),
		ResourceID: droplet, ResourceType: "droplet", RegionSlug: row.Region}
	switch in.Status {
	case webrana.StatusPending, webrana.StatusProvisioning, webrana.StatusHeld:
		return v
	}
	done := in.UpdatedAt
	if in.ActiveAt != nil {
		done = *in.ActiveAt
	}
	t := doTime(done)
	v.CompletedAt = &t
	v.Status = "completed"
	if in.Status == webrana.StatusFailed || (in.ActiveAt == nil && in.Status != webrana.StatusActive && in.Status != webrana.StatusOff) {
		v.Status = "errored" // failed, or deleted before it ever ran
	}
	return v
}

// getCreateAction answers GET /v2/actions/{id} for a create action; ok is
// false when n names something else.
func (a *API) getCreateAction(w http.ResponseWriter, r *http.Request, c *caller, n int64) (bool, error) {
	ref, err := a.servers.NumberedRef(r.Context(), n)
	if err != nil || !strings.HasPrefix(ref, createRefPrefix) {
		return false, nil // not found, or an action proper: getAction's path
	}
	notFound := webrana.Errorf(webrana.ENOTFOUND, "The resource you were accessing could not be found.")
	row, err := a.servers.Server(r.Context(), c.user(), strings.TrimPrefix(ref, createRefPrefix))
	if webrana.ErrorCode(err) == webrana.ENOTFOUND || (err == nil && row.OwnerID != c.user().ID) {
		return true, notFound
	}
	if err != nil {
		return true, err
	}
	numbers, err := a.servers.Numbers(r.Context(), []string{row.ID})
	if err != nil {
		return true, err
	}
	writeJSON(w, http.StatusOK, map[string]any{"action": createAction(row, n, numbers[row.ID])})
	return true, nil
}

// absolute is path on the address the request came to.
func absolute(r *http.Request, path string) string { return onAddress(r, path).String() }

// onAddress is path as a URL on the address the request came to, by the
// scheme it came by (behind a TLS proxy, X-Forwarded-Proto's).
func onAddress(r *http.Request, path string) *url.URL {
	u := &url.URL{Scheme: "http", Host: r.Host, Path: path}
	if r.TLS != nil || r.Header.Get("X-Forwarded-Proto") == "https" {
		u.Scheme = "https"
	}
	return u
}

func itoa(n int64) string { return strconv.FormatInt(n, 10) }

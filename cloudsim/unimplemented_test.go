package cloudsim_test

import (
	"context"
	"encoding/json"
	"strconv"
	"strings"
	"testing"

	"github.com/webrana/webrana/cloudsim"
)

// TestUnimplementedRoutesAnswerDistinctly: a route the simulator does not
// implement answers the provider's 404 body saying so, never the "resource
// is gone" message, and is counted in /_sim/stats.
func TestUnimplementedRoutesAnswerDistinctly(t *testing.T) {
	t.Parallel()
	h := newDOHarness(t, []cloudsim.AccountSpec{doAccount("tags", 5)})
	do := h.client(t, "tags")
	_, _, err := do.Tags.List(ctx, nil)
	er := wantDOError(t, err, 404, "The simulator (cloudsim) does not implement GET /v2/tags.")
	if er.Message == "The resource you were accessing could not be found." {
		t.Fatal("an unimplemented route looks like a missing resource")
	}
	d := mustCreate(t, do, createReq("firewalled"))
	_, _, err = do.Droplets.Neighbors(ctx, d.ID)
	wantDOError(t, err, 404, "The simulator (cloudsim) does not implement GET /v2/droplets/"+strconv.Itoa(d.ID)+"/neighbors.")

	e := newLinodeEnv(t)
	lin := e.account(t, cloudsim.AccountSpec{Token: "ips"})
	in := linodeCreate(t, lin, "addressed")
	_, err = lin.GetInstanceIPAddresses(context.Background(), in.ID)
	linodeErr(t, err, 404, "The simulator (cloudsim) does not implement GET /v4/linode/instances/"+strconv.Itoa(in.ID)+"/ips.")

	st := h.sim.Stats()
	if st.Unimplemented != 2 || len(st.UnimplementedRoutes) != 2 ||
		st.UnimplementedRoutes[0] != (cloudsim.RouteCount{Method: "GET", Path: "/v2/droplets/{id}/neighbors", Count: 1}) ||
		st.UnimplementedRoutes[1] != (cloudsim.RouteCount{Method: "GET", Path: "/v2/tags", Count: 1}) {
		t.Fatalf("stats: %d unimplemented, %+v", st.Unimplemented, st.UnimplementedRoutes)
	}
	if err := st.UnimplementedError(); err == nil || !strings.Contains(err.Error(), "GET /v2/tags (1)") {
		t.Fatalf("UnimplementedError = %v", err)
	}
	if ls := e.sim.Stats(); ls.Unimplemented != 1 || ls.UnimplementedRoutes[0].Path != "/v4/linode/instances/{id}/ips" {
		t.Fatalf("linode stats: %+v", ls.UnimplementedRoutes)
	}

	// The admin API shows them; resetting the counts clears them.
	code, body := send(t, "GET", h.url+"/_sim/stats", "", "")
	var raw map[string]any
	if err := json.Unmarshal([]byte(body), &raw); code != 200 || err != nil || raw["unimplemented"] != 2.0 {
		t.Fatalf("GET /_sim/stats: %d %s", code, body)
	}
	routes, _ := raw["unimplemented_routes"].([]any)
	if len(routes) != 2 || routes[1].(map[string]any)["path"] != "/v2/tags" || routes[1].(map[string]any)["count"] != 1.0 {
		t.Fatalf("unimplemented_routes: %v", raw["unimplemented_routes"])
	}
	h.sim.ResetStats()
	if st := h.sim.Stats(); st.Unimplemented != 0 || len(st.UnimplementedRoutes) != 0 || st.UnimplementedError() != nil {
		t.Fatalf("after reset: %+v", st)
	}
}

package cloudsim

import (
	"fmt"
	"net/http"
	"sort"
	"strings"

	"github.com/webrana/webrana/ratelimit"
)

// stats counts every request the providers answered. Guarded by Sim.mu.
type stats struct {
	requests      map[requestKey]int
	unimplemented map[RouteCount]int // by method and path, Count zero
	limitErrors   int
	rateLimited   int
	faults        int
}

type requestKey struct {
	Account string `json:"account"`
	Method  string `json:"method"`
	Path    string `json:"path"`
	Status  int    `json:"status"`
}

func (st *stats) init() {
	st.requests = map[requestKey]int{}
	st.unimplemented = map[RouteCount]int{}
}

func (st *stats) count(email, method, path string, status int) {
	st.requests[requestKey{Account: email, Method: method, Path: templatePath(path), Status: status}]++
}

// templatePath groups paths per endpoint, as the providers' limits do.
func templatePath(path string) string { return ratelimit.Template(path) }

// RequestCount is one row of /_sim/stats.
type RequestCount struct {
	requestKey
	Count int `json:"count"`
}

// RouteCount is one route the simulator was asked for and does not
// implement, with how often.
type RouteCount struct {
	Method string `json:"method"`
	Path   string `json:"path"` // numeric ids as {id}
	Count  int    `json:"count"`
}

// Stats is the body of GET /_sim/stats.
type Stats struct {
	Requests    []RequestCount `json:"requests"`
	LimitErrors int            `json:"limit_errors"`
	RateLimited int            `json:"rate_limited"`
	Faults      int            `json:"faults_injected"`
	// Unimplemented counts requests for routes the simulator does not
	// implement (answered 404 saying so); UnimplementedRoutes lists them.
	// A test that talks to the simulator checks both are empty: else it
	// tested against an answer no real provider gives.
	Unimplemented       int           `json:"unimplemented"`
	UnimplementedRoutes []RouteCount  `json:"unimplemented_routes"`
	Accounts            []AccountInfo `json:"accounts"`
}

// UnimplementedError describes the unimplemented routes that were asked
// for, or is nil when there were none.
func (st Stats) UnimplementedError() error {
	if st.Unimplemented == 0 {
		return nil
	}
	routes := make([]string, 0, len(st.UnimplementedRoutes))
	for _, r := range st.UnimplementedRoutes {
		routes = append(routes, fmt.Sprintf("%s %s (%d)", r.Method, r.Path, r.Count))
	}
	return fmt.Errorf("the simulator was asked %d times for routes it does not implement: %s",
		st.Unimplemented, strings.Join(routes, ", "))
}

// Stats returns the counts so far, rows sorted by account, path, method and
// status.
func (s *Sim) Stats() Stats {
	s.mu.Lock()
	defer s.mu.Unlock()
	out := Stats{Requests: []RequestCount{}, LimitErrors: s.stats.limitErrors, RateLimited: s.stats.rateLimited,
		Faults: s.stats.faults, UnimplementedRoutes: []RouteCount{}, Accounts: s.accountInfos()}
	for k, n := range s.stats.requests {
		out.Requests = append(out.Requests, RequestCount{requestKey: k, Count: n})
	}
	for k, n := range s.stats.unimplemented {
		k.Count = n
		out.Unimplemented += n
		out.UnimplementedRoutes = append(out.UnimplementedRoutes, k)
	}
	sort.Slice(out.UnimplementedRoutes, func(i, j int) bool {
		a, b := out.UnimplementedRoutes[i], out.UnimplementedRoutes[j]
		return a.Path < b.Path || (a.Path == b.Path && a.Method < b.Method)
	})
	sort.Slice(out.Requests, func(i, j int) bool {
		a, b := out.Requests[i], out.Requests[j]
		if a.Account != b.Account {
			return a.Account < b.Account
		}
		if a.Path != b.Path {
			return a.Path < b.Path
		}
		if a.Method != b.Method {
			return a.Method < b.Method
		}
		return a.Status < b.Status
	})
	return out
}

// ResetStats zeroes every counter.
func (s *Sim) ResetStats() {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.stats = stats{}
	s.stats.init()
}

// countLimitError records an answer refusing a create for the account limit.
func (c *call) countLimitError() { c.sim.stats.limitErrors++ }

// unimplemented answers a route the simulator does not implement: the
// provider's 404 body, with a message that says so (never the "resource
// is gone" answer a client would act on), counted in the stats.
func (c *call) unimplemented() {
	route := RouteCount{Method: c.r.Method, Path: templatePath(c.r.URL.Path)}
	c.sim.stats.unimplemented[route]++
	c.sim.cfg.Logger.Warn("cloudsim: route not implemented", "method", route.Method, "path", route.Path)
	c.p.writeError(c, http.StatusNotFound, fmt.Sprintf("The simulator (cloudsim) does not implement %s %s.", c.r.Method, c.r.URL.Path))
}

// countRateLimited records a 429 from the rate limiter.
func (c *call) countRateLimited() { c.sim.stats.rateLimited++ }

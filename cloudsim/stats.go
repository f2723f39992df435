package cloudsim

import (
	"sort"

	"github.com/webrana/webrana/ratelimit"
)

// stats counts every request the providers answered. Guarded by Sim.mu.
type stats struct {
	requests    map[requestKey]int
	limitErrors int
	rateLimited int
	faults      int
}

type requestKey struct {
	Account string `json:"account"`
	Method  string `json:"method"`
	Path    string `json:"path"`
	Status  int    `json:"status"`
}

func (st *stats) init() { st.requests = map[requestKey]int{} }

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

// Stats is the body of GET /_sim/stats.
type Stats struct {
	Requests    []RequestCount `json:"requests"`
	LimitErrors int            `json:"limit_errors"`
	RateLimited int            `json:"rate_limited"`
	Faults      int            `json:"faults_injected"`
	Accounts    []AccountInfo  `json:"accounts"`
}

// Stats returns the counts so far, rows sorted by account, path, method and
// status.
func (s *Sim) Stats() Stats {
	s.mu.Lock()
	defer s.mu.Unlock()
	out := Stats{Requests: []RequestCount{}, LimitErrors: s.stats.limitErrors, RateLimited: s.stats.rateLimited,
		Faults: s.stats.faults, Accounts: s.accountInfos()}
	for k, n := range s.stats.requests {
		out.Requests = append(out.Requests, RequestCount{requestKey: k, Count: n})
	}
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

// countRateLimited records a 429 from the rate limiter.
func (c *call) countRateLimited() { c.sim.stats.rateLimited++ }

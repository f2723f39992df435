package cloudsim

import (
	"errors"
	"math/rand/v2"
	"net/http"
	"strings"
	"sync"
)

// FaultSpec is the body of POST /_sim/faults (DESIGN.md §9): requests that
// match every given field get the fault. Status answers that HTTP status
// (with the provider's error body) instead of doing the work; Drop does the
// work and then loses the answer (the connection closes), the case a client
// cannot tell from a failure; LatencyMS delays the request first. Rate (0–1,
// default 1) is the share of matching requests affected; Count, when set,
// ends the fault after that many.
type FaultSpec struct {
	Provider   string  `json:"provider,omitempty"`
	Token      string  `json:"token,omitempty"`
	Method     string  `json:"method,omitempty"`
	PathPrefix string  `json:"path_prefix,omitempty"`
	Status     int     `json:"status,omitempty"`
	Drop       bool    `json:"drop,omitempty"`
	Rate       float64 `json:"rate,omitempty"`
	Count      int     `json:"count,omitempty"`
	LatencyMS  int     `json:"latency_ms,omitempty"`
}

type fault struct {
	FaultSpec
	left int // remaining when Count > 0
}

// AddFault installs a fault.
func (s *Sim) AddFault(f FaultSpec) error {
	switch {
	case f.Status != 0 && (f.Status < 400 || f.Status > 599):
		return errors.New("status must be an HTTP error status (400-599)")
	case f.Status != 0 && f.Drop:
		return errors.New("a fault either answers a status or drops the answer, not both")
	case f.Status == 0 && !f.Drop && f.LatencyMS == 0:
		return errors.New("give status, drop or latency_ms")
	case f.Rate < 0 || f.Rate > 1:
		return errors.New("rate must be between 0 and 1")
	case f.Count < 0 || f.LatencyMS < 0 || f.LatencyMS > 600_000:
		return errors.New("count and latency_ms must be positive (latency at most 10 minutes)")
	case f.Provider != "" && f.Provider != DigitalOcean && f.Provider != Linode:
		return errors.New("provider must be digitalocean or linode")
	}
	if f.Rate == 0 {
		f.Rate = 1
	}
	f.Method = strings.ToUpper(f.Method)
	s.mu.Lock()
	defer s.mu.Unlock()
	s.faults = append(s.faults, &fault{FaultSpec: f, left: f.Count})
	return nil
}

// ClearFaults removes every fault.
func (s *Sim) ClearFaults() {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.faults = nil
}

// matchFault returns the fault that applies to this request, if any, and
// uses up one of its Count.
func (s *Sim) matchFault(provider, token string, r *http.Request) *fault {
	s.mu.Lock()
	defer s.mu.Unlock()
	for i, f := range s.faults {
		if !f.matches(provider, token, r) || !s.rand.chance(f.Rate) {
			continue
		}
		if f.Count > 0 {
			f.left--
			if f.left == 0 {
				s.faults = append(s.faults[:i:i], s.faults[i+1:]...)
			}
		}
		return f
	}
	return nil
}

func (f *fault) matches(provider, token string, r *http.Request) bool {
	return (f.Provider == "" || f.Provider == provider) &&
		(f.Token == "" || f.Token == token) &&
		(f.Method == "" || f.Method == r.Method) &&
		strings.HasPrefix(r.URL.Path, f.PathPrefix)
}

// randSource is a seeded random source safe for concurrent use.
type randSource struct {
	mu sync.Mutex
	r  *rand.Rand
}

func newRandSource(seed int64) *randSource {
	return &randSource{r: rand.New(rand.NewPCG(uint64(seed), uint64(seed)^0x9e3779b97f4a7c15))}
}

func (r *randSource) chance(p float64) bool {
	if p >= 1 {
		return true
	}
	r.mu.Lock()
	defer r.mu.Unlock()
	return r.r.Float64() < p
}

// IntN returns a random int in [0, n).
func (r *randSource) IntN(n int) int {
	r.mu.Lock()
	defer r.mu.Unlock()
	return r.r.IntN(n)
}

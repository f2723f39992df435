package cloudsim

import (
	"errors"
	"fmt"
	"math/rand/v2"
	"net/http"
	"strings"
	"sync"
	"time"
)

// FaultSpec is the body of POST /_sim/faults (DESIGN.md §9): requests that
// match every given matching field get the fault.
//
// Matching: Provider ("digitalocean" or "linode"), Token, Method and
// PathPrefix narrow the requests; Rate (0–1, default 1) is the share of
// matching requests affected; Count, when set, ends the fault after that
// many.
//
// A fault either changes the answer:
//   - Status answers that HTTP status (400–599, with the provider's error
//     body) instead of doing the work;
//   - Drop does the work and then loses the answer (the connection closes),
//     the case a client cannot tell from a failure;
//   - LatencyMS delays the request first (at most 10 minutes);
//
// or changes how the provider carries out a request it accepts, as the
// real clouds are known to (each at most a day):
//   - StatusLagMS: an action (or create) the request starts completes on
//     time (DigitalOcean's action says "completed", Linode's event
//     "finished"), but the server's status follows only this long after:
//     until then the droplet shows its old status, the Linode its
//     transitional one (a Linode still counts as busy);
//   - IgnoreShutdown (DigitalOcean only): a shutdown action the request
//     starts completes as "completed", and the droplet stays active, as
//     DigitalOcean reports a best-effort shutdown the guest did not act on
//     (its docs: the shutdown "guarantees that the command is issued, not
//     that it succeeds"); power_off is what turns it off;
//   - CreateDelayMS: a server the request creates stays new (DigitalOcean)
//     or provisioning (Linode) this long instead of the create delay.
//
// An answer fault is used up when it matches a request; a behaviour fault
// when it takes effect (a shutdown ignored, an action or create started).
type FaultSpec struct {
	Provider   string  `json:"provider,omitempty"`
	Token      string  `json:"token,omitempty"`
	Method     string  `json:"method,omitempty"`
	PathPrefix string  `json:"path_prefix,omitempty"`
	Rate       float64 `json:"rate,omitempty"`
	Count      int     `json:"count,omitempty"`

	Status    int  `json:"status,omitempty"`
	Drop      bool `json:"drop,omitempty"`
	LatencyMS int  `json:"latency_ms,omitempty"`

	StatusLagMS    int  `json:"status_lag_ms,omitempty"`
	IgnoreShutdown bool `json:"ignore_shutdown,omitempty"`
	CreateDelayMS  int  `json:"create_delay_ms,omitempty"`
}

// maxBehaviourMS bounds the behaviour faults' delays: a day.
const maxBehaviourMS = 24 * 60 * 60 * 1000

// changesAnswer reports whether the fault changes the answer.
func (f *FaultSpec) changesAnswer() bool { return f.Status != 0 || f.Drop || f.LatencyMS != 0 }

// changesBehaviour reports whether the fault changes how a request is
// carried out.
func (f *FaultSpec) changesBehaviour() bool {
	return f.StatusLagMS != 0 || f.IgnoreShutdown || f.CreateDelayMS != 0
}

type fault struct {
	FaultSpec
	left int // remaining when Count > 0
}

// AddFault installs a fault.
func (s *Sim) AddFault(f FaultSpec) error {
	if err := f.validate(); err != nil {
		return err
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

func (f *FaultSpec) validate() error {
	switch {
	case f.Status != 0 && (f.Status < 400 || f.Status > 599):
		return errors.New("status must be an HTTP error status (400-599)")
	case f.Status != 0 && f.Drop:
		return errors.New("a fault either answers a status or drops the answer, not both")
	case !f.changesAnswer() && !f.changesBehaviour():
		return errors.New("give status, drop, latency_ms, status_lag_ms, ignore_shutdown or create_delay_ms")
	case f.changesAnswer() && f.changesBehaviour():
		return errors.New("a fault either changes the answer (status, drop, latency_ms) or how the provider " +
			"carries a request out (status_lag_ms, ignore_shutdown, create_delay_ms), not both: install two faults")
	case f.Rate < 0 || f.Rate > 1:
		return errors.New("rate must be between 0 and 1")
	case f.Count < 0 || f.LatencyMS < 0 || f.LatencyMS > 600_000:
		return errors.New("count and latency_ms must be positive (latency at most 10 minutes)")
	case f.StatusLagMS < 0 || f.StatusLagMS > maxBehaviourMS || f.CreateDelayMS < 0 || f.CreateDelayMS > maxBehaviourMS:
		return fmt.Errorf("status_lag_ms and create_delay_ms must be between 0 and %d (a day)", maxBehaviourMS)
	case f.Provider != "" && f.Provider != DigitalOcean && f.Provider != Linode:
		return errors.New("provider must be digitalocean or linode")
	case f.IgnoreShutdown && f.Provider == Linode:
		return errors.New("ignore_shutdown is DigitalOcean's (its shutdown is best-effort); Linode's shutdown is not ignored")
	}
	return nil
}

// ClearFaults removes every fault.
func (s *Sim) ClearFaults() {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.faults = nil
}

// matchFault returns the answer fault that applies to this request, if
// any, and uses up one of its Count.
func (s *Sim) matchFault(provider, token string, r *http.Request) *fault {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.takeFaultLocked(provider, token, r, (*FaultSpec).changesAnswer)
}

// takeFaultLocked returns the first fault of a kind that applies to the
// request, and uses up one of its Count. The Sim must be locked.
func (s *Sim) takeFaultLocked(provider, token string, r *http.Request, kind func(*FaultSpec) bool) *fault {
	for i, f := range s.faults {
		if !kind(&f.FaultSpec) || !f.matches(provider, token, r) || !s.rand.chance(f.Rate) {
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

// behaviour returns the behaviour fault of a kind that applies to the
// call, using it up and counting it, or nil. Handlers ask at the point
// where the behaviour would take effect.
func (c *call) behaviour(kind func(*FaultSpec) bool) *fault {
	f := c.sim.takeFaultLocked(c.p.name(), bearer(c.r), c.r, kind)
	if f != nil {
		c.sim.stats.faults++
	}
	return f
}

// statusLag is how long a server's status lags behind the action (or
// create) this call starts.
func (c *call) statusLag() time.Duration {
	if f := c.behaviour(func(f *FaultSpec) bool { return f.StatusLagMS > 0 }); f != nil {
		return time.Duration(f.StatusLagMS) * time.Millisecond
	}
	return 0
}

// createDelay is how long a server this call creates takes to be ready.
func (c *call) createDelay() time.Duration {
	if f := c.behaviour(func(f *FaultSpec) bool { return f.CreateDelayMS > 0 }); f != nil {
		return time.Duration(f.CreateDelayMS) * time.Millisecond
	}
	return c.sim.cfg.CreateDelay
}

// ignoresShutdown reports whether the shutdown this call starts is ignored.
func (c *call) ignoresShutdown() bool {
	return c.behaviour(func(f *FaultSpec) bool { return f.IgnoreShutdown }) != nil
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

package cloud

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"net/http"
	"strconv"
	"sync"
	"time"

	"github.com/webrana/webrana/ratelimit"
)

// Limit is a published rate limit: N requests per period.
type Limit struct {
	N   int
	Per time.Duration
}

// RateHeaders names the headers in which a provider reports what is left of
// the budget (Remaining) and when it refills (Reset, in Unix seconds).
type RateHeaders struct {
	Remaining, Reset string
}

// Pacers holds one Pacer per provider account, so that every Client of the
// process shares the account's request budget. Safe for concurrent use.
type Pacers struct {
	now   func() time.Time
	sleep func(context.Context, time.Duration) error

	mu sync.Mutex
	m  map[string]*Pacer
}

// NewPacers returns an empty set. now and sleep may be nil (real time).
func NewPacers(now func() time.Time, sleep func(context.Context, time.Duration) error) *Pacers {
	if now == nil {
		now = time.Now
	}
	if sleep == nil {
		sleep = realSleep
	}
	return &Pacers{now: now, sleep: sleep, m: map[string]*Pacer{}}
}

// For returns the pacer of an account, creating it with the provider's
// published limits. The token is only hashed, never kept.
func (ps *Pacers) For(provider, token string, limits []Limit, headers RateHeaders) *Pacer {
	sum := sha256.Sum256([]byte(provider + "\x00" + token))
	key := hex.EncodeToString(sum[:])
	ps.mu.Lock()
	defer ps.mu.Unlock()
	if p, ok := ps.m[key]; ok {
		return p
	}
	p := &Pacer{now: ps.now, sleep: ps.sleep, headers: headers, serverRemaining: -1}
	for _, l := range limits {
		p.windows = append(p.windows, ratelimit.New(l.N, l.Per))
	}
	ps.m[key] = p
	return p
}

// Pacer spaces one account's requests so that none is refused for rate: it
// counts what it sends against the published limits, and believes the
// provider's rate-limit headers when they say less is left.
//
// A request counts as current while it is in flight and is stamped with the
// time it completed: the provider counts it at arrival, which is never
// later, so the pacer's view is always at least as full as the provider's.
type Pacer struct {
	now     func() time.Time
	sleep   func(context.Context, time.Duration) error
	headers RateHeaders

	mu              sync.Mutex
	windows         []*ratelimit.Window
	inFlight        int
	serverRemaining int       // from the last response; -1 when unknown
	serverReset     time.Time // when serverRemaining refills
	blockedUntil    time.Time // after a 429
}

// pollInFlight is how long to wait when only the completion of requests in
// flight can free a slot.
const pollInFlight = 100 * time.Millisecond

// Wait blocks until a request may be sent, and counts it as in flight; the
// caller must call Done when it completes.
func (p *Pacer) Wait(ctx context.Context) error {
	for {
		wait := p.reserve()
		if wait <= 0 {
			return nil
		}
		if err := p.sleep(ctx, wait); err != nil {
			return err
		}
	}
}

// Done records the completion of a request Wait let through.
func (p *Pacer) Done() {
	p.mu.Lock()
	defer p.mu.Unlock()
	now := p.now()
	p.inFlight--
	for _, w := range p.windows {
		w.Add(now)
	}
}

// reserve counts a request if one may be sent now, else says how long to
// wait.
func (p *Pacer) reserve() time.Duration {
	p.mu.Lock()
	defer p.mu.Unlock()
	now := p.now()
	wait := p.blockedUntil.Sub(now)
	if p.serverRemaining == 0 && now.Before(p.serverReset) {
		wait = max(wait, p.serverReset.Sub(now))
	}
	for _, w := range p.windows {
		over := w.Count(now) + p.inFlight - w.Limit + 1
		if d, ok := w.WaitFor(now, over); ok {
			wait = max(wait, d)
		} else {
			wait = max(wait, pollInFlight)
		}
	}
	if wait > 0 {
		return wait
	}
	p.inFlight++
	if p.serverRemaining > 0 {
		p.serverRemaining--
	}
	return 0
}

// Observe corrects the budget from a response's headers.
func (p *Pacer) Observe(res *http.Response) {
	p.mu.Lock()
	defer p.mu.Unlock()
	now := p.now()
	if rem, err := strconv.Atoi(res.Header.Get(p.headers.Remaining)); err == nil {
		p.serverRemaining = rem
		if reset, err := strconv.ParseInt(res.Header.Get(p.headers.Reset), 10, 64); err == nil {
			p.serverReset = time.Unix(reset, 0)
		}
	}
	if res.StatusCode == http.StatusTooManyRequests {
		wait := time.Minute
		if secs, err := strconv.Atoi(res.Header.Get("Retry-After")); err == nil {
			wait = time.Duration(secs) * time.Second
		}
		p.blockedUntil = now.Add(wait)
	}
}

// Remaining is the budget left now: the least of the local count and what
// the provider last reported.
func (p *Pacer) Remaining() int {
	p.mu.Lock()
	defer p.mu.Unlock()
	now := p.now()
	left := -1
	for _, w := range p.windows {
		if r := max(0, w.Remaining(now)-p.inFlight); left < 0 || r < left {
			left = r
		}
	}
	if p.serverRemaining >= 0 && now.Before(p.serverReset) && (left < 0 || p.serverRemaining < left) {
		left = p.serverRemaining
	}
	return left
}

// Transport returns an http.RoundTripper that paces requests through p.
func (p *Pacer) Transport(base http.RoundTripper) http.RoundTripper {
	if base == nil {
		base = http.DefaultTransport
	}
	return pacedTransport{p: p, base: base}
}

type pacedTransport struct {
	p    *Pacer
	base http.RoundTripper
}

func (t pacedTransport) RoundTrip(req *http.Request) (*http.Response, error) {
	if err := t.p.Wait(req.Context()); err != nil {
		return nil, err
	}
	res, err := t.base.RoundTrip(req)
	t.p.Done()
	if err == nil {
		t.p.Observe(res)
	}
	return res, err
}

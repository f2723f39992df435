package cloud

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"fmt"
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

// RatePolicy is a provider's published rate limits. Requests fall into
// buckets, each with its own limits and its own budget at the provider
// (Linode limits creates, collections and the rest separately; DigitalOcean
// has one budget per token).
type RatePolicy struct {
	// Bucket names the bucket of a request and its limits.
	Bucket func(method, path string) (string, []Limit)
	// Remaining and Reset name the headers in which the provider reports
	// the request's bucket: what is left, and when it refills (Unix seconds).
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
		sleep = Sleep
	}
	return &Pacers{now: now, sleep: sleep, m: map[string]*Pacer{}}
}

// For returns the pacer of an account, creating it. The token is only
// hashed, never kept.
func (ps *Pacers) For(provider, token string, policy RatePolicy) *Pacer {
	sum := sha256.Sum256([]byte(provider + "\x00" + token))
	key := hex.EncodeToString(sum[:])
	ps.mu.Lock()
	defer ps.mu.Unlock()
	if p, ok := ps.m[key]; ok {
		return p
	}
	p := &Pacer{now: ps.now, sleep: ps.sleep, policy: policy, buckets: map[string]*bucket{}}
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
	now    func() time.Time
	sleep  func(context.Context, time.Duration) error
	policy RatePolicy

	mu      sync.Mutex
	buckets map[string]*bucket
}

// bucket is the budget of one kind of request.
type bucket struct {
	windows         []*ratelimit.Window
	inFlight        int
	serverRemaining int       // from the last response; -1 when unknown
	serverReset     time.Time // when serverRemaining refills
	blockedUntil    time.Time // after a 429
	throttled       int       // 429s in a row that said no wait, for the backoff
}

// held is how long the provider's answers hold the bucket's requests back:
// after a 429, or while it reports the budget spent.
func (b *bucket) held(now time.Time) time.Duration {
	wait := b.blockedUntil.Sub(now)
	if b.serverRemaining == 0 && now.Before(b.serverReset) {
		wait = max(wait, b.serverReset.Sub(now))
	}
	return max(0, wait)
}

const (
	// pollInFlight is how long to wait when only the completion of
	// requests in flight can free a slot.
	pollInFlight = 100 * time.Millisecond
	// After a 429 that says neither how long to wait nor when the budget
	// refills, the bucket waits backoff429, doubled with each such 429 in
	// a row up to maxBackoff429: such a 429 is usually a short burst limit
	// or a passing fault, and a minute would stall the account's work.
	backoff429    = time.Second
	maxBackoff429 = 16 * time.Second
)

func (p *Pacer) bucket(method, path string) *bucket {
	key, limits := p.policy.Bucket(method, path)
	b, ok := p.buckets[key]
	if !ok {
		b = &bucket{serverRemaining: -1}
		for _, l := range limits {
			b.windows = append(b.windows, ratelimit.New(l.N, l.Per))
		}
		p.buckets[key] = b
	}
	return b
}

// Wait blocks until a request may be sent, and counts it as in flight; the
// caller must call Done with the same method and path when it completes.
// With a ctx from FailFast that would end before the budget allows the
// request, it returns a *BudgetError at once instead of waiting in vain: a
// job can then come back later without spending its run waiting.
func (p *Pacer) Wait(ctx context.Context, method, path string) error {
	for {
		wait := p.reserve(method, path)
		if wait <= 0 {
			return nil
		}
		if deadline, ok := ctx.Deadline(); ok && failFast(ctx) && p.now().Add(wait).After(deadline) {
			return &BudgetError{Wait: wait}
		}
		if err := p.sleep(ctx, wait); err != nil {
			return err
		}
	}
}

type failFastKey struct{}

// FailFast marks ctx so that a request the account's budget cannot allow
// before ctx's deadline fails at once with a RateLimited error (RetryAfter
// says when it could go) rather than waiting until the deadline. The pacer
// compares its clock with the deadline, so use it where both are real time.
func FailFast(ctx context.Context) context.Context {
	return context.WithValue(ctx, failFastKey{}, true)
}

func failFast(ctx context.Context) bool { return ctx.Value(failFastKey{}) != nil }

// BudgetError says the account's request budget allows no request before
// the caller's deadline. The Client reports it as RateLimited with Wait as
// the RetryAfter; no request was sent.
type BudgetError struct{ Wait time.Duration }

func (e *BudgetError) Error() string {
	return fmt.Sprintf("request budget spent: next request allowed in %s", e.Wait.Round(time.Millisecond))
}

// reserve counts a request if one may be sent now, else says how long to
// wait.
func (p *Pacer) reserve(method, path string) time.Duration {
	p.mu.Lock()
	defer p.mu.Unlock()
	now := p.now()
	b := p.bucket(method, path)
	wait := b.held(now)
	for _, w := range b.windows {
		over := w.Count(now) + b.inFlight - w.Limit + 1
		if d, ok := w.WaitFor(now, over); ok {
			wait = max(wait, d)
		} else {
			wait = max(wait, pollInFlight)
		}
	}
	if wait > 0 {
		return wait
	}
	b.inFlight++
	if b.serverRemaining > 0 {
		b.serverRemaining--
	}
	return 0
}

// Done records the completion of a request Wait let through, and corrects
// the budget from its response's headers (res may be nil after a failure).
func (p *Pacer) Done(method, path string, res *http.Response) {
	p.mu.Lock()
	defer p.mu.Unlock()
	now := p.now()
	b := p.bucket(method, path)
	b.inFlight--
	for _, w := range b.windows {
		w.Add(now)
	}
	if res == nil {
		return
	}
	remaining, reset, reported := p.reported(res.Header)
	if reported {
		b.serverRemaining, b.serverReset = remaining, reset
	}
	if res.StatusCode != http.StatusTooManyRequests {
		b.throttled = 0 // the provider took a request: the next 429 starts the backoff again
		return
	}
	// Concurrent requests of one burst answer 429 together: the longest
	// wait any of them asks for stands, and the burst counts once in the
	// backoff.
	burst := now.Before(b.blockedUntil)
	b.blockedUntil = later(b.blockedUntil, now.Add(b.after429(res.Header, reported && remaining == 0, reset, now, !burst)))
}

func later(a, b time.Time) time.Time {
	if a.After(b) {
		return a
	}
	return b
}

// reported reads the provider's rate-limit headers: the budget left and,
// when given, when it refills (Unix seconds). DigitalOcean's reset is when
// the oldest request of the hour leaves the count, so one slot is free
// then; Linode's is when the bucket's window starts again.
func (p *Pacer) reported(h http.Header) (remaining int, reset time.Time, ok bool) {
	remaining, err := strconv.Atoi(h.Get(p.policy.Remaining))
	if err != nil {
		return 0, time.Time{}, false
	}
	if secs, err := strconv.ParseInt(h.Get(p.policy.Reset), 10, 64); err == nil {
		reset = time.Unix(secs, 0)
	}
	return remaining, reset, true
}

// after429 is how long a 429 holds its bucket: the Retry-After it carries;
// else, when it reports the budget spent, until the reset it reports; else
// the short backoff, doubled for each such 429 in a row (a new one counts
// when count says so).
func (b *bucket) after429(h http.Header, spent bool, reset, now time.Time, count bool) time.Duration {
	if secs, err := strconv.Atoi(h.Get("Retry-After")); err == nil && secs >= 0 {
		return time.Duration(secs) * time.Second
	}
	if spent && reset.After(now) {
		return reset.Sub(now)
	}
	if count || b.throttled == 0 {
		b.throttled++
	}
	return min(maxBackoff429, backoff429<<min(b.throttled-1, 8))
}

// RetryAfter is, for a driver classifying the 429 answer res, how long the
// pacer now holds back requests like res's, having read its headers: what
// it asked (Retry-After), or until the reset of the budget it reported
// spent, or else the backoff. Callers then wait as long as the pacer will.
func (p *Pacer) RetryAfter(res *http.Response) time.Duration {
	if res == nil || res.Request == nil {
		return 0
	}
	p.mu.Lock()
	defer p.mu.Unlock()
	return p.bucket(res.Request.Method, res.Request.URL.Path).held(p.now())
}

// Remaining is the budget left now for requests like the given one: the
// least of the local count and what the provider last reported.
func (p *Pacer) Remaining(method, path string) int {
	p.mu.Lock()
	defer p.mu.Unlock()
	now := p.now()
	b := p.bucket(method, path)
	left := -1
	for _, w := range b.windows {
		if r := max(0, w.Remaining(now)-b.inFlight); left < 0 || r < left {
			left = r
		}
	}
	if b.serverRemaining >= 0 && now.Before(b.serverReset) && (left < 0 || b.serverRemaining < left) {
		left = b.serverRemaining
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
	method, path := req.Method, req.URL.Path
	if err := t.p.Wait(req.Context(), method, path); err != nil {
		return nil, err
	}
	res, err := t.base.RoundTrip(req)
	t.p.Done(method, path, res)
	return res, err
}

// Package cloudsim simulates the DigitalOcean v2 and Linode v4 HTTP APIs for
// the endpoints Webrana uses, faithfully enough that the official godo and
// linodego clients cannot tell the difference: wire formats, pagination,
// error bodies, rate-limit headers, account limits and lifecycles, all as
// the official OpenAPI specs (../shared/specs) describe them.
//
// It is multi-tenant by bearer token (each token is one provider account),
// runs on an injectable clock, injects faults on demand (wrong answers, and
// the misbehaviours the real clouds are known for), counts every request,
// and saves every change before answering it when given a state file
// (persist.go). A route it does not implement answers a 404 saying so and
// is counted, so that tests can refuse to pass on answers no real provider
// gives (cloudtest.CheckImplemented). It runs in-process in sandbox mode
// and standalone as `webrana sim`; its admin API is under /_sim/ (see
// admin.go).
//
// Concurrency: one mutex guards all state. Provider handlers run under it
// and write into a buffer; the response reaches the network after the lock
// is released, so a slow client never holds up the others.
package cloudsim

import (
	"bytes"
	"context"
	"log/slog"
	"net/http"
	"strings"
	"sync"
	"time"
)

// Provider names, as Webrana's provider types.
const (
	DigitalOcean = "digitalocean"
	Linode       = "linode"
)

// Config configures a Sim. Zero values take defaults.
type Config struct {
	Now         func() time.Time                     // the clock lifecycles follow (default time.Now)
	Sleep       func(context.Context, time.Duration) // how injected latency waits (default: a timer)
	CreateDelay time.Duration                        // new→active, provisioning→running (default 30s)
	ActionDelay time.Duration                        // action in-progress→completed (default 10s)
	Logger      *slog.Logger
	Seed        int64 // seeds fault rates and generated addresses (default 1), for reproducible runs
	// StatePath, when set, is the file every change is saved to before it
	// is answered (see persist.go); Load it at start.
	StatePath string
}

// Sim is a simulated DigitalOcean and Linode.
type Sim struct {
	cfg Config

	mu        sync.Mutex
	accounts  map[string]*account // by token
	order     []string            // tokens in creation order
	providers map[string]provider
	faults    []*fault
	stats     stats
	ids       idSource
	rand      *randSource

	generation      uint64     // changes so far (guarded by mu)
	saveMu          sync.Mutex // serialises saves to StatePath
	savedGeneration uint64     // the change the file holds (guarded by saveMu)
}

// New returns an empty simulator.
func New(cfg Config) *Sim {
	if cfg.Now == nil {
		cfg.Now = time.Now
	}
	if cfg.Sleep == nil {
		cfg.Sleep = sleepCtx
	}
	if cfg.CreateDelay <= 0 {
		cfg.CreateDelay = 30 * time.Second
	}
	if cfg.ActionDelay <= 0 {
		cfg.ActionDelay = 10 * time.Second
	}
	if cfg.Logger == nil {
		cfg.Logger = slog.New(slog.DiscardHandler)
	}
	if cfg.Seed == 0 {
		cfg.Seed = 1
	}
	s := &Sim{cfg: cfg, accounts: map[string]*account{}, providers: map[string]provider{}, rand: newRandSource(cfg.Seed)}
	s.stats.init()
	for _, p := range []provider{newDigitalOcean(s), newLinode(s)} {
		s.providers[p.name()] = p
	}
	return s
}

func sleepCtx(ctx context.Context, d time.Duration) {
	t := time.NewTimer(d)
	defer t.Stop()
	select {
	case <-t.C:
	case <-ctx.Done():
	}
}

// provider is one simulated cloud. Its handlers run with the Sim locked.
type provider interface {
	name() string
	// prefix is the path prefix of its API, such as "/v2/".
	prefix() string
	// register adds its routes to mux; each handler gets a *call.
	register(mux *callMux)
	// newState returns the provider-side state of a new account.
	newState() providerState
	// writeError writes the provider's error body for status, with message.
	writeError(c *call, status int, message string)
	// limit applies the provider's rate limits to a request, writing the
	// rate-limit headers; it returns false after answering 429.
	limit(c *call) bool
}

// providerState is one account's resources at its provider. Methods run
// with the Sim locked.
type providerState interface {
	// instances counts the account's servers (those not deleted).
	instances() int
	// addForeign creates n servers not made by Webrana, already running.
	addForeign(s *Sim, a *account, n int)
	// settle advances lifecycles (creates, actions) to now.
	settle(now time.Time)
}

// Handler serves the providers' APIs (/v2/, /v4/) and the admin API (/_sim/).
func (s *Sim) Handler() http.Handler {
	mux := http.NewServeMux()
	mux.Handle("/_sim/", s.AdminHandler())
	for _, p := range s.providers {
		cm := &callMux{sim: s, p: p, mux: http.NewServeMux()}
		p.register(cm)
		mux.Handle(p.prefix(), cm)
	}
	return mux
}

// call is one provider request being answered, under the Sim's lock.
type call struct {
	sim  *Sim
	p    provider
	acct *account
	now  time.Time
	r    *http.Request
	w    *bufferedWriter
}

// Account returns the calling account.
func (c *call) Account() *account { return c.acct }

// callMux routes provider requests: stats, faults, authentication, rate
// limits, then the provider's handler, under the lock.
type callMux struct {
	sim *Sim
	p   provider
	mux *http.ServeMux
}

// handle registers a provider handler for a net/http pattern.
func (m *callMux) handle(pattern string, h func(*call)) {
	m.mux.HandleFunc(pattern, func(w http.ResponseWriter, r *http.Request) {
		h(w.(*callWriter).call)
	})
}

// callWriter carries the call through the inner mux to the handler.
type callWriter struct {
	*bufferedWriter
	call *call
}

func (m *callMux) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	s := m.sim
	token := bearer(r)
	f := s.matchFault(m.p.name(), token, r)
	if f != nil && f.LatencyMS > 0 {
		s.cfg.Sleep(r.Context(), time.Duration(f.LatencyMS)*time.Millisecond)
	}
	buf := newBufferedWriter()
	s.mu.Lock()
	c := &call{sim: s, p: m.p, now: s.cfg.Now(), r: r, w: buf}
	c.acct = s.accounts[token]
	var change uint64
	switch {
	case c.acct == nil || c.acct.Revoked || c.acct.Provider != m.p.name():
		c.acct = nil
		m.p.writeError(c, http.StatusUnauthorized, "Unable to authenticate you")
	case f != nil && f.Status != 0 && !f.Drop:
		s.stats.faults++
		m.p.writeError(c, f.Status, "injected fault")
	case m.p.limit(c):
		c.acct.state.settle(c.now)
		m.mux.ServeHTTP(&callWriter{bufferedWriter: buf, call: c}, r)
		if mayChange(r.Method, buf.status()) {
			change = s.changedLocked(c.acct)
		}
	}
	s.mu.Unlock()

	if err := s.persist(change); err != nil {
		buf = newBufferedWriter()
		c.w = buf
		m.p.writeError(c, http.StatusInternalServerError, "The simulator could not save its state.")
	}
	s.count(c, buf.status())

	if f != nil && f.Drop {
		s.drop(w) // the work is done; the answer is lost
		return
	}
	buf.flushTo(w)
}

// mayChange reports whether a request answered with status may have changed
// the state: reads never do (what they show that follows from the clock is
// computed again on load), refusals never do.
func mayChange(method string, status int) bool {
	return method != http.MethodGet && method != http.MethodHead && status < 400
}

// count records the call's answer in the stats.
func (s *Sim) count(c *call, status int) {
	email := ""
	if c.acct != nil {
		email = c.acct.Email
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	s.stats.count(email, c.r.Method, c.r.URL.Path, status)
}

// drop closes the client's connection without an answer.
func (s *Sim) drop(w http.ResponseWriter) {
	s.mu.Lock()
	s.stats.faults++
	s.mu.Unlock()
	if hj, ok := w.(http.Hijacker); ok {
		if conn, _, err := hj.Hijack(); err == nil {
			conn.Close()
			return
		}
	}
	panic(http.ErrAbortHandler) // HTTP/2 or a test recorder: abort the stream
}

func bearer(r *http.Request) string {
	h := r.Header.Get("Authorization")
	if t, ok := strings.CutPrefix(h, "Bearer "); ok {
		return strings.TrimSpace(t)
	}
	return ""
}

// bufferedWriter is an http.ResponseWriter that keeps the answer in memory.
type bufferedWriter struct {
	header http.Header
	code   int
	body   bytes.Buffer
}

func newBufferedWriter() *bufferedWriter { return &bufferedWriter{header: http.Header{}} }

func (b *bufferedWriter) Header() http.Header { return b.header }
func (b *bufferedWriter) WriteHeader(code int) {
	if b.code == 0 {
		b.code = code
	}
}
func (b *bufferedWriter) Write(p []byte) (int, error) {
	b.WriteHeader(http.StatusOK)
	return b.body.Write(p)
}

func (b *bufferedWriter) status() int {
	if b.code == 0 {
		return http.StatusOK
	}
	return b.code
}

func (b *bufferedWriter) flushTo(w http.ResponseWriter) {
	for k, v := range b.header {
		w.Header()[k] = v
	}
	w.WriteHeader(b.status())
	_, _ = w.Write(b.body.Bytes())
}

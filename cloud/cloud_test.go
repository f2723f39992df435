package cloud_test

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"net/http/httptest"
	"strconv"
	"sync"
	"testing"
	"time"

	"github.com/webrana/webrana/cloud"
)

// flakyDriver fails each call with the queued errors, then succeeds. It is
// the edge the portable layer is tested against; real drivers are tested by
// cloudtest against the simulator.
type flakyDriver struct {
	cloud.Driver // unimplemented methods panic
	caps         cloud.Capabilities
	mu           sync.Mutex
	errs         []error
	calls        int
}

type providerErr struct {
	code       cloud.ErrorCode
	retryAfter time.Duration
}

func (e providerErr) Error() string { return "provider said " + e.code.String() }

func (d *flakyDriver) Provider() string                 { return "testcloud" }
func (d *flakyDriver) Capabilities() cloud.Capabilities { return d.caps }
func (d *flakyDriver) Classify(err error) *cloud.Error {
	var pe providerErr
	if errors.As(err, &pe) {
		return &cloud.Error{Code: pe.code, RetryAfter: pe.retryAfter, Message: pe.Error()}
	}
	return nil
}
func (d *flakyDriver) next() error {
	d.mu.Lock()
	defer d.mu.Unlock()
	d.calls++
	if len(d.errs) == 0 {
		return nil
	}
	err := d.errs[0]
	d.errs = d.errs[1:]
	return err
}
func (d *flakyDriver) GetInstance(ctx context.Context, id string) (*cloud.Instance, error) {
	if err := d.next(); err != nil {
		return nil, err
	}
	return &cloud.Instance{ID: id}, nil
}
func (d *flakyDriver) CreateInstance(ctx context.Context, req *cloud.CreateRequest) (*cloud.Instance, error) {
	if err := d.next(); err != nil {
		return nil, err
	}
	return &cloud.Instance{ID: "1", Name: req.Name}, nil
}
func (d *flakyDriver) DoAction(ctx context.Context, id string, req cloud.ActionRequest) (*cloud.Action, error) {
	if err := d.next(); err != nil {
		return nil, err
	}
	return &cloud.Action{ID: "1", Type: req.Type, Status: cloud.ActionInProgress}, nil
}

// recordSleep is a Sleep that records waits instead of waiting.
type recordSleep struct {
	mu    sync.Mutex
	waits []time.Duration
}

func (r *recordSleep) Sleep(ctx context.Context, d time.Duration) error {
	r.mu.Lock()
	defer r.mu.Unlock()
	r.waits = append(r.waits, d)
	return nil
}

func TestReadsRetryTransientErrors(t *testing.T) {
	tests := []struct {
		name      string
		errs      []error
		wantCode  cloud.ErrorCode
		wantCalls int
		wantWaits []time.Duration
	}{
		{"success", nil, cloud.Unknown, 1, nil},
		{"5xx twice then ok", []error{providerErr{code: cloud.Unavailable}, providerErr{code: cloud.Unavailable}}, cloud.Unknown, 3,
			[]time.Duration{time.Second, 2 * time.Second}},
		{"429 honours Retry-After", []error{providerErr{code: cloud.RateLimited, retryAfter: 7 * time.Second}}, cloud.Unknown, 2,
			[]time.Duration{7 * time.Second}},
		{"not found is final", []error{providerErr{code: cloud.NotFound}}, cloud.NotFound, 1, nil},
		{"unauthorized is final", []error{providerErr{code: cloud.Unauthorized}}, cloud.Unauthorized, 1, nil},
		{"gives up after the retries", []error{providerErr{code: cloud.Unavailable}, providerErr{code: cloud.Unavailable},
			providerErr{code: cloud.Unavailable}, providerErr{code: cloud.Unavailable}}, cloud.Unavailable, 4,
			[]time.Duration{time.Second, 2 * time.Second, 4 * time.Second}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			d := &flakyDriver{errs: tt.errs}
			sl := &recordSleep{}
			var observed []error
			c := cloud.New(d, &cloud.Options{Sleep: sl.Sleep, Observe: func(op string, err error) { observed = append(observed, err) }})
			_, err := c.GetInstance(context.Background(), "42")
			if cloud.Code(err) != tt.wantCode || (tt.wantCode == cloud.Unknown) != (err == nil) {
				t.Fatalf("err = %v (code %v), want code %v", err, cloud.Code(err), tt.wantCode)
			}
			if d.calls != tt.wantCalls || len(sl.waits) != len(tt.wantWaits) {
				t.Fatalf("calls %d waits %v, want %d calls waits %v", d.calls, sl.waits, tt.wantCalls, tt.wantWaits)
			}
			for i := range tt.wantWaits {
				if sl.waits[i] != tt.wantWaits[i] {
					t.Errorf("wait %d = %v, want %v", i, sl.waits[i], tt.wantWaits[i])
				}
			}
			if len(observed) != 1 || (observed[0] == nil) != (err == nil) {
				t.Errorf("observed %v, want the one final outcome", observed)
			}
			var e *cloud.Error
			if err != nil && (!errors.As(err, &e) || e.Provider != "testcloud" || e.Op != "GetInstance" || e.Err == nil) {
				t.Errorf("error not wrapped with provider and op: %#v", err)
			}
		})
	}
}

func TestCreatesAreNeverRetried(t *testing.T) {
	d := &flakyDriver{errs: []error{providerErr{code: cloud.Unavailable}}}
	c := cloud.New(d, &cloud.Options{Sleep: (&recordSleep{}).Sleep})
	_, err := c.CreateInstance(context.Background(), &cloud.CreateRequest{Name: "web-1", Region: "sgp1", Size: "s-1vcpu-1gb", Image: "ubuntu-24-04-x64"})
	if cloud.Code(err) != cloud.Unavailable || d.calls != 1 {
		t.Fatalf("create: %v after %d calls; a lost create must not be repeated blindly", err, d.calls)
	}
}

func TestCreateValidatesBeforeCalling(t *testing.T) {
	ok := cloud.CreateRequest{Name: "web-1", Region: "sgp1", Size: "s-1vcpu-1gb", Image: "ubuntu-24-04-x64"}
	tests := map[string]func(r *cloud.CreateRequest){
		"name":      func(r *cloud.CreateRequest) { r.Name = "" },
		"region":    func(r *cloud.CreateRequest) { r.Region = "" },
		"size":      func(r *cloud.CreateRequest) { r.Size = "" },
		"image":     func(r *cloud.CreateRequest) { r.Image = "" },
		"user_data": func(r *cloud.CreateRequest) { r.UserData = string(make([]byte, cloud.MaxUserData+1)) },
	}
	for field, spoil := range tests {
		d := &flakyDriver{}
		req := ok
		spoil(&req)
		_, err := cloud.New(d, nil).CreateInstance(context.Background(), &req)
		var e *cloud.Error
		if !errors.As(err, &e) || e.Code != cloud.InvalidArgument || e.Field != field || d.calls != 0 {
			t.Errorf("%s: err %v, %d driver calls; want InvalidArgument on %s before any call", field, err, d.calls, field)
		}
	}
}

// fakeClock is a clock that sleeping advances.
type fakeClock struct {
	mu  sync.Mutex
	now time.Time
}

func (c *fakeClock) Now() time.Time { c.mu.Lock(); defer c.mu.Unlock(); return c.now }
func (c *fakeClock) Sleep(ctx context.Context, d time.Duration) error {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.now = c.now.Add(d)
	return nil
}

func TestPacerKeepsUnderThePublishedLimit(t *testing.T) {
	clock := &fakeClock{now: time.Date(2031, 1, 1, 0, 0, 0, 0, time.UTC)}
	ps := cloud.NewPacers(clock.Now, clock.Sleep)
	policy := onePolicy(cloud.Limit{N: 10, Per: time.Minute})
	p := ps.For("digitalocean", "token-a", policy)
	if ps.For("digitalocean", "token-a", policy) != p {
		t.Fatal("two clients of one account got different pacers")
	}
	if ps.For("digitalocean", "token-b", policy) == p {
		t.Fatal("two accounts share a pacer")
	}
	start := clock.Now()
	var wg sync.WaitGroup
	var mu sync.Mutex
	var sent []time.Time
	for range 25 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			if err := p.Wait(context.Background(), "GET", "/v2/account"); err != nil {
				t.Error(err)
			}
			mu.Lock()
			sent = append(sent, clock.Now())
			mu.Unlock()
			p.Done("GET", "/v2/account", nil)
		}()
	}
	wg.Wait()
	// However the goroutines interleave, no minute may hold more than 10.
	for _, a := range sent {
		n := 0
		for _, b := range sent {
			if !b.Before(a) && b.Before(a.Add(time.Minute)) {
				n++
			}
		}
		if n > 10 {
			t.Fatalf("%d requests within a minute of %v, limit 10", n, a)
		}
	}
	if clock.Now().Sub(start) < 2*time.Minute {
		t.Fatalf("25 requests at 10/min took %v, want at least 2 minutes", clock.Now().Sub(start))
	}
}

func TestPacerBelievesTheProvidersHeaders(t *testing.T) {
	clock := &fakeClock{now: time.Date(2031, 1, 1, 0, 0, 0, 0, time.UTC)}
	reset := clock.Now().Add(40 * time.Second)
	remaining := 1
	status := http.StatusOK
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Ratelimit-Remaining", strconv.Itoa(remaining))
		w.Header().Set("Ratelimit-Reset", strconv.FormatInt(reset.Unix(), 10))
		if status == http.StatusTooManyRequests {
			w.Header().Set("Retry-After", "90")
		}
		w.WriteHeader(status)
	}))
	defer srv.Close()
	policy := onePolicy(cloud.Limit{N: 5000, Per: time.Hour})
	policy.Remaining, policy.Reset = "Ratelimit-Remaining", "Ratelimit-Reset"
	p := cloud.NewPacers(clock.Now, clock.Sleep).For("digitalocean", "t", policy)
	client := &http.Client{Transport: p.Transport(nil)}
	get := func() {
		res, err := client.Get(srv.URL)
		if err != nil {
			t.Fatal(err)
		}
		res.Body.Close()
	}
	remaining = 0 // the provider says the budget is spent, though we sent one request
	get()
	if got := p.Remaining("GET", "/"); got != 0 {
		t.Fatalf("Remaining = %d after the provider said 0", got)
	}
	before := clock.Now()
	remaining = 100
	get() // must wait for the reset
	if waited := clock.Now().Sub(before); waited != 40*time.Second {
		t.Fatalf("waited %v, want the 40s until the provider's reset", waited)
	}
	status = http.StatusTooManyRequests
	get()
	status = http.StatusOK
	before = clock.Now()
	get()
	if waited := clock.Now().Sub(before); waited != 90*time.Second {
		t.Fatalf("after a 429 waited %v, want its Retry-After of 90s", waited)
	}
}

// TestPacerCountsRequestsInFlight: a slot is free again only a full period
// after the request that held it completed, never while it is in flight.
func TestPacerCountsRequestsInFlight(t *testing.T) {
	clock := &fakeClock{now: time.Date(2031, 1, 1, 0, 0, 0, 0, time.UTC)}
	p := cloud.NewPacers(clock.Now, clock.Sleep).For("linode", "t", onePolicy(cloud.Limit{N: 1, Per: time.Minute}))
	if err := p.Wait(context.Background(), "GET", "/v4/account"); err != nil {
		t.Fatal(err)
	}
	clock.Sleep(context.Background(), 5*time.Minute) // the request is slow: still in flight
	if got := p.Remaining("GET", "/v4/account"); got != 0 {
		t.Fatalf("Remaining = %d with the only slot in flight", got)
	}
	completed := clock.Now()
	p.Done("GET", "/v4/account", nil)
	if err := p.Wait(context.Background(), "GET", "/v4/account"); err != nil {
		t.Fatal(err)
	}
	if got := clock.Now().Sub(completed); got != time.Minute {
		t.Fatalf("next request went %v after the first completed, want exactly the 1m period", got)
	}
}

// onePolicy puts every request in one bucket with the given limits.
func onePolicy(limits ...cloud.Limit) cloud.RatePolicy {
	return cloud.RatePolicy{Bucket: func(string, string) (string, []cloud.Limit) { return "all", limits }}
}

// TestPacerKeepsBucketsApart: a full bucket holds up only its own kind of
// request.
func TestPacerKeepsBucketsApart(t *testing.T) {
	clock := &fakeClock{now: time.Date(2031, 1, 1, 0, 0, 0, 0, time.UTC)}
	policy := cloud.RatePolicy{Bucket: func(method, path string) (string, []cloud.Limit) {
		if method == "POST" {
			return "create", []cloud.Limit{{N: 1, Per: time.Minute}}
		}
		return "read", []cloud.Limit{{N: 100, Per: time.Minute}}
	}}
	p := cloud.NewPacers(clock.Now, clock.Sleep).For("linode", "t", policy)
	for _, method := range []string{"POST", "GET", "GET"} {
		if err := p.Wait(context.Background(), method, "/x"); err != nil {
			t.Fatal(err)
		}
		p.Done(method, "/x", nil)
	}
	start := clock.Now()
	if err := p.Wait(context.Background(), "GET", "/x"); err != nil || clock.Now() != start {
		t.Fatalf("a read waited %v behind the full create bucket", clock.Now().Sub(start))
	}
	p.Done("GET", "/x", nil)
	if err := p.Wait(context.Background(), "POST", "/x"); err != nil || clock.Now().Sub(start) != time.Minute {
		t.Fatalf("the second create waited %v, want its bucket's minute", clock.Now().Sub(start))
	}
}

// TestPacerFailsFastPastTheDeadline: with FailFast, a request the budget
// cannot allow before the deadline fails at once, as RateLimited through a
// Client, saying when it could go; without it the pacer waits.
func TestPacerFailsFastPastTheDeadline(t *testing.T) {
	clock := &fakeClock{now: time.Date(2031, 1, 1, 0, 0, 0, 0, time.UTC)}
	p := cloud.NewPacers(clock.Now, clock.Sleep).For("linode", "t", onePolicy(cloud.Limit{N: 1, Per: time.Minute}))
	if err := p.Wait(context.Background(), "GET", "/v4/account"); err != nil {
		t.Fatal(err)
	}
	p.Done("GET", "/v4/account", nil)

	ctx, cancel := context.WithDeadline(cloud.FailFast(context.Background()), clock.Now().Add(10*time.Second))
	defer cancel()
	before := clock.Now()
	err := p.Wait(ctx, "GET", "/v4/account")
	var budget *cloud.BudgetError
	if !errors.As(err, &budget) || budget.Wait != time.Minute || clock.Now() != before {
		t.Fatalf("Wait past the deadline = %v after %v, want a BudgetError of 1m at once", err, clock.Now().Sub(before))
	}
	// As a driver's client reports it: the transport's error, wrapped.
	d := &flakyDriver{errs: []error{fmt.Errorf("Get /v4/linode/instances/1: %w", err)}}
	real, cancelReal := context.WithTimeout(cloud.FailFast(context.Background()), 10*time.Second)
	defer cancelReal()
	c := cloud.New(d, &cloud.Options{Sleep: clock.Sleep})
	_, err = c.GetInstance(real, "1")
	if cloud.Code(err) != cloud.RateLimited || cloud.RetryAfter(err) != time.Minute || clock.Now() != before {
		t.Fatalf("through a Client: %v (retry after %v), waited %v; want RateLimited with 1m, no wait", err, cloud.RetryAfter(err), clock.Now().Sub(before))
	}
	if d.calls != 1 {
		t.Fatalf("the Client tried %d times; a retry it cannot wait for is not made", d.calls)
	}

	plain, cancel2 := context.WithDeadline(context.Background(), clock.Now().Add(10*time.Second))
	defer cancel2()
	if err := p.Wait(plain, "GET", "/v4/account"); err != nil || clock.Now().Sub(before) != time.Minute {
		t.Fatalf("without FailFast: %v after %v, want to wait the minute", err, clock.Now().Sub(before))
	}
}

// answer is one response of the provider in a pacer test.
type answer struct {
	status     int
	retryAfter string // Retry-After, when set
	remaining  string // Ratelimit-Remaining, when set, with a reset resetIn from now
	resetIn    time.Duration
}

// TestPacerAfterA429 sends requests through a pacer on a fake clock to a
// provider answering each in turn, and checks how long each answer holds
// the next request back. A 429 that says nothing blocks for a short
// backoff that doubles while 429s come in a row, and starts again after
// any other answer; a reset the provider reports with an empty budget, or
// a Retry-After, is believed; a reset with budget left says nothing about
// a 429 (it was another limit) and the backoff applies.
// TestPacerBurstOf429s: requests in flight together answered 429 together
// are one burst: the longest wait any asks for stands (a bare 429 after a
// Retry-After of a minute does not shorten it), and the burst counts once
// in the backoff.
func TestPacerBurstOf429s(t *testing.T) {
	clock := &fakeClock{now: time.Date(2031, 1, 1, 0, 0, 0, 0, time.UTC)}
	p := cloud.NewPacers(clock.Now, clock.Sleep).For("digitalocean", "t", onePolicy(cloud.Limit{N: 5000, Per: time.Hour}))
	ctx := context.Background()
	answer := func(retryAfter string) *http.Response {
		res := &http.Response{StatusCode: http.StatusTooManyRequests, Header: http.Header{}}
		if retryAfter != "" {
			res.Header.Set("Retry-After", retryAfter)
		}
		return res
	}
	for range 3 {
		if err := p.Wait(ctx, "GET", "/v2/droplets"); err != nil {
			t.Fatal(err)
		}
	}
	p.Done("GET", "/v2/droplets", answer("60"))
	p.Done("GET", "/v2/droplets", answer(""))
	p.Done("GET", "/v2/droplets", answer(""))
	before := clock.Now()
	if err := p.Wait(ctx, "GET", "/v2/droplets"); err != nil {
		t.Fatal(err)
	}
	if waited := clock.Now().Sub(before); waited != time.Minute {
		t.Fatalf("after a burst with Retry-After 60 the next request waited %v, want 1m", waited)
	}
	p.Done("GET", "/v2/droplets", answer(""))
	before = clock.Now()
	if err := p.Wait(ctx, "GET", "/v2/droplets"); err != nil {
		t.Fatal(err)
	}
	if waited := clock.Now().Sub(before); waited != 2*time.Second {
		t.Fatalf("a bare 429 after a burst of two bare ones waited %v, want 2s (the burst counted once)", waited)
	}
}

func TestPacerAfterA429(t *testing.T) {
	ok, bare := answer{status: 200}, answer{status: 429}
	tests := []struct {
		name    string
		answers []answer
		holds   []int // seconds each answer holds the next request back
	}{
		{"a bare 429 holds a second, not a minute", []answer{bare, ok}, []int{1, 0}},
		{"429s in a row double the backoff", []answer{bare, bare, bare, bare, ok}, []int{1, 2, 4, 8, 0}},
		{"the backoff is capped", []answer{bare, bare, bare, bare, bare, bare, bare, ok}, []int{1, 2, 4, 8, 16, 16, 16, 0}},
		{"a success starts the backoff again", []answer{bare, bare, ok, bare, ok}, []int{1, 2, 0, 1, 0}},
		{"an empty budget's reset is believed", []answer{{status: 429, remaining: "0", resetIn: 25 * time.Second}, ok}, []int{25, 0}},
		{"a reset with budget left is not the 429's", []answer{{status: 429, remaining: "4000", resetIn: 25 * time.Second}, ok}, []int{1, 0}},
		{"Retry-After is believed", []answer{{status: 429, retryAfter: "7"}, bare, ok}, []int{7, 1, 0}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			clock := &fakeClock{now: time.Date(2031, 1, 1, 0, 0, 0, 0, time.UTC)}
			var mu sync.Mutex
			next := 0
			srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
				mu.Lock()
				a := tt.answers[next]
				next++
				mu.Unlock()
				if a.retryAfter != "" {
					w.Header().Set("Retry-After", a.retryAfter)
				}
				if a.remaining != "" {
					w.Header().Set("Ratelimit-Remaining", a.remaining)
					w.Header().Set("Ratelimit-Reset", strconv.FormatInt(clock.Now().Add(a.resetIn).Unix(), 10))
				}
				w.WriteHeader(a.status)
			}))
			defer srv.Close()
			policy := onePolicy(cloud.Limit{N: 5000, Per: time.Hour})
			policy.Remaining, policy.Reset = "Ratelimit-Remaining", "Ratelimit-Reset"
			p := cloud.NewPacers(clock.Now, clock.Sleep).For("digitalocean", "t", policy)
			client := &http.Client{Transport: p.Transport(nil)}
			for i, a := range tt.answers {
				before := clock.Now()
				res, err := client.Get(srv.URL + "/v2/account")
				if err != nil {
					t.Fatal(err)
				}
				res.Body.Close()
				if i > 0 {
					if got, want := clock.Now().Sub(before), time.Duration(tt.holds[i-1])*time.Second; got != want {
						t.Fatalf("request %d waited %v after answer %+v, want %v", i+1, got, tt.answers[i-1], want)
					}
				}
				// What a driver reports as a 429's RetryAfter is how long the
				// pacer will hold the next request back.
				if got, want := p.RetryAfter(res), time.Duration(tt.holds[i])*time.Second; a.status == 429 && got != want {
					t.Fatalf("RetryAfter of answer %d = %v, want %v", i+1, got, want)
				}
			}
		})
	}
}

// TestFailuresAreNotedForTheCaller: under NoteFailures, a call that failed
// for the provider's sake is noted even if the caller's service swallows
// it; an answer such as NotFound is not a failure of the provider.
func TestFailuresAreNotedForTheCaller(t *testing.T) {
	limited := providerErr{code: cloud.RateLimited}
	d := &flakyDriver{errs: []error{limited, limited, limited, limited, providerErr{code: cloud.NotFound}}}
	c := cloud.New(d, &cloud.Options{Sleep: (&recordSleep{}).Sleep})
	ctx := cloud.NoteFailures(context.Background())
	if err := cloud.LastFailure(ctx); err != nil {
		t.Fatalf("before any call: %v", err)
	}
	_, failed := c.GetInstance(ctx, "1")
	if cloud.Code(failed) != cloud.RateLimited || cloud.LastFailure(ctx) != failed {
		t.Fatalf("after %v: noted %v, want the call's error", failed, cloud.LastFailure(ctx))
	}
	if _, err := c.GetInstance(ctx, "2"); cloud.Code(err) != cloud.NotFound || cloud.LastFailure(ctx) != failed {
		t.Fatalf("after %v: noted %v, want still the rate limit", err, cloud.LastFailure(ctx))
	}
	if err := cloud.LastFailure(context.Background()); err != nil {
		t.Fatalf("without NoteFailures: %v", err)
	}
}

// TestCreateRefusesWhatTheDriverCannotDo: every option a driver declares
// it lacks is refused on its field before any call, and the same request
// reaches a driver that declares it.
func TestCreateRefusesWhatTheDriverCannotDo(t *testing.T) {
	ok := cloud.CreateRequest{Name: "web-1", Region: "r", Size: "s", Image: "i"}
	all := cloud.Capabilities{RootPassword: cloud.RootPasswordNative, UserData: true, MonitoringAgent: true, VPC: true,
		Backups: true, Marketplace: cloud.MarketplaceScripts}
	for _, tc := range []struct {
		field   string
		ask     func(r *cloud.CreateRequest)
		lacking func(c *cloud.Capabilities) // turns all into capabilities that cannot
	}{
		{"root_password", func(r *cloud.CreateRequest) { r.RootPassword = "pw" }, func(c *cloud.Capabilities) { c.RootPassword = cloud.RootPasswordNone }},
		{"root_password", func(r *cloud.CreateRequest) {}, func(c *cloud.Capabilities) { c.RootPasswordRequired = true }},
		{"user_data", func(r *cloud.CreateRequest) { r.UserData = "#cloud-config\n" }, func(c *cloud.Capabilities) { c.UserData = false }},
		{"user_data", func(r *cloud.CreateRequest) { r.UserData, r.RootPassword = "#cloud-config\n", "pw" },
			func(c *cloud.Capabilities) { c.RootPassword = cloud.RootPasswordCloudInit }},
		{"monitoring", func(r *cloud.CreateRequest) { r.Monitoring = true }, func(c *cloud.Capabilities) { c.MonitoringAgent = false }},
		{"vpc_uuid", func(r *cloud.CreateRequest) { r.VPCUUID = "v" }, func(c *cloud.Capabilities) { c.VPC = false }},
		{"backups", func(r *cloud.CreateRequest) { r.Backups = true }, func(c *cloud.Capabilities) { c.Backups = false }},
		{"app", func(r *cloud.CreateRequest) { r.App = "wordpress" }, func(c *cloud.Capabilities) { c.Marketplace = cloud.MarketplaceNone }},
		{"app_fields", func(r *cloud.CreateRequest) { r.App, r.AppFields = "wordpress", map[string]string{"k": "v"} },
			func(c *cloud.Capabilities) { c.Marketplace = cloud.MarketplaceImages }},
	} {
		req := ok
		tc.ask(&req)
		if _, err := cloud.New(&flakyDriver{caps: all}, nil).CreateInstance(context.Background(), &req); err != nil {
			t.Errorf("%s: refused where declared: %v", tc.field, err)
		}
		caps := all
		tc.lacking(&caps)
		d := &flakyDriver{caps: caps}
		_, err := cloud.New(d, nil).CreateInstance(context.Background(), &req)
		var e *cloud.Error
		if !errors.As(err, &e) || e.Code != cloud.InvalidArgument || e.Field != tc.field || e.Provider != "testcloud" || d.calls != 0 {
			t.Errorf("%s: err %#v after %d driver calls; want InvalidArgument on %s before any call", tc.field, err, d.calls, tc.field)
		}
	}
	// Fields without the app they are for are a mistake whatever the driver.
	req := ok
	req.AppFields = map[string]string{"k": "v"}
	if _, err := cloud.New(&flakyDriver{caps: all}, nil).CreateInstance(context.Background(), &req); cloud.Code(err) != cloud.InvalidArgument {
		t.Errorf("app fields without an app: %v", err)
	}
}

// TestActionPasswordsFollowCapabilities: password_reset and rebuild take a
// password exactly where the driver says they do, and need it there.
func TestActionPasswordsFollowCapabilities(t *testing.T) {
	given := cloud.Capabilities{PasswordReset: cloud.PasswordResetGiven, RebuildPassword: true}
	emailed := cloud.Capabilities{PasswordReset: cloud.PasswordResetEmailed}
	for _, tc := range []struct {
		name  string
		caps  cloud.Capabilities
		req   cloud.ActionRequest
		field string // refused on it; "" for sent
	}{
		{"reset given with one", given, cloud.ActionRequest{Type: cloud.ActionPassword, Password: "pw"}, ""},
		{"reset given without", given, cloud.ActionRequest{Type: cloud.ActionPassword}, "password"},
		{"reset emailed without", emailed, cloud.ActionRequest{Type: cloud.ActionPassword}, ""},
		{"reset emailed with one", emailed, cloud.ActionRequest{Type: cloud.ActionPassword, Password: "pw"}, "password"},
		{"no reset at all", cloud.Capabilities{}, cloud.ActionRequest{Type: cloud.ActionPassword}, "type"},
		{"rebuild with a new one", given, cloud.ActionRequest{Type: cloud.ActionRebuild, Image: "i", Password: "pw"}, ""},
		{"rebuild needing one", given, cloud.ActionRequest{Type: cloud.ActionRebuild, Image: "i"}, "password"},
		{"rebuild keeping it", emailed, cloud.ActionRequest{Type: cloud.ActionRebuild, Image: "i"}, ""},
		{"rebuild keeping it, given one", emailed, cloud.ActionRequest{Type: cloud.ActionRebuild, Image: "i", Password: "pw"}, "password"},
		{"reboot with a password", given, cloud.ActionRequest{Type: cloud.ActionReboot, Password: "pw"}, "password"},
	} {
		d := &flakyDriver{caps: tc.caps}
		_, err := cloud.New(d, nil).DoAction(context.Background(), "1", tc.req)
		var e *cloud.Error
		switch {
		case tc.field == "" && (err != nil || d.calls != 1):
			t.Errorf("%s: %v after %d calls, want it sent", tc.name, err, d.calls)
		case tc.field != "" && (!errors.As(err, &e) || e.Code != cloud.InvalidArgument || e.Field != tc.field || d.calls != 0):
			t.Errorf("%s: %v after %d calls, want InvalidArgument on %s before any call", tc.name, err, d.calls, tc.field)
		}
	}
}

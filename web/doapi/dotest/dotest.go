// Package dotest checks a DigitalOcean API conversation against
// DigitalOcean's official OpenAPI spec (shared/specs/digitalocean-v2.yaml,
// beside the repository): every request a client sends and every answer
// it gets. Tests put Transport under a godo client pointed at Webrana's
// /v2/, or Proxy in front of a server for a client in another language, so
// that any departure from the wire format fails the test.
package dotest

import (
	"bytes"
	"context"
	"io"
	"net/http"
	"net/http/httptest"
	"net/http/httputil"
	"net/url"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"

	"github.com/getkin/kin-openapi/openapi3"
	"github.com/getkin/kin-openapi/openapi3filter"
	"github.com/getkin/kin-openapi/routers"
	"github.com/getkin/kin-openapi/routers/legacy"
)

// SpecPath is the official spec: the nearest shared/specs above the
// working directory (a package's tests run in the package's directory).
func SpecPath() string {
	for up := ".."; len(up) < 40; up += "/.." {
		p := filepath.Join(up, "shared", "specs", "digitalocean-v2.yaml")
		if _, err := os.Stat(p); err == nil {
			return p
		}
	}
	return filepath.Join("..", "..", "shared", "specs", "digitalocean-v2.yaml")
}

// Patches are fixes to the loaded spec, each with its reason (as
// cloudsim's tests make them): better than an Exception, which would hide
// every other mismatch in nearly every droplet answer.
var Patches = []struct {
	Where, Reason string
	Apply         func(doc *openapi3.T)
}{
	{"components.schemas.droplet.properties.next_backup_window: nullable",
		"the spec wraps the nullable droplet_next_backup_window in allOf with an empty schema, which kin-openapi " +
			"reads as not nullable; the real API, and the spec's own examples, send null when backups are off",
		func(doc *openapi3.T) {
			doc.Components.Schemas["droplet"].Value.Properties["next_backup_window"].Value.Nullable = true
		}},
}

var (
	routerOnce sync.Once
	router     routers.Router
	routerErr  error
)

// specRouter loads the spec once per test binary (it is megabytes). Its
// examples and Perl-style patterns are documentation kin-openapi cannot
// check, so their validation is off.
func specRouter() (routers.Router, error) {
	routerOnce.Do(func() {
		doc, err := openapi3.NewLoader().LoadFromFile(SpecPath())
		if err != nil {
			routerErr = err
			return
		}
		doc.Servers = nil // match paths on any host
		for _, p := range Patches {
			p.Apply(doc)
		}
		router, routerErr = legacy.NewRouter(doc, openapi3.DisableExamplesValidation(),
			openapi3.DisableSchemaDefaultsValidation(), openapi3.DisableSchemaPatternValidation())
	})
	return router, routerErr
}

// Exception is a deliberate departure from the spec, with its reason:
// Match is a substring of the validation error; Method and Path (the
// spec's, such as /v2/droplets/{droplet_id}) narrow it. A request to a
// path the spec lacks is the error "not in the spec: …", for the
// request's own path.
type Exception struct {
	Method, Path, Match, Reason string
	Request                     bool // applies to the request (else to the answer)
}

// Transport is an http.RoundTripper that validates every exchange against
// the spec, failing t for each mismatch no Exception covers.
type Transport struct {
	t          testing.TB
	router     routers.Router
	Base       http.RoundTripper // default http.DefaultTransport
	Exceptions []Exception

	mu      sync.Mutex
	checked map[string]int
}

// NewTransport returns a validating transport over http.DefaultTransport.
func NewTransport(t testing.TB, exceptions ...Exception) *Transport {
	t.Helper()
	r, err := specRouter()
	if err != nil {
		t.Fatalf("dotest: load %s: %v", SpecPath(), err)
	}
	return &Transport{t: t, router: r, Base: http.DefaultTransport, Exceptions: exceptions, checked: map[string]int{}}
}

// RoundTrip sends req and validates it and its answer.
func (st *Transport) RoundTrip(req *http.Request) (*http.Response, error) {
	var reqBody []byte
	if req.Body != nil {
		reqBody, _ = io.ReadAll(req.Body)
		req.Body.Close()
	}
	req.Body = io.NopCloser(bytes.NewReader(reqBody))
	route, params, err := st.router.FindRoute(req)
	if err != nil {
		if !st.excepted(req.Method, req.URL.Path, true, "not in the spec: "+err.Error()) {
			st.t.Errorf("dotest: %s %s is not in DigitalOcean's spec: %v", req.Method, req.URL.Path, err)
		}
		return st.Base.RoundTrip(req)
	}
	check := req.Clone(req.Context())
	check.Body = io.NopCloser(bytes.NewReader(reqBody))
	in := &openapi3filter.RequestValidationInput{Request: check, PathParams: params, Route: route,
		Options: &openapi3filter.Options{AuthenticationFunc: openapi3filter.NoopAuthenticationFunc, MultiError: true}}
	if err := openapi3filter.ValidateRequest(context.Background(), in); err != nil {
		st.report(req.Method, route.Path, true, "request", err)
	}
	req.Body = io.NopCloser(bytes.NewReader(reqBody))
	res, err := st.Base.RoundTrip(req)
	if err != nil {
		return res, err
	}
	body, _ := io.ReadAll(res.Body)
	res.Body.Close()
	res.Body = io.NopCloser(bytes.NewReader(body))
	rin := &openapi3filter.ResponseValidationInput{RequestValidationInput: in, Status: res.StatusCode, Header: res.Header,
		Body: io.NopCloser(bytes.NewReader(body)), Options: &openapi3filter.Options{MultiError: true}}
	if err := openapi3filter.ValidateResponse(context.Background(), rin); err != nil {
		st.report(req.Method, route.Path, false, "answer "+res.Status+" "+truncate(string(body)), err)
	}
	st.mu.Lock()
	st.checked[req.Method+" "+route.Path+" "+res.Status[:3]]++
	st.mu.Unlock()
	return res, nil
}

func (st *Transport) report(method, path string, request bool, what string, err error) {
	for _, leaf := range leaves(err) {
		if !st.excepted(method, path, request, leaf.Error()) {
			st.t.Errorf("dotest: %s %s: %s does not match DigitalOcean's spec: %v", method, path, what, leaf)
		}
	}
}

func (st *Transport) excepted(method, path string, request bool, msg string) bool {
	for _, ex := range st.Exceptions {
		if ex.Request == request && (ex.Method == "" || ex.Method == method) &&
			(ex.Path == "" || ex.Path == path) && strings.Contains(msg, ex.Match) {
			return true
		}
	}
	return false
}

// Checked is how many exchanges were validated, per "METHOD /spec/path
// STATUS": a test asserts its coverage with it.
func (st *Transport) Checked() map[string]int {
	st.mu.Lock()
	defer st.mu.Unlock()
	out := make(map[string]int, len(st.checked))
	for k, v := range st.checked {
		out[k] = v
	}
	return out
}

// Proxy serves a validating reverse proxy to target (a Webrana server's
// base URL) for clients that are not Go: point them at the returned
// server's URL. It closes with the test.
func Proxy(t testing.TB, target string, exceptions ...Exception) (*httptest.Server, *Transport) {
	t.Helper()
	u, err := url.Parse(target)
	if err != nil {
		t.Fatal(err)
	}
	tr := NewTransport(t, exceptions...)
	rp := httputil.NewSingleHostReverseProxy(u)
	rp.Transport = tr
	srv := httptest.NewServer(rp)
	t.Cleanup(srv.Close)
	return srv, tr
}

// leaves flattens kin-openapi's errors into single mismatches.
func leaves(err error) []error {
	switch e := err.(type) {
	case openapi3.MultiError:
		var out []error
		for _, x := range e {
			out = append(out, leaves(x)...)
		}
		return out
	case *openapi3filter.RequestError:
		if me, ok := e.Err.(openapi3.MultiError); ok {
			return leaves(me)
		}
	case *openapi3filter.ResponseError:
		if e.Err != nil {
			return leaves(e.Err)
		}
	case *openapi3.SchemaError:
		if me, ok := e.Origin.(openapi3.MultiError); ok {
			return leaves(me)
		}
	}
	return []error{err}
}

func truncate(s string) string {
	if len(s) > 400 {
		return s[:400] + "…"
	}
	return s
}

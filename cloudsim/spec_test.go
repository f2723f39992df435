package cloudsim_test

import (
	"bytes"
	"context"
	"io"
	"net/http"
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

// Official specs, beside the repository (never edited): shared/specs in the
// repository's parent directory, or in the parent of a worktree's directory.
var (
	doSpecPath     = findSpec("digitalocean-v2.yaml")
	linodeSpecPath = findSpec("linode-v4.yaml")
)

// findSpec returns the path of a spec in the nearest shared/specs above the
// package (first ../../shared/specs, as from a checkout beside shared/),
// or that first path when there is none, for the error to name.
func findSpec(name string) string {
	first := filepath.Join("..", "..", "shared", "specs", name)
	for up := "../.."; len(up) < 20; up += "/.." {
		p := filepath.Join(up, "shared", "specs", name)
		if _, err := os.Stat(p); err == nil {
			return p
		}
	}
	return first
}

// The specs carry examples and patterns kin-openapi cannot check (examples
// that fail their own schemas, Perl regexps with look-ahead); those are
// documentation, not the wire format, so their validation is off.
var specOptions = []openapi3.ValidationOption{
	openapi3.DisableExamplesValidation(),
	openapi3.DisableSchemaDefaultsValidation(),
	openapi3.DisableSchemaPatternValidation(),
}

var (
	specMu      sync.Mutex
	specRouters = map[string]routers.Router{}
)

// specRouter loads a spec once per test binary (they are megabytes).
func specRouter(t testing.TB, path string) routers.Router {
	t.Helper()
	specMu.Lock()
	defer specMu.Unlock()
	if r, ok := specRouters[path]; ok {
		return r
	}
	doc, err := openapi3.NewLoader().LoadFromFile(path)
	if err != nil {
		t.Fatalf("load %s: %v", path, err)
	}
	doc.Servers = nil // match paths on the simulator's host
	r, err := legacy.NewRouter(doc, specOptions...)
	if err != nil {
		t.Fatalf("router for %s: %v", path, err)
	}
	specRouters[path] = r
	return r
}

// specException is a deliberate departure from the spec, with its reason.
// Match is a substring of the validation error; Path and Method narrow it.
type specException struct {
	Method, Path, Match, Reason string
	Request                     bool // applies to the request (else to the response)
}

// specTransport is an http.RoundTripper that checks every request a client
// sends and every answer the simulator gives against an official spec.
type specTransport struct {
	t          testing.TB
	router     routers.Router
	base       http.RoundTripper
	exceptions []specException

	mu      sync.Mutex
	checked map[string]int // "METHOD /spec/path STATUS" → count, for coverage assertions
}

func newSpecTransport(t testing.TB, specPath string, exceptions ...specException) *specTransport {
	return &specTransport{t: t, router: specRouter(t, specPath), base: http.DefaultTransport,
		exceptions: exceptions, checked: map[string]int{}}
}

func (st *specTransport) RoundTrip(req *http.Request) (*http.Response, error) {
	var reqBody []byte
	if req.Body != nil {
		reqBody, _ = io.ReadAll(req.Body)
		req.Body.Close()
		req.Body = io.NopCloser(bytes.NewReader(reqBody))
	}
	route, params, err := st.router.FindRoute(req)
	if err != nil {
		st.t.Errorf("spec: %s %s is not in the spec: %v", req.Method, req.URL.Path, err)
		return st.base.RoundTrip(req)
	}
	in := &openapi3filter.RequestValidationInput{Request: req, PathParams: params, Route: route,
		Options: &openapi3filter.Options{AuthenticationFunc: openapi3filter.NoopAuthenticationFunc, MultiError: true}}
	check := req.Clone(req.Context())
	check.Body = io.NopCloser(bytes.NewReader(reqBody))
	in.Request = check
	if err := openapi3filter.ValidateRequest(context.Background(), in); err != nil {
		st.report(req.Method, route.Path, true, "request", err)
	}
	req.Body = io.NopCloser(bytes.NewReader(reqBody))
	res, err := st.base.RoundTrip(req)
	if err != nil {
		return res, err
	}
	body, _ := io.ReadAll(res.Body)
	res.Body.Close()
	res.Body = io.NopCloser(bytes.NewReader(body))
	rin := &openapi3filter.ResponseValidationInput{RequestValidationInput: in, Status: res.StatusCode, Header: res.Header,
		Body: io.NopCloser(bytes.NewReader(body)), Options: &openapi3filter.Options{MultiError: true, IncludeResponseStatus: false}}
	if err := openapi3filter.ValidateResponse(context.Background(), rin); err != nil {
		st.report(req.Method, route.Path, false, "response "+res.Status+" "+truncate(string(body)), err)
	}
	st.mu.Lock()
	st.checked[req.Method+" "+route.Path+" "+res.Status[:3]]++
	st.mu.Unlock()
	return res, nil
}

// report fails the test for every validation failure that no exception
// covers. Failures are judged one by one, so an exception never hides
// another mismatch in the same answer.
func (st *specTransport) report(method, path string, request bool, what string, err error) {
	for _, leaf := range leaves(err) {
		if !st.excepted(method, path, request, leaf.Error()) {
			st.t.Errorf("spec: %s %s: %s does not match the spec: %v", method, path, what, leaf)
		}
	}
}

func (st *specTransport) excepted(method, path string, request bool, msg string) bool {
	for _, ex := range st.exceptions {
		if ex.Request == request && (ex.Method == "" || ex.Method == method) &&
			(ex.Path == "" || ex.Path == path) && strings.Contains(msg, ex.Match) {
			return true
		}
	}
	return false
}

// leaves flattens kin-openapi's errors into single mismatches: multi-errors,
// and the request, response and schema errors that wrap them.
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

// Checked returns how many exchanges were validated per "METHOD /path STATUS".
func (st *specTransport) Checked() map[string]int {
	st.mu.Lock()
	defer st.mu.Unlock()
	out := make(map[string]int, len(st.checked))
	for k, v := range st.checked {
		out[k] = v
	}
	return out
}

func truncate(s string) string {
	if len(s) > 300 {
		return s[:300] + "…"
	}
	return s
}

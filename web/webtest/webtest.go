// Package webtest drives a running Webrana server in tests, the way a client
// would, and checks every answer of the JSON API against the OpenAPI
// document (web/openapi.yaml): an undocumented route, status or field fails
// the test. Every API test goes through it, so the document stays true.
package webtest

import (
	"bytes"
	"context"
	"encoding/json"
	"io"
	"net/http"
	"net/http/cookiejar"
	"net/url"
	"strings"
	"sync"
	"testing"

	"github.com/getkin/kin-openapi/openapi3filter"
	"github.com/getkin/kin-openapi/routers"
	"github.com/getkin/kin-openapi/routers/legacy"

	"github.com/webrana/webrana/web"
)

// Client calls one server as one caller.
type Client struct {
	t      testing.TB
	base   string
	token  string
	http   *http.Client
	router routers.Router
	header http.Header
	// unchecked answers are not validated against the document.
	unchecked bool
}

// New returns an anonymous client of the server at baseURL, with its own
// cookie jar and no redirect following (tests look at redirects).
func New(t testing.TB, baseURL string) *Client {
	t.Helper()
	router, err := sharedRouter()
	if err != nil {
		t.Fatal(err)
	}
	jar, _ := cookiejar.New(nil)
	return &Client{t: t, base: strings.TrimSuffix(baseURL, "/"), router: router, header: http.Header{},
		http: &http.Client{Jar: jar, CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}}
}

// WithToken returns a copy of c that sends Authorization: Bearer token.
func (c *Client) WithToken(token string) *Client {
	cp := *c
	cp.token = token
	return &cp
}

// WithHeader returns a copy of c that sends one more header.
func (c *Client) WithHeader(name, value string) *Client {
	cp := *c
	cp.header = c.header.Clone()
	cp.header.Set(name, value)
	return &cp
}

// Unchecked returns a copy of c whose answers are not checked against the
// document: for failures it does not describe, such as a database that
// refuses writes (an internal error, 500).
func (c *Client) Unchecked() *Client {
	cp := *c
	cp.unchecked = true
	return &cp
}

var (
	routerOnce sync.Once
	router     routers.Router
	routerErr  error
)

// sharedRouter builds the document's router once. web.OpenAPI returns one
// shared document, which clients in parallel tests read while validating:
// it must not be modified, so the router works on a copy without servers
// (to match paths on any host).
func sharedRouter() (routers.Router, error) {
	routerOnce.Do(func() {
		doc, err := web.OpenAPI()
		if err != nil {
			routerErr = err
			return
		}
		cp := *doc
		cp.Servers = nil
		router, routerErr = legacy.NewRouter(&cp)
	})
	return router, routerErr
}

// Response is an answer, read whole.
type Response struct {
	Status int
	Header http.Header
	Body   []byte
}

// JSON decodes the body into v, failing the test if it cannot.
func (r *Response) JSON(t testing.TB, v any) {
	t.Helper()
	if err := json.Unmarshal(r.Body, v); err != nil {
		t.Fatalf("decode %s: %v", r.Body, err)
	}
}

// ErrorCode returns the code of a JSON error body ("" when there is none).
func (r *Response) ErrorCode() string {
	var e struct{ Error struct{ Code string } }
	_ = json.Unmarshal(r.Body, &e)
	return e.Error.Code
}

// ErrorField returns the field a JSON error body names ("" when none).
func (r *Response) ErrorField() string {
	var e struct{ Error struct{ Field string } }
	_ = json.Unmarshal(r.Body, &e)
	return e.Error.Field
}

// ErrorMessage returns the message of a JSON error body.
func (r *Response) ErrorMessage() string {
	var e struct{ Error struct{ Message string } }
	_ = json.Unmarshal(r.Body, &e)
	return e.Error.Message
}

// Do sends a request with body (nil, a string sent as is, or a value sent as
// JSON) and returns the answer, validated against the OpenAPI document when
// the path is one of the API's.
func (c *Client) Do(method, path string, body any) *Response {
	c.t.Helper()
	var rd io.Reader
	switch b := body.(type) {
	case nil:
	case string:
		rd = strings.NewReader(b)
	default:
		j, err := json.Marshal(b)
		if err != nil {
			c.t.Fatal(err)
		}
		rd = bytes.NewReader(j)
	}
	req, err := http.NewRequest(method, c.base+path, rd)
	if err != nil {
		c.t.Fatal(err)
	}
	if rd != nil {
		req.Header.Set("Content-Type", "application/json")
	}
	if c.token != "" {
		req.Header.Set("Authorization", "Bearer "+c.token)
	}
	for k, v := range c.header {
		req.Header[k] = v
	}
	return c.send(req)
}

// PostForm submits an HTML form.
func (c *Client) PostForm(path string, form url.Values) *Response {
	c.t.Helper()
	req, err := http.NewRequest(http.MethodPost, c.base+path, strings.NewReader(form.Encode()))
	if err != nil {
		c.t.Fatal(err)
	}
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	for k, v := range c.header {
		req.Header[k] = v
	}
	return c.send(req)
}

func (c *Client) send(req *http.Request) *Response {
	c.t.Helper()
	res, err := c.http.Do(req)
	if err != nil {
		c.t.Fatal(err)
	}
	defer res.Body.Close()
	body, err := io.ReadAll(res.Body)
	if err != nil {
		c.t.Fatal(err)
	}
	out := &Response{Status: res.StatusCode, Header: res.Header, Body: body}
	if documented(req.URL.Path) && !c.unchecked {
		c.validate(req, out)
	}
	return out
}

// documented reports whether a path belongs to the JSON API the document
// describes (pages and /metrics are not in it).
func documented(path string) bool {
	return strings.HasPrefix(path, "/api/") || strings.HasPrefix(path, "/internal/") || path == "/healthz" || path == "/readyz"
}

// validate checks an answer against the document: route, status, headers
// and body schema.
func (c *Client) validate(req *http.Request, res *Response) {
	c.t.Helper()
	route, params, err := c.router.FindRoute(req)
	if err != nil {
		if res.Status == http.StatusNotFound || res.Status == http.StatusMethodNotAllowed {
			return // asking for what does not exist is allowed; the answer is the plain error
		}
		c.t.Errorf("OpenAPI: %s %s answered %d but is not documented: %v", req.Method, req.URL.Path, res.Status, err)
		return
	}
	in := &openapi3filter.ResponseValidationInput{
		RequestValidationInput: &openapi3filter.RequestValidationInput{Request: req, PathParams: params, Route: route},
		Status:                 res.Status,
		Header:                 res.Header,
		Body:                   io.NopCloser(bytes.NewReader(res.Body)),
		Options:                &openapi3filter.Options{IncludeResponseStatus: true, MultiError: true},
	}
	if err := openapi3filter.ValidateResponse(context.Background(), in); err != nil {
		c.t.Errorf("OpenAPI: %s %s answered %d with a body the document does not allow: %v\nbody: %s",
			req.Method, req.URL.Path, res.Status, err, res.Body)
	}
}

// Cookie returns the named cookie the client holds for the server, or nil.
func (c *Client) Cookie(name string) *http.Cookie {
	u, _ := url.Parse(c.base)
	for _, ck := range c.http.Jar.Cookies(u) {
		if ck.Name == name {
			return ck
		}
	}
	return nil
}

// SetCookie stores a cookie for the server, as if it had set it.
func (c *Client) SetCookie(name, value string) {
	u, _ := url.Parse(c.base)
	c.http.Jar.SetCookies(u, []*http.Cookie{{Name: name, Value: value, Path: "/"}})
}

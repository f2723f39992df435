package web_test

import (
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"sync/atomic"
	"testing"

	"github.com/webrana/webrana"
	"github.com/webrana/webrana/store"
	"github.com/webrana/webrana/web"
	"github.com/webrana/webrana/web/webtest"
)

// publicRoutes are the only routes anyone may call. A new public route must
// be added here on purpose.
var publicRoutes = []string{
	"GET /healthz", "GET /readyz", "GET /api/openapi.json",
	"POST /api/auth/login", "GET /login", "POST /login", "GET /assets/",
	"POST /login/two-factor", // the second step of a sign-in with two factors: a pending sign-in and a code
	// Customers' own accounts: signing up, and the links e-mailed to people
	// not signed in (the link's token is the credential).
	"POST /api/auth/signup", "POST /api/auth/verify", "POST /api/auth/password-reset",
	"POST /api/auth/password-reset/confirm", "POST /api/auth/invite/accept",
	"GET /signup", "POST /signup", "GET /verify", "POST /verify", "GET /reset", "POST /reset",
	"GET /invite", "POST /invite", "GET /setup", "POST /setup",
	// Stripe's deliveries: its signature is the credential.
	"POST /api/webhooks/stripe",
}

// owned describes, for each route whose path names a caller-owned resource,
// how to make such a resource as its owner and check it is still intact.
// A route with a path parameter and no entry here fails the test.
type owned struct {
	create func(t *testing.T, h *harness, owner *webtest.Client) string
	intact func(t *testing.T, owner *webtest.Client, id string) bool
}

var keySeq atomic.Int32

var sshKeyFixture = owned{
	create: func(t *testing.T, _ *harness, owner *webtest.Client) string {
		res := owner.Do("POST", "/api/ssh-keys", map[string]string{"name": "laptop", "public_key": testKey(t, byte(keySeq.Add(1)))})
		mustStatus(t, res, 201, "create ssh key")
		var k struct{ ID string }
		res.JSON(t, &k)
		return k.ID
	},
	intact: func(t *testing.T, owner *webtest.Client, id string) bool {
		return owner.Do("GET", "/api/ssh-keys/"+id, nil).Status == 200
	},
}

var vpsFixture = owned{
	create: func(t *testing.T, h *harness, owner *webtest.Client) string { return h.order(t, owner).ID },
	intact: func(t *testing.T, owner *webtest.Client, id string) bool {
		var in struct{ Status string }
		res := owner.Do("GET", "/api/vps/"+id, nil)
		res.JSON(t, &in)
		var actions struct{ Total int }
		owner.Do("GET", "/api/vps/"+id+"/actions", nil).JSON(t, &actions)
		return res.Status == 200 && in.Status == "provisioning" && actions.Total == 0
	},
}

var ownedRoutes = map[string]owned{
	"GET /api/vps/{id}":          vpsFixture,
	"DELETE /api/vps/{id}":       vpsFixture,
	"POST /api/vps/{id}/actions": vpsFixture,
	"GET /api/vps/{id}/actions":  vpsFixture,
	"GET /api/vps/{id}/backups":  vpsFixture, // backups (issue 19)
	"GET /api/ssh-keys/{id}":     sshKeyFixture,
	"DELETE /api/ssh-keys/{id}":  sshKeyFixture,
	// The pages over the same resources.
	"GET /servers/{id}":          vpsFixture,
	"GET /servers/{id}/live":     vpsFixture,
	"GET /servers/{id}/charts":   vpsFixture,
	"POST /servers/{id}/actions": vpsFixture,
	"POST /servers/{id}/delete":  vpsFixture,
	"POST /servers/{id}/backups": vpsFixture, // backups (issue 19)
	// A server's firewall (api_firewall.go, ui_firewall.go).
	"GET /api/vps/{id}/firewall":  vpsFixture,
	"PUT /api/vps/{id}/firewall":  vpsFixture,
	"POST /servers/{id}/firewall": vpsFixture,
	"POST /ssh-keys/{id}/delete":  sshKeyFixture,
	"POST /tokens/{id}/revoke":    tokenFixture,
	"DELETE /api/tokens/{id}":     tokenFixture,
	// Card top-ups and their receipts, and the sandbox's test checkout.
	"GET /api/billing/top-ups/{id}":         topUpFixture,
	"GET /api/billing/top-ups/{id}/receipt": topUpFixture,
	"GET /billing/top-ups/{id}/pay":         topUpFixture,
	"POST /billing/top-ups/{id}/pay":        topUpFixture,
	// Invoices (issue 17 §2): read only, so intact always holds.
	"GET /api/billing/invoices/{id}":     invoiceFixture,
	"GET /api/billing/invoices/{id}/pdf": invoiceFixture,
	"GET /billing/invoices/{id}":         invoiceFixture,
	// VPCs and the reverse DNS form (issue 19).
	"GET /api/vpcs/{id}":      vpcFixture,
	"DELETE /api/vpcs/{id}":   vpcFixture,
	"POST /servers/{id}/rdns": vpsFixture,
	// The DigitalOcean-compatible API (issue 20): by public number.
	"GET /v2/droplets/{id}":           dropletFixture,
	"DELETE /v2/droplets/{id}":        dropletFixture,
	"POST /v2/droplets/{id}/actions":  dropletFixture,
	"GET /v2/droplets/{id}/actions":   dropletFixture,
	"GET /v2/droplets/{id}/snapshots": dropletFixture,
	"GET /v2/actions/{id}":            dropletActionFixture,
	"GET /v2/account/keys/{key}":      doKeyFixture,
	"DELETE /v2/account/keys/{key}":   doKeyFixture,
	// Snapshots (issue 19; snapshots_test.go).
	"GET /api/vps/{id}/snapshots":  vpsFixture,
	"GET /servers/{id}/snapshots":  vpsFixture,
	"POST /servers/{id}/snapshots": vpsFixture,
	"DELETE /api/snapshots/{id}":   snapshotFixture,
	"GET /snapshots/{id}/restore":  snapshotFixture,
	"POST /snapshots/{id}/restore": snapshotFixture,
	"POST /snapshots/{id}/delete":  snapshotFixture,
}

var vpcSeq atomic.Int32

// vpcFixture is a VPC of the owner, recorded directly (no provider call is
// made for another customer's VPC).
var vpcFixture = owned{
	create: func(t *testing.T, h *harness, owner *webtest.Client) string {
		var me struct{ ID string }
		owner.Do("GET", "/api/me", nil).JSON(t, &me)
		n := strconv.Itoa(int(vpcSeq.Add(1)))
		acc := &webrana.Account{ProviderType: webrana.DigitalOcean, Name: "vpc-" + n, TokenCiphertext: "ct", IsActive: true, Limit: 25}
		if err := h.db.CreateAccount(context.Background(), acc); err != nil {
			t.Fatal(err)
		}
		v := &webrana.VPC{OwnerID: me.ID, ProviderType: webrana.DigitalOcean, AccountID: acc.ID,
			UUID: fmt.Sprintf("5a4981aa-9653-4bd1-bef5-%012s", n), Region: "sgp1", Name: "net-" + n, Origin: webrana.VPCCreated}
		if err := h.db.CreateVPC(context.Background(), v); err != nil {
			t.Fatal(err)
		}
		return v.ID
	},
	intact: func(t *testing.T, owner *webtest.Client, id string) bool {
		return owner.Do("GET", "/api/vpcs/"+id, nil).Status == 200
	},
}

var topUpFixture = owned{
	create: func(t *testing.T, _ *harness, owner *webtest.Client) string {
		res := owner.Do("POST", "/api/billing/top-ups", map[string]any{"amount": 1000})
		mustStatus(t, res, 201, "create top-up")
		var tu struct{ ID string }
		res.JSON(t, &tu)
		return tu.ID
	},
	intact: func(t *testing.T, owner *webtest.Client, id string) bool {
		var tu struct{ Status string }
		res := owner.Do("GET", "/api/billing/top-ups/"+id, nil)
		res.JSON(t, &tu)
		return res.Status == 200 && tu.Status == "pending"
	},
}

// invoiceFixture issues the owner an invoice of a month of its own.
var invoiceFixture = owned{
	create: func(t *testing.T, h *harness, owner *webtest.Client) string {
		var me struct{ ID string }
		owner.Do("GET", "/api/me", nil).JSON(t, &me)
		in := &store.Invoice{UserID: me.ID, Month: fmt.Sprintf("%04d-01", 1000+keySeq.Add(1)), Currency: "USD",
			Seller: json.RawMessage(`{"name":"Acme"}`), Buyer: json.RawMessage(`{"name":"Bob"}`), Lines: json.RawMessage(`[]`), Notes: json.RawMessage(`[]`)}
		if written, err := h.db.IssueInvoice(t.Context(), in); err != nil || !written {
			t.Fatalf("issue invoice: %v", err)
		}
		return in.ID
	},
	intact: func(*testing.T, *webtest.Client, string) bool { return true },
}

var tokenFixture = owned{
	create: func(t *testing.T, _ *harness, owner *webtest.Client) string {
		res := owner.Do("POST", "/api/tokens", map[string]any{"name": fmt.Sprintf("ci-%d", keySeq.Add(1))})
		mustStatus(t, res, 201, "create token")
		var tok struct{ ID string }
		res.JSON(t, &tok)
		return tok.ID
	},
	intact: func(t *testing.T, owner *webtest.Client, id string) bool {
		var list struct {
			Items []struct {
				ID        string
				RevokedAt *string `json:"revoked_at"`
			}
		}
		owner.Do("GET", "/api/tokens", nil).JSON(t, &list)
		return slices.ContainsFunc(list.Items, func(x struct {
			ID        string
			RevokedAt *string `json:"revoked_at"`
		}) bool {
			return x.ID == id && x.RevokedAt == nil
		})
	},
}

// sharedRoutes take a path parameter that names no one's resource: what they
// answer is the same for every caller. Each says why.
var sharedRoutes = map[string]string{
	"GET /api/vps/{provider}/sizes":       "provider catalogs are the same for every customer",
	"GET /api/vps/{provider}/regions":     "provider catalogs are the same for every customer",
	"GET /api/vps/{provider}/images":      "provider catalogs are the same for every customer",
	"GET /api/vps/{provider}/marketplace": "provider catalogs are the same for every customer",
}

var pathParam = regexp.MustCompile(`\{[a-z_]+\}`) // not {$}, which only anchors

// split returns a route's method and a concrete path with every parameter
// replaced by id.
func split(pattern, id string) (string, string) {
	method, path, _ := strings.Cut(pattern, " ")
	path = strings.TrimSuffix(path, "{$}")
	return method, pathParam.ReplaceAllString(path, id)
}

// TestEveryRouteEnforcesAccess walks the router's own route table, so a new
// route cannot escape: anonymous callers are refused (401, or a redirect to
// the login page), customers are refused admin routes (403), and customer A
// asking for customer B's resources is told they do not exist (404) while
// B's resource stays intact.
func TestEveryRouteEnforcesAccess(t *testing.T) {
	engines(t, func(t *testing.T, h *harness) {
		h.user("admin@example.com", webrana.RoleAdmin)
		h.user("a@example.com", webrana.RoleCustomer)
		h.user("b@example.com", webrana.RoleCustomer)
		anon, alice, bob := h.client(), h.login("a@example.com"), h.login("b@example.com")

		var public []string
		for _, rt := range h.srv.Routes() {
			if rt.Access == web.Public {
				public = append(public, rt.Pattern)
				continue
			}
			t.Run(rt.Pattern, func(t *testing.T) {
				method, path := split(rt.Pattern, "00000000-0000-0000-0000-000000000000")
				body := bodyFor(method)

				res := anon.Do(method, path, body)
				switch {
				case rt.Kind == web.Page && method == http.MethodGet:
					if res.Status != 303 || !strings.HasPrefix(res.Header.Get("Location"), "/login") {
						t.Errorf("anonymous: %d to %q, want 303 to /login", res.Status, res.Header.Get("Location"))
					}
				case res.Status != 401:
					t.Errorf("anonymous: status %d, want 401", res.Status)
				case rt.Kind == web.API && res.ErrorCode() != "unauthorized":
					t.Errorf("anonymous: error code %q, want unauthorized", res.ErrorCode())
				}

				if rt.Access == web.Admin || rt.Access == web.Scraper {
					res := alice.Do(method, path, body)
					if res.Status != 403 || !refusedAs(rt.Kind, res, "forbidden", "Administrators only.") {
						t.Errorf("customer on admin route: %d %s, want 403 forbidden", res.Status, res.Body)
					}
					return
				}
				if _, shared := sharedRoutes[rt.Pattern]; shared || !pathParam.MatchString(rt.Pattern) {
					return
				}
				fx, ok := ownedRoutes[rt.Pattern]
				if !ok {
					t.Fatalf("%s takes a path parameter but has no ownership fixture in ownedRoutes", rt.Pattern)
				}
				id := fx.create(t, h, bob)
				_, bobsPath := split(rt.Pattern, id)
				res = alice.Do(method, bobsPath, body)
				if res.Status != 404 || !refusedAs(rt.Kind, res, "not_found", "not found") {
					t.Errorf("customer A on B's resource: %d %s, want 404 not_found", res.Status, res.Body)
				}
				if !fx.intact(t, bob, id) {
					t.Errorf("customer A's request changed B's resource %s", id)
				}
			})
		}
		slices.Sort(public)
		want := slices.Sorted(slices.Values(publicRoutes))
		if !slices.Equal(public, want) {
			t.Errorf("public routes %v, want exactly %v", public, want)
		}
	})
}

// refusedAs reports whether a refusal says why: the API's error code
// (DigitalOcean's error id on /v2/), or on a page the message in words.
func refusedAs(kind web.Kind, res *webtest.Response, code, words string) bool {
	if kind == web.DigitalOceanAPI {
		var e struct{ ID string }
		_ = json.Unmarshal(res.Body, &e)
		return e.ID == code
	}
	if kind == web.Page {
		return strings.Contains(strings.ToLower(string(res.Body)), strings.ToLower(words))
	}
	return res.ErrorCode() == code
}

func bodyFor(method string) any {
	if method == http.MethodPost || method == http.MethodPatch || method == http.MethodPut {
		return map[string]any{}
	}
	return nil
}

// TestAdminOnlyPrefixesCannotBeWeakened: registering /internal/ or
// /api/admin/ with weaker access panics at start-up.
func TestAdminOnlyPrefixesCannotBeWeakened(t *testing.T) {
	h := sqliteHarness(t)
	for _, pattern := range []string{"GET /internal/accounts", "POST /api/admin/plans"} {
		func() {
			defer func() {
				if recover() == nil {
					t.Errorf("registering %s as SignedIn did not panic", pattern)
				}
			}()
			h.srv.Handle(pattern, web.SignedIn, http.NotFoundHandler())
		}()
	}
}

// TestEveryAPIRouteIsDocumented: each /api route of the router is in the
// OpenAPI document with its method, and the document names no route the
// router lacks.
func TestEveryAPIRouteIsDocumented(t *testing.T) {
	doc, err := web.OpenAPI()
	if err != nil {
		t.Fatal(err)
	}
	documented := map[string]bool{}
	for path, item := range doc.Paths.Map() {
		for method := range item.Operations() {
			documented[method+" "+path] = true
		}
	}
	h := sqliteHarness(t)
	routed := map[string]bool{}
	for _, rt := range h.srv.Routes() {
		if rt.Kind != web.API || rt.Pattern == "GET /metrics" {
			continue
		}
		routed[rt.Pattern] = true
		if !documented[rt.Pattern] {
			t.Errorf("%s is routed but not in web/openapi.yaml", rt.Pattern)
		}
	}
	for op := range documented {
		if !routed[op] {
			t.Errorf("%s is in web/openapi.yaml but not routed", op)
		}
	}
}

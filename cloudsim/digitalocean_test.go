package cloudsim_test

import (
	"bytes"
	"context"
	"crypto/ed25519"
	"crypto/md5"
	"encoding/base64"
	"encoding/binary"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"math"
	"net/http"
	"net/http/httptest"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/digitalocean/godo"
	"github.com/getkin/kin-openapi/openapi3"
	"github.com/getkin/kin-openapi/routers/legacy"

	"github.com/webrana/webrana/cloud/cloudtest"
	"github.com/webrana/webrana/cloudsim"
)

// Every exchange of the DigitalOcean tests is validated against the
// official spec, with these deliberate departures:
//
//   - doSpecPatches below, two schema fixes applied to the loaded spec;
//   - the specExceptions some tests add for requests they send wrong on
//     purpose (each with its reason, next to the test).
//
// godo sends "ssh_keys": null on a create without keys, which the spec's
// non-nullable array does not allow; it needs no exception because
// kin-openapi replaces a null that has a default ([]) by the default, just
// as the real API accepts it.

// doSpecPatches are departures better made in the spec than as a
// specException: each changes one schema of the loaded spec, for the
// reason given. (A specException hides a whole validation error; these
// would hide every other error in nearly every droplet answer.)
var doSpecPatches = []struct {
	Where, Reason string
	apply         func(doc *openapi3.T)
}{
	{"components.schemas.droplet.properties.next_backup_window: nullable",
		"the spec wraps the nullable droplet_next_backup_window in allOf with an empty schema, which kin-openapi " +
			"reads as not nullable; the real API, and the spec's own examples, send null when backups are off",
		func(doc *openapi3.T) {
			doc.Components.Schemas["droplet"].Value.Properties["next_backup_window"].Value.Nullable = true
		}},
	{`components.schemas.distribution: enum adds "AlmaLinux"`,
		`the real API reports the almalinux-* images with distribution "AlmaLinux", which the spec's enum ` +
			`(older than those images) does not list`,
		func(doc *openapi3.T) {
			d := doc.Components.Schemas["distribution"].Value
			d.Enum = append(d.Enum, "AlmaLinux")
		}},
}

// doSpec is the key of the patched DigitalOcean spec in specRouters.
var doSpec = doSpecPath + "#patched"

var doSpecOnce sync.Once

// doSpecRouter loads the official spec once, applies doSpecPatches and
// registers the router for newSpecTransport(t, doSpec).
func doSpecRouter(t testing.TB) {
	doSpecOnce.Do(func() {
		doc, err := openapi3.NewLoader().LoadFromFile(doSpecPath)
		if err != nil {
			t.Fatalf("load %s: %v", doSpecPath, err)
		}
		doc.Servers = nil
		for _, p := range doSpecPatches {
			p.apply(doc)
		}
		r, err := legacy.NewRouter(doc, specOptions...)
		if err != nil {
			t.Fatalf("router: %v", err)
		}
		specMu.Lock()
		specRouters[doSpec] = r
		specMu.Unlock()
	})
}

// fakeClock is the Sim's injected clock; tests advance it.

// doHarness is a simulator on loopback, its clock, and a spec-validating
// transport for godo clients.
type doHarness struct {
	sim   *cloudsim.Sim
	url   string
	clock *cloudtest.Clock
	spec  *specTransport
}

const (
	doCreateDelay = 30 * time.Second
	doActionDelay = 10 * time.Second
)

// newDOHarness starts a simulator (create delay 30s, action delay 10s on a
// fake clock) with the given accounts; the spec exceptions are this test's.
func newDOHarness(t *testing.T, accounts []cloudsim.AccountSpec, exceptions ...specException) *doHarness {
	t.Helper()
	doSpecRouter(t)
	clock := cloudtest.NewClock(time.Date(2030, 6, 3, 9, 30, 0, 0, time.UTC))
	sim := cloudsim.New(cloudsim.Config{Now: clock.Now, CreateDelay: doCreateDelay, ActionDelay: doActionDelay})
	for _, a := range accounts {
		if a.Provider == "" {
			a.Provider = cloudsim.DigitalOcean
		}
		mustAdd(t, sim, a)
	}
	srv := httptest.NewServer(sim.Handler())
	t.Cleanup(srv.Close)
	return &doHarness{sim: sim, url: srv.URL, clock: clock,
		spec: newSpecTransport(t, doSpec, exceptions...)}
}

// doAccount is an account spec for a DigitalOcean token.
func doAccount(token string, limit int) cloudsim.AccountSpec {
	return cloudsim.AccountSpec{Provider: cloudsim.DigitalOcean, Token: token, Email: token + "@example.com", Limit: limit}
}

// bearer adds the token, as godo's oauth2 client would.
type bearer struct {
	token string
	next  http.RoundTripper
}

func (b bearer) RoundTrip(r *http.Request) (*http.Response, error) {
	r = r.Clone(r.Context())
	r.Header.Set("Authorization", "Bearer "+b.token)
	return b.next.RoundTrip(r)
}

// client is a real godo client, without retries, whose every exchange the
// spec checks.
func (h *doHarness) client(t testing.TB, token string) *godo.Client {
	t.Helper()
	c, err := godo.New(&http.Client{Transport: bearer{token, h.spec}}, godo.SetBaseURL(h.url+"/"))
	if err != nil {
		t.Fatal(err)
	}
	return c
}

// raw sends a request through the spec transport and returns the status,
// headers and decoded JSON body.
func (h *doHarness) raw(t *testing.T, method, path, token, body string) (int, http.Header, map[string]any) {
	t.Helper()
	req, err := http.NewRequest(method, h.url+path, strings.NewReader(body))
	if err != nil {
		t.Fatal(err)
	}
	if body != "" {
		req.Header.Set("Content-Type", "application/json")
	}
	res, err := (&http.Client{Transport: bearer{token, h.spec}}).Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer res.Body.Close()
	var out map[string]any
	b, _ := io.ReadAll(res.Body)
	if len(b) > 0 {
		if err := json.Unmarshal(b, &out); err != nil {
			t.Fatalf("%s %s: body is not JSON: %s", method, path, b)
		}
	}
	return res.StatusCode, res.Header, out
}

// wantDOError checks err is godo's *ErrorResponse with status and message.
func wantDOError(t *testing.T, err error, status int, message string) *godo.ErrorResponse {
	t.Helper()
	var er *godo.ErrorResponse
	if !errors.As(err, &er) {
		t.Fatalf("error %v (%T), want a %d godo.ErrorResponse", err, err, status)
	}
	if er.Response.StatusCode != status || (message != "" && er.Message != message) {
		t.Fatalf("error %d %q, want %d %q", er.Response.StatusCode, er.Message, status, message)
	}
	if er.RequestID == "" || er.RequestID != er.Response.Header.Get("X-Request-Id") {
		t.Fatalf("request id %q, header %q", er.RequestID, er.Response.Header.Get("X-Request-Id"))
	}
	return er
}

var ctx = context.Background()

// createReq is a create request for a small Ubuntu droplet in sgp1.
func createReq(name string, tags ...string) *godo.DropletCreateRequest {
	return &godo.DropletCreateRequest{Name: name, Region: "sgp1", Size: "s-1vcpu-1gb",
		Image: godo.DropletCreateImage{Slug: "ubuntu-24-04-x64"}, Tags: tags}
}

func mustCreate(t *testing.T, c *godo.Client, req *godo.DropletCreateRequest) *godo.Droplet {
	t.Helper()
	d, _, err := c.Droplets.Create(ctx, req)
	if err != nil {
		t.Fatalf("create %s: %v", req.Name, err)
	}
	return d
}

func mustGet(t *testing.T, c *godo.Client, id int) *godo.Droplet {
	t.Helper()
	d, _, err := c.Droplets.Get(ctx, id)
	if err != nil {
		t.Fatalf("get %d: %v", id, err)
	}
	return d
}

// sshPublicKey is a deterministic ed25519 key in OpenSSH form, and its MD5
// fingerprint as DigitalOcean shows it.
func sshPublicKey(seed byte) (string, string) {
	pub := ed25519.NewKeyFromSeed(bytes.Repeat([]byte{seed}, ed25519.SeedSize)).Public().(ed25519.PublicKey)
	var blob []byte
	for _, part := range [][]byte{[]byte("ssh-ed25519"), pub} {
		blob = binary.BigEndian.AppendUint32(blob, uint32(len(part)))
		blob = append(blob, part...)
	}
	sum := md5.Sum(blob)
	hexes := make([]string, len(sum))
	for i, b := range sum {
		hexes[i] = fmt.Sprintf("%02x", b)
	}
	return "ssh-ed25519 " + base64.StdEncoding.EncodeToString(blob) + " deploy@webrana", strings.Join(hexes, ":")
}

func TestDigitalOceanAccount(t *testing.T) {
	t.Parallel()
	warn := doAccount("warned", 7)
	warn.Status = cloudsim.StatusWarning
	h := newDOHarness(t, []cloudsim.AccountSpec{doAccount("acct", 25), warn})
	acct, resp, err := h.client(t, "acct").Account.Get(ctx)
	if err != nil {
		t.Fatal(err)
	}
	if acct.DropletLimit != 25 || acct.Email != "acct@example.com" || acct.UUID == "" || acct.Status != "active" ||
		!acct.EmailVerified || acct.FloatingIPLimit == 0 || acct.Team == nil || acct.Team.UUID == "" {
		t.Fatalf("account %+v", acct)
	}
	if resp.Rate.Limit != 5000 || resp.Rate.Remaining != 4999 || !resp.Rate.Reset.Time.Equal(h.clock.Now().Add(time.Hour)) {
		t.Fatalf("rate %+v", resp.Rate)
	}
	w, _, err := h.client(t, "warned").Account.Get(ctx)
	if err != nil || w.Status != "warning" || w.StatusMessage == "" || w.DropletLimit != 7 {
		t.Fatalf("warning account %+v, %v", w, err)
	}
}

func TestDigitalOceanUnauthorized(t *testing.T) {
	t.Parallel()
	h := newDOHarness(t, []cloudsim.AccountSpec{doAccount("good", 5)})
	_, _, err := h.client(t, "nope").Account.Get(ctx)
	wantDOError(t, err, 401, "Unable to authenticate you")
	code, hdr, body := h.raw(t, "GET", "/v2/droplets", "nope", "")
	if code != 401 || body["id"] != "unauthorized" || body["message"] != "Unable to authenticate you" ||
		body["request_id"] != hdr.Get("X-Request-Id") {
		t.Fatalf("401: %d %v", code, body)
	}
	if _, _, err := h.client(t, "good").Droplets.List(ctx, nil); err != nil {
		t.Fatal(err)
	}
	if err := h.sim.UpdateAccount("good", cloudsim.AccountUpdate{Revoked: ptr(true)}); err != nil {
		t.Fatal(err)
	}
	_, _, err = h.client(t, "good").Droplets.List(ctx, nil)
	wantDOError(t, err, 401, "Unable to authenticate you")
}

func TestDigitalOceanCatalog(t *testing.T) {
	t.Parallel()
	h := newDOHarness(t, []cloudsim.AccountSpec{doAccount("cat", 5)})
	c := h.client(t, "cat")

	// About 150 sizes, as DigitalOcean sells: one page of the largest.
	sizes, resp, err := c.Sizes.List(ctx, &godo.ListOptions{PerPage: 200})
	if err != nil || len(sizes) < 140 || resp.Meta.Total != len(sizes) || !resp.Links.IsLastPage() {
		t.Fatalf("sizes: %d, %+v, %v", len(sizes), resp.Meta, err)
	}
	for i := 1; i < len(sizes); i++ {
		if sizes[i].PriceMonthly < sizes[i-1].PriceMonthly {
			t.Fatalf("sizes not by price at %s", sizes[i].Slug)
		}
	}
	bySlug := map[string]godo.Size{}
	for _, s := range sizes {
		bySlug[s.Slug] = s
	}
	for _, want := range []godo.Size{
		{Slug: "s-1vcpu-512mb-10gb", Memory: 512, Vcpus: 1, Disk: 10, PriceMonthly: 4, Transfer: 0.5},
		{Slug: "s-1vcpu-1gb", Memory: 1024, Vcpus: 1, Disk: 25, PriceMonthly: 6, Transfer: 1},
		{Slug: "s-2vcpu-4gb", Memory: 4096, Vcpus: 2, Disk: 80, PriceMonthly: 24, Transfer: 4},
		{Slug: "c-2", Memory: 4096, Vcpus: 2, Disk: 25, PriceMonthly: 42, Transfer: 4},
		{Slug: "g-2vcpu-8gb", Memory: 8192, Vcpus: 2, Disk: 25, PriceMonthly: 63, Transfer: 4},
	} {
		got := bySlug[want.Slug]
		if got.Memory != want.Memory || got.Vcpus != want.Vcpus || got.Disk != want.Disk ||
			got.PriceMonthly != want.PriceMonthly || got.Transfer != want.Transfer || !got.Available ||
			got.PriceHourly <= 0 || got.Description == "" || len(got.Regions) == 0 {
			t.Errorf("size %s = %+v", want.Slug, got)
		}
	}
	if slices.Contains(bySlug["s-1vcpu-512mb-10gb"].Regions, "nyc1") || slices.Contains(bySlug["so-2vcpu-16gb"].Regions, "syd1") {
		t.Error("region availability lost")
	}

	regions, _, err := c.Regions.List(ctx, &godo.ListOptions{PerPage: 50})
	if err != nil {
		t.Fatal(err)
	}
	got := map[string]godo.Region{}
	for _, r := range regions {
		got[r.Slug] = r
	}
	for _, slug := range []string{"nyc1", "nyc3", "sfo3", "ams3", "sgp1", "lon1", "fra1", "tor1", "blr1", "syd1"} {
		r := got[slug]
		if !r.Available || r.Name == "" || !slices.Contains(r.Features, "ipv6") || !slices.Contains(r.Sizes, "s-1vcpu-1gb") {
			t.Errorf("region %s = %+v", slug, r)
		}
	}
	if got["nyc2"].Available || len(got["nyc2"].Sizes) != 0 {
		t.Errorf("nyc2 should be closed to new droplets: %+v", got["nyc2"])
	}

	dists, _, err := c.Images.ListDistribution(ctx, &godo.ListOptions{PerPage: 200})
	if err != nil {
		t.Fatal(err)
	}
	var distSlugs []string
	for _, img := range dists {
		distSlugs = append(distSlugs, img.Slug)
		if !img.Public || img.Distribution == "" || img.Name == "" || len(img.Regions) == 0 || img.Status != "available" {
			t.Errorf("distribution image %+v", img)
		}
	}
	for _, slug := range []string{"ubuntu-24-04-x64", "ubuntu-22-04-x64", "debian-12-x64", "fedora-40-x64",
		"centos-stream-9-x64", "rockylinux-9-x64", "almalinux-9-x64"} {
		if !slices.Contains(distSlugs, slug) {
			t.Errorf("no distribution %s in %v", slug, distSlugs)
		}
	}
	// Some 250 application images: more than the largest page.
	apps, resp, err := c.Images.ListApplication(ctx, &godo.ListOptions{PerPage: 200})
	if err != nil || len(apps) != 200 || resp.Meta.Total < 250 || resp.Links.IsLastPage() {
		t.Fatalf("applications, first page: %d of %+v, %v", len(apps), resp.Meta, err)
	}
	more, resp, err := c.Images.ListApplication(ctx, &godo.ListOptions{Page: 2, PerPage: 200})
	if err != nil || len(apps)+len(more) != resp.Meta.Total || !resp.Links.IsLastPage() {
		t.Fatalf("applications, second page: %d more of %+v, %v", len(more), resp.Meta, err)
	}
	apps = append(apps, more...)
	seenApps := map[string]bool{}
	for _, app := range apps {
		if seenApps[app.Slug] {
			t.Errorf("application %s listed twice", app.Slug)
		}
		seenApps[app.Slug] = true
	}
	for _, app := range apps {
		if slices.Contains(distSlugs, app.Slug) || app.Description == "" {
			t.Errorf("application image %+v", app)
		}
	}
	if mine, _, err := c.Images.ListUser(ctx, nil); err != nil || len(mine) != 0 {
		t.Fatalf("private images of a new account: %v, %v", mine, err)
	}
	all, resp, err := c.Images.List(ctx, &godo.ListOptions{PerPage: 10})
	if err != nil || len(all) != 10 || resp.Meta.Total != len(dists)+len(apps) || resp.Links.IsLastPage() {
		t.Fatalf("images page: %d of %+v, %v", len(all), resp.Meta, err)
	}
	img, _, err := c.Images.GetBySlug(ctx, "wordpress-20-04")
	if err != nil || img.Slug != "wordpress-20-04" || !strings.Contains(img.Name, "WordPress") {
		t.Fatalf("image by slug: %+v, %v", img, err)
	}
	if byID, _, err := c.Images.GetByID(ctx, img.ID); err != nil || byID.Slug != img.Slug {
		t.Fatalf("image by id: %+v, %v", byID, err)
	}

	oneClicks, _, err := c.OneClick.List(ctx, "droplet")
	if err != nil || len(oneClicks) != len(apps) {
		t.Fatalf("1-clicks: %d, %v", len(oneClicks), err)
	}
	for _, oc := range oneClicks {
		if oc.Type != "droplet" || !slices.ContainsFunc(apps, func(i godo.Image) bool { return i.Slug == oc.Slug }) {
			t.Errorf("1-click %+v has no application image", oc)
		}
	}
	if kube, _, err := c.OneClick.List(ctx, "kubernetes"); err != nil || len(kube) == 0 || kube[0].Type != "kubernetes" {
		t.Fatalf("kubernetes 1-clicks: %v, %v", kube, err)
	}
}

func TestDigitalOceanPagination(t *testing.T) {
	t.Parallel()
	h := newDOHarness(t, []cloudsim.AccountSpec{doAccount("pages", 100)},
		specException{Method: "GET", Path: "/v2/droplets", Request: true, Match: "number must be at most 200",
			Reason: "deliberately asks for per_page=500 to see it capped at 200, as the real API does"})
	c := h.client(t, "pages")
	// 45 droplets: four multi-creates of 10 and one of 5, tagged; plus 3 untagged.
	for batch := range 5 {
		var names []string
		for i := range min(10, 45-batch*10) {
			names = append(names, fmt.Sprintf("node-%02d", batch*10+i))
		}
		ds, resp, err := c.Droplets.CreateMultiple(ctx, &godo.DropletMultiCreateRequest{Names: names, Region: "fra1",
			Size: "s-1vcpu-2gb", Image: godo.DropletCreateImage{Slug: "debian-12-x64"}, Tags: []string{"fleet", "env:prod"}})
		if err != nil || len(ds) != len(names) || len(resp.Links.Actions) != len(names) {
			t.Fatalf("multi-create: %d droplets, %v", len(ds), err)
		}
		for i, l := range resp.Links.Actions {
			if l.Rel != "create" || !strings.HasSuffix(l.HREF, "/v2/actions/"+strconv.Itoa(l.ID)) || ds[i].Name != names[i] {
				t.Fatalf("link %+v for %s", l, ds[i].Name)
			}
		}
	}
	for i := range 3 {
		mustCreate(t, c, createReq(fmt.Sprintf("solo-%d", i)))
	}

	type pageWant struct {
		n                       int
		first, prev, next, last int // 0: absent
	}
	wants := []pageWant{{20, 0, 0, 2, 3}, {20, 1, 1, 3, 3}, {5, 1, 2, 0, 0}}
	var seen []int
	for i, want := range wants {
		ds, resp, err := c.Droplets.ListByTag(ctx, "fleet", &godo.ListOptions{Page: i + 1, PerPage: 20})
		if err != nil {
			t.Fatal(err)
		}
		p := resp.Links.Pages
		pageOf := func(link string) int {
			if link == "" {
				return 0
			}
			if !strings.HasPrefix(link, h.url+"/v2/droplets?") || !strings.Contains(link, "tag_name=fleet") || !strings.Contains(link, "per_page=20") {
				t.Errorf("link %q", link)
			}
			n, _ := strconv.Atoi(strings.Split(strings.Split(link, "page=")[1], "&")[0])
			return n
		}
		got := pageWant{len(ds), pageOf(p.First), pageOf(p.Prev), pageOf(p.Next), pageOf(p.Last)}
		if got != want || resp.Meta.Total != 45 {
			t.Fatalf("page %d: %+v (total %d), want %+v (total 45)", i+1, got, resp.Meta.Total, want)
		}
		if cur, _ := resp.Links.CurrentPage(); cur != i+1 || resp.Links.IsLastPage() != (i == 2) {
			t.Fatalf("godo reads page %d (last %v) on page %d", cur, resp.Links.IsLastPage(), i+1)
		}
		for _, d := range ds {
			seen = append(seen, d.ID)
		}
	}
	if len(seen) != 45 || !slices.IsSorted(seen) || len(slices.Compact(slices.Clone(seen))) != 45 {
		t.Fatalf("pages gave %d droplets, in creation order %v", len(seen), slices.IsSorted(seen))
	}

	all, resp, err := c.Droplets.List(ctx, &godo.ListOptions{PerPage: 200})
	if err != nil || len(all) != 48 || resp.Meta.Total != 48 || resp.Links.Pages != nil {
		t.Fatalf("all droplets: %d, %+v, %v", len(all), resp.Meta, err)
	}
	byName, _, err := c.Droplets.ListByName(ctx, "NODE-07", nil)
	if err != nil || len(byName) != 1 || byName[0].Name != "node-07" {
		t.Fatalf("by name (case-insensitive exact): %v, %v", byName, err)
	}
	if none, _, err := c.Droplets.ListByTag(ctx, "env:staging", nil); err != nil || len(none) != 0 {
		t.Fatalf("unknown tag: %v, %v", none, err)
	}
	code, _, body := h.raw(t, "GET", "/v2/droplets?per_page=500", "pages", "")
	if code != 200 || len(body["droplets"].([]any)) != 48 {
		t.Fatalf("per_page over 200: %d", code)
	}
	if ds, _, err := c.Droplets.List(ctx, &godo.ListOptions{Page: 9, PerPage: 20}); err != nil || len(ds) != 0 {
		t.Fatalf("page past the end: %d, %v", len(ds), err)
	}
}

func TestDigitalOceanLifecycle(t *testing.T) {
	t.Parallel()
	h := newDOHarness(t, []cloudsim.AccountSpec{doAccount("life", 10)})
	c := h.client(t, "life")
	req := createReq("web-1", "webrana")
	req.IPv6, req.Monitoring, req.Backups = true, true, true
	d, resp, err := c.Droplets.Create(ctx, req)
	if err != nil {
		t.Fatal(err)
	}
	if resp.StatusCode != 202 || d.Status != "new" || len(d.Networks.V4) != 0 || d.SizeSlug != "s-1vcpu-1gb" ||
		d.Region.Slug != "sgp1" || d.Image.Slug != "ubuntu-24-04-x64" || d.Memory != 1024 || !slices.Contains(d.Tags, "webrana") {
		t.Fatalf("created %+v", d)
	}
	if len(resp.Links.Actions) != 1 || resp.Links.Actions[0].Rel != "create" {
		t.Fatalf("links %+v", resp.Links)
	}
	createID := resp.Links.Actions[0].ID
	if a, _, err := c.Actions.Get(ctx, createID); err != nil || a.Status != "in-progress" || a.Type != "create" ||
		a.ResourceID != d.ID || a.CompletedAt != nil || a.RegionSlug != "sgp1" {
		t.Fatalf("create action %+v, %v", a, err)
	}

	h.clock.Advance(doCreateDelay - time.Second)
	if got := mustGet(t, c, d.ID); got.Status != "new" {
		t.Fatalf("active %v early", doCreateDelay-time.Second)
	}
	h.clock.Advance(time.Second)
	got := mustGet(t, c, d.ID)
	v4, _ := got.PublicIPv4()
	private, _ := got.PrivateIPv4()
	v6, _ := got.PublicIPv6()
	if got.Status != "active" || v4 == "" || private == "" || v6 == "" || !slices.Contains(got.Features, "ipv6") {
		t.Fatalf("after %v: %s, v4 %q private %q v6 %q", doCreateDelay, got.Status, v4, private, v6)
	}
	if got.NextBackupWindow == nil {
		t.Error("backups on, but no next backup window")
	}
	if a, _, _ := c.Actions.Get(ctx, createID); a.Status != "completed" || a.CompletedAt == nil {
		t.Fatalf("create action after activation: %+v", a)
	}
	// Addresses are stable and distinct per droplet.
	if again := mustGet(t, c, d.ID); !equalJSON(again.Networks, got.Networks) {
		t.Fatal("addresses changed between reads")
	}
	other := mustCreate(t, c, createReq("web-2"))
	h.clock.Advance(doCreateDelay)
	o := mustGet(t, c, other.ID)
	ov4, _ := o.PublicIPv4()
	if ov4 == v4 || len(o.Networks.V6) != 0 {
		t.Fatalf("second droplet: v4 %q (first %q), v6 %v without ipv6", ov4, v4, o.Networks.V6)
	}

	// Deleting frees capacity at once.
	if _, err := c.Droplets.Delete(ctx, d.ID); err != nil {
		t.Fatal(err)
	}
	_, _, err = c.Droplets.Get(ctx, d.ID)
	wantDOError(t, err, 404, "The resource you were accessing could not be found.")
	if _, err := c.Droplets.Delete(ctx, d.ID); err == nil {
		t.Fatal("deleted twice")
	}
	if info := h.sim.Accounts(); info[0].Instances != 1 {
		t.Fatalf("instances after delete: %d", info[0].Instances)
	}
}

func equalJSON(a, b any) bool {
	x, _ := json.Marshal(a)
	y, _ := json.Marshal(b)
	return bytes.Equal(x, y)
}

func TestDigitalOceanActions(t *testing.T) {
	t.Parallel()
	h := newDOHarness(t, []cloudsim.AccountSpec{doAccount("act", 10)})
	c := h.client(t, "act")
	d := mustCreate(t, c, createReq("act-1"))

	_, _, err := c.DropletActions.PowerOff(ctx, d.ID)
	wantDOError(t, err, 422, "Droplet already has a pending event.") // still being created
	h.clock.Advance(doCreateDelay)

	// run starts an action, checks it is in progress and the droplet not yet
	// changed, then completes it on the clock.
	run := func(name string, start func() (*godo.Action, *godo.Response, error)) *godo.Action {
		t.Helper()
		a, resp, err := start()
		if err != nil {
			t.Fatalf("%s: %v", name, err)
		}
		if resp.StatusCode != 201 || a.Status != "in-progress" || a.Type != name || a.ResourceID != d.ID || a.ResourceType != "droplet" {
			t.Fatalf("%s: %d %+v", name, resp.StatusCode, a)
		}
		if _, _, err := c.DropletActions.Reboot(ctx, d.ID); err == nil {
			t.Fatalf("%s: a second action started while one is in progress", name)
		}
		h.clock.Advance(doActionDelay)
		done, _, err := c.DropletActions.Get(ctx, d.ID, a.ID)
		if err != nil || done.Status != "completed" || done.CompletedAt == nil {
			t.Fatalf("%s after %v: %+v, %v", name, doActionDelay, done, err)
		}
		return done
	}
	status := func(want string) {
		t.Helper()
		if got := mustGet(t, c, d.ID); got.Status != want {
			t.Fatalf("status %s, want %s", got.Status, want)
		}
	}

	_, _, err = c.DropletActions.Resize(ctx, d.ID, "s-2vcpu-4gb", true)
	wantDOError(t, err, 422, "Droplet is currently on. Please power it off to run this event.")

	a, _, err := c.DropletActions.PowerOff(ctx, d.ID)
	if err != nil {
		t.Fatal(err)
	}
	status("active") // power_off takes effect when the action completes
	h.clock.Advance(doActionDelay)
	status("off")
	if a, _, _ = c.Actions.Get(ctx, a.ID); a.Status != "completed" {
		t.Fatalf("power_off action %+v", a)
	}

	_, _, err = c.DropletActions.Resize(ctx, d.ID, "s-1vcpu-512mb-10gb", true)
	wantDOError(t, err, 422, "This size is not available because it has a smaller disk.")
	_, _, err = c.DropletActions.Resize(ctx, d.ID, "s-99vcpu", true)
	wantDOError(t, err, 422, "")
	run("resize", func() (*godo.Action, *godo.Response, error) {
		return c.DropletActions.Resize(ctx, d.ID, "s-2vcpu-4gb", true)
	})
	if got := mustGet(t, c, d.ID); got.SizeSlug != "s-2vcpu-4gb" || got.Memory != 4096 || got.Vcpus != 2 || got.Disk != 80 || got.Status != "off" {
		t.Fatalf("after resize %+v", got)
	}
	run("power_on", func() (*godo.Action, *godo.Response, error) { return c.DropletActions.PowerOn(ctx, d.ID) })
	status("active")
	run("reboot", func() (*godo.Action, *godo.Response, error) { return c.DropletActions.Reboot(ctx, d.ID) })
	run("power_cycle", func() (*godo.Action, *godo.Response, error) { return c.DropletActions.PowerCycle(ctx, d.ID) })
	status("active")
	run("rename", func() (*godo.Action, *godo.Response, error) { return c.DropletActions.Rename(ctx, d.ID, "act-renamed") })
	if got := mustGet(t, c, d.ID); got.Name != "act-renamed" {
		t.Fatalf("after rename %q", got.Name)
	}
	_, _, err = c.DropletActions.Rename(ctx, d.ID, "bad_name")
	wantDOError(t, err, 422, "Only valid hostname characters are allowed. (a-z, A-Z, 0-9, . and -)")
	run("rebuild", func() (*godo.Action, *godo.Response, error) {
		return c.DropletActions.RebuildByImageSlug(ctx, d.ID, "debian-12-x64")
	})
	if got := mustGet(t, c, d.ID); got.Image.Slug != "debian-12-x64" {
		t.Fatalf("after rebuild %+v", got.Image)
	}
	_, _, err = c.DropletActions.RebuildByImageSlug(ctx, d.ID, "windows-2022")
	wantDOError(t, err, 422, "")
	run("enable_ipv6", func() (*godo.Action, *godo.Response, error) { return c.DropletActions.EnableIPv6(ctx, d.ID) })
	if v6, _ := mustGet(t, c, d.ID).PublicIPv6(); v6 == "" {
		t.Fatal("enable_ipv6 gave no address")
	}
	run("password_reset", func() (*godo.Action, *godo.Response, error) { return c.DropletActions.PasswordReset(ctx, d.ID) })
	run("snapshot", func() (*godo.Action, *godo.Response, error) {
		return c.DropletActions.Snapshot(ctx, d.ID, "act-golden")
	})
	mine, _, err := c.Images.ListUser(ctx, nil)
	if err != nil || len(mine) != 1 || mine[0].Name != "act-golden" || mine[0].Public || mine[0].Type != "snapshot" {
		t.Fatalf("snapshots %+v, %v", mine, err)
	}
	if img, _, err := c.Images.GetByID(ctx, mine[0].ID); err != nil || img.Name != "act-golden" || img.Regions[0] != "sgp1" {
		t.Fatalf("snapshot by id: %+v, %v", img, err)
	}
	if got := mustGet(t, c, d.ID); !slices.Equal(got.SnapshotIDs, []int{mine[0].ID}) {
		t.Fatalf("droplet snapshot ids %v", got.SnapshotIDs)
	}
	// A droplet can be created from the snapshot.
	fromSnap := createReq("clone")
	fromSnap.Image = godo.DropletCreateImage{ID: mine[0].ID}
	fromSnap.Size = "s-2vcpu-4gb"
	if clone := mustCreate(t, c, fromSnap); clone.Image.ID != mine[0].ID {
		t.Fatalf("clone image %+v", clone.Image)
	}
	run("shutdown", func() (*godo.Action, *godo.Response, error) { return c.DropletActions.Shutdown(ctx, d.ID) })
	status("off")

	actions, resp, err := c.Droplets.Actions(ctx, d.ID, &godo.ListOptions{PerPage: 50})
	if err != nil {
		t.Fatal(err)
	}
	var types []string
	for _, a := range actions {
		types = append(types, a.Type)
	}
	want := []string{"shutdown", "snapshot", "password_reset", "enable_ipv6", "rebuild", "rename", "power_cycle",
		"reboot", "power_on", "resize", "power_off", "create"}
	if !slices.Equal(types, want) || resp.Meta.Total != len(want) {
		t.Fatalf("droplet actions (newest first) %v, want %v", types, want)
	}
	all, _, err := c.Actions.List(ctx, &godo.ListOptions{PerPage: 100})
	if err != nil || len(all) != len(want)+1 { // and the clone's create
		t.Fatalf("account actions: %d, %v", len(all), err)
	}
	_, _, err = c.Actions.Get(ctx, 1)
	wantDOError(t, err, 404, "")
	_, _, err = c.DropletActions.PowerOn(ctx, 999999999)
	wantDOError(t, err, 404, "")
}

func TestDigitalOceanDropletLimit(t *testing.T) {
	t.Parallel()
	withForeign := doAccount("busy", 3)
	withForeign.Instances = 2
	h := newDOHarness(t, []cloudsim.AccountSpec{doAccount("lim", 3), withForeign})
	c := h.client(t, "lim")
	mustCreate(t, c, createReq("a"))
	mustCreate(t, c, createReq("b"))
	_, resp, err := c.Droplets.CreateMultiple(ctx, &godo.DropletMultiCreateRequest{Names: []string{"c", "d"},
		Region: "sgp1", Size: "s-1vcpu-1gb", Image: godo.DropletCreateImage{Slug: "ubuntu-24-04-x64"}})
	wantDOError(t, err, 422, "creating this/these droplet(s) will exceed your droplet limit")
	if resp.StatusCode != 422 {
		t.Fatalf("godo response %d", resp.StatusCode)
	}
	code, _, body := h.raw(t, "POST", "/v2/droplets", "lim",
		`{"names":["c","d"],"region":"sgp1","size":"s-1vcpu-1gb","image":"ubuntu-24-04-x64"}`)
	if code != 422 || body["id"] != "unprocessable_entity" {
		t.Fatalf("limit body: %d %v", code, body)
	}
	third := mustCreate(t, c, createReq("c"))
	_, _, err = c.Droplets.Create(ctx, createReq("d"))
	wantDOError(t, err, 422, "creating this/these droplet(s) will exceed your droplet limit")
	if _, err := c.Droplets.Delete(ctx, third.ID); err != nil {
		t.Fatal(err)
	}
	mustCreate(t, c, createReq("d")) // capacity freed by the delete

	// Foreign droplets count against the limit.
	b := h.client(t, "busy")
	mustCreate(t, b, createReq("mine"))
	_, _, err = b.Droplets.Create(ctx, createReq("more"))
	wantDOError(t, err, 422, "creating this/these droplet(s) will exceed your droplet limit")
	if got := h.sim.Stats().LimitErrors; got != 4 {
		t.Fatalf("limit_errors = %d, want 4", got)
	}
}

func TestDigitalOceanAccountStatus(t *testing.T) {
	t.Parallel()
	locked := doAccount("locked", 5)
	locked.Status = cloudsim.StatusLocked
	locked.Instances = 1
	warned := doAccount("warned", 5)
	warned.Status = cloudsim.StatusWarning
	h := newDOHarness(t, []cloudsim.AccountSpec{locked, warned})
	l := h.client(t, "locked")
	_, _, err := l.Droplets.Create(ctx, createReq("x"))
	wantDOError(t, err, 403, "You do not have access for the attempted action.")
	if ds, _, err := l.Droplets.List(ctx, nil); err != nil || len(ds) != 1 {
		t.Fatalf("a locked account still reads: %v, %v", ds, err)
	}
	mustCreate(t, h.client(t, "warned"), createReq("x"))
	// Unlocking restores creates.
	if err := h.sim.UpdateAccount("locked", cloudsim.AccountUpdate{Status: ptr(cloudsim.StatusActive)}); err != nil {
		t.Fatal(err)
	}
	mustCreate(t, l, createReq("x"))
}

func TestDigitalOceanValidation(t *testing.T) {
	t.Parallel()
	h := newDOHarness(t, []cloudsim.AccountSpec{doAccount("val", 50)},
		specException{Method: "POST", Path: "/v2/droplets", Request: true, Match: "maximum string length is 255",
			Reason: "deliberately sends a 256-character name to see the API's own error"},
		specException{Method: "POST", Path: "/v2/droplets", Request: true, Match: "failed to decode request body",
			Reason: "deliberately sends a body that is not JSON"},
		specException{Method: "POST", Path: "/v2/droplets", Request: true, Match: `Error at "/name": string doesn't match the regular expression`,
			Reason: "deliberately sends names the API refuses, to see its own error"},
		specException{Method: "DELETE", Path: "/v2/droplets", Request: true, Match: `parameter "tag_name" in query has an error: value is required but missing`,
			Reason: "deliberately deletes by tag without a tag"},
		specException{Method: "POST", Path: "/v2/droplets", Request: true, Match: `Error at "/names": property "names" is missing`,
			Reason: "the deliberately bad single creates above also fail the spec's other oneOf branch (multi-create), which is no separate mismatch"})
	c := h.client(t, "val")
	_, fp := sshPublicKey(9)
	tests := []struct {
		name string
		mod  func(*godo.DropletCreateRequest)
		want string
	}{
		{"missing size", func(r *godo.DropletCreateRequest) { r.Size = "" }, "You specified an invalid size for Droplet creation."},
		{"unknown size", func(r *godo.DropletCreateRequest) { r.Size = "s-64vcpu-1tb" }, "You specified an invalid size for Droplet creation."},
		{"missing image", func(r *godo.DropletCreateRequest) { r.Image = godo.DropletCreateImage{} }, "You specified an invalid image for Droplet creation."},
		{"unknown image", func(r *godo.DropletCreateRequest) { r.Image.Slug = "windows-2022" }, "You specified an invalid image for Droplet creation."},
		{"unknown region", func(r *godo.DropletCreateRequest) { r.Region = "mars1" }, "You specified an invalid region for Droplet creation."},
		{"closed region", func(r *godo.DropletCreateRequest) { r.Region = "nyc2" }, "Region is not available"},
		{"size not in region", func(r *godo.DropletCreateRequest) { r.Region, r.Size = "syd1", "so-2vcpu-16gb" }, "Size is not available in this region."},
		{"512mb not in nyc1", func(r *godo.DropletCreateRequest) { r.Region, r.Size = "nyc1", "s-1vcpu-512mb-10gb" }, "Size is not available in this region."},
		{"underscore in name", func(r *godo.DropletCreateRequest) { r.Name = "my_server" }, "Only valid hostname characters are allowed. (a-z, A-Z, 0-9, . and -)"},
		{"space in name", func(r *godo.DropletCreateRequest) { r.Name = "my server" }, "Only valid hostname characters are allowed. (a-z, A-Z, 0-9, . and -)"},
		{"name ends with a dash", func(r *godo.DropletCreateRequest) { r.Name = "web-" }, "Only valid hostname characters are allowed. (a-z, A-Z, 0-9, . and -)"},
		{"name too long", func(r *godo.DropletCreateRequest) { r.Name = strings.Repeat("a", 256) }, "Only valid hostname characters are allowed. (a-z, A-Z, 0-9, . and -)"},
		{"empty name", func(r *godo.DropletCreateRequest) { r.Name = "" }, "Only valid hostname characters are allowed. (a-z, A-Z, 0-9, . and -)"},
		{"user_data over 64 KiB", func(r *godo.DropletCreateRequest) { r.UserData = strings.Repeat("#", 64<<10+1) }, "user_data is too large: it must be 64 KiB or less."},
		{"tag with a space", func(r *godo.DropletCreateRequest) { r.Tags = []string{"bad tag"} }, "Tags may contain letters, numbers, colons, dashes and underscores, and must be 255 characters or less."},
		{"unknown ssh key", func(r *godo.DropletCreateRequest) { r.SSHKeys = []godo.DropletCreateSSHKey{{Fingerprint: fp}} }, fp + " are invalid key identifiers for Droplet creation."},
		{"image too big for size", func(r *godo.DropletCreateRequest) { r.Image.Slug = "gitlab-20-04" }, "The image requires a disk of at least 50 GB; choose a larger size."},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			req := createReq("valid-name.example.com")
			tt.mod(req)
			_, _, err := c.Droplets.Create(ctx, req)
			wantDOError(t, err, 422, tt.want)
		})
	}
	// Accepted edge cases.
	ok := createReq("A.b-9")
	ok.UserData = strings.Repeat("#", 64<<10)
	ok.Region = "" // DigitalOcean picks a region
	if d := mustCreate(t, c, ok); d.Region == nil || d.Region.Slug == "" {
		t.Fatalf("no region chosen: %+v", d.Region)
	}
	var eleven []string
	for i := range 11 {
		eleven = append(eleven, fmt.Sprint("n", i))
	}
	_, _, err := c.Droplets.CreateMultiple(ctx, &godo.DropletMultiCreateRequest{Names: eleven, Region: "sgp1",
		Size: "s-1vcpu-1gb", Image: godo.DropletCreateImage{Slug: "ubuntu-24-04-x64"}})
	wantDOError(t, err, 422, "You may only create up to 10 Droplets at once.")
	if code, _, body := h.raw(t, "POST", "/v2/droplets", "val", `{"name": "x",`); code != 400 || body["id"] != "bad_request" {
		t.Fatalf("malformed JSON: %d %v", code, body)
	}
	if code, _, body := h.raw(t, "DELETE", "/v2/droplets", "val", ""); code != 400 || body["id"] != "bad_request" {
		t.Fatalf("delete by tag without a tag: %d %v", code, body)
	}
	if code, body := send(t, "GET", h.url+"/v2/no-such-thing", "val", ""); code != 404 || !strings.Contains(body, `"id":"not_found"`) {
		t.Fatalf("unknown path: %d %s", code, body)
	}
}

func TestDigitalOceanRateLimits(t *testing.T) {
	t.Parallel()
	h := newDOHarness(t, []cloudsim.AccountSpec{doAccount("rl", 5), doAccount("other", 5)})
	c := h.client(t, "rl")
	start := h.clock.Now()
	for i := range 250 {
		_, resp, err := c.Account.Get(ctx)
		if err != nil {
			t.Fatalf("request %d: %v", i+1, err)
		}
		if resp.Rate.Limit != 5000 || resp.Rate.Remaining != 5000-(i+1) {
			t.Fatalf("request %d: rate %+v", i+1, resp.Rate)
		}
	}
	_, resp, err := c.Account.Get(ctx)
	er := wantDOError(t, err, 429, "API Rate limit exceeded.")
	if got := er.Response.Header.Get("Retry-After"); got != "60" {
		t.Fatalf("retry-after %q, want 60 (the oldest request leaves the minute window in 60s)", got)
	}
	rate := c.GetRate()
	if rate.Limit != 5000 || rate.Remaining != 4750 || !rate.Reset.Time.Equal(start.Add(time.Hour)) || resp.Rate != rate {
		t.Fatalf("godo rate after 429: %+v", rate)
	}
	if _, _, err := h.client(t, "other").Account.Get(ctx); err != nil {
		t.Fatalf("another token is limited too: %v", err)
	}
	if got := h.sim.Stats().RateLimited; got != 1 {
		t.Fatalf("rate_limited = %d, want 1", got)
	}
	h.clock.Advance(time.Minute)
	if _, resp, err := c.Account.Get(ctx); err != nil || resp.Rate.Remaining != 4749 {
		t.Fatalf("a minute later: %v, %+v", err, resp)
	}

	// SSH key writes: 10 a minute.
	h.clock.Advance(time.Minute)
	o := h.client(t, "other")
	for i := range 10 {
		pub, _ := sshPublicKey(byte(100 + i))
		if _, _, err := o.Keys.Create(ctx, &godo.KeyCreateRequest{Name: fmt.Sprint("k", i), PublicKey: pub}); err != nil {
			t.Fatalf("key %d: %v", i, err)
		}
	}
	pub, _ := sshPublicKey(200)
	_, _, err = o.Keys.Create(ctx, &godo.KeyCreateRequest{Name: "eleventh", PublicKey: pub})
	er = wantDOError(t, err, 429, "API Rate limit exceeded.")
	if er.Response.Header.Get("Retry-After") != "60" {
		t.Fatalf("key write retry-after %q", er.Response.Header.Get("Retry-After"))
	}
	if keys, _, err := o.Keys.List(ctx, nil); err != nil || len(keys) != 10 {
		t.Fatalf("key reads are not write-limited: %d, %v", len(keys), err)
	}
	h.clock.Advance(time.Minute)
	if _, _, err := o.Keys.Create(ctx, &godo.KeyCreateRequest{Name: "eleventh", PublicKey: pub}); err != nil {
		t.Fatal(err)
	}
}

func TestDigitalOceanHourlyRateLimit(t *testing.T) {
	t.Parallel()
	h := newDOHarness(t, []cloudsim.AccountSpec{doAccount("hourly", 5)})
	c := h.client(t, "hourly")
	start := h.clock.Now()
	for i := range 5000 { // 200 a minute: under the minute limit, over the hour
		if i%200 == 0 && i > 0 {
			h.clock.Advance(time.Minute)
		}
		if _, _, err := c.Sizes.List(ctx, &godo.ListOptions{PerPage: 1}); err != nil {
			t.Fatalf("request %d: %v", i+1, err)
		}
	}
	_, _, err := c.Sizes.List(ctx, &godo.ListOptions{PerPage: 1})
	er := wantDOError(t, err, 429, "API Rate limit exceeded.")
	wait := start.Add(time.Hour).Sub(h.clock.Now())
	if got := er.Response.Header.Get("Retry-After"); got != strconv.Itoa(int(wait.Seconds())) {
		t.Fatalf("retry-after %s, want %v", got, wait)
	}
	if rate := c.GetRate(); rate.Remaining != 0 || !rate.Reset.Time.Equal(start.Add(time.Hour)) {
		t.Fatalf("rate %+v", rate)
	}
}

func TestDigitalOceanSSHKeys(t *testing.T) {
	t.Parallel()
	h := newDOHarness(t, []cloudsim.AccountSpec{doAccount("keys", 5)})
	c := h.client(t, "keys")
	pub, fp := sshPublicKey(1)
	k, resp, err := c.Keys.Create(ctx, &godo.KeyCreateRequest{Name: "laptop", PublicKey: pub})
	if err != nil || resp.StatusCode != 201 || k.Fingerprint != fp || k.PublicKey != pub || k.ID == 0 {
		t.Fatalf("create: %+v, %v", k, err)
	}
	if got, _, err := c.Keys.GetByID(ctx, k.ID); err != nil || got.Fingerprint != fp {
		t.Fatalf("by id: %+v, %v", got, err)
	}
	if got, _, err := c.Keys.GetByFingerprint(ctx, fp); err != nil || got.ID != k.ID {
		t.Fatalf("by fingerprint: %+v, %v", got, err)
	}
	if got, _, err := c.Keys.UpdateByID(ctx, k.ID, &godo.KeyUpdateRequest{Name: "work laptop"}); err != nil || got.Name != "work laptop" {
		t.Fatalf("update: %+v, %v", got, err)
	}
	_, _, err = c.Keys.Create(ctx, &godo.KeyCreateRequest{Name: "again", PublicKey: pub})
	wantDOError(t, err, 422, "SSH Key is already in use on your account")
	_, _, err = c.Keys.Create(ctx, &godo.KeyCreateRequest{Name: "junk", PublicKey: "ssh-ed25519 bm90IGEga2V5"})
	wantDOError(t, err, 422, "Key invalid, key should be of the form 'type key [comment]'")
	_, _, err = c.Keys.Create(ctx, &godo.KeyCreateRequest{Name: "dsa", PublicKey: "ssh-dss AAAAB3NzaC1kc3M="})
	wantDOError(t, err, 422, "")
	pub2, fp2 := sshPublicKey(2)
	k2, _, err := c.Keys.Create(ctx, &godo.KeyCreateRequest{Name: "ci", PublicKey: pub2})
	if err != nil {
		t.Fatal(err)
	}
	keys, resp, err := c.Keys.List(ctx, nil)
	if err != nil || len(keys) != 2 || keys[0].ID != k.ID || resp.Meta.Total != 2 {
		t.Fatalf("list: %+v, %v", keys, err)
	}
	// Droplets take keys by id or fingerprint.
	req := createReq("keyed")
	req.SSHKeys = []godo.DropletCreateSSHKey{{ID: k.ID}, {Fingerprint: fp2}}
	mustCreate(t, c, req)
	if _, err := c.Keys.DeleteByFingerprint(ctx, fp2); err != nil {
		t.Fatal(err)
	}
	_, _, err = c.Keys.GetByID(ctx, k2.ID)
	wantDOError(t, err, 404, "The resource you were accessing could not be found.")
	if _, err := c.Keys.DeleteByID(ctx, k.ID); err != nil {
		t.Fatal(err)
	}
	if keys, _, _ := c.Keys.List(ctx, nil); len(keys) != 0 {
		t.Fatalf("keys left: %v", keys)
	}
}

func TestDigitalOceanMonitoring(t *testing.T) {
	t.Parallel()
	h := newDOHarness(t, []cloudsim.AccountSpec{doAccount("mon", 5)},
		specException{Method: "GET", Path: "/v2/monitoring/metrics/droplet/bandwidth", Request: true,
			Match:  `parameter "direction" in query has an error: value is required but missing`,
			Reason: "deliberately leaves out direction to see the API refuse it"})
	c := h.client(t, "mon")
	req := createReq("watched")
	req.Monitoring = true
	d := mustCreate(t, c, req)
	bare := mustCreate(t, c, createReq("unwatched"))
	h.clock.Advance(3 * time.Hour)
	now := h.clock.Now()
	args := &godo.DropletMetricsRequest{HostID: strconv.Itoa(d.ID), Start: now.Add(-time.Hour), End: now}
	host := args.HostID

	cpu, _, err := c.Monitoring.GetDropletCPU(ctx, args)
	if err != nil || cpu.Status != "success" || cpu.Data.ResultType != "matrix" || len(cpu.Data.Result) != 8 {
		t.Fatalf("cpu: %+v, %v", cpu, err)
	}
	modes := map[string]bool{}
	for _, s := range cpu.Data.Result {
		modes[string(s.Metric["mode"])] = true
		if string(s.Metric["host_id"]) != host || len(s.Values) != 61 {
			t.Fatalf("cpu series %v with %d points, want host %s and 61 (an hour at 60s steps, both ends)", s.Metric, len(s.Values), host)
		}
		for i := 1; i < len(s.Values); i++ {
			if s.Values[i].Value < s.Values[i-1].Value || s.Values[i].Timestamp.Unix()-s.Values[i-1].Timestamp.Unix() != 60 {
				t.Fatalf("cpu %s is not a counter at 60s steps: %v then %v", s.Metric["mode"], s.Values[i-1], s.Values[i])
			}
		}
	}
	if !modes["idle"] || !modes["user"] || !modes["system"] {
		t.Fatalf("cpu modes %v", modes)
	}
	// As on a real droplet, the modes together count every CPU-second: each
	// 60-second step adds 60 per vCPU (one here) across the modes, and the
	// busy part (all but idle and iowait) is a plausible share of it.
	for i := 1; i < 61; i++ {
		var total, idle float64
		for _, s := range cpu.Data.Result {
			d := float64(s.Values[i].Value - s.Values[i-1].Value)
			total += d
			if m := s.Metric["mode"]; m == "idle" || m == "iowait" {
				idle += d
			}
		}
		if busy := (total - idle) / total; math.Abs(total-60) > 0.1 || busy <= 0 || busy >= 0.5 {
			t.Fatalf("cpu step %d: %v CPU-seconds, %.1f%% busy; want 60 and a plausible share", i, total, 100*busy)
		}
	}

	bw, _, err := c.Monitoring.GetDropletBandwidth(ctx, &godo.DropletBandwidthMetricsRequest{
		DropletMetricsRequest: *args, Interface: "public", Direction: "outbound"})
	if err != nil || len(bw.Data.Result) != 1 || string(bw.Data.Result[0].Metric["interface"]) != "public" ||
		string(bw.Data.Result[0].Metric["direction"]) != "outbound" || len(bw.Data.Result[0].Values) != 61 {
		t.Fatalf("bandwidth: %+v, %v", bw, err)
	}
	total := one(t, c.Monitoring.GetDropletTotalMemory, args)
	avail := one(t, c.Monitoring.GetDropletAvailableMemory, args)
	free := one(t, c.Monitoring.GetDropletFreeMemory, args)
	for i := range total {
		if float64(total[i].Value) != 1024*1024*1024 || !(0 < free[i].Value && free[i].Value < avail[i].Value && avail[i].Value < total[i].Value) {
			t.Fatalf("memory at %v: total %v available %v free %v", total[i].Timestamp, total[i].Value, avail[i].Value, free[i].Value)
		}
	}
	for _, get := range []func(context.Context, *godo.DropletMetricsRequest) (*godo.MetricsResponse, *godo.Response, error){
		c.Monitoring.GetDropletLoad1, c.Monitoring.GetDropletLoad5, c.Monitoring.GetDropletLoad15} {
		for _, v := range one(t, get, args) {
			if v.Value < 0 || v.Value > 2 {
				t.Fatalf("load %v for one vCPU", v.Value)
			}
		}
	}
	again, _, _ := c.Monitoring.GetDropletCPU(ctx, args)
	if !equalJSON(again, cpu) {
		t.Fatal("the same query gave different series")
	}
	// Without the agent: hypervisor metrics only.
	bareArgs := &godo.DropletMetricsRequest{HostID: strconv.Itoa(bare.ID), Start: now.Add(-time.Hour), End: now}
	if m, _, err := c.Monitoring.GetDropletFreeMemory(ctx, bareArgs); err != nil || len(m.Data.Result) != 0 {
		t.Fatalf("memory without monitoring: %+v, %v", m, err)
	}
	if m, _, err := c.Monitoring.GetDropletCPU(ctx, bareArgs); err != nil || len(m.Data.Result) != 8 {
		t.Fatalf("cpu without monitoring: %v", err)
	}
	// Unknown hosts have no data; a missing direction is a bad request.
	if m, _, err := c.Monitoring.GetDropletCPU(ctx, &godo.DropletMetricsRequest{HostID: "1", Start: args.Start, End: now}); err != nil || len(m.Data.Result) != 0 {
		t.Fatalf("unknown host: %+v, %v", m, err)
	}
	code, _, body := h.raw(t, "GET", fmt.Sprintf("/v2/monitoring/metrics/droplet/bandwidth?host_id=%s&interface=public&start=%d&end=%d",
		host, args.Start.Unix(), now.Unix()), "mon", "")
	if code != 400 || body["id"] != "bad_request" {
		t.Fatalf("bandwidth without direction: %d %v", code, body)
	}
}

// one fetches a single-series metric and returns its points.
func one(t *testing.T, get func(context.Context, *godo.DropletMetricsRequest) (*godo.MetricsResponse, *godo.Response, error),
	args *godo.DropletMetricsRequest) []struct {
	Timestamp time.Time
	Value     float64
} {
	t.Helper()
	m, _, err := get(ctx, args)
	if err != nil || len(m.Data.Result) != 1 || string(m.Data.Result[0].Metric["host_id"]) != args.HostID {
		t.Fatalf("metric: %+v, %v", m, err)
	}
	var out []struct {
		Timestamp time.Time
		Value     float64
	}
	for _, p := range m.Data.Result[0].Values {
		out = append(out, struct {
			Timestamp time.Time
			Value     float64
		}{p.Timestamp.Time(), float64(p.Value)})
	}
	return out
}

// TestDigitalOceanStatsExact: 8 goroutines drive one account each through
// godo; every request is counted once, per account, endpoint and status.
func TestDigitalOceanStatsExact(t *testing.T) {
	t.Parallel()
	const workers, rounds = 8, 6
	var accounts []cloudsim.AccountSpec
	for i := range workers {
		accounts = append(accounts, doAccount(fmt.Sprint("w", i), rounds-1)) // the last create hits the limit
	}
	h := newDOHarness(t, accounts)
	var wg sync.WaitGroup
	for i := range workers {
		wg.Add(1)
		go func() {
			defer wg.Done()
			c := h.client(t, fmt.Sprint("w", i))
			for r := range rounds {
				d, _, err := c.Droplets.Create(ctx, createReq(fmt.Sprintf("w%d-%d", i, r), "stats"))
				if r == rounds-1 {
					if err == nil {
						t.Errorf("worker %d: create over the limit succeeded", i)
					}
					continue
				}
				if err != nil {
					t.Errorf("worker %d: %v", i, err)
					return
				}
				if _, _, err := c.Droplets.Get(ctx, d.ID); err != nil {
					t.Errorf("worker %d: %v", i, err)
				}
				if _, _, err := c.Droplets.ListByTag(ctx, "stats", nil); err != nil {
					t.Errorf("worker %d: %v", i, err)
				}
			}
			if _, err := c.Droplets.DeleteByTag(ctx, "stats"); err != nil {
				t.Errorf("worker %d: %v", i, err)
			}
		}()
	}
	wg.Wait()
	st := h.sim.Stats()
	want := map[string]int{}
	for i := range workers {
		email := fmt.Sprintf("w%d@example.com", i)
		want[email+" POST /v2/droplets 202"] = rounds - 1
		want[email+" POST /v2/droplets 422"] = 1
		want[email+" GET /v2/droplets/{id} 200"] = rounds - 1
		want[email+" GET /v2/droplets 200"] = rounds - 1
		want[email+" DELETE /v2/droplets 204"] = 1
	}
	got := map[string]int{}
	for _, r := range st.Requests {
		got[fmt.Sprintf("%s %s %s %d", r.Account, r.Method, r.Path, r.Status)] += r.Count
	}
	if !equalJSON(got, want) {
		t.Fatalf("stats rows\n got %v\nwant %v", got, want)
	}
	if st.LimitErrors != workers || st.RateLimited != 0 {
		t.Fatalf("limit_errors %d rate_limited %d", st.LimitErrors, st.RateLimited)
	}
	for _, a := range st.Accounts {
		if a.Instances != 0 {
			t.Fatalf("account %s keeps %d droplets after delete by tag", a.Email, a.Instances)
		}
	}
}

func TestDigitalOceanPersistence(t *testing.T) {
	t.Parallel()
	h := newDOHarness(t, []cloudsim.AccountSpec{doAccount("keep", 10)})
	c := h.client(t, "keep")
	pub, fp := sshPublicKey(7)
	if _, _, err := c.Keys.Create(ctx, &godo.KeyCreateRequest{Name: "ops", PublicKey: pub}); err != nil {
		t.Fatal(err)
	}
	active := mustCreate(t, c, createReq("kept-active", "keep"))
	h.clock.Advance(doCreateDelay)
	if _, _, err := c.DropletActions.Snapshot(ctx, active.ID, "kept-snap"); err != nil {
		t.Fatal(err)
	}
	pending := mustCreate(t, c, createReq("kept-new", "keep")) // saved while new
	before, _, _ := c.Droplets.List(ctx, nil)

	path := filepath.Join(t.TempDir(), "sim.json")
	if err := h.sim.Save(path); err != nil {
		t.Fatal(err)
	}
	again := cloudsim.New(cloudsim.Config{Now: h.clock.Now, CreateDelay: doCreateDelay, ActionDelay: doActionDelay})
	if ok, err := again.Load(path); !ok || err != nil {
		t.Fatalf("load: %v, %v", ok, err)
	}
	srv := httptest.NewServer(again.Handler())
	defer srv.Close()
	h2 := &doHarness{sim: again, url: srv.URL, clock: h.clock, spec: h.spec}
	c2 := h2.client(t, "keep")
	after, _, err := c2.Droplets.List(ctx, nil)
	if err != nil || !equalJSON(after, before) {
		t.Fatalf("droplets after load differ:\n%v\n%v (%v)", after, before, err)
	}
	if k, _, err := c2.Keys.GetByFingerprint(ctx, fp); err != nil || k.Name != "ops" {
		t.Fatalf("key after load: %+v, %v", k, err)
	}
	// Lifecycles resume on the clock: the pending create and the snapshot finish.
	h.clock.Advance(doCreateDelay)
	if d := mustGet(t, c2, pending.ID); d.Status != "active" {
		t.Fatalf("saved-new droplet %s after load", d.Status)
	}
	if snaps, _, err := c2.Images.ListUser(ctx, nil); err != nil || len(snaps) != 1 || snaps[0].Name != "kept-snap" {
		t.Fatalf("snapshot after load: %v, %v", snaps, err)
	}
	// Ids continue where they were.
	if d := mustCreate(t, c2, createReq("after-load")); d.ID <= pending.ID {
		t.Fatalf("id %d reused after load (last %d)", d.ID, pending.ID)
	}
}

func TestDigitalOceanDroppedCreate(t *testing.T) {
	t.Parallel()
	h := newDOHarness(t, []cloudsim.AccountSpec{doAccount("drop", 5)})
	c := h.client(t, "drop")
	if err := h.sim.AddFault(cloudsim.FaultSpec{Drop: true, Count: 1, Method: "POST", PathPrefix: "/v2/droplets"}); err != nil {
		t.Fatal(err)
	}
	_, _, err := c.Droplets.Create(ctx, createReq("lost-answer", "order-42"))
	var er *godo.ErrorResponse
	if err == nil || errors.As(err, &er) {
		t.Fatalf("create through a dropped connection: %v", err)
	}
	ds, _, err := c.Droplets.ListByTag(ctx, "order-42", nil)
	if err != nil || len(ds) != 1 || ds[0].Name != "lost-answer" {
		t.Fatalf("the dropped create's droplet: %v, %v", ds, err)
	}
	if st := h.sim.Stats(); st.Faults != 1 {
		t.Fatalf("faults_injected %d", st.Faults)
	}
	// Status faults answer with DigitalOcean's error body.
	if err := h.sim.AddFault(cloudsim.FaultSpec{Status: 503, Count: 1, PathPrefix: "/v2/droplets"}); err != nil {
		t.Fatal(err)
	}
	_, _, err = c.Droplets.List(ctx, nil)
	wantDOError(t, err, 503, "")
}

func TestDigitalOceanForeignDroplets(t *testing.T) {
	t.Parallel()
	spec := doAccount("pool", 25)
	spec.Instances = 20
	h := newDOHarness(t, []cloudsim.AccountSpec{spec})
	c := h.client(t, "pool")
	ds, _, err := c.Droplets.List(ctx, &godo.ListOptions{PerPage: 50})
	if err != nil || len(ds) != 20 {
		t.Fatalf("foreign droplets: %d, %v", len(ds), err)
	}
	names := map[string]bool{}
	for _, d := range ds {
		v4, _ := d.PublicIPv4()
		if d.Status != "active" || v4 == "" || names[d.Name] || strings.Contains(d.Name, "foreign") || d.Size == nil || d.Image == nil {
			t.Fatalf("foreign droplet %+v", d)
		}
		names[d.Name] = true
	}
	if info := h.sim.Accounts(); info[0].Instances != 20 {
		t.Fatalf("instances %d", info[0].Instances)
	}
}

// TestDigitalOceanEveryEndpoint walks each endpoint once through godo and
// checks, from the spec transport's record, that each was validated.
func TestDigitalOceanEveryEndpoint(t *testing.T) {
	t.Parallel()
	h := newDOHarness(t, []cloudsim.AccountSpec{doAccount("tour", 5)})
	c := h.client(t, "tour")
	must := func(_ any, _ *godo.Response, err error) {
		t.Helper()
		if err != nil {
			t.Fatal(err)
		}
	}
	must(c.Account.Get(ctx))
	must(c.Sizes.List(ctx, nil))
	must(c.Regions.List(ctx, nil))
	must(c.Images.List(ctx, nil))
	must(c.Images.GetBySlug(ctx, "ubuntu-24-04-x64"))
	must(c.OneClick.List(ctx, "droplet"))
	pub, fp := sshPublicKey(42)
	k, _, err := c.Keys.Create(ctx, &godo.KeyCreateRequest{Name: "tour", PublicKey: pub})
	must(k, nil, err)
	must(c.Keys.List(ctx, nil))
	must(c.Keys.GetByFingerprint(ctx, fp))
	must(c.Keys.UpdateByID(ctx, k.ID, &godo.KeyUpdateRequest{Name: "tour2"}))
	d := mustCreate(t, c, createReq("tour", "tour"))
	must(c.Droplets.List(ctx, nil))
	must(c.Droplets.Get(ctx, d.ID))
	h.clock.Advance(doCreateDelay)
	a, _, err := c.DropletActions.PowerOff(ctx, d.ID)
	must(a, nil, err)
	must(c.DropletActions.Get(ctx, d.ID, a.ID))
	must(c.Droplets.Actions(ctx, d.ID, nil))
	must(c.Actions.Get(ctx, a.ID))
	must(c.Actions.List(ctx, nil))
	must(c.Droplets.Snapshots(ctx, d.ID, nil))
	vpcs, _, err := c.VPCs.List(ctx, nil)
	must(vpcs, nil, err)
	must(c.VPCs.Get(ctx, vpcs[0].ID))
	mine, _, err := c.VPCs.Create(ctx, &godo.VPCCreateRequest{Name: "tour-net", RegionSlug: "sgp1"})
	must(mine, nil, err)
	_, err = c.VPCs.Delete(ctx, mine.ID)
	must(nil, nil, err)
	now := h.clock.Now()
	must(c.Monitoring.GetDropletCPU(ctx, &godo.DropletMetricsRequest{HostID: strconv.Itoa(d.ID), Start: now.Add(-time.Hour), End: now}))
	_, err = c.Keys.DeleteByID(ctx, k.ID)
	must(nil, nil, err)
	_, err = c.Droplets.Delete(ctx, d.ID)
	must(nil, nil, err)
	_, err = c.Droplets.DeleteByTag(ctx, "tour")
	must(nil, nil, err)
	checked := h.spec.Checked()
	for _, want := range []string{
		"GET /v2/account 200", "GET /v2/sizes 200", "GET /v2/regions 200", "GET /v2/images 200",
		"GET /v2/images/{image_id} 200", "GET /v2/1-clicks 200", "POST /v2/account/keys 201", "GET /v2/account/keys 200",
		"GET /v2/account/keys/{ssh_key_identifier} 200", "PUT /v2/account/keys/{ssh_key_identifier} 200",
		"DELETE /v2/account/keys/{ssh_key_identifier} 204", "POST /v2/droplets 202", "GET /v2/droplets 200",
		"GET /v2/droplets/{droplet_id} 200", "DELETE /v2/droplets/{droplet_id} 204", "DELETE /v2/droplets 204",
		"POST /v2/droplets/{droplet_id}/actions 201", "GET /v2/droplets/{droplet_id}/actions 200",
		"GET /v2/droplets/{droplet_id}/actions/{action_id} 200", "GET /v2/actions 200", "GET /v2/actions/{action_id} 200",
		"GET /v2/monitoring/metrics/droplet/cpu 200",
		"GET /v2/droplets/{droplet_id}/snapshots 200", "GET /v2/vpcs 200", "GET /v2/vpcs/{vpc_id} 200",
		"POST /v2/vpcs 201", "DELETE /v2/vpcs/{vpc_id} 204",
	} {
		if checked[want] == 0 {
			t.Errorf("%s was not validated against the spec (validated: %v)", want, checked)
		}
	}
}

package cloudsim_test

import (
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"net/url"
	"slices"
	"testing"
	"time"

	"github.com/webrana/webrana/cloudsim"
)

// scaleSim is a simulator holding accounts accounts, half DigitalOcean and
// half Linode, with perAccount running servers each, on a clock that
// moves a second per reading (so no rate limit binds). It is driven
// through its handler, without a network, so the figures are the
// simulator's own work.
func scaleSim(b *testing.B, accounts, perAccount int) (http.Handler, []cloudsim.AccountSpec) {
	b.Helper()
	sim := cloudsim.New(cloudsim.Config{Now: (&tickClock{start: time.Date(2030, 1, 1, 0, 0, 0, 0, time.UTC)}).Now})
	specs := make([]cloudsim.AccountSpec, accounts)
	for i := range specs {
		p := cloudsim.DigitalOcean
		if i%2 == 1 {
			p = cloudsim.Linode
		}
		specs[i] = cloudsim.AccountSpec{Provider: p, Token: fmt.Sprint("scale-", i), Email: fmt.Sprint("scale-", i, "@example.com"),
			Limit: 2 * perAccount, Instances: perAccount}
	}
	for _, spec := range specs {
		if err := sim.AddAccount(spec); err != nil {
			b.Fatal(err)
		}
	}
	return sim.Handler(), specs
}

// listPath is the first page of an account's servers as Webrana's drivers
// ask for it (godo: 200 a page; linodego: 500), with a tag filter or not
// (Linode's is the X-Filter header, set by the caller).
func listPath(provider, tag string) string {
	if provider == cloudsim.DigitalOcean {
		q := url.Values{"page": {"1"}, "per_page": {"200"}}
		if tag != "" {
			q.Set("tag_name", tag)
		}
		return "/v2/droplets?" + q.Encode()
	}
	return "/v4/linode/instances?page=1&page_size=500"
}

// BenchmarkListAtScale: 1,000 accounts holding 25,000 servers; one
// operation lists one account's servers (every account in turn), whole
// or filtered by a tag, as Webrana's syncs and boot watches do. It
// reports the median and 99th percentile of one list.
func BenchmarkListAtScale(b *testing.B) {
	h, specs := scaleSim(b, 1000, 25)
	for _, tc := range []struct{ provider, name, tag string }{
		{cloudsim.DigitalOcean, "all", ""}, {cloudsim.DigitalOcean, "by-tag", "webrana-order-x"},
		{cloudsim.Linode, "all", ""}, {cloudsim.Linode, "by-tag", "webrana-order-x"},
	} {
		b.Run(tc.provider+"/"+tc.name, func(b *testing.B) {
			var reqs []*http.Request
			for _, spec := range specs {
				if spec.Provider == tc.provider {
					r := httptest.NewRequest(http.MethodGet, listPath(spec.Provider, tc.tag), nil)
					r.Header.Set("Authorization", "Bearer "+spec.Token)
					if tc.tag != "" && spec.Provider == cloudsim.Linode {
						r.Header.Set("X-Filter", `{"tags":"`+tc.tag+`"}`)
					}
					reqs = append(reqs, r)
				}
			}
			var lat []time.Duration
			i := 0
			for b.Loop() {
				w := &discard{header: http.Header{}}
				start := time.Now()
				h.ServeHTTP(w, reqs[i%len(reqs)])
				lat = append(lat, time.Since(start))
				if w.status != http.StatusOK {
					b.Fatalf("%s: %d", reqs[i%len(reqs)].URL, w.status)
				}
				i++
			}
			slices.Sort(lat)
			b.ReportMetric(float64(lat[len(lat)/2].Microseconds()), "p50-µs")
			b.ReportMetric(float64(lat[len(lat)*99/100].Microseconds()), "p99-µs")
		})
	}
}

// discard is a ResponseWriter that keeps only the status.
type discard struct {
	header http.Header
	status int
}

func (d *discard) Header() http.Header { return d.header }
func (d *discard) WriteHeader(code int) {
	if d.status == 0 {
		d.status = code
	}
}
func (d *discard) Write(p []byte) (int, error) {
	d.WriteHeader(http.StatusOK)
	return io.Discard.Write(p)
}

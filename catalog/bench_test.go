package catalog_test

import (
	"context"
	"sync"
	"testing"
	"time"

	"github.com/webrana/webrana"
	"github.com/webrana/webrana/store/storetest"
)

// BenchmarkCachedSizes measures a catalog read served from cache (the
// provider's updated_at is still read from the database each time).
func BenchmarkCachedSizes(b *testing.B) {
	f := setupB(b)
	ctx := context.Background()
	if _, err := f.svc.GetSizes(ctx, webrana.DigitalOcean); err != nil {
		b.Fatal(err)
	}
	b.RunParallel(func(pb *testing.PB) {
		for pb.Next() {
			if _, err := f.svc.GetSizes(ctx, webrana.DigitalOcean); err != nil {
				b.Error(err)
			}
		}
	})
}

// BenchmarkProviderCallsPerExpiry reports provider calls per burst of 100
// concurrent readers at a TTL expiry (want 1).
func BenchmarkProviderCallsPerExpiry(b *testing.B) {
	f := setupB(b)
	ctx := context.Background()
	before := f.calls("/v2/sizes")
	for b.Loop() {
		f.clock.Advance(time.Hour + time.Second)
		var wg sync.WaitGroup
		for range 100 {
			wg.Add(1)
			go func() {
				defer wg.Done()
				if _, err := f.svc.GetSizes(ctx, webrana.DigitalOcean); err != nil {
					b.Error(err)
				}
			}()
		}
		wg.Wait()
	}
	b.ReportMetric(float64(f.calls("/v2/sizes")-before)/float64(b.N), "provider-calls/expiry")
}

func setupB(b *testing.B) *fixture { return setup(b, storetest.OpenSQLite(b)) }

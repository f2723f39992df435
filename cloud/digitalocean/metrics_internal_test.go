package digitalocean

import (
	"math"
	"testing"

	"github.com/digitalocean/godo"
	"github.com/digitalocean/godo/metrics"
)

// cpuSeries builds the CPU metric's answer: per mode, counters at times.
func cpuSeries(times []int64, modes map[string][]float64) []metrics.SampleStream {
	var out []metrics.SampleStream
	for mode, vs := range modes {
		s := metrics.SampleStream{Metric: metrics.Metric{"host_id": "222651441", "mode": metrics.LabelValue(mode)}}
		for i, v := range vs {
			s.Values = append(s.Values, metrics.SamplePair{Timestamp: metrics.TimeFromUnix(times[i]), Value: metrics.SampleValue(v)})
		}
		out = append(out, s)
	}
	return out
}

// TestCPUPercentSpecExample: the spec's example answer (components/examples/
// droplet_cpu of digitalocean-v2.yaml), cumulative seconds per mode, is a
// nearly idle droplet: a fraction of a percent busy, never the counters.
func TestCPUPercentSpecExample(t *testing.T) {
	times := []int64{1635386880, 1635387000, 1635387120}
	got := cpuPercent(cpuSeries(times, map[string][]float64{
		"idle":    {122901.18, 123020.92, 123140.8},
		"iowait":  {14.99, 15.01, 15.01},
		"irq":     {0, 0, 0},
		"nice":    {66.35, 66.35, 66.35},
		"softirq": {2.13, 2.13, 2.13},
		"steal":   {7.89, 7.9, 7.91},
		"system":  {140.09, 140.2, 140.23},
		"user":    {278.57, 278.65, 278.69},
	}))
	// First interval: total 119.96 s, of which idle 119.74 and iowait 0.02.
	// Second: total 119.96 s again, idle 119.88.
	want := []float64{100 * 0.20 / 119.96, 100 * 0.08 / 119.96}
	if len(got) != len(want) {
		t.Fatalf("%d points %v, want %d", len(got), got, len(want))
	}
	for i, p := range got {
		if math.Abs(p.Value-want[i]) > 1e-6 || p.Time.Unix() != times[i+1] {
			t.Errorf("point %d = %v at %v, want %v at %d", i, p.Value, p.Time, want[i], times[i+1])
		}
	}
}

// TestCPUPercentEdges: several vCPUs, a counter reset, a time some mode
// lacks, and no series at all.
func TestCPUPercentEdges(t *testing.T) {
	// Two vCPUs over 60 s: 120 CPU-seconds, 30 busy (25%); then the droplet
	// rebooted and the counters restarted (left out); then 60 of 120 busy.
	times := []int64{600, 660, 720, 780}
	got := cpuPercent(cpuSeries(times, map[string][]float64{
		"idle":   {1000, 1090, 10, 70},
		"user":   {100, 120, 1, 41},
		"system": {50, 60, 1, 21},
	}))
	if len(got) != 2 || got[0].Value != 25 || got[1].Value != 50 || got[0].Time.Unix() != 660 || got[1].Time.Unix() != 780 {
		t.Fatalf("got %v, want 25%% at 660 and 50%% at 780", got)
	}
	// A time only some modes have is not a sample.
	s := cpuSeries([]int64{0, 60, 120}, map[string][]float64{"idle": {0, 54, 108}, "user": {0, 6, 12}})
	s[0].Values = append(s[0].Values, metrics.SamplePair{Timestamp: metrics.TimeFromUnix(90), Value: 81})
	if got := cpuPercent(s); len(got) != 2 || got[0].Value != 10 || got[1].Value != 10 {
		t.Fatalf("with a stray sample: %v, want 10%% twice", got)
	}
	if got := cpuPercent(nil); len(got) != 0 {
		t.Fatalf("no series: %v", got)
	}
	var res godo.MetricsResponse // the answer for an unknown droplet
	if got := cpuPercent(res.Data.Result); len(got) != 0 {
		t.Fatalf("empty answer: %v", got)
	}
}

// TestAppDescription: the Marketplace text, else the system it runs on.
func TestAppDescription(t *testing.T) {
	for _, c := range []struct {
		im   godo.Image
		want string
	}{
		{godo.Image{Description: " WordPress with a LAMP stack. ", Distribution: "Ubuntu"}, "WordPress with a LAMP stack."},
		{godo.Image{Distribution: "Ubuntu"}, "1-click app on Ubuntu."},
		{godo.Image{}, ""},
	} {
		if got := appDescription(c.im); got != c.want {
			t.Errorf("appDescription(%+v) = %q, want %q", c.im, got, c.want)
		}
	}
}

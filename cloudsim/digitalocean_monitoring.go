package cloudsim

import (
	"math"
	"net/http"
	"strconv"
	"time"
)

// Droplet monitoring (GET /v2/monitoring/metrics/droplet/{metric}):
// Prometheus matrices like the real API's, with plausible values that are a
// pure function of the droplet, the metric and the time, so the same query
// always gives the same series. CPU is per-mode counters of seconds;
// bandwidth is Mbps per interface and direction; memory and filesystem are
// bytes; load is the load average. Metrics from the in-droplet agent
// (memory, load, filesystem) exist only for droplets created with
// monitoring; CPU and bandwidth come from the hypervisor for every droplet.

// doAgentMetrics need the metrics agent.
var doAgentMetrics = map[string]bool{"memory_free": true, "memory_available": true, "memory_total": true,
	"memory_cached": true, "load_1": true, "load_5": true, "load_15": true, "filesystem_free": true, "filesystem_size": true}

// doCPUModes are the CPU modes with their share of busy time (idle is the rest).
var doCPUModes = []struct {
	mode  string
	share float64
}{{"user", 0.62}, {"system", 0.22}, {"iowait", 0.06}, {"softirq", 0.04}, {"steal", 0.03}, {"nice", 0.02}, {"irq", 0.01}}

const doMaxPoints = 240 // points per series at most

type doSeries struct {
	Metric map[string]string `json:"metric"`
	Values [][2]any          `json:"values"`
}

func (d *digitalOcean) dropletMetrics(c *call) {
	metric := c.r.PathValue("metric")
	if metric != "cpu" && metric != "bandwidth" && !doAgentMetrics[metric] {
		d.writeError(c, http.StatusNotFound, doNotFound)
		return
	}
	q := c.r.URL.Query()
	hostID := q.Get("host_id")
	start, err1 := strconv.ParseInt(q.Get("start"), 10, 64)
	end, err2 := strconv.ParseInt(q.Get("end"), 10, 64)
	switch {
	case hostID == "" || err1 != nil || err2 != nil:
		d.writeError(c, http.StatusBadRequest, "host_id, start and end (Unix seconds) are required")
		return
	case end < start:
		d.writeError(c, http.StatusBadRequest, "end must not be before start")
		return
	}
	iface, dir := q.Get("interface"), q.Get("direction")
	if metric == "bandwidth" && (iface != "public" && iface != "private" || dir != "inbound" && dir != "outbound") {
		d.writeError(c, http.StatusBadRequest, "interface (public or private) and direction (inbound or outbound) are required")
		return
	}
	result := []doSeries{}
	id, _ := strconv.Atoi(hostID)
	if drop := c.do().Droplets[id]; drop != nil && (drop.Monitoring || !doAgentMetrics[metric]) {
		result = drop.series(metric, iface, dir, start, min(end, c.now.Unix()))
	}
	doWrite(c, http.StatusOK, map[string]any{"status": "success",
		"data": map[string]any{"resultType": "matrix", "result": result}})
}

// series computes a metric's series between from and to (Unix seconds).
func (d *doDroplet) series(metric, iface, dir string, from, to int64) []doSeries {
	from = max(from, d.CreatedAt.Unix())
	if from > to {
		return []doSeries{}
	}
	step := int64(60)
	for (to-from)/step >= doMaxPoints {
		step *= 2
	}
	var times []int64
	for t := (from + step - 1) / step * step; t <= to; t += step {
		times = append(times, t)
	}
	host := strconv.Itoa(d.ID)
	one := func(labels map[string]string, f func(t int64) float64) doSeries {
		labels["host_id"] = host
		s := doSeries{Metric: labels, Values: make([][2]any, len(times))}
		for i, t := range times {
			s.Values[i] = [2]any{t, strconv.FormatFloat(math.Round(f(t)*100)/100, 'f', -1, 64)}
		}
		return s
	}
	total := float64(d.Memory) * (1 << 20)
	disk := float64(d.Disk) * (1 << 30)
	vcpus := float64(d.Vcpus)
	fs := map[string]string{"device": "/dev/vda1", "fstype": "ext4", "mountpoint": "/"}
	switch metric {
	case "cpu":
		var out []doSeries
		busy := func(t int64) float64 { return vcpus * d.busySeconds(t) }
		for _, m := range doCPUModes {
			out = append(out, one(map[string]string{"mode": m.mode}, func(t int64) float64 { return m.share * busy(t) }))
		}
		out = append(out, one(map[string]string{"mode": "idle"}, func(t int64) float64 {
			return vcpus*float64(t-d.CreatedAt.Unix()) - busy(t)
		}))
		return out
	case "bandwidth":
		scale := map[string]float64{"public/outbound": 1.8, "public/inbound": 0.6, "private/outbound": 0.25, "private/inbound": 0.3}[iface+"/"+dir]
		return []doSeries{one(map[string]string{"interface": iface, "direction": dir}, func(t int64) float64 {
			return scale * (0.4 + 0.3*d.wave(t) + 0.3*d.noise(t, 1))
		})}
	case "memory_total":
		return []doSeries{one(map[string]string{}, func(int64) float64 { return total })}
	case "memory_available":
		return []doSeries{one(map[string]string{}, func(t int64) float64 { return total * d.memAvailable(t) })}
	case "memory_free":
		return []doSeries{one(map[string]string{}, func(t int64) float64 { return total * d.memAvailable(t) * 0.55 })}
	case "memory_cached":
		return []doSeries{one(map[string]string{}, func(t int64) float64 { return total * d.memAvailable(t) * 0.35 })}
	case "load_1", "load_5", "load_15":
		smooth := map[string]float64{"load_1": 1, "load_5": 0.5, "load_15": 0.25}[metric]
		return []doSeries{one(map[string]string{}, func(t int64) float64 {
			return vcpus * (0.12 + 0.08*d.wave(t) + 0.1*smooth*d.noise(t, 2))
		})}
	case "filesystem_size":
		return []doSeries{one(fs, func(int64) float64 { return disk })}
	case "filesystem_free":
		return []doSeries{one(fs, func(t int64) float64 {
			used := 0.18 + 0.1*math.Min(1, float64(t-d.CreatedAt.Unix())/(90*86400)) // grows over three months
			return disk * (1 - used - 0.01*d.noise(t, 3))
		})}
	}
	return []doSeries{}
}

// The shape of a droplet's day: a daily wave with a per-droplet phase.
const doDay = float64(24 * time.Hour / time.Second)

func (d *doDroplet) phase() float64 { return float64(d.ID%997) / 997 * 2 * math.Pi }

// wave is in [0, 1], peaking once a day.
func (d *doDroplet) wave(t int64) float64 {
	return 0.5 + 0.5*math.Sin(2*math.Pi*float64(t)/doDay+d.phase())
}

// busySeconds is the CPU time one vCPU has spent busy since creation: the
// integral of a busy share of 0.1 ± 0.06 over the day, so the counters
// only grow.
func (d *doDroplet) busySeconds(t int64) float64 {
	w := 2 * math.Pi / doDay
	integral := func(x float64) float64 { return 0.1*x - 0.06/w*math.Cos(w*x+d.phase()) }
	return integral(float64(t)) - integral(float64(d.CreatedAt.Unix()))
}

func (d *doDroplet) memAvailable(t int64) float64 {
	return 0.58 - 0.12*d.wave(t) - 0.04*d.noise(t, 4)
}

// noise is a deterministic value in [0, 1) for the droplet, time and stream.
func (d *doDroplet) noise(t int64, stream uint64) float64 {
	x := uint64(d.ID)*0x9e3779b97f4a7c15 ^ uint64(t)*0xbf58476d1ce4e5b9 ^ stream*0x94d049bb133111eb
	x ^= x >> 30
	x *= 0xbf58476d1ce4e5b9
	x ^= x >> 27
	x *= 0x94d049bb133111eb
	x ^= x >> 31
	return float64(x>>11) / (1 << 53)
}

package pool_test

import (
	"bufio"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net"
	"net/http"
	"os"
	"os/exec"
	"strconv"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/webrana/webrana"
	"github.com/webrana/webrana/cloud"
	"github.com/webrana/webrana/cloud/cloudtest"
	"github.com/webrana/webrana/cloudsim"
	"github.com/webrana/webrana/pool"
	"github.com/webrana/webrana/providers"
	"github.com/webrana/webrana/secrets"
	"github.com/webrana/webrana/store"
	"github.com/webrana/webrana/store/storetest"
)

// The pool at scale: 1,000 accounts, half DigitalOcean and half Linode,
// each running 25 of Webrana's servers.
const (
	scaleAccounts = 1000
	scaleServers  = 25
	scaleMinutes  = 10
)

var scaleStart = time.Date(2031, 5, 1, 9, 0, 0, 0, time.UTC)

func scaleToken(i int) string { return fmt.Sprint("scale-token-", i) }

func scaleProvider(i int) webrana.ProviderType {
	if i%2 == 1 {
		return webrana.Linode
	}
	return webrana.DigitalOcean
}

// TestMain runs the package's tests, or, in the process BenchmarkCycles
// starts with WEBRANA_BENCH_SIM set, its simulator (serveSimulator) instead.
func TestMain(m *testing.M) {
	if os.Getenv("WEBRANA_BENCH_SIM") != "" {
		if err := serveSimulator(); err != nil {
			fmt.Fprintln(os.Stderr, err)
			os.Exit(1)
		}
		os.Exit(0)
	}
	os.Exit(m.Run())
}

// serveSimulator is BenchmarkCycles' simulator, run in a process of its own
// (the test binary again, with WEBRANA_BENCH_SIM set) so that its CPU time
// is not Webrana's. It holds the accounts and their servers, on a clock the
// benchmark moves with POST /_bench/advance?d=, and serves until its
// standard input closes.
func serveSimulator() error {
	clock := cloudtest.NewClock(scaleStart)
	sim := cloudsim.New(cloudsim.Config{Now: clock.Now})
	for i := range scaleAccounts {
		if err := sim.AddAccount(cloudsim.AccountSpec{Provider: string(scaleProvider(i)), Token: scaleToken(i),
			Email: fmt.Sprint("scale-", i, "@example.com"), Limit: 2 * scaleServers, Instances: scaleServers}); err != nil {
			return err
		}
	}
	mux := http.NewServeMux()
	mux.Handle("/", sim.Handler())
	mux.HandleFunc("POST /_bench/advance", func(w http.ResponseWriter, r *http.Request) {
		d, err := time.ParseDuration(r.URL.Query().Get("d"))
		if err != nil {
			http.Error(w, err.Error(), http.StatusBadRequest)
			return
		}
		clock.Advance(d)
	})
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return err
	}
	go func() { _ = http.Serve(ln, mux) }()
	fmt.Printf("simulator http://%s\n", ln.Addr())
	_, _ = io.Copy(io.Discard, os.Stdin)
	return nil
}

// simProcess is the simulator's process, seen from the benchmark.
type simProcess struct {
	url string
	pid int
}

func startSimProcess(b *testing.B) *simProcess {
	cmd := exec.Command(os.Args[0])
	cmd.Env = append(os.Environ(), "WEBRANA_BENCH_SIM=1")
	cmd.Stderr = os.Stderr
	stdin, err := cmd.StdinPipe()
	if err != nil {
		b.Fatal(err)
	}
	stdout, err := cmd.StdoutPipe()
	if err != nil {
		b.Fatal(err)
	}
	if err := cmd.Start(); err != nil {
		b.Fatal(err)
	}
	b.Cleanup(func() { stdin.Close(); _ = cmd.Wait() })
	lines := bufio.NewScanner(stdout)
	for lines.Scan() {
		if url, ok := strings.CutPrefix(lines.Text(), "simulator "); ok {
			go func() { _, _ = io.Copy(io.Discard, stdout) }()
			return &simProcess{url: url, pid: cmd.Process.Pid}
		}
	}
	b.Fatal("the simulator process ended without serving")
	return nil
}

// cpu is the process's CPU time (user and system) so far, from
// /proc/<pid>/stat, in clock ticks of 10 ms.
func (p *simProcess) cpu(b *testing.B) time.Duration {
	raw, err := os.ReadFile(fmt.Sprintf("/proc/%d/stat", p.pid))
	if err != nil {
		b.Fatal(err)
	}
	fields := strings.Fields(string(raw[strings.LastIndexByte(string(raw), ')')+2:]))
	utime, _ := strconv.Atoi(fields[11]) // fields 14 and 15 of stat, counted after the command
	stime, _ := strconv.Atoi(fields[12])
	return time.Duration(utime+stime) * 10 * time.Millisecond
}

func (p *simProcess) do(b *testing.B, method, path string, out any, body ...string) {
	req, err := http.NewRequest(method, p.url+path, strings.NewReader(strings.Join(body, "")))
	if err != nil {
		b.Fatal(err)
	}
	res, err := http.DefaultClient.Do(req)
	if err != nil {
		b.Fatal(err)
	}
	defer res.Body.Close()
	if res.StatusCode >= 300 {
		b.Fatalf("%s %s: %s", method, path, res.Status)
	}
	if out != nil {
		if err := json.NewDecoder(res.Body).Decode(out); err != nil {
			b.Fatal(err)
		}
	}
}

// selfCPU is this process's CPU time (user and system) so far.
func selfCPU(b *testing.B) time.Duration {
	var ru syscall.Rusage
	if err := syscall.Getrusage(syscall.RUSAGE_SELF, &ru); err != nil {
		b.Fatal(err)
	}
	return time.Duration(ru.Utime.Nano() + ru.Stime.Nano())
}

// BenchmarkCycles runs the pool's periodic work over 1,000 accounts
// holding 25,000 servers (in the simulator, and the same 25,000 in
// Webrana's database), on each engine, through ten simulated minutes: a
// health cycle each minute, a sync cycle each five (run together with that
// minute's health cycle, as River may). The simulator runs in its own
// process, so the CPU time reported is Webrana's (with SQLite in it; a
// PostgreSQL server's own is not counted). It reports per cycle: provider
// calls per account (mean, and the most any account got), 429s, wall
// time and Webrana's CPU time, and the simulator's CPU time. A third run
// has the simulator answer each call after 100 ms, as a real provider
// may, for the wall time of a cycle.
func BenchmarkCycles(b *testing.B) {
	for _, engine := range []struct {
		name    string
		open    func(testing.TB) *store.DB
		latency time.Duration // the provider's answer time
	}{
		{"sqlite", storetest.OpenSQLite, 0}, {"postgres", storetest.OpenPostgres, 0},
		{"sqlite-100ms-provider", storetest.OpenSQLite, latencyRun},
	} {
		b.Run(engine.name, func(b *testing.B) {
			if engine.name == "postgres" {
				storetest.RequirePostgres(b)
			}
			if engine.latency < 0 {
				b.Skip("sequential cycles at 100 ms a call take over half an hour")
			}
			sim := startSimProcess(b)
			p, clock := scalePool(b, engine.open(b), sim)
			if engine.latency > 0 {
				sim.do(b, http.MethodPost, "/_sim/faults", nil, fmt.Sprintf(`{"latency_ms": %d}`, engine.latency.Milliseconds()))
			}
			health, sync := cycles(p)
			ctx := context.Background()
			var (
				n                             int
				calls, worst, throttled       int
				wall, cpu, simCPU             time.Duration
				syncWall, syncCPU, syncSimCPU time.Duration
			)
			for b.Loop() {
				for minute := 1; minute <= scaleMinutes; minute++ {
					clock.Advance(time.Minute)
					sim.do(b, http.MethodPost, "/_bench/advance?d=1m", nil)
					sim.do(b, http.MethodDelete, "/_sim/stats", nil)
					simBefore, before, start := sim.cpu(b), selfCPU(b), time.Now()
					errs := make(chan error, 2)
					jobs := []func(context.Context) (int, error){health}
					if minute%5 == 0 {
						jobs = append(jobs, sync)
					}
					for _, job := range jobs {
						go func() { _, err := job(ctx); errs <- err }()
					}
					for range jobs {
						if err := <-errs; err != nil {
							b.Fatal(err)
						}
					}
					w, c, sc := time.Since(start), selfCPU(b)-before, sim.cpu(b)-simBefore
					var st cloudsim.Stats
					sim.do(b, http.MethodGet, "/_sim/stats", &st)
					per := map[string]int{}
					total, tooMany := 0, 0
					for _, r := range st.Requests {
						per[r.Account] += r.Count
						total += r.Count
						if r.Status == http.StatusTooManyRequests {
							tooMany += r.Count
						}
					}
					most := 0
					for _, k := range per {
						most = max(most, k)
					}
					b.Logf("minute %2d %-11s: %5d calls (%.2f an account, at most %d), %d × 429, wall %v, Webrana CPU %v, simulator CPU %v",
						minute, map[bool]string{true: "health+sync", false: "health"}[len(jobs) == 2], total,
						float64(total)/scaleAccounts, most, tooMany, w.Round(time.Millisecond), c.Round(time.Millisecond), sc)
					n++
					calls, worst, throttled = calls+total, max(worst, most), throttled+tooMany
					wall, cpu, simCPU = wall+w, cpu+c, simCPU+sc
					if len(jobs) == 2 {
						syncWall, syncCPU, syncSimCPU = syncWall+w, syncCPU+c, syncSimCPU+sc
					}
				}
			}
			syncs := n / 5
			b.ReportMetric(float64(calls)/float64(n)/scaleAccounts, "calls/account/cycle")
			b.ReportMetric(float64(worst), "max-calls/account/cycle")
			b.ReportMetric(float64(throttled), "429s")
			b.ReportMetric(float64(wall.Milliseconds())/float64(n), "wall-ms/cycle")
			b.ReportMetric(float64(cpu.Milliseconds())/float64(n), "cpu-ms/cycle")
			b.ReportMetric(float64(syncCPU.Milliseconds())/float64(syncs), "cpu-ms/sync-cycle")
			b.ReportMetric(float64(syncWall.Milliseconds())/float64(syncs), "wall-ms/sync-cycle")
			b.ReportMetric(float64(simCPU.Milliseconds())/float64(n), "sim-cpu-ms/cycle")
			b.ReportMetric(float64(syncSimCPU.Milliseconds())/float64(syncs), "sim-cpu-ms/sync-cycle")
		})
	}
}

// scalePool makes Webrana's side of BenchmarkCycles: the accounts, healthy
// and synced a minute ago, their 25,000 servers as active instances
// (listed from the simulator once, to learn their ids), and the pool.
func scalePool(b *testing.B, db *store.DB, sim *simProcess) (*pool.Service, *cloudtest.Clock) {
	ctx := context.Background()
	clock := cloudtest.NewClock(scaleStart)
	db.Now = clock.Now
	for _, p := range webrana.ProviderTypes {
		if _, err := db.EnsureProvider(ctx, p, string(p)); err != nil {
			b.Fatal(err)
		}
	}
	owner := &webrana.User{Email: "scale@example.com", Role: webrana.RoleCustomer, PasswordHash: "argon2id$x", EmailVerified: true}
	if err := db.CreateUser(ctx, owner); err != nil {
		b.Fatal(err)
	}
	plans := map[webrana.ProviderType]*webrana.Plan{}
	for _, p := range webrana.ProviderTypes {
		ex := cloudsim.Example(string(p))
		pl := &webrana.Plan{ProviderType: p, SizeSlug: ex.Size, Name: "Small " + string(p), VCPUs: 1, MemoryMB: 1024, DiskGB: 25,
			PriceMonthly: 600, PriceHourly: 1, Currency: "USD", Regions: []string{ex.Region}, IsActive: true}
		if err := db.CreatePlan(ctx, pl); err != nil {
			b.Fatal(err)
		}
		plans[p] = pl
	}
	keys := secrets.NewKeyring(secrets.NewKey(), nil)
	opener := providers.New(providers.Config{DB: db, Pacers: cloud.NewPacers(clock.Now, clock.Sleep), Now: clock.Now,
		Sleep: clock.Sleep, SimulatorURL: sim.url})
	now := clock.Now()
	for i := range scaleAccounts {
		p := scaleProvider(i)
		sealed, err := keys.Seal(scaleToken(i))
		if err != nil {
			b.Fatal(err)
		}
		a := &webrana.Account{ProviderType: p, Name: fmt.Sprint("scale-", i), Email: fmt.Sprint("scale-", i, "@example.com"),
			TokenCiphertext: sealed, IsActive: true, Limit: 2 * scaleServers, LimitFromProvider: p == webrana.DigitalOcean,
			Health: webrana.HealthHealthy, LastSyncAt: &now, LastHealthCheckAt: &now}
		if err := db.CreateAccount(ctx, a); err != nil {
			b.Fatal(err)
		}
		c, err := opener.Open(p, scaleToken(i))
		if err != nil {
			b.Fatal(err)
		}
		servers, err := c.ListInstances(ctx, cloud.ListOptions{})
		if err != nil || len(servers) != scaleServers {
			b.Fatalf("account %d: %d servers, %v", i, len(servers), err)
		}
		err = db.InTx(ctx, func(tx *store.Tx) error {
			for _, srv := range servers {
				in := &webrana.Instance{OwnerID: owner.ID, ProviderType: p, PlanID: plans[p].ID, AccountID: a.ID, ProviderID: srv.ID,
					Label: srv.Name, Region: srv.Region, Image: srv.Image, Status: webrana.StatusActive}
				if err := tx.CreateInstance(ctx, in); err != nil {
					return err
				}
			}
			return nil
		})
		if err != nil {
			b.Fatal(err)
		}
	}
	if _, err := db.SQL().ExecContext(ctx, "ANALYZE"); err != nil {
		b.Fatal(err)
	}
	return newScalePool(db, keys, opener, clock), clock
}

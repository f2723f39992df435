package store_test

import (
	"context"
	"errors"
	"fmt"
	"os"
	"os/exec"
	"strings"
	"sync"
	"testing"

	"github.com/webrana/webrana"
	"github.com/webrana/webrana/store"
	"github.com/webrana/webrana/store/storetest"
)

// childEnv names the database a child process reserves on.
const childEnv = "WEBRANA_RESERVE_CHILD_URL"

// TestMain lets the test binary act as a reserving process of its own
// (see TestReservationsAcrossProcesses) before running the tests.
func TestMain(m *testing.M) {
	if url := os.Getenv(childEnv); url != "" {
		os.Exit(reserveChild(url))
	}
	os.Exit(m.Run())
}

// reserveChild reserves from 16 goroutines and prints what it got.
func reserveChild(url string) int {
	ctx := context.Background()
	db, err := store.Open(ctx, url)
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		return 1
	}
	defer db.Close()
	var mu sync.Mutex
	reserved, full := map[string]int{}, 0
	var wg sync.WaitGroup
	for i := range 16 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			r, err := db.Reserve(ctx, store.ReserveRequest{Provider: webrana.DigitalOcean, OrderID: fmt.Sprintf("%d-%d", os.Getpid(), i)})
			mu.Lock()
			defer mu.Unlock()
			switch {
			case err == nil:
				reserved[r.AccountID]++
			case errors.Is(err, webrana.ErrAllAccountsFull):
				full++
			default:
				fmt.Fprintln(os.Stderr, "reserve:", err)
			}
		}()
	}
	wg.Wait()
	for id, n := range reserved {
		fmt.Printf("reserved %s %d\n", id, n)
	}
	fmt.Printf("full %d\n", full)
	return 0
}

// TestReservationsAcrossProcesses: three processes (as three server
// replicas would) reserve 48 times against 20 free slots on one
// PostgreSQL: exactly 20 succeed, spread as the free slots are, and no
// account exceeds its limit.
func TestReservationsAcrossProcesses(t *testing.T) {
	url := storetest.PostgresURL(t, true)
	ctx := context.Background()
	db, err := store.Open(ctx, url)
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	if _, err := db.EnsureProvider(ctx, webrana.DigitalOcean, "DigitalOcean"); err != nil {
		t.Fatal(err)
	}
	free := map[string]int{}
	for i, f := range []int{1, 2, 3, 4, 5, 2, 3} {
		a := &webrana.Account{ProviderType: webrana.DigitalOcean, Name: fmt.Sprint("acct", i), TokenCiphertext: "x",
			IsActive: true, Limit: 25, Active: 25 - f, Health: webrana.HealthHealthy}
		if err := db.CreateAccount(ctx, a); err != nil {
			t.Fatal(err)
		}
		free[a.ID] = f
	}
	outs := make([]string, 3)
	var wg sync.WaitGroup
	for i := range outs {
		wg.Add(1)
		go func() {
			defer wg.Done()
			cmd := exec.Command(os.Args[0], "-test.run=^$")
			cmd.Env = append(os.Environ(), childEnv+"="+url)
			out, err := cmd.Output()
			if err != nil {
				t.Errorf("child %d: %v", i, err)
			}
			outs[i] = string(out)
		}()
	}
	wg.Wait()
	got, full := map[string]int{}, 0
	for _, out := range outs {
		for _, line := range strings.Split(strings.TrimSpace(out), "\n") {
			var id string
			var n int
			if _, err := fmt.Sscanf(line, "reserved %s %d", &id, &n); err == nil {
				got[id] += n
			} else if _, err := fmt.Sscanf(line, "full %d", &n); err == nil {
				full += n
			}
		}
	}
	total := 0
	for id, f := range free {
		a, err := db.AccountByID(ctx, id)
		if err != nil {
			t.Fatal(err)
		}
		if got[id] != f || a.Reserved != f || a.Active+a.Reserved > a.Limit {
			t.Errorf("account %s: %d reserved by the processes, %d recorded, limit %d/%d; want its %d free slots",
				a.Name, got[id], a.Reserved, a.Active+a.Reserved, a.Limit, f)
		}
		total += got[id]
	}
	if total != 20 || full != 48-20 {
		t.Fatalf("%d reserved, %d told full; want 20 and 28 (outputs: %q)", total, full, outs)
	}
}

package storetest

import (
	"cmp"
	"context"
	"crypto/sha256"
	"fmt"
	"reflect"
	"slices"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/webrana/webrana"
	"github.com/webrana/webrana/store"
)

// epoch is where every injected clock starts: a UTC time with microseconds,
// the precision both engines keep.
var epoch = time.Date(2031, 5, 6, 7, 8, 9, 123456000, time.UTC)

// Clock is a settable clock for db.Now, safe for concurrent use.
type Clock struct {
	mu  sync.Mutex
	now time.Time
}

// useClock makes db read the time from a new Clock set to epoch. Call it
// before db is shared with other goroutines.
func useClock(db *store.DB) *Clock {
	c := &Clock{now: epoch}
	db.Now = c.Now
	return c
}

// Now returns the clock's time.
func (c *Clock) Now() time.Time {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.now
}

// Advance moves the clock forward by d and returns the new time.
func (c *Clock) Advance(d time.Duration) time.Time {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.now = c.now.Add(d)
	return c.now
}

// Set moves the clock to t.
func (c *Clock) Set(t time.Time) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.now = t
}

var seq atomic.Int64

// unique returns prefix followed by a number no other call returns.
func unique(prefix string) string { return fmt.Sprintf("%s%d", prefix, seq.Add(1)) }

func ptr[T any](v T) *T { return &v }

// hash returns the SHA-256 of s, as tokens are stored.
func hash(s string) []byte {
	h := sha256.Sum256([]byte(s))
	return h[:]
}

// must fails the test on an error.
func must(t *testing.T, err error) {
	t.Helper()
	if err != nil {
		t.Fatal(err)
	}
}

// wantCode fails the test unless err carries the given webrana error code.
func wantCode(t *testing.T, err error, code, what string) {
	t.Helper()
	if got := webrana.ErrorCode(err); got != code {
		t.Fatalf("%s: error %v (code %q), want code %q", what, err, got, code)
	}
}

// mustEqual fails the test when got and want differ; see diff.
func mustEqual(t *testing.T, what string, got, want any) {
	t.Helper()
	if d := diff(got, want); len(d) > 0 {
		t.Fatalf("%s differs:\n  %s", what, strings.Join(d, "\n  "))
	}
}

// diff compares got and want field by field. Times compare with Equal and a
// time read back must be in UTC; nil and empty slices and maps are equal.
func diff(got, want any) []string {
	var out []string
	diffValue(&out, "", reflect.ValueOf(got), reflect.ValueOf(want))
	return out
}

var timeType = reflect.TypeFor[time.Time]()

func diffValue(out *[]string, path string, g, w reflect.Value) {
	if !g.IsValid() || !w.IsValid() {
		if g.IsValid() != w.IsValid() {
			*out = append(*out, fmt.Sprintf("%s: got %v, want %v", path, g, w))
		}
		return
	}
	if g.Type() == timeType {
		gt, wt := g.Interface().(time.Time), w.Interface().(time.Time)
		switch {
		case !gt.Equal(wt):
			*out = append(*out, fmt.Sprintf("%s: got %v, want %v", path, gt, wt))
		case gt.Location() != time.UTC:
			*out = append(*out, fmt.Sprintf("%s: got %v, not in UTC", path, gt))
		}
		return
	}
	switch g.Kind() {
	case reflect.Pointer, reflect.Interface:
		if g.IsNil() || w.IsNil() {
			if g.IsNil() != w.IsNil() {
				*out = append(*out, fmt.Sprintf("%s: got %s, want %s", path, show(g), show(w)))
			}
			return
		}
		diffValue(out, path, g.Elem(), w.Elem())
	case reflect.Struct:
		for i := range g.NumField() {
			if g.Type().Field(i).IsExported() {
				diffValue(out, path+"."+g.Type().Field(i).Name, g.Field(i), w.Field(i))
			}
		}
	case reflect.Slice:
		if g.Len() != w.Len() {
			*out = append(*out, fmt.Sprintf("%s: got %v, want %v", path, g, w))
			return
		}
		for i := range g.Len() {
			diffValue(out, fmt.Sprintf("%s[%d]", path, i), g.Index(i), w.Index(i))
		}
	case reflect.Map:
		if g.Len() != w.Len() {
			*out = append(*out, fmt.Sprintf("%s: got %v, want %v", path, g, w))
			return
		}
		for _, k := range w.MapKeys() {
			diffValue(out, fmt.Sprintf("%s[%v]", path, k), g.MapIndex(k), w.MapIndex(k))
		}
	default:
		if !reflect.DeepEqual(g.Interface(), w.Interface()) {
			*out = append(*out, fmt.Sprintf("%s: got %#v, want %#v", path, g, w))
		}
	}
}

func show(v reflect.Value) string {
	if v.IsNil() {
		return "nil"
	}
	return fmt.Sprintf("%v", v.Elem())
}

// ids returns the IDs of items, in order.
func ids[T any](items []T, id func(T) string) []string {
	out := make([]string, len(items))
	for i, x := range items {
		out[i] = id(x)
	}
	return out
}

// filterIDs returns the IDs of the items for which keep is true, in order.
func filterIDs[T any](items []T, id func(T) string, keep func(T) bool) []string {
	out := []string{}
	for _, x := range items {
		if keep(x) {
			out = append(out, id(x))
		}
	}
	return out
}

// sortNewestFirst sorts items by time, newest first, ties by id descending:
// the order of every newest-first list.
func sortNewestFirst[T any](items []T, at func(T) time.Time, id func(T) string) {
	slices.SortFunc(items, func(a, b T) int { return -cmp.Or(at(a).Compare(at(b)), cmp.Compare(id(a), id(b))) })
}

// mustUser creates a customer with a fresh e-mail.
func mustUser(t *testing.T, db *store.DB) *webrana.User {
	t.Helper()
	return mustUserRole(t, db, webrana.RoleCustomer)
}

func mustUserRole(t *testing.T, db *store.DB, role webrana.Role) *webrana.User {
	t.Helper()
	u := &webrana.User{Email: unique("user") + "@example.com", Role: role, PasswordHash: "argon2id$hash", EmailVerified: true}
	must(t, db.CreateUser(t.Context(), u))
	return u
}

// mustProvider ensures the provider of type typ exists.
func mustProvider(t *testing.T, db *store.DB, typ webrana.ProviderType) *webrana.Provider {
	t.Helper()
	p, err := db.EnsureProvider(t.Context(), typ, string(typ))
	must(t, err)
	return p
}

// mustAccount creates an account of typ named name (its provider too), after
// edit has changed the defaults.
func mustAccount(t *testing.T, db *store.DB, typ webrana.ProviderType, name string, edit ...func(*webrana.Account)) *webrana.Account {
	t.Helper()
	mustProvider(t, db, typ)
	a := &webrana.Account{ProviderType: typ, Name: name, TokenCiphertext: "ct-" + name, IsActive: true, Limit: 25}
	for _, f := range edit {
		f(a)
	}
	must(t, db.CreateAccount(t.Context(), a))
	return a
}

// mustPlan creates a plan of typ named name (its provider too), after edit
// has changed the defaults.
func mustPlan(t *testing.T, db *store.DB, typ webrana.ProviderType, name string, edit ...func(*webrana.Plan)) *webrana.Plan {
	t.Helper()
	mustProvider(t, db, typ)
	p := &webrana.Plan{ProviderType: typ, SizeSlug: "s-1vcpu-1gb", Name: name, VCPUs: 1, MemoryMB: 1024, DiskGB: 25,
		PriceMonthly: 600, PriceHourly: 1, Currency: "USD", Regions: []string{"sgp1"}, IsActive: true}
	for _, f := range edit {
		f(p)
	}
	must(t, db.CreatePlan(t.Context(), p))
	return p
}

// newInstance returns an unsaved pending instance of owner on plan.
func newInstance(owner *webrana.User, plan *webrana.Plan) *webrana.Instance {
	return &webrana.Instance{OwnerID: owner.ID, ProviderType: plan.ProviderType, PlanID: plan.ID,
		Label: unique("web-"), Region: "sgp1", Image: "ubuntu-24-04-x64", Status: webrana.StatusPending}
}

// createInstance saves in in a transaction of its own.
func createInstance(ctx context.Context, db *store.DB, in *webrana.Instance) error {
	return db.InTx(ctx, func(tx *store.Tx) error { return tx.CreateInstance(ctx, in) })
}

// mustInstance saves in and returns it.
func mustInstance(t *testing.T, db *store.DB, in *webrana.Instance) *webrana.Instance {
	t.Helper()
	must(t, createInstance(t.Context(), db, in))
	return in
}

// countInstances returns how many instances there are.
func countInstances(t *testing.T, db *store.DB) int {
	t.Helper()
	_, total, err := db.ListInstances(t.Context(), webrana.InstanceFilter{})
	must(t, err)
	return total
}

// pagingRows is how many rows checkPaging creates: one more than the largest
// page, so the clamp shows.
const pagingRows = webrana.MaxPerPage + 1

// checkPaging creates pagingRows rows with create (the clock set to a time
// shared by several rows and out of creation order) and checks that list
// returns the right pages of them, in time order (newest first unless
// oldestFirst) with ties broken by id the same way, and the right total.
func checkPaging(t *testing.T, clk *Clock, oldestFirst bool, create func(i int) string,
	list func(p webrana.Page) ([]string, int, error)) {
	t.Helper()
	type row struct {
		id string
		at time.Time
	}
	rows := make([]row, pagingRows)
	for i := range rows {
		at := epoch.Add(time.Duration(i*37%60) * time.Second)
		clk.Set(at)
		rows[i] = row{id: create(i), at: at}
	}
	slices.SortFunc(rows, func(a, b row) int {
		c := cmp.Or(a.at.Compare(b.at), cmp.Compare(a.id, b.id))
		if oldestFirst {
			return c
		}
		return -c
	})
	want := ids(rows, func(r row) string { return r.id })
	window := func(from, to int) []string { return want[min(from, len(want)):min(to, len(want))] }

	def, maxPer := webrana.DefaultPerPage, webrana.MaxPerPage
	for _, tc := range []struct {
		name string
		page webrana.Page
		want []string
	}{
		{"zero page is the first page of the default size", webrana.Page{}, window(0, def)},
		{"negative values mean the defaults", webrana.Page{Page: -3, PerPage: -1}, window(0, def)},
		{"second default page", webrana.Page{Page: 2}, window(def, 2*def)},
		{"last default page is partial", webrana.Page{Page: (pagingRows + def - 1) / def}, window(pagingRows/def*def, pagingRows)},
		{"odd page size", webrana.Page{Page: 3, PerPage: 7}, window(14, 21)},
		{"page size clamped", webrana.Page{PerPage: 10 * maxPer}, window(0, maxPer)},
		{"second clamped page", webrana.Page{Page: 2, PerPage: maxPer + 1}, window(maxPer, 2*maxPer)},
		{"past the end", webrana.Page{Page: 1000, PerPage: 10}, []string{}},
	} {
		got, total, err := list(tc.page)
		if err != nil {
			t.Fatalf("%s: %v", tc.name, err)
		}
		if total != pagingRows {
			t.Errorf("%s: total %d, want %d", tc.name, total, pagingRows)
		}
		if !slices.Equal(got, tc.want) {
			t.Errorf("%s: page %+v has %d items\n got %v\nwant %v", tc.name, tc.page, len(got), got, tc.want)
		}
	}
}

// SeedInstances inserts n active instances spread round-robin over owners,
// in batches, then has the database gather statistics (as autovacuum or
// SQLite's optimize would in production), for benchmarks at scale.
func SeedInstances(tb testing.TB, db *store.DB, owners []*webrana.User, plan *webrana.Plan, n int) {
	tb.Helper()
	ctx := context.Background()
	const batch = 5000
	for start := 0; start < n; start += batch {
		err := db.InTx(ctx, func(tx *store.Tx) error {
			for i := start; i < min(n, start+batch); i++ {
				in := &webrana.Instance{OwnerID: owners[i%len(owners)].ID, ProviderType: plan.ProviderType, PlanID: plan.ID,
					Label: fmt.Sprintf("web-%d", i), Region: "sgp1", Image: "ubuntu-24-04-x64", Status: webrana.StatusActive,
					Options: webrana.InstanceOptions{IPv6: true, Monitoring: true, SSHKeyIDs: []string{"k1"}}}
				if err := tx.CreateInstance(ctx, in); err != nil {
					return err
				}
			}
			return nil
		})
		if err != nil {
			tb.Fatal(err)
		}
	}
	if _, err := db.SQL().ExecContext(ctx, "ANALYZE"); err != nil {
		tb.Fatal(err)
	}
}

// provisionDay is the first period an order's hold pays for
// (provision.PrepaidSpan, which the store's tests cannot import).
const provisionDay = 24 * time.Hour

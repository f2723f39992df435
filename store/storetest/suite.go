package storetest

import (
	"testing"

	"github.com/webrana/webrana/store"
)

// Opener returns a fresh, migrated, empty database for one test.
type Opener func(t *testing.T) *store.DB

// Run runs the whole store contract against the databases open returns. Each
// case gets a database of its own, so cases run in parallel.
func Run(t *testing.T, open Opener) {
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			tc.run(t, open(t))
		})
	}
}

type testCase struct {
	name string
	run  func(t *testing.T, db *store.DB)
}

// cases is the contract, one entry per behaviour; the files beside this one
// append to it by entity.
var cases []testCase

func register(name string, run func(t *testing.T, db *store.DB)) bool {
	cases = append(cases, testCase{name: name, run: run})
	return true
}

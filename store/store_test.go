package store_test

import (
	"testing"

	"github.com/webrana/webrana/store"
	"github.com/webrana/webrana/store/storetest"
)

func TestStore(t *testing.T) {
	t.Run("sqlite", func(t *testing.T) {
		storetest.Run(t, func(t *testing.T) *store.DB { return storetest.OpenSQLite(t) })
	})
	t.Run("postgres", func(t *testing.T) {
		storetest.RequirePostgres(t)
		storetest.Run(t, func(t *testing.T) *store.DB { return storetest.OpenPostgres(t) })
	})
}

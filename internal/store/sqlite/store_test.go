package sqlite_test

import (
	"testing"

	"github.com/patchbay/patchbay/internal/store"
	"github.com/patchbay/patchbay/internal/store/storetest"
)

// TestStoreConformance holds the SQLite backend to every promise of
// store.Store and queue.Queue, each test on a fresh data folder.
func TestStoreConformance(t *testing.T) {
	storetest.Run(t, func(t *testing.T, dir string) store.Store { return openStore(t, dir) })
}

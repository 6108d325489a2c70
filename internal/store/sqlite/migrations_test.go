package sqlite_test

import (
	"os"
	"testing"

	"github.com/patchbay/patchbay/internal/store/storetest"
)

// The migration files are what the binary embeds (migrations/*.sql); any
// other file there is named wrongly.
func TestMigrationsNumberedOnceEach(t *testing.T) {
	entries, err := os.ReadDir("migrations")
	if err != nil {
		t.Fatal(err)
	}
	var names []string
	for _, e := range entries {
		names = append(names, e.Name())
	}
	if len(names) == 0 {
		t.Fatal("no migration files found")
	}
	if err := storetest.CheckMigrationNames(names); err != nil {
		t.Fatal(err)
	}
}

//go:build unix

package sqlite

import (
	"os"
	"path/filepath"
	"syscall"
	"testing"
)

// With no umask at all (a service manager may start the process so), the
// files are still 0600: their modes come from how they are created, not
// from the umask. No test of this package runs in parallel, so changing
// the process's umask for this test is safe.
func TestDatabaseFilesArePrivateUnderAnyUmask(t *testing.T) {
	old := syscall.Umask(0)
	defer syscall.Umask(old)
	dir := filepath.Join(t.TempDir(), "data")
	openWritten(t, dir)
	fi, err := os.Stat(dir)
	if err != nil {
		t.Fatal(err)
	}
	if fi.Mode().Perm() != 0o700 {
		t.Errorf("umask 0: data folder is %v, want drwx------", fi.Mode())
	}
	for name, m := range modes(t, dir) {
		if m != 0o600 {
			t.Errorf("umask 0: %s is %v, want -rw-------", name, m)
		}
	}
}

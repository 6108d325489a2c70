//go:build !unix

package sqlite

import (
	"errors"
	"os"
)

var errInUse = errors.New("in use")

// lockDir does nothing where flock is missing: restore cannot tell that a
// server uses the folder there, and says so in its documentation.
func lockDir(dir string, exclusive bool) (*os.File, error) { return nil, nil }

// Process locks: without flock, liveness rests on heartbeats alone.

const fileLocks = false

func lockFile(string) (*os.File, error) { return nil, errors.New("file locks are not available") }

func tryLockExisting(string) (*os.File, error) { return nil, nil }

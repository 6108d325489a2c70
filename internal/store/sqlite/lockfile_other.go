//go:build !unix

package sqlite

import (
	"errors"
	"os"
)

// Without flock, liveness rests on heartbeats alone.

func lockFile(string) (*os.File, error) { return nil, errors.New("file locks are not available") }

func tryLockExisting(string) (*os.File, error) { return nil, nil }

const fileLocks = false

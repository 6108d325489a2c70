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

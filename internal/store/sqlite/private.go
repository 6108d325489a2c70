package sqlite

import (
	"errors"
	"fmt"
	"io/fs"
	"os"
)

// The database holds the webhook token and every job's payloads, so its
// files are the owner's alone. SQLite creates the database file with 0644
// (less the umask) and gives its -wal and -shm files the database file's
// mode, so creating the database file 0600 before SQLite opens it makes
// all three private whatever the process's umask; chmodPrivate also
// tightens files left by an older version.

// privateFileMode is the mode of every file in the data folder.
const privateFileMode fs.FileMode = 0o600

// createPrivate creates the database file empty with mode 0600 if it does
// not exist (SQLite takes an empty file as a new database).
func createPrivate(path string) error {
	f, err := os.OpenFile(path, os.O_RDWR|os.O_CREATE, privateFileMode)
	if err != nil {
		return fmt.Errorf("create database file: %w", err)
	}
	return f.Close()
}

// chmodPrivate makes the database file and its -wal and -shm files 0600
// where they exist with wider modes.
func chmodPrivate(path string) error {
	for _, p := range []string{path, path + "-wal", path + "-shm"} {
		fi, err := os.Lstat(p)
		if errors.Is(err, fs.ErrNotExist) {
			continue
		}
		if err != nil {
			return fmt.Errorf("stat %s: %w", p, err)
		}
		if fi.Mode().IsRegular() && fi.Mode().Perm()&^privateFileMode != 0 {
			if err := os.Chmod(p, privateFileMode); err != nil {
				return fmt.Errorf("make %s private: %w", p, err)
			}
		}
	}
	return nil
}

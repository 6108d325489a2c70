package app

import (
	"errors"
	"fmt"
	"io/fs"
	"log/slog"
	"os"
	"path/filepath"
	"strings"
)

// The data folder holds the database (the webhook token, every job's
// payloads), the secret key and whatever else patchbay keeps there, so it
// is the owner's alone: the folder 0700, each file in it 0600. New files
// are created so (internal/store/sqlite, internal/secret); makePrivate
// tightens a folder left by an older version or by hand.

const (
	privateDirMode  fs.FileMode = 0o700
	privateFileMode fs.FileMode = 0o600
)

// makePrivate creates dir 0700 if needed, and removes the group's and
// others' permissions from dir, from each folder in it (processes/ holds
// the lock files of fast recovery) and from each regular file. It returns
// what it changed, as "path: old -> new". Symbolic links are left alone:
// patchbay makes none.
func makePrivate(dir string) ([]string, error) {
	if err := os.MkdirAll(dir, privateDirMode); err != nil {
		return nil, fmt.Errorf("create data folder: %w", err)
	}
	var changed []string
	err := filepath.WalkDir(dir, func(path string, d fs.DirEntry, err error) error {
		if errors.Is(err, fs.ErrNotExist) {
			return nil // removed meanwhile (a -shm file of a closing process)
		}
		if err != nil {
			return fmt.Errorf("data folder: %w", err)
		}
		want := privateFileMode
		switch {
		case d.IsDir():
			want = privateDirMode
		case !d.Type().IsRegular():
			return nil
		}
		fi, err := d.Info()
		if errors.Is(err, fs.ErrNotExist) {
			return nil
		}
		if err != nil {
			return fmt.Errorf("data folder: %w", err)
		}
		old := fi.Mode().Perm()
		if old&^want == 0 {
			return nil
		}
		if err := os.Chmod(path, old&want); err != nil {
			return fmt.Errorf("make %s private: %w", path, err)
		}
		changed = append(changed, fmt.Sprintf("%s: %v -> %v", path, old, old&want))
		return nil
	})
	return changed, err
}

// makeDataDirPrivate runs makePrivate and logs what it changed (log may
// be nil: the CLI's storage commands say nothing).
func makeDataDirPrivate(dir string, log *slog.Logger) error {
	changed, err := makePrivate(dir)
	if len(changed) > 0 && log != nil {
		log.Warn("data folder was open to other users; made it private to its owner", "data_dir", dir, "changed", strings.Join(changed, "; "))
	}
	return err
}

// redactedWebhookBaseURL is the webhook base URL as the log shows it: the
// token is a credential (anyone holding it can start recipes), and logs
// are read and kept by more people than the data folder.
func redactedWebhookBaseURL(baseURL string) string {
	return baseURL + "/webhooks/rest/****"
}

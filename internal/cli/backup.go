package cli

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"path/filepath"

	"github.com/patchbay/patchbay/internal/config"
	"github.com/patchbay/patchbay/internal/secret"
	"github.com/patchbay/patchbay/internal/store/sqlite"
)

// runBackup is `patchbay backup FILE`: a consistent copy of the database
// while the server runs (sqlite.Backup), and where the key is that the
// copy's secrets need.
func runBackup(ctx context.Context, args []string, stdout, stderr io.Writer, getenv func(string) string) error {
	cfg, file, help, err := parseFileCommand("backup", args, stderr, getenv)
	if help || err != nil {
		return err
	}
	info, err := sqlite.Backup(ctx, cfg.DataDir, file)
	if err != nil {
		return fmt.Errorf("backup: %w", err)
	}
	fmt.Fprintf(stdout, "backup written to %s (%d bytes, mode 0600): %d recipes, %d connections, %d jobs, %d blobs\n",
		info.Path, info.Bytes, info.Recipes, info.Connections, info.Jobs, info.Blobs)
	keyPath := filepath.Join(cfg.DataDir, secret.KeyFileName)
	switch {
	case cfg.SecretKey != "":
		fmt.Fprintln(stdout, "The secrets in the copy are sealed with the key given as --secret-key (PATCHBAY_SECRET_KEY), which is not in the copy.")
	case fileExists(keyPath):
		fmt.Fprintf(stdout, "The secrets in the copy are sealed with the key in %s, which is not in the copy.\n", keyPath)
	default:
		fmt.Fprintf(stdout, "No key file at %s: the secrets in the copy open only with the key the server was given (--secret-key).\n", keyPath)
	}
	fmt.Fprintln(stdout, "Keep that key with the copy (but not beside it where the copy is shared): without it no connection or recipe secret can be opened after a restore.")
	return nil
}

// runRestore is `patchbay restore FILE`: the server must be stopped.
func runRestore(ctx context.Context, args []string, stdout, stderr io.Writer, getenv func(string) string) error {
	cfg, file, help, err := parseFileCommand("restore", args, stderr, getenv)
	if help || err != nil {
		return err
	}
	info, err := sqlite.Restore(ctx, file, cfg.DataDir)
	if errors.Is(err, sqlite.ErrInUse) {
		return fmt.Errorf("restore: a patchbay process has the database in %s open (a running server, or a command such as token create): stop it, then restore; nothing was changed", cfg.DataDir)
	}
	if err != nil {
		return fmt.Errorf("restore (nothing was changed): %w", err)
	}
	fmt.Fprintf(stdout, "restored %s into %s: %d recipes, %d connections, %d jobs, %d blobs\n",
		file, filepath.Join(cfg.DataDir, sqlite.DatabaseFileName), info.Recipes, info.Connections, info.Jobs, info.Blobs)
	// Say now, not at the first job, whether the secrets will open.
	keyPath := filepath.Join(cfg.DataDir, secret.KeyFileName)
	var key []byte
	switch {
	case cfg.SecretKey != "":
		key, err = secret.ParseKey(cfg.SecretKey)
	case fileExists(keyPath):
		key, err = secret.ReadKeyFile(keyPath)
	default:
		fmt.Fprintf(stdout, "No key in %s: put the key file kept with the backup there as %s (or pass --secret-key) before starting the server.\n", cfg.DataDir, secret.KeyFileName)
		return nil
	}
	if err != nil {
		return fmt.Errorf("the database is restored, but the key cannot be read: %w", err)
	}
	if info.SealedSample == nil {
		return nil
	}
	box, err := secret.NewBox(key)
	if err == nil {
		_, err = box.Open(info.SealedSample)
	}
	if err != nil {
		fmt.Fprintln(stdout, "Warning: the key in use does not open the restored secrets; use the key kept with the backup.")
		return nil
	}
	fmt.Fprintln(stdout, "The key in use opens the restored secrets.")
	return nil
}

// parseFileCommand parses the storage flags and exactly one FILE, which
// may come before or after the flags.
func parseFileCommand(name string, args []string, stderr io.Writer, getenv func(string) string) (cfg config.Config, file string, help bool, err error) {
	cfg = config.Default()
	fs := flag.NewFlagSet(name, flag.ContinueOnError)
	fs.SetOutput(stderr)
	fs.Usage = func() {
		fmt.Fprintf(stderr, "usage: patchbay %s FILE [flags]\n", name)
		fs.PrintDefaults()
	}
	cfg.StorageFlags(fs)
	var files []string
	err = config.Parse(fs, args, getenv)
	for err == nil && fs.NArg() > 0 {
		files = append(files, fs.Arg(0))
		err = fs.Parse(fs.Args()[1:])
	}
	if errors.Is(err, flag.ErrHelp) {
		return cfg, "", true, nil
	}
	if err != nil {
		return cfg, "", false, err
	}
	if len(files) != 1 {
		return cfg, "", false, errUsage("%s: want exactly one FILE\nusage: patchbay %s FILE [--data-dir DIR]", name, name)
	}
	if cfg.DatabaseURL != "" {
		return cfg, "", false, errors.New("database-url: backup and restore are for the SQLite database in the data folder; use pg_dump for PostgreSQL")
	}
	return cfg, files[0], false, cfg.Validate()
}

func fileExists(path string) bool {
	_, err := os.Stat(path)
	return err == nil
}

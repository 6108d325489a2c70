package cli

import (
	"context"
	"encoding/hex"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strings"

	"github.com/patchbay/patchbay/internal/app"
	"github.com/patchbay/patchbay/internal/secret"
)

// runSecrets is `patchbay secrets rotate-key`: every sealed secret
// (connections' and recipes') is re-encrypted under a new key in one
// transaction. Stop the server first: a running server keeps the old key.
func runSecrets(ctx context.Context, args []string, stdout, stderr io.Writer, getenv func(string) string) error {
	if len(args) == 0 || args[0] != "rotate-key" {
		return &usageError{msg: "secrets: want \"secrets rotate-key\""}
	}
	var newKeyFlag *string
	cfg, help, err := parseStorageFlags("secrets rotate-key", args[1:], stderr, getenv, func(fs *flag.FlagSet) {
		newKeyFlag = fs.String("new-key", "", "the new key, 64 hex digits (env PATCHBAY_NEW_KEY); empty: generate one")
	})
	if help || err != nil {
		return err
	}
	if cfg.DatabaseURL != "" {
		return errors.New("database-url: PostgreSQL is not available yet; leave it empty to use SQLite in the data folder")
	}
	keyPath := filepath.Join(cfg.DataDir, secret.KeyFileName)
	pendingPath := filepath.Join(cfg.DataDir, secret.PendingKeyFileName)
	fromFile := cfg.SecretKey == ""

	var oldKey, newKey []byte
	if *newKeyFlag != "" {
		if newKey, err = hex.DecodeString(strings.TrimSpace(*newKeyFlag)); err != nil || len(newKey) != 32 {
			return errors.New("new-key: must be 32 bytes written as 64 hex digits")
		}
	}
	generated := false
	resuming := false
	if fromFile {
		if oldKey, err = secret.ReadKeyFile(keyPath); err != nil {
			return fmt.Errorf("read the current key: %w", err)
		}
		if pending, err := secret.ReadKeyFile(pendingPath); err == nil {
			// An earlier rotation stopped part-way: finish it with its key.
			if newKey != nil && string(newKey) != string(pending) {
				return fmt.Errorf("an interrupted rotation to another key is pending in %s: run again without --new-key to finish it", pendingPath)
			}
			newKey, resuming = pending, true
		} else if !errors.Is(err, os.ErrNotExist) {
			return fmt.Errorf("read the pending key: %w", err)
		}
	} else if oldKey, err = secret.ParseKey(cfg.SecretKey); err != nil {
		return fmt.Errorf("secret-key: %w", err)
	}
	if newKey == nil {
		if newKey, err = secret.GenerateKey(); err != nil {
			return err
		}
		generated = true
	}
	if string(newKey) == string(oldKey) {
		return errors.New("new-key: it is the key in use")
	}
	oldBox, err := secret.NewBox(oldKey)
	if err != nil {
		return err
	}
	newBox, err := secret.NewBox(newKey)
	if err != nil {
		return err
	}
	// Order (see secret.PendingKeyFileName): pending key file first, then
	// the transaction, then the rename. The key on disk never names a key
	// the data is not sealed under.
	if fromFile && !resuming {
		if err := secret.WriteKeyFile(pendingPath, newKey); err != nil {
			return err
		}
	}
	s, err := app.OpenDatabase(ctx, cfg)
	if err != nil {
		return err
	}
	n, err := s.ResealSecrets(ctx, func(old []byte) ([]byte, error) {
		plain, err := oldBox.Open(old)
		if err != nil && resuming {
			plain, err = newBox.Open(old) // already resealed before the interruption
		}
		if err != nil {
			return nil, fmt.Errorf("%w (is --secret-key the key in use?)", err)
		}
		return newBox.Seal(plain)
	})
	if cerr := s.Close(); err == nil && cerr != nil {
		err = cerr
	}
	if err != nil {
		if fromFile && !resuming {
			// Nothing was committed: the old key stays the key.
			os.Remove(pendingPath)
		}
		return fmt.Errorf("re-encrypt secrets (nothing changed): %w", err)
	}
	fmt.Fprintf(stderr, "re-encrypted %d sealed secrets\n", n)
	switch {
	case fromFile:
		if err := os.Rename(pendingPath, keyPath); err != nil {
			return fmt.Errorf("the secrets are sealed under the key in %s but it could not be renamed to %s: %w", pendingPath, keyPath, err)
		}
		if err := secret.SyncDir(cfg.DataDir); err != nil {
			return err
		}
		fmt.Fprintf(stderr, "the new key is in use: key file %s\n", keyPath)
	case generated:
		fmt.Fprintln(stderr, "the new key is in use: it was generated and is shown once; pass it as --secret-key (PATCHBAY_SECRET_KEY) from now on:")
		fmt.Fprintln(stdout, secret.EncodeKey(newKey))
	default:
		fmt.Fprintln(stderr, "the new key is in use: the one given with --new-key; pass it as --secret-key (PATCHBAY_SECRET_KEY) from now on")
	}
	return nil
}

// Package secret encrypts secrets at rest with AES-256-GCM. The key comes
// from the operator (PATCHBAY_SECRET_KEY) or, by default, from a key file
// created with mode 0600 in the data folder on first start.
package secret

import (
	"crypto/aes"
	"crypto/cipher"
	"crypto/rand"
	"encoding/base64"
	"encoding/hex"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strings"
)

// KeyFileName is the key file's name inside the data folder.
const KeyFileName = "secret.key"

// PendingKeyFileName holds the new key while `patchbay secrets rotate-key`
// runs. Rotation with a key file goes in this order:
//
//  1. write the new key to secret.key.new (0600, fsync, dir fsync);
//  2. re-encrypt every sealed secret in one database transaction, commit;
//  3. rename secret.key.new over secret.key (dir fsync).
//
// A crash after 1 leaves the data under the old key; a crash after 2 leaves
// it under the new one; the files alone cannot tell which. So while
// secret.key.new exists, LoadOrCreateKey refuses to start (ErrRotationPending)
// rather than guess: running rotate-key again finishes the rotation, opening
// each value with whichever of the two keys opens it and sealing it under
// the pending key, then renames. The key on disk is therefore never one the
// data is not sealed under, and no start ever runs with the wrong key.
const PendingKeyFileName = "secret.key.new"

// ErrRotationPending is returned while an interrupted key rotation waits to
// be finished.
var ErrRotationPending = errors.New("a secret key rotation was interrupted (" + PendingKeyFileName +
	" exists in the data folder): run \"patchbay secrets rotate-key\" with the same --data-dir to finish it")

// version prefixes every sealed value so that a later key rotation can tell
// old from new.
const version byte = 1

// Box seals and opens secrets with one key.
type Box struct {
	aead cipher.AEAD
}

// NewBox makes a box from a 32-byte key.
func NewBox(key []byte) (*Box, error) {
	if len(key) != 32 {
		return nil, fmt.Errorf("secret key must be 32 bytes, got %d", len(key))
	}
	block, err := aes.NewCipher(key)
	if err != nil {
		return nil, err
	}
	aead, err := cipher.NewGCM(block)
	if err != nil {
		return nil, err
	}
	return &Box{aead: aead}, nil
}

// ParseKey reads a key written as 64 hex digits or as base64 of 32 bytes.
func ParseKey(s string) ([]byte, error) {
	s = strings.TrimSpace(s)
	if b, err := hex.DecodeString(s); err == nil && len(b) == 32 {
		return b, nil
	}
	if b, err := base64.StdEncoding.DecodeString(s); err == nil && len(b) == 32 {
		return b, nil
	}
	return nil, errors.New("secret key must be 32 bytes written as 64 hex digits or base64")
}

// LoadOrCreateKey returns the key given, or the one in dir's key file,
// creating that file (0600) with a random key on first use.
func LoadOrCreateKey(given, dir string) ([]byte, error) {
	if given != "" {
		return ParseKey(given)
	}
	if _, err := os.Stat(filepath.Join(dir, PendingKeyFileName)); err == nil {
		return nil, ErrRotationPending
	}
	path := filepath.Join(dir, KeyFileName)
	b, err := os.ReadFile(path)
	if err == nil {
		return ParseKey(string(b))
	}
	if !errors.Is(err, os.ErrNotExist) {
		return nil, fmt.Errorf("read key file: %w", err)
	}
	if err := os.MkdirAll(dir, 0o700); err != nil {
		return nil, fmt.Errorf("create data folder: %w", err)
	}
	key := make([]byte, 32)
	if _, err := rand.Read(key); err != nil {
		return nil, err
	}
	// O_EXCL: two processes starting at once must not each write a key.
	f, err := os.OpenFile(path, os.O_WRONLY|os.O_CREATE|os.O_EXCL, 0o600)
	if errors.Is(err, os.ErrExist) {
		b, err := os.ReadFile(path)
		if err != nil {
			return nil, fmt.Errorf("read key file: %w", err)
		}
		return ParseKey(string(b))
	}
	if err != nil {
		return nil, fmt.Errorf("create key file: %w", err)
	}
	if _, err := f.WriteString(hex.EncodeToString(key) + "\n"); err != nil {
		f.Close()
		return nil, fmt.Errorf("write key file: %w", err)
	}
	if err := f.Sync(); err != nil {
		f.Close()
		return nil, fmt.Errorf("write key file: %w", err)
	}
	return key, f.Close()
}

// GenerateKey returns a new random 32-byte key.
func GenerateKey() ([]byte, error) {
	key := make([]byte, 32)
	if _, err := rand.Read(key); err != nil {
		return nil, err
	}
	return key, nil
}

// EncodeKey writes a key as 64 hex digits, the key file's form.
func EncodeKey(key []byte) string { return hex.EncodeToString(key) }

// ReadKeyFile reads the key in a file written by LoadOrCreateKey or
// WriteKeyFile.
func ReadKeyFile(path string) ([]byte, error) {
	b, err := os.ReadFile(path)
	if err != nil {
		return nil, err
	}
	key, err := ParseKey(string(b))
	if err != nil {
		return nil, fmt.Errorf("%s: %w", path, err)
	}
	return key, nil
}

// WriteKeyFile writes key to path atomically: a temporary file (0600) in the
// same folder, fsynced, renamed over path, and the folder fsynced.
func WriteKeyFile(path string, key []byte) error {
	dir := filepath.Dir(path)
	f, err := os.CreateTemp(dir, ".secret.key.tmp-*")
	if err != nil {
		return fmt.Errorf("write key file: %w", err)
	}
	tmp := f.Name()
	fail := func(err error) error {
		f.Close()
		os.Remove(tmp)
		return fmt.Errorf("write key file: %w", err)
	}
	if err := f.Chmod(0o600); err != nil {
		return fail(err)
	}
	if _, err := f.WriteString(EncodeKey(key) + "\n"); err != nil {
		return fail(err)
	}
	if err := f.Sync(); err != nil {
		return fail(err)
	}
	if err := f.Close(); err != nil {
		os.Remove(tmp)
		return fmt.Errorf("write key file: %w", err)
	}
	if err := os.Rename(tmp, path); err != nil {
		os.Remove(tmp)
		return fmt.Errorf("write key file: %w", err)
	}
	return SyncDir(dir)
}

// SyncDir fsyncs a folder so that a rename in it survives a crash.
func SyncDir(dir string) error {
	d, err := os.Open(dir)
	if err != nil {
		return err
	}
	defer d.Close()
	if err := d.Sync(); err != nil {
		return fmt.Errorf("sync %s: %w", dir, err)
	}
	return nil
}

// Seal encrypts plaintext; the result carries its own nonce.
func (b *Box) Seal(plaintext []byte) ([]byte, error) {
	nonce := make([]byte, b.aead.NonceSize())
	if _, err := rand.Read(nonce); err != nil {
		return nil, err
	}
	out := make([]byte, 0, 1+len(nonce)+len(plaintext)+b.aead.Overhead())
	out = append(out, version)
	out = append(out, nonce...)
	return b.aead.Seal(out, nonce, plaintext, []byte{version}), nil
}

// Open decrypts what Seal produced.
func (b *Box) Open(sealed []byte) ([]byte, error) {
	n := b.aead.NonceSize()
	if len(sealed) < 1+n || sealed[0] != version {
		return nil, errors.New("sealed secret is malformed")
	}
	out, err := b.aead.Open(nil, sealed[1:1+n], sealed[1+n:], []byte{version})
	if err != nil {
		return nil, errors.New("sealed secret does not open with this key")
	}
	return out, nil
}

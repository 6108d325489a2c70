// Package apitoken is the API's bearer tokens: how one is made and hashed,
// and the cache that spares a database read on every API request while
// bounding how long a revoked token is still accepted.
//
// Only a token's SHA-256 is stored, so a copy of the database gives no API
// access. A token is shown once, when it is created.
package apitoken

import (
	"context"
	"crypto/rand"
	"crypto/sha256"
	"encoding/base64"
	"fmt"
	"strings"
	"sync"
	"time"
	"unicode"

	"github.com/google/uuid"
)

// Prefix makes tokens recognisable to people and secret scanners.
const Prefix = "pb_"

// CacheTTL is how long a token found valid is trusted without asking the
// database again: the bound on how long a token revoked by another process
// (`patchbay token revoke`, or the API of another server on the same
// database) keeps working here. The process that revokes refuses the
// token at once.
const CacheTTL = 5 * time.Second

// Hash is what the store keeps of a token.
type Hash [sha256.Size]byte

// New makes a random token and its hash.
func New() (token string, hash Hash, err error) {
	raw := make([]byte, 32)
	if _, err := rand.Read(raw); err != nil {
		return "", Hash{}, err
	}
	token = Prefix + base64.RawURLEncoding.EncodeToString(raw)
	return token, Sum(token), nil
}

// MaxNameLength bounds a token's name (a label for people).
const MaxNameLength = 100

// CheckName refuses a name that is empty, too long or holds control
// characters (it is printed in a terminal by token list).
func CheckName(name string) error {
	switch {
	case strings.TrimSpace(name) == "":
		return fmt.Errorf("must not be empty")
	case len(name) > MaxNameLength:
		return fmt.Errorf("must be at most %d bytes, not %d", MaxNameLength, len(name))
	case strings.IndexFunc(name, unicode.IsControl) >= 0:
		return fmt.Errorf("must not hold control characters")
	}
	return nil
}

// Creator is the part of the store that creates tokens.
type Creator interface {
	CreateAPIToken(ctx context.Context, id, name string, hash []byte) error
}

// Create makes a token named name and stores its hash; the token itself
// is returned once and kept nowhere.
func Create(ctx context.Context, s Creator, name string) (id, token string, err error) {
	if err := CheckName(name); err != nil {
		return "", "", fmt.Errorf("name: %w", err)
	}
	token, hash, err := New()
	if err != nil {
		return "", "", err
	}
	id = uuid.Must(uuid.NewV7()).String()
	if err := s.CreateAPIToken(ctx, id, name, hash[:]); err != nil {
		return "", "", fmt.Errorf("store token: %w", err)
	}
	return id, token, nil
}

// Sum hashes a token as a client sent it (surrounding spaces ignored).
func Sum(token string) Hash { return sha256.Sum256([]byte(strings.TrimSpace(token))) }

// Lookup asks the store for the token with this hash: its id, or ok false
// when no such token exists (never created, or revoked).
type Lookup func(ctx context.Context, hash Hash) (id string, ok bool, err error)

// Cache remembers tokens found valid for at most TTL. Only valid tokens
// are remembered (an unknown token costs a read each time, which the
// store answers from an index); the map holds at most one entry per
// token that was valid within TTL, plus stale entries swept on insert.
// The zero value is ready to use with CacheTTL.
type Cache struct {
	// TTL overrides CacheTTL (tests).
	TTL time.Duration

	mu      sync.Mutex
	entries map[Hash]entry
	// generation counts Forget calls: a lookup that began before a
	// revocation must not put the revoked token back into the cache
	// after Forget has run.
	generation uint64
}

type entry struct {
	id    string
	until time.Time
}

// sweepAt is the map size beyond which an insert first drops expired
// entries, so that tokens seen once do not pile up.
const sweepAt = 256

func (c *Cache) ttl() time.Duration {
	if c.TTL > 0 {
		return c.TTL
	}
	return CacheTTL
}

// Check reports whether the token with hash is valid at now, and its id:
// from the cache if it was found valid less than TTL before now, otherwise
// from lookup.
func (c *Cache) Check(ctx context.Context, now time.Time, hash Hash, lookup Lookup) (id string, ok bool, err error) {
	c.mu.Lock()
	e, hit := c.entries[hash]
	gen := c.generation
	c.mu.Unlock()
	if hit && now.Before(e.until) {
		return e.id, true, nil
	}
	id, ok, err = lookup(ctx, hash)
	if err != nil || !ok {
		if hit {
			c.mu.Lock()
			if cur, still := c.entries[hash]; still && cur == e {
				delete(c.entries, hash)
			}
			c.mu.Unlock()
		}
		return "", false, err
	}
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.generation != gen {
		// A token was revoked while we asked: the answer may predate it.
		// Accept this request (the token was valid when read) but
		// remember nothing; the next request asks again.
		return id, true, nil
	}
	if c.entries == nil {
		c.entries = make(map[Hash]entry)
	}
	if len(c.entries) >= sweepAt {
		for h, old := range c.entries {
			if !now.Before(old.until) {
				delete(c.entries, h)
			}
		}
	}
	// The entry lives TTL from when the lookup began, not from when it
	// answered: the bound holds even for a slow read.
	c.entries[hash] = entry{id: id, until: now.Add(c.ttl())}
	return id, true, nil
}

// Forget drops the token with this id from the cache, so that this
// process refuses it from the next request on (call it after the store
// has deleted the token).
func (c *Cache) Forget(id string) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.generation++
	for h, e := range c.entries {
		if e.id == id {
			delete(c.entries, h)
		}
	}
}

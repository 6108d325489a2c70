package apitoken

import (
	"context"
	"strings"
	"testing"
	"time"
)

// fakeStore is a token table for the cache's lookup, counting reads.
type fakeStore struct {
	tokens map[Hash]string
	reads  int
}

func (f *fakeStore) lookup(_ context.Context, h Hash) (string, bool, error) {
	f.reads++
	id, ok := f.tokens[h]
	return id, ok, nil
}

func TestCacheTrustsAValidTokenForAtMostTTL(t *testing.T) {
	token, hash, err := New()
	if err != nil {
		t.Fatal(err)
	}
	st := &fakeStore{tokens: map[Hash]string{hash: "tok1"}}
	var c Cache
	t0 := time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)
	check := func(at time.Duration) bool {
		t.Helper()
		_, ok, err := c.Check(context.Background(), t0.Add(at), Sum(token), st.lookup)
		if err != nil {
			t.Fatal(err)
		}
		return ok
	}
	if !check(0) || st.reads != 1 {
		t.Fatalf("first check: want accepted after one read, reads=%d", st.reads)
	}
	if !check(CacheTTL-time.Millisecond) || st.reads != 1 {
		t.Fatalf("check within TTL: want accepted from the cache, reads=%d", st.reads)
	}
	// Revoked by another process: this cache does not know.
	delete(st.tokens, hash)
	if !check(CacheTTL - time.Nanosecond) {
		t.Fatal("within TTL the cached answer stands (the documented bound)")
	}
	if check(CacheTTL) {
		t.Fatalf("a token revoked elsewhere was still accepted %s after it was last read", CacheTTL)
	}
	if st.reads != 2 {
		t.Fatalf("reads = %d, want 2", st.reads)
	}
	// Refused answers are not cached: a refused token costs a read each time.
	if check(CacheTTL+time.Second) || st.reads != 3 {
		t.Fatalf("refused token: reads=%d, want 3", st.reads)
	}
}

func TestCacheBoundCountsFromTheRead(t *testing.T) {
	token, hash, _ := New()
	st := &fakeStore{tokens: map[Hash]string{hash: "tok1"}}
	c := Cache{TTL: 2 * time.Second}
	t0 := time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)
	for i := 0; i < 5; i++ {
		// Used every second: the entry is not extended by hits, so the
		// store is read again every TTL however busy the token is.
		if _, ok, _ := c.Check(context.Background(), t0.Add(time.Duration(i)*time.Second), Sum(token), st.lookup); !ok {
			t.Fatalf("check %d refused", i)
		}
	}
	if st.reads != 3 { // at 0s, 2s and 4s
		t.Fatalf("reads = %d, want 3 (one per TTL)", st.reads)
	}
}

func TestForgetRefusesAtOnce(t *testing.T) {
	token, hash, _ := New()
	st := &fakeStore{tokens: map[Hash]string{hash: "tok1"}}
	var c Cache
	now := time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)
	if _, ok, _ := c.Check(context.Background(), now, Sum(token), st.lookup); !ok {
		t.Fatal("valid token refused")
	}
	delete(st.tokens, hash)
	c.Forget("tok1")
	if _, ok, _ := c.Check(context.Background(), now, Sum(token), st.lookup); ok {
		t.Fatal("a token revoked in this process was accepted from the cache")
	}
}

// A check whose read began before a revocation in this process must not
// put the token back into the cache after Forget.
func TestLookupRacingForgetRemembersNothing(t *testing.T) {
	token, hash, _ := New()
	st := &fakeStore{tokens: map[Hash]string{hash: "tok1"}}
	var c Cache
	now := time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)
	racing := func(ctx context.Context, h Hash) (string, bool, error) {
		id, ok, err := st.lookup(ctx, h)
		// The revocation lands after this read answered.
		delete(st.tokens, hash)
		c.Forget("tok1")
		return id, ok, err
	}
	if _, ok, _ := c.Check(context.Background(), now, Sum(token), racing); !ok {
		t.Fatal("the read found the token valid: this request is accepted")
	}
	if _, ok, _ := c.Check(context.Background(), now, Sum(token), st.lookup); ok {
		t.Fatal("the racing read put a revoked token into the cache")
	}
}

func TestNewTokensAreDistinctAndPrefixed(t *testing.T) {
	a, ha, _ := New()
	b, hb, _ := New()
	if a == b || ha == hb {
		t.Fatal("two tokens are equal")
	}
	if !strings.HasPrefix(a, Prefix) || len(a) != len(Prefix)+43 {
		t.Fatalf("token %q: want %s and 43 base64url characters", a, Prefix)
	}
	if Sum(" "+a+"\n") != ha {
		t.Fatal("Sum must ignore surrounding spaces, as clients send them")
	}
}

func TestCheckName(t *testing.T) {
	for _, tc := range []struct {
		name string
		ok   bool
	}{
		{"ci", true},
		{"deploy bot", true},
		{"", false},
		{"   ", false},
		{strings.Repeat("x", MaxNameLength), true},
		{strings.Repeat("x", MaxNameLength+1), false},
		{"evil\x1b[2J", false},
		{"two\nlines", false},
	} {
		if err := CheckName(tc.name); (err == nil) != tc.ok {
			t.Errorf("CheckName(%q) = %v, want ok=%v", tc.name, err, tc.ok)
		}
	}
}

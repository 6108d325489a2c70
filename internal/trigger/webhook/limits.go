package webhook

import (
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"math"
	"net/http"
	"strconv"
	"strings"
	"sync"
	"time"

	"golang.org/x/time/rate"

	"github.com/patchbay/patchbay/internal/catalog"
	"github.com/patchbay/patchbay/internal/httpx"
	"github.com/patchbay/patchbay/internal/payload"
	"github.com/patchbay/patchbay/internal/pill"
	"github.com/patchbay/patchbay/internal/recipe"
)

// maxKeyBytes bounds a stored delivery key; a longer one is stored as its
// SHA-256, so a sender cannot make the key table hold its payloads.
const maxKeyBytes = 200

// intakeRules is what intake builds from one version of a recipe: its rate
// limiter (kept while the version stands, so its tokens carry from request
// to request) and its compiled dedupe path.
type intakeRules struct {
	version    int64
	limiter    *rate.Limiter // nil: no limit
	dedupePath *pill.Template
	// dedupeHeaders are the headers whose first present value is the key,
	// in canonical form so that reading them allocates nothing.
	dedupeHeaders []string
}

// rulesCache holds intakeRules by recipe id, rebuilt when the recipe's
// version changes. Entries of deleted recipes stay until restart: one
// small struct each.
type rulesCache struct {
	byRecipe sync.Map // recipe id -> *intakeRules
	mu       sync.Mutex
}

func (c *rulesCache) get(rec *catalog.Recipe, serverDefault recipe.RateLimit) *intakeRules {
	if v, ok := c.byRecipe.Load(rec.ID); ok && v.(*intakeRules).version == rec.Version {
		return v.(*intakeRules)
	}
	c.mu.Lock()
	defer c.mu.Unlock()
	if v, ok := c.byRecipe.Load(rec.ID); ok && v.(*intakeRules).version == rec.Version {
		return v.(*intakeRules)
	}
	rules := &intakeRules{version: rec.Version}
	limit := serverDefault
	if rl := rec.Doc.Trigger.RateLimit; rl != nil {
		limit = *rl
	}
	if limit.PerSecond > 0 {
		rules.limiter = rate.NewLimiter(rate.Limit(limit.PerSecond), limit.BurstOrDefault())
	}
	switch dd := rec.Doc.Trigger.Dedupe; {
	case dd == nil || (!dd.Disabled && dd.Header == "" && dd.Path == ""):
		for _, h := range recipe.DefaultDedupeHeaders {
			rules.dedupeHeaders = append(rules.dedupeHeaders, http.CanonicalHeaderKey(h))
		}
	case dd.Disabled:
	case dd.Header != "":
		rules.dedupeHeaders = []string{http.CanonicalHeaderKey(dd.Header)}
	case dd.Path != "":
		// Validated at save; a path that no longer compiles dedupes nothing.
		rules.dedupePath, _ = dd.CompilePath()
	}
	c.byRecipe.Store(rec.ID, rules)
	return rules
}

// allow takes one token, or returns how many seconds to wait for one
// (rounded up, at least 1) and takes nothing.
func (r *intakeRules) allow(now time.Time) (ok bool, retryAfter int) {
	if r.limiter == nil {
		return true, 0
	}
	res := r.limiter.ReserveN(now, 1)
	if !res.OK() {
		return false, 1
	}
	d := res.DelayFrom(now)
	if d <= 0 {
		return true, 0
	}
	res.CancelAt(now)
	return false, max(1, int(math.Ceil(d.Seconds())))
}

// dedupeKey is the delivery's id for deduplication, or "" when the trigger
// is not deduplicated or the delivery carries no id (it is then taken as
// new, as it would be without dedupe).
func (r *intakeRules) dedupeKey(req *http.Request, out []byte) string {
	var key string
	switch {
	case r.dedupePath != nil:
		// out is the trigger output as JSON whatever the payload type.
		tree, err := payload.ParseJSON(out, payload.DefaultLimits())
		if err != nil {
			return ""
		}
		s, err := r.dedupePath.RenderString(pill.Env{Trigger: tree})
		if err != nil {
			return ""
		}
		key = s
	default:
		for _, h := range r.dedupeHeaders {
			if v := req.Header[h]; len(v) > 0 && v[0] != "" {
				key = v[0]
				break
			}
		}
	}
	key = strings.TrimSpace(key)
	if len(key) > maxKeyBytes {
		sum := sha256.Sum256([]byte(key))
		key = "sha256:" + hex.EncodeToString(sum[:])
	}
	return key
}

// rateLimited is the 429 answer.
func rateLimited(event string, retryAfter int) *httpx.Error {
	return &httpx.Error{Status: http.StatusTooManyRequests, Code: "rate_limited",
		Message: fmt.Sprintf("webhook event %q is over its rate limit; retry after %d s", event, retryAfter),
		Header:  http.Header{"Retry-After": {strconv.Itoa(retryAfter)}}}
}

package webhook

import (
	"crypto/hmac"
	"crypto/sha256"
	"crypto/subtle"
	"encoding/base64"
	"encoding/hex"
	"errors"
	"net/http"
	"strconv"
	"strings"
	"time"

	"github.com/patchbay/patchbay/internal/recipe"
)

// defaultTolerance bounds how old a signed standard-webhooks timestamp may
// be, which stops the replay of an old captured request.
const defaultTolerance = 5 * time.Minute

// verify checks an incoming request against the trigger's verify settings.
// The error says what failed without echoing any secret or signature.
func verify(v *recipe.Verify, s recipe.Secrets, r *http.Request, body []byte, now time.Time) error {
	if v == nil {
		return nil
	}
	switch v.Scheme {
	case "", "none":
		return nil
	case "hmac-sha256":
		got := strings.TrimSpace(r.Header.Get(v.Header))
		if got == "" {
			return errors.New("missing signature header " + v.Header)
		}
		got = strings.TrimPrefix(got, "sha256=")
		mac := hmac.New(sha256.New, []byte(s.VerifySecret))
		mac.Write(body)
		want := mac.Sum(nil)
		// Senders write the digest in hex (GitHub) or base64 (Shopify).
		if sig, err := hex.DecodeString(got); err == nil && hmac.Equal(sig, want) {
			return nil
		}
		if sig, err := base64.StdEncoding.DecodeString(got); err == nil && hmac.Equal(sig, want) {
			return nil
		}
		return errors.New("signature in " + v.Header + " does not match the body")
	case "standard-webhooks":
		return verifyStandard(v, s.VerifySecret, r, body, now)
	case "basic":
		user, pass, ok := r.BasicAuth()
		if !ok {
			return errors.New("missing basic credentials")
		}
		u := subtle.ConstantTimeCompare([]byte(user), []byte(v.Username))
		p := subtle.ConstantTimeCompare([]byte(pass), []byte(s.VerifyPassword))
		if u&p != 1 {
			return errors.New("basic credentials do not match")
		}
		return nil
	case "header":
		got := r.Header.Get(v.Header)
		if got == "" || subtle.ConstantTimeCompare([]byte(got), []byte(s.VerifySecret)) != 1 {
			return errors.New("header " + v.Header + " does not hold the expected value")
		}
		return nil
	}
	return errors.New("unknown verify scheme " + v.Scheme)
}

// verifyStandard checks the Standard Webhooks signature: HMAC-SHA256 over
// "id.timestamp.body" with the base64 key after "whsec_", any of the
// space-separated "v1,<base64>" signatures matching.
func verifyStandard(v *recipe.Verify, secret string, r *http.Request, body []byte, now time.Time) error {
	id, ts, sigs := r.Header.Get("webhook-id"), r.Header.Get("webhook-timestamp"), r.Header.Get("webhook-signature")
	if id == "" || ts == "" || sigs == "" {
		return errors.New("missing webhook-id, webhook-timestamp or webhook-signature header")
	}
	sec, err := strconv.ParseInt(ts, 10, 64)
	if err != nil {
		return errors.New("webhook-timestamp is not a Unix time")
	}
	tol := time.Duration(v.Tolerance)
	if tol <= 0 {
		tol = defaultTolerance
	}
	if d := now.Sub(time.Unix(sec, 0)); d > tol || d < -tol {
		return errors.New("webhook-timestamp is too far from now")
	}
	key, err := base64.StdEncoding.DecodeString(strings.TrimPrefix(secret, "whsec_"))
	if err != nil {
		key = []byte(secret)
	}
	mac := hmac.New(sha256.New, key)
	mac.Write([]byte(id + "." + ts + "."))
	mac.Write(body)
	want := mac.Sum(nil)
	for _, part := range strings.Fields(sigs) {
		version, sig, ok := strings.Cut(part, ",")
		if !ok || version != "v1" {
			continue
		}
		if b, err := base64.StdEncoding.DecodeString(sig); err == nil && hmac.Equal(b, want) {
			return nil
		}
	}
	return errors.New("no webhook-signature matches the body")
}

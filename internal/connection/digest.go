package connection

import (
	"crypto/md5"
	"crypto/rand"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"hash"
	"strings"
)

// DigestAuthorization answers a Digest challenge (RFC 7616): given the
// WWW-Authenticate values of a 401 and the request's method and request
// URI, it returns the Authorization header value to resend with. It
// handles MD5 and SHA-256 (and their -sess forms), with qop=auth or, for
// legacy RFC 2069 servers, without qop.
func (l *Live) DigestAuthorization(method, requestURI string, challenges []string) (string, error) {
	cnonce := make([]byte, 16)
	if _, err := rand.Read(cnonce); err != nil {
		return "", err
	}
	return l.digestAuthorization(method, requestURI, challenges, hex.EncodeToString(cnonce))
}

func (l *Live) digestAuthorization(method, requestURI string, challenges []string, cnonce string) (string, error) {
	var ch map[string]string
	for _, v := range challenges {
		if scheme, rest, _ := strings.Cut(strings.TrimSpace(v), " "); strings.EqualFold(scheme, "Digest") {
			ch = parseAuthParams(rest)
			break
		}
	}
	if ch == nil {
		return "", errors.New("the server sent no Digest challenge")
	}
	nonce, realm := ch["nonce"], ch["realm"]
	if nonce == "" {
		return "", errors.New("the Digest challenge has no nonce")
	}
	algorithm := ch["algorithm"]
	if algorithm == "" {
		algorithm = "MD5"
	}
	var newHash func() hash.Hash
	base, sess := strings.CutSuffix(strings.ToUpper(algorithm), "-SESS")
	switch base {
	case "MD5":
		newHash = md5.New
	case "SHA-256":
		newHash = sha256.New
	default:
		return "", fmt.Errorf("digest algorithm %q is not supported (want MD5 or SHA-256)", algorithm)
	}
	h := func(s string) string {
		x := newHash()
		x.Write([]byte(s))
		return hex.EncodeToString(x.Sum(nil))
	}
	qop := ""
	if offered, ok := ch["qop"]; ok {
		for _, q := range strings.Split(offered, ",") {
			if strings.EqualFold(strings.TrimSpace(q), "auth") {
				qop = "auth"
			}
		}
		if qop == "" {
			return "", fmt.Errorf("digest qop %q is not supported (want auth)", offered)
		}
	}
	user := l.Doc.Auth.Username
	ha1 := h(user + ":" + realm + ":" + l.Secrets.Password)
	if sess {
		ha1 = h(ha1 + ":" + nonce + ":" + cnonce)
	}
	ha2 := h(method + ":" + requestURI)
	const nc = "00000001"
	var response string
	if qop != "" {
		response = h(ha1 + ":" + nonce + ":" + nc + ":" + cnonce + ":" + qop + ":" + ha2)
	} else {
		response = h(ha1 + ":" + nonce + ":" + ha2)
	}
	var b strings.Builder
	fmt.Fprintf(&b, "Digest username=%s, realm=%s, nonce=%s, uri=%s, algorithm=%s",
		quote(user), quote(realm), quote(nonce), quote(requestURI), algorithm)
	if qop != "" {
		fmt.Fprintf(&b, ", qop=%s, nc=%s, cnonce=%s", qop, nc, quote(cnonce))
	}
	fmt.Fprintf(&b, ", response=%s", quote(response))
	if opaque, ok := ch["opaque"]; ok {
		fmt.Fprintf(&b, ", opaque=%s", quote(opaque))
	}
	return b.String(), nil
}

// parseAuthParams reads the comma-separated name=value pairs of a
// challenge; values may be quoted strings holding commas and \-escapes.
func parseAuthParams(s string) map[string]string {
	out := map[string]string{}
	for {
		s = strings.TrimLeft(s, " \t,")
		if s == "" {
			return out
		}
		eq := strings.IndexByte(s, '=')
		if eq < 0 {
			return out
		}
		name := strings.ToLower(strings.TrimSpace(s[:eq]))
		s = strings.TrimLeft(s[eq+1:], " \t")
		var val strings.Builder
		if strings.HasPrefix(s, `"`) {
			i := 1
			for ; i < len(s) && s[i] != '"'; i++ {
				if s[i] == '\\' && i+1 < len(s) {
					i++
				}
				val.WriteByte(s[i])
			}
			s = s[min(i+1, len(s)):]
		} else {
			end := strings.IndexByte(s, ',')
			if end < 0 {
				end = len(s)
			}
			val.WriteString(strings.TrimSpace(s[:end]))
			s = s[end:]
		}
		out[name] = val.String()
	}
}

func quote(s string) string {
	return `"` + strings.NewReplacer(`\`, `\\`, `"`, `\"`).Replace(s) + `"`
}

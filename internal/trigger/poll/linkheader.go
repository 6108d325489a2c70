package poll

import "strings"

// link is one link-value of an RFC 8288 Link header.
type link struct {
	target string
	rels   []string // the relation types of rel, lowercased
}

// nextLink returns the target of the first link whose relation types
// include "next", as written (possibly relative).
func nextLink(header string) (string, bool) {
	for _, l := range parseLinks(header) {
		for _, rel := range l.rels {
			if rel == "next" {
				return l.target, true
			}
		}
	}
	return "", false
}

// parseLinks reads a Link header value (several header lines arrive
// joined with commas):
//
//	Link: <https://api.example.com/items?page=2>; rel="next", </items?page=9>; rel=last
//
// Commas and semicolons inside <...> and quoted strings are not
// separators. A malformed link-value is skipped, not fatal: the header is
// the server's hint, and a broken part of it should not hide a good one.
func parseLinks(header string) []link {
	var links []link
	s := header
	for {
		s = strings.TrimLeft(s, " \t,")
		if s == "" {
			return links
		}
		if s[0] != '<' {
			s = skipValue(s)
			continue
		}
		end := strings.IndexByte(s, '>')
		if end < 0 {
			return links
		}
		l := link{target: strings.TrimSpace(s[1:end])}
		s = s[end+1:]
		var relSeen bool
		for {
			s = strings.TrimLeft(s, " \t")
			if s == "" || s[0] == ',' {
				break
			}
			if s[0] != ';' {
				s = skipValue(s)
				break
			}
			var name, value string
			name, value, s = parseParam(s[1:])
			// RFC 8288 §3.3: only the first rel counts.
			if name == "rel" && !relSeen {
				relSeen = true
				l.rels = strings.Fields(strings.ToLower(value))
			}
		}
		links = append(links, l)
	}
}

// parseParam reads `name[=value]` (value a token or quoted string) at the
// start of s and returns the lowercased name, the value and the rest.
func parseParam(s string) (name, value, rest string) {
	s = strings.TrimLeft(s, " \t")
	n := strings.IndexAny(s, "=;, \t")
	if n < 0 {
		return strings.ToLower(s), "", ""
	}
	name = strings.ToLower(s[:n])
	s = strings.TrimLeft(s[n:], " \t")
	if s == "" || s[0] != '=' {
		return name, "", s
	}
	s = strings.TrimLeft(s[1:], " \t")
	if s != "" && s[0] == '"' {
		value, rest = quotedString(s)
		return name, value, rest
	}
	n = strings.IndexAny(s, ";, \t")
	if n < 0 {
		return name, s, ""
	}
	return name, s[:n], s[n:]
}

// quotedString reads the quoted string at the start of s (s[0] is the
// quote), undoing backslash escapes. An unterminated string runs to the end.
func quotedString(s string) (value, rest string) {
	var b strings.Builder
	for i := 1; i < len(s); i++ {
		switch s[i] {
		case '\\':
			if i+1 < len(s) {
				i++
				b.WriteByte(s[i])
			}
		case '"':
			return b.String(), s[i+1:]
		default:
			b.WriteByte(s[i])
		}
	}
	return b.String(), ""
}

// skipValue drops the rest of a malformed link-value: everything up to the
// next comma that is outside a quoted string.
func skipValue(s string) string {
	for s != "" {
		switch s[0] {
		case '"':
			_, s = quotedString(s)
		case ',':
			return s[1:]
		default:
			s = s[1:]
		}
	}
	return ""
}

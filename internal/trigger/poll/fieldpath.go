package poll

import (
	"fmt"
	"strconv"
	"strings"

	"github.com/patchbay/patchbay/internal/pill"
)

// fieldPath is a dot path into a parsed body or record, such as
// "data.items" or "links[0].href", parsed once when the poller compiles.
// Keys are split at dots, so a key holding a dot cannot be named; XML's
// "@attr" and "#text" keys can. A list is indexed as "links[0]" or
// "links.0". The empty path names the value itself.
//
// It is not the pill package's path: a pill starts at a root (trigger,
// steps.<id>, cursor) and writes a key that is not an identifier as
// ["@attr"], while a trigger field is relative to the response or record and
// takes such keys, and "items.0", bare. Lookup errors share pill.KindOf.
type fieldPath struct {
	text string
	segs []pathSegment
}

// pathSegment is one key, or one list index when index >= 0.
type pathSegment struct {
	key   string
	index int
}

// parseFieldPath parses text, saying what is wrong and where.
func parseFieldPath(text string) (fieldPath, error) {
	p := fieldPath{text: text}
	if text == "" {
		return p, nil
	}
	for i, part := range strings.Split(text, ".") {
		key, rest, _ := strings.Cut(part, "[")
		if key == "" && (i > 0 || rest == "") {
			return p, fmt.Errorf("%q has an empty key (write a.b.c or a[0].b)", text)
		}
		if key != "" {
			p.segs = append(p.segs, pathSegment{key: key, index: -1})
		}
		if !strings.Contains(part, "[") {
			continue
		}
		// The rest is one or more "n]" groups: "0]" or "0][1]".
		for _, group := range strings.Split(rest, "[") {
			digits, ok := strings.CutSuffix(group, "]")
			n, err := strconv.Atoi(digits)
			if !ok || err != nil || n < 0 || digits != strconv.Itoa(n) {
				return p, fmt.Errorf("%q has a bad list index %q (want [0], [1], ...)", text, "["+group)
			}
			p.segs = append(p.segs, pathSegment{index: n})
		}
	}
	return p, nil
}

// lookupError says where a path stopped finding anything. It is not
// exported: callers turn it into a poll Error naming the trigger field.
type lookupError struct {
	at     string // the path up to the value that failed, "" for the root
	reason string
}

func (e *lookupError) Error() string { return e.reason }

// lookup walks v along the path. A present null is found (as nil); the
// caller decides what null means for it.
func (p fieldPath) lookup(v any, rootName string) (any, *lookupError) {
	cur := v
	at := rootName
	for _, s := range p.segs {
		if l, ok := cur.([]any); ok && s.index < 0 {
			// "items.0.id" indexes a list as "items[0].id" does, the
			// form recipe validation also accepts.
			if n, err := strconv.Atoi(s.key); err == nil && n >= 0 && s.key == strconv.Itoa(n) {
				s = pathSegment{index: n}
			} else {
				return nil, &lookupError{at, fmt.Sprintf("%s is a list (of %d items), not an object", at, len(l))}
			}
		}
		if s.index < 0 {
			m, ok := cur.(map[string]any)
			if !ok {
				return nil, &lookupError{at, fmt.Sprintf("%s is %s, not an object", at, pill.KindOf(cur))}
			}
			next, ok := m[s.key]
			if !ok {
				return nil, &lookupError{at, fmt.Sprintf("%s has no field %q", at, s.key)}
			}
			cur = next
			at = joinKey(at, s.key)
			continue
		}
		l, ok := cur.([]any)
		if !ok {
			return nil, &lookupError{at, fmt.Sprintf("%s is %s, not a list", at, pill.KindOf(cur))}
		}
		if s.index >= len(l) {
			return nil, &lookupError{at, fmt.Sprintf("%s has no index %d (it has %d items)", at, s.index, len(l))}
		}
		cur = l[s.index]
		at = fmt.Sprintf("%s[%d]", at, s.index)
	}
	return cur, nil
}

func joinKey(at, key string) string {
	if at == "" {
		return key
	}
	return at + "." + key
}

package poll

import (
	"fmt"

	"github.com/patchbay/patchbay/internal/payload"
	"github.com/patchbay/patchbay/internal/pill"
)

// bodyName is what messages call the parsed response body.
const bodyName = "body"

// itemsAt returns the list of records at path in body. XML has no lists of
// its own: a repeated element becomes one, so a single record is an object
// and no record at all is an absent or empty element; both are read as the
// list they stand for.
//
// A null found at a non-empty path is a list with no records: many APIs
// answer {"items": null} when there is nothing to list, and failing that
// poll would back off and let records that appear meanwhile be taken as a
// baseline. An absent key stays an error naming the path, since it more
// likely means a wrong items_path than an empty list. A null body with the
// empty path stays an error too: it cannot be told from an empty body.
func itemsAt(body any, path fieldPath, responseType string) ([]any, error) {
	if body == nil && len(path.segs) == 0 {
		return nil, fmt.Errorf("%s: the response body is empty, not a list of records", describeItemsPath(path))
	}
	v, lerr := path.lookup(body, bodyName)
	if lerr != nil {
		if responseType == payload.XML && xmlHasNone(body, path) {
			return []any{}, nil
		}
		return nil, fmt.Errorf("%s: %s", describeItemsPath(path), lerr.reason)
	}
	if v == nil && len(path.segs) > 0 {
		return []any{}, nil
	}
	switch list := v.(type) {
	case []any:
		return list, nil
	case map[string]any:
		if responseType == payload.XML {
			return []any{list}, nil
		}
	case nil, string:
		if responseType == payload.XML && isEmptyXML(v) {
			return []any{}, nil
		}
	}
	return nil, fmt.Errorf("%s: %s is %s, not a list", describeItemsPath(path), itemsLocation(path), pill.KindOf(v))
}

// xmlHasNone reports whether path fails only at its last key, under an
// element that exists: in XML that is a list with no items.
func xmlHasNone(body any, path fieldPath) bool {
	if len(path.segs) == 0 || path.segs[len(path.segs)-1].index >= 0 {
		return false
	}
	parent := fieldPath{segs: path.segs[:len(path.segs)-1]}
	v, lerr := parent.lookup(body, bodyName)
	if lerr != nil {
		return false
	}
	if m, ok := v.(map[string]any); ok {
		_, has := m[path.segs[len(path.segs)-1].key]
		return !has
	}
	return isEmptyXML(v)
}

// isEmptyXML reports whether v is what an empty XML element parses to.
func isEmptyXML(v any) bool {
	s, ok := v.(string)
	return v == nil || ok && s == ""
}

// describeItemsPath names the trigger field for messages.
func describeItemsPath(path fieldPath) string {
	if path.text == "" {
		return "trigger.items_path (empty: the body itself)"
	}
	return fmt.Sprintf("trigger.items_path %q", path.text)
}

// itemsLocation is the place of the list in the body, as messages say it.
func itemsLocation(path fieldPath) string {
	if path.text == "" {
		return bodyName
	}
	return bodyName + "." + path.text
}

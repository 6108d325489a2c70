package poll

import (
	"encoding/json"
	"errors"
	"fmt"

	"github.com/patchbay/patchbay/internal/pill"
	"github.com/patchbay/patchbay/internal/step/httprequest"
)

// pageRecords reads each item's id and cursor. An item without a usable
// id fails the poll: without it the record cannot be told from others,
// and skipping it would lose it for good.
func (p *Poller) pageRecords(items []any, page int, o httprequest.Outcome) ([]Record, *Error) {
	records := make([]Record, 0, len(items))
	for i, item := range items {
		at := fmt.Sprintf("%s[%d]", itemsLocation(p.items), i)
		v, lerr := p.id.lookup(item, at)
		if lerr != nil {
			return nil, pageError(StageID, page, o, "record %s has no id at trigger.id_path %q: %s", at, p.id.text, lerr.reason)
		}
		id, err := idText(v)
		if err != nil {
			return nil, pageError(StageID, page, o, "record %s has no usable id at trigger.id_path %q: the id %v", at, p.id.text, err)
		}
		r := Record{ID: id, Data: item}
		if p.hasCursor {
			// A record without the cursor field simply has no cursor.
			if c, lerr := p.cursor.lookup(item, at); lerr == nil {
				if r.Cursor, err = cursorText(c); err != nil {
					return nil, pageError(StageCursor, page, o, "record %s: the cursor at trigger.cursor_path %q %v", at, p.cursor.text, err)
				}
			}
		}
		records = append(records, r)
	}
	return records, nil
}

// idText is an id as text: a non-empty string, or a number as written.
func idText(v any) (string, error) {
	if v == "" {
		return "", errors.New("is an empty string")
	}
	return scalarText(v)
}

// scalarText is a string as it is or a number as written: the forms an id
// or a cursor value may take.
func scalarText(v any) (string, error) {
	switch x := v.(type) {
	case string:
		return x, nil
	case json.Number:
		return x.String(), nil
	case float64, int, int64:
		return fmt.Sprint(x), nil
	}
	return "", fmt.Errorf("is %s, not a string or number", pill.KindOf(v))
}

package payload

// CoerceLists makes a parsed tree agree with its datatree on lists. XML
// cannot tell one repeated element from a single one: an order with one
// <item> parses as an object where an order with two parses as a list. When
// the datatree (built from an example that had several) says a field is a
// list, a single value there is wrapped in a one-item list, so pills such
// as {{trigger.order.item[0].sku}} work for every real payload. It changes
// the tree in place and returns it; fields the datatree does not know are
// left alone.
func CoerceLists(v any, fields []Field) any {
	m, ok := asMap(v)
	if !ok {
		return v
	}
	for _, f := range fields {
		val, present := m[f.Name]
		if !present || val == nil {
			continue
		}
		if f.Type == typeList {
			if _, isList := val.([]any); !isList {
				val = []any{val}
				m[f.Name] = val
			}
		}
		if len(f.Fields) == 0 {
			continue
		}
		switch x := val.(type) {
		case []any:
			for i, item := range x {
				x[i] = CoerceLists(item, f.Fields)
			}
		default:
			m[f.Name] = CoerceLists(x, f.Fields)
		}
	}
	return m
}

func asMap(v any) (map[string]any, bool) {
	m, ok := v.(map[string]any)
	return m, ok
}

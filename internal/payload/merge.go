package payload

// inferItems returns a list's item type and, for lists of objects (or of
// lists), the merged item's fields. Nulls do not decide the item type;
// integer and number items widen to number rather than counting as mixed.
func inferItems(path string, items []any) (string, []Field) {
	of := ""
	sawNull := false
	var obj, list *Field // merged object items and list items
	for _, it := range items {
		f := inferValue(path, "[]", it)
		switch f.Type {
		case typeNull:
			sawNull = true
			continue
		case typeObject:
			obj = mergeInto(obj, f)
		case typeList:
			list = mergeInto(list, f)
		}
		of = mergeType(of, f.Type)
	}
	switch {
	case of == "" && sawNull:
		return typeNull, nil
	case obj != nil:
		return of, obj.Fields
	case list != nil:
		return of, list.Fields
	}
	return of, nil
}

// mergeInto folds f into the accumulated item acc.
func mergeInto(acc *Field, f Field) *Field {
	if acc == nil {
		return &f
	}
	*acc = mergeField(*acc, f)
	return acc
}

// mergeType combines two item types: equal stays, integer with number
// widens to number, anything else is mixed.
func mergeType(a, b string) string {
	switch {
	case a == "" || a == b:
		return b
	case numeric(a) && numeric(b):
		return typeNumber
	}
	return typeMixed
}

func numeric(t string) bool { return t == typeInteger || t == typeNumber }

// mergeField merges two observations of the same path. The first non-null
// type wins (integer widened to number when both occur); objects and list
// items merge their members; the first sample is kept.
func mergeField(a, b Field) Field {
	switch {
	case a.Type == typeNull:
		b.Optional = a.Optional || b.Optional
		return b
	case b.Type == typeNull:
		return a
	case a.Type != b.Type:
		if numeric(a.Type) && numeric(b.Type) {
			a.Type = typeNumber
		}
		return a
	}
	switch a.Type {
	case typeObject:
		a.Fields = mergeMembers(a.Fields, b.Fields)
	case typeList:
		switch {
		case a.Of == "" || a.Of == typeNull:
			a.Of = b.Of
		case b.Of != "" && b.Of != typeNull:
			a.Of = mergeType(a.Of, b.Of)
		}
		a.Fields = mergeMembers(a.Fields, b.Fields)
	case typeString:
		if a.Format != b.Format {
			a.Format = "" // a format must hold for every sample
		}
	}
	return a
}

// mergeMembers unions two member lists, keeping a's order then b's new
// names; a member missing on either side becomes Optional. List items
// usually share one shape, so that case is merged pairwise without
// building lookup tables.
func mergeMembers(a, b []Field) []Field {
	if a == nil && b == nil {
		return nil
	}
	if sameNames(a, b) {
		// a belongs to the accumulator alone, so it can be updated in place.
		for i := range a {
			a[i] = mergeField(a[i], b[i])
		}
		return a
	}
	out := make([]Field, 0, len(a)+len(b))
	for _, f := range a {
		if i := indexName(b, f.Name); i >= 0 {
			out = append(out, mergeField(f, b[i]))
		} else {
			f.Optional = true
			out = append(out, f)
		}
	}
	for _, f := range b {
		if indexName(a, f.Name) < 0 {
			f.Optional = true
			out = append(out, f)
		}
	}
	return out
}

// sameNames reports whether a and b list the same names in the same order.
func sameNames(a, b []Field) bool {
	if len(a) != len(b) {
		return false
	}
	for i := range a {
		if a[i].Name != b[i].Name {
			return false
		}
	}
	return true
}

// indexName finds a member by name. A linear scan is fine: it only runs
// when items differ in shape, and objects in examples are small.
func indexName(fs []Field, name string) int {
	for i := range fs {
		if fs[i].Name == name {
			return i
		}
	}
	return -1
}

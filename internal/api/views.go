package api

// viewsOf turns stored rows into their API views for a list answer,
// stopping at the first row whose view cannot be built.
func viewsOf[Row, View any](rows []Row, view func(Row) (View, error)) ([]View, error) {
	out := make([]View, 0, len(rows))
	for _, row := range rows {
		v, err := view(row)
		if err != nil {
			return nil, err
		}
		out = append(out, v)
	}
	return out, nil
}

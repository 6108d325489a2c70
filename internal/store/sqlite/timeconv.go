package sqlite

import (
	"database/sql"
	"time"
)

// Times are stored as Unix microseconds: compact, ordered, and exact enough
// for durations shown in milliseconds.

func micros(t time.Time) int64 { return t.UnixMicro() }

func fromMicros(v int64) time.Time { return time.UnixMicro(v).UTC() }

func fromNullMicros(v sql.NullInt64) *time.Time {
	if !v.Valid {
		return nil
	}
	t := fromMicros(v.Int64)
	return &t
}

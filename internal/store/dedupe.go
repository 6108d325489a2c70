package store

import "time"

// DedupeKey names a webhook delivery for inbound deduplication: a repeat
// of Key for the same recipe before the first one's Window has passed
// makes nothing new.
type DedupeKey struct {
	Key    string
	Window time.Duration
}

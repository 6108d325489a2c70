package payload

import (
	"net/mail"
	"net/url"
	"strings"
	"time"
)

// String formats recognised by Infer.
const (
	formatDateTime = "date-time"
	formatURL      = "url"
	formatEmail    = "email"
)

// stringFormat recognises the string formats that change how a pill is
// offered (date pickers, link previews, recipient fields). Cheap byte
// checks run first so most strings never reach a real parser.
//
// Each check stands alone: a string that looks like a date-time at a glance
// but is not one (mark-elliott@example.com has '-' at 4 and 't' at 10) must
// still reach the others.
func stringFormat(s string) string {
	if len(s) >= len("2006-01-02T15:04:05Z") && s[4] == '-' && (s[10] == 'T' || s[10] == 't') {
		if _, err := time.Parse(time.RFC3339Nano, s); err == nil {
			return formatDateTime
		}
	}
	if hasPrefixFold(s, "http://") || hasPrefixFold(s, "https://") {
		if u, err := url.Parse(s); err == nil && u.Host != "" && !strings.ContainsAny(s, " \t\r\n") {
			return formatURL
		}
		return ""
	}
	if strings.IndexByte(s, '@') > 0 && !strings.ContainsAny(s, " \t\r\n<>") {
		if a, err := mail.ParseAddress(s); err == nil && a.Name == "" && a.Address == s {
			return formatEmail
		}
	}
	return ""
}

// hasPrefixFold is strings.HasPrefix ignoring ASCII case.
func hasPrefixFold(s, prefix string) bool {
	return len(s) >= len(prefix) && strings.EqualFold(s[:len(prefix)], prefix)
}

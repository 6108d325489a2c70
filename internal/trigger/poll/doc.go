// Package poll performs one poll of a polling trigger: it sends the
// trigger's request (through the http_request step machinery, so auth,
// base URL, TLS, the SSRF guard, redaction and recording are those of
// steps), follows pages as the trigger's pagination says, and returns the
// records found, oldest first, with their ids and the new cursor.
//
// The package keeps no state between polls: the caller stores the cursor
// and the set of record ids already seen, and decides which records become
// jobs. A poll either succeeds as a whole or fails with an *Error that
// carries its stage and the exchange that failed; a failed poll yields no
// records, so a caller that keeps its old cursor loses nothing.
//
// Within one poll the request templates may use {{cursor}}, the cursor the
// caller passes in (see package pill: with no cursor yet it renders as an
// empty string in text, and as null in a formula, so that
// {{ cursor ?? "1970-01-01T00:00:00Z" }} gives a default). No other data
// exists before the poll, so trigger and steps may not be used there.
package poll

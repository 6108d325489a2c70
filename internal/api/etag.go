package api

import (
	"net/http"
	"strconv"
	"strings"

	"github.com/patchbay/patchbay/internal/httpx"
)

// etag spells a recipe's or connection's version as an HTTP entity tag.
// A write that sends it back as If-Match is refused with 412 if the
// document changed since: the second of two editors does not silently
// overwrite the first.
func etag(version int64) string { return `"` + strconv.FormatInt(version, 10) + `"` }

// ifMatch reads the version an If-Match header names: 0 when there is none
// (or it is "*"), which writes over any version.
func ifMatch(r *http.Request) (int64, error) {
	h := strings.TrimSpace(r.Header.Get("If-Match"))
	if h == "" || h == "*" {
		return 0, nil
	}
	h = strings.TrimPrefix(h, "W/")
	v, err := strconv.ParseInt(strings.Trim(h, `"`), 10, 64)
	if err != nil || v <= 0 || !strings.HasPrefix(h, `"`) || !strings.HasSuffix(h, `"`) {
		return 0, httpx.BadRequest("invalid_if_match", `If-Match: must be one entity tag as the ETag header gave it, such as "3"`)
	}
	return v, nil
}

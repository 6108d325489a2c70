package api

import (
	"net/http"
	"strconv"
)

// getBlob answers a file received in a multipart webhook, by the hex
// SHA-256 its trigger output names ("blob": "sha256:<hex>").
func (a *API) getBlob(w http.ResponseWriter, r *http.Request) error {
	b, err := a.Store.Blob(r.Context(), r.PathValue("sha256"))
	if err != nil {
		return err
	}
	h := w.Header()
	h.Set("Content-Type", "application/octet-stream")
	h.Set("Content-Length", strconv.Itoa(len(b)))
	h.Set("X-Content-Type-Options", "nosniff")
	w.WriteHeader(http.StatusOK)
	w.Write(b)
	return nil
}

package web

import (
	"bytes"
	"crypto/sha256"
	"embed"
	"encoding/hex"
	"html/template"
	"net/http"
	"strings"
	"time"

	"github.com/patchbay/patchbay/internal/apiview"
)

//go:embed templates
var templateFS embed.FS

// renderIndex renders the app shell once: it depends only on the embedded
// assets, so every request gets the same bytes.
func renderIndex(as *assets) (http.Handler, error) {
	tmpl, err := template.New("index.html").
		Funcs(template.FuncMap{"asset": as.url}).
		ParseFS(templateFS, "templates/index.html")
	if err != nil {
		return nil, err
	}
	// The page names the fields the server adds to recipe and connection
	// views, read from the API's view types, so the editor shows only the
	// document without keeping a list of its own.
	data := struct{ RecipeServerFields, ConnectionServerFields string }{
		strings.Join(apiview.RecipeServerFieldNames(), " "), strings.Join(apiview.ConnectionServerFieldNames(), " ")}
	var buf bytes.Buffer
	if err := tmpl.Execute(&buf, data); err != nil {
		return nil, err
	}
	body := buf.Bytes()
	sum := sha256.Sum256(body)
	etag := `"` + hex.EncodeToString(sum[:8]) + `"`

	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		h := w.Header()
		h.Set("Content-Type", "text/html; charset=utf-8")
		// The shell names the current asset checksums, so browsers must
		// revalidate it (cheaply, by ETag) to pick up a new release.
		h.Set("Cache-Control", "no-cache")
		h.Set("ETag", etag)
		http.ServeContent(w, r, "", time.Time{}, bytes.NewReader(body))
	}), nil
}

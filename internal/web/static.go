package web

import (
	"bytes"
	"crypto/sha256"
	"embed"
	"encoding/hex"
	"fmt"
	"io/fs"
	"log/slog"
	"mime"
	"net/http"
	"path"
	"strings"
	"time"
)

//go:embed static
var staticFS embed.FS

// checksumLen is how many hex digits of a file's SHA-256 go into its URL.
// Twelve (48 bits) make it practically impossible for two versions of one
// file to share a URL, which matters because browsers cache each URL for
// a year without asking again.
const checksumLen = 12

// immutable is the Cache-Control of checksummed assets: a URL's content
// never changes, so browsers need not revalidate it.
const immutable = "public, max-age=31536000, immutable"

// contentTypes pins the types of the files we ship. mime.TypeByExtension
// consults the host's mime.types, which on some systems maps .js to a type
// that, with nosniff, browsers refuse to execute.
var contentTypes = map[string]string{
	".css": "text/css; charset=utf-8",
	".js":  "text/javascript; charset=utf-8",
	".svg": "image/svg+xml",
}

// asset is one embedded static file, read once at start.
type asset struct {
	name        string // source name: "app.js"
	file        string // name in URLs: "app.3f9a1c2b04de.js"
	contentType string
	etag        string
	body        []byte
}

// url is the path the page links to.
func (a *asset) url() string { return "/static/" + a.file }

// assets indexes the embedded files by their checksummed name (what
// requests carry) and by source name (what templates ask for).
type assets struct {
	byFile map[string]*asset
	byName map[string]*asset
}

// loadAssets reads every file under static/ in fsys.
func loadAssets(fsys fs.FS) (*assets, error) {
	sub, err := fs.Sub(fsys, "static")
	if err != nil {
		return nil, err
	}
	as := &assets{byFile: map[string]*asset{}, byName: map[string]*asset{}}
	err = fs.WalkDir(sub, ".", func(p string, d fs.DirEntry, err error) error {
		if err != nil || d.IsDir() {
			return err
		}
		if strings.Contains(p, "/") {
			// Routes match one path segment; a nested file could never be served.
			return fmt.Errorf("static asset %s: subdirectories are not served", p)
		}
		body, err := fs.ReadFile(sub, p)
		if err != nil {
			return err
		}
		sum := sha256.Sum256(body)
		checksum := hex.EncodeToString(sum[:])[:checksumLen]
		ext := path.Ext(p)
		ct, ok := contentTypes[ext]
		if !ok {
			ct = mime.TypeByExtension(ext)
		}
		if ct == "" {
			ct = "application/octet-stream"
		}
		a := &asset{
			name:        p,
			file:        strings.TrimSuffix(p, ext) + "." + checksum + ext,
			contentType: ct,
			etag:        `"` + checksum + `"`,
			body:        body,
		}
		as.byFile[a.file] = a
		as.byName[a.name] = a
		return nil
	})
	if err != nil {
		return nil, err
	}
	return as, nil
}

// url returns the checksummed URL of a source name, for templates. An
// unknown name is an error so a typo in a template fails at start, not as
// a broken page.
func (as *assets) url(name string) (string, error) {
	a, ok := as.byName[name]
	if !ok {
		return "", fmt.Errorf("no static asset %q", name)
	}
	return a.url(), nil
}

// handler serves GET /static/{name}. Only the current checksummed name of
// a file is served: an old name must not be cached for a year under the
// new content, so it is 404 rather than a redirect or the new file.
func (as *assets) handler(log *slog.Logger) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		name := r.PathValue("name")
		a, ok := as.byFile[name]
		if !ok {
			if cur := as.current(name); cur != nil {
				// Usually a page loaded before an upgrade; worth a trace when
				// someone reports a blank UI.
				log.Debug("web: stale asset requested", "path", r.URL.Path, "current", cur.url())
			}
			http.NotFound(w, r)
			return
		}
		h := w.Header()
		h.Set("Content-Type", a.contentType)
		h.Set("Cache-Control", immutable)
		h.Set("ETag", a.etag)
		http.ServeContent(w, r, "", time.Time{}, bytes.NewReader(a.body))
	})
}

// current returns the asset a checksummed name refers to when its
// checksum is not the current one, or nil.
func (as *assets) current(file string) *asset {
	ext := path.Ext(file)
	stem := strings.TrimSuffix(file, ext)
	dot := strings.LastIndexByte(stem, '.')
	if dot < 0 {
		return nil
	}
	return as.byName[stem[:dot]+ext]
}
